"""Passkey accounts: an account is its passkeys. Registration, sign-in, sign-out, deletion.

Ceremonies are checked with py_webauthn: resident keys and user verification required,
each challenge used once and only within ``CHALLENGE_SECONDS``, sign counts that must rise,
origin and RP ID from configuration. The PRF output that unlocks the vault never comes here:
a request that carries it is refused.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, current_app, g, jsonify, session
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers.cose import COSEAlgorithmIdentifier
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from . import invitations, storage
from .api import json_body
from .auth import (
    NOT_SIGNED_IN,
    current_account,
    current_session_id,
    end_session,
    login_required,
    start_session,
)
from .db import Database, get_db, now_ms
from .encoding import unb64url
from .errors import BadInput, CairnError
from .limits import enforce, limiter, request_client

bp = Blueprint("passkeys", __name__, url_prefix="/api")

# The passkey's names as the phone's passkey list shows them: nothing that says "diary".
NEUTRAL = "Notebook"
ALGORITHMS = [
    COSEAlgorithmIdentifier.ECDSA_SHA_256,
    COSEAlgorithmIdentifier.EDDSA,
    COSEAlgorithmIdentifier.RSASSA_PKCS1_v1_5_SHA_256,
]
EXPIRED = "This request has expired or was already used. Try again."
MAX_CREDENTIAL_ID = 1023
# What py_webauthn raises for an answer that does not check. Its own errors share the base
# WebAuthnException, but decoding the passkey's COSE public key indexes the CBOR unchecked
# (LookupError, or TypeError when it is not a map), and making a key for the signature
# check lets cryptography's ValueError (a point off the curve) and TypeError through: a
# crafted passkey is a bad answer, not a server fault (tests/test_passkeys.py tries each).
NOT_CHECKED = (WebAuthnException, LookupError, TypeError, ValueError)
# One IPv6 site's (/48) ceremonies a minute, in clients' (/64s') worth.
SITE = 10
# The session cookie's key for this browser's challenge (auth.py keeps the sign-in's).
CHALLENGE = "c"


# --- configuration ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RelyingParty:
    origin: str
    rp_id: str


def relying_party() -> RelyingParty:
    """Return the origin and RP ID ceremonies are checked against, from configuration.

    :raise CairnError 503: ``ORIGIN`` is not set, so no ceremony can be checked.
    """
    origin = current_app.config.get("ORIGIN")
    if not origin:
        raise CairnError("Accounts are not set up on this server.", status=503)
    origin = str(origin).rstrip("/")
    rp_id = current_app.config.get("RP_ID") or urlsplit(origin).hostname or ""
    return RelyingParty(origin=origin, rp_id=str(rp_id))


def _ceremony() -> RelyingParty:
    """Count a ceremony call against this address's limit; return what to check it against.

    :raise CairnError 429: too many ceremonies from this address (or its IPv6 site), or
        from everyone.
    """
    per_minute = int(current_app.config["CEREMONIES_PER_MINUTE"])
    site = request_client(v6_prefix=48)
    enforce(
        "ceremonies",
        request_client(),
        per_minute=per_minute,
        ceiling=int(current_app.config["CEREMONIES_PER_MINUTE_ALL"]),
        message="Too many tries. Wait a minute and try again.",
        # An IPv6 client counts by its /64, and one site (a /48) holds 65,536 of them: alone
        # it could fill everyone's ceiling and stop sign-in for all. A site gets ten
        # clients' worth, so filling the ceiling takes many sites, not one.
        site=site if "/" in site else None,
        site_per_minute=per_minute * SITE,
    )
    return relying_party()


# --- challenges -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Challenge:
    challenge: bytes
    account: str | None
    user_handle: bytes | None
    # The invitation a new account was started with (its id), taken up when it is made.
    invitation: str | None = None


def _new_challenge(
    db: Database,
    purpose: str,
    *,
    account: str | None = None,
    user_handle: bytes | None = None,
    invitation: str | None = None,
) -> bytes:
    """Make a challenge for this browser's session, replacing any it had."""
    now = now_ms()
    challenge = secrets.token_bytes(32)
    ident = secrets.token_urlsafe(18)
    expires = now + int(current_app.config["CHALLENGE_SECONDS"]) * 1000
    with db.transaction():
        db.execute("DELETE FROM challenges WHERE expires < ?", (now,))
        old = session.get(CHALLENGE)
        if isinstance(old, str):
            db.execute("DELETE FROM challenges WHERE id = ?", (old,))
        db.execute(
            "INSERT INTO challenges"
            " (id, challenge, purpose, account, user_handle, invitation, expires)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (ident, challenge, purpose, account, user_handle, invitation, expires),
        )
    session[CHALLENGE] = ident
    return challenge


def _take_challenge(db: Database, purpose: str) -> Challenge:
    """Use up this session's challenge for ``purpose``.

    :raise BadInput: there is none, it was made for something else, or it has expired.
    """
    ident = session.pop(CHALLENGE, None)
    if not isinstance(ident, str):
        raise BadInput(EXPIRED)
    row = db.one(
        "DELETE FROM challenges WHERE id = ?"
        " RETURNING challenge, purpose, account, user_handle, invitation, expires",
        (ident,),
    )
    if row is None or row["purpose"] != purpose or row["expires"] < now_ms():
        raise BadInput(EXPIRED)
    handle = row["user_handle"]
    return Challenge(
        bytes(row["challenge"]),
        row["account"],
        bytes(handle) if handle else None,
        row["invitation"],
    )


# --- what the phone may know about its account ------------------------------------------------


def account_info(db: Database, account: str) -> dict:
    """Return what the phone may know about its account: counts, sizes and times, nothing else.

    :raise CairnError 401: the account is gone (deleted meanwhile).
    """
    row = db.one("SELECT created, updated, used, diary FROM accounts WHERE id = ?", (account,))
    if row is None:
        raise CairnError(NOT_SIGNED_IN, status=401)
    count = db.one("SELECT COUNT(*) AS n FROM passkeys WHERE account = ?", (account,))
    return {
        "created": row["created"],
        "updated": row["updated"],
        "used": row["used"],
        "quota": int(current_app.config["BACKUP_QUOTA_BYTES"]),
        "passkeys": count["n"] if count else 0,
        "diary": row["diary"],
    }


# --- what the phone sends ---------------------------------------------------------------------


def _credential() -> dict:
    """The credential in the body, refused if it carries the PRF output.

    :raise BadInput: no credential object, or one with PRF results in it.
    """
    credential = json_body().get("credential")
    if not isinstance(credential, dict):
        raise BadInput('Send {"credential": <the passkey\'s response>}.')
    extensions = credential.get("clientExtensionResults")
    prf = extensions.get("prf") if isinstance(extensions, dict) else None
    if isinstance(prf, dict) and "results" in prf:
        # The PRF output unlocks the vault: it must never leave the phone.
        raise BadInput("The passkey's secret output must not be sent. Nothing was stored.")
    return credential


def _options(options: object) -> Response:
    return Response(options_to_json(options), mimetype="application/json")


# --- registration -----------------------------------------------------------------------------


DAY = 24 * 3600


def _limit_new_accounts() -> None:
    """Inside the registration's transaction, count one new account made from this address
    today, and then toward everyone's today: only a finished registration counts (a
    cancelled one does not use up a shared connection's), and an IPv6 client by its /48,
    the most one site usually gets.

    :raise CairnError 429: ``ACCOUNTS_PER_DAY`` made from this address already, or
        ``ACCOUNTS_PER_DAY_ALL`` from everyone (the day ends at midnight UTC);
        ``Retry-After`` says when.
    """
    decision = limiter().hit(
        f"accounts:{request_client(v6_prefix=48)}",
        limit=int(current_app.config["ACCOUNTS_PER_DAY"]),
        window=DAY,
    )
    if not decision.allowed:
        raise CairnError(
            "Many copies have been started from this connection today. Try again tomorrow.",
            status=429,
            retry_after=decision.retry_after,
        )
    # Counted only once this address's own limit allowed it, so one address never takes
    # more than its own share; refused, the registration's transaction takes back both.
    everyone = limiter().ceiling(
        "accounts", limit=int(current_app.config["ACCOUNTS_PER_DAY_ALL"]), window=DAY
    )
    if not everyone.allowed:
        raise CairnError(
            "This server has started as many new copies as it can today. Try again tomorrow.",
            status=429,
            retry_after=everyone.retry_after,
        )


@bp.post("/passkeys/register/options")
def register_options() -> Response:
    """Start registering a passkey: for a new account, or for the signed-in one.

    A new account needs a grant: the start code's, or an invitation's (``invitations``).

    :raise CairnError 403: a new account without a grant that holds.
    :raise CairnError 429: too many ceremonies from this address.
    """
    rp = _ceremony()
    body = json_body()
    db = get_db()
    account = current_account()
    invitation = None if account else invitations.granted(db, body.get("grant"))
    exclude: list[PublicKeyCredentialDescriptor] = []
    if account:
        row = db.one("SELECT user_handle FROM accounts WHERE id = ?", (account,))
        user_handle = bytes(row["user_handle"])
        exclude = [
            PublicKeyCredentialDescriptor(id=bytes(r["id"]))
            for r in db.all("SELECT id FROM passkeys WHERE account = ?", (account,))
        ]
    else:
        user_handle = secrets.token_bytes(32)
    challenge = _new_challenge(
        db, "register", account=account, user_handle=user_handle, invitation=invitation
    )
    return _options(
        generate_registration_options(
            rp_id=rp.rp_id,
            rp_name=NEUTRAL,
            user_id=user_handle,
            user_name=NEUTRAL,
            user_display_name=NEUTRAL,
            challenge=challenge,
            timeout=int(current_app.config["CHALLENGE_SECONDS"]) * 1000,
            attestation=AttestationConveyancePreference.NONE,
            authenticator_selection=AuthenticatorSelectionCriteria(
                resident_key=ResidentKeyRequirement.REQUIRED,
                user_verification=UserVerificationRequirement.REQUIRED,
            ),
            exclude_credentials=exclude,
            supported_pub_key_algs=ALGORITHMS,
        )
    )


@bp.post("/passkeys/register")
def register() -> tuple[Response, int]:
    """Finish a registration: check it, keep the passkey, and sign in.

    :raise BadInput: no challenge (or a used or expired one), or a response that does not check.
    :raise CairnError 409: this passkey is already registered.
    """
    rp = _ceremony()
    credential = _credential()
    db = get_db()
    challenge = _take_challenge(db, "register")
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge.challenge,
            expected_rp_id=rp.rp_id,
            expected_origin=rp.origin,
            require_user_verification=True,
            supported_pub_key_algs=ALGORITHMS,
        )
    except NOT_CHECKED as exc:
        raise BadInput("The passkey's answer could not be checked. Nothing was stored.") from exc
    if len(verified.credential_id) > MAX_CREDENTIAL_ID:
        # WebAuthn L3 asks relying parties to refuse longer ones (and PostgreSQL's index would).
        raise BadInput("The passkey's answer could not be checked. Nothing was stored.")
    if challenge.account is not None and challenge.account != current_account():
        raise BadInput(EXPIRED)  # started while signed in to an account this browser left
    now = now_ms()
    with db.transaction():
        if db.one("SELECT 1 AS x FROM passkeys WHERE id = ?", (verified.credential_id,)):
            raise CairnError("This passkey is already registered.", status=409)
        account = challenge.account
        if account is None:
            # An invitation opens one account, whatever the connection has made today.
            if challenge.invitation:
                invitations.take_up(db, challenge.invitation)
            else:
                _limit_new_accounts()
            account = secrets.token_urlsafe(16)
            db.execute(
                "INSERT INTO accounts (id, user_handle, created) VALUES (?, ?, ?)",
                (account, challenge.user_handle, now),
            )
        elif db.lock_account(account) is None:
            raise CairnError(NOT_SIGNED_IN, status=401)  # deleted meanwhile
        try:
            db.execute(
                "INSERT INTO passkeys (id, account, public_key, sign_count, created)"
                " VALUES (?, ?, ?, ?, ?)",
                (
                    verified.credential_id,
                    account,
                    verified.credential_public_key,
                    verified.sign_count,
                    now,
                ),
            )
        except Exception as exc:
            # The same passkey registered at the same moment by another request.
            if type(exc).__name__ in ("IntegrityError", "UniqueViolation"):
                raise CairnError("This passkey is already registered.", status=409) from exc
            raise
        start_session(db, account=account)
        info = account_info(db, account)
    return jsonify(account=info), 201


# --- signing in and out -----------------------------------------------------------------------


@bp.post("/session/options")
def sign_in_options() -> Response:
    """Start a sign-in with any of this server's passkeys (the phone offers its own).

    :raise CairnError 429: too many ceremonies from this address.
    """
    rp = _ceremony()
    json_body()
    challenge = _new_challenge(get_db(), "sign-in")
    return _options(
        generate_authentication_options(
            rp_id=rp.rp_id,
            challenge=challenge,
            timeout=int(current_app.config["CHALLENGE_SECONDS"]) * 1000,
            allow_credentials=[],
            user_verification=UserVerificationRequirement.REQUIRED,
        )
    )


@bp.post("/session")
def sign_in() -> Response:
    """Finish a sign-in: check the passkey's signature and sign count, then sign in.

    :raise BadInput: no challenge (or a used or expired one), or a response that does not check.
    :raise CairnError 401: the passkey is not one this server knows.
    """
    rp = _ceremony()
    credential = _credential()
    db = get_db()
    challenge = _take_challenge(db, "sign-in")
    try:
        raw_id = unb64url(str(credential.get("rawId") or credential.get("id") or ""))
    except ValueError as exc:
        raise BadInput("The passkey's answer could not be checked.") from exc
    row = db.one("SELECT account, public_key, sign_count FROM passkeys WHERE id = ?", (raw_id,))
    if row is None:
        raise CairnError("This passkey is not known to this server.", status=401)
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge.challenge,
            expected_rp_id=rp.rp_id,
            expected_origin=rp.origin,
            credential_public_key=bytes(row["public_key"]),
            credential_current_sign_count=row["sign_count"],
            require_user_verification=True,
        )
    except NOT_CHECKED as exc:
        raise BadInput("The passkey's answer could not be checked.") from exc
    handle = (credential.get("response") or {}).get("userHandle")
    account = row["account"]
    with db.transaction():
        owner = db.lock_account(account)
        if owner is None:
            raise CairnError("This passkey is not known to this server.", status=401)
        if handle:
            try:
                same = unb64url(str(handle)) == bytes(owner["user_handle"])
            except ValueError:
                same = False
            if not same:
                raise BadInput("The passkey's answer could not be checked.")
        # Compare-and-set: of two answers with the same count, only one signs in.
        moved = db.execute(
            "UPDATE passkeys SET sign_count = ?, last_used = ? WHERE id = ? AND sign_count = ?",
            (verified.new_sign_count, now_ms(), raw_id, row["sign_count"]),
        )
        if moved.rowcount != 1:
            raise BadInput("The passkey's answer could not be checked.")
        start_session(db, account=account)
        info = account_info(db, account)
    return jsonify(account=info)


@bp.delete("/session")
def sign_out() -> Response:
    """Sign out: the session ends on the server too. Safe to repeat."""
    db = get_db()
    session.pop(CHALLENGE, None)  # a ceremony started while signed in ends with the session
    with db.transaction():
        end_session(db)
    return jsonify(ok=True)


@bp.get("/sessions")
@login_required
def sign_ins() -> Response:
    """List this account's sign-ins: when each began and was last used, and the kind of
    device; ``current`` marks this browser's. The newest first."""
    here = current_session_id()
    now = now_ms()
    idle = now - int(current_app.config["SESSION_IDLE_SECONDS"]) * 1000
    rows = get_db().all(
        "SELECT id, created, last_used, device FROM sessions WHERE account = ? AND expires >= ?"
        " AND COALESCE(last_used, ?) >= ? ORDER BY COALESCE(last_used, created) DESC",
        (g.account, now, now, idle),
    )
    return jsonify(
        sessions=[
            {
                "created": r["created"],
                "lastUsed": r["last_used"] or r["created"],
                "device": r["device"] or "a device the server could not tell",
                "current": r["id"] == here,
            }
            for r in rows
        ]
    )


@bp.post("/sessions/end-others")
@login_required
def end_other_sign_ins() -> Response:
    """Sign out everywhere but here: every other sign-in of this account ends now."""
    db = get_db()
    with db.transaction():
        ended = db.execute(
            "DELETE FROM sessions WHERE account = ? AND id <> ?",
            (g.account, current_session_id() or ""),
        ).rowcount
    return jsonify(ended=ended)


# --- the account's own routes -----------------------------------------------------------------


@bp.get("/account")
@login_required
def account() -> Response:
    """Say what the signed-in account holds.

    :raise CairnError 401: nobody is signed in.
    """
    return jsonify(account=account_info(get_db(), g.account))


@bp.delete("/account")
@login_required
def delete_account() -> Response:
    """Delete the account: its passkeys, sessions, and everything stored for it.

    :raise CairnError 401: nobody is signed in.
    """
    account_id = g.account
    db = get_db()
    with db.transaction():
        row = db.lock_account(account_id)
        if row is not None:
            storage.charge(db, account=account_id, delta=-row["used"])
        # The foreign keys cascade; the tables are named too, so nothing hangs on them.
        for table in ("chunks", "records", "sessions", "challenges", "passkeys"):
            db.execute(f"DELETE FROM {table} WHERE account = ?", (account_id,))  # noqa: S608 (table names and ? marks only)
        db.execute("DELETE FROM accounts WHERE id = ?", (account_id,))
        end_session(db)
    return jsonify(ok=True)


def init_app(app: Flask) -> None:
    """Serve the account routes."""
    app.register_blueprint(bp)
