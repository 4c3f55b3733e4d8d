"""Load settings from defaults, the environment and a test mapping, in that order."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

PWA_DIR = Path(__file__).resolve().parent.parent / "pwa"

DEFAULTS: dict[str, Any] = {
    # Where the SQLite file, the session secret and (later) the receipt key live.
    "DATABASE": "cairn.sqlite",
    "PWA_DIR": str(PWA_DIR),
    # Set when Cairn runs behind a TLS-terminating proxy: trusts X-Forwarded-Proto/Host
    # from that many proxies, turns on HSTS and Secure cookies.
    "BEHIND_PROXY": 0,
    "FORCE_TLS": False,
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    "SESSION_COOKIE_NAME": "s",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Strict",
    "WTF_CSRF_TIME_LIMIT": None,
    "WTF_CSRF_HEADERS": ["X-CSRFToken"],
}


def load(app: Flask, test_config: Mapping[str, Any] | None) -> None:
    """Fill ``app.config``: defaults, then ``CAIRN_*`` environment variables, then ``test_config``.

    ``CAIRN_FOO=bar`` sets ``FOO``; values that parse as JSON (numbers, true/false) are typed.
    """
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("CAIRN")
    if test_config:
        app.config.from_mapping(test_config)

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    database = Path(app.config["DATABASE"])
    if str(database) != ":memory:" and not database.is_absolute():
        app.config["DATABASE"] = str(Path(app.instance_path) / database)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path) / "secret_key")
    tls = bool(app.config["FORCE_TLS"] or app.config["BEHIND_PROXY"])
    app.config["SESSION_COOKIE_SECURE"] = tls


def _instance_secret(path: Path) -> str:
    """Return the session-signing secret kept in the instance folder, making it on first run."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    value = secrets.token_urlsafe(48)
    # O_EXCL: two workers starting at once must not each write a different secret.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value
