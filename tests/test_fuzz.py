"""Every API endpoint under generated bad input: malformed JSON, wrong types, odd paths and
queries, huge bodies, a missing CSRF token, signed in or not. Each answer is a 4xx with a
JSON message (or a success), never a 500.

The routes come from the app's own URL map, so an endpoint added later is driven too.
"""

from __future__ import annotations

import json
import re

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.authenticator import Phone

# Names the endpoints read, so generated objects reach past the first check.
KEYS = [
    "code",
    "hash",
    "credential",
    "records",
    "slots",
    "files",
    "id",
    "rawId",
    "kind",
    "version",
    "iv",
    "ct",
    "type",
    "response",
    "clientDataJSON",
    "attestationObject",
    "authenticatorData",
    "signature",
    "userHandle",
    "clientExtensionResults",
    "prf",
    "results",
]
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
    | st.sampled_from(["", "AAAA", "A" * 16, "e000000001", "head", "event", "0" * 64, "💥"])
)
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=10), inner, max_size=6)
    ),
    max_leaves=25,
)
HUGE = 2 * 1024 * 1024
BODIES = st.one_of(
    JSON.map(lambda v: ("application/json", json.dumps(v).encode())),
    st.binary(max_size=300).map(lambda b: ("application/json", b)),
    st.binary(max_size=300).map(lambda b: ("application/octet-stream", b)),
    st.text(max_size=200).map(lambda t: ("text/plain", t.encode())),
    st.sampled_from(
        [
            ("application/json", b'{"records": [' + b'{"id": "a"},' * 200_000 + b"1]}"),
            ("application/octet-stream", bytes(HUGE)),
            ("application/json", b"[" * 50_000),
            ("application/json", b'{"code": "1' + b"1" * HUGE + b'"}'),
            ("application/json", b""),
        ]
    ),
)
SEGMENTS = st.one_of(
    st.text(alphabet=st.characters(codec="ascii", exclude_characters="/?#%"), max_size=70),
    st.sampled_from(["f1", "A" * 64, "A" * 65, "..", "-1", "0", "99999999999999999999"]),
)
QUERIES = st.dictionaries(
    st.sampled_from(["iv", "final", "x"]),
    st.sampled_from(["", "0", "1", "2", "AAAAAAAAAAAAAAAA", "AAAA", "%%"]) | st.text(max_size=20),
    max_size=3,
)


def api_routes(app: Flask) -> list[tuple[str, str]]:
    """Every (method, rule) under /api/, from the URL map."""
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            routes.append((method, rule.rule))
    return routes


@pytest.fixture
def fuzzed(app: Flask) -> Flask:
    # The limits would answer 429 to most of a run: raise them, so the checks behind run.
    app.config.update(
        CEREMONIES_PER_MINUTE=10**9,
        UPLOADS_PER_MINUTE=10**9,
        ACCOUNTS_PER_DAY=10**9,
        START_CODE_TRIES_PER_MINUTE=10**9,
    )
    return app


def test_the_fuzz_covers_every_api_route(app):
    rules = {rule for _, rule in api_routes(app)}
    for needed in (
        "/api/start",
        "/api/receipts",
        "/api/passkeys/register",
        "/api/session",
        "/api/account",
        "/api/backup/records",
        "/api/backup/chunks/<file>/<int:index>",
        "/api/backup/file",
    ):
        assert needed in rules


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_bad_request_ever_gets_a_500(fuzzed: Flask, data):
    routes = api_routes(fuzzed)
    method, rule = data.draw(st.sampled_from(routes), label="route")
    path = re.sub(
        r"<(?:(\w+):)?\w+>",
        lambda m: (
            str(data.draw(st.integers(min_value=0, max_value=2**40)))
            if m.group(1) == "int"
            else data.draw(SEGMENTS, label="segment") or "x"
        ),
        rule,
    )
    client = fuzzed.test_client()
    phone = Phone(client)
    if data.draw(st.booleans(), label="signed in"):
        phone.register()
    if data.draw(st.booleans(), label="challenge first") and "passkeys" in rule:
        phone.begin_registration()
    elif "session" in rule:
        phone.post("/api/session/options")
    content_type, body = data.draw(BODIES, label="body")
    headers = {"Content-Type": content_type}
    if data.draw(st.booleans(), label="csrf"):
        headers["X-CSRFToken"] = phone.token()
    elif data.draw(st.booleans(), label="wrong csrf"):
        headers["X-CSRFToken"] = data.draw(st.text(max_size=30).filter(str.isprintable))
    response = client.open(
        path,
        method=method,
        headers=headers,
        data=body,
        query_string=data.draw(QUERIES, label="query"),
    )
    assert response.status_code < 500, (method, path, response.status_code, response.data[:200])
    if response.status_code >= 400:
        message = response.get_json(silent=True)
        assert isinstance(message, dict) and isinstance(message.get("error"), str), response.data
