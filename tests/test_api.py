"""The API's own routes."""

from __future__ import annotations


def test_csrf_token_is_json_and_never_cached(client):
    response = client.get("/api/csrf")
    assert response.status_code == 200
    assert response.get_json()["token"]
    assert response.headers["Cache-Control"] == "no-store"


def test_health_says_ok(client):
    assert client.get("/api/health").get_json() == {"ok": True}
