"""A backup merged into the diary keeps its receipts and time-stamps: `cairn verify` checks
them against the backup's own chain (kept as hashes) and says which merged events they
cover — and a forger cannot move that cover onto words of their own."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from server.receipts import sign
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


@pytest.mark.parametrize("signer", ["another server", "a forger"])
def test_with_a_key_given_receipts_signed_with_another_are_not_counted(tmp_path, capsys, signer):
    """Another server's receipts and a forger's own look the same here: with --key, neither
    counts, and the bundle does not fail for them."""
    theirs = backup_chain()
    events = merged(theirs)
    early = [
        {**r, "receipt": sign(OTHER_SERVER, r["hash"], theirs[0]["at"] + 1000)}
        for r in stamped(theirs)
    ]
    path = bundle(
        tmp_path,
        events,
        files=[],
        entries={"report.html": REPORT},
        receipts=stamped(events),
        change=with_origins(origin(theirs, early, OTHER_SERVER)),
    )
    code, out = run(capsys, path, "--key", PUBLIC)
    assert code == 0, out
    assert not [a for a in anchors_of(out) if "before they were merged" in a]
    assert "merged backup 1, receipt" not in out
    assert "Merged backup 1 carries 2 receipts or time-stamps that do not check against" in out


def test_without_a_key_a_backups_receipts_count_as_checked_only_with_the_bundles_key(
    tmp_path, capsys
):
    theirs = backup_chain()
    path = bundle(
        tmp_path,
        merged(theirs),
        files=[],
        entries={"report.html": REPORT},
        change=with_origins(origin(theirs, stamped(theirs, OTHER_SERVER), OTHER_SERVER)),
    )
    code, out = run(capsys, path)
    assert code == 0, out
    [cover] = [a for a in anchors_of(out) if "before they were merged" in a]
    assert "checked only against the key that came with the bundle" in cover
    assert out.rstrip().splitlines()[-1].startswith("Verified as internally consistent only")


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


def test_a_backup_merged_into_the_merged_backup_counts_too(tmp_path, capsys):
    """C was merged into B, then B into this diary: B's own merge names C's head, and C's
    receipts cover the events that came all the way."""
    c = chain([("incident.recorded", "c1", {"fields": {"what": "Oldest"}})])
    for e in c:
        e["at"] -= 3 * 86_400_000
    c = rechain(c)
    b_own = chain([("incident.recorded", "b1", {"fields": {"what": "Middle"}})])
    for e in b_own:
        e["at"] -= 2 * 86_400_000
    b_note = {
        "seq": 2,
        "type": "backup.merged",
        "subject": "backup",
        "at": b_own[-1]["at"] + 10,
        "payload": json.dumps({"head": c[-1]["hash"], "made": 1, "events": 1}),
    }
    b = rechain(rechain(b_own) + [b_note] + [{**c[0], "seq": 3}])
    events = merged(b)  # a diary event, the merge of B (B's merge is not brought in), B's events
    events = [e for e in events if not (e["seq"] > 2 and e["type"] == "backup.merged")]
    for n, e in enumerate(events, start=1):
        e["seq"] = n
    events = rechain(events)
    events[1]["payload"] = json.dumps({"head": b[-1]["hash"], "made": 1, "events": 2})
    events = rechain(events)
    kept_b = origin(b, [])
    kept_b["events"][1]["payload"] = b_note["payload"]  # a merge's payload comes with it
    path = bundle(
        tmp_path,
        events,
        files=[],
        entries={"report.html": REPORT},
        change=with_origins(kept_b, origin(c, stamped(c))),
    )
    code, out = run(capsys, path)
    assert code == 0, out
    [cover] = [a for a in anchors_of(out) if "before they were merged" in a]
    assert cover.startswith("events 4 existed by "), out
    assert "FLAGGED" not in out


def test_a_made_up_merge_does_not_hide_back_dated_events_without_a_word(tmp_path, capsys):
    events = chain(
        [
            ("incident.recorded", "i1", {"fields": {"what": "First"}}),
            ("backup.merged", "backup", {"head": "0" * 64, "made": 1, "events": 10**12}),
            ("incident.recorded", "i2", {"fields": {"what": "Back-dated"}}),
        ]
    )
    events[2]["at"] -= 30 * 86_400_000
    code, out = run(
        capsys, bundle(tmp_path, rechain(events), files=[], entries={"report.html": REPORT})
    )
    assert code == 0, out
    assert "Event 3 came in from a backup, merged at event 2: they keep the times" in out


@pytest.mark.parametrize(
    "change",
    [
        lambda events, kept: events[1].update(payload=json.dumps({"head": {"a": 1}, "events": 2})),
        lambda events, kept: kept["receipts"].append({"seq": 2, "receipt": {"kid": ["x"]}}),
        lambda events, kept: kept["events"].append("not an event"),
        lambda events, kept: kept["timestamps"].append({"seq": True, "token": 5}),
    ],
)
def test_hostile_values_in_merges_are_named_never_a_traceback(tmp_path, capsys, change):
    theirs = backup_chain()
    events = merged(theirs)
    kept = origin(theirs, stamped(theirs))
    change(events, kept)
    path = bundle(
        tmp_path,
        rechain(events),
        files=[],
        entries={"report.html": REPORT},
        change=with_origins(kept),
    )
    code, out = run(capsys, path)
    assert code in (0, 1) and "Traceback" not in out, out
