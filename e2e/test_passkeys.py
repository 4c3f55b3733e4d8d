"""Passkeys only where they can work: a phone that cannot make one is never asked to, and a
restored phone leads with the passphrase until it has a passkey of its own. In a
phone-sized Chromium, where a page with no virtual authenticator has no platform
authenticator and one with add_authenticator() has one."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect

from e2e.journeys import (
    choose_passphrase,
    diary_home,
    log_incident,
    make_backup,
    restore_backup,
    reveal,
    set_up_with_passkey,
    start,
    start_restore,
    unlock_with_passphrase,
)
from e2e.support import (
    Authenticator,
    LiveServer,
    add_authenticator,
    new_phone,
    note_passkey_ceremonies,
    passkey_ceremonies,
)

# How the browser answers "can this phone make a passkey?", with no platform authenticator.
ANSWERS = {
    # getClientCapabilities(), as this Chromium has it
    "capabilities": "",
    # a browser from before getClientCapabilities(): isUserVerifyingPlatformAuthenticatorAvailable()
    "older": "delete PublicKeyCredential.getClientCapabilities;",
    # a browser that never answers: the screen must not wait for it
    "silent": """
        const never = () => new Promise(() => {});
        PublicKeyCredential.getClientCapabilities = never;
        PublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable = never;
    """,
}
SECONDARY = re.compile(r"\bsecondary\b")


def open_settings(page: Page) -> None:
    page.get_by_role("button", name="Settings").click()
    expect(page.get_by_role("heading", name="Settings")).to_be_visible()


def lock_and_reveal(page: Page) -> None:
    """Back to the diary's home, lock, and the code leads to the unlock."""
    page.get_by_role("button", name="Back", exact=True).click()
    diary_home(page)
    page.get_by_role("button", name="Lock now").click()
    reveal(page)


def buttons(page: Page) -> list[str]:
    """The screen's visible buttons, top to bottom."""
    return [b.inner_text() for b in page.locator("#view button:visible").all()]


@pytest.fixture(scope="module")
def passkey_backup(
    playwright: Playwright, browser: Browser, live_server: LiveServer, tmp_path_factory
) -> Path:
    """A backup file of a diary set up with a passkey, on a phone of its own."""
    context = new_phone(playwright, browser, live_server)
    try:
        page = context.new_page()
        add_authenticator(page, prf=True)
        set_up_with_passkey(page)
        log_incident(page, "Followed from the station")
        return make_backup(page, tmp_path_factory.mktemp("backup"))
    finally:
        context.close()


@pytest.mark.parametrize("answer", ANSWERS)
def test_a_phone_that_cannot_make_a_passkey_leads_with_the_passphrase_and_is_never_asked(
    page: Page, answer: str
):
    note_passkey_ceremonies(page)
    if ANSWERS[answer]:
        page.add_init_script(ANSWERS[answer])
    start(page)
    began = time.monotonic()
    choose_passphrase(page)
    assert time.monotonic() - began < 10  # a browser that never answers is not waited for
    expect(page.get_by_role("button", name="Use fingerprint, face or screen lock")).to_have_count(0)
    main = page.get_by_role("button", name="Continue with my passphrase")
    expect(main).not_to_have_class(SECONDARY)
    expect(page.get_by_text("can't make a passkey")).to_be_visible()
    main.click()
    diary_home(page)

    # Settings offer no passkey to add, nor a server copy that would sign in with one.
    open_settings(page)
    expect(page.get_by_role("button", name=re.compile("passkey$"))).to_have_count(0)
    expect(page.get_by_role("button", name="Keep an encrypted copy on the server")).to_be_hidden()
    expect(page.get_by_text("can't make a passkey")).to_be_visible()
    expect(page.get_by_text("The server copy signs in with a passkey")).to_be_visible()
    lock_and_reveal(page)
    expect(page.get_by_label("Recovery passphrase")).to_be_visible()
    unlock_with_passphrase(page)
    diary_home(page)
    assert passkey_ceremonies(page) == []


def test_an_older_browser_still_offers_the_passkey_it_can_make(page: Page, passkey: Authenticator):
    """Without getClientCapabilities(), the platform authenticator is asked the older way."""
    page.add_init_script(ANSWERS["older"])
    set_up_with_passkey(page)
    assert len(passkey.credentials()) == 1
    page.get_by_role("button", name="Lock now").click()
    reveal(page)
    page.get_by_role("button", name="Unlock with passkey").click()
    diary_home(page)


def test_a_restored_phone_leads_with_the_passphrase_and_names_the_passkey_as_another_phones(
    page: Page, passkey: Authenticator, passkey_backup: Path
):
    # This phone can make passkeys (it has its own authenticator), but the backup's passkey
    # was made on the other phone and is not here.
    note_passkey_ceremonies(page)
    start_restore(page)
    restore_backup(page, passkey_backup)
    diary_home(page)
    open_settings(page)
    expect(page.get_by_text(re.compile(r"^A passkey from another phone, added "))).to_be_visible()
    expect(page.get_by_text("This phone's passkey")).to_have_count(0)
    expect(page.get_by_role("button", name="Add a passkey", exact=True)).to_be_visible()

    lock_and_reveal(page)
    expect(page.get_by_label("Recovery passphrase")).to_be_visible()
    expect(page.get_by_role("button", name="Use my passphrase instead")).to_have_count(0)
    # The passkey is still offered (one synced to this phone would work), below, as a second
    # choice, and said to be another phone's.
    passkey_button = page.get_by_role("button", name="Unlock with passkey")
    expect(passkey_button).to_have_class(SECONDARY)
    assert buttons(page)[:2] == ["Unlock", "Unlock with passkey"]
    expect(page.get_by_text("Your passkey is from another phone")).to_be_visible()
    unlock_with_passphrase(page)
    diary_home(page)
    assert passkey_ceremonies(page) == []  # nothing was asked of a passkey not here
    assert passkey.credentials() == []


def test_a_passkey_made_on_this_phone_is_offered_first(
    page: Page, passkey: Authenticator, passkey_backup: Path
):
    start_restore(page)
    restore_backup(page, passkey_backup)
    diary_home(page)
    open_settings(page)
    page.get_by_role("button", name=re.compile("^Add (a|another) passkey$")).click()
    expect(page.get_by_text(re.compile(r"^This phone's passkey, added "))).to_be_visible()
    expect(page.get_by_text(re.compile(r"^A passkey from another phone, added "))).to_be_visible()
    assert len(passkey.credentials()) == 1

    lock_and_reveal(page)
    passkey_button = page.get_by_role("button", name="Unlock with passkey")
    expect(passkey_button).not_to_have_class(SECONDARY)
    assert buttons(page)[0] == "Unlock with passkey"
    expect(page.get_by_label("Recovery passphrase")).to_be_hidden()
    expect(page.get_by_role("button", name="Use my passphrase instead")).to_be_visible()
    passkey_button.click()
    diary_home(page)
