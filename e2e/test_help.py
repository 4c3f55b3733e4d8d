"""Get help and the risk checklist, as a person uses them: inside the diary, offline too."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from e2e.journeys import (
    diary_home,
    reopen,
    reopened_offline,
    set_up_with_passphrase_only,
    unlock_with_passphrase,
)
from e2e.support import wait_for_worker

ROOT = Path(__file__).resolve().parents[1]
TABLE = ROOT / "docs" / "helplines.md"
# The project's guidance notes, beside the repository on a developer's machine.
GUIDANCE = ROOT.parent / "shared" / "GUIDANCE.md"
ROW = re.compile(r"^\| ([^|]+?) \| ([^|]+?) \| ([^|]+?) \|$", re.M)
# Northern Ireland's lines, each with the official page it was copied from.
CITED_ROW = re.compile(r"^\| ([^|]+?) \| ([^|]+?) \| ([^|]+?) \| (https://[^|]+?) \|$", re.M)


def published_numbers() -> dict[str, str]:
    """Every helpline with a number in docs/helplines.md: name → number as published."""
    text = TABLE.read_text()
    rows = {name: number for name, number, _ in ROW.findall(text) if number[0].isdigit()}
    assert len(rows) >= 8, "the helpline table in docs/helplines.md was not found"
    cited = {name: number for name, number, *_ in CITED_ROW.findall(text) if number[0].isdigit()}
    assert cited, "Northern Ireland's table in docs/helplines.md was not found"
    return rows | cited


def test_every_line_for_northern_ireland_names_an_official_page():
    rows = CITED_ROW.findall(TABLE.read_text())
    assert {name for name, *_ in rows} >= {
        "Domestic and Sexual Abuse Helpline (Northern Ireland)",
        "Victim Support NI",
    }
    official = re.compile(
        r"^https://www\.(psni\.police\.uk|[a-z-]+\.gov\.uk|victimsupportni\.com|womensaidni\.org)/"
    )
    for name, _, _, sources in rows:
        for source in sources.split(", "):
            assert official.match(source), (name, source)


@pytest.mark.skipif(not GUIDANCE.exists(), reason="the guidance notes are not beside this checkout")
def test_the_helpline_table_is_the_guidance_notes_own():
    assert ROW.findall(TABLE.read_text()) == ROW.findall(
        GUIDANCE.read_text().split("## Where to get help")[1]
    )


def open_help(page: Page) -> None:
    page.get_by_role("button", name="Get help").click()
    expect(page.get_by_role("heading", name="Get help", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Get help", exact=True)).to_be_focused()


def test_every_number_in_help_is_the_published_one_and_taps_to_call(page: Page):
    set_up_with_passphrase_only(page)
    open_help(page)
    links = page.locator("#view a[href^='tel:']")
    shown = {
        (
            links.nth(i).inner_text(),
            links.nth(i).get_attribute("href"),
            links.nth(i).get_attribute("aria-label"),
        )
        for i in range(links.count())
    }
    published = published_numbers()
    # Every published number is there, exactly as published, with a tel: link of its digits.
    for name, number in published.items():
        matches = [s for s in shown if s[0] == f"Call {number}"]
        assert matches, f"{name}: {number} is not in Get help"
        for _, href, label in matches:
            assert href == "tel:" + number.replace(" ", ""), (name, href)
            assert label.startswith(f"Call {number}, "), label
    # And nothing else: no number that is not in the published list.
    assert {s[0].removeprefix("Call ") for s in shown} == set(published.values())
    # Each charity's number sits under its own name.
    for name, number in published.items():
        if name.startswith("Police"):
            continue
        heading = re.sub(r" \(.*\)$", "", name)  # "National Stalking Helpline (UK)"
        item = page.locator(".helpline").filter(
            has=page.get_by_role("heading", name=heading, exact=True)
        )
        expect(item.get_by_role("link", name=re.compile(re.escape(number)))).to_have_count(1)
    # 999 comes first: it is the first call link on the page.
    assert links.first.get_attribute("href") == "tel:999"
    # Grouped by nation.
    for nation in ("Anywhere in the UK", "Scotland", "Northern Ireland", "England and Wales"):
        expect(page.get_by_role("heading", name=nation, exact=True)).to_be_visible()
    # Opening hours where known, as published.
    expect(page.get_by_text("6pm to midnight, 7 days a week")).to_be_visible()
    expect(page.get_by_text("Open 24 hours a day, every day of the year.")).to_be_visible()
    expect(
        page.get_by_text(
            "Monday 2pm to 5pm, Tuesday 6pm to 8pm, Wednesday 11am to 2pm, Friday 10am to 1pm"
        )
    ).to_be_visible()


def test_the_guides_open_and_say_what_matters(page: Page):
    set_up_with_passphrase_only(page)
    open_help(page)
    page.locator("summary", has_text="Why every small thing counts").click()
    expect(page.get_by_text("two or more incidents")).to_be_visible()
    page.locator("summary", has_text="Reporting to the police").click()
    expect(page.locator("#guide-report")).to_contain_text("ask for the crime reference number")
    page.locator("summary", has_text="What to write down").click()
    expect(page.locator("#guide-record")).to_contain_text("content for a court to read")
    page.locator("summary", has_text="Civil orders in Scotland").click()
    expect(page.get_by_text("non-harassment order")).to_be_visible()
    page.get_by_role("button", name="Back", exact=True).click()
    diary_home(page)


def test_help_says_how_to_get_a_photo_in_on_each_phone_and_delete_the_original(page: Page):
    set_up_with_passphrase_only(page)
    open_help(page)
    page.locator("summary", has_text="Getting a screenshot or photo in quickly").click()
    guide = page.locator("#guide-quick")
    # Android: the share sheet, under the disguise's name.
    expect(guide).to_contain_text("tap Share and choose the app on your home screen")
    # iPhone: no share target, so the file picker, from the disguise or inside the diary.
    expect(guide).to_contain_text("the Share button cannot send anything")
    expect(guide.get_by_text("Choose a file or screenshot")).to_be_visible()
    expect(guide.get_by_text("Add screenshots or files")).to_be_visible()
    # And the original deleted from the photo library, its bin too, on both.
    expect(guide.get_by_text("then open Recently Deleted")).to_be_visible()
    expect(guide.get_by_text("in Google Photos: touch and hold the photo")).to_be_visible()
    expect(guide.get_by_text("Recycle bin")).to_be_visible()


def test_help_opens_offline(page: Page, phone: BrowserContext):
    set_up_with_passphrase_only(page)
    wait_for_worker(page)
    with reopened_offline(page, phone):
        open_help(page)
        expect(
            page.get_by_role("link", name="Call 0808 802 0300, National Stalking Helpline").first
        ).to_be_visible()
        page.locator("summary", has_text="Staying safe").click()
        expect(page.get_by_text("Do not reply to them")).to_be_visible()


def test_the_incident_form_gives_short_hints_from_the_guidance(page: Page):
    set_up_with_passphrase_only(page)
    page.get_by_role("button", name="Log an incident").click()
    expect(
        page.get_by_text("Write only what you would be content for a court to read")
    ).to_be_visible()
    expect(page.get_by_text("Screenshot messages before they can be deleted")).to_be_visible()


def answer(page: Page, number: int, choice: str, note: str = "") -> None:
    group = page.get_by_role("group", name=re.compile(rf"^{number}\. "))
    group.get_by_role("radio", name=choice, exact=True).check()
    if note:
        page.get_by_label(f"A note on question {number} (if you want)").fill(note)


def test_the_checklist_is_kept_survives_lock_and_reload_and_shows_its_history(page: Page):
    set_up_with_passphrase_only(page)
    page.get_by_role("button", name="Risk checklist").click()
    expect(page.get_by_role("heading", name="Risk checklist", exact=True)).to_be_focused()
    expect(page.get_by_role("group", name=re.compile(r"^\d+\. "))).to_have_count(11)
    answer(page, 1, "Yes", "Since he turned up at work")
    answer(page, 2, "Don't know")
    answer(page, 3, "No")
    # Half way through, the phone locks: the answers so far are kept, encrypted.
    page.evaluate("async () => (await import('/js/vault/keys.js')).lock()")
    unlock_with_passphrase(page)
    diary_home(page)
    # The diary's first screen lists unfinished incidents only.
    expect(page.get_by_text("You have an unfinished entry")).to_have_count(0)
    page.get_by_role("button", name="Risk checklist").click()
    expect(page.get_by_text("Your unfinished answers were kept")).to_be_visible()
    group = page.get_by_role("group", name=re.compile(r"^1\. "))
    expect(group.get_by_role("radio", name="Yes", exact=True)).to_be_checked()
    expect(page.get_by_label("A note on question 1 (if you want)")).to_have_value(
        "Since he turned up at work"
    )
    answer(page, 5, "Yes")
    answer(page, 6, "Yes")
    page.get_by_role("button", name="Save my answers").click()
    expect(page.get_by_role("heading", name="Answers saved")).to_be_focused()
    expect(page.get_by_text("You answered yes to 3 of the 11 questions.")).to_be_visible()
    # Several yes: where to get help now.
    help_now = page.get_by_role("region", name="Help now")
    expect(help_now.get_by_role("link", name=re.compile("999"))).to_be_visible()
    page.get_by_role("button", name="Back to your diary").click()
    diary_home(page)

    # Kept as one diary event (encrypted like every event: e2e/test_vault_leaks.py).
    stored = page.evaluate(
        """async () => {
            const log = await import('/js/diary/log.js');
            return (await log.events()).filter((e) => e.type === 'checklist.answered').length;
        }"""
    )
    assert stored == 1

    reopen(page)
    unlock_with_passphrase(page)
    page.get_by_role("button", name="Risk checklist").click()
    expect(page.get_by_text("Your unfinished answers were kept")).to_have_count(0)
    earlier = page.locator("summary", has_text="yes to 3 of 11")
    expect(earlier).to_have_count(1)
    earlier.click()
    details = page.locator("details[open] dl")
    expect(details).to_contain_text("1. Are you very frightened?")
    expect(details).to_contain_text("Yes. Since he turned up at work")
    expect(details).to_contain_text("Don't know")
    expect(details).to_contain_text("Not answered")

    # Answered again: both are kept, newest first.
    answer(page, 1, "No")
    page.get_by_role("button", name="Save my answers").click()
    expect(page.get_by_text("You answered yes to 0 of the 11 questions.")).to_be_visible()
    expect(page.get_by_role("region", name="Help now")).to_have_count(0)
    page.get_by_role("button", name="See my answers").click()
    summaries = page.locator("summary", has_text=re.compile(r"yes to \d+ of 11"))
    expect(summaries).to_have_count(2)
    expect(summaries.first).to_contain_text("yes to 0 of 11")


def test_an_empty_checklist_is_not_saved_and_says_why(page: Page):
    set_up_with_passphrase_only(page)
    page.get_by_role("button", name="Risk checklist").click()
    page.get_by_role("button", name="Save my answers").click()
    expect(page.get_by_role("alert")).to_contain_text("Answer at least one question first.")
