"""The API's own routes."""

from __future__ import annotations


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
    assert right.status_code == 200 and right.get_json() == {"ok": True}
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
    from server.api import _Tries

    app = create_app(
        {"TESTING": True, "INSTANCE_PATH": str(tmp_path), "START_CODE_TRIES_PER_MINUTE": 2}
    )
    tries = app.extensions["cairn.start_tries"] = _Tries(window=60.0)
    client = app.test_client()
    headers = csrf(client)
    for code in ("1111", "2222"):
        assert client.post("/api/start", json={"code": code}, headers=headers).get_json() == {
            "ok": False
        }
    # Half the window later: refused, and told to wait the other half.
    for wrong in tries._by_client.values():
        for n in range(len(wrong)):
            wrong[n] -= 30
    for _ in range(3):
        refused = client.post("/api/start", json={"code": "24680"}, headers=headers)
        assert refused.status_code == 429
        assert 29 <= int(refused.headers["Retry-After"]) <= 30
    # The window has passed for the first wrong code: the right one gets through.
    for wrong in tries._by_client.values():
        for n in range(len(wrong)):
            wrong[n] -= 31
    right = client.post("/api/start", json={"code": "24680"}, headers=headers)
    assert right.status_code == 200 and right.get_json() == {"ok": True}


def test_start_code_tries_are_counted_per_ipv6_network_and_forgotten_when_old():
    from server.api import _Tries

    assert _Tries.client("2001:db8:1:2:aaaa::1") == _Tries.client("2001:db8:1:2:bbbb::9")
    assert _Tries.client("2001:db8:1:3::1") != _Tries.client("2001:db8:1:2::1")
    assert _Tries.client("::ffff:192.0.2.7") == "192.0.2.7" == _Tries.client("192.0.2.7")
    tries = _Tries()
    tries.SWEEP_AT = 3
    for n in range(3):
        assert tries.check(f"10.0.0.{n}", 5, lambda: False) is False
    for deque_ in tries._by_client.values():
        deque_[0] -= 120  # a minute and more ago
    assert tries.check("10.0.0.9", 5, lambda: False) is False
    assert list(tries._by_client) == ["10.0.0.9"]
