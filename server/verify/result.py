"""What a check found: one finding per file, event, receipt and part of the bundle."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Finding:
    where: str  # "file files/001-photo.png", "event 12", "the chain's head"
    ok: bool
    what: str


@dataclass
class Result:
    findings: list[Finding] = field(default_factory=list)
    flags: list[Finding] = field(default_factory=list)  # odd, not proof of a change
    anchors: list[str] = field(default_factory=list)  # what ties the record to a time
    notes: list[str] = field(default_factory=list)  # said after the findings, whatever they are
    # Every event is covered by an anchor checked against a key or certificate the checker
    # gave (not one that came with the bundle).
    independent: bool = False
    # Entries and files the bundle says its maker left out (not checked: not here).
    left_out: tuple[int, int] = (0, 0)
    # Entries not in the bundle, neither left out nor withdrawn: outside what the report covers.
    outside: int = 0

    # Failures past LISTED are counted, not kept: a hostile bundle cannot fill the memory
    # or the screen with them.
    failed: int = 0
    flagged: int = 0

    LISTED = 200

    @property
    def ok(self) -> bool:
        return self.failed == 0

    @property
    def unlisted(self) -> int:
        return max(0, self.failed - self.LISTED)

    def add(self, where: str, ok: bool, what: str) -> None:
        if not ok:
            self.failed += 1
            if self.failed > self.LISTED:
                return
        self.findings.append(Finding(where, ok, what))

    def absorb(
        self, other: Result, prefix: str, *, failures: bool = True, flags: bool = True
    ) -> None:
        """Take ``other``'s findings (and ``flags``) as this check's, each named after
        ``prefix``, failures past its listed ones counted too; ``failures=False``: its
        passes only."""
        for f in other.findings:
            if f.ok or failures:
                self.add(f"{prefix}, {f.where}", f.ok, f.what)
        if failures:
            self.failed += other.failed - sum(1 for f in other.findings if not f.ok)
        for f in other.flags if flags else []:
            self.flag(f"{prefix}, {f.where}", f.what)

    def flag(self, where: str, what: str) -> None:
        self.flagged += 1
        if self.flagged <= self.LISTED:
            self.flags.append(Finding(where, False, what))
