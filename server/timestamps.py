"""``/api/timestamp``: an RFC 3161 time-stamp for a chain head's hash (``server/tsa.py``).

Open to anyone with the app (the diary's server copy need not be on), limited per client
address. Only the hash is sent; the answer is the authority's ``TimeStampResp``.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, jsonify, request

from .encoding import b64url
from .errors import BadInput, CairnError
from .limits import enforce, request_client
from .receipts import HASH
from .tsa import Authority, AuthorityError, OwnAuthority, RemoteAuthority, stamp

STAMPS_PER_MINUTE = 30

bp = Blueprint("timestamps", __name__, url_prefix="/api/timestamp")


def _authority() -> Authority:
    authority = current_app.extensions.get("cairn.tsa")
    if authority is None:
        raise CairnError("This server has no time-stamping authority.", status=404)
    return authority


@bp.get("/authority")
def authority() -> Response:
    """Who stamps, and the certificates a checker can use for its stamps; ``name`` null
    when this server has no authority (the phone then does not ask for stamps)."""
    found = current_app.extensions.get("cairn.tsa")
    if found is None:
        return jsonify(name=None, certificates=[])
    return jsonify(name=found.name, certificates=found.certificates())


@bp.post("")
def timestamp() -> Response:
    """Stamp ``{"hash": "<64 hex>"}``: ``{"token": <TimeStampResp, base64url>, "time": ms}``.

    :raise BadInput: the body is not ``{"hash": "<64 lowercase hex digits>"}``.
    :raise CairnError 404: no authority is set up; 429: too many from this address, or
        from everyone;
        502: the authority did not give a good stamp.
    """
    body = request.get_json(silent=True)
    hash_hex = body.get("hash") if isinstance(body, dict) else None
    if not isinstance(hash_hex, str) or not HASH.fullmatch(hash_hex):
        raise BadInput('Send {"hash": "<64 lowercase hex digits>"}.')
    found = _authority()
    enforce(
        "timestamps",
        request_client(),
        per_minute=STAMPS_PER_MINUTE,
        ceiling=int(current_app.config["TIMESTAMPS_PER_MINUTE_ALL"]),
        message="Too many time-stamps asked for. Wait a minute.",
    )
    try:
        stamped = stamp(found, bytes.fromhex(hash_hex))
    except AuthorityError as error:
        raise CairnError(str(error), status=502) from error
    return jsonify(token=b64url(stamped.response), time=int(stamped.time.timestamp() * 1000))


def init_app(app: Flask) -> None:
    """Set up the authority the config names (``TSA_URL``, or ``TSA = "own"``), if any."""
    url, kind = app.config.get("TSA_URL"), app.config.get("TSA")
    if url:
        certificates = []
        if app.config.get("TSA_CERTIFICATES"):
            certificates = [Path(app.config["TSA_CERTIFICATES"]).read_text()]
        app.extensions["cairn.tsa"] = RemoteAuthority(str(url), certificates)
    elif kind == "own":
        app.extensions["cairn.tsa"] = OwnAuthority(Path(app.instance_path) / "tsa")
    elif kind:
        raise ValueError('TSA must be "own" (or leave it out and set TSA_URL)')
    app.register_blueprint(bp)
