"""Uploading 1 KB events to the encrypted copy under a bounded load from local clients on
loopback: requests per second and p99 latency, on SQLite and on PostgreSQL.

The server runs as `cairn serve --production` (waitress) in its own process, as deployed.
Each client is one phone with its own account and keep-alive connection; CLIENTS of them
send one event each per request, back to back, so at most CLIENTS requests are in flight.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from tests.apps import new_schema
from tests.authenticator import SoftPasskey

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = 8
WARM_UP_S = 2.0
MEASURE_S = 10.0
EVENT_BYTES = 1024
START_CODE = "24680"
# The server's own limits, lifted: the benchmarks measure the server, not the limiter (each
# upload is still counted against them in the database).
UNLIMITED = {
    "CAIRN_UPLOADS_PER_MINUTE": str(10**9),
    # Everyone's ceiling too: SQLite here, and two processes on PostgreSQL behind the proxy,
    # take more than the 300 uploads a second everyone may send together.
    "CAIRN_UPLOADS_PER_MINUTE_ALL": str(10**9),
    "CAIRN_CEREMONIES_PER_MINUTE": str(10**9),
    "CAIRN_ACCOUNTS_PER_DAY": str(10**9),
}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class HttpPhone:
    """One phone talking to the server at ``origin`` over a keep-alive connection, with its
    cookie."""

    def __init__(self, conn: http.client.HTTPConnection, origin: str) -> None:
        self.conn = conn
        self.origin = origin
        self.cookie = ""
        self.token = ""
        # Events uploaded so far: numbers each new event's id, across calls to upload_until.
        self.events = 0
        self.passkey = SoftPasskey(origin=origin)

    @classmethod
    def local(cls, port: int) -> HttpPhone:
        """A phone talking plain HTTP to a server on this machine's ``port``."""
        conn = http.client.HTTPConnection("localhost", port, timeout=30)
        return cls(conn, f"http://localhost:{port}")

    def call(self, method: str, path: str, body: object = None) -> tuple[int, dict]:
        # Over HTTPS, Flask-WTF also checks the Referer, as a browser sends it.
        headers = {
            "Content-Type": "application/json",
            "X-CSRFToken": self.token,
            "Referer": f"{self.origin}/",
        }
        if self.cookie:
            headers["Cookie"] = self.cookie
        data = None if body is None else json.dumps(body).encode()
        self.conn.request(method, path, body=data, headers=headers)
        response = self.conn.getresponse()
        payload = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            if header.startswith("s="):
                self.cookie = header.split(";", 1)[0]
        return response.status, json.loads(payload or b"{}")

    def sign_up(self) -> None:
        self.token = self.call("GET", "/api/csrf")[1]["token"]
        grant = self.call("POST", "/api/start", {"code": START_CODE})[1]["grant"]
        options = self.call("POST", "/api/passkeys/register/options", {"grant": grant})[1]
        status, body = self.call(
            "POST", "/api/passkeys/register", {"credential": self.passkey.create(options)}
        )
        if status != 201:
            raise RuntimeError(f"registration failed: {status} {body}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(database_url: str | None) -> Iterator[tuple[int, subprocess.Popen, Path]]:
    """`cairn serve --production` in a process of its own: (port, process, instance folder)."""
    port = _free_port()
    with tempfile.TemporaryDirectory() as instance:
        env = {
            **os.environ,
            "CAIRN_INSTANCE_PATH": instance,
            "CAIRN_ORIGIN": f"http://localhost:{port}",
            **UNLIMITED,
            "CAIRN_START_CODE": START_CODE,
        }
        if database_url:
            env["CAIRN_DATABASE_URL"] = database_url
        process = subprocess.Popen(
            [sys.executable, "-c", "import sys; from server.cli import main; sys.exit(main())"]
            + ["serve", "--production", "--host", "localhost", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            for _ in range(200):
                with contextlib.suppress(OSError):
                    socket.create_connection(("localhost", port), timeout=0.2).close()
                    break
                if process.poll() is not None:
                    raise RuntimeError(process.stderr.read().decode()[-2000:])
                time.sleep(0.05)
            yield port, process, Path(instance)
        finally:
            process.terminate()
            process.wait(timeout=10)


@contextlib.contextmanager
def _server(database_url: str | None) -> Iterator[int]:
    with serving(database_url) as (port, _process, _instance):
        yield port


def upload_until(
    phones: list[HttpPhone], measure_from: float, stop: float
) -> tuple[list[float], int]:
    """Have each phone upload 1 KB events back to back, one per request, in a thread of its
    own, until ``stop`` (on time.monotonic's clock); return the latencies in ms of the
    requests sent from ``measure_from`` on, and how many of them failed."""
    latencies: list[list[float]] = [[] for _ in phones]
    errors = [0] * len(phones)

    def run(i: int, phone: HttpPhone) -> None:
        while True:
            phone.events += 1
            event = {
                "id": f"e{i:02d}{phone.events:08d}",
                "kind": "event",
                "version": 1,
                "iv": _b64(secrets.token_bytes(12)),
                "ct": _b64(secrets.token_bytes(EVENT_BYTES)),
            }
            sent = time.monotonic()
            if sent >= stop:
                return
            status, body = phone.call("POST", "/api/backup/records", {"records": [event]})
            done = time.monotonic()
            if sent >= measure_from:
                latencies[i].append((done - sent) * 1000)
                if status != 200 or body.get("stored") != 1:
                    errors[i] += 1

    threads = [threading.Thread(target=run, args=(i, p)) for i, p in enumerate(phones)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [x for per in latencies for x in per], sum(errors)


def summary(latencies: list[float], errors: int, seconds: float) -> tuple[float, float, float, int]:
    """(requests per second, p50 ms, p99 ms, errors) of requests measured over ``seconds``."""
    every = sorted(latencies)
    p50 = every[len(every) // 2]
    p99 = every[min(len(every) - 1, int(len(every) * 0.99))]
    return len(every) / seconds, p50, p99, errors


def _load(port: int) -> tuple[float, float, float, int]:
    """Run the bounded load; return (requests per second, p50 ms, p99 ms, errors)."""
    phones = [HttpPhone.local(port) for _ in range(CLIENTS)]
    for phone in phones:
        phone.sign_up()
    measure_from = time.monotonic() + WARM_UP_S
    return summary(*upload_until(phones, measure_from, measure_from + MEASURE_S), MEASURE_S)


def postgres_url() -> str | None:
    """A PostgreSQL database for the run: CAIRN_TEST_DATABASE_URL, or one started here."""
    url = os.environ.get("CAIRN_TEST_DATABASE_URL")
    if url:
        return url
    try:
        done = subprocess.run(
            [str(ROOT / "scripts" / "postgres.sh")], capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return done.stdout.strip() or None


def fresh_schema(url: str):
    """A schema of its own for one run, dropped after."""
    return new_schema(url, prefix="bench")


def measure() -> list[tuple[str, float, float, float, int]]:
    """(engine, requests per second, p50 ms, p99 ms, errors) for SQLite and PostgreSQL."""
    out = []
    with _server(None) as port:
        out.append(("SQLite", *_load(port)))
    url = postgres_url()
    if url:
        with fresh_schema(url) as schema_url, _server(schema_url) as port:
            out.append(("PostgreSQL", *_load(port)))
    return out
