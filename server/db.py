"""The server's database: SQLite by default, PostgreSQL when ``DATABASE_URL`` names one.

Both are reached through one small wrapper, ``Database``, so the rest of the server writes
one SQL (``?`` placeholders, ``BLOB``/``BIGINT`` types) and never asks which engine it has.
One connection per request on ``g``; PostgreSQL connections are kept in a small pool.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from flask import Flask, current_app, g

# Each entry moves the schema one version on. Types are written the SQLite way and
# translated for PostgreSQL (BLOB → BYTEA).
MIGRATIONS: list[str] = [
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    """
    -- An account is its passkeys: no name, no email. user_handle is the WebAuthn user.id.
    CREATE TABLE accounts (
        id TEXT PRIMARY KEY,
        user_handle BLOB NOT NULL UNIQUE,
        created BIGINT NOT NULL,
        updated BIGINT,
        used BIGINT NOT NULL DEFAULT 0,
        slots TEXT
    );
    CREATE TABLE passkeys (
        id BLOB PRIMARY KEY,
        account TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        public_key BLOB NOT NULL,
        sign_count BIGINT NOT NULL,
        created BIGINT NOT NULL,
        last_used BIGINT
    );
    CREATE INDEX passkeys_account ON passkeys (account);
    -- One row per ceremony started; deleted when used, refused when expired.
    CREATE TABLE challenges (
        id TEXT PRIMARY KEY,
        challenge BLOB NOT NULL,
        purpose TEXT NOT NULL,
        account TEXT REFERENCES accounts (id) ON DELETE CASCADE,
        user_handle BLOB,
        expires BIGINT NOT NULL
    );
    CREATE INDEX challenges_expires ON challenges (expires);
    -- id is the SHA-256 of the token the cookie holds.
    CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        account TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        created BIGINT NOT NULL,
        expires BIGINT NOT NULL
    );
    CREATE INDEX sessions_account ON sessions (account);
    -- The phone's records and file parts, still sealed under its data key.
    CREATE TABLE records (
        account TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        id TEXT NOT NULL,
        kind TEXT NOT NULL,
        version BIGINT NOT NULL,
        iv BLOB NOT NULL,
        ct BLOB NOT NULL,
        PRIMARY KEY (account, id)
    );
    CREATE TABLE chunks (
        account TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        file TEXT NOT NULL,
        idx BIGINT NOT NULL,
        final INTEGER NOT NULL,
        iv BLOB NOT NULL,
        ct BLOB NOT NULL,
        PRIMARY KEY (account, file, idx)
    );
    """,
    """
    -- One row per counted try of a rate limit, shared by every server process and kept
    -- across restarts; swept once its window has passed (until).
    CREATE TABLE tries (
        id TEXT PRIMARY KEY,
        key TEXT NOT NULL,
        at BIGINT NOT NULL,
        until BIGINT NOT NULL
    );
    CREATE INDEX tries_key ON tries (key, at);
    CREATE INDEX tries_until ON tries (until);
    """,
    """
    -- A sign-in ends after a week unused; its owner sees each one by the kind of device.
    ALTER TABLE sessions ADD COLUMN last_used BIGINT;
    ALTER TABLE sessions ADD COLUMN device TEXT;
    """,
    """
    -- Each row now costs 1024 bytes beyond its ciphertext (backup.ROW_OVERHEAD): recount.
    UPDATE accounts SET used = COALESCE(LENGTH(slots), 0)
        + COALESCE((SELECT SUM(LENGTH(ct)) + COUNT(*) * 1024 FROM records
                    WHERE records.account = accounts.id), 0)
        + COALESCE((SELECT SUM(LENGTH(ct)) + COUNT(*) * 1024 FROM chunks
                    WHERE chunks.account = accounts.id), 0);
    """,
    """
    -- An account belongs to one diary: the id its vault made, set by the first phone to
    -- back up. A passkey of another diary signs in to nothing of this one's.
    ALTER TABLE accounts ADD COLUMN diary TEXT;
    -- Invitations the operator made (`cairn invite`): each opens one account, once. id is
    -- the SHA-256 of the code; the code itself is never stored.
    CREATE TABLE invitations (
        id TEXT PRIMARY KEY,
        created BIGINT NOT NULL,
        expires BIGINT NOT NULL,
        used BIGINT
    );
    -- The invitation a registration was started with, taken up when it finishes.
    ALTER TABLE challenges ADD COLUMN invitation TEXT;
    """,
    """
    -- Everyone's tries at one limit in one fixed window (a minute; a day for new accounts):
    -- one row per limit and window, counted up in one statement (limits.Limiter.ceiling);
    -- swept with the tries once its window has passed (until).
    CREATE TABLE ceilings (
        name TEXT NOT NULL,
        started BIGINT NOT NULL,
        until BIGINT NOT NULL,
        n BIGINT NOT NULL,
        PRIMARY KEY (name, started)
    );
    -- What every account uses together, kept in step with accounts.used by each upload
    -- (storage.charge), so the instance's ceiling costs no sum over the accounts. Spread over
    -- a few rows (shard: from the account's id) so uploads to different accounts on
    -- PostgreSQL do not queue for one row; the total is the sum of the rows.
    CREATE TABLE storage (shard INTEGER PRIMARY KEY, used BIGINT NOT NULL);
    INSERT INTO storage (shard, used) SELECT 0, COALESCE(SUM(used), 0) FROM accounts;
    """,
]

_SQLITE_WRITERS = threading.Lock()

Row = Any  # sqlite3.Row or a psycopg dict row: both are read by column name


def in_schema(url: str, schema: str) -> str:
    """Return ``url`` with each connection's search path set to ``schema`` (tests, benchmarks)."""
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options={quote(f'-csearch_path={schema}')}"


def is_postgres(url: str | None) -> bool:
    """Say whether ``url`` names a PostgreSQL database."""
    return bool(url) and str(url).startswith(("postgresql://", "postgres://"))


class Database:
    """One connection, with the same calls whichever engine is behind it."""

    def __init__(self, conn: Any, postgres: bool) -> None:
        self.conn = conn
        self.postgres = postgres
        self._depth = 0

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.postgres else sql

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Run one statement; the result has ``fetchone``, ``fetchall`` and ``rowcount``."""
        return self.conn.execute(self._sql(sql), params)

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """Run a query and return its first row, or None."""
        return self.execute(sql, params).fetchone()

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Run a query and return every row."""
        return self.execute(sql, params).fetchall()

    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement for each row of parameters."""
        if not rows:
            return
        if self.postgres:
            with self.conn.cursor() as cursor:
                cursor.executemany(self._sql(sql), rows)
        else:
            self.conn.executemany(sql, rows)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Database]:
        """Run the block as one transaction: all of it is kept, or none of it.

        SQLite takes its write lock at the start (BEGIN IMMEDIATE), so two writers never
        both read and then write; on PostgreSQL, lock rows with ``lock_account``.
        """
        if self._depth:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        self._depth = 1
        try:
            if self.postgres:
                with self.conn.transaction():
                    yield self
            else:
                # Writers in this process queue on a lock rather than on SQLite's busy
                # handler, which sleeps in steps of up to 100 ms (the p99 showed it).
                with _SQLITE_WRITERS:
                    self.conn.execute("BEGIN IMMEDIATE")
                    try:
                        yield self
                    except BaseException:
                        # SQLite ends the transaction itself on some errors (a full disk):
                        # rolling back again would hide the error behind another.
                        if self.conn.in_transaction:
                            self.conn.execute("ROLLBACK")
                        raise
                    self.conn.execute("COMMIT")
        finally:
            self._depth = 0

    def begin_snapshot(self) -> None:
        """Start reading from one snapshot of the database, until ``end_snapshot``: reads in
        pages then see no change made between them. Only on a connection doing nothing else
        (``open_own``)."""
        if self._depth:
            raise RuntimeError("a snapshot inside a transaction")
        self.execute("BEGIN ISOLATION LEVEL REPEATABLE READ" if self.postgres else "BEGIN")
        self._depth = 1

    def end_snapshot(self) -> None:
        self._depth = 0
        with contextlib.suppress(Exception):  # the connection may have gone: nothing to keep
            self.execute("COMMIT")

    def lock_account(self, account: str) -> Row | None:
        """Inside a transaction, hold the account's row until it ends and return it."""
        suffix = " FOR UPDATE" if self.postgres else ""
        return self.one(f"SELECT * FROM accounts WHERE id = ?{suffix}", (account,))  # noqa: S608 (table names and ? marks only)

    def close(self) -> None:
        self.conn.close()


# --- opening ----------------------------------------------------------------------------------


def connect_sqlite(path: str) -> Database:
    """Open the SQLite file at ``path`` with foreign keys and WAL on."""
    conn = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    if path != ":memory:":
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    return Database(conn, postgres=False)


def connect_postgres(url: str) -> Database:
    """Open a connection to the PostgreSQL database at ``url``."""
    import psycopg
    from psycopg.rows import dict_row

    conn = psycopg.connect(url, autocommit=True, row_factory=dict_row)
    return Database(conn, postgres=True)


def connect(target: str) -> Database:
    """Open ``target``: a PostgreSQL URL, or the path of a SQLite file."""
    return connect_postgres(target) if is_postgres(target) else connect_sqlite(target)


class Pool:
    """Idle PostgreSQL connections kept for the next request (opening one costs milliseconds).

    Each is checked before it is handed out: after the database restarts, every idle one is
    dead, and the request that took one would fail."""

    KEEP = 16

    def __init__(self, url: str) -> None:
        self.url = url
        self._idle: list[Database] = []
        self._lock = threading.Lock()

    def take(self) -> Database:
        while True:
            with self._lock:
                database = self._idle.pop() if self._idle else None
            if database is None:
                return connect_postgres(self.url)
            if _alive(database):
                return database
            with contextlib.suppress(Exception):
                database.close()

    def give(self, database: Database) -> None:
        conn = database.conn
        # 0: idle, nothing open; a connection mid-transaction or mid-snapshot is not kept.
        if conn.closed or conn.info.transaction_status != 0 or database._depth:
            with contextlib.suppress(Exception):
                conn.close()
            return
        with self._lock:
            if len(self._idle) < self.KEEP:
                self._idle.append(database)
                return
        conn.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for database in idle:
            database.close()


def _alive(database: Database) -> bool:
    """Whether a pooled connection still reaches the database (one round trip)."""
    import psycopg

    try:
        database.conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


# --- when the database fails ------------------------------------------------------------------

UNREACHABLE = (
    "The server cannot reach its storage just now. Nothing was changed. Try again in a moment."
)
# Said for a full disk and for an upload refused for want of room (storage.py) alike.
FULL = (
    "The server's storage is full, so nothing was changed. Everything is still on this phone,"
    " to be sent when there is room. Tell whoever runs this service."
)


def fault(exc: BaseException) -> tuple[int, str] | None:
    """The status and plain words for a database failure that is not the request's fault:
    503 when the database cannot be reached (down, restarting, locked too long), 507 when
    its disk is full; None for anything else."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return 507, FULL
    if isinstance(exc, sqlite3.OperationalError):
        words = str(exc).lower()
        if "full" in words:
            return 507, FULL
        if "locked" in words or "unable to open" in words or "disk i/o" in words:
            return 503, UNREACHABLE
        return None
    psycopg = sys.modules.get("psycopg")
    if psycopg is None or not isinstance(exc, psycopg.Error):
        return None
    state = exc.sqlstate or ""
    if state == "53100":  # disk_full
        return 507, FULL
    if (
        state.startswith(("08", "57P"))  # the connection, the server shutting down or starting
        or state in ("53300", "25006")  # too many connections; a standby after a failover
        or (not state and isinstance(exc, psycopg.OperationalError))  # could not connect
    ):
        return 503, UNREACHABLE
    return None  # a wrong password, a refused login, a limit: the operator's to fix (500)


def now_ms() -> int:
    """Return now as the database keeps times: whole milliseconds since 1970."""
    return int(time.time() * 1000)


def target(app: Flask) -> str:
    """Return the database this app uses: ``DATABASE_URL`` when set, else the SQLite file."""
    return app.config.get("DATABASE_URL") or app.config["DATABASE"]


def get_db() -> Database:
    """Return this request's connection, opening (or taking from the pool) on first use."""
    if "db" not in g:
        pool: Pool | None = current_app.extensions.get("cairn.db_pool")
        g.db = pool.take() if pool else connect_sqlite(current_app.config["DATABASE"])
    return g.db


def open_own() -> Database:
    """A connection of its own, outside the request's: for an answer streamed after the
    request's own connection is handed back. Give it back with ``release``."""
    pool: Pool | None = current_app.extensions.get("cairn.db_pool")
    return pool.take() if pool else connect_sqlite(current_app.config["DATABASE"])


def release(database: Database, pool: Pool | None) -> None:
    """Hand back a connection from ``open_own``."""
    if pool:
        pool.give(database)
    else:
        database.close()


def close_db(_exc: BaseException | None = None) -> None:
    """Close this request's connection (or give it back to the pool)."""
    database: Database | None = g.pop("db", None)
    if database is None:
        return
    pool: Pool | None = current_app.extensions.get("cairn.db_pool")
    if pool:
        pool.give(database)
    else:
        database.close()


# --- the schema -------------------------------------------------------------------------------


def _postgres_script(script: str) -> str:
    return script.replace(" BLOB", " BYTEA")


class NewerSchema(RuntimeError):
    """The database was moved on by a newer Cairn than this one."""

    def __init__(self, found: int) -> None:
        super().__init__(
            f"The database's schema is version {found}, newer than this Cairn's "
            f"({len(MIGRATIONS)}): a newer version has upgraded it. Run that version, or stop "
            "every process before an upgrade (docs/hosting.md)."
        )


def migrate(database: Database) -> int:
    """Bring the schema up to date and return its version.

    :raise NewerSchema: a newer Cairn has moved the database on: this one must not run on it
        (nor set its version back, which made the newer one migrate twice).
    """
    if database.postgres:
        with database.transaction():
            # One migrator at a time, however many workers start together.
            database.execute("SELECT pg_advisory_xact_lock(7331)")
            database.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER)")
            row = database.one("SELECT version FROM schema_version")
            version = row["version"] if row else 0
            if version > len(MIGRATIONS):
                raise NewerSchema(version)
            for script in MIGRATIONS[version:]:
                database.conn.execute(_postgres_script(script))
            database.execute("DELETE FROM schema_version")
            database.execute("INSERT INTO schema_version VALUES (?)", (len(MIGRATIONS),))
        return len(MIGRATIONS)
    conn = database.conn
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise NewerSchema(version)
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        conn.executescript(f"BEGIN; {script}; PRAGMA user_version = {number}; COMMIT;")
    return len(MIGRATIONS)


def init_app(app: Flask) -> None:
    """Migrate the database at start-up and hand connections back after each request."""
    app.teardown_appcontext(close_db)
    url = app.config.get("DATABASE_URL")
    if url and not is_postgres(url):
        raise ValueError("DATABASE_URL must be a postgresql:// URL (leave it unset for SQLite)")
    if url:
        app.extensions["cairn.db_pool"] = Pool(url)
    database = connect(target(app))
    try:
        migrate(database)
    finally:
        database.close()
    if not url:
        private(Path(app.config["DATABASE"]))


def private(path: Path) -> None:
    """Make the SQLite file and its journal readable by this user only (WAL and shared
    memory files made later take the file's own mode)."""
    for each in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with contextlib.suppress(FileNotFoundError, PermissionError):
            os.chmod(each, 0o600)
