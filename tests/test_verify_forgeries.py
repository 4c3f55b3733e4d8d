"""`cairn verify` against a forger holding a real bundle and no key, and against bundles
made to trip the checker: each forgery fails or is reported as unanchored; each malformed
bundle exits 2 with a plain message, never a traceback."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.receipts import sign
from server.verify import (
    BundleError,
    HeadTextError,
    archive,
    parse_head,
    report,
    verify_bundle,
)
from server.verify.output import plain
from tests.bundles import (
    DAY,
    OTHER,
    PHOTO,
    PUBLIC,
    REPORT,
    SERVER_KEY,
    bundle,
    chain,
    diary,
    evidence,
    files_of,
    listing,
    manifest_for,
    rechain,
    run,
    stamped,
)


def test_a_real_bundle_is_internally_consistent_and_says_only_that(tmp_path, capsys):
    code, out = run(capsys, bundle(tmp_path))
    assert code == 0
    assert "internally consistent only — no independent time" in out
    assert "All verified" not in out
    assert "verified: report.html: matches the manifest" in out


# --- forgeries ------------------------------------------------------------------------------


def test_a_rewritten_report_fails(tmp_path, capsys):
    forged = REPORT.replace(b"AB12 CDE", b"XY99 ZZZ")
    code, out = run(capsys, bundle(tmp_path, report_bytes=forged))
    assert code == 1
    assert "NOT VERIFIED: report.html: was changed" in out


def test_a_rewritten_report_with_its_fingerprint_recomputed_is_not_anchored(tmp_path, capsys):
    forged = REPORT.replace(b"AB12 CDE", b"XY99 ZZZ")

    def refingerprint(manifest):
        manifest["report"]["sha256"] = hashlib.sha256(forged).hexdigest()

    code, out = run(capsys, bundle(tmp_path, report_bytes=forged, change=refingerprint))
    assert code == 0
    assert "internally consistent only" in out and "All verified" not in out


def test_two_files_swapped_with_their_manifest_paths_fail(tmp_path, capsys):
    def swap(manifest):
        a, b = manifest["files"]
        a["path"], b["path"] = b["path"], a["path"]

    entries = {"report.html": REPORT, "files/001-van.png": OTHER, "files/002-messages.jpg": PHOTO}
    code, out = run(capsys, bundle(tmp_path, entries=entries, change=swap))
    assert code == 1
    assert "should be called files/001-van.png" in out
    assert "withheld" not in out  # the files are there, renamed: said once, not twice


def test_a_file_moved_to_another_incident_with_a_new_name_and_size_fails(tmp_path, capsys):
    def move(manifest):
        entry = manifest["files"][0]
        entry.update(
            subject="i2", name="van-2.png", size=entry["size"] + 1, path="files/001-van-2.png"
        )

    entries = {"report.html": REPORT, "files/001-van-2.png": PHOTO, "files/002-messages.jpg": OTHER}
    code, out = run(capsys, bundle(tmp_path, entries=entries, change=move))
    assert code == 1
    line = next(
        x for x in out.splitlines() if x.startswith("NOT VERIFIED: file files/001-van-2.png")
    )
    assert "name “van-2.png”, but event 3 recorded “van.png”" in line
    assert "another entry than the one event 3 added it to" in line
    assert "not the" in line and "listed" in line  # the size


@pytest.mark.parametrize(
    "rewrite",
    [
        pytest.param(lambda events: events[:3] + events[4:], id="an event deleted"),
        pytest.param(
            lambda events: [
                {**e, "payload": e["payload"].replace("Blue van", "Red car")} for e in events
            ],
            id="words changed",
        ),
        pytest.param(
            lambda events: [{**e, "at": e["at"] - 10 * DAY} for e in events], id="times moved back"
        ),
    ],
)
def test_a_recomputed_chain_fails_against_receipts_and_is_unanchored_without(
    tmp_path, capsys, rewrite
):
    events = diary()
    receipts = stamped(events)
    forged = rechain(rewrite(events))
    if len(forged) < len(events):
        files = [listing(forged[2], "files/001-van.png")]
        entries = {"report.html": REPORT, "files/001-van.png": PHOTO}
    else:
        files, entries = files_of(forged), None
    signed = bundle(tmp_path, forged, files=files, entries=entries, receipts=receipts, name="a.zip")
    code, out = run(capsys, signed, "--key", PUBLIC)
    assert code == 1 and "NOT VERIFIED: receipt for event" in out
    stripped = bundle(tmp_path, forged, files=files, entries=entries, name="b.zip")
    code, out = run(capsys, stripped)
    assert "internally consistent only" in out and "All verified" not in out
    code, out = run(capsys, stripped, "--key", PUBLIC)
    assert code == 1, "with --key, a record nothing anchors fails"
    assert "NOT VERIFIED: anchors: events 1–" in out


def test_an_event_appended_after_the_last_receipt_is_named_as_unanchored(tmp_path, capsys):
    events = diary()
    receipts = stamped(events)
    later = chain(
        [(e["type"], e["subject"], json.loads(e["payload"])) for e in events]
        + [
            (
                "incident.recorded",
                "i3",
                {"fields": {"what": "Back-dated", "happened": {"date": "2025-01-01"}}},
            )
        ]
    )
    path = bundle(tmp_path, later, receipts=receipts)
    code, out = run(capsys, path)
    assert code == 0
    assert "events 6–6 are not anchored" in out
    assert "All verified" not in out
    code, out = run(capsys, path, "--key", PUBLIC)
    assert code == 1 and "NOT VERIFIED: anchors: events 6–6" in out


def test_receipts_that_cover_every_event_anchor_them(tmp_path, capsys):
    events = diary()
    code, out = run(capsys, bundle(tmp_path, events, receipts=stamped(events)), "--key", PUBLIC)
    assert code == 0
    assert "events 1–5 existed by 2025-11-13 02:15:00 UTC" in out
    assert out.rstrip().splitlines()[-1].startswith("All verified: every file and event")


def test_an_event_recorded_after_its_receipt_is_flagged_as_a_clock_ahead(tmp_path, capsys):
    events = diary()
    receipts = [
        {"seq": e["seq"], "hash": e["hash"], "receipt": sign(SERVER_KEY, e["hash"], e["at"] - DAY)}
        for e in events
    ]
    code, out = run(capsys, bundle(tmp_path, events, receipts=receipts), "--key", PUBLIC)
    assert code == 0
    assert "FLAGGED: event 1: says it was recorded" in out and "clock was ahead" in out


def test_extra_entries_in_the_zip_fail(tmp_path, capsys):
    entries = {
        "report.html": REPORT,
        "files/001-van.png": PHOTO,
        "files/002-messages.jpg": OTHER,
        "READ ME FIRST.html": b"<h1>The real report</h1>",
    }
    code, out = run(capsys, bundle(tmp_path, entries=entries))
    assert code == 1
    assert (
        "NOT VERIFIED: zip entry READ ME FIRST.html: is in the bundle but not in its manifest"
        in out
    )


def test_a_withheld_file_is_named(tmp_path, capsys):
    events = diary()
    entries = {"report.html": REPORT, "files/001-van.png": PHOTO}
    code, out = run(capsys, bundle(tmp_path, events, files=files_of(events)[:1], entries=entries))
    assert code == 1
    assert "NOT VERIFIED: event 5: added a file (“messages.jpg”" in out and "withheld" in out


def duplicated(path: Path, name: str, data: bytes) -> Path:
    """The bundle with a second entry called ``name`` appended (zipfile warns; tools differ)."""
    with pytest.warns(UserWarning, match="Duplicate name"), zipfile.ZipFile(path, "a") as zf:
        zf.writestr(name, data)
    return path


def test_a_second_manifest_is_refused(tmp_path, capsys):
    path = duplicated(bundle(tmp_path), "manifest.json", b"{}")
    code, out = run(capsys, path)
    assert code == 2 and "2 files called manifest.json" in out


def test_a_second_file_of_the_same_name_fails(tmp_path, capsys):
    path = duplicated(bundle(tmp_path), "files/001-van.png", b"altered")
    code, out = run(capsys, path)
    assert code == 1
    assert "NOT VERIFIED: zip entry files/001-van.png: appears 2 times" in out


@pytest.mark.parametrize("name", ["../outside.png", "/etc/cron.d/x", "C:/x.png", "files/../../x"])
def test_a_name_outside_the_folder_fails(tmp_path, capsys, name):
    entries = {
        "report.html": REPORT,
        "files/001-van.png": PHOTO,
        "files/002-messages.jpg": OTHER,
        name: b"x",
    }
    code, out = run(capsys, bundle(tmp_path, entries=entries))
    assert code == 1 and "points outside the bundle's folder" in out


def test_an_older_bundle_says_its_report_cannot_be_checked(tmp_path, capsys):
    def older(manifest):
        manifest["format"] = "cairn-bundle/1"
        del manifest["report"]
        for f in manifest["files"]:
            f["incident"] = f.pop("subject")

    code, out = run(capsys, bundle(tmp_path, change=older))
    assert code == 1
    assert "report.html: is not fingerprinted in this older bundle's manifest" in out
    assert out.count("verified: file ") == 2


# --- the head the checker already holds -----------------------------------------------------


def test_a_head_noted_earlier_must_be_in_the_chain(tmp_path, capsys):
    events = diary()
    path = bundle(tmp_path, events)
    code, out = run(capsys, path, "--head", f"{events[2]['hash'][:32]}:3")
    assert code == 0 and "events 1–3 are as they were" in out
    forged = rechain(
        [{**e, "payload": e["payload"].replace("Blue van", "Red car")} for e in events]
    )
    code, out = run(capsys, bundle(tmp_path, forged, name="f.zip"), "--head", events[2]["hash"])
    assert code == 1 and "NOT VERIFIED: the head you hold" in out


@pytest.mark.parametrize("text", ["abc", "xyz123456789012", "0123456789ab:", "0123456789ab:x"])
def test_a_head_that_cannot_be_read_is_exit_2(tmp_path, capsys, text):
    code, out = run(capsys, bundle(tmp_path), "--head", text)
    assert code == 2 and "--head" in out


def test_head_text(tmp_path):
    assert parse_head("ABCDEF0123456789" * 2 + ":7").seq == 7
    with pytest.raises(HeadTextError):  # 12 digits could be ground out to fit
        parse_head("abcdef012345")


# --- malformed bundles: exit 2, a plain message, no traceback -------------------------------


def raw_zip(entries: dict[str, bytes], method=zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def manifest_bytes(manifest: dict) -> bytes:
    return json.dumps(manifest).encode()


def good_manifest() -> dict:
    events = diary()
    return manifest_for(events, files_of(events))


def test_a_bad_crc_in_a_file_is_named(tmp_path, capsys):
    data = raw_zip(
        {
            "manifest.json": manifest_bytes(good_manifest()),
            "report.html": REPORT,
            "files/001-van.png": PHOTO,
            "files/002-messages.jpg": OTHER,
        }
    )
    at = data.index(PHOTO[:40])
    path = tmp_path / "crc.zip"
    path.write_bytes(data[:at] + bytes([data[at] ^ 1]) + data[at + 1 :])
    code, out = run(capsys, path)
    assert code == 1 and "NOT VERIFIED: file files/001-van.png: is damaged" in out


def test_a_bad_crc_in_the_manifest_is_exit_2(tmp_path, capsys):
    manifest = manifest_bytes(good_manifest())
    data = raw_zip({"manifest.json": manifest, "report.html": REPORT})
    at = data.index(manifest[:20])
    path = tmp_path / "crc.zip"
    path.write_bytes(data[:at] + b"[" + data[at + 1 :])
    code, out = run(capsys, path)
    assert code == 2 and "manifest.json is damaged" in out


def test_a_name_marked_utf8_that_is_not_is_exit_2(tmp_path, capsys):
    data = raw_zip({"manifest.json": b"{}", "files/é.png": b"x"})
    path = tmp_path / "name.zip"
    path.write_bytes(data.replace("é".encode(), b"\xff\xfe"))
    code, out = run(capsys, path)
    assert code == 2 and "marked UTF-8 but is not" in out


@pytest.mark.parametrize(
    "manifest",
    [
        pytest.param(b"[" * 100_000 + b"]" * 100_000, id="nested 100,000 deep"),
        pytest.param(b'{"format": "cairn-bundle/2", "head": 7}', id="head a number"),
        pytest.param(
            json.dumps({**good_manifest(), "events": {"seq": 1}}).encode(), id="events a dict"
        ),
        pytest.param(json.dumps({**good_manifest(), "report": "x"}).encode(), id="report text"),
        pytest.param(b"\xff\xfe not UTF-8", id="not UTF-8"),
        pytest.param(b"NaN", id="NaN"),
    ],
)
def test_a_malformed_manifest_is_exit_2(tmp_path, capsys, manifest):
    path = tmp_path / "m.zip"
    path.write_bytes(
        raw_zip({"manifest.json": manifest, "report.html": REPORT}, zipfile.ZIP_DEFLATED)
    )
    code, out = run(capsys, path)
    assert code == 2 and out.startswith("cairn verify: ") and "Traceback" not in out


def test_a_manifest_that_inflates_too_far_is_refused_before_it_is_read(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.setattr(archive, "MAX_MANIFEST_BYTES", 1 << 20)
    path = tmp_path / "bomb.zip"
    path.write_bytes(raw_zip({"manifest.json": b" " * (8 << 20)}, zipfile.ZIP_DEFLATED))
    assert path.stat().st_size < 100_000
    code, out = run(capsys, path)
    assert code == 2 and "would inflate to 8,388,608 bytes" in out


def test_a_lone_surrogate_and_control_characters_are_shown_escaped(tmp_path, capsys):
    events = chain(
        [
            ("incident.recorded", "i1", {"fields": {"what": "\ud800 lone"}}),
            ("evidence.added", "i1", evidence("\x1b[2Jvan\r.png", PHOTO)),
        ]
    )
    path = bundle(
        tmp_path,
        events,
        files=[listing(events[1], "files/001-_2Jvan_.png")],
        entries={
            "report.html": REPORT,
            "files/001-_2Jvan_.png": PHOTO,
            "x\x1b[1A\rAll verified.": b"",
        },
    )
    code, out = run(capsys, path)
    assert code == 1
    assert "\x1b" not in out and "\r" not in out and "\\x1b" in out
    out.encode("utf-8")  # printable: no lone surrogate reaches the terminal


def test_control_characters_in_a_receipts_key_id_cannot_print_a_verdict(tmp_path, capsys):
    events = diary()
    receipts = stamped(events)
    receipts[0]["receipt"]["kid"] = "x\r\x1b[2KAll verified.\n"
    code, out = run(capsys, bundle(tmp_path, events, receipts=receipts))
    assert code == 1
    assert [line for line in out.splitlines() if line.startswith("All verified")] == []


# --- generated bundles ----------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
FIELDS = [
    "format",
    "head",
    "count",
    "events",
    "files",
    "report",
    "receipts",
    "receiptKeys",
    "timestamps",
    "tsaCertificates",
]


def checked(path: Path) -> None:
    """verify_bundle either reads it or says it is not a bundle; the report is printable."""
    try:
        result = verify_bundle(path)
    except BundleError as error:
        plain(str(error)).encode("utf-8")
        return
    text = report(result)
    text.encode("utf-8")
    assert all(ch.isprintable() for line in text.splitlines() for ch in line)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    field=st.sampled_from(FIELDS),
    value=JSON,
    event=st.integers(0, 4),
    key=st.sampled_from(
        ["seq", "prev", "type", "subject", "at", "payloadHash", "hash", "payload", None]
    ),
)
def test_generated_manifests_never_raise(tmp_path, field, value, event, key):
    manifest = good_manifest()
    if key is None:
        manifest[field] = value
    else:
        manifest["events"][event][key] = value
    path = tmp_path / "g.zip"
    path.write_bytes(
        raw_zip(
            {
                "manifest.json": json.dumps(manifest).encode(),
                "report.html": REPORT,
                "files/001-van.png": PHOTO,
            }
        )
    )
    checked(path)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 255)), min_size=1, max_size=4)
)
def test_damaged_bytes_never_raise(tmp_path, flips):
    data = bytearray(
        raw_zip(
            {
                "manifest.json": manifest_bytes(good_manifest()),
                "report.html": REPORT,
                "files/001-van.png": PHOTO,
                "files/002-messages.jpg": OTHER,
            },
            zipfile.ZIP_DEFLATED,
        )
    )
    for at, bits in flips:
        data[at % len(data)] ^= bits
    path = tmp_path / "d.zip"
    path.write_bytes(bytes(data))
    checked(path)


def test_a_rewritten_report_with_real_receipts_is_never_called_anchored(tmp_path, capsys):
    """The report's fingerprint is in the manifest, not the chain: with every event anchored
    and the key given, a rewritten report recomputed into the manifest still passes, and the
    output must not claim its words are anchored."""
    events = diary()
    forged = REPORT.replace(b"AB12 CDE", b"XY99 ZZZ")

    def refingerprint(manifest):
        manifest["report"]["sha256"] = hashlib.sha256(forged).hexdigest()

    path = bundle(
        tmp_path, events, receipts=stamped(events), report_bytes=forged, change=refingerprint
    )
    code, out = run(capsys, path, "--key", PUBLIC)
    assert code == 0
    assert "report page's own words are checked against the manifest only" in out
    assert "All verified." not in out


def test_a_file_withheld_by_emptying_its_event_is_named(tmp_path, capsys):
    """Dropping a file with its listing and nulling its event's payload (the event's hash
    does not change) still leaves an evidence event of an entry that is in the bundle."""
    events = diary()
    receipts = stamped(events)
    files = files_of(events)[:1]
    events[4] = {**events[4], "payload": None}
    entries = {"report.html": REPORT, "files/001-van.png": PHOTO}
    path = bundle(tmp_path, events, files=files, entries=entries, receipts=receipts)
    code, out = run(capsys, path, "--key", PUBLIC)
    assert code == 1
    assert "NOT VERIFIED: event 5: added a file to an entry that is in the bundle" in out


def test_a_withdrawn_entrys_files_are_not_withheld(tmp_path, capsys):
    events = chain(
        [
            ("incident.recorded", "i1", {"fields": {"what": "Kept"}}),
            ("incident.recorded", "i2", {"fields": {"what": "Withdrawn"}}),
            ("evidence.added", "i2", evidence("gone.png", OTHER)),
            ("entry.withdrawn", "i2", {}),
        ]
    )
    for e in events[1:3]:
        e["payload"] = None  # what withdrawing does to the entry's events
    path = bundle(tmp_path, events, files=[], entries={"report.html": REPORT})
    code, out = run(capsys, path)
    assert code == 0, out


def test_a_manifest_of_empty_lists_is_refused_before_it_is_parsed(tmp_path, capsys):
    path = tmp_path / "lists.zip"
    many = b'{"format": "cairn-bundle/2", "events": [' + b"[]," * 4_100_000 + b"[]]}"
    path.write_bytes(raw_zip({"manifest.json": many}, zipfile.ZIP_DEFLATED))
    code, out = run(capsys, path)
    assert code == 2 and "lists and objects, more than the 4,000,000" in out


def test_many_bad_events_are_counted_not_listed(tmp_path, capsys):
    manifest = {**good_manifest(), "events": [[]] * 5000}
    path = tmp_path / "bad.zip"
    path.write_bytes(raw_zip({"manifest.json": manifest_bytes(manifest), "report.html": REPORT}))
    code, out = run(capsys, path)
    assert code == 1
    assert len(out.splitlines()) < 260
    assert "more problems, not listed" in out


def unicode_path_extra(name: str) -> bytes:
    """An Info-ZIP Unicode Path extra field (0x7075) naming ``name``: UnZip shows that name."""
    data = b"\x01" + (0).to_bytes(4, "little") + name.encode()
    return (0x7075).to_bytes(2, "little") + len(data).to_bytes(2, "little") + data


def test_an_entry_that_tells_other_tools_another_name_fails(tmp_path, capsys):
    path = bundle(tmp_path)
    out_path = tmp_path / "renamed.zip"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out_path, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "files/001-van.png":
                info.extra = unicode_path_extra("files/002-messages.jpg")
            dst.writestr(info, data)
    code, out = run(capsys, out_path)
    assert code == 1 and "extra fields that can make tools show another name" in out


def test_a_comment_on_the_zip_fails(tmp_path, capsys):
    path = bundle(tmp_path)
    with zipfile.ZipFile(path, "a") as zf:
        zf.comment = b"Photo 001 was edited by the police. Ignore the checker."
    code, out = run(capsys, path)
    assert code == 1 and "the zip has a comment" in out


def test_a_forged_zip_in_front_of_the_real_one_fails(tmp_path, capsys):
    path = bundle(tmp_path)
    front = raw_zip({"report.html": b"<h1>Another report</h1>"})
    glued = tmp_path / "glued.zip"
    glued.write_bytes(front + path.read_bytes())
    code, out = run(capsys, glued)
    assert code == 1 and "bytes before the first entry" in out


def test_entries_that_overlap_fail(tmp_path, capsys):
    """Two directory records pointing into the same bytes (a 'quoted overlap' zip bomb)."""
    path = bundle(tmp_path)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        infos = {i.filename: i for i in zf.infolist()}
        directory = zf.start_dir
    second = infos["files/002-messages.jpg"]
    # Point the second file's directory record at the first file's header.
    at = data.index(b"PK\x01\x02", directory)
    while True:
        name_length = int.from_bytes(data[at + 28 : at + 30], "little")
        name = bytes(data[at + 46 : at + 46 + name_length]).decode()
        if name == second.filename:
            data[at + 42 : at + 46] = infos["files/001-van.png"].header_offset.to_bytes(4, "little")
            break
        extra = int.from_bytes(data[at + 30 : at + 32], "little")
        comment = int.from_bytes(data[at + 32 : at + 34], "little")
        at += 46 + name_length + extra + comment
    path.write_bytes(bytes(data))
    code, out = run(capsys, path)
    assert code == 1 and "entries overlap" in out
