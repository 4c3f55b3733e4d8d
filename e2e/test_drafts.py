"""Unfinished entries (`pwa/js/diary/drafts.js`) when more than one form is open, and when
the browser dies as an entry is saved: nothing typed is lost, and nothing saved is offered
again. Phone-sized Chromium, two tabs of one phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from e2e.journeys import (
    another_tab,
    diary_home,
    set_up_with_passphrase_only,
    start_entry,
    unlock_with_passphrase,
)
from e2e.stored import CUT_OFF_AT_SAVE
from e2e.support import until

IN_A = "Tab A: he waited outside my work until six"
IN_B = "Tab B: a parcel came that I did not order"
LOCK = "async () => (await import('/js/vault/keys.js')).lock()"


def unfinished(page: Page):
    return page.get_by_role("region", name="Unfinished entry")


def saved_rows(page: Page, what: str):
    return page.locator(".incident-row", has_text=what)


@pytest.mark.parametrize("how", ["locked", "closed"])
def test_two_tabs_keep_their_own_words_and_a_save_in_one_loses_nothing_of_the_other(
    page: Page, phone: BrowserContext, how: str
):
    set_up_with_passphrase_only(page)
    tab_b = another_tab(phone)
    start_entry(page, IN_A)
    start_entry(tab_b, IN_B)
    page.get_by_role("button", name="Save incident").click()
    expect(page.get_by_role("heading", name=re.compile("^Incident,"))).to_be_visible()
    if how == "locked":
        # Tab B locks (idle, hidden, or Lock now) with its words unsaved, and is unlocked.
        tab_b.evaluate(LOCK)
        unlock_with_passphrase(tab_b)
        home = tab_b
    else:
        # Tab B is closed (or dies) without saving; the diary is opened in tab A.
        tab_b.close()
        page.get_by_role("button", name="Back", exact=True).click()
        home = page
    diary_home(home)
    # Tab B's words are offered, once; tab A's were saved and are not.
    expect(unfinished(home)).to_have_count(1)
    expect(unfinished(home)).to_contain_text(IN_B)
    expect(saved_rows(home, IN_A)).to_have_count(1)
    unfinished(home).get_by_role("button", name="Carry on").click()
    expect(home.get_by_label("What happened")).to_have_value(IN_B)


def test_every_unfinished_entry_is_offered_newest_first_with_its_first_words(
    page: Page, phone: BrowserContext
):
    set_up_with_passphrase_only(page)
    tab_b = another_tab(phone)
    start_entry(page, IN_A)
    start_entry(tab_b, IN_B)
    tab_b.close()
    page.evaluate(LOCK)
    unlock_with_passphrase(page)
    diary_home(page)
    expect(page.get_by_text("You have 2 unfinished entries, the newest first.")).to_be_visible()
    # Tab A was written last (again as it locked): it comes first.
    expect(unfinished(page)).to_have_count(2)
    expect(unfinished(page).nth(0)).to_contain_text(IN_A)
    expect(unfinished(page).nth(1)).to_contain_text(IN_B)
    # Each carries on its own words; leaving one keeps it, without touching the other.
    unfinished(page).nth(1).get_by_role("button", name="Carry on").click()
    expect(page.get_by_label("What happened")).to_have_value(IN_B)
    page.get_by_label("What happened").press_sequentially(", again")
    page.get_by_role("button", name="Back", exact=True).click()
    diary_home(page)
    expect(unfinished(page)).to_have_count(2)
    expect(unfinished(page).nth(0)).to_contain_text(f"{IN_B}, again")
    expect(unfinished(page).nth(1)).to_contain_text(IN_A)


@pytest.mark.parametrize("when", ["before", "after"], ids=["killed-before", "killed-after"])
def test_a_kill_as_an_entry_is_saved_leaves_the_entry_or_its_draft_never_both(
    page: Page, phone: BrowserContext, when: str
):
    set_up_with_passphrase_only(page)
    start_entry(page, IN_A)
    page.evaluate(CUT_OFF_AT_SAVE, when)
    page.get_by_role("button", name="Save incident").click()
    until(page, "() => window.__cutOff === true")
    page.wait_for_timeout(300)  # whatever the app would have written next, it could not
    page.close()

    relaunched = phone.new_page()
    relaunched.goto("/")
    unlock_with_passphrase(relaunched)
    diary_home(relaunched)
    if when == "before":
        # Nothing was recorded: the words are offered, and nothing is lost.
        expect(saved_rows(relaunched, IN_A)).to_have_count(0)
        expect(unfinished(relaunched)).to_have_count(1)
        unfinished(relaunched).get_by_role("button", name="Carry on").click()
        expect(relaunched.get_by_label("What happened")).to_have_value(IN_A)
    else:
        # Recorded: the entry is there, once, and no draft offers it again.
        expect(saved_rows(relaunched, IN_A)).to_have_count(1)
        expect(relaunched.get_by_text("unfinished entr")).to_have_count(0)
