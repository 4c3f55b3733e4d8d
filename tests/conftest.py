"""Fixtures for the server tests: a fresh app, database and instance folder per test.

Every test that takes ``app`` or ``client`` runs on SQLite and, when
``CAIRN_TEST_DATABASE_URL`` names a PostgreSQL database (``.ci/run`` starts one), on
PostgreSQL too, each time in a schema of its own that is dropped afterwards.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from server import create_app
from server.db import in_schema

POSTGRES = os.environ.get("CAIRN_TEST_DATABASE_URL")
ENGINES = ["sqlite", "postgresql"] if POSTGRES else ["sqlite"]


@pytest.fixture(params=ENGINES)
def app(request, tmp_path) -> Iterator[Flask]:
    """Return a fresh app whose instance folder lives in tmp_path, on each database engine."""
    config = {
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "ORIGIN": "http://localhost",
    }
    if request.param == "sqlite":
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


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """Return a test client for the fresh app."""
    return app.test_client()
