"""A message, call or post recorded the way the police ask for it
(`pwa/js/views/message-fields.js`): the app or site, the sender's account, the link and when
it was sent, shown only for those kinds, and carried into the report, the table (CSV) and
the evidence bundle; entries from before these were kept still read, report and verify."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from e2e.a11y import Screens
from e2e.exports import pdf_text, run_verify, squash
from e2e.journeys import diary_home, download_bundle, set_up_with_passphrase_only

PLATFORM = "Instagram"
SENDER = "@quiet.watcher_88"
LINK = "https://www.instagram.com/p/Cx12AbC/"
SEEN = "He sent a photo of my street with a laughing face"
OLD = "An older entry, from before the message details were kept"

# An incident as an earlier version of Cairn recorded it: its fields have no `online`.
RECORD_AN_OLD_ENTRY = """async (what) => {
    const model = await import('/js/diary/model.js');
    const { online, ...fields } = model.emptyIncident(new Date('2026-11-01T09:30'));
    await model.recordIncident({ ...fields, what, behaviours: ['texts'] });
}"""


def message_fields(page: Page):
    return page.get_by_role("group", name="The message, call or post")


def log_a_message(page: Page) -> None:
    page.get_by_role("button", name="Log an incident").click()
    # Seen in the morning; sent the night before.
    page.get_by_label("Date", exact=True).fill("2026-11-14")
    page.get_by_label("Time", exact=True).fill("07:10")
    page.get_by_label("What happened").fill(SEEN)
    page.get_by_label("Social media or online messages").check()
    page.get_by_label("App, site or service").fill(PLATFORM)
    page.get_by_label("Their account, username, number or email").fill(SENDER)
    page.get_by_label("Link to the message, post or profile").fill(LINK)
    page.get_by_label("Date it was sent").fill("2026-11-13")
    page.get_by_label("Time it was sent").fill("23:52")
    page.get_by_role("button", name="Save incident").click()
    expect(page.get_by_role("heading", name=re.compile("^Incident,"))).to_be_visible()


def test_the_message_fields_show_only_for_messages_calls_and_posts(page: Page):
    set_up_with_passphrase_only(page)
    page.get_by_role("button", name="Log an incident").click()
    expect(message_fields(page)).to_be_hidden()
    page.get_by_label("Driving past").check()
    expect(message_fields(page)).to_be_hidden()
    expect(page.get_by_label("App, site or service")).to_be_hidden()
    for kind in [
        "Phone calls (or silent calls)",
        "Text messages",
        "Emails",
        "Social media or online messages",
    ]:
        page.get_by_label(kind).check()
        expect(message_fields(page)).to_be_visible()
        # What to do before blocking or reporting, from the guidance.
        steps = page.get_by_role("list", name="Before you block or report them")
        expect(steps).to_contain_text("screenshot that shows their account name or number")
        expect(steps).to_contain_text("Do not reply")
        page.get_by_label(kind).uncheck()
        expect(message_fields(page)).to_be_hidden()
    page.get_by_label("Emails").check()
    screens = Screens(page)
    # The colours as they end, not halfway through the chips' short transition on a busy machine.
    page.emulate_media(reduced_motion="reduce")
    screens.check("logging, with a message's details", "Log an incident")
    screens.assert_clean()
    page.get_by_label("Emails").uncheck()

    # Typed, then the kind taken away: the entry keeps no message details.
    page.get_by_label("Text messages").check()
    page.get_by_label("App, site or service").fill(PLATFORM)
    page.get_by_label("Text messages").uncheck()
    page.get_by_label("What happened").fill("His car went past the house twice")
    page.get_by_role("button", name="Save incident").click()
    expect(page.get_by_role("heading", name=re.compile("^Incident,"))).to_be_visible()
    expect(page.get_by_text("His car went past the house twice")).to_be_visible()
    expect(page.get_by_text("App, site or service")).to_have_count(0)
    expect(page.get_by_text(PLATFORM)).to_have_count(0)


def test_the_report_table_and_bundle_carry_the_messages_details_and_old_entries_still_read(
    page: Page, tmp_path: Path
):
    set_up_with_passphrase_only(page)
    page.evaluate(RECORD_AN_OLD_ENTRY, OLD)
    log_a_message(page)
    # The incident's own page shows them.
    for words in [PLATFORM, SENDER, LINK, "When it was sent"]:
        expect(page.locator(".details")).to_contain_text(words)
    page.get_by_role("button", name="Back", exact=True).click()
    diary_home(page)
    # Found by the sender's handle.
    page.get_by_label("Search everything you wrote").fill("watcher_88")
    expect(page.locator(".incident-row")).to_have_count(1)
    expect(page.locator(".incident-row")).to_contain_text(SEEN)
    page.get_by_label("Search everything you wrote").fill("")

    page.get_by_role("button", name="Summary").click()
    page.get_by_role("button", name="Make a report for the police").click()
    page.get_by_role("button", name="Make a table (CSV)").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Make the table").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text("utf-8-sig"))))
    assert [row["What happened"] for row in rows] == [OLD, SEEN]
    old, message = rows
    assert message["App, site or service"] == PLATFORM
    # A cell starting with "@" (or "+", as a phone number can) is kept from being read as a
    # formula, as every cell is.
    assert message["Sender's account or number"] == f"'{SENDER}"
    assert message["Link"] == LINK
    assert (message["Date sent"], message["Time sent"]) == ("2026-11-13", "23:52")
    assert (message["Date"], message["Time"]) == ("2026-11-14", "07:10")
    assert old["App, site or service"] == old["Link"] == old["Date sent"] == ""
    assert old["Kinds"] == "Text messages"

    page.get_by_role("button", name="Show the report").click()
    expect(page.get_by_role("heading", name="Incident diary")).to_be_visible()
    text = squash(pdf_text(page))
    for words in [
        f"App, site or service {PLATFORM}",
        SENDER,
        LINK,
        OLD,
    ]:
        assert words in text, words
    # When it was seen and when it was sent, apart (in the phone's own date format).
    assert re.search(r"When it happened \w+,? (14 Nov|Nov 14),? 2026, 07:10", text)
    assert re.search(r"When it was sent \w+,? (13 Nov|Nov 13),? 2026, 23:52", text)
    # The old entry has no such rows, and reads as it did.
    assert text.count("App, site or service") == 1

    bundle = download_bundle(page, tmp_path)
    checked = run_verify(bundle)
    assert checked.returncode == 0, checked.stdout + checked.stderr


# An unfinished entry as an earlier version kept it: no `online` in its fields.
KEEP_AN_OLD_DRAFT = """async (what) => {
    const model = await import('/js/diary/model.js');
    const records = await import('/js/vault/records.js');
    const { online, ...fields } = model.emptyIncident();
    await records.put('draft', 'draft-new', {
        target: 'new', fields: { ...fields, what, behaviours: ['texts'] }, person: null,
        evidence: [], saved: Date.now() });
}"""


def test_an_unfinished_entry_from_before_carries_on_with_the_message_fields_empty(page: Page):
    set_up_with_passphrase_only(page)
    page.evaluate(KEEP_AN_OLD_DRAFT, OLD)
    page.get_by_role("button", name="Settings").click()
    page.get_by_role("button", name="Back", exact=True).click()
    page.get_by_role("region", name="Unfinished entry").get_by_role(
        "button", name="Carry on"
    ).click()
    expect(page.get_by_label("What happened")).to_have_value(OLD)
    expect(message_fields(page)).to_be_visible()
    expect(page.get_by_label("App, site or service")).to_have_value("")
    page.get_by_label("App, site or service").fill("Text message")
    page.get_by_role("button", name="Save incident").click()
    expect(page.locator(".details")).to_contain_text("App, site or service")
    expect(page.locator(".details")).to_contain_text("Text message")
