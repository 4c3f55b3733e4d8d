"""The findings as lines a person can read, with nothing from the bundle able to change
how the terminal shows them."""

from __future__ import annotations

from .result import Finding, Result


def plain(text: str) -> str:
    """``text`` with every control or unprintable character written as an escape, so a
    name in the bundle cannot move the cursor, clear a line or print a false verdict."""
    return "".join(
        ch
        if ch.isprintable()
        else (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
        for ch in text
    )


def quoted(value: object) -> str:
    """A name from the bundle in quotes, or a note that it was not text."""
    return f"“{value}”" if isinstance(value, str) else "an unreadable value"


def _line(f: Finding, *, colon: bool = True) -> str:
    return f"{'verified' if f.ok else 'NOT VERIFIED'}: {f.where}{':' if colon else ''} {f.what}"


def report(result: Result) -> str:
    """Return the findings: the zip's entries, files, the report page, events, the chain,
    receipts and anchors; then what the check shows, notes, and a verdict."""
    findings = result.findings

    def starting(*prefixes: str) -> list[Finding]:
        return [f for f in findings if f.where.startswith(prefixes)]

    shown = set()
    lines = []
    for group, only_bad in (
        (starting("zip entry", "zip layout"), False),
        (starting("file "), False),
        ([f for f in findings if f.where.endswith(".html")], False),
        (starting("event "), True),
        (starting("the chain's head"), False),
        (starting("receipt"), False),
        (starting("time-stamp"), False),
        (starting("the head you hold", "anchors"), False),
    ):
        for f in group:
            if id(f) in shown or (only_bad and f.ok):
                continue
            shown.add(id(f))
            lines.append(_line(f))
    lines += [_line(f) for f in findings if id(f) not in shown]
    if result.unlisted:
        lines.append(f"NOT VERIFIED: {result.unlisted:,} more problems, not listed")
    lines += [f"FLAGGED: {f.where}: {f.what}" for f in result.flags]
    if result.flagged > len(result.flags):
        lines.append(f"FLAGGED: {result.flagged - len(result.flags):,} more, not listed")
    lines.append("What this shows:")
    lines += [f"  - {anchor}" for anchor in result.anchors]
    lines += result.notes
    lines.append(_verdict(result))
    return "\n".join(plain(line) for line in lines)


def _verdict(result: Result) -> str:
    if not result.ok:
        return "Not verified: see the lines marked NOT VERIFIED."
    if any("internally consistent only" in a for a in result.anchors):
        return "Verified as internally consistent only: nothing independent anchors it."
    if any("not anchored" in a for a in result.anchors):
        return "Verified, but not all of it is anchored: see What this shows."
    if not result.independent:
        return (
            "Verified against keys and certificates that came with the bundle: run again with "
            "--key or --tsa-ca and the ones the server and the authority publish."
        )
    entries, files = result.left_out
    left = " and ".join(
        f"{n:,} {word if n == 1 else plural}"
        for n, word, plural in ((entries, "entry", "entries"), (files, "file", "files"))
        if n
    )
    absent = []
    if left:
        absent.append(f"{left} left out")
    if result.outside:
        n = result.outside
        absent.append(f"{n:,} {'entry' if n == 1 else 'entries'} outside the report")
    return (
        "All verified: every file and event is as recorded and anchored "
        + (f"({' and '.join(absent)}: not in the bundle, not checked; " if absent else "(")
        + "the report page is checked against the manifest only)."
    )
