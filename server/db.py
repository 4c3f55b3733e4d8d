"""The server's SQLite database: one connection per request on ``g``, schema by version."""

from __future__ import annotations

import sqlite3

from flask import Flask, current_app, g

# Each entry moves the schema one version on; PRAGMA user_version records how far.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
]


def connect(path: str) -> sqlite3.Connection:
    """Open the database at ``path`` with foreign keys and WAL on."""
    conn = sqlite3.connect(path, detect_types=sqlite3.PARSE_DECLTYPES, timeout=10)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    if path != ":memory:":
        conn.execute("PRAGMA journal_mode = WAL")
    return conn


def get_db() -> sqlite3.Connection:
    """Return this request's connection, opening it on first use."""
    if "db" not in g:
        g.db = connect(current_app.config["DATABASE"])
    return g.db


def close_db(_exc: BaseException | None = None) -> None:
    """Close this request's connection, if one was opened."""
    conn = g.pop("db", None)
    if conn is not None:
        conn.close()


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the schema up to date and return its version."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        with conn:
            conn.executescript(f"BEGIN; {script}; PRAGMA user_version = {number};")
    return len(MIGRATIONS)


def init_app(app: Flask) -> None:
    """Migrate the database at start-up and close connections after each request."""
    app.teardown_appcontext(close_db)
    conn = connect(app.config["DATABASE"])
    try:
        migrate(conn)
    finally:
        conn.close()
