"""The phone killed at the worst moment (issue 19): a real profile, its browser killed with
SIGKILL (nothing closed or written out first), then launched again on the same profile.
Just after set-up, the disguise and code are still there; midway through a restore, a new
set-up and another restore both work."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, Playwright, expect

from e2e.journeys import (
    CODE,
    PASSPHRASE_ALONE,
    START_CODE,
    choose_disguise_and_code,
    choose_passphrase,
    diary_home,
    log_incident,
    make_backup,
    restore_backup,
    set_up_with_passphrase_only,
    shown_rows,
    start,
    start_restore,
    type_code,
    unlock_with_passphrase,
)
from e2e.stored import SNAPSHOT, STORED
from e2e.support import (
    E2E,
    LiveServer,
    installed_phone,
    kill_browser,
    pause_at,
    wait_for_app,
)

OLD_BACKUP = E2E / "data" / "backup-cairnbk1.bin"


class Phone:
    """A phone with a real profile, whose browser can be killed and started again."""

    def __init__(self, playwright: Playwright, server: LiveServer, profile: Path) -> None:
        self.playwright, self.server, self.profile = playwright, server, profile
        self.context: BrowserContext | None = None

    def launch(self) -> Page:
        self.context = installed_phone(self.playwright, self.server, self.profile)
        self.context.set_default_timeout(20_000)
        return self.context.pages[0] if self.context.pages else self.context.new_page()

    def kill(self) -> Page:
        """Kill the browser hard, then launch it again on the same profile."""
        kill_browser(self.profile)
        with contextlib.suppress(Exception):
            self.context.close()  # already gone: this only lets Playwright forget it
        page = self.launch()
        page.goto("/")
        wait_for_app(page)
        return page

    def close(self) -> None:
        if self.context:
            with contextlib.suppress(Exception):
                self.context.close()


@pytest.fixture
def kept_phone(playwright: Playwright, live_server: LiveServer, tmp_path: Path) -> Iterator[Phone]:
    phone = Phone(playwright, live_server, tmp_path / "profile")
    yield phone
    phone.close()


def test_killed_just_after_set_up_the_phone_keeps_its_disguise_and_code(kept_phone: Phone):
    page = kept_phone.launch()
    start(page)
    choose_passphrase(page, look="Notes")
    page.get_by_role("button", name=PASSPHRASE_ALONE).click()
    diary_home(page)

    page = kept_phone.kill()
    # The chosen disguise, not the one the address serves to a new phone.
    search = page.get_by_role("searchbox", name="Search notes")
    expect(search).to_be_visible()
    assert page.title() == "Notes"
    search.fill(CODE)
    search.press("Enter")
    expect(page.get_by_role("heading", name="Unlock", exact=True)).to_be_visible()
    unlock_with_passphrase(page)
    diary_home(page)


def killed_midway_through_a_restore(phone: Phone) -> Page:
    """Restore the old backup file on a new phone; kill the browser once its records are
    written, before its files; return the phone launched again, where nothing opens yet."""
    page = phone.launch()
    start_restore(page)
    stop = pause_at(page, "js/formats/backup/restore.js", "await writeParts(")
    restore_backup(page, OLD_BACKUP)
    stop.wait(page)
    page = phone.kill()
    left = page.evaluate(STORED)
    assert left["records"] > 0 and not left["vault"], left  # what the kill left behind
    # The code chosen before the restore opens set-up again if it reached the disk; if not,
    # the start code does.
    has_code = page.evaluate("() => 'pin' in JSON.parse(localStorage.getItem('prefs') || '{}')")
    type_code(page, CODE if has_code else START_CODE)
    expect(page.get_by_role("heading", name="Set up your private diary")).to_be_visible()
    return page


def test_after_a_restore_killed_midway_a_new_diary_can_be_set_up(kept_phone: Phone):
    page = killed_midway_through_a_restore(kept_phone)
    choose_passphrase(page)
    page.get_by_role("button", name=PASSPHRASE_ALONE).click()
    diary_home(page)
    log_incident(page, "Rang the doorbell at midnight")
    assert len(shown_rows(page)) == 1, shown_rows(page)
    after = page.evaluate(SNAPSHOT)
    assert after["ok"], after["problems"]
    assert after["files"] == {}


def test_after_a_restore_killed_midway_another_backup_restores_whole(
    kept_phone: Phone, page: Page, tmp_path: Path
):
    # Another diary's backup, made on another phone.
    set_up_with_passphrase_only(page)
    log_incident(page, "Waited by the car park", date="2026-11-03")
    wanted = page.evaluate(SNAPSHOT)
    rows = shown_rows(page)
    backup = make_backup(page, tmp_path)

    here = killed_midway_through_a_restore(kept_phone)
    choose_disguise_and_code(here, begin="Restore from a backup file")
    expect(here.get_by_role("heading", name="Restore your diary")).to_be_visible()
    restore_backup(here, backup)
    diary_home(here)
    assert shown_rows(here) == rows
    restored = here.evaluate(SNAPSHOT)
    assert restored["ok"], restored["problems"]
    assert restored["events"] == wanted["events"] and restored["files"] == wanted["files"]
