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
