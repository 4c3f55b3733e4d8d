"""What the bundle holds of the diary, and what is not in it: left out by the person who
made it (they may leave out entries or single files, such as an intimate picture or a new
address), withdrawn, outside what the report covers — or withheld without a word, which
fails.

Whatever is not in the bundle keeps its event in the chain, with the hash of its content but
not the content, so the chain still links from the first event to the head. The manifest's
``leftOut`` lists what was left out by choice; nothing else may be missing from an entry
the bundle hands over.
"""

from __future__ import annotations

from dataclasses import dataclass

from .chain import payload_of
from .output import quoted
from .result import Result


@dataclass(frozen=True)
class Holdings:
    entries: int  # entries in the chain
    shown: int  # entries whose words are in the bundle
    left_entries: int  # left out by choice
    left_files: int  # files left out: on their own, or with an entry left out
    withdrawn: int  # withdrawn by the diary's owner


def check_disclosure(
    by_seq: dict[int, dict],
    named: set[int],
    left_entries: set[str],
    left_files: set[int],
    result: Result,
) -> Holdings:
    """Name every file withheld without a word, check what the manifest says was left out
    against the events, and say what the bundle holds. ``named``: the evidence events whose
    files are in the bundle."""
    entries = {e["subject"] for e in by_seq.values() if e["type"] == "incident.recorded"}
    shown = {
        e["subject"]
        for e in by_seq.values()
        if e["type"].startswith("incident.") and e["payload"] is not None
    }
    withdrawn = {e["subject"] for e in by_seq.values() if e["type"] == "entry.withdrawn"}
    left_entries = left_entries - withdrawn  # withdrawn already: counted as withdrawn

    for seq in sorted(left_files - by_seq.keys()):
        result.add(
            "left out",
            False,
            f"the manifest says a file added by event {seq} was left out, "
            "but there is no such event in the chain",
        )
    for subject in sorted(left_entries):
        if subject not in entries:
            result.add(
                "left out",
                False,
                "the manifest says an entry was left out that is not an entry in the chain",
            )
        elif subject in shown:
            result.add(
                "left out",
                False,
                "the manifest says an entry was left out, but its words are in the bundle",
            )

    files_left = 0
    for seq, e in sorted(by_seq.items()):
        if e["type"] != "evidence.added" or seq in named:
            if seq in left_files:
                result.add(
                    f"event {seq}",
                    False,
                    "is said to have added a file that was left out, but "
                    + ("that file is in the bundle" if seq in named else "it added no file"),
                )
            continue
        payload = payload_of(e)
        chosen = seq in left_files or e["subject"] in left_entries
        if payload is not None:
            # Its name and fingerprint are here and the file is not.
            result.add(
                f"event {seq}",
                False,
                f"added a file ({quoted(payload.get('name'))}, SHA-256 "
                f"{payload.get('sha256')}) that is not in the bundle: it was withheld",
            )
        elif chosen:
            files_left += 1
        elif e["subject"] in shown and e["subject"] not in withdrawn:
            # An entry in the bundle hands over every file it has, but those left out.
            result.add(
                f"event {seq}",
                False,
                "added a file to an entry that is in the bundle, but neither the file nor "
                "its details are here, and the bundle does not say it was left out: "
                "it was withheld",
            )
    holdings = Holdings(
        entries=len(entries),
        shown=len(entries & shown),
        left_entries=len(left_entries & entries),
        left_files=files_left,
        withdrawn=len(entries & withdrawn),
    )
    result.notes.append(_say(holdings))
    result.left_out = (holdings.left_entries, holdings.left_files)
    result.outside = _outside(holdings)
    return holdings


def _outside(h: Holdings) -> int:
    """Entries not in the bundle for no reason it gives: outside what the report covers."""
    return max(0, h.entries - h.shown - h.left_entries - h.withdrawn)


def _say(h: Holdings) -> str:
    """One plain line: what the bundle holds of the diary, and what it does not."""
    outside = _outside(h)
    parts = [f"{h.shown:,} of the chain's {_counted(h.entries, 'entry')}"]
    if h.left_entries or h.left_files:
        left = [_counted(n, w) for n, w in ((h.left_entries, "entry"), (h.left_files, "file")) if n]
        parts.append(
            f"{' and '.join(left)} left out by whoever made it, as the phone lets the person "
            "who kept the diary choose (their hashes are in the chain, so it still links, but "
            "what they held is not here and was not checked)"
        )
    if h.withdrawn:
        parts.append(f"{_counted(h.withdrawn, 'entry')} withdrawn by the diary's owner")
    if outside > 0:
        parts.append(f"{outside:,} outside the dates, kind or person the report covers")
    return "What the bundle holds: " + "; ".join(parts) + "."


def _plural(n: int, word: str) -> str:
    return word if n == 1 else ("entries" if word == "entry" else f"{word}s")


def _counted(n: int, word: str) -> str:
    return f"{n:,} {_plural(n, word)}"
