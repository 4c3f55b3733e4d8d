"""The phone killed at the worst moment (issue 19): a real profile, its browser killed with
SIGKILL (nothing closed or written out first), then launched again on the same profile.
Just after set-up, the disguise and code are still there."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, Playwright, expect

from e2e.journeys import (
    CODE,
    PASSPHRASE_ALONE,
    choose_passphrase,
    diary_home,
    start,
    unlock_with_passphrase,
)
from e2e.support import LiveServer, installed_phone, kill_browser, wait_for_app


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
