"""The quick note (`pwa/js/views/quick-note.js`): from the diary's home to a saved incident in
a few taps, and its words kept as an encrypted draft when the diary locks mid-note."""

from __future__ import annotations

import re
from datetime import datetime

from playwright.sync_api import Page, expect

from e2e.a11y import Screens
from e2e.journeys import (
    add_files,
    diary_home,
    expect_disguise,
    image,
    set_up_with_passphrase_only,
    unlock_with_passphrase,
)
from e2e.support import NEUTRAL, neutral_sites

NOTE = "He rang the doorbell three times and walked off"

# Every string and every byte the phone's databases and storage hold, as text: the note's
# words must be in none of them (its draft is ciphertext).
STORED_TEXT = """async () => {
    const out = [];
    const walk = (v) => {
        if (v == null) return;
        if (typeof v === 'string') out.push(v);
        else if (v instanceof ArrayBuffer || ArrayBuffer.isView(v))
            out.push(new TextDecoder('latin1').decode(v));
        else if (typeof v === 'object')
            for (const [k, x] of Object.entries(v)) { out.push(k); walk(x); }
    };
    for (const info of await indexedDB.databases()) {
        const db = await new Promise((resolve, reject) => {
            const r = indexedDB.open(info.name);
            r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error);
        });
        for (const name of db.objectStoreNames) {
            const r = db.transaction(name).objectStore(name).getAll();
            walk(await new Promise((resolve) => { r.onsuccess = () => resolve(r.result); }));
        }
        db.close();
    }
    for (const storage of [localStorage, sessionStorage])
        for (let i = 0; i < storage.length; i++)
            out.push(storage.key(i), storage.getItem(storage.key(i)));
    return out.join('\\n');
}"""


def test_a_quick_note_is_saved_in_three_taps_and_shows_in_the_timeline_with_its_time(
    page: Page,
):
    set_up_with_passphrase_only(page)
    taps = 0

    def tap(locator) -> None:
        nonlocal taps
        locator.click()
        taps += 1

    tap(page.get_by_role("button", name="Quick note"))
    expect(page.get_by_role("heading", name="Quick note")).to_be_visible()
    now = datetime.now()
    # "When" is now unless changed; the words go straight into the box, with no tap on it.
    expect(page.get_by_label("Date", exact=True)).to_have_value(now.strftime("%Y-%m-%d"))
    when = page.get_by_label("Time", exact=True).input_value()
    typed = datetime.combine(now.date(), datetime.strptime(when, "%H:%M").time())
    assert abs((now - typed).total_seconds()) < 120, when
    expect(page.get_by_label("What happened")).to_be_focused()
    page.keyboard.type(NOTE)
    tap(page.get_by_label("Turning up at home, work or school"))
    tap(page.get_by_role("button", name="Save note"))
    assert taps <= 3

    diary_home(page)
    row = page.locator(".incident-row", has_text=NOTE)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(when)
    expect(row).to_contain_text("Turning up at home, work or school")
    expect(page.get_by_text("unfinished entr")).to_have_count(0)
    # An ordinary incident: the full form adds the rest as a new version.
    row.click()
    page.get_by_role("button", name="Edit").click()
    expect(page.get_by_label("What happened")).to_have_value(NOTE)
    page.get_by_label("Where it happened").fill("My front door")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Edited once")).to_be_visible()


def test_a_quick_note_left_by_quick_exit_is_kept_as_an_unfinished_entry(page: Page):
    set_up_with_passphrase_only(page)
    page.get_by_role("button", name="Quick note").click()
    page.get_by_label("What happened").fill(NOTE)
    expect(page.get_by_text("Kept on this phone as you type.")).to_be_visible()
    page.get_by_label("What happened").press_sequentially(", then waited")
    neutral_sites(page.context)
    with page.expect_navigation(url=NEUTRAL):  # the page leaves once the cover is painted
        page.get_by_role("button", name="Quick exit").click()
    # The way back is the disguise.
    page.goto("/")
    expect_disguise(page)
    assert NOTE not in page.content()
    stored = page.evaluate(STORED_TEXT)
    assert "draft" in stored  # the scan reads the records: their kinds are in clear
    assert "doorbell" not in stored

    unlock_with_passphrase(page)
    diary_home(page)
    kept = page.get_by_role("region", name="Unfinished entry")
    expect(kept).to_contain_text(f"{NOTE}, then waited")
    kept.get_by_role("button", name="Carry on").click()
    expect(page.get_by_label("What happened")).to_have_value(f"{NOTE}, then waited")


def test_a_quick_note_carries_on_in_the_full_form_and_an_empty_one_is_refused(page: Page):
    set_up_with_passphrase_only(page)
    page.get_by_role("button", name="Quick note").click()
    page.get_by_role("button", name="Save note").click()
    expect(page.get_by_role("alert")).to_have_text(re.compile("^There is nothing to save yet"))
    expect(page.get_by_label("What happened")).to_be_focused()

    page.get_by_label("What happened").fill(NOTE)
    page.get_by_label("Text messages").check()
    page.get_by_role("button", name="Add more details in the full form").click()
    expect(page.get_by_role("heading", name="Log an incident")).to_be_visible()
    expect(page.get_by_label("What happened")).to_have_value(NOTE)
    expect(page.get_by_label("Text messages")).to_be_checked()
    page.get_by_role("button", name="Save incident").click()
    expect(page.get_by_role("heading", name=re.compile("^Incident,"))).to_be_visible()
    page.get_by_role("button", name="Back", exact=True).click()
    diary_home(page)
    expect(page.locator(".incident-row", has_text=NOTE)).to_have_count(1)
    expect(page.get_by_text("unfinished entr")).to_have_count(0)


def test_the_quick_note_passes_the_accessibility_checks(page: Page):
    screens = Screens(page)
    set_up_with_passphrase_only(page)
    # The colours as they end, not halfway through the chips' short transition on a busy machine.
    page.emulate_media(reduced_motion="reduce")
    page.get_by_role("button", name="Quick note").click()
    page.get_by_label("What happened").fill(NOTE)
    add_files(page, "Add a photo, screenshot or file", [image("door.png")])
    page.get_by_label("Date", exact=True).fill("2099-01-01")
    page.get_by_role("button", name="Save note").click()
    expect(page.get_by_role("alert")).to_contain_text("future")
    screens.check("a quick note, with a file and an error", "Quick note")
    screens.assert_clean()
