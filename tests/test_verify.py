"""`cairn verify` on bundles built here, the way the phone builds them."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest

from server.cli import main
from server.verify import GENESIS, BundleError, event_hash, verify_bundle

PHOTO = b"\x89PNG pretend photo bytes" * 50


def chain(payloads: list[tuple[str, str, dict]]) -> list[dict]:
    events, prev = [], GENESIS
    for seq, (kind, subject, payload) in enumerate(payloads, start=1):
        text = json.dumps(payload)
        e = {
            "seq": seq,
            "prev": prev,
            "type": kind,
            "subject": subject,
            "at": 1_763_000_000_000 + seq,
            "payloadHash": hashlib.sha256(text.encode()).hexdigest(),
            "payload": text,
        }
        e["hash"] = prev = event_hash(e)
        events.append(e)
    return events


def make(tmp_path: Path, *, events=None, files=None, photo=PHOTO) -> Path:
    digest = hashlib.sha256(PHOTO).hexdigest()
    events = (
        events
        if events is not None
        else chain(
            [
                ("incident.recorded", "i1", {"fields": {"what": "A note on my car"}}),
                ("evidence.added", "i1", {"name": "note.png", "sha256": digest}),
            ]
        )
    )
    files = (
        files
        if files is not None
        else [{"path": "files/001-note.png", "sha256": digest, "event": 2}]
    )
    manifest = {
        "format": "cairn-bundle/1",
        "head": events[-1]["hash"] if events and isinstance(events[-1], dict) else GENESIS,
        "count": len(events),
        "events": events,
        "files": files,
    }
    path = tmp_path / "bundle.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("manifest.json", json.dumps(manifest))
        zf.writestr("report.html", "<!doctype html><title>Incident diary</title>")
        zf.writestr("files/001-note.png", photo)
    return path


def test_a_whole_bundle_verifies(tmp_path, capsys):
    assert verify_bundle(make(tmp_path)).ok
    assert main(["verify", str(make(tmp_path))]) == 0
    assert "verified: file files/001-note.png" in capsys.readouterr().out


def test_a_changed_file_is_named(tmp_path, capsys):
    assert main(["verify", str(make(tmp_path, photo=PHOTO + b"!"))]) == 1
    assert "NOT VERIFIED: file files/001-note.png" in capsys.readouterr().out


def test_a_removed_event_breaks_the_chain_there(tmp_path):
    events = chain(
        [
            ("incident.recorded", "i1", {}),
            ("incident.revised", "i1", {}),
            ("evidence.added", "i1", {"sha256": hashlib.sha256(PHOTO).hexdigest()}),
        ]
    )
    del events[1]
    result = verify_bundle(
        make(
            tmp_path,
            events=events,
            files=[
                {
                    "path": "files/001-note.png",
                    "sha256": hashlib.sha256(PHOTO).hexdigest(),
                    "event": 3,
                }
            ],
        )
    )
    bad = [f.where for f in result.findings if not f.ok]
    assert bad == ["event 3"]


def test_a_file_the_chain_does_not_name_is_not_verified(tmp_path):
    result = verify_bundle(
        make(
            tmp_path,
            files=[
                {
                    "path": "files/001-note.png",
                    "sha256": hashlib.sha256(PHOTO).hexdigest(),
                    "event": 1,
                }
            ],
        )
    )
    assert not result.ok


def test_malformed_events_are_reported_not_raised(tmp_path):
    result = verify_bundle(make(tmp_path, events=[{"seq": "x"}, 7], files=[]))
    assert not result.ok


@pytest.mark.parametrize("content", [b"", b"not a zip", None])
def test_something_else_is_not_a_bundle(tmp_path, content):
    path = tmp_path / "x.zip"
    if content is None:
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("manifest.json", json.dumps({"format": "something-else"}))
    else:
        path.write_bytes(content)
    with pytest.raises(BundleError):
        verify_bundle(path)
    assert main(["verify", str(path)]) == 2
