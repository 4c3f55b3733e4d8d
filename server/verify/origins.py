"""The receipts and time-stamps of backups merged into the diary.

A merge gives the backup's events new places in this chain, so its own receipts and
time-stamps (made for its chain's hashes) name no event here. The phone keeps each merged
backup's chain as headers and hashes only (no content: the merged events carry that) with
its anchors, and the bundle carries them (``origins``). Each is checked as its own chain:
it must link to its head, a merge in this chain must name that head, and its anchors must
check against it. An anchor then shows that its events existed by its time; each merged
event here that has the same kind, subject, recorded time and content hash as one of them is
covered (the content hash ties its words and files to what was anchored).
"""

from __future__ import annotations

from cryptography import x509

from ..receipts import key_id
from .anchors import Anchor, check_receipts
from .chain import check_chain, payload_of, when
from .manifest import is_int
from .result import Result
from .stamps import check_timestamps

FIELDS = {
    "head": str,
    "events": list,
    "receipts": list,
    "receiptKeys": list,
    "timestamps": list,
    "tsaCertificates": list,
}


def sameness(e: dict) -> tuple:
    return (e["type"], e["subject"], e["at"], e["payloadHash"])


def spans(seqs: list[int]) -> str:
    """``[3, 4, 5, 9]`` as ``3–5, 9``."""
    out, start, prev = [], None, None
    for s in sorted(seqs):
        if start is None:
            start = prev = s
        elif s == prev + 1:
            prev = s
        else:
            out.append(f"{start}–{prev}" if prev != start else str(start))
            start = prev = s
    if start is not None:
        out.append(f"{start}–{prev}" if prev != start else str(start))
    return ", ".join(out)


def check_origins(
    origins: list,
    by_seq: dict[int, dict],
    key: bytes | None,
    roots: list[x509.Certificate] | None,
    result: Result,
) -> None:
    """Check each merged backup's chain and anchors, and say which events here they cover."""
    merges = {
        payload.get("head")
        for e in by_seq.values()
        if e["type"] == "backup.merged" and (payload := payload_of(e)) is not None
    }
    here: dict[tuple, list[int]] = {}
    for seq, e in by_seq.items():
        here.setdefault(sameness(e), []).append(seq)
    for n, origin in enumerate(origins, start=1):
        where = f"merged backup {n}"
        problem = _shape(origin)
        if problem:
            result.add(where, False, f"is in a form this version cannot read: {problem}")
            continue
        own = Result()
        events = [{**e, "payload": None} if isinstance(e, dict) else e for e in origin["events"]]
        theirs = check_chain(events, origin["head"], len(events), own)
        anchors = _anchors(origin, theirs, key, roots, own)
        for f in own.findings:
            result.add(f"{where}, {f.where}", f.ok, f.what)
        for f in own.flags:
            result.flag(f"{where}, {f.where}", f.what)
        result.failed += own.failed - sum(1 for f in own.findings if not f.ok)
        if origin["head"] not in merges:
            result.add(
                where,
                False,
                f"ends at {origin['head'][:12]}…, which no merge in this chain names",
            )
            continue
        for anchor in _latest_of_each_kind(anchors):
            covered = [
                seq
                for s, e in theirs.items()
                if s <= anchor.seq
                for seq in here.get(sameness(e), [])
                if by_seq[seq]["type"] != "backup.merged"
            ]
            if covered:
                result.anchors.append(
                    f"events {spans(covered)} existed by {when(anchor.time)}, before they were "
                    f"merged from a backup (a {anchor.kind} of that backup's own chain, "
                    f"{anchor.source})"
                )


def _shape(origin: object) -> str | None:
    if not isinstance(origin, dict):
        return "it is not an object"
    for name, kind in FIELDS.items():
        if not isinstance(origin.get(name), kind):
            return f"its {name} is missing or of the wrong kind"
    return None


def _anchors(origin: dict, theirs: dict, key, roots, own: Result) -> list[Anchor]:
    # A backup from another server has another key: its receipts are checked against the key
    # that came with them, unless they were signed with the key given.
    kids = {
        r.get("receipt", {}).get("kid")
        for r in origin["receipts"]
        if isinstance(r, dict) and isinstance(r.get("receipt"), dict)
    }
    given = key if key is not None and key_id(key) in kids else None
    anchors = check_receipts(origin["receipts"], origin["receiptKeys"], theirs, given, own)
    anchors += check_timestamps(origin["timestamps"], origin["tsaCertificates"], theirs, roots, own)
    own.notes.clear()  # said once, for the diary's own anchors
    return [a for a in anchors if is_int(a.seq)]


def _latest_of_each_kind(anchors: list[Anchor]) -> list[Anchor]:
    latest: dict[str, Anchor] = {}
    for a in anchors:
        if a.kind not in latest or (a.seq, a.time) > (latest[a.kind].seq, latest[a.kind].time):
            latest[a.kind] = a
    return list(latest.values())
