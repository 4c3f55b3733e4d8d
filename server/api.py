"""The JSON API's own routes: the CSRF token for fetch calls and a health check."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from flask_wtf.csrf import generate_csrf

from .db import get_db

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/csrf")
def csrf_token() -> Response:
    """Return the CSRF token that state-changing calls send in the ``X-CSRFToken`` header."""
    return jsonify(token=generate_csrf())


@bp.get("/health")
def health() -> Response:
    """Say the server is up and its database answers."""
    get_db().execute("SELECT 1").fetchone()
    return jsonify(ok=True)
