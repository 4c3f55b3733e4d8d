"""Room on the server: every account's uploads together under the instance's ceiling, and
the disk's reserve kept free under the SQLite file."""

from __future__ import annotations

import secrets
from collections import namedtuple

import pytest
from flask import Flask

from server import storage
from server.backup import ROW_OVERHEAD
from server.db import get_db
from tests.authenticator import b64url
from tests.clock import Clock
from tests.uploads import holding, put_part, record, signed_in

Usage = namedtuple("Usage", "total used free")


def total_and_sum(app: Flask) -> tuple[int, int]:
    """The running total, and what the accounts' own counts add up to."""
    with app.app_context():
        database = get_db()
        summed = database.one("SELECT COALESCE(SUM(used), 0) AS n FROM accounts")["n"]
        return storage.total(database), int(summed)


def refused_for_room(response) -> None:
    assert response.status_code == 507, response.get_json()
    words = response.get_json()["error"]
    assert "storage is full" in words and "still on this phone" in words


# --- the instance's ceiling -------------------------------------------------------------------


def test_an_upload_past_the_instance_ceiling_is_507_and_stores_nothing(app):
    mine, theirs = signed_in(app), signed_in(app)
    assert mine.post("/api/backup/records", {"records": [record("a", size=600)]}).status_code == 200
    assert (
        theirs.post("/api/backup/records", {"records": [record("b", size=500)]}).status_code == 200
    )
    used = 600 + 500 + 2 * ROW_OVERHEAD
    # Room for exactly one more 100-byte record, whoever sends it.
    app.config["INSTANCE_QUOTA_BYTES"] = used + 100 + ROW_OVERHEAD
    response = theirs.post("/api/backup/records", {"records": [record("c", size=100)]})
    assert response.status_code == 200  # up to the ceiling, and not refused before it
    before = holding(mine)
    refused_for_room(mine.post("/api/backup/records", {"records": [record("d", size=16)]}))
    refused_for_room(put_part(mine, "f", 0, bytes(16)))
    refused_for_room(mine.call("PUT", "/api/backup/slots", json={"slots": [{"id": "p"}]}))
    assert holding(mine) == before  # its rows and what it uses, unchanged
    assert total_and_sum(app) == (used + 100 + ROW_OVERHEAD,) * 2
    # Another account removing something makes room for everyone.
    assert theirs.post("/api/backup/remove", {"records": ["b"]}).status_code == 200
    assert mine.post("/api/backup/records", {"records": [record("d", size=16)]}).status_code == 200


def test_without_an_instance_ceiling_only_the_accounts_own_quota_counts(app):
    assert app.config["INSTANCE_QUOTA_BYTES"] is None
    phone = signed_in(app)
    assert put_part(phone, "f", 0, bytes(100_000)).get_json() == {"stored": True}


def test_the_running_total_follows_every_change_to_what_accounts_use(app):
    mine, theirs = signed_in(app), signed_in(app)
    mine.post("/api/backup/records", {"records": [record("a", size=300), record("b")]})
    mine.post("/api/backup/records", {"records": [record("a", version=2, size=50)]})
    mine.call("PUT", "/api/backup/slots", json={"slots": [{"id": "p1"}]})
    put_part(mine, "f", 0, bytes(2000))
    put_part(mine, "f", 0, bytes(500), iv=b64url(secrets.token_bytes(12)))
    theirs.post("/api/backup/records", {"records": [record("x", size=4000)]})
    mine.post("/api/backup/remove", {"records": ["b"], "files": ["f"]})
    total, summed = total_and_sum(app)
    assert total == summed and summed > 4000 + ROW_OVERHEAD
    # A deleted account's bytes leave the total with it.
    assert theirs.call("DELETE", "/api/account").status_code == 200
    assert total_and_sum(app) == (summed - 4000 - ROW_OVERHEAD,) * 2


# --- the disk's reserve -----------------------------------------------------------------------


@pytest.fixture
def disk(monkeypatch):
    """The free space the server sees on the database's disk, as the test sets it."""
    seen = {"free": 10 * 1024**3, "looks": 0}

    def usage(path) -> Usage:
        seen["looks"] += 1
        return Usage(100 * 1024**3, 0, seen["free"])

    monkeypatch.setattr(storage.shutil, "disk_usage", usage)
    monkeypatch.setattr(storage, "DISK_SECONDS", 0.0)  # looked at on every upload
    return seen


def test_a_disk_below_its_reserve_refuses_growth_but_not_removals(app, disk):
    phone = signed_in(app)
    assert phone.post("/api/backup/records", {"records": [record("a")]}).status_code == 200
    reserve = app.config["DISK_RESERVE_BYTES"]
    disk["free"] = reserve - 1
    response = phone.post("/api/backup/records", {"records": [record("b")]})
    if app.config.get("DATABASE_URL"):
        # PostgreSQL's disk is the database server's: out of sight, so never refused here.
        assert response.status_code == 200 and disk["looks"] == 0
        return
    refused_for_room(response)
    refused_for_room(put_part(phone, "f", 0, bytes(100)))
    assert holding(phone)["records"].keys() == {"a"}
    # Taking space back, and sending what is already there, still work.
    assert phone.post("/api/backup/records", {"records": [record("a")]}).status_code == 200
    assert phone.post("/api/backup/remove", {"records": ["a"]}).get_json() == {"removed": 1}
    disk["free"] = reserve + 10_000  # room again, with the record to spare
    assert phone.post("/api/backup/records", {"records": [record("b")]}).status_code == 200


def test_the_disk_is_looked_at_once_a_second_not_on_every_upload(app, disk, monkeypatch):
    if app.config.get("DATABASE_URL"):
        pytest.skip("SQLite only: PostgreSQL's disk is not looked at")
    monkeypatch.setattr(storage, "DISK_SECONDS", 1.0)
    clock = Clock()
    app.extensions["cairn.disk"] = storage._Disk(app.extensions["cairn.disk"].folder, clock)
    phone = signed_in(app)
    for n in range(5):
        clock.now += 0.1
        phone.post("/api/backup/records", {"records": [record(f"r{n}")]})
    assert disk["looks"] == 1
    clock.now += 1.0
    phone.post("/api/backup/records", {"records": [record("r9")]})
    assert disk["looks"] == 2


def test_the_disk_watched_is_the_one_holding_the_sqlite_file(app):
    if app.config.get("DATABASE_URL"):
        assert "cairn.disk" not in app.extensions
    else:
        assert str(app.extensions["cairn.disk"].folder) == app.instance_path
