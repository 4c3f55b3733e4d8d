"""The database failing under a running server: restarted (no failed request once it is
back), unreachable (503 with Retry-After), full (507, nothing half written); values no
browser can parse refused; the server's files private."""

from __future__ import annotations

import errno
import secrets
import sqlite3
import stat
import threading
from pathlib import Path

import pytest

from server import create_app, db
from tests.apps import POSTGRES, new_schema
from tests.authenticator import Phone

needs_postgres = pytest.mark.skipif(
    not POSTGRES, reason="needs PostgreSQL: set CAIRN_TEST_DATABASE_URL (.ci/run starts one)"
)


@pytest.fixture
def postgres_app(tmp_path):
    """An app on its own schema, its connections named so a test can cut them alone."""
    name = f"faults_{secrets.token_hex(6)}"
    with new_schema(POSTGRES) as url:
        config = {"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance")}
        app = create_app({**config, "DATABASE_URL": f"{url}&application_name={name}"})
        app.name_in_database = name
        try:
            yield app
        finally:
            app.extensions["cairn.db_pool"].close()


def warm(app, connections: int = 6) -> None:
    """Leave several idle connections in the pool, as a busy server does."""
    start = threading.Barrier(connections)

    def one() -> None:
        with app.test_request_context():
            db.get_db().execute("SELECT 1")
            start.wait()
            db.close_db()

    threads = [threading.Thread(target=one) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def restart_database_for(app) -> int:
    """End every connection the app holds, as a PostgreSQL restart does."""
    import psycopg

    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        return conn.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = %s",
            (app.name_in_database,),
        ).fetchone()[0]


@needs_postgres
def test_a_database_restart_costs_no_failed_request(postgres_app):
    client = postgres_app.test_client()
    warm(postgres_app)
    assert len(postgres_app.extensions["cairn.db_pool"]._idle) >= 2
    assert restart_database_for(postgres_app) >= 2
    statuses = [client.get("/api/health").status_code for _ in range(10)]
    assert statuses == [200] * 10


@needs_postgres
def test_an_unreachable_database_is_a_503_that_says_when_to_try_again(postgres_app):
    pool = postgres_app.extensions["cairn.db_pool"]
    pool.close()
    pool.url = "postgresql://cairn:cairn@localhost:1/nowhere?connect_timeout=2"
    response = postgres_app.test_client().get("/api/health")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "cannot reach its storage" in response.get_json()["error"]


def test_a_full_disk_is_a_507_and_nothing_is_half_written(tmp_path, monkeypatch):
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance")})
    client = app.test_client()
    token = client.get("/api/csrf").get_json()["token"]
    opened = db.connect_sqlite

    def full(path: str) -> db.Database:
        database = opened(path)
        pages = database.conn.execute("PRAGMA page_count").fetchone()[0]
        database.conn.execute(f"PRAGMA max_page_count = {pages}")
        return database

    # A wrong start code is counted in the database: the one write the request makes. Each
    # from another address (no limit is reached), until the file may grow no more.
    monkeypatch.setattr(db, "connect_sqlite", full)
    for n in range(2000):
        answer = client.post(
            "/api/start",
            json={"code": "0000"},
            headers={"X-CSRFToken": token},
            environ_base={"REMOTE_ADDR": f"10.0.{n // 250}.{n % 250}"},
        )
        if answer.status_code != 200:
            break
    assert answer.status_code == 507, answer.get_json()
    assert "storage is full" in answer.get_json()["error"]
    monkeypatch.setattr(db, "connect_sqlite", opened)
    with app.test_request_context():  # every try before it is kept, and none of it
        assert db.get_db().one("SELECT COUNT(*) AS n FROM tries")["n"] == n


def test_failures_are_sorted_into_unreachable_full_or_neither():
    import psycopg

    assert db.fault(OSError(errno.ENOSPC, "No space left on device"))[0] == 507
    assert db.fault(sqlite3.OperationalError("database or disk is full"))[0] == 507
    assert db.fault(sqlite3.OperationalError("database is locked"))[0] == 503
    assert db.fault(psycopg.errors.DiskFull("could not extend file"))[0] == 507
    assert db.fault(psycopg.OperationalError("connection refused"))[0] == 503
    assert db.fault(psycopg.errors.AdminShutdown("terminating connection"))[0] == 503
    assert db.fault(psycopg.errors.ReadOnlySqlTransaction("standby"))[0] == 503
    assert db.fault(psycopg.errors.TooManyConnections("too many"))[0] == 503
    # The operator's to fix, not to wait out: a 500 that the log names.
    assert db.fault(psycopg.errors.InvalidPassword("password authentication failed")) is None
    assert db.fault(psycopg.errors.UniqueViolation("duplicate")) is None
    assert db.fault(sqlite3.OperationalError("no such table: x")) is None
    assert db.fault(ValueError("x")) is None


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity", "1e999", "-1e999"])
def test_numbers_no_browser_can_parse_are_refused(app, constant):
    phone = Phone(app.test_client())
    phone.register()
    body = '{"slots": [{"id": "p1", "type": "passphrase", "iterations": CONSTANT}]}'
    body = body.replace("CONSTANT", constant)
    response = phone.call("PUT", "/api/backup/slots", data=body, content_type="application/json")
    assert response.status_code == 400
    assert phone.client.get("/api/backup").get_json()["slots"] in (None, [])


def test_the_database_file_and_the_instance_folder_are_private(tmp_path):
    create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance")})
    folder = tmp_path / "instance"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for name in ("cairn.sqlite", "secret_key"):
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600, name
    assert not [p for p in Path(folder).iterdir() if p.stat().st_mode & 0o077 and p.is_file()]
