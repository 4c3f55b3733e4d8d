"""The manifest's shape, checked before anything in it is used.

``cairn-bundle/2`` (made since the report got its own fingerprint) and ``cairn-bundle/1``
are read. Whatever does not have the shape the phone writes is refused at the top
(:class:`BundleError`, exit 2) or, for one event, file or receipt, reported by name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .archive import BundleError

FORMATS = ("cairn-bundle/2", "cairn-bundle/1")
HEX64 = re.compile(r"[0-9a-f]{64}\Z")
GENESIS = "0" * 64


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# What each event, file and report entry holds, and the type of each.
EVENT_FIELDS = {
    "seq": is_int,
    "prev": lambda v: isinstance(v, str),
    "type": lambda v: isinstance(v, str),
    "subject": lambda v: isinstance(v, str),
    "at": is_int,
    "payloadHash": lambda v: isinstance(v, str),
    "hash": lambda v: isinstance(v, str),
    "payload": lambda v: v is None or isinstance(v, str),
}
FILE_FIELDS = {
    "path": lambda v: isinstance(v, str),
    "name": lambda v: isinstance(v, str),
    "type": lambda v: isinstance(v, str),
    "size": is_int,
    "sha256": lambda v: isinstance(v, str),
    "subject": lambda v: isinstance(v, str),
    "event": is_int,
}


def shape_problem(entry: object, fields: dict) -> str | None:
    """What is wrong with the shape of one event or file entry, or None."""
    if not isinstance(entry, dict):
        return "is not an entry this version can read"
    for name, ok in fields.items():
        if name not in entry:
            return f"has no {name}"
        if not ok(entry[name]):
            return f"has a {name} of the wrong kind"
    return None


@dataclass
class Manifest:
    format: str
    head: str
    count: int
    events: list = field(default_factory=list)
    files: list = field(default_factory=list)
    report: dict | None = None  # {"path", "sha256"}; in cairn-bundle/2
    receipts: list = field(default_factory=list)
    receipt_keys: list = field(default_factory=list)
    timestamps: list = field(default_factory=list)  # [{seq, hash, token}]: RFC 3161
    tsa_certificates: list = field(default_factory=list)  # PEM
    # What the person who made the bundle chose to leave out: entries (incident ids) and
    # single files (the numbers of the events that added them). Only in cairn-bundle/2.
    left_entries: set = field(default_factory=set)
    left_files: set = field(default_factory=set)
    # Backups merged into the diary: each one's chain as hashes, and its anchors (origins.py).
    origins: list = field(default_factory=list)


def read(raw: object) -> Manifest:
    """The manifest, with its top level checked.

    :raise BundleError: when its top level is not what the phone writes.
    """
    if not isinstance(raw, dict) or raw.get("format") not in FORMATS:
        raise BundleError(f"it is not a Cairn bundle (its manifest is not {' or '.join(FORMATS)})")
    kind = raw["format"]

    def need(name: str, ok, what: str, default=None):
        value = raw.get(name, default)
        if not ok(value):
            raise BundleError(f"its manifest's {name} is not {what}")
        return value

    manifest = Manifest(
        format=kind,
        head=need("head", lambda v: isinstance(v, str), "text"),
        count=need("count", lambda v: is_int(v) and v >= 0, "a count"),
        events=need("events", lambda v: isinstance(v, list), "a list"),
        files=need("files", lambda v: isinstance(v, list), "a list", []),
        receipts=need("receipts", lambda v: isinstance(v, list), "a list", []),
        receipt_keys=need("receiptKeys", lambda v: isinstance(v, list), "a list", []),
        timestamps=need("timestamps", lambda v: isinstance(v, list), "a list", []),
        tsa_certificates=need("tsaCertificates", lambda v: isinstance(v, list), "a list", []),
        origins=need("origins", lambda v: isinstance(v, list), "a list", []),
    )
    if kind == "cairn-bundle/1":
        # Files named their incident; there was no fingerprint of the report.
        manifest.files = [
            {**f, "subject": f.get("incident")} if isinstance(f, dict) else f
            for f in manifest.files
        ]
    else:
        manifest.report = need(
            "report",
            lambda v: (
                isinstance(v, dict)
                and isinstance(v.get("path"), str)
                and isinstance(v.get("sha256"), str)
            ),
            "a path and a SHA-256",
        )
        left = need("leftOut", _is_left_out, "a list of entries and a list of files", {})
        manifest.left_entries = set(left.get("entries", []))
        manifest.left_files = set(left.get("files", []))
    return manifest


def _is_left_out(value: object) -> bool:
    if not isinstance(value, dict):  # other fields, from a later version, are not read
        return False
    entries, files = value.get("entries", []), value.get("files", [])
    return (
        isinstance(entries, list)
        and all(isinstance(e, str) for e in entries)
        and isinstance(files, list)
        and all(is_int(f) for f in files)
    )
