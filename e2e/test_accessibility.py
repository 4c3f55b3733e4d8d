"""Everyone can use Cairn: every screen passes axe-core (WCAG 2.2 AA and best practice) in
light and dark, every control is at least 44 px, text at 200% loses nothing, and the
keyboard alone can log a complete incident."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from e2e.a11y import Screens
from e2e.journeys import (
    CODE,
    PASSPHRASE,
    PASSPHRASE_ALONE,
    START_CODE,
    add_files,
    choose_disguise_and_code,
    choose_passphrase,
    diary_home,
    image,
    log_incident,
    reopen,
    set_up_with_passphrase_only,
    start,
    type_code,
)
from e2e.support import NEUTRAL, Authenticator, neutral_sites, wait_for_app


@pytest.fixture
def screens(page: Page) -> Screens:
    return Screens(page)


@pytest.mark.parametrize("look", ["calculator", "notes", "converter", "timer"])
def test_each_disguise_passes(page: Page, screens: Screens, look: str):
    page.goto(f"/{look}/")
    wait_for_app(page)
    screens.check(look)
    screens.assert_clean()


def test_set_up_and_unlock_pass(page: Page, screens: Screens, passkey: Authenticator):
    # With a passkey to offer, the set-up step shows the whole choice.
    start(page)
    screens.check("set-up: what Cairn is", "Set up your private diary")
    page.get_by_role("button", name="What the disguise does not hide").click()
    screens.check("set-up: what the disguise does not hide")
    page.get_by_role("button", name="Back", exact=True).click()
    page.get_by_role("button", name="Start").click()
    screens.check("set-up: the disguise", "Choose how it looks")
    page.get_by_role("button", name="Next").click()
    screens.check("set-up: the code", "Choose your secret code")
    page.get_by_label("Secret code (4 to 6 digits)").fill("1111")
    page.get_by_label("The same code again").fill("1111")
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("alert")).not_to_be_empty()
    screens.check("set-up: the code, refused")
    page.get_by_label("Secret code (4 to 6 digits)").fill(CODE)
    page.get_by_label("The same code again").fill(CODE)
    page.get_by_role("button", name="Next").click()
    screens.check("set-up: the passphrase shown", "Your recovery passphrase")
    page.get_by_role("button", name="I'd rather choose my own").click()
    page.get_by_label("Your passphrase").fill(PASSPHRASE)
    screens.check("set-up: choosing a passphrase", "Choose your passphrase")
    page.get_by_role("button", name="Give me random words instead").click()
    words = page.locator(".passphrase").inner_text()
    page.get_by_role("button", name="I have written it down").click()
    page.get_by_label("Type your passphrase").fill("not what I wrote")
    page.get_by_role("button", name="Check", exact=True).click()
    expect(page.get_by_role("alert")).not_to_be_empty()
    screens.check("set-up: checking the passphrase, wrong", "Check your passphrase")
    page.get_by_label("Type your passphrase").fill(words)
    page.get_by_role("button", name="Check", exact=True).click()
    screens.check("set-up: the passkey", "How will you open your diary?")
    page.get_by_role("button", name=PASSPHRASE_ALONE).click()
    diary_home(page)

    reopen(page)
    screens.check("unlock", "Unlock")
    if page.get_by_role("button", name="Use my passphrase instead").is_visible():
        page.get_by_role("button", name="Use my passphrase instead").click()
    page.get_by_label("Recovery passphrase").fill("not my passphrase")
    page.get_by_role("button", name="Unlock", exact=True).click()
    expect(page.get_by_role("alert")).not_to_be_empty()
    screens.check("unlock: a wrong passphrase")
    screens.assert_clean()


def test_the_diary_screens_pass(page: Page, screens: Screens):
    set_up_with_passphrase_only(page)
    screens.check("diary, empty", "Your diary")
    log_incident(page, "A card on my car", behaviour="Letters, cards or notes", date="2026-11-02")
    page.get_by_role("button", name="Log an incident").click()
    page.get_by_label("What happened").fill("He was outside the gym again")
    for section in page.locator("form details").all():
        section.evaluate("(d) => { d.open = true; }")
    page.get_by_role("button", name="Add a witness").click()
    add_files(page, "Take a photo", [image("car.png")])
    page.get_by_label("Date", exact=True).fill("2099-01-01")
    page.get_by_role("button", name="Save incident").click()
    expect(page.get_by_role("alert")).to_contain_text("future")
    screens.check("logging, every part open, with an error")
    page.get_by_label("Date", exact=True).fill("2026-11-03")
    page.get_by_role("button", name="Save incident").click()
    screens.check("an incident", None)
    page.get_by_role("button", name="Edit").click()
    page.get_by_label("What happened").fill("He was outside the gym again, by the door")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_role("button", name="See earlier versions").click()
    page.locator(".versions summary").first.click()
    screens.check("earlier versions", None)
    page.get_by_role("button", name="Back", exact=True).click()
    page.get_by_role("button", name=re.compile("car.png")).click()
    expect(page.locator("dd.hash")).to_be_visible()
    screens.check("a file")
    page.get_by_role("button", name="Back", exact=True).click()
    page.get_by_role("button", name="Remove its words and files").click()
    screens.check("asking before withdrawing")
    page.get_by_role("button", name="No, keep it").click()
    expect(page.get_by_role("button", name="Remove its words and files")).to_be_focused()
    page.get_by_role("button", name="Back", exact=True).click()

    for words in ("Unfinished", "Unfinished as well"):
        page.get_by_role("button", name="Log an incident").click()
        page.get_by_label("What happened").fill(words)
        page.get_by_role("button", name="Back", exact=True).click()
    page.locator("summary", has_text="Filter").click()
    screens.check("the diary, with two unfinished entries and filters", "Your diary")
    page.get_by_role("button", name="Summary").click()
    screens.check("summary", "Summary")
    page.get_by_role("button", name="Make a report for the police").click()
    screens.check("making a report", "Make a report")
    page.get_by_role("button", name="Show the report").click()
    screens.check("the report", "Incident diary")
    page.get_by_role("button", name="Back", exact=True).click()
    page.get_by_role("button", name="Back", exact=True).click()
    page.get_by_role("button", name="Back", exact=True).click()
    page.get_by_role("button", name="People").click()
    screens.check("people", "People")
    page.get_by_role("button", name="Add a person").click()
    screens.check("describing a person")
    page.get_by_label("Name, or what you call them").fill("The man from the gym")
    page.get_by_role("button", name="Save").click()
    screens.check("a person", "The man from the gym")
    screens.assert_clean()


def test_help_checklist_and_settings_pass(page: Page, screens: Screens):
    set_up_with_passphrase_only(page)
    page.get_by_role("button", name="Get help").click()
    for guide in page.locator("details").all():
        guide.evaluate("(d) => { d.open = true; }")
    screens.check("help, every guide open", "Get help")
    page.get_by_role("button", name="Answer the risk checklist").click()
    screens.check("the risk checklist", "Risk checklist")
    for n in (1, 4, 6):
        question = page.get_by_role("group", name=re.compile(rf"^{n}\. "))
        question.get_by_role("radio", name="Yes").check()
    page.get_by_role("button", name="Save my answers").click()
    screens.check("answers saved", "Answers saved")
    page.get_by_role("button", name="See my answers").click()
    page.locator("summary", has_text="yes to 3 of 11").click()
    screens.check("the risk checklist, with earlier answers", "Risk checklist")
    page.get_by_role("button", name="Back", exact=True).click()
    page.get_by_role("button", name="Settings").click()
    screens.check("settings", "Settings")
    page.get_by_role("button", name="What the disguise does not hide").click()
    screens.check("what the disguise does not hide")
    page.get_by_role("button", name="Back", exact=True).click()
    page.get_by_role("button", name="Erase everything on this phone").click()
    expect(page.get_by_role("timer")).to_be_visible()
    screens.check("erasing: the countdown")
    page.get_by_role("button", name=re.compile("Stop")).click()
    expect(page.get_by_role("heading", name="Settings")).to_be_visible()
    screens.assert_clean()


def test_the_backup_screens_pass(page: Page, screens: Screens):
    set_up_with_passphrase_only(page)
    page.get_by_role("button", name="Settings").click()
    page.get_by_role("button", name="Backup file", exact=True).click()
    screens.check("the backup file", "Backup file")
    page.get_by_role("radio", name="A different passphrase").check()
    page.get_by_label("A passphrase for this file").fill("short")
    page.get_by_role("button", name="Make the backup file").locator("visible=true").click()
    expect(page.get_by_role("alert").filter(has_text="Too short")).to_be_visible()
    screens.check("the backup file, its own passphrase, with an error")
    page.get_by_role("button", name="Add entries from a backup").click()
    page.get_by_role("button", name="Add from this backup").click()
    expect(page.get_by_role("alert")).to_have_text("Choose the backup file first.")
    screens.check("adding entries from a backup, with an error", "Add entries from a backup")
    page.get_by_role("button", name="Back", exact=True).click()
    page.get_by_role("button", name="Back", exact=True).click()
    page.get_by_role("button", name="Erase everything on this phone").click()
    expect(page.locator(".calc")).to_be_visible(timeout=15_000)
    type_code(page, START_CODE)
    choose_disguise_and_code(page, None, begin="Restore from a backup file")
    page.get_by_role("button", name="Restore my diary").click()
    expect(page.get_by_role("alert")).to_have_text("Choose the backup file first.")
    screens.check("restoring from a backup, with an error", "Restore your diary")
    screens.assert_clean()


def tab_to(page: Page, name: str | re.Pattern, *, most: int = 80) -> None:
    """Press Tab until the focused control's accessible name matches, as a keyboard user does."""
    wanted = name if isinstance(name, re.Pattern) else re.compile(rf"^{re.escape(name)}$")
    seen = []
    for _ in range(most):
        page.keyboard.press("Tab")
        label = page.evaluate(
            """() => {
                const el = document.activeElement;
                if (!el || el === document.body) return '';
                const byLabel = el.labels && el.labels.length ? el.labels[0].textContent : '';
                const name = el.getAttribute('aria-label') || byLabel || el.textContent || '';
                return name.replace(/\\s+/g, ' ').trim();
            }"""
        )
        seen.append(label)
        if wanted.search(label):
            return
    raise AssertionError(f"Tab never reached {name!r}; passed: {seen[-25:]}")


def test_the_keyboard_alone_logs_a_complete_incident_and_finds_help(page: Page):
    start(page)
    choose_passphrase(page)
    page.get_by_role("button", name=PASSPHRASE_ALONE).click()
    diary_home(page)
    reopen(page)
    page.reload()
    wait_for_app(page)

    # The disguise takes the code from the keyboard; then only Tab, typing, Space and Enter.
    page.keyboard.type(CODE)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Unlock", exact=True)).to_be_focused()
    if page.get_by_role("button", name="Use my passphrase instead").is_visible():
        tab_to(page, "Use my passphrase instead")
        page.keyboard.press("Enter")
    tab_to(page, "Recovery passphrase")
    page.keyboard.type(PASSPHRASE)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Your diary", exact=True)).to_be_focused()

    tab_to(page, "Log an incident")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Log an incident")).to_be_focused()
    tab_to(page, "Date")
    page.keyboard.type("02112026")
    tab_to(page, "Time")
    page.keyboard.type("0830PM")
    tab_to(page, "The time is approximate")
    page.keyboard.press("Space")
    tab_to(page, "What happened")
    page.keyboard.type("He sat in his car opposite my house for an hour.")
    tab_to(page, "Following or watching me")
    page.keyboard.press("Space")
    tab_to(page, "Hanging around my home or work")
    page.keyboard.press("Space")
    tab_to(page, "Where it happened")
    page.keyboard.type("Outside my house, Leith Walk")
    tab_to(page, "Who did it")
    page.keyboard.press("Enter")
    tab_to(page, "Vehicle (make, model, colour)")
    page.keyboard.type("Silver Corsa")
    tab_to(page, "Registration")
    page.keyboard.type("SK19 XYZ")
    tab_to(page, "Witnesses")
    page.keyboard.press("Enter")
    tab_to(page, "Add a witness")
    page.keyboard.press("Enter")
    tab_to(page, re.compile("^Name"))
    page.keyboard.type("Mrs Patel next door")
    tab_to(page, "How it affected you")
    page.keyboard.press("Enter")
    tab_to(page, "Frightened")
    page.keyboard.press("Space")
    tab_to(page, "Police")
    page.keyboard.press("Enter")
    tab_to(page, "Yes")  # the first answer to "Did you report it to the police?"
    page.keyboard.press("Space")
    tab_to(page, "Officer's name")
    page.keyboard.type("PC Smith")
    tab_to(page, "Crime reference number")
    page.keyboard.type("CR/2026/1234")
    tab_to(page, "Save incident")
    page.keyboard.press("Enter")

    heading = page.get_by_role("heading", name=re.compile("^Incident,"))
    expect(heading).to_be_focused()
    view = page.locator("#view")
    for text in (
        "He sat in his car opposite my house for an hour.",
        "Following or watching me",
        "Hanging around my home or work",
        "Outside my house, Leith Walk",
        "Silver Corsa",
        "SK19 XYZ",
        "Mrs Patel next door",
        "Frightened",
        "PC Smith",
        "CR/2026/1234",
        "about 20:30",
    ):
        expect(view).to_contain_text(text)

    # And help is found the same way.
    tab_to(page, "Back")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Your diary", exact=True)).to_be_focused()
    tab_to(page, "Get help")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Get help", exact=True)).to_be_focused()
    tab_to(page, "Call 999, Police, emergency")


def test_a_question_on_screen_never_blocks_quick_exit(page: Page, phone: BrowserContext):
    neutral_sites(phone)
    set_up_with_passphrase_only(page)
    log_incident(page, "Something to withdraw later")
    page.locator(".incident-row").first.click()
    page.get_by_role("button", name="Remove its words and files").click()
    expect(page.get_by_role("button", name="No, keep it")).to_be_focused()
    page.keyboard.press("Shift")
    page.keyboard.press("Shift")
    with page.expect_navigation(url=NEUTRAL):
        page.keyboard.press("Shift")
    expect(page).to_have_title("Weather")


def test_dark_theme_and_reduced_motion_are_respected(page: Page):
    set_up_with_passphrase_only(page)
    background = "() => getComputedStyle(document.body).backgroundColor"
    press = "() => getComputedStyle(document.querySelector('.button')).transitionDuration"
    page.emulate_media(color_scheme="light", reduced_motion="no-preference")
    light = page.evaluate(background)
    assert page.evaluate(press) != "0s"
    page.emulate_media(color_scheme="dark", reduced_motion="reduce")
    assert page.evaluate(background) != light
    assert page.evaluate(press) == "0s"


def test_nothing_is_said_by_colour_alone(page: Page):
    """A chosen chip shows a tick as well as its colour; what a tick means is not spoken twice."""
    set_up_with_passphrase_only(page)
    page.get_by_role("button", name="Log an incident").click()
    chip = page.get_by_label("Text messages")
    chip.check()
    tick = chip.evaluate("(el) => getComputedStyle(el.nextElementSibling, '::before').content")
    assert "✓" in tick
    expect(page.get_by_role("checkbox", name="Text messages", exact=True)).to_be_checked()
