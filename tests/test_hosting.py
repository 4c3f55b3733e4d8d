"""Cairn hosted as a service hosts it: nginx terminating TLS in front of two waitress
processes sharing one PostgreSQL. Each request goes through the real proxy, so these test
what the README's deployment does, not Flask's test client."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.apps import POSTGRES
from tests.hosting import START_CODE, Deployment, deployed

pytestmark = pytest.mark.skipif(
    not POSTGRES, reason="needs PostgreSQL: set CAIRN_TEST_DATABASE_URL (.ci/run starts one)"
)


@pytest.fixture(scope="module")
def service(tmp_path_factory) -> Iterator[Deployment]:
    with deployed(tmp_path_factory.mktemp("hosting"), POSTGRES) as deployment:
        yield deployment


def csrf(service: Deployment, client: str = "127.0.0.1") -> tuple[str, str, str]:
    """A CSRF token, the session cookie that holds it, and the process that made them."""
    answer = service.request("GET", "/api/csrf", client=client)
    cookie = answer.headers["Set-Cookie"].split(";")[0]
    return answer.json()["token"], cookie, answer.upstream


def test_answers_through_the_proxy_carry_hsts_and_secure_cookies(service):
    page = service.request("GET", "/")
    assert page.status == 200
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    answer = service.request("GET", "/api/csrf")
    cookie = answer.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie, cookie


def test_both_processes_answer_and_each_accepts_what_the_other_made(service):
    token, cookie, maker = csrf(service)
    headers = {"X-CSRFToken": token, "Cookie": cookie, "Referer": f"{service.origin}/"}
    answers = [
        service.request("POST", "/api/start", body={"code": "0000"}, headers=headers)
        for _ in range(4)
    ]
    assert {a.status for a in answers} == {200}, [a.body for a in answers]
    assert {a.upstream for a in answers} | {maker} == {f"127.0.0.1:{p}" for p in service.upstreams}


def test_the_https_referer_check_runs(service):
    """Flask-WTF checks the Referer only on HTTPS: it runs only if the app knows the
    request came over HTTPS, from the proxy's X-Forwarded-Proto."""
    token, cookie, _ = csrf(service, client="127.0.0.5")
    headers = {"X-CSRFToken": token, "Cookie": cookie}
    tries = ((None, 400), ("https://elsewhere.example", 400), (service.origin, 200))
    for referer, status in tries:
        sent = headers | ({"Referer": f"{referer}/"} if referer else {})
        answer = service.request(
            "POST", "/api/start", body={"code": "0000"}, headers=sent, client="127.0.0.5"
        )
        assert answer.status == status, (referer, answer.body)


def wrong_codes(service: Deployment, client: str, times: int, spoof: str = "") -> list[int]:
    token, cookie, _ = csrf(service, client=client)
    headers = {"X-CSRFToken": token, "Cookie": cookie, "Referer": f"{service.origin}/"}
    if spoof:
        headers["X-Forwarded-For"] = spoof
    return [
        service.request(
            "POST", "/api/start", body={"code": "0000"}, headers=headers, client=client
        ).status
        for _ in range(times)
    ]


def test_limits_count_each_client_across_both_processes(service):
    """Ten wrong codes from one person, spread over both processes, stop that person, not
    the next; claiming another address in X-Forwarded-For changes nothing."""
    assert wrong_codes(service, "127.0.0.2", 10) == [200] * 10
    assert wrong_codes(service, "127.0.0.2", 2) == [429, 429]
    assert wrong_codes(service, "127.0.0.2", 1, spoof="203.0.113.9") == [429]
    token, cookie, _ = csrf(service, client="127.0.0.3")
    right = service.request(
        "POST",
        "/api/start",
        body={"code": START_CODE},
        headers={"X-CSRFToken": token, "Cookie": cookie, "Referer": f"{service.origin}/"},
        client="127.0.0.3",
    )
    assert right.status == 200 and right.json()["ok"] is True


def test_the_server_names_no_software(service):
    answer = service.request("GET", "/api/health")
    assert answer.status == 200 and answer.json() == {"ok": True}
    assert not re.search("waitress|python|werkzeug", str(answer.headers), re.I)


def test_a_deployment_of_one_process_sends_every_request_to_it(tmp_path):
    """The benchmark compares one process with two: one must mean one."""
    with deployed(tmp_path, POSTGRES, servers=1) as single:
        answers = [single.request("GET", "/api/health") for _ in range(4)]
    assert [a.status for a in answers] == [200] * 4
    assert {a.upstream for a in answers} == {f"127.0.0.1:{single.upstreams[0]}"}
