"""The API's own routes."""

from __future__ import annotations

from server.limits import MemoryLimiter
from tests.clock import Clock


def test_csrf_token_is_json_and_never_cached(client):
    response = client.get("/api/csrf")
    assert response.status_code == 200
    assert response.get_json()["token"]
    assert response.headers["Cache-Control"] == "no-store"


def test_health_says_ok(client):
    assert client.get("/api/health").get_json() == {"ok": True}


def csrf(client) -> dict[str, str]:
    return {"X-CSRFToken": client.get("/api/csrf").get_json()["token"]}


def test_the_start_code_is_checked(client):
    headers = csrf(client)
    right = client.post("/api/start", json={"code": "24680"}, headers=headers)
    assert right.status_code == 200 and right.get_json()["ok"] is True
    assert set(right.get_json()) == {"ok", "grant"}  # what a new server copy needs
    wrong = client.post("/api/start", json={"code": "1234"}, headers=headers)
    assert wrong.status_code == 200 and wrong.get_json() == {"ok": False}


def test_the_start_code_refuses_bad_input_with_json(client):
    headers = csrf(client)
    for body in ({"code": 24680}, {"code": "24a80"}, {"nope": 1}, ["24680"], {"code": "9" * 40}):
        response = client.post("/api/start", json=body, headers=headers)
        assert response.status_code == 400 and "code" in response.get_json()["error"], body
    raw = client.post(
        "/api/start", data="{", headers={**headers, "Content-Type": "application/json"}
    )
    assert raw.status_code == 400


def test_the_start_code_needs_the_csrf_token(client):
    response = client.post("/api/start", json={"code": "24680"})
    assert response.status_code == 400 and "error" in response.get_json()


def test_too_many_wrong_start_codes_are_refused_for_a_minute(tmp_path):
    from server import create_app

    app = create_app(
        {"TESTING": True, "INSTANCE_PATH": str(tmp_path), "START_CODE_TRIES_PER_MINUTE": 3}
    )
    client = app.test_client()
    headers = csrf(client)
    for _ in range(3):
        assert client.post("/api/start", json={"code": "1111"}, headers=headers).status_code == 200
    refused = client.post("/api/start", json={"code": "24680"}, headers=headers)
    assert refused.status_code == 429 and "Wait" in refused.get_json()["error"]
    assert 55 <= int(refused.headers["Retry-After"]) <= 60


def test_the_right_start_code_gets_through_once_the_wait_has_passed(tmp_path):
    """A phone that used up its tries is told how long to wait, and tries sent during the
    wait do not make it longer: the right code then opens set-up."""
    from server import create_app

    app = create_app(
        {"TESTING": True, "INSTANCE_PATH": str(tmp_path), "START_CODE_TRIES_PER_MINUTE": 2}
    )
    clock = Clock()
    app.extensions["cairn.limiter"] = MemoryLimiter(clock=clock)
    client = app.test_client()
    headers = csrf(client)
    for code in ("1111", "2222"):
        assert client.post("/api/start", json={"code": code}, headers=headers).get_json() == {
            "ok": False
        }
    # Half the window later: refused, and told to wait the other half.
    clock.now += 30
    for _ in range(3):
        refused = client.post("/api/start", json={"code": "24680"}, headers=headers)
        assert refused.status_code == 429
        assert 29 <= int(refused.headers["Retry-After"]) <= 30
    # The window has passed for the first wrong code: the right one gets through.
    clock.now += 31
    right = client.post("/api/start", json={"code": "24680"}, headers=headers)
    assert right.status_code == 200 and right.get_json()["ok"] is True
    assert set(right.get_json()) == {"ok", "grant"}  # what a new server copy needs


def test_the_right_start_code_never_uses_up_a_try(tmp_path):
    from server import create_app

    app = create_app(
        {"TESTING": True, "INSTANCE_PATH": str(tmp_path), "START_CODE_TRIES_PER_MINUTE": 2}
    )
    client = app.test_client()
    headers = csrf(client)
    answers = [
        client.post("/api/start", json={"code": code}, headers=headers).get_json()
        for code in ("1111", "24680", "24680", "24680", "2222")
    ]
    assert [a["ok"] for a in answers] == [False, True, True, True, False]
    refused = client.post("/api/start", json={"code": "24680"}, headers=headers)
    assert refused.status_code == 429


def test_the_start_code_window_comes_from_the_configuration(tmp_path):
    from server import create_app

    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path),
            "START_CODE_TRIES_PER_MINUTE": 1,
            "START_CODE_WINDOW_SECONDS": 5,
        }
    )
    clock = Clock()
    app.extensions["cairn.limiter"] = MemoryLimiter(clock=clock)
    client = app.test_client()
    headers = csrf(client)
    assert client.post("/api/start", json={"code": "1111"}, headers=headers).status_code == 200
    refused = client.post("/api/start", json={"code": "24680"}, headers=headers)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "5"
    clock.now += 5.5
    again = client.post("/api/start", json={"code": "24680"}, headers=headers)
    assert again.get_json()["ok"] is True
