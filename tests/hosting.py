"""Cairn as a service runs it, for the hosting tests: a TLS-terminating nginx (with a test CA)
in front of two `cairn serve --production` processes (waitress) sharing one instance folder
and one PostgreSQL database (or one process, for the benchmark that compares the two).

``Deployment`` starts it all and stops it; ``request`` talks HTTPS to the proxy from a
chosen loopback address, so each test can be a different client; ``https_to`` opens a
connection to it that stays open, for clients that keep theirs.
"""

from __future__ import annotations

import contextlib
import datetime
import http.client
import ipaddress
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.apps import new_schema

__all__ = ["START_CODE", "Deployment", "deployed", "https_to", "leaf_spki_hash", "new_schema"]

ROOT = Path(__file__).resolve().parents[1]
START_CODE = "13579"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def nginx() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/sbin/nginx") if os.access(p, os.X_OK)), None
    )


def make_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A test CA and a certificate for localhost it signed: (ca.pem, cert.pem, key.pem)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Cairn test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    paths = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    paths[0].write_bytes(ca.public_bytes(pem))
    paths[1].write_bytes(leaf.public_bytes(pem) + ca.public_bytes(pem))
    paths[2].write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return paths


def leaf_spki_hash(cert: Path) -> str:
    """The base64 SHA-256 of the certificate's public key, as Chromium's
    --ignore-certificate-errors-spki-list takes it (the browser then trusts it fully)."""
    import base64

    leaf = x509.load_pem_x509_certificates(cert.read_bytes())[0]
    spki = leaf.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    digest = hashes.Hash(hashes.SHA256())
    digest.update(spki)
    return base64.b64encode(digest.finalize()).decode()


NGINX_CONF = """
daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
{site}
    # For the tests only: which process answered.
    add_header X-Upstream $upstream_addr always;
}}
"""


def site_config(port: int, upstreams: list[int], cert: Path, key: Path) -> str:
    """The site's part of nginx's configuration: the same as docs/hosting.md gives."""
    servers = "\n".join(f"        server 127.0.0.1:{p};" for p in upstreams)
    return f"""
    upstream cairn {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port} ssl;
        server_name localhost;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        client_max_body_size 2m;
        location ~ ^/([a-z][a-z0-9-]*)/share$ {{
            client_max_body_size 0;
            absolute_redirect off;
            return 303 /$1/;
        }}
        location / {{
            proxy_pass http://cairn;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Host $http_host;
            proxy_next_upstream error timeout;
        }}
    }}
"""


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self):
        return json.loads(self.body)

    @property
    def upstream(self) -> str:
        return self.headers.get("X-Upstream", "")


def https_to(port: int, ca: Path, client: str = "127.0.0.1") -> http.client.HTTPSConnection:
    """A connection to the proxy on ``port`` from the loopback address ``client``, trusting
    only the test CA ``ca``; it opens on the first request and is kept alive after."""
    context = ssl.create_default_context(cafile=str(ca))
    return http.client.HTTPSConnection(
        "localhost", port, context=context, source_address=(client, 0), timeout=30
    )


@dataclass
class Deployment:
    folder: Path
    database_url: str
    port: int = field(default_factory=free_port)
    # How many `cairn serve` processes nginx shares the requests between.
    servers: int = 2
    start_code: str = START_CODE
    # More CAIRN_* settings for every process (the benchmarks lift the rate limits).
    env: dict[str, str] = field(default_factory=dict)
    upstreams: list[int] = field(init=False)
    processes: list[subprocess.Popen] = field(default_factory=list)
    logs: list = field(default_factory=list)

    def __post_init__(self) -> None:
        self.upstreams = [free_port() for _ in range(self.servers)]

    @property
    def origin(self) -> str:
        return f"https://localhost:{self.port}"

    def start(self) -> Deployment:
        tmp = self.folder
        self.ca, self.cert, key = make_certificates(tmp)
        env = {
            **os.environ,
            "CAIRN_INSTANCE_PATH": str(tmp / "instance"),
            "CAIRN_DATABASE_URL": self.database_url,
            "CAIRN_BEHIND_PROXY": "1",
            "CAIRN_ORIGIN": self.origin,
            "CAIRN_START_CODE": self.start_code,
            **self.env,
        }
        for n, port in enumerate(self.upstreams):
            log = open(tmp / f"cairn-{n}.log", "wb")  # noqa: SIM115 - closed by stop()
            self.logs.append(log)
            self.processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "server.cli", "serve", "--production"]
                    + ["--host", "127.0.0.1", "--port", str(port)],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        for port in self.upstreams:
            self._wait_for(port)
        (tmp / "nginx.conf").write_text(
            NGINX_CONF.format(tmp=tmp, site=site_config(self.port, self.upstreams, self.cert, key))
        )
        binary = nginx()
        assert binary, "nginx is not installed: scripts/setup.sh installs it"
        log = open(tmp / "nginx.log", "wb")  # noqa: SIM115 - closed by stop()
        self.logs.append(log)
        self.processes.append(
            subprocess.Popen(
                [binary, "-c", str(tmp / "nginx.conf"), "-p", str(tmp)],
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        )
        self._wait_for(self.port)
        return self

    def _wait_for(self, port: int) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    return
            for p in self.processes:
                if p.poll() is not None:
                    raise RuntimeError(f"{p.args[:4]} stopped: see {self.folder}")
            time.sleep(0.1)
        raise TimeoutError(f"nothing listened on port {port}")

    def stop(self) -> None:
        for p in reversed(self.processes):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.processes:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        for log in self.logs:
            log.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        body: object = None,
        headers: dict | None = None,
        client: str = "127.0.0.1",
    ) -> Answer:
        """One HTTPS request to the proxy from the loopback address ``client``."""
        conn = https_to(self.port, self.ca, client)
        try:
            data = json.dumps(body).encode() if body is not None else None
            sent = {"Content-Type": "application/json"} if data is not None else {}
            conn.request(method, path, body=data, headers={**sent, **(headers or {})})
            answer = conn.getresponse()
            return Answer(answer.status, answer.headers, answer.read())
        finally:
            conn.close()


@contextlib.contextmanager
def deployed(folder: Path, database_url: str, **settings) -> Iterator[Deployment]:
    """The whole deployment on a schema of its own in ``database_url``, stopped after."""
    with new_schema(database_url) as url:
        deployment = Deployment(folder, url, **settings).start()
        try:
            yield deployment
        finally:
            deployment.stop()
