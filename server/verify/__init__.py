"""Check an evidence bundle made on the phone, and say exactly what the check proves.

A bundle is a zip with ``manifest.json`` (``cairn-bundle/2``; ``/1`` is still read),
``report.html`` and the evidence files. Every entry of the zip must be listed in the
manifest with its SHA-256; each evidence file must match the chain's event that added it
(fingerprint, name, type, size, incident); the chain must link from the first event to its
head (docs/diary-format.md); nothing may be missing but what the bundle says its maker left
out. Then what anchors it is stated: the server's signed receipts (docs/receipts.md),
RFC 3161 time-stamps, a head the checker noted earlier, or nothing — "internally consistent
only".
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from cryptography import x509

from . import manifest as manifests
from .anchors import (
    Head,
    HeadTextError,
    KeyTextError,
    check_head,
    check_receipts,
    parse_head,
    parse_key,
    state_anchors,
)
from .archive import (
    MANIFEST,
    Archive,
    BundleError,
    DamagedEntry,
    layout_problems,
    open_archive,
    read_manifest,
)
from .archive import sha256_of as entry_sha256
from .chain import check_chain, event_hash, merge_windows, payload_of, utf8
from .disclosure import check_disclosure
from .manifest import FILE_FIELDS, GENESIS, shape_problem
from .origins import check_origins
from .output import plain, quoted, report
from .result import Finding, Result
from .stamps import CertificateTextError, check_timestamps, parse_certificates

__all__ = [
    "GENESIS",
    "BundleError",
    "CertificateTextError",
    "Finding",
    "Head",
    "HeadTextError",
    "KeyTextError",
    "Result",
    "event_hash",
    "parse_head",
    "parse_certificates",
    "parse_key",
    "plain",
    "report",
    "verify_bundle",
]


def verify_bundle(
    path: str | Path,
    *,
    key: bytes | None = None,
    head: Head | None = None,
    tsa_roots: list[x509.Certificate] | None = None,
) -> Result:
    """Check every entry, file, event, receipt and time-stamp in the bundle at ``path``.

    Receipts are checked against ``key`` (the server's raw public key) when given, else
    against the key that came with the bundle; time-stamps against ``tsa_roots`` when
    given, else the authority certificates that came with it; ``head`` is a fingerprint
    noted earlier. With a key or roots given, events nothing independent anchors fail.

    :raise BundleError: when it is not a readable bundle.
    """
    result = Result()
    archive = open_archive(path)
    with archive.zf:
        manifest = manifests.read(read_manifest(archive))
        for name, problems in archive.name_problems.items():
            result.add(f"zip entry {name}", False, "; ".join(problems))
        for problem in layout_problems(archive):
            result.add("zip layout", False, f"{problem}: another tool may show other files")
        by_seq = check_chain(manifest.events, manifest.head, manifest.count, result)
        listed, named = _check_files(archive, manifest, by_seq, result)
        check_disclosure(by_seq, named, manifest.left_entries, manifest.left_files, result)
        listed |= _check_report(archive, manifest, result)
        for info in archive.entries:
            if info.filename != MANIFEST and info.filename not in listed:
                result.add(
                    f"zip entry {info.filename}",
                    False,
                    "is in the bundle but not in its manifest: "
                    "it was added after the bundle was made",
                )
        anchors = check_receipts(manifest.receipts, manifest.receipt_keys, by_seq, key, result)
        anchors += check_timestamps(
            manifest.timestamps, manifest.tsa_certificates, by_seq, tsa_roots, result
        )
        held = check_head(head, by_seq, result) if head else None
        strict = key is not None or tsa_roots is not None
        state_anchors(anchors, held, manifest.count, strict=strict, result=result)
        windows = merge_windows(manifest.events)
        check_origins(manifest.origins, by_seq, windows, key, tsa_roots, result)
    return result


def _check_files(
    archive: Archive, manifest: manifests.Manifest, by_seq: dict, result: Result
) -> tuple[set[str], set[int]]:
    """Check each evidence file against its manifest entry and the event that added it.
    Return the paths listed and the evidence events whose files are here."""
    listed, named = set(), set()
    for n, entry in enumerate(manifest.files, start=1):
        shape = shape_problem(entry, FILE_FIELDS)
        if shape:
            result.add("file ?", False, f"is listed in a form this version cannot read: it {shape}")
            continue
        where = f"file {entry['path']}"
        listed.add(entry["path"])
        expected = file_path(n, entry["name"])
        if entry["path"] != expected:
            # The report shows each picture by its path: a renamed file shows another picture.
            result.add(
                where,
                False,
                f"should be called {expected}: the files were renamed or put in another order",
            )
            named.add(entry["event"])  # its file is here, renamed: not withheld as well
            continue
        info = archive.only(entry["path"])
        if info is None:
            result.add(where, False, "is missing from the bundle, or is in it more than once")
            continue
        try:
            actual, size = entry_sha256(archive, info)
        except DamagedEntry as error:
            result.add(where, False, str(error))
            continue
        problems = []
        if actual != entry["sha256"]:
            problems.append(f"has SHA-256 {actual}, not the {entry['sha256']} recorded")
        if size != entry["size"]:
            problems.append(f"is {size:,} bytes, not the {entry['size']:,} listed")
        problems += _against_event(entry, by_seq.get(entry["event"]), actual, size, named)
        result.add(where, not problems, "; ".join(problems) or f"verified (SHA-256 {actual})")
    return listed, named


def file_path(n: int, name: str) -> str:
    """Where the phone puts the n-th file called ``name``: ``files/001-<safe name>``.

    The safe name is the phone's (``formats/bundle.js``): each run of characters that are not
    letters, digits, ``.``, ``_``, space or ``-`` becomes one ``_``; then its first 80 UTF-16
    code units, as JavaScript counts them.
    """
    out: list[str] = []
    for ch in name:
        if unicodedata.category(ch)[0] in "LN" or ch in "._ -":
            out.append(ch)
        elif not out or out[-1] != "\0":
            out.append("\0")  # one mark per run; "_" itself may be kept text
    safe = "".join(out).replace("\0", "_")
    units = safe.encode("utf-16-le", "surrogatepass")[:160]
    safe = utf8(units.decode("utf-16-le", "surrogatepass")).decode("utf-8")
    return f"files/{n:03d}-{safe or 'file'}"


def _against_event(entry: dict, event: dict | None, actual: str, size: int, named: set) -> list:
    """What differs between a file and the evidence event the manifest says added it."""
    recorded = payload_of(event) if event and event["type"] == "evidence.added" else None
    if recorded is None:
        return ["is not named by an evidence event in the chain"]
    seq = event["seq"]
    if seq in named:
        return [f"names event {seq}, which another file in the bundle already names"]
    named.add(seq)
    problems = []
    if recorded.get("sha256") != actual:
        problems.append(f"differs from the fingerprint in event {seq}")
    if recorded.get("size") is not None and recorded.get("size") != size:
        problems.append(f"is {size:,} bytes, but event {seq} recorded {recorded.get('size')}")
    for name in ("name", "type"):
        if recorded.get(name) is not None and recorded.get(name) != entry[name]:
            problems.append(
                f"is listed with {name} {quoted(entry[name])}, "
                f"but event {seq} recorded {quoted(recorded.get(name))}"
            )
    if event["subject"] != entry["subject"]:
        problems.append(f"is listed under another entry than the one event {seq} added it to")
    return problems


def _check_report(archive: Archive, manifest: manifests.Manifest, result: Result) -> set:
    """Check report.html against the manifest's fingerprint of it."""
    if manifest.report is None:
        result.add(
            "report.html",
            False,
            "is not fingerprinted in this older bundle's manifest, so its words cannot be "
            "checked (the files and events can)",
        )
        return {"report.html"}
    path, recorded = manifest.report["path"], manifest.report["sha256"]
    info = archive.only(path)
    if info is None:
        result.add(path, False, "is missing from the bundle, or is in it more than once")
        return {path}
    try:
        actual, _ = entry_sha256(archive, info)
    except DamagedEntry as error:
        result.add(path, False, str(error))
        return {path}
    result.add(
        path,
        actual == recorded,
        f"matches the manifest (SHA-256 {actual})"
        if actual == recorded
        else f"was changed: its SHA-256 is {actual}, not the {recorded} in the manifest",
    )
    return {path}
