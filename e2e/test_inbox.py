"""The inbox: what is kept while the diary is locked is sealed at once, listed after an
unlock with when it was kept and its SHA-256, and filed into the diary (a new incident, or
added to one) with its capture time — or discarded. Nothing readable is stored meanwhile."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from e2e.a11y import Screens
from e2e.exports import run_verify
from e2e.journeys import (
    diary_home,
    download_bundle,
    expect_disguise,
    log_incident,
    open_report,
    png,
    set_up_with_passphrase_only,
    unlock_with_passphrase,
)
from e2e.stored import DUMP_EVERYTHING, encodings

MARKER = "MARKER-inbox-5d1c"
NOTE = f"He was outside the gym again {MARKER}"
PICTURE = png(320, 200, (240, 120, 10))
# More than two parts of 1 MiB, the marker all through it.
LONG = (MARKER.encode() + bytes(range(256))) * 8000
# When the note was kept: a local time on the phone, so the form shows it as typed.
NOTE_AT = "new Date(2026, 10, 27, 18, 45).getTime()"

KEEP = (
    """async ([note, picture, long, marker]) => {
    const seal = await import('/js/inbox/seal.js');
    const hex = (h) => new Uint8Array(h.match(/../g).map((b) => parseInt(b, 16)));
    const kept = [];
    kept.push(await seal.keepNote(note, { at: """
    + NOTE_AT
    + """ }));
    kept.push(await seal.keepFile(new Blob([hex(picture)], { type: 'image/png' }),
        { name: 'screenshot.png', at: new Date(2026, 10, 28, 9, 5).getTime(), via: 'share' }));
    kept.push(await seal.keepFile(new Blob([hex(long)], { type: 'application/octet-stream' }),
        { name: marker + '.bin', at: new Date(2026, 10, 29, 22, 10).getTime() }));
    return kept.map((k) => k.sha256);
}"""
)

INBOX_ROWS = """async () => {
    const { tx, req } = await import('/js/vault/idb.js');
    return tx('inbox', 'readonly', (t) => req(t.objectStore('inbox').count()));
}"""

# Each incident's date, time, words and files (name, SHA-256, captured, via), as the diary holds it.
INCIDENTS = """async () => {
    const model = await import('/js/diary/model.js');
    const { incidents } = await model.load();
    return [...incidents.values()].map((i) => ({
        date: i.fields.happened.date, time: i.fields.happened.time, what: i.fields.what,
        files: i.evidence.map((e) => [e.name, e.sha256, e.captured ?? null, e.via ?? null]),
    }));
}"""


def assert_nothing_readable(page: Page) -> dict:
    """The leak scan: the marker is nowhere in what the phone stores, in any encoding."""
    dump = page.evaluate(DUMP_EVERYTHING)
    text = "\n".join(dump["strings"]).lower()
    hexes = "\n".join(dump["hexes"])
    for form in encodings(MARKER.encode()):
        assert form.lower() not in text, f"the marker is stored as {form!r}"
    assert MARKER.encode().hex() not in hexes, "the marker is in stored bytes"
    return dump


def keep_while_locked(page: Page) -> list[str]:
    """Lock the diary, then keep a note, a picture and a long file as a capture does."""
    page.get_by_role("button", name="Lock now").click()
    expect_disguise(page)
    return page.evaluate(KEEP, [NOTE, PICTURE.hex(), LONG.hex(), MARKER])


def open_inbox(page: Page, count: int) -> None:
    diary_home(page)
    page.get_by_role("button", name=re.compile(f"^Inbox.*{count} items? kept while locked")).click()
    expect(page.get_by_role("heading", name="Inbox", exact=True)).to_be_visible()


def card(page: Page, title: str):
    return page.locator(".inbox-item").filter(
        has=page.get_by_role("heading", name=title, exact=True)
    )


def test_captures_kept_while_locked_are_filed_or_discarded_and_leave_nothing_readable(
    page: Page,
):
    set_up_with_passphrase_only(page)
    log_incident(page, "Parked outside the house all evening", date="2026-11-20")
    hashes = keep_while_locked(page)
    assert hashes == [
        hashlib.sha256(NOTE.encode()).hexdigest(),
        hashlib.sha256(PICTURE).hexdigest(),
        hashlib.sha256(LONG).hexdigest(),
    ]
    dump = assert_nothing_readable(page)
    assert "epk" in dump["strings"], "the scan did not see the inbox's rows"

    unlock_with_passphrase(page)
    open_inbox(page, 3)
    expect(page.locator(".inbox-item")).to_have_count(3)
    # Each with when it was kept, its fingerprint shortened, and in full on the item.
    note, picture, long = (
        card(page, "A note"),
        card(page, "screenshot.png"),
        card(page, f"{MARKER}.bin"),
    )
    expect(note).to_contain_text(NOTE)
    expect(picture).to_contain_text("shared from another app")
    for item, digest in zip([note, picture, long], hashes, strict=True):
        expect(item).to_contain_text(f"SHA-256 {digest[:12]}…")
        item.get_by_text(f"SHA-256 {digest[:12]}…").click()
        expect(item.get_by_text(digest, exact=True)).to_be_visible()
    expect(note).to_contain_text(re.compile(r"Kept .*27.*2026.* 18:45, from the disguise\."))
    # The picture is shown; the long file shows its size.
    expect(picture.get_by_role("img", name="The picture screenshot.png")).to_be_visible()
    expect(long).to_contain_text("2.1 MB")

    # The note becomes a new incident: when is when it was kept, what happened its words.
    note.get_by_role("button", name="Make a new incident").click()
    expect(page.get_by_role("heading", name="Log an incident")).to_be_visible()
    expect(page.get_by_text(re.compile("^Filled in from your inbox"))).to_be_visible()
    expect(page.get_by_label("Date", exact=True)).to_have_value("2026-11-27")
    expect(page.get_by_label("Time", exact=True)).to_have_value("18:45")
    expect(page.get_by_label("What happened")).to_have_value(NOTE)
    page.get_by_role("button", name="Save incident").click()
    expect(page.get_by_role("heading", name=re.compile("^Incident,"))).to_be_visible()
    # The note's row went as it was saved; the picture's (head, part) and the long file's
    # (head, three parts) stay.
    assert page.evaluate(INBOX_ROWS) == 6
    page.get_by_role("button", name="Back", exact=True).click()

    # The picture joins the incident already in the diary.
    open_inbox(page, 2)
    card(page, "screenshot.png").get_by_role("button", name="Add to an incident").click()
    expect(page.get_by_role("heading", name="Add to an incident")).to_be_visible()
    page.get_by_role("button", name=re.compile("Parked outside the house")).click()
    expect(page.get_by_role("heading", name=re.compile("^Incident,"))).to_be_visible()
    expect(page.locator(".evidence-name", has_text="screenshot.png")).to_be_visible()
    page.get_by_role("button", name="Back", exact=True).click()

    # The long file is thrown away, after asking.
    open_inbox(page, 1)
    card(page, f"{MARKER}.bin").get_by_role("button", name="Discard").click()
    page.get_by_role("button", name="Yes, discard it").click()
    expect(page.locator(".inbox-item")).to_have_count(0)
    expect(page.get_by_text("Nothing is waiting.")).to_be_visible()
    assert page.evaluate(INBOX_ROWS) == 0
    page.get_by_role("button", name="Back", exact=True).click()
    diary_home(page)
    expect(page.get_by_role("button", name=re.compile("^Inbox"))).to_have_count(0)

    incidents = {i["what"]: i for i in page.evaluate(INCIDENTS)}
    made = incidents[NOTE]
    assert (made["date"], made["time"]) == ("2026-11-27", "18:45")
    ((name, digest, captured, via),) = made["files"]
    assert re.fullmatch(r"note-2026-11-27-1845\.txt", name)
    assert digest == hashes[0] and via == "capture"
    assert captured == page.evaluate(NOTE_AT)
    joined = incidents["Parked outside the house all evening"]
    assert [f[:2] for f in joined["files"]] == [["screenshot.png", hashes[1]]]
    assert joined["files"][0][3] == "share"
    assert_nothing_readable(page)


def test_the_report_table_and_bundle_say_when_a_filed_file_was_captured(page: Page, tmp_path: Path):
    set_up_with_passphrase_only(page)
    log_incident(page, "Messages all night", date="2026-11-20")
    page.get_by_role("button", name="Lock now").click()
    expect_disguise(page)
    page.evaluate(
        """async (picture) => {
            const seal = await import('/js/inbox/seal.js');
            const bytes = new Uint8Array(picture.match(/../g).map((b) => parseInt(b, 16)));
            await seal.keepFile(new Blob([bytes], { type: 'image/png' }),
                { name: 'messages.png', at: new Date(2026, 10, 21, 2, 14).getTime() });
        }""",
        PICTURE.hex(),
    )
    unlock_with_passphrase(page)
    open_inbox(page, 1)
    page.get_by_role("button", name="Add to an incident").click()
    page.get_by_role("button", name=re.compile("Messages all night")).click()
    expect(page.locator(".evidence-name", has_text="messages.png")).to_be_visible()
    page.get_by_role("button", name="Back", exact=True).click()

    open_report(page)
    expect(page.locator(".report-file", has_text="messages.png")).to_contain_text(
        re.compile(r"Captured at .*21.*2026.* 02:14 \(kept in the inbox before it was filed\)")
    )
    bundle = download_bundle(page, tmp_path)
    checked = run_verify(bundle)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    page.get_by_role("button", name="Back", exact=True).first.click()
    page.get_by_role("button", name="Make a table (CSV)").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Make the table").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text("utf-8-sig"))))
    column = rows[0].index("Files kept in the inbox first")
    assert rows[1][column] == (
        "messages.png: captured at 2026-11-21 02:14 (kept in the inbox before it was filed)"
    )


def test_a_capture_that_does_not_open_can_only_be_discarded(page: Page):
    set_up_with_passphrase_only(page)
    keep = """async () => {
        const seal = await import('/js/inbox/seal.js');
        const { item } = await seal.keepNote('altered later');
        const { tx, req } = await import('/js/vault/idb.js');
        const head = await tx('inbox', 'readonly',
            (t) => req(t.objectStore('inbox').get([item, 0])));
        head.ct[5] ^= 1;
        await tx('inbox', 'readwrite', (t) => void t.objectStore('inbox').put(head));
    }"""
    page.get_by_role("button", name="Lock now").click()
    expect_disguise(page)
    page.evaluate(keep)
    unlock_with_passphrase(page)
    open_inbox(page, 1)
    item = page.locator(".inbox-item")
    expect(item).to_contain_text("it cannot be read or filed")
    expect(item.get_by_role("button")).to_have_count(1)
    item.get_by_role("button", name="Discard").click()
    page.get_by_role("button", name="Yes, discard it").click()
    expect(page.get_by_text("Nothing is waiting.")).to_be_visible()
    assert page.evaluate(INBOX_ROWS) == 0
    assert json.dumps(page.evaluate(INCIDENTS)) == "[]"


def test_the_inbox_screens_pass_the_accessibility_checks(page: Page):
    """axe-core in light and dark, 44 px targets and 200% text, on the home with its Inbox
    button, the Inbox (a note, a picture with its fingerprint open, a file, one that does
    not open, a question asked) and the incident chooser."""
    set_up_with_passphrase_only(page)
    log_incident(page, "Parked outside the house all evening", date="2026-11-20")
    keep_while_locked(page)
    page.evaluate(
        """async () => {
            const seal = await import('/js/inbox/seal.js');
            const { item } = await seal.keepNote('altered later');
            const { tx, req } = await import('/js/vault/idb.js');
            const head = await tx('inbox', 'readonly',
                (t) => req(t.objectStore('inbox').get([item, 0])));
            head.ct[5] ^= 1;
            await tx('inbox', 'readwrite', (t) => void t.objectStore('inbox').put(head));
        }"""
    )
    unlock_with_passphrase(page)
    screens = Screens(page)
    diary_home(page)
    screens.check("the diary's home with captures waiting")
    open_inbox(page, 4)
    picture = card(page, "screenshot.png")
    expect(picture.get_by_role("img")).to_be_visible()
    picture.get_by_text(re.compile("^SHA-256 ")).click()
    card(page, f"{MARKER}.bin").get_by_role("button", name="Discard").click()
    screens.check("the inbox", "Inbox")
    page.get_by_role("button", name="No, keep it").click()
    card(page, "A note").get_by_role("button", name="Add to an incident").click()
    screens.check("choosing an incident", "Add to an incident")
    screens.assert_clean()
