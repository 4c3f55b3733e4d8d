"""Sessions and ``login_required``: a signed-in phone reaches its account on ``g``, anyone
else gets a JSON 401, and a session ended on the server opens nothing again."""

from __future__ import annotations

import hashlib

import pytest
from flask import Flask, g, jsonify, session

from server import auth, db
from server.auth import current_account, end_session, login_required, start_session
from tests.authenticator import Phone


@pytest.fixture
def who(app: Flask) -> list[str]:
    """Add ``GET /api/test/who`` behind ``login_required``; each call it lets through
    appends the account it saw on ``g``."""
    seen: list[str] = []

    @login_required
    def whoami():
        seen.append(g.account)
        return jsonify(account=g.account)

    app.add_url_rule("/api/test/who", "who", whoami)
    return seen


def ids(app: Flask, table: str) -> list[str]:
    database = db.connect(db.target(app))
    try:
        return [r["id"] for r in database.all(f"SELECT id FROM {table}")]  # noqa: S608 (table names only)
    finally:
        database.close()


def session_rows(app: Flask) -> list[str]:
    return ids(app, "sessions")


def test_login_required_puts_the_signed_in_account_on_g(app, client, who):
    Phone(client).register()
    response = client.get("/api/test/who")
    assert response.status_code == 200
    assert who == ids(app, "accounts") == [response.get_json()["account"]]


def test_login_required_refuses_anyone_not_signed_in_with_json_and_never_runs_the_view(client, who):
    response = client.get("/api/test/who")
    assert response.status_code == 401
    assert response.get_json() == {"error": "Sign in to the server first."}
    assert who == []


def test_a_session_past_its_end_opens_nothing(client, who, monkeypatch):
    Phone(client).register()
    real = auth.now_ms
    monkeypatch.setattr(auth, "now_ms", lambda: real() + 31 * 24 * 3600 * 1000)
    assert client.get("/api/test/who").status_code == 401
    assert who == []


def test_only_the_tokens_hash_is_kept_in_the_database(app, client):
    Phone(client).register()
    with client.session_transaction() as cookie:
        token = cookie[auth.COOKIE_KEY]
    assert session_rows(app) == [hashlib.sha256(token.encode()).hexdigest()]


def test_a_new_session_ends_the_one_this_browser_had(app, client):
    phone = Phone(client)
    phone.register()
    with client.session_transaction() as cookie:
        first = cookie[auth.COOKIE_KEY]
    assert phone.sign_in().status_code == 200
    with client.session_transaction() as cookie:
        second = cookie[auth.COOKIE_KEY]
    assert second != first
    assert session_rows(app) == [hashlib.sha256(second.encode()).hexdigest()]


def test_ending_a_session_removes_it_from_the_database_and_the_cookie(app, client, who):
    Phone(client).register()
    with client.session_transaction() as cookie:
        kept = dict(cookie)
    with app.test_request_context(headers={"Cookie": f"s={client.get_cookie('s').value}"}):
        assert current_account() == ids(app, "accounts")[0]
        database = db.get_db()
        with database.transaction():
            end_session(database)
        assert auth.COOKIE_KEY not in session
        assert current_account() is None
    assert session_rows(app) == []
    # The old cookie, kept by someone, opens nothing.
    with client.session_transaction() as cookie:
        cookie.update(kept)
    assert client.get("/api/test/who").status_code == 401


def test_start_session_takes_the_account_by_keyword_only(app):
    with app.test_request_context(), pytest.raises(TypeError):
        start_session(db.get_db(), "someone")  # type: ignore[misc]


def test_the_apps_own_files_are_served_without_reading_the_session(client):
    for path in ("/", "/sw.js", "/api/health"):
        response = client.get(path)
        assert response.status_code == 200
        assert "Cookie" not in response.headers.get("Vary", ""), path


def test_a_sign_in_unused_for_a_week_ends_and_one_in_use_goes_on(app, client, who, monkeypatch):
    Phone(client).register()
    real = auth.now_ms
    day = 24 * 3600 * 1000
    for days in (3, 6, 9, 12, 15, 18):  # used every three days: never a week unused
        monkeypatch.setattr(auth, "now_ms", lambda days=days: real() + days * day)
        assert client.get("/api/test/who").status_code == 200, days
    monkeypatch.setattr(auth, "now_ms", lambda: real() + 26 * day)  # eight days later
    assert client.get("/api/test/who").status_code == 401
    assert session_rows(app) == []  # ended on the server, not only refused


def test_the_owner_sees_each_sign_in_and_can_end_the_others(app):
    mine = Phone(app.test_client())
    mine.register()
    theirs = Phone(app.test_client(), passkey=mine.passkey)  # the same passkey, synced
    theirs.client.environ_base["HTTP_USER_AGENT"] = (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/156.0 Safari/537.36"
    )
    assert theirs.sign_in().status_code == 200
    listed = mine.client.get("/api/sessions").get_json()["sessions"]
    assert len(listed) == 2 and [s["current"] for s in listed].count(True) == 1
    assert {s["device"] for s in listed} >= {"a Windows computer"}
    assert all(set(s) == {"created", "lastUsed", "device", "current"} for s in listed)

    ended = mine.post("/api/sessions/end-others")
    assert ended.status_code == 200 and ended.get_json() == {"ended": 1}
    assert theirs.client.get("/api/sessions").status_code == 401
    assert [s["current"] for s in mine.client.get("/api/sessions").get_json()["sessions"]] == [True]


def test_the_device_is_told_by_kind_only():
    assert auth.device_kind("Mozilla/5.0 (iPhone; CPU iPhone OS 19_0 like Mac OS X)") == "an iPhone"
    assert auth.device_kind("Mozilla/5.0 (Linux; Android 14; Pixel 7)") == (
        "an Android phone or tablet"
    )
    assert auth.device_kind("") == "a device the server could not tell"


def test_a_sign_in_from_before_its_use_was_kept_is_not_ended_on_upgrade(app, client, who):
    """Sessions made before the last_used column have none: they count as used now."""
    Phone(client).register()
    with app.app_context():
        database = db.get_db()
        database.execute(
            "UPDATE sessions SET created = created - ?, last_used = NULL", (20 * 86_400_000,)
        )
        db.close_db()
    assert client.get("/api/test/who").status_code == 200
