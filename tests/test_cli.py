"""The ``cairn`` command."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from server.cli import build_parser, main, waitress_options
from server.config import DEFAULTS


def test_help_explains_itself(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "serve" in out and "encrypted" in out


def test_serve_defaults_to_localhost_8000():
    args = build_parser().parse_args(["serve"])
    assert (args.host, args.port, args.production) == ("localhost", 8000, False)


def test_no_command_prints_help(capsys):
    assert main([]) == 2
    assert "usage" in capsys.readouterr().out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("localhost", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("production", [False, True])
def test_serve_runs_the_app(tmp_path, production):
    port = free_port()
    command = [sys.executable, "-m", "server.cli", "serve", "--port", str(port)]
    command += ["--instance", str(tmp_path / "inst")] + (["--production"] if production else [])
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )  # noqa: S603
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://localhost:{port}/api/health") as response:  # noqa: S310
                    assert response.status == 200
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.1)
        assert (tmp_path / "inst" / "cairn.sqlite").exists()
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_behind_a_proxy_waitress_is_told_whom_to_trust():
    config = {**DEFAULTS, "BEHIND_PROXY": 1}
    public = waitress_options(config, 8, "192.0.2.10")
    assert public["trusted_proxy"] == "127.0.0.1"
    assert public["trusted_proxy_count"] == 1
    assert public["trusted_proxy_headers"] >= {"x-forwarded-for", "x-forwarded-proto"}
    # Listening on loopback only, nothing but this machine can connect: any address.
    assert waitress_options(config, 8, "localhost")["trusted_proxy"] == "*"
    named = waitress_options({**config, "TRUSTED_PROXY": "10.0.0.5"}, 8, "192.0.2.10")
    assert named["trusted_proxy"] == "10.0.0.5"


def test_without_a_proxy_waitress_trusts_no_forwarded_headers():
    options = waitress_options(DEFAULTS, 4, "192.0.2.10")
    assert "trusted_proxy" not in options
    assert options["threads"] == 4 and options["ident"] == ""
    assert options["connection_limit"] == 1000 and options["channel_timeout"] == 30
