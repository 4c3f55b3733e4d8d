"""Fixtures for the server tests: a fresh app, database and instance folder per test.

Every test that takes ``app`` or ``client`` runs on SQLite and, when
``CAIRN_TEST_DATABASE_URL`` names a PostgreSQL database (``.ci/run`` starts one), on
PostgreSQL too, each time in a schema of its own that is dropped afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.apps import ENGINES, fresh_app


@pytest.fixture(params=ENGINES)
def app(request, tmp_path) -> Iterator[Flask]:
    """Return a fresh app whose instance folder lives in tmp_path, on each database engine."""
    with fresh_app(request.param, tmp_path) as made:
        yield made


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """Return a test client for the fresh app."""
    return app.test_client()
