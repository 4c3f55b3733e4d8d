"""Who is signed in: server-side sessions for passkey accounts, and ``login_required``.

A session is a random token in the signed session cookie and, in the database, the token's
SHA-256 with its account and end; so signing out ends it on the server too, and a copy of
the database signs nobody in. A passkey ceremony (passkeys.py) decides who may sign in;
this module only keeps them signed in.

Unlike flaskr, the account is looked up only by the routes that need it (``login_required``
or ``current_account``), not before every request: the app's own files are served without
reading the session cookie or the database.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from flask import current_app, g, request, session

from .db import Database, get_db, now_ms
from .errors import CairnError

NOT_SIGNED_IN = "Sign in to the server first."
# The session cookie's key for the sign-in token (short: the cookie goes with every call).
COOKIE_KEY = "a"

P = ParamSpec("P")
R = TypeVar("R")


def _token_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# How often a sign-in's last use is written down (not on every call).
TOUCH_MS = 60 * 60 * 1000


def current_account() -> str | None:
    """Return the signed-in account's id, or None (also once the sign-in has gone a week,
    ``SESSION_IDLE_SECONDS``, unused)."""
    token = session.get(COOKIE_KEY)
    if not isinstance(token, str):
        return None
    db = get_db()
    row = db.one(
        "SELECT id, account, created, expires, last_used FROM sessions WHERE id = ?",
        (_token_id(token),),
    )
    now = now_ms()
    if row is None or row["expires"] < now:
        return None
    # A sign-in from before last use was kept counts as used now (not signed out on upgrade).
    used = row["last_used"] or now - TOUCH_MS - 1
    if used + int(current_app.config["SESSION_IDLE_SECONDS"]) * 1000 < now:
        db.execute("DELETE FROM sessions WHERE id = ?", (row["id"],))
        return None
    if now - used > TOUCH_MS:
        db.execute("UPDATE sessions SET last_used = ? WHERE id = ?", (now, row["id"]))
    return row["account"]


def current_session_id() -> str | None:
    """The database id of this browser's sign-in, or None."""
    token = session.get(COOKIE_KEY)
    return _token_id(token) if isinstance(token, str) else None


def device_kind(user_agent: str) -> str:
    """The kind of device a User-Agent names, in plain words, and nothing finer (no version,
    no model): all the sign-in list needs to tell "my phone" from "not mine"."""
    ua = user_agent.lower()
    for needle, kind in (
        ("iphone", "an iPhone"),
        ("ipad", "an iPad"),
        ("android", "an Android phone or tablet"),
        ("windows", "a Windows computer"),
        ("macintosh", "a Mac"),
        ("cros", "a Chromebook"),
        ("linux", "a Linux computer"),
    ):
        if needle in ua:
            return kind
    return "a device the server could not tell"


def login_required(view: Callable[P, R]) -> Callable[P, R]:
    """Let only a signed-in phone reach ``view``, with its account's id on ``g.account``.

    :raise CairnError 401: nobody is signed in (or the session ended).
    """

    @functools.wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        account = current_account()
        if account is None:
            raise CairnError(NOT_SIGNED_IN, status=401)
        g.account = account
        return view(*args, **kwargs)

    return wrapped


def start_session(db: Database, *, account: str) -> None:
    """Sign this browser in to ``account``, ending whatever session it had."""
    old = session.get(COOKIE_KEY)
    if isinstance(old, str):
        db.execute("DELETE FROM sessions WHERE id = ?", (_token_id(old),))
    token = secrets.token_urlsafe(32)
    now = now_ms()
    db.execute("DELETE FROM sessions WHERE expires < ?", (now,))
    lifetime = current_app.permanent_session_lifetime.total_seconds()
    db.execute(
        "INSERT INTO sessions (id, account, created, expires, last_used, device)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (
            _token_id(token),
            account,
            now,
            now + int(lifetime * 1000),
            now,
            device_kind(request.headers.get("User-Agent", "")),
        ),
    )
    session[COOKIE_KEY] = token
    session.permanent = True


def end_session(db: Database) -> None:
    """Sign this browser out: its session ends in the database and leaves the cookie."""
    token = session.pop(COOKIE_KEY, None)
    if isinstance(token, str):
        db.execute("DELETE FROM sessions WHERE id = ?", (_token_id(token),))
