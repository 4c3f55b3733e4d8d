"""The encrypted backup file as a person uses it: make one, get the diary back after erasing
everything, add a backup's entries to another diary, and be told plainly when a file is not
right, with nothing changed. In a phone-sized Chromium."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from e2e.journeys import (
    PASSPHRASE,
    PHOTO,
    RECORDING,
    choose_backup,
    diary_home,
    log_incident,
    make_backup,
    merge_backup,
    open_backup_settings,
    picked,
    restore_backup,
    seeded_diary,
    set_up_with_passphrase_only,
    shown_rows,
    start_restore,
    unlock_with_passphrase,
)
from e2e.stored import DIARY_ID, SNAPSHOT, STORED
from e2e.support import new_phone, until

OTHER_PASSPHRASE = "copper kettle orchard whistle lagoon"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def erase_everything(page: Page) -> None:
    page.get_by_role("button", name="Settings").click()
    page.get_by_role("button", name="Erase everything on this phone").click()
    expect(page.locator(".calc")).to_be_visible(timeout=15_000)


def test_backup_erase_restore_gives_back_the_same_diary(page: Page, tmp_path: Path):
    seeded_diary(page)
    before = page.evaluate(SNAPSHOT)
    rows = shown_rows(page)
    assert before["ok"]
    hashes = sorted(f[2] for f in before["files"].values())
    assert sha256(PHOTO) in hashes and sha256(RECORDING) in hashes

    path = make_backup(page, tmp_path)
    data = path.read_bytes()
    diary = page.evaluate(DIARY_ID)
    assert diary and diary.encode() in data[:600]  # the header carries it
    # Nothing typed, and no file's bytes, are in the backup in clear; nor does its readable
    # beginning say what it is.
    for text in (b"Parked outside", b"parcel", b"step.png", b"voicemail", RECORDING[:64]):
        assert text not in data
    assert data.startswith(b"SEALBOX2") and b'"format":"sealed/2"' in data[:200]
    for word in (b"cairn", b"backup", b"diary", b"incident", b"evidence"):
        assert word not in data.lower(), word
    page.get_by_role("button", name="Back", exact=True).click()
    page.get_by_role("button", name="Back", exact=True).click()

    erase_everything(page)
    assert page.evaluate(STORED)["vault"] is False
    start_restore(page)
    restore_backup(page, path)
    diary_home(page)

    after = page.evaluate(SNAPSHOT)
    assert after["ok"], after["problems"]
    assert after["events"] == before["events"]
    assert after["files"] == before["files"]
    assert shown_rows(page) == rows
    assert page.evaluate(DIARY_ID) == diary  # still the same diary: its server copy knows it

    # The passphrase that opened the backup unlocks this phone's diary from now on.
    page.get_by_role("button", name="Lock now").click()
    page.reload()
    unlock_with_passphrase(page)
    diary_home(page)
    page.locator(".incident-row", has_text="parcel").click()
    expect(page.get_by_text("Edited once")).to_be_visible()
    expect(page.get_by_text("voicemail.bin")).to_be_visible()


def test_a_backup_file_made_before_the_neutral_header_still_restores(page: Page):
    """e2e/data/backup-cairnbk1.bin was made by the app as it was before backup files began
    "SEALBOX2" (it begins "CAIRNBK1", format "cairn-backup/1"): two incidents, one with a
    file, protected by the tests' recovery passphrase. Someone may still hold such a file."""
    old = Path(__file__).parent / "data" / "backup-cairnbk1.bin"
    assert old.read_bytes().startswith(b"CAIRNBK1")
    start_restore(page)
    restore_backup(page, old)
    diary_home(page)
    expect(page.locator(".incident-row", has_text="Followed me from the station")).to_be_visible()
    page.locator(".incident-row", has_text="A note through the door").click()
    expect(page.get_by_text("note.bin")).to_be_visible()
    assert page.evaluate(SNAPSHOT)["ok"]


def test_a_separate_passphrase_protects_the_file_and_becomes_the_new_phones(
    page: Page, browser: Browser, live_server, playwright, tmp_path: Path
):
    set_up_with_passphrase_only(page)
    log_incident(page, "Followed me to the bus stop", date="2026-11-12")
    path = make_backup(page, tmp_path, passphrase=OTHER_PASSPHRASE)

    phone = new_phone(playwright, browser, live_server)
    try:
        other = phone.new_page()
        start_restore(other)
        restore_backup(other, path, PASSPHRASE)  # the recovery passphrase does not open this file
        expect(other.get_by_role("alert")).to_have_text(
            "That passphrase does not open this backup. Check it and try again. "
            "Nothing was changed."
        )
        assert other.evaluate(STORED) == {"records": 0, "chunks": 0, "vault": False, "onDisk": 0}
        other.get_by_label("The backup's passphrase").fill(OTHER_PASSPHRASE)
        other.get_by_role("button", name="Restore my diary").click()
        diary_home(other)
        expect(other.locator(".incident-row", has_text="bus stop")).to_be_visible()
        other.get_by_role("button", name="Lock now").click()
        other.reload()
        unlock_with_passphrase(other, OTHER_PASSPHRASE)
        diary_home(other)
    finally:
        phone.close()


def broken_copies(data: bytes) -> list[tuple[str, dict, str]]:
    """Each bad file, and the message it must give."""
    middle = len(data) // 2
    altered = bytearray(data)
    altered[middle] ^= 0x01
    return [
        (
            "truncated",
            {
                "name": "backup-cut.bin",
                "mimeType": "application/octet-stream",
                "buffer": data[:middle],
            },
            "incomplete",
        ),
        (
            "altered",
            {
                "name": "backup-changed.bin",
                "mimeType": "application/octet-stream",
                "buffer": bytes(altered),
            },
            "changed or damaged",
        ),
        (
            "random",
            {
                "name": "photo.bin",
                "mimeType": "application/octet-stream",
                "buffer": os.urandom(50_000),
            },
            "not a backup made by this app",
        ),
        (
            "empty",
            picked("empty.bin", b""),
            "not a backup made by this app",
        ),
    ]


def test_bad_backup_files_say_what_is_wrong_and_change_nothing(page: Page, tmp_path: Path):
    seeded_diary(page)
    path = make_backup(page, tmp_path)
    data = path.read_bytes()
    before = page.evaluate(SNAPSHOT)
    stored = page.evaluate(STORED)

    # Adding to a diary: a wrong passphrase, then each broken copy.
    merge_backup(page, path, "not the right passphrase at all")
    expect(page.get_by_role("alert")).to_contain_text("That passphrase does not open this backup")
    for name, copy, message in broken_copies(data):
        choose_backup(page, copy)
        page.get_by_label("The backup's passphrase").fill(PASSPHRASE)
        page.get_by_role("button", name="Add from this backup").click()
        expect(page.get_by_role("alert"), name).to_contain_text(message)
        expect(page.get_by_role("alert"), name).to_contain_text("Nothing was changed.")
        assert page.evaluate(SNAPSHOT) == before, name
        assert page.evaluate(STORED) == stored, name

    # Restoring on an empty phone: the same, and the phone stays empty.
    page.get_by_role("button", name="Back", exact=True).click()
    page.get_by_role("button", name="Back", exact=True).click()
    page.get_by_role("button", name="Back", exact=True).click()
    erase_everything(page)
    start_restore(page)
    for name, copy, message in broken_copies(data):
        restore_backup(page, copy)
        expect(page.get_by_role("alert"), name).to_contain_text(message)
        assert page.evaluate(STORED) == {"records": 0, "chunks": 0, "vault": False, "onDisk": 0}, (
            name
        )
    # The right file still works afterwards.
    restore_backup(page, path)
    diary_home(page)
    assert page.evaluate(SNAPSHOT)["events"] == before["events"]


def test_adding_a_backup_to_another_diary_adds_only_what_is_new(
    page: Page, browser: Browser, live_server, playwright, tmp_path: Path
):
    seeded_diary(page)
    first = page.evaluate(SNAPSHOT)
    path = make_backup(page, tmp_path)
    # A backup of this same diary adds nothing.
    page.get_by_role("button", name="Add entries from a backup").click()
    choose_backup(page, path)
    page.get_by_label("The backup's passphrase").fill(PASSPHRASE)
    page.get_by_role("button", name="Add from this backup").click()
    expect(page.get_by_role("status").filter(has_text="already in your diary")).to_be_visible()
    assert page.evaluate(SNAPSHOT) == first

    # A new phone, with its own diary and passphrase, and an incident of its own.
    phone = new_phone(playwright, browser, live_server)
    try:
        other = phone.new_page()
        set_up_with_passphrase_only(other)
        log_incident(other, "Called from a hidden number", date="2026-11-15")
        open_backup_settings(other)
        merge_backup(other, path)
        expect(
            other.get_by_role("status").filter(has_text="Added 3 entries and 3 files")
        ).to_be_visible()
        merged = other.evaluate(SNAPSHOT)
        assert merged["ok"], merged["problems"]
        # Every file arrived byte for byte (the photo, its thumbnail and the recording).
        assert sorted(merged["files"].values()) == sorted(first["files"].values())
        # Each entry kept its kind, content and the time it was first recorded.
        same = lambda events: {(t, s, at, h, p) for _, t, s, at, h, p, _ in events}  # noqa: E731
        assert same(first["events"]) <= same(merged["events"])
        kinds = [e[1] for e in merged["events"]]
        assert kinds.count("backup.merged") == 1

        other.get_by_role("button", name="Back", exact=True).click()
        other.get_by_role("button", name="Back", exact=True).click()
        other.get_by_role("button", name="Back", exact=True).click()
        diary_home(other)
        expect(other.locator(".incident-row")).to_have_count(3)
        rows = " ".join(shown_rows(other))
        assert "hidden number" in rows and "Parked outside" in rows and "parcel" in rows
        other.locator(".incident-row", has_text="parcel").click()
        expect(other.get_by_text("Edited once")).to_be_visible()
        other.get_by_role("button", name="Back", exact=True).click()
        assert "Entered by mistake" not in " ".join(shown_rows(other))  # still withdrawn

        # The same backup again adds nothing more.
        open_backup_settings(other)
        merge_backup(other, path)
        expect(other.get_by_role("status").filter(has_text="already in your diary")).to_be_visible()
        assert other.evaluate(SNAPSHOT)["events"] == merged["events"]
    finally:
        phone.close()


def test_the_progress_bar_moves_while_a_backup_is_checked(page: Page, tmp_path: Path):
    seeded_diary(page)
    path = make_backup(page, tmp_path)
    page.get_by_role("button", name="Add entries from a backup").click()
    choose_backup(page, path)
    page.get_by_label("The backup's passphrase").fill(PASSPHRASE)
    page.evaluate(
        """() => {
            window.__seen = [];
            new MutationObserver(() => {
                const bar = document.querySelector('progress');
                if (bar && !bar.closest('[hidden]')) window.__seen.push(bar.value);
            }).observe(document.body, { subtree: true, attributes: true, childList: true });
        }"""
    )
    page.get_by_role("button", name="Add from this backup").click()
    expect(page.get_by_role("status").filter(has_text="already in your diary")).to_be_visible()
    seen = until(page, "() => window.__seen.length && window.__seen")
    assert any(0 < v < 100 for v in seen), seen
