"""Cairn's server: serves the offline app and, only if asked, keeps ciphertext it cannot read."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from . import (
    backup,
    config,
    db,
    errors,
    limits,
    passkeys,
    receipts,
    security,
    share,
    shell,
    storage,
    timestamps,
)
from .api import bp as api_bp
from .invitations import bp as invitations_bp


class StrictJSON(DefaultJSONProvider):
    """JSON as browsers read it: NaN and Infinity in a body are refused (Python's parser takes
    them, and a value stored with one would be served back as JSON no browser can parse)."""

    def loads(self, s, **kwargs):
        kwargs.setdefault("parse_constant", _refuse)
        kwargs.setdefault("parse_float", _finite)
        return super().loads(s, **kwargs)


def _refuse(name: str):
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999 parses as Infinity
        raise ValueError("a number too large for JSON")
    return value


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Create and configure a Cairn app.

    Settings come from the environment (``CAIRN_*``); ``test_config`` overrides them.
    """
    instance = (test_config or {}).get("INSTANCE_PATH") or os.environ.get("CAIRN_INSTANCE_PATH")
    app = Flask(
        __name__,
        instance_path=str(Path(instance).resolve()) if instance else None,
        instance_relative_config=True,
        static_folder=None,
    )
    app.json = StrictJSON(app)
    config.load(app, test_config)

    errors.init_app(app)
    security.init_app(app)
    db.init_app(app)
    limits.init_app(app)
    storage.init_app(app)
    shell.init_app(app)
    receipts.init_app(app)
    timestamps.init_app(app)
    passkeys.init_app(app)
    backup.init_app(app)

    app.register_blueprint(api_bp)
    app.register_blueprint(invitations_bp)
    app.register_blueprint(share.bp)
    app.register_blueprint(shell.bp)
    return app
