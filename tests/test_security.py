"""Security headers on every response, and CSRF on every state-changing call."""

from __future__ import annotations

import pytest
from flask import jsonify

from server import create_app

PATHS = ["/", "/sw.js", "/app.css", "/manifest.webmanifest", "/api/csrf", "/api/nope", "/nope"]


@pytest.mark.parametrize("path", PATHS)
def test_every_response_carries_the_security_headers(client, path):
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "http" not in csp and "*" not in csp
    assert headers["Referrer-Policy"] == "same-origin"
    assert "camera=(self)" in headers["Permissions-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in headers


def test_hsts_and_secure_cookies_behind_a_tls_proxy(tmp_path):
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path), "BEHIND_PROXY": 1})
    client = app.test_client()
    response = client.get("/api/csrf", headers={"X-Forwarded-Proto": "https"})
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_session_cookie_is_httponly_and_strict(client):
    cookie = client.get("/api/csrf").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Secure" not in cookie  # plain http on localhost


@pytest.fixture
def guarded(tmp_path):
    """An app with one state-changing route, as later features add them."""
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path)})

    @app.post("/api/echo")
    def echo():
        return jsonify(ok=True)

    return app.test_client()


def test_state_changing_call_without_token_is_refused_as_json(guarded):
    response = guarded.post("/api/echo", json={})
    assert response.status_code == 400
    assert "token" in response.get_json()["error"]


def test_state_changing_call_with_wrong_token_is_refused(guarded):
    guarded.get("/api/csrf")
    response = guarded.post("/api/echo", json={}, headers={"X-CSRFToken": "forged"})
    assert response.status_code == 400


def test_token_from_the_api_lets_fetch_calls_through(guarded):
    token = guarded.get("/api/csrf").get_json()["token"]
    response = guarded.post("/api/echo", json={}, headers={"X-CSRFToken": token})
    assert response.status_code == 200 and response.get_json() == {"ok": True}


def test_token_from_another_session_is_refused(guarded, tmp_path):
    other = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path)}).test_client()
    token = other.get("/api/csrf").get_json()["token"]
    guarded.get("/api/csrf")
    assert guarded.post("/api/echo", json={}, headers={"X-CSRFToken": token}).status_code == 400
