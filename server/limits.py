"""Rate limits: how many times one client or one account may do one thing in a window, and
how many times everyone together may (the instance's ceiling).

Every limit goes through one ``Limiter``: ``hit`` counts a try and says whether it may go on,
in one step, so tries sent at once each count; ``forgive`` takes a counted try back (a right
start code is not a wrong one); ``ceiling`` counts a try toward everyone's, in fixed windows.
The server counts in its database (``DatabaseLimiter``), so every process and host behind one
address shares the counts and a restart forgets none; ``MemoryLimiter`` counts in one
process's memory, for tests that move its clock.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from flask import Flask, current_app, request

from . import db
from .errors import CairnError

# Every limit but the start code's counts over one minute.
MINUTE = 60.0


@dataclass(frozen=True)
class Decision:
    """What a limiter said about one try."""

    allowed: bool
    # Whole seconds until one more try would be allowed: 0 when allowed, at least 1 when not.
    retry_after: int
    key: str
    # When the try was counted, on the limiter's clock (for ``forgive``); None when refused.
    at: float | None = None
    # The counted try's row, for a limiter that keeps them in the database.
    ref: str | None = None


class Limiter(Protocol):
    """Counts tries per key over a sliding window."""

    def hit(self, key: str, *, limit: int, window: float) -> Decision:
        """Count one try for ``key`` unless ``limit`` tries are already in the last
        ``window`` seconds; a refused try is not counted."""
        ...

    def forgive(self, decision: Decision) -> None:
        """Take back the try ``decision`` counted (nothing, if it was refused)."""
        ...

    def ceiling(self, name: str, *, limit: int, window: float) -> Decision:
        """Count one try toward everyone's ``limit`` for ``name`` in this fixed window of
        ``window`` seconds (windows start on the clock's multiples of it); a refused try is
        not counted."""
        ...


@dataclass
class _Tries:
    window: float
    times: deque[float] = field(default_factory=deque)


class MemoryLimiter:
    """A ``Limiter`` in this process's memory: enough for one process, lost on restart."""

    # Past this many keys, forget every key whose tries have all left their window.
    SWEEP_AT = 10_000

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._by_key: dict[str, _Tries] = {}
        # Each ceiling's window (when it started) and its count.
        self._ceilings: dict[str, tuple[float, int]] = {}

    def hit(self, key: str, *, limit: int, window: float) -> Decision:
        """Count one try for ``key`` unless ``limit`` tries are already in the last
        ``window`` seconds; a refused try is not counted (waiting it out is enough)."""
        with self._lock:
            now = self._clock()
            tries = self._by_key.get(key)
            if tries is None:
                if len(self._by_key) >= self.SWEEP_AT:
                    self._sweep(now)
                tries = self._by_key[key] = _Tries(window)
            tries.window = window
            while tries.times and now - tries.times[0] > window:
                tries.times.popleft()
            if tries.times and len(tries.times) >= limit:
                wait = window - (now - tries.times[0])
                return Decision(allowed=False, retry_after=max(1, math.ceil(wait)), key=key)
            tries.times.append(now)
            return Decision(allowed=True, retry_after=0, key=key, at=now)

    def forgive(self, decision: Decision) -> None:
        """Take back the try ``decision`` counted (nothing, if it was refused)."""
        with self._lock:
            tries = self._by_key.get(decision.key)
            if decision.at is not None and tries is not None and decision.at in tries.times:
                tries.times.remove(decision.at)

    def ceiling(self, name: str, *, limit: int, window: float) -> Decision:
        """Count one try toward everyone's ``limit`` for ``name`` in this fixed window of
        ``window`` seconds; a refused try is not counted."""
        with self._lock:
            now = self._clock()
            started = now - now % window
            was, n = self._ceilings.get(name, (started, 0))
            if was != started:
                n = 0
            if n >= limit:
                wait = started + window - now
                return Decision(allowed=False, retry_after=max(1, math.ceil(wait)), key=name)
            self._ceilings[name] = (started, n + 1)
            return Decision(allowed=True, retry_after=0, key=name, at=now)

    def _sweep(self, now: float) -> None:
        for key in [
            k for k, t in self._by_key.items() if not t.times or now - t.times[-1] > t.window
        ]:
            del self._by_key[key]


class DatabaseLimiter:
    """A ``Limiter`` in the app's database: one count for every process and host that shares
    it, kept across restarts. Each try is a row; a try and the count before it are one
    transaction, held per key (PostgreSQL: an advisory lock on the key; SQLite: its write
    lock), so tries sent at once to different processes each count. A ceiling is one row per
    name and window, counted up in one statement, however many tries it holds.

    A key names a client address or an account, so it is stored as an HMAC under a secret
    from the instance folder: a copy of the database alone does not say who tried what.
    A key's own rows are removed once past their window when it is next counted, and every
    ``SWEEP_SECONDS`` a process sweeps everyone's."""

    SWEEP_SECONDS = 60.0

    def __init__(self, secret: bytes, clock: Callable[[], float] = time.time) -> None:
        self._secret = secret
        self._clock = clock
        self._swept = time.monotonic()
        self._lock = threading.Lock()

    def _stored(self, key: str) -> str:
        return hmac.new(self._secret, key.encode(), hashlib.sha256).hexdigest()[:32]

    def hit(self, key: str, *, limit: int, window: float) -> Decision:
        """Count one try for ``key`` unless ``limit`` tries are already in the last
        ``window`` seconds; a refused try is not counted."""
        database = db.get_db()
        span = max(1, int(window * 1000))
        stored = self._stored(key)
        with database.transaction():
            if database.postgres:
                database.execute("SELECT pg_advisory_xact_lock(hashtext(?))", (stored,))
            now = int(self._clock() * 1000)
            database.execute("DELETE FROM tries WHERE key = ? AND until < ?", (stored, now))
            recent = database.all(
                "SELECT at FROM tries WHERE key = ? AND at > ? ORDER BY at LIMIT ?",
                (stored, now - span, limit),
            )
            if recent and len(recent) >= limit:
                wait = span - (now - recent[0]["at"])
                return Decision(allowed=False, retry_after=max(1, math.ceil(wait / 1000)), key=key)
            ref = secrets.token_hex(12)
            database.execute(
                "INSERT INTO tries (id, key, at, until) VALUES (?, ?, ?, ?)",
                (ref, stored, now, now + span),
            )
        self._maybe_sweep(database, now)
        return Decision(allowed=True, retry_after=0, key=key, at=now / 1000, ref=ref)

    def forgive(self, decision: Decision) -> None:
        """Take back the try ``decision`` counted (nothing, if it was refused)."""
        if decision.ref is not None:
            database = db.get_db()
            with database.transaction():
                database.execute("DELETE FROM tries WHERE id = ?", (decision.ref,))

    def ceiling(self, name: str, *, limit: int, window: float) -> Decision:
        """Count one try toward everyone's ``limit`` for ``name`` in this fixed window of
        ``window`` seconds; a refused try is not counted."""
        database = db.get_db()
        span = max(1, int(window * 1000))
        now = int(self._clock() * 1000)
        started = now - now % span
        # Inside a caller's transaction this joins it (enforce's, with the client's own count;
        # a registration's, undone if the account is not made). Old windows are swept with
        # the tries (``hit``), not here, while the window's row is held.
        with database.transaction():
            counted = database.one(
                "INSERT INTO ceilings (name, started, until, n) VALUES (?, ?, ?, 1)"
                " ON CONFLICT (name, started) DO UPDATE SET n = ceilings.n + 1"
                " WHERE ceilings.n < ? RETURNING n",
                (name, started, started + span, limit),
            )
        if counted is None:  # the window's row is full: nothing was changed
            wait = started + span - now
            return Decision(allowed=False, retry_after=max(1, math.ceil(wait / 1000)), key=name)
        return Decision(allowed=True, retry_after=0, key=name, at=now / 1000)

    def _maybe_sweep(self, database: db.Database, now: int) -> None:
        with self._lock:
            due = time.monotonic() - self._swept >= self.SWEEP_SECONDS
            if due:
                self._swept = time.monotonic()
        if not due:
            return
        with database.transaction():
            if database.postgres:
                # This may run inside a caller's transaction holding rows of its own: a sweep
                # that waited for rows another process holds could deadlock with that one's.
                database.execute(
                    "DELETE FROM tries WHERE id IN"
                    " (SELECT id FROM tries WHERE until < ? FOR UPDATE SKIP LOCKED)",
                    (now,),
                )
                database.execute(
                    "DELETE FROM ceilings WHERE (name, started) IN (SELECT name, started"
                    " FROM ceilings WHERE until < ? FOR UPDATE SKIP LOCKED)",
                    (now,),
                )
            else:
                database.execute("DELETE FROM tries WHERE until < ?", (now,))
                database.execute("DELETE FROM ceilings WHERE until < ?", (now,))


def client(address: str | None, v6_prefix: int = 64) -> str:
    """Return the client an address counts as: an IPv6 address by its /64 (``v6_prefix``),
    which one household or phone usually has whole, and an IPv4-mapped one as the IPv4
    address."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return address or "?"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/{v6_prefix}", strict=False))
    return str(ip)


def request_client(v6_prefix: int = 64) -> str:
    """Return this request's client, as the limits count it."""
    return client(request.remote_addr, v6_prefix)


def limiter() -> Limiter:
    """Return the app's limiter."""
    return current_app.extensions["cairn.limiter"]


BUSY = "The server is very busy. Try again in a minute."


def enforce(
    name: str,
    key: str,
    *,
    per_minute: int,
    ceiling: int,
    message: str,
    site: str | None = None,
    site_per_minute: int = 0,
) -> Decision:
    """Count one request for ``key`` under the limit ``name``, failures and successes alike,
    and, once ``key``'s own limit has allowed it, one toward its ``site``'s limit when it has
    one (an IPv6 client's /48), and then one toward everyone's ``ceiling`` for ``name`` in
    this minute. Each count happens only when the one before allowed the try, so a client
    takes no more than its own share of its site, nor a site of everyone's.

    :raise CairnError 429: ``key`` has made ``per_minute`` requests in the last minute
        (``message`` says so; ``Retry-After`` is a minute), or everyone together ``ceiling``
        in this minute (the server is busy; ``Retry-After`` is the rest of the minute).
    """
    database = db.get_db()
    with database.transaction():  # both counts in one commit
        if database.postgres:
            # Every request of a route counts on one ceiling row, held from its count to the
            # commit: without waiting for the disk there, requests do not queue on it. A
            # crash may lose the last moment's counts (never the diaries' rows), which only
            # lets those clients try again sooner.
            database.execute("SET LOCAL synchronous_commit TO OFF")
        own = limiter().hit(f"{name}:{key}", limit=per_minute, window=MINUTE)
        # Only a try the client's own limit allowed counts toward its site's and everyone's:
        # one client can never take more than its own share.
        shared = own
        if own.allowed and site:
            shared = limiter().hit(f"{name}-site:{site}", limit=site_per_minute, window=MINUTE)
        everyone = limiter().ceiling(name, limit=ceiling, window=MINUTE) if shared.allowed else own
    if not shared.allowed:
        raise CairnError(message, status=429)
    if not everyone.allowed:
        # The try stays counted against the client's own limit: that bounds how often one
        # client knocks while the server is busy.
        raise CairnError(BUSY, status=429, retry_after=everyone.retry_after)
    return own


def init_app(app: Flask) -> None:
    """Give the app its limiter, counting in the app's database."""
    secret = hashlib.sha256(b"cairn tries\0" + str(app.config["SECRET_KEY"]).encode()).digest()
    app.extensions["cairn.limiter"] = DatabaseLimiter(secret)
