"""Invitations: one-time codes the operator makes (``cairn invite``), each opening one account.

A new copy on the server needs a grant: the start code's (anyone the service gave the app's
address to) or an invitation's (one person the operator chose). An invitation is typed on
the phone where the start code would be; it is checked here, and taken up only when the
account it opens is made, so a registration cancelled half-way leaves it for another try.
Only its SHA-256 is stored.
"""

from __future__ import annotations

import hashlib
import secrets

from flask import Blueprint, Response, current_app, jsonify

from . import limits
from .api import count_code_try, grant_is_good, json_body
from .db import Database, get_db, now_ms
from .errors import BadInput, CairnError

bp = Blueprint("invitations", __name__, url_prefix="/api")

# Letters and digits nobody mistakes for one another (no 0/O, 1/I/L): 31 of them, 16 to a
# code, about 79 bits, read out in four groups of four.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 16
# A grant for an invitation is the code behind this prefix (kept encrypted on the phone).
INVITATION_GRANT = "invitation:"
DAY_MS = 86_400_000
NEEDS_GRANT = (
    "This server keeps copies only for the people it serves: type the start code or the "
    "invitation you were given."
)
NEEDS_INVITATION = (
    "This server keeps copies only for the people it invited: type the invitation you were given."
)
USED = "This invitation has been used already, or has run out. Ask for a new one."


def new_code() -> str:
    """A new invitation code, grouped for reading out: ``K7QM-2XHD-9PWA-4RTE``."""
    code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(code[i : i + 4] for i in range(0, LENGTH, 4))


def normalise(text: object) -> str | None:
    """The code as stored: capitals, without spaces or dashes; None if it cannot be one."""
    if not isinstance(text, str) or len(text) > 64:
        return None
    code = "".join(text.upper().split()).replace("-", "")
    if len(code) != LENGTH or any(c not in ALPHABET for c in code):
        return None
    return code


def _id(code: str) -> str:
    return hashlib.sha256(b"cairn invitation\0" + code.encode()).hexdigest()


def make(db: Database, count: int, days: int) -> list[str]:
    """Make ``count`` invitations lasting ``days`` days; return their codes (kept nowhere)."""
    now = now_ms()
    codes = [new_code() for _ in range(count)]
    with db.transaction():
        db.many(
            "INSERT INTO invitations (id, created, expires) VALUES (?, ?, ?)",
            [(_id(str(normalise(c))), now, now + days * DAY_MS) for c in codes],
        )
    return codes


def usable(db: Database, code: str) -> str | None:
    """The invitation's id, if ``code`` (normalised) is one not yet used and not run out."""
    ident = _id(code)
    row = db.one(
        "SELECT 1 AS x FROM invitations WHERE id = ? AND used IS NULL AND expires >= ?",
        (ident, now_ms()),
    )
    return ident if row else None


def take_up(db: Database, ident: str) -> None:
    """Inside the new account's transaction: use the invitation up, once.

    Kept as used on the day only: to the millisecond it would match the account's own
    ``created`` and tie the person the operator gave the code to to their account.

    :raise CairnError 403: it was used meanwhile (another registration), or has run out.
    """
    now = now_ms()
    taken = db.execute(
        "UPDATE invitations SET used = ? WHERE id = ? AND used IS NULL AND expires >= ?",
        (now - now % DAY_MS, ident, now),
    )
    if taken.rowcount != 1:
        raise CairnError(USED, status=403)


def granted(db: Database, grant: object) -> str | None:
    """Check a new account's grant. Return the invitation's id for an invitation's grant,
    None for the start code's.

    :raise CairnError 403: the grant is neither (none, changed code, used invitation).
    """
    if isinstance(grant, str) and grant.startswith(INVITATION_GRANT):
        # A guess sent here counts as one sent to /api/invitation would.
        decision = count_code_try()
        code = normalise(grant.removeprefix(INVITATION_GRANT))
        ident = usable(db, code) if code else None
        if ident is None:
            raise CairnError(USED, status=403)
        limits.limiter().forgive(decision)
        return ident
    if not current_app.config["START_CODE_OPENS_COPIES"]:
        raise CairnError(NEEDS_INVITATION, status=403)
    if not grant_is_good(grant):
        raise CairnError(NEEDS_GRANT, status=403)
    return None


@bp.post("/invitation")
def check_invitation() -> Response:
    """Say whether ``code`` is an invitation this server made and has not seen used.

    Counted with the start code's tries, per client: a wrong invitation is a wrong code.

    :raise BadInput: the body is not ``{"code": "<text>"}``.
    :raise CairnError 429: too many wrong codes from this address; see ``Retry-After``.
    """
    text = json_body().get("code")
    if not isinstance(text, str) or len(text) > 64:
        raise BadInput('Send {"code": "<the invitation>"}.')
    decision = count_code_try()
    code = normalise(text)
    if code is None or usable(get_db(), code) is None:
        return jsonify(ok=False)
    limits.limiter().forgive(decision)
    return jsonify(ok=True, grant=INVITATION_GRANT + code)
