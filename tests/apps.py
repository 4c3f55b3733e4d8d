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
    import psycopg

    schema = f"t_{secrets.token_hex(6)}"
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        app = create_app({**config, "DATABASE_URL": in_schema(POSTGRES, schema)})
        yield app
        app.extensions["cairn.db_pool"].close()
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
