"""Fixtures for the server tests: a fresh app, database and instance folder per test."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from server import create_app


@pytest.fixture
def app(tmp_path) -> Flask:
    """Return a fresh app whose instance folder (and SQLite file) lives in tmp_path."""
    return create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance")})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """Return a test client for the fresh app."""
    return app.test_client()
