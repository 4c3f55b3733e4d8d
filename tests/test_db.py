"""The database: SQLite in the instance folder by default, PostgreSQL when a URL is set;
migrated by version, the same calls on both."""

from __future__ import annotations

from pathlib import Path

import pytest

from server import create_app, db


def test_sqlite_is_created_in_the_instance_folder(tmp_path):
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance")})
    path = Path(app.config["DATABASE"])
    assert path.parent == Path(app.instance_path)
    assert path.exists()
    conn = db.connect(str(path))
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(db.MIGRATIONS)


def test_migrations_are_idempotent(app):
    database = db.connect(db.target(app))
    try:
        assert db.migrate(database) == len(db.MIGRATIONS)
        assert db.migrate(database) == len(db.MIGRATIONS)
        tables = {"accounts", "passkeys", "challenges", "sessions", "records", "chunks"}
        for table in tables:
            assert database.one(f"SELECT COUNT(*) AS n FROM {table}")["n"] == 0  # noqa: S608 (table names and ? marks only)
    finally:
        database.close()


def test_an_older_cairn_refuses_a_database_a_newer_one_moved_on(app, monkeypatch):
    """Running an older process beside a newer one (a rolling restart) once set the version
    back, and the newer one then failed to start, migrating twice: now the older refuses."""
    database = db.connect(db.target(app))
    try:
        monkeypatch.setattr(db, "MIGRATIONS", db.MIGRATIONS[:-1])
        with pytest.raises(db.NewerSchema, match="newer than this Cairn"):
            db.migrate(database)
        monkeypatch.undo()
        assert db.migrate(database) == len(db.MIGRATIONS)  # the newer one still starts
    finally:
        database.close()


def test_a_transaction_keeps_all_or_nothing(app):
    with app.app_context():
        database = db.get_db()
        with pytest.raises(RuntimeError), database.transaction():
            database.execute("INSERT INTO meta (key, value) VALUES (?, ?)", ("a", "1"))
            raise RuntimeError
        assert database.one("SELECT value FROM meta WHERE key = ?", ("a",)) is None
        with database.transaction():
            database.execute("INSERT INTO meta (key, value) VALUES (?, ?)", ("a", "2"))
        assert database.one("SELECT value FROM meta WHERE key = ?", ("a",))["value"] == "2"


def test_connection_is_given_back_after_the_request(app):
    with app.app_context():
        conn = db.get_db()
        assert db.get_db() is conn
    with app.app_context():
        # SQLite opens a new one; PostgreSQL takes the same one back from the pool.
        again = db.get_db()
        assert (again is conn) == bool(app.config.get("DATABASE_URL"))


def test_a_database_url_must_be_postgresql(tmp_path):
    with pytest.raises(ValueError, match="postgresql"):
        create_app(
            {
                "TESTING": True,
                "INSTANCE_PATH": str(tmp_path),
                "DATABASE_URL": "mysql://x@localhost/y",
            }
        )


def test_upgrading_recounts_what_each_account_uses_at_the_new_row_cost(tmp_path, monkeypatch):
    """An account made before rows cost 1024 bytes each is recounted by the migration."""
    from server.backup import ROW_OVERHEAD

    path = str(tmp_path / "old.sqlite")
    database = db.connect_sqlite(path)
    monkeypatch.setattr(db, "MIGRATIONS", db.MIGRATIONS[: migration("costs 1024 bytes")])
    db.migrate(database)
    database.execute(
        "INSERT INTO accounts (id, user_handle, created, used, slots) VALUES ('a', x'01', 0, 0, ?)",
        ("[]",),
    )
    for n in range(3):
        database.execute(
            "INSERT INTO records (account, id, kind, version, iv, ct)"
            " VALUES ('a', ?, 'event', 1, ?, ?)",
            (f"e{n}", bytes(12), bytes(100)),
        )
    monkeypatch.undo()
    db.migrate(database)
    used = database.one("SELECT used FROM accounts WHERE id = 'a'")["used"]
    database.close()
    assert used == len("[]") + 3 * (100 + ROW_OVERHEAD)


def test_upgrading_adds_up_what_the_accounts_already_use(tmp_path, monkeypatch):
    """The instance's running total starts from what every account used before it."""
    from server import storage

    database = db.connect_sqlite(str(tmp_path / "old.sqlite"))
    monkeypatch.setattr(db, "MIGRATIONS", db.MIGRATIONS[: migration("CREATE TABLE storage")])
    db.migrate(database)
    for n, used in enumerate((5000, 70_000, 0)):
        database.execute(
            "INSERT INTO accounts (id, user_handle, created, used) VALUES (?, ?, 0, ?)",
            (f"a{n}", bytes([n]), used),
        )
    monkeypatch.undo()
    db.migrate(database)
    try:
        assert storage.total(database) == 75_000
    finally:
        database.close()


def migration(words: str) -> int:
    """The number of the one migration whose script holds ``words``."""
    (found,) = [n for n, script in enumerate(db.MIGRATIONS) if words in script]
    return found
