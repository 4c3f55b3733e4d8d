"""A fresh app for a server test, on SQLite or on PostgreSQL (in a schema of its own that is
dropped afterwards), when ``CAIRN_TEST_DATABASE_URL`` names a PostgreSQL database."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

from flask import Flask

from server import create_app
from server.db import in_schema

POSTGRES = os.environ.get("CAIRN_TEST_DATABASE_URL")
ENGINES = ["sqlite", "postgresql"] if POSTGRES else ["sqlite"]


@contextlib.contextmanager
def new_schema(url: str, prefix: str = "t") -> Iterator[str]:
    """A schema of its own in the PostgreSQL database at ``url``, dropped after: yields the
    URL whose connections use it."""
    import psycopg

    schema = f"{prefix}_{secrets.token_hex(6)}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield in_schema(url, schema)
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@contextlib.contextmanager
def fresh_app(engine: str, tmp_path: Path) -> Iterator[Flask]:
    """An app whose instance folder lives in ``tmp_path``, on ``engine``."""
    config = {
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "ORIGIN": "http://localhost",
    }
    if engine == "sqlite":
        yield create_app(config)
        return
    with new_schema(POSTGRES) as url:
        app = create_app({**config, "DATABASE_URL": url})
        yield app
        app.extensions["cairn.db_pool"].close()
