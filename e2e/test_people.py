"""People filled in once: what a person looked like, wore and drove, typed with an incident,
goes to their page and is there already the next time; what was true only that time stays
with that incident. In a phone-sized Chromium."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from e2e.journeys import diary_home, open_section, set_up_with_passphrase_only

# Each event's number, kind, subject, time recorded and payload, in chain order.
EVENTS = """async () => (await (await import('/js/diary/log.js')).events())
    .map((e) => [e.seq, e.type, e.subject, e.at, e.payload && JSON.parse(e.payload)])"""


def new_incident(page: Page, what: str) -> None:
    page.get_by_role("button", name="Log an incident").click()
    page.get_by_label("What happened").fill(what)
    open_section(page, "Who did it")


def save(page: Page) -> None:
    page.get_by_role("button", name="Save incident").click()
    expect(page.get_by_role("heading", name=re.compile("^Incident,"))).to_be_visible()


def test_a_persons_details_typed_with_an_incident_go_to_their_page_and_come_back_next_time(
    page: Page,
):
    set_up_with_passphrase_only(page)
    new_incident(page, "Waited outside the gym")
    page.get_by_label("Who was it").select_option(label="Add someone new…")
    page.get_by_label("Their name, or what you call them").fill("Alex Brown")
    page.get_by_label("What they looked like").fill("Tall, short grey hair")
    page.get_by_label("Clothing").fill("Dark green parka")
    page.get_by_label("Vehicle (make, model, colour)").fill("Silver Ford Focus")
    page.get_by_label("Registration").fill("SK19 XYZ")
    page.get_by_label("Only this time").fill("A red scarf over his face")
    save(page)
    # The incident keeps what was recorded with it, the note for this time included.
    view = page.locator("#view")
    expect(view).to_contain_text("SK19 XYZ")
    expect(view).to_contain_text("A red scarf over his face")

    # Their page has the details, and not what was true only that time.
    page.get_by_role("button", name="About Alex Brown").click()
    expect(page.get_by_role("heading", name="Alex Brown")).to_be_visible()
    details = page.locator("dl.details")
    for text in ("Tall, short grey hair", "Dark green parka", "Silver Ford Focus", "SK19 XYZ"):
        expect(details).to_contain_text(text)
    expect(view).not_to_contain_text("red scarf")
    page.get_by_role("button", name="Back", exact=True).click()
    page.get_by_role("button", name="Back", exact=True).click()
    diary_home(page)

    # The next incident with Alex: nothing to type again; the note box starts empty.
    new_incident(page, "Drove past the house twice")
    page.get_by_label("Who was it").select_option(label="Alex Brown")
    expect(page.get_by_label("What they looked like")).to_have_value("Tall, short grey hair")
    expect(page.get_by_label("Clothing")).to_have_value("Dark green parka")
    expect(page.get_by_label("Vehicle (make, model, colour)")).to_have_value("Silver Ford Focus")
    expect(page.get_by_label("Registration")).to_have_value("SK19 XYZ")
    expect(page.get_by_label("Only this time")).to_have_value("")
    expect(page.get_by_text("kept on Alex Brown’s page too")).to_be_visible()
    # A new car: typed over here, it goes to Alex's page in the same save.
    page.get_by_label("Vehicle (make, model, colour)").fill("Black Vauxhall Corsa")
    page.get_by_label("Registration").fill("LT70 ABC")
    save(page)
    expect(view).to_contain_text("LT70 ABC")
    expect(view).not_to_contain_text("red scarf")

    page.get_by_role("button", name="About Alex Brown").click()
    expect(details).to_contain_text("Black Vauxhall Corsa")
    expect(details).to_contain_text("LT70 ABC")
    expect(details).to_contain_text("Tall, short grey hair")  # what was not typed over stays
    expect(page.get_by_text(re.compile(r"Last changed"))).to_be_visible()
    expect(page.get_by_role("heading", name="Incidents (2)")).to_be_visible()

    # A new description, never an overwrite, appended with the incident in one step.
    events = page.evaluate(EVENTS)
    people = [e for e in events if e[1] == "person.described"]
    assert len(people) == 2 and people[0][2] == people[1][2], events
    assert people[0][4]["fields"]["registration"] == "SK19 XYZ"
    assert people[1][4]["fields"]["registration"] == "LT70 ABC"
    assert people[1][4]["fields"]["description"] == "Tall, short grey hair"
    second = next(e for e in events if e[1] == "incident.recorded" and "twice" in str(e[4]))
    assert people[1][0] == second[0] - 1 and people[1][3] == second[3], events

    # The first incident still shows what was recorded with it.
    page.get_by_role("button", name=re.compile("Waited outside the gym")).click()
    expect(view).to_contain_text("SK19 XYZ")
    expect(view).to_contain_text("Silver Ford Focus")
    expect(view).to_contain_text("A red scarf over his face")


def test_an_incident_that_changes_nothing_about_the_person_adds_no_description(page: Page):
    set_up_with_passphrase_only(page)
    page.get_by_role("button", name="People").click()
    page.get_by_role("button", name="Add a person").click()
    page.get_by_label("Name, or what you call them").fill("The man in the blue van")
    page.get_by_label("Vehicles they use").fill("Blue Transit van")
    page.get_by_label("Registration numbers").fill("KX21 ABC")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Back", exact=True).click()
    page.get_by_role("button", name="Back", exact=True).click()

    new_incident(page, "Parked opposite all evening")
    page.get_by_label("Who was it").select_option(label="The man in the blue van")
    expect(page.get_by_label("Registration")).to_have_value("KX21 ABC")
    page.get_by_label("Only this time").fill("Had a dog with him")
    save(page)
    events = page.evaluate(EVENTS)
    assert [e[1] for e in events] == ["person.described", "incident.recorded"], events
    fields = events[1][4]["fields"]
    assert fields["registration"] == "KX21 ABC" and fields["thisTime"] == "Had a dog with him"
