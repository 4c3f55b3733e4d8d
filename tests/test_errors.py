"""Bad requests get a 4xx with a JSON message under /api/, never a 500."""

from __future__ import annotations

import pytest
from flask import jsonify

from server import create_app
from server.errors import BadInput


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
def test_unknown_api_route_is_json_404(client, method):
    response = getattr(client, method)("/api/no/such/thing")
    assert response.status_code == 404
    assert response.is_json and response.get_json()["error"]


def test_wrong_method_is_json_405(client):
    for response in (client.post("/api/csrf"), client.delete("/api/health")):
        assert response.status_code == 405
        assert response.get_json()["error"]
        assert "GET" in response.headers["Allow"]


def test_wrong_method_on_the_shell_is_405_not_500(client):
    response = client.put("/")
    assert response.status_code == 405


@pytest.fixture
def strict(tmp_path):
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path), "WTF_CSRF_ENABLED": False})

    @app.post("/api/parse")
    def parse():
        from flask import request

        body = request.get_json()
        if not isinstance(body, dict):
            raise BadInput("Send a JSON object.")
        return jsonify(keys=sorted(body))

    @app.get("/api/boom")
    def boom():
        raise RuntimeError("secret diary words")

    return app.test_client()


def test_malformed_json_is_a_json_400(strict):
    response = strict.post("/api/parse", data="{not json", content_type="application/json")
    assert response.status_code == 400 and response.is_json


def test_wrong_content_type_is_a_json_415(strict):
    response = strict.post("/api/parse", data="a=b", content_type="text/plain")
    assert response.status_code == 415
    assert "JSON" in response.get_json()["error"]


def test_project_errors_carry_their_message(strict):
    response = strict.post("/api/parse", json=[1, 2])
    assert response.status_code == 400
    assert response.get_json() == {"error": "Send a JSON object."}


def test_oversized_body_is_a_json_413(strict):
    response = strict.post(
        "/api/parse", data=b"x" * (2 * 1024 * 1024), content_type="application/json"
    )
    assert response.status_code == 413 and response.is_json


def test_an_unexpected_failure_says_nothing_of_what_it_held(strict, caplog):
    response = strict.get("/api/boom")
    assert response.status_code == 500 and response.is_json
    assert "secret" not in response.get_data(as_text=True)
    assert "secret diary words" not in caplog.text


def test_api_root_is_a_json_404(client):
    response = client.get("/api")
    assert response.status_code == 404 and response.is_json
