"""Passkeys only where they can work: a phone that cannot make one is never asked to. In a
phone-sized Chromium, where a page with no virtual authenticator has no platform
authenticator and one with add_authenticator() has one."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect

from e2e.journeys import (
    choose_passphrase,
    diary_home,
    reveal,
    set_up_with_passkey,
    start,
    unlock_with_passphrase,
)
from e2e.support import (
    Authenticator,
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
