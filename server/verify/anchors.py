"""What ties the chain to something outside the bundle: the server's signed time receipts
(docs/receipts.md) and a head fingerprint the checker noted earlier (``--head``).

A receipt says the server saw the chain ending at event N no later than its time, so events
1 to N existed by then. It is only as independent as its key: the key that came with the
bundle came from the same hands as the bundle; the one given with ``--key`` did not.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..encoding import unb64url
from ..receipts import key_id
from ..receipts import verify as receipt_signed
from .chain import event_hash, when
from .manifest import is_int
from .result import Result

# A phone's clock may run a little ahead of the server's.
CLOCK_GRACE_MS = 5 * 60_000


class KeyTextError(ValueError):
    """The public key given is not one this version can read."""


class HeadTextError(ValueError):
    """The fingerprint given with --head is not one this version can read."""


@dataclass(frozen=True)
class Head:
    """A chain head the checker already holds: a hash (or its first 32+ hex digits) and,
    when known, its event number."""

    hash: str
    seq: int | None = None


def parse_head(text: str) -> Head:
    """``HASH`` or ``HASH:SEQ``, as the report prints them.

    :raise HeadTextError: when it is neither.
    """
    found = re.fullmatch(r"\s*([0-9a-fA-F]{32,64})(?::(\d{1,12}))?\s*", text)
    if not found:
        # Fewer digits could be matched by a rewritten chain ground out to fit them.
        raise HeadTextError(
            "give the head's fingerprint (at least its first 32 hex digits), "
            "optionally followed by :N, its event number"
        )
    return Head(found[1].lower(), int(found[2]) if found[2] else None)


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
        except (ValueError, KeyError, TypeError, RecursionError) as error:
            if isinstance(error, KeyTextError):
                raise
            raise KeyTextError("the key's JSON has no publicKey") from error
    return _decode_key(text)


def bundle_keys(listed: list) -> dict[str, bytes]:
    """The public keys that came with the bundle, by key id (only those whose id is right)."""
    keys: dict[str, bytes] = {}
    for entry in listed:
        try:
            public = _decode_key(entry["publicKey"])
        except (KeyTextError, KeyError, TypeError):
            continue
        if entry.get("kid") == key_id(public):
            keys[key_id(public)] = public
    return keys


def check_receipts(
    receipts: list, listed_keys: list, by_seq: dict[int, dict], key: bytes | None, result: Result
) -> list[Anchor]:
    """Check each receipt's signature, that it names an event of this chain, and flag an
    event it covers that says it was recorded after it. Return the verified ones."""
    keys = {key_id(key): key} if key is not None else bundle_keys(listed_keys)
    anchored: list[Anchor] = []
    source = (
        "checked against the key given"
        if key is not None
        else "checked only against the key that came with the bundle"
    )
    latest: dict[int, int] = {}  # event number → the latest time recorded up to it
    latest_by: dict[int, dict] = {}  # event number → the event that recorded that time
    running, running_by = None, None
    flagged: set[int] = set()
    for s, e in sorted(by_seq.items()):
        if running is None or e["at"] > running:
            running, running_by = e["at"], e
        latest[s], latest_by[s] = running, running_by
    for entry in receipts:
        seq = entry.get("seq") if isinstance(entry, dict) else None
        seq = seq if is_int(seq) else None
        where = f"receipt for event {seq if seq is not None else '?'}"
        receipt = entry.get("receipt") if isinstance(entry, dict) else None
        if not isinstance(receipt, dict):
            result.add(where, False, "is in a form this version cannot read")
            continue
        problems = []
        kid = receipt.get("kid")
        public = keys.get(kid) if isinstance(kid, str) else None
        if key is not None and public is None:
            problems.append(f"was signed with key {kid!r}, not the key given ({key_id(key)})")
        elif public is None:
            problems.append(f"names a key ({kid!r}) that did not come with the bundle")
        elif not receipt_signed(receipt, public):
            problems.append(
                "is not signed by the server's key: its hash, time, key id or signature was changed"
            )
        event = by_seq.get(seq) if seq is not None else None
        if event is None:
            problems.append("names an event that is not in the chain")
        elif receipt.get("hash") != event_hash(event) or entry.get("hash") != receipt.get("hash"):
            problems.append(f"is for a state of the diary other than the one ending at event {seq}")
        if not problems and latest[seq] > receipt["time"] + CLOCK_GRACE_MS and seq not in flagged:
            # The receipt covers the event's time, so the time is as the phone wrote it.
            flagged.add(seq)
            late = latest_by[seq]
            result.flag(
                f"event {late['seq']}",
                f"says it was recorded {when(late['at'])}, after the server saw it "
                f"({when(receipt['time'])}): the phone's clock was ahead",
            )
        result.add(
            where,
            not problems,
            "; ".join(problems)
            or f"the server saw the chain ending at event {seq} "
            f"({receipt['hash']}) no later than {when(receipt['time'])} (key {kid})",
        )
        if not problems:
            anchored.append(Anchor(seq, receipt["time"], "receipt", source, key is not None))
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
    return anchored


def check_head(head: Head, by_seq: dict[int, dict], result: Result) -> int | None:
    """Whether the chain holds the head the checker noted earlier; its event number if so."""
    for seq, e in sorted(by_seq.items()):
        if (head.seq is None or head.seq == seq) and event_hash(e).startswith(head.hash):
            result.add(
                "the head you hold",
                True,
                f"event {seq} ({e['hash']}) is in this chain: events 1–{seq} are as they were "
                "when that fingerprint was noted",
            )
            return seq
    at = f" at event {head.seq}" if head.seq is not None else ""
    result.add(
        "the head you hold",
        False,
        f"{head.hash}{at} is not in this chain: what was recorded up to it was changed or removed",
    )
    return None


@dataclass(frozen=True)
class Anchor:
    """Something outside the bundle saying events 1–seq existed by a time."""

    seq: int
    time: int  # ms since 1970
    kind: str  # "receipt", "time-stamp"
    source: str  # how it was checked, in words
    independent: bool  # checked against a key or certificate the checker gave


def state_anchors(
    anchors: list[Anchor], held: int | None, count: int, *, strict: bool, result: Result
) -> None:
    """Say what ties the record to a time, and what nothing ties. ``strict`` (a key or an
    authority's certificate given): events after the last independent anchor fail, since
    the checker asked for independent time."""
    last = last_independent = 0
    for kind in sorted({a.kind for a in anchors}):
        of_kind = sorted((a for a in anchors if a.kind == kind), key=lambda a: (a.seq, a.time))
        latest = of_kind[-1]
        earlier = f"; {len(of_kind) - 1} earlier" if len(of_kind) > 1 else ""
        result.anchors.append(
            f"events 1–{latest.seq} existed by {when(latest.time)} "
            f"(a {kind} {latest.source}{earlier})"
        )
        last = max(last, latest.seq)
    for a in anchors:
        if a.independent:
            last_independent = max(last_independent, a.seq)
    if held:
        result.anchors.append(f"events 1–{held} match the head you hold")
        last = max(last, held)
    if not result.anchors:
        result.anchors.append(
            "internally consistent only — no independent time: every hash here can be "
            "recomputed by anyone holding the bundle, so this shows the files and events "
            "agree with each other, not when they were recorded or that none was rewritten"
        )
    if 0 < last < count:
        result.anchors.append(
            f"events {last + 1}–{count} are not anchored: nothing outside the bundle shows "
            "when they were recorded"
        )
    result.independent = strict and count > 0 and last_independent >= count
    if anchors or held:
        result.anchors.append(
            "the report page's own words are checked against the manifest only: no receipt "
            "or time-stamp covers them, so rely on the events and files above, which the "
            "report is made from"
        )
    if strict and last_independent < count:
        result.add(
            "anchors",
            False,
            f"events {last_independent + 1}–{count} are not covered by any receipt or "
            "time-stamp checked against the key or certificate given",
        )
