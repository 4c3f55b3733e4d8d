"""Check an evidence bundle made on the phone: every file's SHA-256 and the diary's chain.

A bundle is a zip with ``manifest.json`` (format ``cairn-bundle/1``), ``report.html`` and
the evidence files. Each event's hash covers its place, time, kind, subject and payload
hash, and chains to the event before (docs/diary-format.md); each file's SHA-256 is in the
manifest and in the chain's ``evidence.added`` event for it. The server's signed time
receipts in the bundle (docs/receipts.md) are checked against the server's public key, and
each against the event it names.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from .encoding import unb64url
from .receipts import key_id
from .receipts import verify as receipt_signed

FORMAT = "cairn-bundle/1"
GENESIS = "0" * 64


class BundleError(Exception):
    """The file is not a bundle this version can read."""


class KeyTextError(ValueError):
    """The public key given is not one this version can read."""


@dataclass(frozen=True)
class Finding:
    where: str  # "file files/001-photo.png", "event 12", "the chain's head"
    ok: bool
    what: str


@dataclass
class Result:
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # said after the findings, whatever they are

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


def _decode_key(text: object) -> bytes:
    """The raw 32-byte key in base64url ``text``.

    :raise KeyTextError: when it is not one.
    """
    try:
        if not isinstance(text, str):
            raise TypeError("not text")
        public = unb64url(text.strip())
    except (ValueError, TypeError) as error:
        raise KeyTextError("the key is not base64url") from error
    if len(public) != 32:
        raise KeyTextError(f"the key is {len(public)} bytes, not the 32 of an Ed25519 key")
    return public


def parse_key(text: str) -> bytes:
    """Return the raw 32-byte Ed25519 public key in ``text``: base64url as
    ``/api/receipts/key`` publishes it, that JSON answer, or a path to a file holding either.

    :raise KeyTextError: when it is none of these.
    """
    try:
        if Path(text).is_file():
            text = Path(text).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise KeyTextError(f"{text} could not be read: {error}") from error
    text = text.strip()
    if text.startswith("{"):
        try:
            return _decode_key(json.loads(text)["publicKey"])
        except (ValueError, KeyError, TypeError) as error:
            if isinstance(error, KeyTextError):
                raise
            raise KeyTextError("the key's JSON has no publicKey") from error
    return _decode_key(text)


def _when(ms: object) -> str:
    """A receipt's time (ms since 1970) as UTC a person can read."""
    if not isinstance(ms, int) or isinstance(ms, bool):
        return "an unreadable time"
    try:
        return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (ValueError, OverflowError, OSError):
        return "an unreadable time"


def _bundle_keys(manifest: dict) -> dict[str, bytes]:
    """The public keys that came with the bundle, by key id (only those whose id is right)."""
    keys: dict[str, bytes] = {}
    listed = manifest.get("receiptKeys") or []
    for entry in listed if isinstance(listed, list) else []:
        try:
            public = _decode_key(entry["publicKey"])
        except (KeyTextError, KeyError, TypeError):
            continue
        if entry.get("kid") == key_id(public):
            keys[key_id(public)] = public
    return keys


def _check_receipts(
    manifest: dict, by_seq: dict[int, dict], key: bytes | None, result: Result
) -> None:
    """Check each receipt's signature, and that it names an event of this chain."""
    receipts = manifest.get("receipts") or []
    if not isinstance(receipts, list):
        result.add("receipts", False, "are listed in a form this version cannot read")
        return
    keys = {key_id(key): key} if key is not None else _bundle_keys(manifest)
    for entry in receipts:
        seq = entry.get("seq") if isinstance(entry, dict) else None
        seq = seq if isinstance(seq, int) and not isinstance(seq, bool) else None
        where = f"receipt for event {seq if seq is not None else '?'}"
        receipt = entry.get("receipt") if isinstance(entry, dict) else None
        if not isinstance(receipt, dict):
            result.add(where, False, "is in a form this version cannot read")
            continue
        problems = []
        kid = receipt.get("kid")
        public = keys.get(kid) if isinstance(kid, str) else None
        if key is not None and public is None:
            problems.append(f"was signed with key {kid}, not the key given ({key_id(key)})")
        elif public is None:
            problems.append(f"names a key ({kid}) that did not come with the bundle")
        elif not receipt_signed(receipt, public):
            problems.append(
                "is not signed by the server's key: its hash, time, key id or signature was changed"
            )
        event = by_seq.get(seq) if seq is not None else None
        if event is None:
            problems.append("names an event that is not in the chain")
        elif receipt.get("hash") != event_hash(event) or entry.get("hash") != receipt.get("hash"):
            problems.append(f"is for a state of the diary other than the one ending at event {seq}")
        result.add(
            where,
            not problems,
            "; ".join(problems)
            or f"the server saw the chain ending at event {seq} "
            f"({receipt['hash']}) no later than {_when(receipt['time'])} (key {kid})",
        )
    if key is not None:
        result.notes.append(
            f"The receipts were checked against the key given with --key (key id {key_id(key)})."
        )
    elif receipts:
        listed = ", ".join(sorted(keys)) or "none"
        result.notes.append(
            f"The receipts were checked against the public key that came with the bundle "
            f"(key id {listed}). It came from the same place as the bundle: compare it with "
            "the key the server publishes at /api/receipts/key, or run again with --key."
        )


def verify_bundle(path: str | Path, *, key: bytes | None = None) -> Result:
    """Check every file, event and time receipt in the bundle at ``path``.

    Receipts are checked against ``key`` (the server's raw public key) when given, else
    against the key that came with the bundle.

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
        _check_receipts(manifest, by_seq, key, result)
    return result


def report(result: Result) -> str:
    """Return the findings as lines a person can read: files, events, the chain, receipts,
    then notes and a verdict."""
    named = ("file ", "receipt")
    files = [f for f in result.findings if f.where.startswith("file ")]
    receipts = [f for f in result.findings if f.where.startswith("receipt")]
    rest = [f for f in result.findings if not f.where.startswith(named)]
    lines = [f"{'verified' if f.ok else 'NOT VERIFIED'}: {f.where}: {f.what}" for f in files]
    lines += [f"NOT VERIFIED: {f.where} {f.what}" for f in rest if not f.ok]
    head = [f for f in rest if f.where == "the chain's head" and f.ok]
    lines += [f"verified: the chain: {f.what}" for f in head]
    lines += [f"{'verified' if f.ok else 'NOT VERIFIED'}: {f.where}: {f.what}" for f in receipts]
    lines += result.notes
    lines.append(
        "All verified." if result.ok else "Not verified: see the lines marked NOT VERIFIED."
    )
    return "\n".join(lines)
