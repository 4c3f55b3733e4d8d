"""The diary's chain: each event's hash covers its place, time, kind, subject and payload
hash, and the hash of the event before (docs/diary-format.md).

SHA-256 needs no key: anyone holding a bundle can rewrite events and recompute every hash.
So a chain that checks out is *internally consistent*; only an anchor from outside (a
receipt, a fingerprint noted earlier) says it was not rewritten since.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime

from .manifest import EVENT_FIELDS, GENESIS, HEX64, is_int, shape_problem
from .result import Result

LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def utf8(text: str) -> bytes:
    """``text`` as the phone's TextEncoder writes it: a lone surrogate becomes U+FFFD."""
    return LONE_SURROGATE.sub("\ufffd", text).encode("utf-8")


def event_hash(e: dict) -> str:
    """Return the hash of an event's header, as the phone computes it."""
    parts = ["cairn/event/v1", e["seq"], e["prev"], e["type"], e["subject"], e["at"]]
    parts.append(e["payloadHash"])
    return hashlib.sha256(utf8("\n".join(str(p) for p in parts))).hexdigest()


def when(ms: object) -> str:
    """A time in ms since 1970 as UTC a person can read."""
    if not isinstance(ms, int) or isinstance(ms, bool):
        return "an unreadable time"
    try:
        return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (ValueError, OverflowError, OSError):
        return "an unreadable time"


def payload_of(e: dict) -> dict | None:
    """An event's payload as JSON, or None when it is withdrawn, left out or unreadable."""
    if e.get("payload") is None:
        return None
    try:
        value = json.loads(e["payload"])
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def merge_windows(events: list) -> list[tuple[int, int, int]]:
    """For each merge in ``events``: its event's number and the first and last numbers of the
    events it brought in from a backup (as many as its payload says, up to the last event)."""
    ordered = [e for e in events if isinstance(e, dict) and is_int(e.get("seq"))]
    last = max((e["seq"] for e in ordered), default=0)
    windows = []
    for e in ordered:
        if e.get("type") != "backup.merged" or not isinstance(e.get("payload"), str):
            continue
        brought = (payload_of(e) or {}).get("events")
        if is_int(brought) and brought > 0 and e["seq"] < last:
            windows.append((e["seq"], e["seq"] + 1, min(e["seq"] + brought, last)))
    return windows


# Past this many merges, the rest are counted in one line.
MERGES_LISTED = 20


class GoingBack:
    """Recorded times that go backwards: each run of events whose times are earlier than one
    recorded before them in the chain is flagged once, naming that event ("events 4–6 say
    they were recorded from … to …, earlier than event 3 before them …"). The chain's order
    is the order the phone wrote the events, each time its clock then, so a clock set back
    or put right gives such a run; it is said, never failed, as the chain itself holds. The
    phone's report uses the same rule (``pwa/js/diary/times.js``)."""

    def __init__(self, result: Result) -> None:
        self.result = result
        self.latest: tuple[int, int] | None = None  # (seq, at) of the latest time so far
        self.run: list[tuple[int, int]] = []  # (seq, at) of the events going back now

    def see(self, seq: int, at: int) -> None:
        """Take the next event the phone wrote itself."""
        if self.latest is not None and at < self.latest[1]:
            self.run.append((seq, at))
            return
        self.end()
        self.latest = (seq, at)

    def end(self) -> None:
        """End the run so far (at the chain's end, or at events a merge brought in)."""
        if not self.run or self.latest is None:
            return
        (first, _), (last, _) = self.run[0], self.run[-1]
        times = sorted(at for _, at in self.run)
        seq, at = self.latest
        if len(self.run) == 1:
            where, says = f"event {first}", f"says it was recorded {when(times[0])}"
            them = "it"
        else:
            where = f"events {first}–{last}"
            says = f"say they were recorded from {when(times[0])} to {when(times[-1])}"
            them = "them"
        self.result.flag(
            where,
            f"{says}, earlier than event {seq} before {them} in the chain ({when(at)}): the "
            "phone's clock went back while the diary was kept (it was changed, or put right "
            "after running ahead); the events are in the order they were written, each with "
            "the phone's time then",
        )
        self.run = []


def check_chain(events: list, head: str, count: int, result: Result) -> dict[int, dict]:
    """Check every event and its link to the one before; return the well-formed ones by
    number. Recorded times that go backwards are flagged (``GoingBack``), but for the events a
    merge brought in from a backup: they keep the times they were first recorded there, and
    a note says so."""
    by_seq: dict[int, dict] = {}
    prev, expected = GENESIS, 1
    back = GoingBack(result)
    windows = merge_windows(events)
    starts: dict[int, int] = {}
    for _, first, last in windows:
        starts[first] = max(starts.get(first, 0), last)
    brought_until = 0  # the last number of the merged events being read
    for e in events:
        seq = e.get("seq") if isinstance(e, dict) else None
        where = f"event {seq if isinstance(seq, int) else '?'}"
        shape = shape_problem(e, EVENT_FIELDS)
        if shape:
            result.add(where, False, f"is malformed: it {shape}")
            prev, expected = "", expected + 1
            continue
        problems = []
        if e["seq"] != expected:
            problems.append(f"is numbered {e['seq']} where {expected} was expected")
        if e["prev"] != prev:
            problems.append("does not follow on from the event before it")
        if (
            e["payload"] is not None
            and hashlib.sha256(utf8(e["payload"])).hexdigest() != (e["payloadHash"])
        ):
            problems.append("has content that differs from what was recorded")
        own = event_hash(e)
        if own != e["hash"]:
            problems.append("has details (time, kind or subject) that were changed")
        if problems:  # a good event needs no line of its own: the chain's head says it
            result.add(where, False, "; ".join(problems))
        brought_until = max(brought_until, starts.get(e["seq"], 0))
        if e["seq"] <= brought_until:
            back.end()  # not compared: a run does not reach across them
        else:
            back.see(e["seq"], e["at"])
        by_seq.setdefault(e["seq"], e)
        prev, expected = own, e["seq"] + 1
    back.end()
    if not HEX64.fullmatch(head) or count != len(events) or head != prev:
        result.add(
            "the chain's head",
            False,
            f"names {count} events ending {head[:12]}…, "
            f"but the events here end {prev[:12]}… after {len(events)}",
        )
    else:
        result.add("the chain's head", True, f"{count} events, head {head}")
    for merge, first, last in windows[:MERGES_LISTED]:
        which = f"Event {first}" if first == last else f"Events {first}–{last}"
        result.notes.append(
            f"{which} came in from a backup, merged at event {merge}: they keep "
            "the times that backup recorded, so their times are not compared with the events "
            "before them; only that backup's own receipts or time-stamps, if any (above), "
            "show when they were recorded."
        )
    if len(windows) > MERGES_LISTED:
        result.notes.append(f"{len(windows) - MERGES_LISTED:,} more merges, not listed.")
    return by_seq
