"""Evidence bundles built the way the phone builds them, for the verifier's tests."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from server.cli import main
from server.encoding import b64url
from server.receipts import key_id, raw_public, sign
from server.verify import GENESIS, event_hash

SERVER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
PUBLIC = b64url(raw_public(SERVER_KEY.public_key()))

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


def published(key: Ed25519PrivateKey = SERVER_KEY) -> dict:
    """The key as /api/receipts/key publishes it."""
    public = raw_public(key.public_key())
    return {"alg": "Ed25519", "kid": key_id(public), "publicKey": b64url(public)}


def stamped(events: list[dict], key: Ed25519PrivateKey = SERVER_KEY) -> list[dict]:
    """A receipt for each event's hash, as the phone keeps them after each change."""
    return [
        {"seq": e["seq"], "hash": e["hash"], "receipt": sign(key, e["hash"], 1_763_000_100_000)}
        for e in events
    ]


def evidence(name: str = "note.png", data: bytes = PHOTO, kind: str = "image/png") -> dict:
    """An evidence event's payload, as the phone records it."""
    return {
        "file": "f1",
        "name": name,
        "type": kind,
        "kind": "photo",
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }


def listing(event: dict, path: str = "files/001-note.png") -> dict:
    """The manifest's entry for the file an evidence event added."""
    payload = json.loads(event["payload"])
    return {
        "path": path,
        "name": payload["name"],
        "type": payload["type"],
        "size": payload["size"],
        "sha256": payload["sha256"],
        "subject": event["subject"],
        "event": event["seq"],
    }


REPORT = b"<!doctype html><title>Incident diary</title><p>A blue van, AB12 CDE.</p>"


def manifest_for(events: list, files=None, *, report: bytes = REPORT) -> dict:
    """A cairn-bundle/2 manifest for ``events``, with the evidence events' files listed."""
    if files is None:
        files = [listing(e) for e in events if e["type"] == "evidence.added"]
    last = events[-1] if events and isinstance(events[-1], dict) else {}
    return {
        "format": "cairn-bundle/2",
        "head": last.get("hash", GENESIS),
        "count": len(events),
        "report": {"path": "report.html", "sha256": hashlib.sha256(report).hexdigest()},
        "files": files,
        "events": events,
    }


def write(path: Path, manifest: dict, entries: dict[str, bytes]) -> Path:
    """A zip holding ``manifest.json`` and ``entries``, as the phone writes it."""
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("manifest.json", json.dumps(manifest))
        for name, data in entries.items():
            zf.writestr(name, data)
    return path


OTHER = b"\xff\xd8 a screenshot of the messages" * 40
DAY = 86_400_000


def diary() -> list[dict]:
    return chain(
        [
            ("person.described", "p1", {"fields": {"name": "J. Smith"}}),
            (
                "incident.recorded",
                "i1",
                {"fields": {"what": "Blue van outside work", "vehicle": "Blue van"}},
            ),
            ("evidence.added", "i1", evidence("van.png", PHOTO)),
            ("incident.recorded", "i2", {"fields": {"what": "Twelve messages at night"}}),
            ("evidence.added", "i2", evidence("messages.jpg", OTHER, "image/jpeg")),
        ]
    )


def files_of(events: list[dict]) -> list[dict]:
    return [
        listing(events[2], "files/001-van.png"),
        listing(events[4], "files/002-messages.jpg"),
    ]


def bundle(
    tmp_path: Path,
    events=None,
    *,
    files=None,
    entries=None,
    report_bytes=REPORT,
    receipts=None,
    change=None,
    name="bundle.zip",
) -> Path:
    """A bundle as the phone makes it; ``change`` may alter the manifest before it is written."""
    events = diary() if events is None else events
    manifest = manifest_for(events, files_of(events) if files is None else files, report=REPORT)
    if receipts is not None:
        manifest["receipts"] = receipts
        manifest["receiptKeys"] = [published()]
    if change:
        change(manifest)
    contents = {
        "report.html": report_bytes,
        "files/001-van.png": PHOTO,
        "files/002-messages.jpg": OTHER,
    }
    return write(tmp_path / name, manifest, contents if entries is None else entries)


def run(capsys, *args) -> tuple[int, str]:
    code = main(["verify", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def rechain(events: list[dict]) -> list[dict]:
    """Recompute every payload hash and event hash, as a forger holding the bundle can."""
    prev, out = GENESIS, []
    for e in events:
        e = {**e, "prev": prev, "payloadHash": hashlib.sha256(e["payload"].encode()).hexdigest()}
        e["hash"] = prev = event_hash(e)
        out.append(e)
    return out
