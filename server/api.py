"""The JSON API's own routes: the CSRF token, the start code check and a health check."""

from __future__ import annotations

import hmac
import ipaddress
import math
import threading
import time
from collections import deque
from collections.abc import Callable

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
    """Wrong start codes per client in the last minute, in this process's memory (enough:
    the code only opens the set-up screens, never a diary). An IPv6 client is counted by
    its /64, which one household or phone usually has whole.

    ``window`` is a minute everywhere but in tests, which put a shorter one in
    ``app.extensions`` to see a phone get its tries back without waiting a minute."""

    WINDOW = 60.0
    # Past this many clients, forget every client whose tries have all expired.
    SWEEP_AT = 10_000

    def __init__(self, window: float = WINDOW) -> None:
        self.window = window
        self._lock = threading.Lock()
        self._by_client: dict[str, deque[float]] = {}

    @staticmethod
    def client(address: str | None) -> str:
        try:
            ip = ipaddress.ip_address(address or "")
        except ValueError:
            return address or "?"
        if isinstance(ip, ipaddress.IPv6Address):
            if ip.ipv4_mapped is not None:
                return str(ip.ipv4_mapped)
            return str(ipaddress.ip_network(f"{ip}/64", strict=False))
        return str(ip)

    def check(self, client: str, limit: int, right: Callable[[], bool]) -> bool | None:
        """Return whether the code is right, or None when this client has used its tries;
        counting and checking happen under one lock, so tries sent at once each count."""
        now = time.monotonic()
        with self._lock:
            tries = self._by_client.get(client)
            if tries is not None:
                while tries and now - tries[0] > self.window:
                    tries.popleft()
                if len(tries) >= limit:
                    return None
            ok = right()
            if not ok:
                if len(self._by_client) >= self.SWEEP_AT:
                    self._sweep(now)
                self._by_client.setdefault(client, deque()).append(now)
            return ok

    def wait(self, client: str) -> int:
        """Return the whole seconds until this client's oldest try leaves the window (at
        least 1): then one more try is allowed."""
        with self._lock:
            tries = self._by_client.get(client)
            oldest = tries[0] if tries else time.monotonic()
            return max(1, math.ceil(self.window - (time.monotonic() - oldest)))

    def _sweep(self, now: float) -> None:
        for key in [k for k, v in self._by_client.items() if not v or now - v[-1] > self.window]:
            del self._by_client[key]


@bp.post("/start")
def start_code() -> Response:
    """Say whether ``code`` is this server's start code, which opens set-up on a new phone.

    A wrong code is an ordinary answer (``ok: false``): the disguise goes on calculating.

    :raise BadInput: the body is not ``{"code": "<digits>"}``.
    :raise CairnError 429: too many wrong codes from this address in a minute; its
        ``Retry-After`` says when the next try is allowed (the page waits that long).
    """
    body = request.get_json(silent=True)
    code = body.get("code") if isinstance(body, dict) else None
    if not isinstance(code, str) or not code.isascii() or not code.isdigit() or len(code) > 32:
        raise BadInput('Send {"code": "<digits>"}.')
    tries: _Tries = current_app.extensions.setdefault("cairn.start_tries", _Tries())
    expected = current_app.config["START_CODE"].encode()
    client = _Tries.client(request.remote_addr)
    ok = tries.check(
        client,
        current_app.config["START_CODE_TRIES_PER_MINUTE"],
        lambda: hmac.compare_digest(code.encode(), expected),
    )
    if ok is None:
        wait = tries.wait(client)
        raise CairnError("Too many tries. Wait a minute.", status=429, retry_after=wait)
    return jsonify(ok=ok)


def within_limit(name: str, key: str, per_minute: int) -> bool:
    """Count one request for ``key`` under the limit ``name``; say whether it may go on."""
    tries: _Tries = current_app.extensions.setdefault(f"cairn.limit.{name}", _Tries())
    # Every request counts as a "wrong" try, so the limit is on requests, not on failures.
    return tries.check(key, per_minute, lambda: False) is not None


def client_address() -> str:
    """This request's client, as the limits count it (an IPv6 client by its /64)."""
    return _Tries.client(request.remote_addr)


def json_body() -> dict:
    """Return the request's JSON object.

    :raise BadInput: the body is not a JSON object.
    """
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadInput("Send a JSON object (Content-Type: application/json).")
    return body
