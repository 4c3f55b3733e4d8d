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

from .anchors import Anchor, check_receipts
from .chain import check_chain, payload_of, when
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
    windows: list[tuple[int, int, int]],
    key: bytes | None,
    roots: list[x509.Certificate] | None,
    result: Result,
) -> None:
    """Check each merged backup's chain and anchors, and say which events here they cover.

    ``windows``: the events each merge here brought in (``chain.merge_windows``); only those
    can be covered. With a key or certificate given (``key``, ``roots``), only anchors that
    check against them are counted, as for the diary's own."""
    strict = key is not None or roots is not None
    shaped = []
    for n, origin in enumerate(origins, start=1):
        problem = _shape(origin)
        if problem:
            result.add(
                f"merged backup {n}", False, f"is in a form this version cannot read: {problem}"
            )
        else:
            shaped.append((n, origin))
    # A backup merged into a backup that was then merged here is named by that backup's
    # own merge: accept heads named here, then those named by the backups accepted.
    names = _merge_heads(by_seq.values())
    accepted, waiting = [], shaped
    while True:
        now = [(n, o) for n, o in waiting if o["head"] in names]
        if not now:
            break
        waiting = [(n, o) for n, o in waiting if o["head"] not in names]
        for n, origin in now:
            theirs, anchors = _check_one(n, origin, key, roots, strict, result)
            names |= _merge_heads(theirs.values())
            accepted.append((theirs, anchors))
    for n, origin in waiting:
        result.add(
            f"merged backup {n}",
            False,
            f"ends at {origin['head'][:12]}…, which no merge in this chain names",
        )
    # The events merges brought in, by what makes two events the same (each looked at once).
    brought: dict[tuple, set[int]] = {}
    done = 0
    for _, first, last in sorted(windows, key=lambda w: w[1]):
        for seq in range(max(first, done + 1), last + 1):
            e = by_seq.get(seq)
            if e is not None and e["type"] != "backup.merged":
                brought.setdefault(sameness(e), set()).add(seq)
        done = max(done, last)
    for theirs, anchors in accepted:
        for anchor in _latest_of_each_kind(anchors):
            covered = {
                seq
                for s, e in theirs.items()
                if s <= anchor.seq
                for seq in brought.get(sameness(e), ())
            }
            if covered:
                result.anchors.append(
                    f"events {spans(sorted(covered))} existed by {when(anchor.time)}, "
                    f"before they were merged from a backup (a {anchor.kind} of that backup's "
                    f"own chain, {anchor.source})"
                )


def _merge_heads(events) -> set[str]:
    """The heads the merges among ``events`` name."""
    heads = set()
    for e in events:
        if e["type"] == "backup.merged":
            head = (payload_of(e) or {}).get("head")
            if isinstance(head, str):
                heads.add(head)
    return heads


def _check_one(
    n: int, origin: dict, key, roots, strict: bool, result: Result
) -> tuple[dict, list[Anchor]]:
    """Check one merged backup's chain and anchors; return its events by number and the
    anchors counted on it."""
    where = f"merged backup {n}"
    own = Result()
    # Only a merge's payload comes with it (which backup, when, how many events).
    events = [
        {**e, "payload": e.get("payload") if e.get("type") == "backup.merged" else None}
        if isinstance(e, dict)
        else e
        for e in origin["events"]
    ]
    theirs = check_chain(events, origin["head"], len(events), own)
    own.notes.clear()  # its merges' notes: said for this diary's own
    result.absorb(own, where)
    return theirs, _anchors(where, origin, theirs, key, roots, strict, result)


def _anchors(where, origin, theirs, key, roots, strict, result: Result) -> list[Anchor]:
    """The merged backup's receipts and time-stamps that check. With a key or certificate
    given, only those checked against them count; the rest are said, not counted."""
    checked = Result()
    anchors = (
        check_receipts(
            origin["receipts"], origin["receiptKeys"], theirs, key if strict else None, checked
        )
        if (key is not None or not strict)
        else []
    )
    anchors += (
        check_timestamps(
            origin["timestamps"],
            origin["tsaCertificates"],
            theirs,
            roots if strict else None,
            checked,
        )
        if (roots is not None or not strict)
        else []
    )
    result.absorb(checked, where, failures=not strict, flags=False)
    if not strict:
        return anchors
    uncounted = (
        checked.failed
        + (len(origin["receipts"]) if key is None else 0)
        + (len(origin["timestamps"]) if roots is None else 0)
    )
    if uncounted:
        result.notes.append(
            f"{where.capitalize()} carries {uncounted:,} receipts or time-stamps that do not "
            "check against the key or certificate given (another server's, another "
            "authority's, or made up), so they are not counted."
        )
    return anchors


def _shape(origin: object) -> str | None:
    if not isinstance(origin, dict):
        return "it is not an object"
    for name, kind in FIELDS.items():
        if not isinstance(origin.get(name), kind):
            return f"its {name} is missing or of the wrong kind"
    return None


def _latest_of_each_kind(anchors: list[Anchor]) -> list[Anchor]:
    latest: dict[str, Anchor] = {}
    for a in anchors:
        if a.kind not in latest or (a.seq, a.time) > (latest[a.kind].seq, latest[a.kind].time):
            latest[a.kind] = a
    return list(latest.values())
