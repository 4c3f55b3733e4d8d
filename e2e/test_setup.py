"""Set-up says where the person is ("Step 2 of 4") and lets them go back a step, keeping
what they chose; the diary is made once, at the last step, and there is no way back past it."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from e2e.journeys import (
    CODE,
    PASSPHRASE_ALONE,
    diary_home,
    expect_disguise,
    reveal,
    start,
    type_code,
    unlock_with_passphrase,
)
from e2e.stored import DIARY_ID, STORED
from e2e.support import Authenticator, wait_for_app

OTHER_CODE = "5821"


def at_step(page: Page, n: int, of: int, heading: str) -> None:
    expect(page.get_by_text(f"Step {n} of {of}", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_focused()


def back(page: Page) -> None:
    page.get_by_role("button", name="Back", exact=True).click()


def test_each_step_says_where_it_is_and_back_keeps_what_was_chosen(page: Page):
    start(page)
    expect(page.get_by_text("Step 1 of 4")).to_have_count(0)  # the welcome is not a step
    page.get_by_role("button", name="Start").click()
    at_step(page, 1, 4, "Choose how it looks")
    page.get_by_role("radio", name="Notes").check()
    page.get_by_role("button", name="Next").click()
    at_step(page, 2, 4, "Choose your secret code")
    page.get_by_label("Secret code (4 to 6 digits)").fill(CODE)
    page.get_by_label("The same code again").fill(CODE)
    page.get_by_role("button", name="Next").click()
    at_step(page, 3, 4, "Your recovery passphrase")
    words = page.locator(".passphrase").inner_text()

    # Back to the code: still there, typed twice.
    back(page)
    at_step(page, 2, 4, "Choose your secret code")
    expect(page.get_by_label("Secret code (4 to 6 digits)")).to_have_value(CODE)
    expect(page.get_by_label("The same code again")).to_have_value(CODE)
    # Back to the look: still the one chosen; change it, and the code on the way.
    back(page)
    at_step(page, 1, 4, "Choose how it looks")
    expect(page.get_by_role("radio", name="Notes")).to_be_checked()
    page.get_by_role("radio", name="Calculator").check()
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Secret code (4 to 6 digits)").fill(OTHER_CODE)
    page.get_by_label("The same code again").fill(OTHER_CODE)
    page.get_by_role("button", name="Next").click()
    # The words shown before come back, not new ones: they may be written down already.
    at_step(page, 3, 4, "Your recovery passphrase")
    expect(page.locator(".passphrase")).to_have_text(words)
    page.get_by_role("button", name="I have written it down").click()
    at_step(page, 3, 4, "Check your passphrase")
    back(page)
    expect(page.locator(".passphrase")).to_have_text(words)
    page.get_by_role("button", name="I have written it down").click()
    page.get_by_label("Type your passphrase").fill(words)
    page.get_by_role("button", name="Check", exact=True).click()

    # The last step says the diary is made there; back from it is still before that.
    at_step(page, 4, 4, "How will you open your diary?")
    expect(page.get_by_text("Your diary is made as soon as you choose.")).to_be_visible()
    assert page.evaluate(STORED)["vault"] is False
    back(page)
    expect(page.locator(".passphrase")).to_have_text(words)
    page.get_by_role("button", name="I have written it down").click()
    page.get_by_label("Type your passphrase").fill(words)
    page.get_by_role("button", name="Check", exact=True).click()
    page.get_by_role("button", name=PASSPHRASE_ALONE).click()
    diary_home(page)

    # What was chosen last is what was kept: the calculator and the second code.
    page.reload()
    wait_for_app(page)
    expect_disguise(page)
    type_code(page, CODE)
    expect_disguise(page)
    type_code(page, OTHER_CODE)
    expect(page.get_by_role("heading", name="Unlock", exact=True)).to_be_visible()
    unlock_with_passphrase(page, words)
    diary_home(page)


def test_a_chosen_passphrase_is_asked_again_and_the_restore_has_three_steps(page: Page):
    start(page)
    page.get_by_role("button", name="Start").click()
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Secret code (4 to 6 digits)").fill(CODE)
    page.get_by_label("The same code again").fill(CODE)
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="I'd rather choose my own").click()
    at_step(page, 3, 4, "Choose your passphrase")
    page.get_by_label("Your passphrase").fill("quiet harbour lantern meadow pebble")
    page.get_by_label("Type it again").fill("quiet harbour lantern meadow pebble")
    page.get_by_role("button", name="Use this passphrase").click()
    at_step(page, 4, 4, "How will you open your diary?")
    # Back to the person's own passphrase (never shown), to type again.
    back(page)
    at_step(page, 3, 4, "Choose your passphrase")
    expect(page.get_by_label("Your passphrase")).to_have_value("")
    # And back to the start: restoring has three steps, its last the backup file.
    back(page)
    back(page)
    back(page)
    expect(page.get_by_role("heading", name="Set up your private diary")).to_be_focused()
    page.get_by_role("button", name="Restore from a backup file").click()
    at_step(page, 1, 3, "Choose how it looks")
    page.get_by_role("button", name="Next").click()
    at_step(page, 2, 3, "Choose your secret code")
    expect(page.get_by_label("Secret code (4 to 6 digits)")).to_have_value(CODE)
    page.get_by_role("button", name="Next").click()
    at_step(page, 3, 3, "Restore your diary")
    back(page)
    at_step(page, 2, 3, "Choose your secret code")
    assert page.evaluate(STORED)["vault"] is False


def test_back_is_not_taken_while_the_diary_is_being_made(page: Page, passkey: Authenticator):
    start(page)
    page.get_by_role("button", name="Start").click()
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Secret code (4 to 6 digits)").fill(CODE)
    page.get_by_label("The same code again").fill(CODE)
    page.get_by_role("button", name="Next").click()
    words = page.locator(".passphrase").inner_text()
    page.get_by_role("button", name="I have written it down").click()
    page.get_by_label("Type your passphrase").fill(words)
    page.get_by_role("button", name="Check", exact=True).click()
    at_step(page, 4, 4, "How will you open your diary?")
    # Back tapped just after the passkey, while the diary is being made: it stays on this
    # step (nothing to go back to once the diary exists), and the diary opens once made.
    shown = page.evaluate(
        """async () => {
            const tap = (words) => [...document.querySelectorAll('#view button')]
                .find((b) => b.textContent === words).click();
            tap('Use fingerprint, face or screen lock');
            tap('Back');
            await new Promise((r) => setTimeout(r, 50));
            return document.querySelector('#view h1').textContent;
        }"""
    )
    assert shown == "How will you open your diary?"
    diary_home(page)
    page.wait_for_timeout(300)
    diary_home(page)
    assert len(passkey.credentials()) == 1
    made = page.evaluate(DIARY_ID)
    assert made
    page.reload()
    reveal(page)
    unlock_with_passphrase(page, words)
    diary_home(page)
    assert page.evaluate(DIARY_ID) == made
