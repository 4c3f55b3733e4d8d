"""Settings from the environment, the instance secret, and test overrides."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from server import create_app


def test_environment_sets_config(monkeypatch, tmp_path):
    monkeypatch.setenv("CAIRN_INSTANCE_PATH", str(tmp_path / "inst"))
    monkeypatch.setenv("CAIRN_DATABASE", "other.sqlite")
    monkeypatch.setenv("CAIRN_MAX_CONTENT_LENGTH", "2048")
    app = create_app()
    assert app.instance_path == str(tmp_path / "inst")
    assert app.config["DATABASE"] == str(tmp_path / "inst" / "other.sqlite")
    assert app.config["MAX_CONTENT_LENGTH"] == 2048


def test_secret_key_is_made_once_and_kept_private(tmp_path):
    first = create_app({"INSTANCE_PATH": str(tmp_path)})
    second = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) >= 48
    mode = stat.S_IMODE(Path(tmp_path, "secret_key").stat().st_mode)
    assert mode == 0o600


def test_test_config_overrides_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CAIRN_DATABASE", "env.sqlite")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "DATABASE": "test.sqlite"})
    assert app.config["DATABASE"].endswith("test.sqlite")


def test_an_empty_secret_file_is_replaced(tmp_path):
    (tmp_path / "secret_key").write_text("")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert len(app.config["SECRET_KEY"]) >= 48


def test_the_start_code_is_text_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("CAIRN_START_CODE", "013579")
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path)})
    assert app.config["START_CODE"] == "013579"
    monkeypatch.setenv("CAIRN_START_CODE", "24680")
    assert (
        create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path)}).config["START_CODE"]
        == "24680"
    )
    monkeypatch.setenv("CAIRN_START_CODE", "1234567")
    with pytest.raises(ValueError, match="START_CODE"):
        create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path)})
    monkeypatch.setenv("CAIRN_START_CODE", "12ab")
    with pytest.raises(ValueError, match="START_CODE"):
        create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path)})


def test_the_start_code_limit_must_be_a_whole_number(tmp_path, monkeypatch):
    monkeypatch.setenv("CAIRN_START_CODE_TRIES_PER_MINUTE", "ten")
    with pytest.raises(ValueError, match="TRIES_PER_MINUTE"):
        create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path)})


@pytest.mark.parametrize("window", ["0", "-5", "a minute", "true"])
def test_the_start_code_window_must_be_seconds_above_zero(tmp_path, monkeypatch, window):
    monkeypatch.setenv("CAIRN_START_CODE_WINDOW_SECONDS", window)
    with pytest.raises(ValueError, match="START_CODE_WINDOW_SECONDS"):
        create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path)})


def test_the_storage_settings_are_whole_numbers_of_bytes(tmp_path, monkeypatch):
    monkeypatch.setenv("CAIRN_INSTANCE_QUOTA_BYTES", "1e12")
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path)})
    assert app.config["INSTANCE_QUOTA_BYTES"] == 10**12
    assert app.config["DISK_RESERVE_BYTES"] == 512 * 1024**2
    for name, value in (("INSTANCE_QUOTA_BYTES", "0"), ("DISK_RESERVE_BYTES", "lots")):
        monkeypatch.setenv(f"CAIRN_{name}", value)
        with pytest.raises(ValueError, match=name):
            create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path)})
        monkeypatch.delenv(f"CAIRN_{name}")


@pytest.mark.parametrize("name", ["UPLOADS_PER_MINUTE_ALL", "ACCOUNTS_PER_DAY_ALL"])
def test_the_ceilings_for_everyone_are_whole_numbers_above_zero(tmp_path, monkeypatch, name):
    monkeypatch.setenv(f"CAIRN_{name}", "0")
    with pytest.raises(ValueError, match=name):
        create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path)})
    monkeypatch.setenv(f"CAIRN_{name}", "50000")
    assert create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path)}).config[name] == 50000
