"""Check an evidence bundle made on the phone: every file's SHA-256 and the diary's chain.

A bundle is a zip with ``manifest.json`` (format ``cairn-bundle/1``), ``report.html`` and
the evidence files. Each event's hash covers its place, time, kind, subject and payload
hash, and chains to the event before (docs/diary-format.md); each file's SHA-256 is in the
manifest and in the chain's ``evidence.added`` event for it.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

FORMAT = "cairn-bundle/1"
GENESIS = "0" * 64


class BundleError(Exception):
    """The file is not a bundle this version can read."""


@dataclass(frozen=True)
class Finding:
    where: str  # "file files/001-photo.png", "event 12", "the chain's head"
    ok: bool
    what: str


@dataclass
class Result:
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.findings)

    def add(self, where: str, ok: bool, what: str) -> None:
        self.findings.append(Finding(where, ok, what))


def event_hash(e: dict) -> str:
    """Return the hash of an event's header, as the phone computes it."""
    parts = [
        "cairn/event/v1",
        e["seq"],
        e["prev"],
        e["type"],
        e["subject"],
        e["at"],
        e["payloadHash"],
    ]
    return hashlib.sha256("\n".join(str(p) for p in parts).encode()).hexdigest()


def _sha256(zf: zipfile.ZipFile, name: str) -> str:
    digest = hashlib.sha256()
    with zf.open(name) as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _check_chain(events: list[dict], head: str, count: int, result: Result) -> dict[int, dict]:
    """Check every event and its link to the one before; return events by number."""
    by_seq: dict[int, dict] = {}
    prev, expected = GENESIS, 1
    for e in events:
        where = f"event {e.get('seq') if isinstance(e, dict) else '?'}"
        try:
            problems = []
            if e["seq"] != expected:
                problems.append(f"is numbered {e['seq']} where {expected} was expected")
            if e["prev"] != prev:
                problems.append("does not follow on from the event before it")
            payload = e.get("payload")
            if (
                payload is not None
                and hashlib.sha256(payload.encode()).hexdigest() != e["payloadHash"]
            ):
                problems.append("has content that differs from what was recorded")
            if event_hash(e) != e["hash"]:
                problems.append("has details (time, kind or subject) that were changed")
        except (KeyError, TypeError, AttributeError) as error:
            result.add(where, False, f"is malformed ({error!r})")
            prev, expected = "", expected + 1
            continue
        result.add(where, not problems, "; ".join(problems) or "verified")
        by_seq[e["seq"]] = e
        prev, expected = event_hash(e), e["seq"] + 1
    if count != len(events) or head != prev:
        result.add(
            "the chain's head",
            False,
            f"names {count} events ending {head[:12]}…, "
            f"but the events here end {prev[:12]}… after {len(events)}",
        )
    else:
        result.add("the chain's head", True, f"verified: {count} events, head {head}")
    return by_seq


def verify_bundle(path: str | Path) -> Result:
    """Check every file and event in the bundle at ``path``.

    :raise BundleError: when it is not a readable bundle.
    """
    result = Result()
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as error:
        raise BundleError(f"{path} is not a zip file: {error}") from error
    with zf:
        try:
            manifest = json.loads(zf.read("manifest.json"))
        except (KeyError, ValueError) as error:
            raise BundleError(f"{path} has no readable manifest.json: {error}") from error
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise BundleError(f"{path} is not a {FORMAT} bundle")
        events = manifest.get("events") or []
        by_seq = _check_chain(events, manifest.get("head", ""), manifest.get("count", -1), result)
        names = set(zf.namelist())
        for entry in manifest.get("files") or []:
            if not isinstance(entry, dict):
                result.add("file ?", False, "is listed in a form this version cannot read")
                continue
            where = f"file {entry.get('path')}"
            if entry.get("path") not in names:
                result.add(where, False, "is missing from the bundle")
                continue
            actual = _sha256(zf, entry["path"])
            problems = []
            if actual != entry.get("sha256"):
                problems.append(f"has SHA-256 {actual}, not the {entry.get('sha256')} recorded")
            event = by_seq.get(entry.get("event"))
            try:
                recorded = json.loads(event["payload"]) if event and event.get("payload") else None
            except ValueError:
                recorded = None
            if not isinstance(recorded, dict) or event.get("type") != "evidence.added":
                problems.append("is not named by an evidence event in the chain")
            elif recorded.get("sha256") != actual:
                problems.append(f"differs from the fingerprint in event {event['seq']}")
            result.add(where, not problems, "; ".join(problems) or f"verified (SHA-256 {actual})")
        if "report.html" not in names:
            result.add("report.html", False, "is missing from the bundle")
    return result


def report(result: Result) -> str:
    """Return the findings as lines a person can read, files first, then a verdict."""
    files = [f for f in result.findings if f.where.startswith("file ")]
    rest = [f for f in result.findings if not f.where.startswith("file ")]
    lines = [f"{'verified' if f.ok else 'NOT VERIFIED'}: {f.where}: {f.what}" for f in files]
    lines += [f"NOT VERIFIED: {f.where} {f.what}" for f in rest if not f.ok]
    head = [f for f in rest if f.where == "the chain's head" and f.ok]
    lines += [f"verified: the chain: {f.what}" for f in head]
    lines.append(
        "All verified." if result.ok else "Not verified: see the lines marked NOT VERIFIED."
    )
    return "\n".join(lines)
