"""The encrypted copy: idempotent uploads, removal, limits, the whole copy as a backup file,
and one account never reaching another's."""

from __future__ import annotations

import json
import secrets

import pytest
from flask import Flask

from server import backup, create_app, db
from server.backup import ROW_OVERHEAD
from tests.authenticator import Phone, b64url
from tests.uploads import IV, holding, put_part, record, signed_in

DIARY = b64url(bytes(range(16)))


def frames(data: bytes) -> list[tuple[dict, bytes]]:
    """Read a backup file's frames as docs/vault-format.md describes them."""
    assert data[:8] == b"SEALBOX2"  # names nothing (it was CAIRNBK1)
    at, out = 8, []
    while at < len(data):
        length = int.from_bytes(data[at : at + 4], "big")
        head = json.loads(data[at + 4 : at + 4 + length])
        n = 0 if head["t"] == "header" else head["n"]
        start = at + 4 + length
        out.append((head, data[start : start + n]))
        at = start + n
    assert at == len(data)
    return out


# --- uploads ----------------------------------------------------------------------------------


def test_every_call_needs_a_signed_in_phone(client):
    phone = Phone(client)
    calls = [
        ("GET", "/api/backup", None),
        ("GET", "/api/backup/file", None),
        ("PUT", "/api/backup/slots", {"slots": []}),
        ("PUT", "/api/backup/diary", {"diary": DIARY}),
        ("POST", "/api/backup/records", {"records": []}),
        ("POST", "/api/backup/remove", {"records": []}),
        ("PUT", f"/api/backup/chunks/f1/0?iv={IV}&final=1", None),
        ("GET", "/api/account", None),
        ("DELETE", "/api/account", None),
    ]
    for method, path, body in calls:
        response = phone.call(method, path, json=body)
        assert response.status_code == 401, (method, path)
        assert response.get_json() == {"error": "Sign in to the server first."}


def test_records_are_stored_once_and_only_newer_versions_replace_them(client, app):
    phone = signed_in(app)
    first = [record("e000000001"), record("e000000002"), record("head", kind="chain")]
    assert phone.post("/api/backup/records", {"records": first}).get_json() == {"stored": 3}
    assert phone.post("/api/backup/records", {"records": first}).get_json() == {"stored": 0}
    held = holding(phone)
    assert held["records"] == {"e000000001": 1, "e000000002": 1, "head": 1}
    used = held["used"]
    assert used == 300 + 3 * ROW_OVERHEAD  # each row is charged a little beyond its bytes

    newer = record("head", version=2, size=150, kind="chain")
    older = record("e000000001", version=1, size=999)
    response = phone.post("/api/backup/records", {"records": [newer, older]})
    assert response.get_json() == {"stored": 1}
    held = holding(phone)
    assert held["records"]["head"] == 2
    assert held["used"] == used + 50
    assert isinstance(held["updated"], int)


def test_a_part_is_stored_once_and_the_same_part_again_stores_nothing(app):
    phone = signed_in(app)
    body = secrets.token_bytes(1024)
    assert put_part(phone, "file1", 0, body, final=0).get_json() == {"stored": True}
    assert put_part(phone, "file1", 0, body, final=0).get_json() == {"stored": False}
    assert put_part(phone, "file1", 1, body).get_json() == {"stored": True}
    held = holding(phone)
    assert held["chunks"] == {"file1": [0, 1]}
    assert held["used"] == 2048 + 2 * ROW_OVERHEAD
    # Sent again with a new IV (re-encrypted): replaced, not added.
    other = b64url(secrets.token_bytes(12))
    assert put_part(phone, "file1", 1, body[:512], iv=other).get_json() == {"stored": True}
    assert holding(phone)["used"] == 1536 + 2 * ROW_OVERHEAD


def test_removing_takes_records_and_whole_files_away(app):
    phone = signed_in(app)
    phone.post("/api/backup/records", {"records": [record("a"), record("b"), record("f1")]})
    put_part(phone, "f1", 0, bytes(100), final=0)
    put_part(phone, "f1", 1, bytes(100))
    put_part(phone, "f2", 0, bytes(100))
    response = phone.post("/api/backup/remove", {"records": ["a", "f1", "nope"], "files": ["f1"]})
    assert response.get_json() == {"removed": 3}
    held = holding(phone)
    assert held["records"] == {"b": 1}
    assert held["chunks"] == {"f2": [0]}
    assert held["used"] == 200 + 2 * ROW_OVERHEAD


def test_the_slots_are_kept_as_sent(app):
    phone = signed_in(app)
    slots = [{"id": "p1", "type": "passphrase", "salt": "c2FsdA", "iterations": 600000}]
    assert phone.call("PUT", "/api/backup/slots", json={"slots": slots}).status_code == 200
    assert holding(phone)["slots"] == slots
    big = [{"x": "y" * 70_000}]
    response = phone.call("PUT", "/api/backup/slots", json={"slots": big})
    assert response.status_code == 413
    assert holding(phone)["slots"] == slots


def test_the_whole_copy_is_a_backup_file_without_its_ending(app):
    phone = signed_in(app)
    slots = [{"id": "p1", "type": "passphrase"}]
    phone.call("PUT", "/api/backup/slots", json={"slots": slots})
    sent = [record("e000000001"), record("head", kind="chain"), record("f1", kind="file")]
    phone.post("/api/backup/records", {"records": sent})
    parts = [secrets.token_bytes(300), secrets.token_bytes(20)]
    put_part(phone, "f1", 0, parts[0], final=0)
    put_part(phone, "f1", 1, parts[1], final=1)
    response = phone.client.get("/api/backup/file")
    assert response.status_code == 200
    assert response.mimetype == "application/octet-stream"
    data = response.data
    assert int(response.headers["Content-Length"]) == len(data)
    read = frames(data)
    header, _ = read[0]
    assert header["t"] == "header" and header["format"] == "sealed/2"
    assert header["slots"] == slots and isinstance(header["made"], int)
    by_id = {h["id"]: (h, body) for h, body in read if h["t"] == "record"}
    for r in sent:
        head, body = by_id[r["id"]]
        assert (head["kind"], head["version"], head["iv"]) == (r["kind"], 1, r["iv"])
        assert b64url(body) == r["ct"]
    chunks = [(h, body) for h, body in read if h["t"] == "chunk"]
    assert [(h["file"], h["index"], h["final"]) for h, _ in chunks] == [
        ("f1", 0, False),
        ("f1", 1, True),
    ]
    assert [body for _, body in chunks] == parts
    assert not any(h["t"] == "end" for h, _ in read)


def test_the_copy_belongs_to_the_first_diary_that_names_itself(app):
    phone = signed_in(app)
    assert holding(phone)["diary"] is None
    assert "id" not in frames(phone.client.get("/api/backup/file").data)[0][0]
    mine, theirs = DIARY, b64url(bytes(range(1, 17)))
    assert phone.call("PUT", "/api/backup/diary", json={"diary": mine}).get_json() == {
        "diary": mine
    }
    # The same diary again (another of its phones) is fine; another diary changes nothing.
    assert phone.call("PUT", "/api/backup/diary", json={"diary": mine}).status_code == 200
    refused = phone.call("PUT", "/api/backup/diary", json={"diary": theirs})
    assert refused.status_code == 409
    assert "another diary" in refused.get_json()["error"]
    assert holding(phone)["diary"] == mine
    assert frames(phone.client.get("/api/backup/file").data)[0][0]["id"] == mine
    # Signing in says which diary the copy is, before the phone sends anything.
    again = Phone(app.test_client(), phone.passkey)
    assert again.sign_in().get_json()["account"]["diary"] == mine


@pytest.mark.parametrize("diary", [None, "", "short", "a" * 65, "not/b64url+chars=====", 7])
def test_a_diary_id_that_cannot_be_one_is_a_clear_400(app, diary):
    phone = signed_in(app)
    response = phone.call("PUT", "/api/backup/diary", json={"diary": diary})
    assert response.status_code == 400 and response.get_json()["error"]
    assert holding(phone)["diary"] is None


def test_many_rows_are_read_in_pages_and_every_one_is_sent(app, monkeypatch):
    """The listing and the whole copy read a page at a time (memory flat in the rows): with
    pages of 3, every record and part still comes, once, in order."""
    monkeypatch.setattr(backup, "RECORD_PAGE", 3)
    monkeypatch.setattr(backup, "CHUNK_PAGE", 2)
    phone = signed_in(app)
    sent = [record(f"e{n:09d}", size=20) for n in range(10)]
    assert phone.post("/api/backup/records", {"records": sent}).status_code == 200
    parts = {}
    for file in ("fa", "fb", "fc"):
        for index in range(3):
            parts[file, index] = secrets.token_bytes(20 + index)
            answer = put_part(phone, file, index, parts[file, index], final=int(index == 2))
            assert answer.status_code in (200, 201), answer.get_json()
    listed = holding(phone)
    assert listed["records"] == {r["id"]: 1 for r in sent}
    assert listed["chunks"] == {f: [0, 1, 2] for f in ("fa", "fb", "fc")}
    response = phone.client.get("/api/backup/file")
    assert int(response.headers["Content-Length"]) == len(response.data)
    read = frames(response.data)
    assert [h["id"] for h, _ in read if h["t"] == "record"] == [r["id"] for r in sent]
    got = {(h["file"], h["index"]): body for h, body in read if h["t"] == "chunk"}
    assert list(got) == sorted(parts) and got == parts


# --- limits -----------------------------------------------------------------------------------


def test_the_quota_refuses_an_upload_whole_and_stores_none_of_it(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path),
            "ORIGIN": "http://localhost",
            "BACKUP_QUOTA_BYTES": 1000 + 2 * ROW_OVERHEAD,
        }
    )
    phone = signed_in(app)
    assert (
        phone.post("/api/backup/records", {"records": [record("a", size=600)]}).status_code == 200
    )
    response = phone.post("/api/backup/records", {"records": [record("b", size=350), record("c")]})
    assert response.status_code == 413
    assert "full" in response.get_json()["error"]
    response = put_part(phone, "f", 0, bytes(500))
    assert response.status_code == 413
    held = holding(phone)
    assert held["records"] == {"a": 1} and held["chunks"] == {}
    assert held["used"] == 600 + ROW_OVERHEAD
    # Removing makes room again.
    phone.post("/api/backup/remove", {"records": ["a"]})
    assert put_part(phone, "f", 0, bytes(500)).get_json() == {"stored": True}


def test_bodies_over_a_calls_limit_are_413_with_json(app):
    phone = signed_in(app)
    response = put_part(phone, "f", 0, bytes(1024 * 1024 + 17))
    assert response.status_code == 413
    assert response.get_json()["error"] == "The request is too large."
    huge = [record(f"r{i}", size=3000) for i in range(400)]
    response = phone.post("/api/backup/records", {"records": huge})
    assert response.status_code == 413
    assert response.get_json()["error"]
    too_many = [record(f"r{i}", size=1) for i in range(501)]
    assert phone.post("/api/backup/records", {"records": too_many}).status_code == 400
    assert holding(phone)["records"] == {}


def test_uploads_are_rate_limited_per_account(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path),
            "ORIGIN": "http://localhost",
            "UPLOADS_PER_MINUTE": 3,
        }
    )
    phone, other = signed_in(app), signed_in(app)
    for i in range(3):
        assert phone.post("/api/backup/records", {"records": [record(f"r{i}")]}).status_code == 200
    response = phone.post("/api/backup/records", {"records": [record("r9")]})
    assert response.status_code == 429
    assert "Too many" in response.get_json()["error"]
    assert response.headers["Retry-After"] == "60"
    # Another account is not held back by this one.
    assert other.post("/api/backup/records", {"records": [record("r9")]}).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"records": "x"},
        {"records": [1]},
        {"records": [{"id": "a"}]},
        {"records": [{**record("a"), "id": "../etc"}]},
        {"records": [{**record("a"), "id": ""}]},
        {"records": [{**record("a"), "kind": "Event"}]},
        {"records": [{**record("a"), "version": 0}]},
        {"records": [{**record("a"), "version": True}]},
        {"records": [{**record("a"), "version": "2"}]},
        {"records": [{**record("a"), "iv": "AAAA"}]},
        {"records": [{**record("a"), "iv": "not base64!"}]},
        {"records": [{**record("a"), "ct": 5}]},
        {"records": [{**record("a"), "ct": ""}]},
        {"records": [{**record("a"), "ct": b64url(bytes(15))}]},
    ],
)
def test_bad_records_are_refused_whole(app, body):
    phone = signed_in(app)
    body = (
        {"records": [record("ok"), *body["records"]]} if isinstance(body["records"], list) else body
    )
    response = phone.post("/api/backup/records", body)
    assert response.status_code == 400
    assert response.get_json()["error"]
    assert holding(phone)["records"] == {}


@pytest.mark.parametrize(
    "path",
    [
        f"/api/backup/chunks/f/0?iv={IV}",
        f"/api/backup/chunks/f/0?iv={IV}&final=2",
        "/api/backup/chunks/f/0?final=1",
        "/api/backup/chunks/f/0?iv=AAAA&final=1",
        f"/api/backup/chunks/f/99999999?iv={IV}&final=1",
        f"/api/backup/chunks/{'x' * 65}/0?iv={IV}&final=1",
        f"/api/backup/chunks/f/-1?iv={IV}&final=1",
    ],
)
def test_bad_parts_are_refused(app, path):
    phone = signed_in(app)
    response = phone.call("PUT", path, data=bytes(100), content_type="application/octet-stream")
    assert 400 <= response.status_code < 500
    assert response.get_json()["error"]
    assert holding(phone)["chunks"] == {}


# --- one account never reaches another's ------------------------------------------------------


def rows_for(app: Flask, table: str) -> int:
    database = db.connect(db.target(app))
    try:
        return database.one(f"SELECT COUNT(*) AS n FROM {table}")["n"]  # noqa: S608 (fixed names)
    finally:
        database.close()


def test_one_account_can_neither_read_list_change_nor_delete_anothers(app):
    alice, bob = signed_in(app), signed_in(app)
    alice.call("PUT", "/api/backup/slots", json={"slots": [{"id": "alice"}]})
    alice.post("/api/backup/records", {"records": [record("e000000001"), record("head")]})
    secret_part = secrets.token_bytes(200)
    put_part(alice, "f1", 0, secret_part)
    before = holding(alice)

    # Bob lists and downloads: only his own (nothing).
    held = holding(bob)
    assert held["records"] == {} and held["chunks"] == {} and held["slots"] is None
    data = bob.client.get("/api/backup/file").data
    assert [h["t"] for h, _ in frames(data)] == ["header"]
    assert secret_part not in data
    # Bob writes under Alice's ids: it lands in his own copy, Alice's is untouched.
    bob.post("/api/backup/records", {"records": [record("head", version=5)]})
    put_part(bob, "f1", 0, bytes(200), iv=b64url(secrets.token_bytes(12)))
    # Bob removes Alice's ids, changes slots, deletes his account.
    bob.post("/api/backup/remove", {"records": ["e000000001", "head"], "files": ["f1"]})
    bob.call("PUT", "/api/backup/slots", json={"slots": [{"id": "bob"}]})
    assert bob.call("DELETE", "/api/account").status_code == 200

    after = holding(alice)
    assert after["records"] == before["records"] and after["chunks"] == before["chunks"]
    assert after["slots"] == [{"id": "alice"}] and after["used"] == before["used"]
    assert secret_part in alice.client.get("/api/backup/file").data
    assert rows_for(app, "accounts") == 1
    # Bob's old cookie reaches nothing now.
    assert bob.client.get("/api/backup").status_code == 401
