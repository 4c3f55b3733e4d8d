"""Room on the server: every account's uploads together, and the disk under the database.

Each account has its own quota (``backup._charge``, 413 past it). Beyond that, the operator
may cap what all the accounts keep together (``INSTANCE_QUOTA_BYTES``), and on SQLite the
server keeps ``DISK_RESERVE_BYTES`` free on the database's disk, so sign-ins, set-up and
removals still have room when uploads have filled it. An upload that would pass either is
refused with 507 inside its own transaction: nothing of it is kept, and the phone tries
again later.
"""

from __future__ import annotations

import shutil
import threading
import time
import zlib
from collections.abc import Callable
from pathlib import Path

from flask import Flask, current_app

from .db import FULL, Database
from .errors import CairnError

# Rows the running total is spread over (db.py's ``storage`` table).
SHARDS = 16
# How long one look at the disk's free space is trusted, per process: one call a second
# costs nothing per request, and a second of uploads is far less than the reserve.
DISK_SECONDS = 1.0


def charge(db: Database, *, account: str, delta: int) -> None:
    """Inside the transaction that changes what ``account`` uses by ``delta`` bytes, keep the
    instance's total in step; growth must fit under the instance's ceiling and leave the
    disk's reserve free (taking space back always may).

    :raise CairnError 507: no room for ``delta`` more bytes; nothing is changed.
    """
    if delta > 0:
        _room(db, delta)
    db.execute(
        "INSERT INTO storage (shard, used) VALUES (?, ?)"
        " ON CONFLICT (shard) DO UPDATE SET used = storage.used + excluded.used",
        (zlib.crc32(account.encode()) % SHARDS, delta),
    )


def total(db: Database) -> int:
    """Return what every account uses together, in bytes (as their ``used`` adds up)."""
    row = db.one("SELECT COALESCE(SUM(used), 0) AS total FROM storage")
    return int(row["total"])


def _room(db: Database, delta: int) -> None:
    """:raise CairnError 507: ``delta`` more bytes would pass the instance's ceiling, or
    leave less than the reserve free on the database's disk."""
    ceiling = current_app.config.get("INSTANCE_QUOTA_BYTES")
    # On PostgreSQL two uploads to different accounts read the total at once, so together
    # they may pass the ceiling by what they carry (a MiB or so each); SQLite's write lock
    # makes them take turns.
    if ceiling is not None and total(db) + delta > int(ceiling):
        raise CairnError(FULL, status=507)
    disk: _Disk | None = current_app.extensions.get("cairn.disk")
    if disk is not None and disk.free() < int(current_app.config["DISK_RESERVE_BYTES"]) + delta:
        raise CairnError(FULL, status=507)


class _Disk:
    """The free space on one folder's filesystem, looked at most once a ``DISK_SECONDS``."""

    def __init__(self, folder: Path, clock: Callable[[], float] = time.monotonic) -> None:
        self.folder = folder
        self._clock = clock
        self._lock = threading.Lock()
        self._free = 0
        self._at: float | None = None

    def free(self) -> int:
        """Return the bytes free on the folder's filesystem, as last looked at."""
        with self._lock:
            now = self._clock()
            if self._at is None or now - self._at >= DISK_SECONDS:
                self._free = shutil.disk_usage(self.folder).free
                self._at = now
            return self._free


def init_app(app: Flask) -> None:
    """Watch the SQLite file's disk. PostgreSQL's disk is the database server's, out of sight
    from here: there, PostgreSQL's own full-disk error is the only guard (db.fault: 507)."""
    if not app.config.get("DATABASE_URL") and app.config["DATABASE"] != ":memory:":
        app.extensions["cairn.disk"] = _Disk(Path(app.config["DATABASE"]).parent)
