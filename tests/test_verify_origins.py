"""A backup merged into the diary keeps its receipts and time-stamps: `cairn verify` checks
them against the backup's own chain (kept as hashes) and says which merged events they
cover — and a forger cannot move that cover onto words of their own."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.bundles import (
    PUBLIC,
    REPORT,
    bundle,
    chain,
    published,
    rechain,
    run,
    stamped,
)

OTHER_SERVER = Ed25519PrivateKey.generate()


def backup_chain() -> list[dict]:
    """The chain of a backup made on another phone, before the merge."""
    events = chain(
        [
            ("incident.recorded", "b1", {"fields": {"what": "Followed from the station"}}),
            ("incident.recorded", "b2", {"fields": {"what": "A card through the door"}}),
        ]
    )
    for e in events:  # recorded on the other phone a day before this diary began
        e["at"] -= 86_400_000
    return rechain(events)


def merged(backup: list[dict]) -> list[dict]:
    """This diary: one entry of its own, then the backup merged in (new places, same kinds,
    subjects, times and content), as diary/log.js merges."""
    own = chain([("incident.recorded", "i1", {"fields": {"what": "A call at work"}})])
    note = {
        "seq": 2,
        "type": "backup.merged",
        "subject": "backup",
        "at": own[-1]["at"] + 10,
        "payload": json.dumps({"head": backup[-1]["hash"], "made": 1, "events": len(backup)}),
    }
    copies = [
        {**e, "seq": 3 + n}  # the same event, at a new place
        for n, e in enumerate(backup)
    ]
    return rechain(own + [note] + copies)


def origin(backup: list[dict], receipts: list[dict], key=None) -> dict:
    """What the phone keeps of the merged backup, and the bundle carries."""
    return {
        "head": backup[-1]["hash"],
        "made": 1,
        "events": [{k: v for k, v in e.items() if k != "payload"} for e in backup],
        "receipts": receipts,
        "receiptKeys": [published() if key is None else published(key)],
        "timestamps": [],
        "tsaCertificates": [],
    }


def with_origins(*origins):
    return lambda manifest: manifest.update(origins=list(origins))


def anchors_of(out: str) -> list[str]:
    return [line.strip()[2:] for line in out.splitlines() if line.startswith("  - ")]


def test_the_backups_receipts_cover_the_merged_events(tmp_path, capsys):
    theirs = backup_chain()
    events = merged(theirs)
    path = bundle(
        tmp_path,
        events,
        files=[],
        entries={"report.html": REPORT},
        receipts=stamped(events),
        change=with_origins(origin(theirs, stamped(theirs[-1:]))),
    )
    code, out = run(capsys, path, "--key", PUBLIC)
    assert code == 0, out
    assert "verified: merged backup 1, receipt for event 2: the server saw the chain" in out
    assert "FLAGGED" not in out  # merged events keep their older times, and say so
    [cover] = [a for a in anchors_of(out) if "before they were merged" in a]
    assert cover.startswith("events 3–4 existed by ")
    assert "a receipt of that backup's own chain, checked against the key given" in cover


def test_a_backup_from_another_server_is_checked_against_its_own_key(tmp_path, capsys):
    theirs = backup_chain()
    events = merged(theirs)
    path = bundle(
        tmp_path,
        events,
        files=[],
        entries={"report.html": REPORT},
        receipts=stamped(events),
        change=with_origins(origin(theirs, stamped(theirs, OTHER_SERVER), OTHER_SERVER)),
    )
    code, out = run(capsys, path, "--key", PUBLIC)
    assert code == 0, out
    [cover] = [a for a in anchors_of(out) if "before they were merged" in a]
    assert "checked only against the key that came with the bundle" in cover


def test_words_changed_after_the_merge_are_not_covered(tmp_path, capsys):
    """A forger rewrites a merged entry and recomputes the chain: the backup's receipt does
    not reach the new words (their content hash is another)."""
    theirs = backup_chain()
    events = merged(theirs)
    events[3]["payload"] = json.dumps({"fields": {"what": "Something else entirely"}})
    events = rechain(events)
    path = bundle(
        tmp_path,
        events,
        files=[],
        entries={"report.html": REPORT},
        change=with_origins(origin(theirs, stamped(theirs[-1:]))),
    )
    code, out = run(capsys, path)
    [cover] = [a for a in anchors_of(out) if "before they were merged" in a]
    assert cover.startswith("events 3 existed by "), out


def test_a_backdated_copy_of_the_backups_chain_fails(tmp_path, capsys):
    theirs = backup_chain()
    kept = origin(theirs, stamped(theirs[-1:]))
    kept["events"][0]["at"] -= 10 * 86_400_000  # moved back ten days, hashes left
    path = bundle(
        tmp_path,
        merged(theirs),
        files=[],
        entries={"report.html": REPORT},
        change=with_origins(kept),
    )
    code, out = run(capsys, path)
    assert code == 1
    assert "NOT VERIFIED: merged backup 1, event 1: has details (time, kind or subject)" in out


def test_a_backup_no_merge_names_fails(tmp_path, capsys):
    stranger = chain([("incident.recorded", "x1", {"fields": {"what": "Not merged"}})])
    theirs = backup_chain()
    path = bundle(
        tmp_path,
        merged(theirs),
        files=[],
        entries={"report.html": REPORT},
        change=with_origins(origin(stranger, stamped(stranger))),
    )
    code, out = run(capsys, path)
    assert code == 1
    assert (
        "NOT VERIFIED: merged backup 1: ends at" in out
        and "which no merge in this chain names" in out
    )
    assert not [a for a in anchors_of(out) if "before they were merged" in a]


@pytest.mark.parametrize(
    "kept",
    [
        "text",
        {"head": "ab"},
        {
            "head": 1,
            "events": [],
            "receipts": [],
            "receiptKeys": [],
            "timestamps": [],
            "tsaCertificates": [],
        },
    ],
)
def test_a_malformed_origin_is_named_not_a_traceback(tmp_path, capsys, kept):
    theirs = backup_chain()
    path = bundle(
        tmp_path,
        merged(theirs),
        files=[],
        entries={"report.html": REPORT},
        change=with_origins(kept),
    )
    code, out = run(capsys, path)
    assert code == 1
    assert "NOT VERIFIED: merged backup 1: is in a form this version cannot read" in out


def test_origins_that_are_not_a_list_are_not_a_bundle(tmp_path, capsys):
    path = bundle(tmp_path, change=lambda m: m.update(origins={"head": "x"}))
    code, out = run(capsys, path)
    assert code == 2 and "its manifest's origins is not a list" in out
