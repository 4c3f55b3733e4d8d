"""Backups not forgotten: the diary's home says when the last backup was made, and asks for
one a week after it or once ten entries are in none; "Not now" puts it off; a backup file
made, or a diary restored from one, stops the asking. What it keeps is in the encrypted
vault. In a phone-sized Chromium, with the page's clock moved on."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.sync_api import Page, expect

from e2e.exports import NEUTRAL_NAME
from e2e.journeys import (
    diary_home,
    log_incident,
    restore_backup,
    set_up_with_passphrase_only,
    start_restore,
)

NOV_20 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

ADD_ENTRIES = """async (n) => {
    const model = await import('/js/diary/model.js');
    for (let i = 1; i <= n; i++) {
        await model.recordIncident({ ...model.emptyIncident(), what: `Entry ${i}` });
    }
}"""

# The vault's records of the last backup, as stored: only ciphertext and where it belongs.
KEPT = """async () => {
    const { tx, req } = await import('/js/vault/idb.js');
    const rows = await tx('records', 'readonly', (t) => req(t.objectStore('records').getAll()));
    return rows.filter((r) => r.kind === 'backups').map((r) => Object.keys(r).sort());
}"""


def erase_everything(page: Page) -> None:
    page.get_by_role("button", name="Settings").click()
    page.get_by_role("button", name="Erase everything on this phone").click()
    expect(page.locator(".calc")).to_be_visible(timeout=15_000)


def home_again(page: Page) -> None:
    """Leave the diary's home and come back to it, so it is drawn afresh."""
    page.get_by_role("button", name="People").click()
    page.get_by_role("button", name="Back", exact=True).click()
    diary_home(page)


def reminder(page: Page):
    return page.get_by_role("region", name="Backup reminder")


def make_backup_from_reminder(page: Page, folder: Path) -> Path:
    reminder(page).get_by_role("button", name="Make a backup file now").click()
    expect(page.get_by_role("heading", name="Backup file")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="Make the backup file").locator("visible=true").click()
    expect(page.get_by_role("status").filter(has_text="is in your downloads")).to_be_visible()
    assert re.fullmatch(NEUTRAL_NAME % "bin", download.value.suggested_filename)
    path = folder / "backup.bin"
    download.value.save_as(path)
    page.get_by_role("button", name="Back", exact=True).click()
    diary_home(page)
    return path


def test_a_diary_never_backed_up_asks_after_ten_entries_and_a_restore_counts(
    page: Page, tmp_path: Path
):
    set_up_with_passphrase_only(page)
    stored_in_clear = page.evaluate("Object.keys(localStorage).sort()")
    expect(page.get_by_text("Never backed up.")).to_be_visible()
    page.evaluate(ADD_ENTRIES, 9)
    home_again(page)
    expect(reminder(page)).to_have_count(0)

    log_incident(page, "The tenth entry")
    expect(reminder(page)).to_contain_text("Your diary has never been backed up.")
    # "Not now" puts it off: it is not there when the home is drawn again.
    reminder(page).get_by_role("button", name="Not now").click()
    expect(reminder(page)).to_have_count(0)
    expect(page.get_by_role("button", name="Log an incident")).to_be_focused()
    home_again(page)
    expect(reminder(page)).to_have_count(0)
    expect(page.get_by_text("Never backed up.")).to_be_visible()

    # Ten entries more, and it asks again.
    page.evaluate(ADD_ENTRIES, 10)
    home_again(page)
    path = make_backup_from_reminder(page, tmp_path)
    expect(page.get_by_text("Last backup: just now (a backup file).")).to_be_visible()
    expect(reminder(page)).to_have_count(0)
    # Kept in the vault, encrypted; nothing new in the clear.
    assert page.evaluate(KEPT) == [["ct", "id", "iv", "kind", "version"]]
    assert page.evaluate("Object.keys(localStorage).sort()") == stored_in_clear

    # Restored from that file onto an empty phone: its home knows the backup.
    erase_everything(page)
    start_restore(page)
    restore_backup(page, path)
    diary_home(page)
    expect(page.get_by_text(re.compile(r"^Last backup: .* \(a backup file\)\.$"))).to_be_visible()
    expect(reminder(page)).to_have_count(0)


def test_a_backup_file_stops_the_asking_until_a_week_later(page: Page, tmp_path: Path):
    page.clock.install(time=NOV_20)
    set_up_with_passphrase_only(page)
    page.evaluate(ADD_ENTRIES, 10)
    home_again(page)
    expect(reminder(page)).to_contain_text("never been backed up")

    make_backup_from_reminder(page, tmp_path)
    expect(page.get_by_text("Last backup: just now (a backup file).")).to_be_visible()
    expect(reminder(page)).to_have_count(0)

    page.clock.set_system_time(NOV_20 + timedelta(days=6))
    home_again(page)
    expect(page.get_by_text("Last backup: 6 days ago (a backup file).")).to_be_visible()
    expect(reminder(page)).to_have_count(0)

    page.clock.set_system_time(NOV_20 + timedelta(days=7, minutes=5))
    home_again(page)
    expect(page.get_by_text("Last backup: 7 days ago (a backup file).")).to_be_visible()
    expect(reminder(page)).to_contain_text("Your last backup was 7 days ago.")
