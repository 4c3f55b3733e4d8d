"""The JSON API's own routes: the CSRF token, the start code check and a health check."""

from __future__ import annotations

import hashlib
import hmac

from flask import Blueprint, Response, current_app, jsonify, request
from flask_wtf.csrf import generate_csrf

from . import limits
from .db import get_db, now_ms
from .encoding import b64url
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
    decision = count_code_try()
    ok = hmac.compare_digest(code.encode(), current_app.config["START_CODE"].encode())
    if ok:
        limits.limiter().forgive(decision)  # only wrong codes count against the client
        return jsonify(ok=True, grant=make_grant())
    return jsonify(ok=False)


def count_code_try() -> limits.Decision:
    """Count one try at a code (the start code, an invitation) from this client; forgive
    the returned decision when the code was right.

    :raise CairnError 429: too many wrong codes from this client; ``Retry-After`` says when.
    """
    # No instance-wide ceiling here, unlike the other limits: one would refuse the right code
    # too once strangers had used it up, so anyone could stop set-up for everyone. (One that
    # refused only wrong codes would not slow a guesser down: the right guess still passes.)
    decision = limits.limiter().hit(
        f"start-code:{limits.request_client()}",
        limit=current_app.config["START_CODE_TRIES_PER_MINUTE"],
        window=current_app.config["START_CODE_WINDOW_SECONDS"],
    )
    if not decision.allowed:
        raise CairnError(
            "Too many tries. Wait a minute.", status=429, retry_after=decision.retry_after
        )
    return decision


# A grant says its holder typed the start code: it lets a server copy be made. It is bound to
# the code (changing the code ends every grant not yet used) and lasts a year.
GRANT_DAYS = 365


def _grant_mac(issued: int) -> str:
    message = f"cairn grant|{current_app.config['START_CODE']}|{issued}".encode()
    key = str(current_app.config["SECRET_KEY"]).encode()
    return b64url(hmac.new(key, message, hashlib.sha256).digest())


def make_grant() -> str:
    """A grant for the one who typed the start code just now."""
    issued = now_ms()
    return f"{issued}.{_grant_mac(issued)}"


def grant_is_good(grant: object) -> bool:
    """Whether ``grant`` came from this server's start code, as it is now, within a year."""
    if not isinstance(grant, str) or len(grant) > 100 or "." not in grant:
        return False
    issued, mac = grant.split(".", 1)
    if not (issued.isascii() and issued.isdigit()):  # "²".isdigit(), but int() refuses it
        return False
    if not 0 <= now_ms() - int(issued) <= GRANT_DAYS * 86_400_000:
        return False
    return hmac.compare_digest(mac.encode(), _grant_mac(int(issued)).encode())


def json_body() -> dict:
    """Return the request's JSON object.

    :raise BadInput: the body is not a JSON object.
    """
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadInput("Send a JSON object (Content-Type: application/json).")
    return body
