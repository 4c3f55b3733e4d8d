"""The JSON API's own routes: the CSRF token, the start code check and a health check."""

from __future__ import annotations

import hmac
import threading
import time
from collections import deque

from flask import Blueprint, Response, current_app, jsonify, request
from flask_wtf.csrf import generate_csrf

from .db import get_db
from .errors import BadInput, CairnError

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


class _Tries:
    """Wrong tries per client address in the last minute (one process's memory is enough:
    the start code only opens the set-up screens, never a diary)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_client: dict[str, deque[float]] = {}

    def allowed(self, client: str, limit: int) -> bool:
        now = time.monotonic()
        with self._lock:
            tries = self._by_client.get(client)
            if tries is None:
                return True
            while tries and now - tries[0] > 60:
                tries.popleft()
            if not tries:
                del self._by_client[client]
            return len(tries) < limit

    def wrong(self, client: str) -> None:
        with self._lock:
            self._by_client.setdefault(client, deque()).append(time.monotonic())


@bp.post("/start")
def start_code() -> Response:
    """Say whether ``code`` is this server's start code, which opens set-up on a new phone.

    A wrong code is an ordinary answer (``ok: false``): the disguise goes on calculating.

    :raise BadInput: the body is not ``{"code": "<digits>"}``.
    :raise CairnError 429: too many wrong codes from this address in a minute.
    """
    body = request.get_json(silent=True)
    code = body.get("code") if isinstance(body, dict) else None
    if not isinstance(code, str) or not code.isascii() or not code.isdigit() or len(code) > 32:
        raise BadInput('Send {"code": "<digits>"}.')
    tries: _Tries = current_app.extensions.setdefault("cairn.start_tries", _Tries())
    client = request.remote_addr or "?"
    if not tries.allowed(client, current_app.config["START_CODE_TRIES_PER_MINUTE"]):
        raise CairnError("Too many tries. Wait a minute.", status=429)
    ok = hmac.compare_digest(code.encode(), current_app.config["START_CODE"].encode())
    if not ok:
        tries.wrong(client)
    return jsonify(ok=ok)
