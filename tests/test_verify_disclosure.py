"""What the person who kept the diary leaves out of a bundle (an entry, or one file of an
entry) is said by `cairn verify`, counted, and never silent: the chain still links, and
nothing can go missing that the manifest does not say was left out."""

from __future__ import annotations

import pytest

from tests.bundles import PHOTO, PUBLIC, REPORT, bundle, chain, diary, files_of, run, stamped

ONLY_THE_VAN = {"report.html": REPORT, "files/001-van.png": PHOTO}
VAN_LISTED = files_of(diary())[:1]


def left_out(entries=(), files=()):
    """A change to the manifest: what its maker says was left out."""

    def change(manifest):
        manifest["leftOut"] = {"entries": list(entries), "files": list(files)}

    return change


def without_payloads(events, *seqs):
    """The events as the phone writes them for what is not handed over: hashes only."""
    for e in events:
        if e["seq"] in seqs:
            e["payload"] = None
    return events


def verdict(out: str) -> str:
    return out.rstrip().splitlines()[-1]


def holdings(out: str) -> str:
    return next(line for line in out.splitlines() if line.startswith("What the bundle holds"))


def test_a_file_left_out_by_choice_verifies_and_is_counted(tmp_path, capsys):
    events = diary()
    receipts = stamped(events)
    without_payloads(events, 5)  # messages.jpg: left out, its event keeps only its hashes
    path = bundle(
        tmp_path,
        events,
        files=VAN_LISTED,
        entries=ONLY_THE_VAN,
        receipts=receipts,
        change=left_out(files=[5]),
    )
    code, out = run(capsys, path, "--key", PUBLIC)
    assert code == 0, out
    assert holdings(out).startswith(
        "What the bundle holds: 2 of the chain's 2 entries; 1 file left out"
    )
    assert "messages" not in out  # nothing of what was left out is shown
    assert verdict(out) == (
        "All verified: every file and event is as recorded and anchored (1 file left out: not "
        "in the bundle, not checked; the report page is checked against the manifest only)."
    )


def test_an_entry_left_out_takes_its_files_and_is_counted(tmp_path, capsys):
    events = without_payloads(diary(), 4, 5)
    path = bundle(tmp_path, events, files=VAN_LISTED, entries=ONLY_THE_VAN, change=left_out(["i2"]))
    code, out = run(capsys, path)
    assert code == 0, out
    assert holdings(out).startswith(
        "What the bundle holds: 1 of the chain's 2 entries; 1 entry and 1 file left out by "
        "whoever made it"
    )


def test_an_entry_outside_the_report_is_counted_as_outside(tmp_path, capsys):
    events = without_payloads(diary(), 4, 5)
    path = bundle(tmp_path, events, files=VAN_LISTED, entries=ONLY_THE_VAN)
    code, out = run(capsys, path)
    assert code == 0, out
    assert holdings(out) == (
        "What the bundle holds: 1 of the chain's 2 entries; "
        "1 outside the dates, kind or person the report covers."
    )


def test_a_file_stripped_by_a_forger_who_says_it_was_left_out_is_never_silent(tmp_path, capsys):
    """Anyone holding the bundle can drop a file and call it left out: verify cannot tell
    who chose, so it says it, in the counts and in the verdict."""
    events = diary()
    receipts = stamped(events)
    without_payloads(events, 5)
    path = bundle(
        tmp_path,
        events,
        files=VAN_LISTED,
        entries=ONLY_THE_VAN,
        receipts=receipts,
        change=left_out(files=[5]),
    )
    code, out = run(capsys, path, "--key", PUBLIC)
    assert code == 0
    assert "1 file left out" in holdings(out) and "1 file left out" in verdict(out)


def test_a_file_said_to_be_left_out_keeps_no_details(tmp_path, capsys):
    """Its name and fingerprint in the bundle and the file not: withheld, whatever the
    manifest says."""
    path = bundle(tmp_path, files=VAN_LISTED, entries=ONLY_THE_VAN, change=left_out(files=[5]))
    code, out = run(capsys, path)
    assert code == 1
    assert "NOT VERIFIED: event 5: added a file (“messages.jpg”" in out


@pytest.mark.parametrize(
    ("what", "expected"),
    [
        (
            left_out(files=[5]),
            "event 5: is said to have added a file that was left out, but that file is in the "
            "bundle",
        ),
        (
            left_out(files=[2]),
            "event 2: is said to have added a file that was left out, but it added no file",
        ),
        (
            left_out(files=[99]),
            "left out: the manifest says a file added by event 99 was left out, but there is "
            "no such event in the chain",
        ),
        (
            left_out(["i2"]),
            "left out: the manifest says an entry was left out, but its words are in the bundle",
        ),
        (
            left_out(["nobody"]),
            "left out: the manifest says an entry was left out that is not an entry in the chain",
        ),
    ],
)
def test_what_is_said_to_be_left_out_must_be_left_out(tmp_path, capsys, what, expected):
    code, out = run(capsys, bundle(tmp_path, change=what))
    assert code == 1
    assert f"NOT VERIFIED: {expected}" in out


def test_a_file_missing_without_a_word_is_still_withheld(tmp_path, capsys):
    events = without_payloads(diary(), 5)
    path = bundle(tmp_path, events, files=VAN_LISTED, entries=ONLY_THE_VAN)
    code, out = run(capsys, path)
    assert code == 1
    assert "the bundle does not say it was left out: it was withheld" in out


@pytest.mark.parametrize(
    "left",
    [
        [],
        {"entries": "i2"},
        {"files": ["5"]},
        {"files": [True]},
        {"entries": [["i2"]]},
    ],
)
def test_a_malformed_left_out_is_not_a_bundle(tmp_path, capsys, left):
    path = bundle(tmp_path, change=lambda m: m.update(leftOut=left))
    code, out = run(capsys, path)
    assert code == 2
    assert "its manifest's leftOut is not a list of entries and a list of files" in out
    assert "Traceback" not in out


def test_the_counts_do_not_count_what_is_here(tmp_path, capsys):
    code, out = run(capsys, bundle(tmp_path))
    assert code == 0
    assert holdings(out) == "What the bundle holds: 2 of the chain's 2 entries."
    assert "verified: file files/002-messages.jpg" in out


def test_fields_a_later_version_adds_to_left_out_are_not_read(tmp_path, capsys):
    path = bundle(tmp_path, change=lambda m: m.update(leftOut={"entries": [], "why": "x"}))
    code, out = run(capsys, path)
    assert code == 0, out


def test_a_withdrawn_entry_said_to_be_left_out_is_counted_once(tmp_path, capsys):
    events = chain(
        [
            ("incident.recorded", "i1", {"fields": {"what": "Kept"}}),
            ("incident.recorded", "i2", {"fields": {"what": "Withdrawn"}}),
            ("entry.withdrawn", "i2", {}),
        ]
    )
    without_payloads(events, 2)
    path = bundle(
        tmp_path, events, files=[], entries={"report.html": REPORT}, change=left_out(["i2"])
    )
    code, out = run(capsys, path)
    assert code == 0, out
    assert holdings(out) == (
        "What the bundle holds: 1 of the chain's 2 entries; 1 entry withdrawn by the diary's owner."
    )


def test_entries_outside_the_report_are_named_in_the_verdict(tmp_path, capsys):
    """Dropping a whole entry (its words nulled, its file and listing gone) leaves it
    'outside the report': said in the verdict too, not only in the counts."""
    events = diary()
    receipts = stamped(events)
    without_payloads(events, 4, 5)
    path = bundle(tmp_path, events, files=VAN_LISTED, entries=ONLY_THE_VAN, receipts=receipts)
    code, out = run(capsys, path, "--key", PUBLIC)
    assert code == 0, out
    assert "(1 entry outside the report: not in the bundle, not checked;" in verdict(out)
