"""Sharing into a disguise from the phone's share sheet: each manifest's share target, and the
server's answer to a share that reaches it (no worker on the phone yet): the disguise, with
nothing of what was shared read, kept or logged."""

from __future__ import annotations

import http.client
import io
import json
import logging
import re
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import waitress
from flask import Flask

from server.cli import waitress_options
from server.config import PWA_DIR
from tests.hosting import NGINX_CONF, free_port, https_to, make_certificates, nginx, site_config

DISGUISES = sorted(p.parent.name for p in PWA_DIR.glob("*/manifest.webmanifest"))
# What nobody may read before the unlock (as tests/test_shell.py checks), in any case.
TELLING = re.compile(r"cairn|stalk|diary|incident|harass|evidence|police|abuse", re.IGNORECASE)
MARKER = b"MARKER-5h4r3-77c1"
ACCEPTED = {"image/*", "video/*", "audio/*", "application/pdf", "text/*"}


def manifest(name: str) -> dict:
    return json.loads((PWA_DIR / name / "manifest.webmanifest").read_text())


def multipart(
    fields: dict[str, str], files: dict[str, tuple[str, str, bytes]]
) -> tuple[str, bytes]:
    """A multipart/form-data body as a share sheet sends it: (its Content-Type, the body)."""
    boundary = "----share7d1f"
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        out.write(value.encode() + b"\r\n")
    for name, (filename, mimetype, data) in files.items():
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: {mimetype}\r\n\r\n'.encode()
        )
        out.write(data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", out.getvalue()


def instance_bytes(app: Flask) -> bytes:
    """Everything in the instance folder, read back."""
    folder = Path(app.instance_path)
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


@pytest.mark.parametrize("name", DISGUISES)
def test_each_manifest_registers_a_share_target_inside_its_scope(name):
    fields = manifest(name)
    target = fields["share_target"]
    assert target["action"] == f"/{name}/share"
    assert target["action"].startswith(fields["scope"])
    assert target["method"] == "POST" and target["enctype"] == "multipart/form-data"
    params = target["params"]
    assert {params["title"], params["text"], params["url"]} == {"title", "text", "url"}
    (files,) = params["files"]
    assert files["name"] == "files" and set(files["accept"]) == ACCEPTED
    # The share sheet lists the app by the manifest's name: the disguise's, nothing else.
    assert not TELLING.search(json.dumps(fields)), name


@pytest.mark.parametrize("name", DISGUISES)
def test_a_share_that_reaches_the_server_is_sent_to_the_disguise(client, name):
    kind, body = multipart(
        {"title": "t", "text": MARKER.decode(), "url": "https://example.com/x"},
        {"files": ("shot.png", "image/png", MARKER * 100)},
    )
    # No CSRF token and no cookie: the share sheet has neither.
    answer = client.post(f"/{name}/share", data=body, content_type=kind)
    assert answer.status_code == 303
    assert answer.headers["Location"] == f"/{name}/"
    assert answer.headers["Cache-Control"] == "no-store"
    assert not TELLING.search(answer.get_data(as_text=True))
    assert MARKER not in answer.get_data()
    assert client.get(answer.headers["Location"]).status_code == 200


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        (None, b""),
        ("multipart/form-data; boundary=x", b""),
        ("multipart/form-data", MARKER),  # no boundary
        ("multipart/form-data; boundary=x", b"--x\r\nContent-Disposition: bro" + MARKER),
        ("application/json", b"{" + MARKER),
        ("text/plain", b"\xff\xfe" + MARKER),
    ],
)
def test_an_empty_or_malformed_share_still_gets_the_disguise(client, kind, body):
    answer = client.post("/calculator/share", data=body, content_type=kind)
    assert answer.status_code == 303 and answer.headers["Location"] == "/calculator/"


def test_a_share_larger_than_any_upload_is_answered_without_reading_it(app, client):
    big = MARKER * (20 * 1024 * 1024 // len(MARKER))
    kind, body = multipart({"text": "x"}, {"files": ("clip.mp4", "video/mp4", big)})
    assert len(body) > app.config["MAX_CONTENT_LENGTH"] * 10
    answer = client.post("/notes/share", data=body, content_type=kind)
    assert answer.status_code == 303 and answer.headers["Location"] == "/notes/"


def test_a_share_to_something_that_is_not_a_disguise_finds_nothing(client):
    kind, body = multipart({"text": "x"}, {})
    for path in ("/nothing/share", "/js/share", "/api/share"):
        assert client.post(path, data=body, content_type=kind).status_code == 404, path
    # Only a POST: the address itself is no page.
    assert client.get("/calculator/share").status_code == 404


def test_nothing_shared_is_kept_or_logged(app, client, caplog):
    caplog.set_level(logging.DEBUG)
    before = instance_bytes(app)
    kind, body = multipart(
        {"title": MARKER.decode(), "text": MARKER.decode(), "url": f"https://x.example/{MARKER}"},
        {"files": (f"{MARKER.decode()}.pdf", "application/pdf", MARKER * 1000)},
    )
    for name in DISGUISES:
        assert client.post(f"/{name}/share", data=body, content_type=kind).status_code == 303
    client.post("/calculator/share", data=b"--x\r\n" + MARKER, content_type="multipart/form-data")
    after = instance_bytes(app)
    assert MARKER not in after
    assert after == before
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert MARKER.decode() not in logged


@pytest.fixture
def production(app: Flask) -> Iterator[int]:
    """The app served by waitress, as `cairn serve --production` serves it: its port."""
    server = waitress.create_server(
        app, host="127.0.0.1", port=0, **waitress_options(app.config, threads=2)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield server.effective_port  # type: ignore[union-attr]
    finally:
        server.close()
        thread.join(timeout=5)


def test_a_20_mb_share_through_the_production_server_is_answered_quickly(production, app):
    big = MARKER * (20 * 1024 * 1024 // len(MARKER))
    kind, body = multipart({"text": MARKER.decode()}, {"files": ("clip.mp4", "video/mp4", big)})
    connection = http.client.HTTPConnection("localhost", production, timeout=30)
    started = time.perf_counter()
    connection.request("POST", "/timer/share", body=body, headers={"Content-Type": kind})
    answer = connection.getresponse()
    answer.read()
    took = time.perf_counter() - started
    assert answer.status == 303 and answer.getheader("Location") == "/timer/"
    assert took < 5, f"{took:.1f} s"
    # The connection is still good for the next request.
    connection.request("GET", "/timer/")
    assert connection.getresponse().status == 200
    connection.close()
    assert MARKER not in instance_bytes(app)


def test_a_share_through_nginx_is_answered_there_and_its_body_dropped(production, app, tmp_path):
    """docs/hosting.md's nginx answers a share itself: its 2 MB limit would refuse a video."""
    binary = nginx()
    if not binary:
        pytest.skip("nginx is not installed: scripts/setup.sh installs it")
    ca, cert, key = make_certificates(tmp_path)
    port = free_port()
    site = site_config(port, [production], cert, key)
    (tmp_path / "nginx.conf").write_text(NGINX_CONF.format(tmp=tmp_path, site=site))
    proxy = subprocess.Popen(
        [binary, "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not (tmp_path / "nginx.pid").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        big = MARKER * (20 * 1024 * 1024 // len(MARKER))
        kind, body = multipart({"text": MARKER.decode()}, {"files": ("c.mp4", "video/mp4", big)})
        connection = https_to(port, ca)
        started = time.perf_counter()
        connection.request("POST", "/converter/share", body=body, headers={"Content-Type": kind})
        answer = connection.getresponse()
        answer.read()
        took = time.perf_counter() - started
        assert answer.status == 303 and answer.getheader("Location") == "/converter/"
        assert took < 5, f"{took:.1f} s"
        connection.request("GET", "/converter/")  # the same connection, still good
        assert connection.getresponse().status == 200
        connection.close()
        # Nothing of it on disk: nginx's body buffers are empty, and the app never saw it.
        kept = [p for p in (tmp_path / "body").rglob("*") if p.is_file()]
        assert kept == []
        assert MARKER not in instance_bytes(app)
        # Everything else keeps the upload limit.
        connection = https_to(port, ca)
        connection.request("POST", "/api/start", body=body, headers={"Content-Type": kind})
        assert connection.getresponse().status == 413
        connection.close()
    finally:
        proxy.terminate()
        proxy.wait(timeout=10)
