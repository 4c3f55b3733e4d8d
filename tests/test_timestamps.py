"""RFC 3161 time-stamps: the endpoint passes a chain head's hash to an authority (or is its
own), hands back only a good stamp of exactly that hash, and `cairn verify` and `openssl ts
-verify` check the stamps a bundle carries."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from server import create_app, tsa
from server.encoding import b64url, unb64url
from tests.authority import LocalAuthority, serving
from tests.bundles import DAY, bundle, diary, rechain, run

HEAD = hashlib.sha256(b"a chain head").hexdigest()
OPENSSL = shutil.which("openssl") or "openssl"


def ask(client, body):
    """POST /api/timestamp as the page does, with its CSRF token."""
    token = client.get("/api/csrf").get_json()["token"]
    return client.post("/api/timestamp", json=body, headers={"X-CSRFToken": token})


@pytest.fixture(scope="module")
def authority(tmp_path_factory) -> LocalAuthority:
    return LocalAuthority(tmp_path_factory.mktemp("tsa") / "authority")


def proxied(tmp_path: Path, url: str):
    return create_app(
        {"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"), "TSA_URL": url}
    ).test_client()


def openssl_verifies(token: bytes, hash_hex: str, ca: Path, tmp_path: Path) -> bool:
    answer = tmp_path / "stamp.tsr"
    answer.write_bytes(token)
    done = subprocess.run(
        [OPENSSL, "ts", "-verify", "-digest", hash_hex, "-in", str(answer), "-CAfile", str(ca)],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode == 0 and "Verification: OK" in done.stdout


def test_the_server_passes_the_hash_to_the_authority_and_openssl_accepts_the_stamp(
    tmp_path, authority
):
    with serving(authority) as url:
        answer = ask(proxied(tmp_path, url), {"hash": HEAD})
    assert answer.status_code == 200, answer.get_json()
    token = unb64url(answer.get_json()["token"])
    assert openssl_verifies(token, HEAD, authority.ca_file, tmp_path)
    other = hashlib.sha256(b"another head").hexdigest()
    assert not openssl_verifies(token, other, authority.ca_file, tmp_path)


def test_the_server_as_its_own_authority_publishes_the_certificate_to_check_with(tmp_path):
    client = create_app(
        {"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"), "TSA": "own"}
    ).test_client()
    token = unb64url(ask(client, {"hash": HEAD}).get_json()["token"])
    published = client.get("/api/timestamp/authority").get_json()
    ca = tmp_path / "ca.pem"
    ca.write_text(published["certificates"][0])
    assert openssl_verifies(token, HEAD, ca, tmp_path)
    key = tmp_path / "instance" / "tsa" / "tsa.key"
    assert key.stat().st_mode & 0o077 == 0, "the signing key is readable by others"


# Two server processes, four threads each, stamping at once with one own authority.
STAMP_AT_ONCE = """
import os, sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from rfc3161_client import TimestampRequestBuilder, decode_timestamp_response
from server.tsa import OwnAuthority

own = OwnAuthority(Path(sys.argv[1]))
def stamp(_):
    query = TimestampRequestBuilder().data(os.urandom(32)).nonce(nonce=True).build()
    try:
        return str(decode_timestamp_response(own.answer(query.as_bytes())).tst_info.serial_number)
    except Exception as error:
        return f"failed: {error}"
with ThreadPoolExecutor(4) as pool:
    print("\\n".join(pool.map(stamp, range(12))))
"""


def test_the_own_authority_gives_each_stamp_its_own_serial_across_processes(tmp_path):
    """OpenSSL keeps the serial in a file it reads and writes back: at once, it refused
    53 of 80 stamps before each was signed under a lock."""
    folder = tmp_path / "tsa"
    tsa.OwnAuthority(folder)  # made once, as the first request would
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", STAMP_AT_ONCE, str(folder)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parents[1],
        )
        for _ in range(2)
    ]
    serials = [line for run in runs for line in run.communicate(timeout=120)[0].split()]
    assert [s for s in serials if not s.isdigit()] == []
    assert len(serials) == 24 and len(set(serials)) == 24


ANSWERS = {
    "garbage": lambda query, real: b"not a time-stamp",
    "empty": lambda query, real: b"",
    # A granted stamp, but of another request (another hash, another nonce).
    "another hash": lambda query, real: None,
}


@pytest.mark.parametrize("kind", ANSWERS)
def test_a_bad_answer_from_the_authority_is_a_502_and_nothing_is_handed_on(
    tmp_path, authority, kind
):
    other = authority.token(hashlib.sha256(b"something else").hexdigest())
    authority.misbehave = lambda query, real: ANSWERS[kind](query, real) or other
    try:
        with serving(authority) as url:
            answer = ask(proxied(tmp_path, url), {"hash": HEAD})
    finally:
        authority.misbehave = None
    assert answer.status_code == 502
    assert "token" not in answer.get_json() and answer.get_json()["error"]


def test_an_authority_that_cannot_be_reached_is_a_502(tmp_path):
    answer = ask(proxied(tmp_path, "http://127.0.0.1:9/tsa"), {"hash": HEAD})
    assert answer.status_code == 502
    assert answer.get_json()["error"] == "The time-stamping authority could not be reached."


def test_without_an_authority_there_are_no_stamps(client):
    answer = ask(client, {"hash": HEAD})
    assert answer.status_code == 404 and "no time-stamping authority" in answer.get_json()["error"]
    said = client.get("/api/timestamp/authority")
    assert said.status_code == 200 and said.get_json() == {"name": None, "certificates": []}


@pytest.mark.parametrize(
    "body", [None, [], {"hash": HEAD.upper()}, {"hash": HEAD[:-1]}, {"hash": 7}, "x"]
)
def test_anything_but_a_hash_is_refused(tmp_path, body):
    client = create_app(
        {"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"), "TSA": "own"}
    ).test_client()
    answer = ask(client, body)
    assert answer.status_code == 400 and answer.get_json()["error"].startswith("Send")


def test_stamps_are_limited_per_address(tmp_path, authority):
    with serving(authority) as url:
        client = proxied(tmp_path, url)
        codes = [ask(client, {"hash": HEAD}).status_code for _ in range(31)]
    assert codes[:30] == [200] * 30 and codes[30] == 429


def test_an_unknown_authority_setting_stops_the_server(tmp_path):
    with pytest.raises(ValueError, match="TSA must be"):
        create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path), "TSA": "yes"})


# --- cairn verify with time-stamps ---------------------------------------------------------


def stamped_bundle(tmp_path: Path, authority: LocalAuthority, events=None, upto=None, **extra):
    """A bundle whose events each carry a time-stamp from ``authority`` (up to ``upto``)."""
    events = diary() if events is None else events
    stamps = [
        {"seq": e["seq"], "hash": e["hash"], "token": b64url(authority.token(e["hash"]))}
        for e in events[: upto or len(events)]
    ]
    ca = authority.ca_file.read_text()

    def add(manifest):
        manifest["timestamps"] = stamps
        manifest["tsaCertificates"] = [ca]
        for name, value in extra.items():
            manifest[name] = value

    return bundle(tmp_path, events, change=add, name=f"stamped-{len(stamps)}.zip")


def test_stamps_checked_against_the_authority_anchor_every_event(tmp_path, capsys, authority):
    path = stamped_bundle(tmp_path, authority)
    code, out = run(capsys, path, "--tsa-ca", authority.ca_file)
    assert code == 0, out
    assert "verified: time-stamp for event 5: the chain ending at event 5" in out
    assert "stamped by CN=Cairn time-stamping" in out
    assert (
        "events 1–5 existed by" in out and "checked against the authority certificate given" in out
    )
    assert out.rstrip().splitlines()[-1].startswith("All verified: every file and event")
    # Without the certificate, the one that came with the bundle is used, and it says so.
    code, out = run(capsys, path)
    assert code == 0 and "came with the bundle" in out


def test_an_event_after_the_last_stamp_fails_with_the_authoritys_certificate(
    tmp_path, capsys, authority
):
    path = stamped_bundle(tmp_path, authority, upto=3)
    code, out = run(capsys, path)
    assert code == 0 and "events 4–5 are not anchored" in out
    code, out = run(capsys, path, "--tsa-ca", authority.ca_file)
    assert code == 1 and "NOT VERIFIED: anchors: events 4–5" in out


def test_a_rewritten_chain_fails_its_stamps(tmp_path, capsys, authority):
    events = diary()
    path = stamped_bundle(tmp_path, authority, events)
    forged = rechain([{**e, "at": e["at"] - 10 * DAY} for e in events])

    def keep_stamps(manifest):
        import json
        import zipfile

        with zipfile.ZipFile(path) as zf:
            real = json.loads(zf.read("manifest.json"))
        # The stamps listed against the new hashes: only the stamps' own imprints tell.
        manifest["timestamps"] = [
            {**stamp, "hash": e["hash"]}
            for stamp, e in zip(real["timestamps"], forged, strict=True)
        ]
        manifest["tsaCertificates"] = real["tsaCertificates"]

    code, out = run(capsys, bundle(tmp_path, forged, change=keep_stamps, name="f.zip"))
    assert code == 1
    assert out.count("NOT VERIFIED: time-stamp for event") == 5


def test_stamps_from_a_forgers_own_authority_pass_only_until_the_real_certificate_is_given(
    tmp_path, capsys, authority
):
    forger = LocalAuthority(tmp_path / "forger")
    path = stamped_bundle(tmp_path, forger)
    assert run(capsys, path)[0] == 0
    code, out = run(capsys, path, "--tsa-ca", authority.ca_file)
    assert code == 1 and out.count("NOT VERIFIED: time-stamp for event") == 5


@pytest.mark.parametrize("token", ["", "not base64!", b64url(b"\x30\x00"), 7])
def test_a_stamp_that_cannot_be_read_is_named(tmp_path, capsys, authority, token):
    def broken(manifest):
        manifest["timestamps"] = [{"seq": 1, "hash": manifest["events"][0]["hash"], "token": token}]

    code, out = run(capsys, bundle(tmp_path, change=broken))
    assert code == 1 and "NOT VERIFIED: time-stamp for event 1: is in a form" in out


def test_a_certificate_file_that_cannot_be_read_is_exit_2(tmp_path, capsys):
    junk = tmp_path / "ca.pem"
    junk.write_text("not a certificate")
    code, out = run(capsys, bundle(tmp_path), "--tsa-ca", junk)
    assert code == 2 and "--tsa-ca" in out


def test_the_token_in_the_bundle_is_the_one_openssl_checks(tmp_path, authority):
    token = authority.token(HEAD)
    assert base64.b64encode(token)  # DER, as written to a .tsr file
    assert openssl_verifies(token, HEAD, authority.ca_file, tmp_path)


@contextmanager
def raw_authority(answer: Callable[[socket.socket, int], None]) -> Iterator[tuple[str, list]]:
    """An 'authority' that reads each request and then does ``answer`` on the bare socket
    (given its own port); yields its address and the request lines it was sent."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    hits: list[str] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                hits.append(conn.recv(65536).split(b"\r\n", 1)[0].decode())
                with contextlib.suppress(OSError):
                    answer(conn, port)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/tsa", hits
    finally:
        listener.close()


def trickle(conn: socket.socket, _port: int) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
    for _ in range(40):
        conn.sendall(b"x")
        time.sleep(0.1)


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(lambda c, port: c.sendall(b"garbage\r\n\r\n"), id="not HTTP"),
        pytest.param(
            lambda c, port: c.sendall(
                f"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:{port}/internal"
                "\r\nContent-Length: 0\r\n\r\n".encode()
            ),
            id="a redirect",
        ),
        pytest.param(trickle, id="a byte at a time"),
    ],
)
def test_a_hostile_authority_gets_a_502_quickly_and_no_redirect_is_followed(
    tmp_path, monkeypatch, answer
):
    monkeypatch.setattr(tsa, "TIMEOUT_SECONDS", 1)
    with raw_authority(answer) as (url, hits):
        started = time.monotonic()
        said = ask(proxied(tmp_path, url), {"hash": HEAD})
        took = time.monotonic() - started
    assert said.status_code == 502 and said.get_json()["error"]
    assert took < 3, f"held the request for {took:.1f} s"
    assert hits == ["POST /tsa HTTP/1.1"]  # nothing else was asked for
