"""Signed time receipts: made for a hash only, checked with the published key, and any
change to one makes it fail."""

from __future__ import annotations

import stat
import time

from server import create_app
from server.encoding import b64url, unb64url
from server.receipts import KEY_FILE, verify

HEAD = "ab" * 32


def csrf(client) -> dict[str, str]:
    return {"X-CSRFToken": client.get("/api/csrf").get_json()["token"]}


def published(client) -> bytes:
    key = client.get("/api/receipts/key").get_json()
    assert key["alg"] == "Ed25519"
    return unb64url(key["publicKey"])


def test_a_receipt_verifies_with_the_published_key_and_has_the_servers_time(client):
    before = int(time.time() * 1000)
    response = client.post("/api/receipts", json={"hash": HEAD}, headers=csrf(client))
    assert response.status_code == 200
    receipt = response.get_json()["receipt"]
    assert receipt["hash"] == HEAD
    assert before <= receipt["time"] <= int(time.time() * 1000)
    assert verify(receipt, published(client))


def flip(signature: str) -> str:
    """The same signature with its first byte changed."""
    raw = bytearray(unb64url(signature))
    raw[0] ^= 1
    return b64url(bytes(raw))


def test_an_altered_receipt_fails(client):
    receipt = client.post("/api/receipts", json={"hash": HEAD}, headers=csrf(client)).get_json()[
        "receipt"
    ]
    public = published(client)
    changes = [
        {"hash": "cd" * 32},
        {"time": receipt["time"] - 86_400_000},
        {"kid": "0" * 16},
        {"signature": flip(receipt["signature"])},
        {"v": 2},
        {"time": str(receipt["time"])},
    ]
    for change in changes:
        assert not verify({**receipt, **change}, public), change
    for missing in receipt:
        assert not verify({k: v for k, v in receipt.items() if k != missing}, public), missing
    assert not verify("not a receipt", public)


def test_the_key_is_kept_private_in_the_instance_and_survives_a_restart(app, tmp_path):
    path = tmp_path / "instance" / KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    first = published(app.test_client())
    again = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance")})
    assert published(again.test_client()) == first
    # Another server's key is another key: its receipts do not pass for this one's.
    elsewhere = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "other")})
    other = elsewhere.test_client()
    receipt = other.post("/api/receipts", json={"hash": HEAD}, headers=csrf(other))
    assert published(other) != first
    assert verify(receipt.get_json()["receipt"], published(other))
    assert not verify(receipt.get_json()["receipt"], first)


def test_bad_requests_get_a_json_4xx(client):
    headers = csrf(client)
    for body in ({"hash": HEAD.upper()}, {"hash": HEAD[:-1]}, {"hash": 5}, [HEAD], {}, None):
        response = client.post("/api/receipts", json=body, headers=headers)
        assert response.status_code == 400, body
        assert "hash" in response.get_json()["error"]
    assert client.post("/api/receipts", json={"hash": HEAD}).status_code == 400  # no CSRF token


def test_receipts_are_rate_limited(client):
    headers = csrf(client)
    codes = [
        client.post("/api/receipts", json={"hash": HEAD}, headers=headers).status_code
        for _ in range(61)
    ]
    assert codes[:60] == [200] * 60
    assert codes[60] == 429
