"""Load settings from defaults, the environment and a test mapping, in that order."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from flask import Flask

PWA_DIR = Path(__file__).resolve().parent.parent / "pwa"

DEFAULTS: dict[str, Any] = {
    # Where the SQLite file, the session secret and (later) the receipt key live.
    "DATABASE": "cairn.sqlite",
    "PWA_DIR": str(PWA_DIR),
    # Set when Cairn runs behind a TLS-terminating proxy: trusts X-Forwarded-Proto/Host
    # from that many proxies, turns on HSTS and Secure cookies.
    "BEHIND_PROXY": 0,
    # The proxy's address: the production server (waitress) takes X-Forwarded-* only from
    # it ("*": from any). Unset: any, when Cairn listens on loopback only (nothing but this
    # machine can reach it), else 127.0.0.1.
    "TRUSTED_PROXY": None,
    "FORCE_TLS": False,
    # The production server: at most this many connections open at once, each closed after
    # this many seconds with nothing sent (an idle connection holds no thread, but a place).
    "CONNECTION_LIMIT": 1000,
    "CHANNEL_TIMEOUT": 30,
    # The largest body any call takes (one file part); each call sets its own lower limit.
    "MAX_CONTENT_LENGTH": 1024 * 1024 + 64 * 1024,
    "SESSION_COOKIE_NAME": "s",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Strict",
    "WTF_CSRF_TIME_LIMIT": None,
    "WTF_CSRF_HEADERS": ["X-CSRFToken"],
    # What a first visit shows (a folder under pwa/ with a manifest.webmanifest).
    "DEFAULT_DISGUISE": "calculator",
    # Typed into the disguise on a new phone (for the calculator: the code, then =) to start
    # setting up. Whoever gives people the address gives them this code: change it.
    "START_CODE": "24680",
    # Whether the start code also lets a phone keep a copy on the server. False: it only
    # opens set-up, and a copy needs an invitation (`cairn invite`) — for a service whose
    # start code is widely known (printed on a leaflet).
    "START_CODE_OPENS_COPIES": True,
    # Wrong start codes allowed per client address per minute before 429, and that minute
    # in seconds (tests shorten it to see a phone get its tries back).
    "START_CODE_TRIES_PER_MINUTE": 10,
    "START_CODE_WINDOW_SECONDS": 60,
    # PostgreSQL instead of the SQLite file: postgresql://user:password@host/database
    "DATABASE_URL": None,
    # Passkey accounts: the origin the app is served from (https://diary.example.org) and
    # the WebAuthn RP ID (its host name unless set). `cairn serve` fills ORIGIN in.
    "ORIGIN": None,
    "RP_ID": None,
    # How long a ceremony's challenge lasts, and a sign-in.
    "CHALLENGE_SECONDS": 300,
    "PERMANENT_SESSION_LIFETIME": 30 * 24 * 3600,
    # A sign-in not used for this long ends (a phone left signed in, a passkey synced to
    # someone else's device).
    "SESSION_IDLE_SECONDS": 7 * 24 * 3600,
    # Ceremonies per client address, and uploads per account, per minute before 429.
    "CEREMONIES_PER_MINUTE": 30,
    # New accounts one address may start a day (a refuge's shared connection: several).
    "ACCOUNTS_PER_DAY": 20,
    "UPLOADS_PER_MINUTE": 1200,
    # Everyone together, per minute (per day for new accounts), before 429 "very busy": a
    # guard for the database's capacity, not a fine limit. A try counts here only when its
    # client's own limit allowed it, so no one client uses more than its own share; but
    # enough clients together can fill a ceiling, and then everyone waits. So each sits
    # about where the server is overwhelmed anyway (README: 332-475 uploads a second
    # measured), where refusing quickly costs less than serving slowly, and far above a
    # busy day: 100,000 people each signing in daily and making ten changes a day average
    # 70 sign-ins, 700 time-stamps and 2,000 uploads a minute.
    # Sign-ins and set-up (two ceremonies each): 200 a second.
    "CEREMONIES_PER_MINUTE_ALL": 12_000,
    # Uploads: 500 a second, above what two processes on PostgreSQL took on a 2-core
    # machine (347-402 through nginx; the README's benchmarks), 25 phones each sending a
    # whole diary at its own limit; parts are at most 1 MiB, so this also bounds what
    # uploads write. A refused phone waits and tries again; nothing is lost.
    "UPLOADS_PER_MINUTE_ALL": 30_000,
    # Time receipts (an Ed25519 signature and a counted try each): 100 a second.
    "RECEIPTS_PER_MINUTE_ALL": 6_000,
    # RFC 3161 time-stamps: 50 a second. Each holds a server thread while the authority
    # answers (tens to hundreds of milliseconds), and an outside authority may turn away a
    # server that floods it.
    "TIMESTAMPS_PER_MINUTE_ALL": 3_000,
    # New accounts a day (from midnight UTC), everyone together: 500 addresses' worth at
    # ACCOUNTS_PER_DAY each. It bounds how fast someone with the start code and many
    # addresses makes accounts; a launch to 10,000 people in one day would be exceptional.
    "ACCOUNTS_PER_DAY_ALL": 10_000,
    # What one account may keep on the server, in bytes of ciphertext.
    "BACKUP_QUOTA_BYTES": 1024**3,
    # What every account together may keep (the sum of what each uses): past it, uploads
    # are 507 and the phones try again later. None: no ceiling but the disk.
    "INSTANCE_QUOTA_BYTES": None,
    # On SQLite, uploads are 507 when they would leave less than this free on the disk that
    # holds the database, so sign-ins, set-up and removals (which need a little room to
    # write) still work when uploads have filled it. 512 MiB: the free space is looked at
    # once a second per process, and a second of uploads at a gigabit's line rate is
    # 120 MiB, so four seconds' worth; the WAL also grows until a checkpoint.
    # (PostgreSQL's disk is out of the server's sight: not checked.)
    "DISK_RESERVE_BYTES": 512 * 1024**2,
    # RFC 3161 time-stamps for chain heads (server/tsa.py): the address of a time-stamping
    # authority to pass requests to (and, optionally, a PEM file of its CA certificates for
    # checkers), or TSA = "own" for this server to stamp with its own key. Neither: none.
    "TSA_URL": None,
    "TSA_CERTIFICATES": None,
    "TSA": None,
}


def load(app: Flask, test_config: Mapping[str, Any] | None) -> None:
    """Fill ``app.config``: defaults, then ``CAIRN_*`` environment variables, then ``test_config``.

    ``CAIRN_FOO=bar`` sets ``FOO``; values that parse as JSON (numbers, true/false) are typed.
    """
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("CAIRN")
    if test_config:
        app.config.from_mapping(test_config)

    Path(app.instance_path).mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(PermissionError):  # secrets and the database: this user only
        os.chmod(app.instance_path, 0o700)
    database = Path(app.config["DATABASE"])
    if str(database) != ":memory:" and not database.is_absolute():
        app.config["DATABASE"] = str(Path(app.instance_path) / database)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret(Path(app.instance_path) / "secret_key")
    # The environment's parser turns "24680" into a number; a code is text (leading zeros count).
    code = str(app.config["START_CODE"])
    # Every disguise takes 4 to 6 digits (the timer's entry holds no more).
    if not (code.isascii() and code.isdigit() and 4 <= len(code) <= 6):
        raise ValueError("START_CODE must be 4 to 6 digits")
    app.config["START_CODE"] = code
    tries = app.config["START_CODE_TRIES_PER_MINUTE"]
    if isinstance(tries, bool) or not isinstance(tries, int) or tries < 1:
        raise ValueError("START_CODE_TRIES_PER_MINUTE must be a whole number, 1 or more")
    window = app.config["START_CODE_WINDOW_SECONDS"]
    if isinstance(window, bool) or not isinstance(window, int | float) or window <= 0:
        raise ValueError("START_CODE_WINDOW_SECONDS must be a number of seconds above 0")
    for name in CEILINGS:
        _whole(app, name, least=1)
    _whole(app, "DISK_RESERVE_BYTES", least=0)
    if app.config["INSTANCE_QUOTA_BYTES"] is not None:
        _whole(app, "INSTANCE_QUOTA_BYTES", least=1)
    tls = bool(app.config["FORCE_TLS"] or app.config["BEHIND_PROXY"])
    app.config["SESSION_COOKIE_SECURE"] = tls


CEILINGS = (
    "CEREMONIES_PER_MINUTE_ALL",
    "UPLOADS_PER_MINUTE_ALL",
    "RECEIPTS_PER_MINUTE_ALL",
    "TIMESTAMPS_PER_MINUTE_ALL",
    "ACCOUNTS_PER_DAY_ALL",
)


def _whole(app: Flask, name: str, *, least: int) -> None:
    """Keep setting ``name`` as a whole number (``1e9`` from the environment is one too).

    :raise ValueError: it is not a whole number, or is below ``least``.
    """
    value = app.config[name]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise ValueError(f"{name} must be a whole number, {least} or more")
    app.config[name] = value


def instance_secret(path: Path, make: Callable[[], str] = lambda: secrets.token_urlsafe(48)) -> str:
    """Return a secret kept in the instance folder (the session-signing secret, the receipt
    key), making it with ``make`` on first run.

    Written to a temporary file and linked into place, so another worker starting at the
    same moment reads either nothing or the whole secret, never a part of it.
    """
    empty = False
    try:
        value = path.read_text().strip()
        if value:
            return value
        empty = True  # left by an older crash: replace it
    except FileNotFoundError:
        pass
    value = make()
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
        handle.flush()
        os.fsync(handle.fileno())
    try:
        if empty:
            os.replace(temporary, path)
        else:
            os.link(temporary, path)
    except FileExistsError:
        value = path.read_text().strip()
    finally:
        temporary.unlink(missing_ok=True)
    return value
