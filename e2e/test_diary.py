"""The diary as a person uses it: log an incident with everything, find it, open it, edit it,
check the record, keep a draft, work offline, and link people. Phone-sized Chromium."""

from __future__ import annotations

import hashlib
import os
import re

from playwright.sync_api import BrowserContext, Page, expect

from e2e.journeys import (
    PHOTO,
    SCREENSHOT,
    add_files,
    diary_home,
    fill_everything,
    image,
    log_incident,
    open_section,
    reopened_offline,
    set_up_with_passphrase_only,
    shown_rows,
    unlock_with_passphrase,
)
from e2e.support import storage_quota, until, wait_for_app, wait_for_worker

LOADS = """(u) => new Promise((resolve) => {
    const img = new Image();
    img.onload = () => resolve(true);
    img.onerror = () => resolve(false);
    img.src = u; })"""


def test_log_an_incident_with_every_field_find_it_and_open_every_file(page: Page, located, watch):
    set_up_with_passphrase_only(page)
    log_incident(
        page, "A silent call at work", behaviour="Phone calls (or silent calls)", date="2026-10-02"
    )
    page.get_by_role("button", name="Log an incident").click()
    what = "He waited outside the library and followed me to the bus stop."
    fill_everything(page, what=what)
    # The form lists each file by name and size; its fingerprint is for the report.
    files = page.locator(".incident-form .list.evidence")
    expect(files).to_contain_text("screenshot.png")
    expect(files).to_contain_text(re.compile(r"\d+(\.\d+)? ?(bytes|KB|MB)"))
    expect(files).not_to_contain_text("SHA-256")
    page.get_by_role("button", name="Save incident").click()

    heading = page.get_by_role("heading", name=re.compile("^Incident,"))
    expect(heading).to_contain_text("about 21:40 to 22:10")
    body = page.locator("#view")
    for text in [
        what,
        "Following or watching me, Driving past",
        "Outside the library on Mill Street",
        "55.95330, -3.18830",
        "Alex Brown",
        "Tall, short grey hair",
        "Dark green parka",
        "Silver Ford Focus",
        "SK19 XYZ",
        "Priya Shah",
        "07700 900123",
        "Saw the car circle twice",
        "Frightened, Afraid they would be violent",
        "Stopped walking home alone",
        "Nov 15, 2026",
        "PC Morgan",
        "CR-2026-55501",
        "photo.png",
        "screenshot.png",
    ]:
        expect(body).to_contain_text(text)
    expect(page.get_by_text(re.compile(r"^Recorded "))).to_be_visible()
    expect(page.locator(".thumb img")).to_have_count(2)

    # Each file opens inside the app, with its SHA-256 taken from the original bytes.
    for name, data in [("photo.png", PHOTO), ("screenshot.png", SCREENSHOT)]:
        page.get_by_role("button", name=re.compile(re.escape(name))).click()
        expect(page.get_by_role("heading", name=name)).to_be_visible()
        expect(page.locator("dd.hash")).to_have_text(hashlib.sha256(data).hexdigest())
        image = page.get_by_role("img", name=f"The picture {name}")
        until(page, "() => document.querySelector('img.evidence-full')?.naturalWidth > 0")
        assert image.get_attribute("src").startswith("blob:")
        page.get_by_role("button", name="Back", exact=True).click()
    # A file opened and then the vault locks: its decrypted copy is gone from memory.
    page.get_by_role("button", name=re.compile("photo.png")).click()
    src = page.get_by_role("img", name="The picture photo.png").get_attribute("src")
    assert page.evaluate(LOADS, src) is True
    page.evaluate("async () => (await import('/js/vault/keys.js')).lock()")
    expect(page.get_by_role("img", name="The picture photo.png")).to_have_count(0)
    assert page.evaluate(LOADS, src) is False, "the photo's blob: URL still loads after lock"
    unlock_with_passphrase(page)
    diary_home(page)
    page.locator(".incident-row", has_text="library").click()
    page.get_by_role("button", name=re.compile("recording-")).click()
    until(page, "() => document.querySelector('audio')?.readyState >= 1")
    audio_hash = page.locator("dd.hash").inner_text()
    stored = page.evaluate(
        """async () => {
            const { blob } = await import('/js/diary/evidence.js');
            const { load } = await import('/js/diary/model.js');
            const { incidents } = await load();
            const item = [...incidents.values()].flatMap((i) => i.evidence)
                .find((e) => e.kind === 'audio');
            const bytes = new Uint8Array(await (await blob(item.file, item.type)).arrayBuffer());
            return Array.from(bytes);
        }"""
    )
    assert len(stored) > 100
    assert hashlib.sha256(bytes(stored)).hexdigest() == audio_hash
    page.get_by_role("button", name="Back", exact=True).click()
    page.get_by_role("button", name="Back", exact=True).click()
    diary_home(page)

    # The timeline: grouped by month, newest first; search and every filter find it.
    expect(page.get_by_role("heading", name="November 2026")).to_be_visible()
    rows = shown_rows(page)
    assert len(rows) == 2 and "library" in rows[0] and "silent call" in rows[1]
    assert "3 files" in rows[0] and "reported" in rows[0]

    search = page.get_by_label("Search everything you wrote")
    for words in ["bus stop", "PARKA", "sk19", "priya", "alex brown"]:
        search.fill(words)
        expect(page.locator(".incident-row")).to_have_count(1)
        assert "library" in shown_rows(page)[0]
    search.fill("nothing like this")
    expect(page.locator(".incident-row")).to_have_count(0)
    search.fill("")
    expect(page.locator(".incident-row")).to_have_count(2)

    page.locator("summary", has_text="Filter").click()
    filters = [
        ("Kind of thing", {"label": "Driving past"}),
        ("Person", {"label": "Alex Brown"}),
        ("Police", {"label": "Reported to police"}),
    ]
    for label, option in filters:
        page.get_by_label(label).select_option(**option)
        expect(page.locator(".incident-row")).to_have_count(1)
        assert "library" in shown_rows(page)[0]
        page.get_by_label(label).select_option(index=0)
        expect(page.locator(".incident-row")).to_have_count(2)
    page.get_by_label("Police").select_option(label="Not reported")
    expect(page.locator(".incident-row")).to_have_count(1)
    assert "silent call" in shown_rows(page)[0]
    page.get_by_label("Police").select_option(index=0)
    page.get_by_label("From").fill("2026-11-01")
    expect(page.locator(".incident-row")).to_have_count(1)
    page.get_by_label("To").fill("2026-11-10")
    expect(page.locator(".incident-row")).to_have_count(0)
    page.get_by_label("From").fill("2026-10-01")
    expect(page.locator(".incident-row")).to_have_count(1)
    assert "silent call" in shown_rows(page)[0]
    # The one failed load is the revoked photo, tried on purpose above.
    assert watch.errors == ["Failed to load resource: net::ERR_FILE_NOT_FOUND"]
    assert not watch.foreign


# --- where it happened, and where the phone was ----------------------------------------

STORED_LOCATIONS = """async () => {
    const { load } = await import('/js/diary/model.js');
    const { incidents } = await load();
    return [...incidents.values()].map((i) => ({
        where: i.fields.where,
        location: i.fields.location,
        every: i.revisions.map((r) => r.fields.location),
    }));
}"""


def test_a_place_written_and_never_i_am_there_now_stores_no_coordinates(page: Page, located):
    """The phone could say where it is, but only the words typed are kept: an entry written
    at home about yesterday carries no coordinates of the home."""
    set_up_with_passphrase_only(page)
    page.get_by_role("button", name="Log an incident").click()
    page.get_by_label("Date", exact=True).fill("2026-11-14")
    page.get_by_label("What happened").fill("He was parked opposite the gym again.")
    page.get_by_label("Where it happened").fill("Car park of the gym on Leith Walk")
    page.get_by_role("button", name="Save incident").click()
    expect(page.get_by_role("heading", name=re.compile("^Incident,"))).to_be_visible()
    expect(page.locator("#view")).to_contain_text("Car park of the gym on Leith Walk")
    expect(page.locator("#view")).not_to_contain_text("Where the phone was")
    expect(page.locator("#view")).not_to_contain_text("55.95")
    stored = page.evaluate(STORED_LOCATIONS)
    assert stored == [
        {"where": "Car park of the gym on Leith Walk", "location": None, "every": [None]}
    ]


def test_i_am_there_now_records_the_phone_and_its_time_beside_the_button(page: Page, located):
    set_up_with_passphrase_only(page)
    page.get_by_role("button", name="Log an incident").click()
    page.get_by_label("What happened").fill("A bunch of flowers left on the doorstep.")
    page.get_by_label("Where it happened").fill("My front door")
    here = page.get_by_role("button", name="I am there now")
    # It says what it does: where the phone is at this moment, not where it was.
    expect(here).to_have_accessible_description(re.compile("where this phone is at this moment"))
    before = page.evaluate("Date.now()")
    here.click()
    status = page.locator(".here-now-status")
    expect(status).to_have_attribute("aria-live", "polite")
    expect(status).to_contain_text("Recorded where this phone is now: 55.95330, -3.18830")
    expect(status).to_contain_text("within about 12 m")
    expect(status).to_be_in_viewport()
    # Taken away before saving: nothing is kept.
    page.get_by_role("button", name="Remove where the phone was").click()
    expect(status).to_have_text("Removed. Only what you write above will be saved.")
    expect(here).to_be_focused()
    expect(page.get_by_role("button", name="Remove where the phone was")).to_be_hidden()
    here.click()
    expect(status).to_contain_text("Recorded where this phone is now")
    page.get_by_role("button", name="Save incident").click()
    expect(page.get_by_role("heading", name=re.compile("^Incident,"))).to_be_visible()
    view = page.locator("#view")
    expect(view).to_contain_text("My front door")
    expect(view).to_contain_text(
        re.compile(
            r"Where the phone was\s*55\.95330, -3\.18830 \(within about 12 m\),"
            r" recorded by the phone at "
        )
    )
    [stored] = page.evaluate(STORED_LOCATIONS)
    assert stored["where"] == "My front door"
    location = stored["location"]
    assert (location["latitude"], location["longitude"], location["accuracy"]) == (
        55.9533,
        -3.1883,
        12,
    )
    assert before - 1000 <= location["at"] <= page.evaluate("Date.now()")

    # Editing: removing it says the saved version keeps it, and the new version has none.
    page.get_by_role("button", name="Edit").click()
    expect(page.locator(".here-now-status")).to_contain_text("Recorded where this phone was:")
    page.get_by_role("button", name="Remove where the phone was").click()
    expect(page.locator(".here-now-status")).to_contain_text("versions saved before keep")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text(re.compile("Edited once"))).to_be_visible()
    expect(page.locator("#view")).not_to_contain_text("Where the phone was")
    [stored] = page.evaluate(STORED_LOCATIONS)
    assert stored["location"] is None and stored["every"][0]["latitude"] == 55.9533


def test_a_refused_location_says_so_beside_the_button(page: Page, phone: BrowserContext):
    phone.clear_permissions()
    set_up_with_passphrase_only(page)
    page.get_by_role("button", name="Log an incident").click()
    page.get_by_label("Where it happened").fill("The bus stop on Easter Road")
    here = page.get_by_role("button", name="I am there now")
    here.click()
    status = page.locator(".here-now-status")
    expect(status).to_contain_text("not allowing its location to be used, so nothing was recorded")
    expect(status).to_be_in_viewport()
    # Right under the button, not somewhere down the form.
    button, said = here.bounding_box(), status.bounding_box()
    assert button and said and 0 <= said["y"] - (button["y"] + button["height"]) < 48
    expect(page.get_by_role("button", name="Remove where the phone was")).to_be_hidden()
    page.get_by_label("What happened").fill("He stood at the stop and watched.")
    page.get_by_role("button", name="Save incident").click()
    expect(page.get_by_role("heading", name=re.compile("^Incident,"))).to_be_visible()
    [stored] = page.evaluate(STORED_LOCATIONS)
    assert stored["location"] is None


def test_an_older_entry_with_a_location_still_reads(page: Page):
    """Entries saved by "Use my location" (no time kept) open, and say the time is unknown."""
    set_up_with_passphrase_only(page)
    page.evaluate(
        """async () => {
            const model = await import('/js/diary/model.js');
            const fields = model.emptyIncident();
            fields.what = 'Written before the time was kept';
            fields.location = { latitude: 55.9533, longitude: -3.1883, accuracy: 1500 };
            await model.recordIncident(fields);
        }"""
    )
    page.reload()
    wait_for_app(page)
    unlock_with_passphrase(page)
    page.locator(".incident-row", has_text="Written before").click()
    expect(page.locator("#view")).to_contain_text(
        "55.95330, -3.18830 (within about 2 km), recorded by the phone while this entry was"
        " being written (the time was not noted)"
    )


def test_an_empty_entry_cannot_be_saved_and_says_why(page: Page):
    set_up_with_passphrase_only(page)
    page.get_by_role("button", name="Log an incident").click()
    page.get_by_role("button", name="Save incident").click()
    expect(page.get_by_role("alert")).to_contain_text("nothing to save yet")
    expect(page.get_by_role("heading", name="Log an incident")).to_be_visible()


def test_editing_keeps_the_first_version_and_the_record_verifies(page: Page):
    set_up_with_passphrase_only(page)
    log_incident(page, "Letter through the door", behaviour="Letters, cards or notes")
    page.locator(".incident-row").first.click()
    page.get_by_role("button", name="Edit").click()
    page.get_by_label("What happened").fill("Letter through the door, unsigned, in his writing")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text(re.compile("Edited once"))).to_be_visible()
    expect(page.locator("#view")).to_contain_text("unsigned, in his writing")
    page.get_by_role("button", name="See earlier versions").click()
    first = page.locator(".versions > li").nth(0)
    second = page.locator(".versions > li").nth(1)
    expect(first).to_contain_text("First recorded")
    expect(first).to_contain_text("Letter through the door")
    expect(first).not_to_contain_text("unsigned")
    second.locator("summary").click()
    expect(second).to_contain_text("Changed: what happened")
    expect(second).to_contain_text("unsigned, in his writing")
    page.get_by_role("button", name="Back", exact=True).click()
    page.get_by_role("button", name="Back", exact=True).click()
    expect(page.locator(".incident-row")).to_contain_text("edited")

    page.get_by_role("button", name="Summary").click()
    page.get_by_role("button", name="Check the record").click()
    expect(
        page.get_by_text(
            "The record checks out: 1 entry, with every change and file, just as it was recorded."
        )
    ).to_be_visible()

    # Someone with the key rewrites the first event's words: the check names that event.
    page.evaluate(
        """async () => {
            const records = await import('/js/vault/records.js');
            const e = await records.get('event', 'e000000001');
            const payload = JSON.parse(e.payload);
            payload.fields.what = 'Nothing happened';
            e.payload = JSON.stringify(payload);
            await records.put('event', 'e000000001', e);
        }"""
    )
    page.get_by_role("button", name="Check the record").click()
    expect(page.get_by_text("The record does not check out")).to_be_visible()
    expect(
        page.get_by_role("listitem").filter(has_text="Event 1 has content that was changed")
    ).to_be_visible()


def test_altered_ciphertext_and_a_removed_event_are_named(page: Page):
    set_up_with_passphrase_only(page)
    for n in range(3):
        log_incident(page, f"Incident number {n}")
    page.evaluate(
        """async () => {
            const { tx, req } = await import('/js/vault/idb.js');
            await tx('records', 'readwrite', async (t) => {
                const store = t.objectStore('records');
                const row = await req(store.get('e000000002'));
                row.ct[5] ^= 1;
                store.put(row);
                store.delete('e000000003');
            });
        }"""
    )
    page.get_by_role("button", name="Summary").click()
    page.get_by_role("button", name="Check the record").click()
    problems = page.locator(".check-result li")
    expect(problems.filter(has_text="Event 2 could not be decrypted")).to_be_visible()
    expect(problems.filter(has_text="The chain's head names event 3")).to_be_visible()


def test_the_police_question_is_yes_or_no_and_may_stay_unanswered(page: Page):
    set_up_with_passphrase_only(page)
    page.get_by_role("button", name="Log an incident").click()
    page.get_by_label("What happened").fill("A note left on my car")
    open_section(page, "Police")
    question = page.get_by_role("group", name="Did you report it to the police?")
    expect(question.get_by_role("radio")).to_have_count(2)
    for answer in ("Yes", "No"):
        expect(question.get_by_role("radio", name=answer, exact=True)).not_to_be_checked()
    expect(page.get_by_text("Not yet said")).to_have_count(0)
    page.get_by_role("button", name="Save incident").click()
    # Not answered: the entry says nothing about it either way.
    expect(page.get_by_role("heading", name=re.compile("^Incident,"))).to_be_visible()
    expect(page.locator("#view")).not_to_contain_text("Reported to police")
    # Answered in an edit: kept, and shown.
    page.get_by_role("button", name="Edit").click()
    open_section(page, "Police")
    expect(question.get_by_role("radio", name="No", exact=True)).not_to_be_checked()
    question.get_by_role("radio", name="No", exact=True).check()
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#view")).to_contain_text("Reported to policeNo")


def test_withdrawing_keeps_its_place_and_the_record_still_verifies(page: Page):
    set_up_with_passphrase_only(page)
    log_incident(page, "Written in error", behaviour="Emails")
    log_incident(page, "A real incident", behaviour="Text messages")
    page.locator(".incident-row", has_text="Written in error").click()
    page.get_by_role("button", name="Remove its words and files").click()
    # The question says what goes and what stays.
    expect(page.get_by_text("Remove this entry's words and files for good?")).to_be_visible()
    expect(page.get_by_text("keeps only a note that an entry was here")).to_be_visible()
    page.get_by_role("button", name="Yes, remove them").click()
    diary_home(page)
    expect(page.locator(".incident-row")).to_have_count(1)
    gone = page.evaluate(
        """async () => {
            const log = await import('/js/diary/log.js');
            return (await log.events()).filter((e) => e.payload === null).length;
        }"""
    )
    assert gone == 1
    page.get_by_role("button", name="Summary").click()
    page.get_by_role("button", name="Check the record").click()
    expect(
        page.get_by_text("The record checks out: 1 entry (and 1 withdrawn), with every change")
    ).to_be_visible()


def stored_chunks(page: Page) -> int:
    """How many encrypted file parts the phone holds."""
    return page.evaluate(
        """async () => {
            const { tx, req } = await import('/js/vault/idb.js');
            return tx('chunks', 'readonly', (t) => req(t.objectStore('chunks').count()));
        }"""
    )


def draft_text(page: Page) -> str:
    return page.get_by_label("What happened").input_value()


def test_a_draft_survives_reload_lock_and_going_offline(page: Page, phone: BrowserContext):
    set_up_with_passphrase_only(page)
    wait_for_worker(page)
    page.get_by_role("button", name="Log an incident").click()
    page.get_by_label("What happened").fill("Half-written: he was at the gate again")
    page.get_by_label("Threats").check()
    # A reload (or a crash) a moment after the last tap: the draft was kept as it was typed.
    page.wait_for_timeout(200)
    page.reload()
    wait_for_app(page)
    unlock_with_passphrase(page)
    diary_home(page)
    expect(page.get_by_text("You have an unfinished entry")).to_be_visible()
    page.get_by_role("button", name="Carry on").click()
    assert draft_text(page) == "Half-written: he was at the gate again"
    expect(page.get_by_label("Threats")).to_be_checked()

    # Locking mid-sentence (no pause for the typing timer) keeps the last words too.
    page.get_by_label("What happened").press_sequentially(" and shouted", delay=0)
    page.evaluate("async () => (await import('/js/vault/keys.js')).lock()")
    unlock_with_passphrase(page)
    page.get_by_role("button", name="Carry on").click()
    assert draft_text(page) == "Half-written: he was at the gate again and shouted"

    with reopened_offline(page, phone):
        page.get_by_role("button", name="Carry on").click()
        assert draft_text(page).endswith("and shouted")
        page.get_by_role("button", name="Save incident").click()
        expect(page.get_by_role("heading", name=re.compile("^Incident,"))).to_be_visible()
        page.get_by_role("button", name="Back", exact=True).click()
        expect(page.get_by_text("You have an unfinished entry")).to_have_count(0)
        expect(page.locator(".incident-row")).to_contain_text("he was at the gate again")


def test_discarding_a_draft_takes_one_tap_and_removes_its_files(page: Page):
    set_up_with_passphrase_only(page)
    page.get_by_role("button", name="Log an incident").click()
    page.get_by_label("What happened").fill("Not ready yet")
    add_files(page, "Take a photo", [image("photo.png")])
    page.evaluate("async () => (await import('/js/vault/keys.js')).lock()")
    unlock_with_passphrase(page)
    box = page.get_by_role("region", name="Unfinished entry")
    box.get_by_role("button", name="Discard it").click()
    box.get_by_role("button", name="Yes, throw it away").click()
    expect(box).to_have_count(0)
    files = stored_chunks(page)
    assert files == 0


def test_logging_works_fully_offline(page: Page, phone: BrowserContext):
    set_up_with_passphrase_only(page)
    wait_for_worker(page)
    with reopened_offline(page, phone):
        page.get_by_role("button", name="Log an incident").click()
        page.get_by_label("What happened").fill("Offline: a note on my car")
        page.get_by_label("Letters, cards or notes").check()
        add_files(page, "Take a photo", [image("note.png")])
        page.get_by_role("button", name="Save incident").click()
        expect(page.locator("#view")).to_contain_text("Offline: a note on my car")
        page.get_by_role("button", name=re.compile("note.png")).click()
        expect(page.locator("dd.hash")).to_have_text(hashlib.sha256(PHOTO).hexdigest())


def test_a_person_profile_links_both_ways(page: Page):
    set_up_with_passphrase_only(page)
    page.get_by_role("button", name="People").click()
    page.get_by_role("button", name="Add a person").click()
    page.get_by_label("Name, or what you call them").fill("The man in the blue van")
    page.get_by_label("Who they are to you").select_option(label="Stranger")
    page.get_by_label("Vehicles they use").fill("Blue Transit van, KX21 ABC")
    page.get_by_label("Phone numbers and accounts they use").fill("@bluevan on social media")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="The man in the blue van")).to_be_visible()
    expect(page.locator("#view")).to_contain_text("Blue Transit van, KX21 ABC")
    expect(page.get_by_role("heading", name="Incidents (0)")).to_be_visible()
    page.get_by_role("button", name="Back", exact=True).click()
    page.get_by_role("button", name="Back", exact=True).click()

    page.get_by_role("button", name="Log an incident").click()
    page.get_by_label("What happened").fill("The van parked opposite my flat all evening")
    open_section(page, "Who did it")
    page.get_by_label("Who was it").select_option(label="The man in the blue van")
    page.get_by_role("button", name="Save incident").click()
    page.get_by_role("button", name="About The man in the blue van").click()
    expect(page.get_by_role("heading", name="Incidents (1)")).to_be_visible()
    page.get_by_role("button", name=re.compile("parked opposite my flat")).click()
    expect(page.locator("#view")).to_contain_text("The van parked opposite my flat all evening")


def test_the_summary_counts_and_notes_the_pattern(page: Page):
    set_up_with_passphrase_only(page)
    log_incident(page, "First", behaviour="Text messages", date="2026-11-02")
    page.get_by_role("button", name="Summary").click()
    expect(page.get_by_text("course of conduct")).to_have_count(0)
    page.get_by_role("button", name="Back", exact=True).click()
    log_incident(page, "Second", behaviour="Text messages", date="2026-11-16")
    page.get_by_role("button", name="Summary").click()
    stats = page.locator("dl.stats")
    expect(stats).to_contain_text("Incidents2")
    expect(stats).to_contain_text("Days spanned15")
    expect(page.get_by_text(re.compile("course of conduct"))).to_be_visible()
    chart = page.get_by_role("img", name=re.compile("Incidents per week over 3 weeks"))
    expect(chart).to_be_visible()
    expect(chart.locator("rect")).to_have_count(3)
    expect(page.locator(".counts")).to_contain_text("Text messages2")
    # Nobody is named in either: the summary does not claim the police can act on them.
    note = page.locator(".notice", has_text="course of conduct")
    expect(note).not_to_contain_text("police can act")
    expect(note).to_contain_text("Who did it")
    page.get_by_role("button", name="Back", exact=True).click()

    # Two incidents by one person, one by another: now it is true, and said so.
    for what, who in (("Third", "Sam"), ("Fourth", "Sam"), ("Fifth", "Jo")):
        page.get_by_role("button", name="Log an incident").click()
        page.get_by_label("What happened").fill(what)
        open_section(page, "Who did it")
        if what == "Fourth":
            page.get_by_label("Who was it").select_option(label=who)
        else:
            page.get_by_label("Who was it").select_option(label="Add someone new…")
            page.get_by_label("Their name, or what you call them").fill(who)
        page.get_by_role("button", name="Save incident").click()
        expect(page.get_by_role("heading", name=re.compile("^Incident,"))).to_be_visible()
        page.get_by_role("button", name="Back", exact=True).click()
    page.get_by_role("button", name="Summary").click()
    expect(note).to_contain_text("You have recorded 5 incidents, 2 of them by the same person.")
    expect(note).to_contain_text("the police can act on")


def test_a_full_disk_says_so_and_keeps_everything_typed(page: Page, live_server):
    # A phone with 2 MB free for this site, and a 3 MB video to add.
    with storage_quota(page, live_server.url, 2 * 1024 * 1024):
        set_up_with_passphrase_only(page)
        page.get_by_role("button", name="Log an incident").click()
        page.get_by_label("What happened").fill("Typed before the disk filled up")
        with page.expect_file_chooser() as chooser:
            page.get_by_role("button", name="Add screenshots or files").click()
        video = {"name": "long.mp4", "mimeType": "video/mp4", "buffer": os.urandom(3 << 20)}
        chooser.value.set_files([video])
        expect(page.get_by_role("alert")).to_contain_text("storage is full")
        assert draft_text(page) == "Typed before the disk filled up"
        expect(page.locator(".evidence-name")).to_have_count(0)
        # Nothing half-stored is left behind.
        chunks = stored_chunks(page)
        assert chunks == 0


APPEND_MANY = """(tag) => {
    window.__appended = (async () => {
        const log = await import('/js/diary/log.js');
        for (let n = 0; n < 10; n++) {
            await log.append([{ type: 'incident.recorded', subject: `${tag}${n}`, payload: {} }]);
        }
    })().then(() => 'done', (e) => e.name);
}"""


WATCH_PROGRESS = """() => {
    window.__progress = { values: [], words: [] };
    new MutationObserver(() => {
        const bar = document.querySelector('progress.store-progress');
        if (bar) window.__progress.values.push(bar.value);
        const words = [...document.querySelectorAll('p.hint')].map((p) => p.textContent)
            .find((t) => t.startsWith('Storing'));
        if (words && words !== window.__progress.words.at(-1)) window.__progress.words.push(words);
    }).observe(document.body, { subtree: true, childList: true, attributes: true,
        characterData: true });
}"""


def test_a_long_video_shows_a_progress_bar_while_it_is_stored(page: Page, tmp_path):
    set_up_with_passphrase_only(page)
    page.get_by_role("button", name="Log an incident").click()
    page.get_by_label("What happened").fill("Filmed him outside the house")
    video = tmp_path / "outside.mp4"
    video.write_bytes(os.urandom(24 << 20))
    page.evaluate(WATCH_PROGRESS)
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Add screenshots or files").click()
    chooser.value.set_files(video)
    expect(page.locator(".evidence-name", has_text="outside.mp4")).to_be_visible(timeout=60_000)
    seen = page.evaluate("window.__progress")
    # A bar that moved through the middle, and plain words every tenth, not every part.
    assert any(0 < v < 100 for v in seen["values"]), seen["values"]
    assert seen["words"][0] == "Storing outside.mp4…", seen["words"]
    middle = [w for w in seen["words"] if re.fullmatch(r"Storing outside\.mp4… [1-9]0%", w)]
    assert middle, seen["words"]
    assert len(seen["words"]) <= 12, seen["words"]
    # Stored, the bar and the words are gone.
    expect(page.locator("progress.store-progress")).to_have_count(0)
    expect(page.get_by_text(re.compile("^Storing "))).to_have_count(0)


def test_two_windows_appending_at_once_neither_lose_nor_fork(page: Page, phone: BrowserContext):
    set_up_with_passphrase_only(page)
    other = phone.new_page()
    other.goto("/")
    wait_for_app(other)
    unlock_with_passphrase(other)
    diary_home(other)
    page.evaluate(APPEND_MANY, "a")
    other.evaluate(APPEND_MANY, "b")
    assert page.evaluate("window.__appended") == "done"
    assert other.evaluate("window.__appended") == "done"
    result = page.evaluate(
        """async () => {
            const log = await import('/js/diary/log.js');
            const events = await log.events();
            return { seqs: events.map((e) => e.seq), check: await log.verify() };
        }"""
    )
    assert result["seqs"] == list(range(1, 21))
    assert result["check"]["ok"], result["check"]["problems"]


def test_the_chain_can_be_checked_outside_the_browser(page: Page):
    """The event hash is written down in docs/diary-format.md; Python recomputes it."""
    set_up_with_passphrase_only(page)
    log_incident(
        page, "Flowers left on the doorstep, no card", behaviour="Gifts or things left for me"
    )
    log_incident(page, "Café – “he sat two tables away” 😟", behaviour="Staring at me")
    events = page.evaluate("async () => (await import('/js/diary/log.js')).events()")
    prev = "0" * 64
    for n, e in enumerate(events, start=1):
        assert e["seq"] == n and e["prev"] == prev
        payload_hash = hashlib.sha256(e["payload"].encode()).hexdigest()
        assert payload_hash == e["payloadHash"]
        fields = ["cairn/event/v1", e["seq"], e["prev"], e["type"], e["subject"], e["at"]]
        header = "\n".join(str(x) for x in [*fields, payload_hash])
        prev = hashlib.sha256(header.encode()).hexdigest()
        assert prev == e["hash"]
    assert "he sat two tables away" in events[-1]["payload"]


def test_back_keeps_an_unfinished_entry_and_discard_in_the_form_throws_it_away(page: Page):
    set_up_with_passphrase_only(page)
    page.get_by_role("button", name="Log an incident").click()
    page.get_by_label("What happened").fill("Keep this for later")
    page.get_by_role("button", name="Back", exact=True).click()
    expect(page.get_by_text("You have an unfinished entry")).to_be_visible()
    page.get_by_role("button", name="Carry on").click()
    assert draft_text(page) == "Keep this for later"
    page.get_by_role("button", name="Discard this entry").click()
    page.get_by_role("button", name="Yes, throw it away").click()
    diary_home(page)
    expect(page.get_by_text("You have an unfinished entry")).to_have_count(0)
    page.get_by_role("button", name="Log an incident").click()
    assert draft_text(page) == ""


def test_leaving_while_recording_stops_the_microphone_and_keeps_the_clip(page: Page):
    set_up_with_passphrase_only(page)
    page.get_by_role("button", name="Log an incident").click()
    page.get_by_label("What happened").fill("He rang the bell for ten minutes")
    page.get_by_role("button", name="Record audio").click()
    expect(page.get_by_role("timer")).to_have_text(re.compile(r"0:0[1-9]"), timeout=5_000)
    page.get_by_role("button", name="Back", exact=True).click()
    diary_home(page)
    page.get_by_role("button", name="Carry on").click()
    expect(page.locator(".evidence-name", has_text="recording-")).to_be_visible()
    assert draft_text(page) == "He rang the bell for ten minutes"
    # Nothing holds the lock open any more: locking on idle works again.
    holds = page.evaluate(
        """async () => {
            const lock = await import('/js/vault/lock.js');
            lock.configure({ idleMinutes: 0.001 });
            await new Promise((r) => setTimeout(r, 300));
            return (await import('/js/vault/keys.js')).isUnlocked();
        }"""
    )
    assert holds is False
