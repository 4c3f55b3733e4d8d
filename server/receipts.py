"""Signed time receipts: the server's word that it saw a diary's chain head at a moment.

The server sees only the hash. A receipt is ``{v, hash, time, kid, signature}``: Ed25519 over
the UTF-8 of ``cairn/receipt/v1``, the hash, the time (ms since 1970) and the key id, one per
line. The key's 32-byte seed is kept (hex, ``0600``) in the instance folder as
``receipt_key``; the public key is published at ``/api/receipts/key``. The format is in
docs/receipts.md.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from flask import Blueprint, Flask, Response, current_app, jsonify, request

from .config import instance_secret
from .encoding import b64url, unb64url
from .errors import BadInput
from .limits import enforce, request_client

LABEL = "cairn/receipt/v1"
KEY_FILE = "receipt_key"
HASH = re.compile(r"[0-9a-f]{64}")
RECEIPTS_PER_MINUTE = 60

bp = Blueprint("receipts", __name__, url_prefix="/api/receipts")


def raw_public(key: Ed25519PublicKey) -> bytes:
    """Return the 32 raw bytes of an Ed25519 public key."""
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(public: bytes) -> str:
    """Return a key's id: the first 16 hex digits of the SHA-256 of its raw bytes."""
    return hashlib.sha256(public).hexdigest()[:16]


def message(hash_hex: str, at: int, kid: str) -> bytes:
    """Return what is signed: the label, the hash, the time and the key id, one per line."""
    return "\n".join([LABEL, hash_hex, str(at), kid]).encode()


def load_key(instance: Path) -> Ed25519PrivateKey:
    """Return the instance's receipt key, made on first use (a 32-byte seed, hex, 0600)."""
    seed = instance_secret(instance / KEY_FILE, lambda: secrets.token_hex(32))
    return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(seed))


def sign(key: Ed25519PrivateKey, hash_hex: str, at: int | None = None) -> dict:
    """Return a receipt for ``hash_hex`` at ``at`` (now, when not given)."""
    at = int(time.time() * 1000) if at is None else at
    kid = key_id(raw_public(key.public_key()))
    signature = key.sign(message(hash_hex, at, kid))
    return {"v": 1, "hash": hash_hex, "time": at, "kid": kid, "signature": b64url(signature)}


def verify(receipt: object, public: bytes) -> bool:
    """Say whether ``receipt`` is well formed and signed by the key whose raw bytes are
    ``public``. Never raises."""
    try:
        if not isinstance(receipt, dict) or receipt.get("v") != 1:
            return False
        hash_hex, at, kid = receipt["hash"], receipt["time"], receipt["kid"]
        if not isinstance(hash_hex, str) or not HASH.fullmatch(hash_hex):
            return False
        if isinstance(at, bool) or not isinstance(at, int) or kid != key_id(public):
            return False
        signature = unb64url(receipt["signature"])
        Ed25519PublicKey.from_public_bytes(public).verify(signature, message(hash_hex, at, kid))
        return True
    except (KeyError, TypeError, ValueError, InvalidSignature):
        return False


def _key() -> Ed25519PrivateKey:
    return current_app.extensions["cairn.receipt_key"]


@bp.get("/key")
def public_key() -> Response:
    """Publish the public key receipts are checked with."""
    public = raw_public(_key().public_key())
    return jsonify(alg="Ed25519", kid=key_id(public), publicKey=b64url(public))


@bp.post("")
def receipt() -> Response:
    """Sign ``{"hash": "<64 hex>"}``: the server's time for a chain head it never sees more of.

    :raise BadInput: the body is not ``{"hash": "<64 lowercase hex digits>"}``.
    :raise CairnError 429: more than 60 receipts a minute from this address, or more than
        ``RECEIPTS_PER_MINUTE_ALL`` from everyone.
    """
    body = request.get_json(silent=True)
    hash_hex = body.get("hash") if isinstance(body, dict) else None
    if not isinstance(hash_hex, str) or not HASH.fullmatch(hash_hex):
        raise BadInput('Send {"hash": "<64 lowercase hex digits>"}.')
    enforce(
        "receipts",
        request_client(),
        per_minute=RECEIPTS_PER_MINUTE,
        ceiling=int(current_app.config["RECEIPTS_PER_MINUTE_ALL"]),
        message="Too many receipts asked for. Wait a minute.",
    )
    return jsonify(receipt=sign(_key(), hash_hex))


def init_app(app: Flask) -> None:
    """Load (or make) the receipt key and serve the receipt routes."""
    app.extensions["cairn.receipt_key"] = load_key(Path(app.instance_path))
    app.register_blueprint(bp)
