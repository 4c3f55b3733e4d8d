"""The SQLite database: created in the instance folder, migrated by version."""

from __future__ import annotations

from pathlib import Path

from server import db


def test_database_is_created_in_the_instance_folder(app):
    path = Path(app.config["DATABASE"])
    assert path.parent == Path(app.instance_path)
    assert path.exists()


def test_migrations_record_the_schema_version(app):
    conn = db.connect(app.config["DATABASE"])
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(db.MIGRATIONS)
    assert db.migrate(conn) == len(db.MIGRATIONS)  # idempotent


def test_connection_is_closed_after_the_request(app):
    with app.app_context():
        conn = db.get_db()
        assert db.get_db() is conn
    with app.app_context():
        assert db.get_db() is not conn
