"""The report for police and courts, printed to PDF in Chromium and read back as text."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import re
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.sync_api import Page, expect

from e2e.exports import (
    NEUTRAL_NAME,
    pdf_images,
    pdf_pages,
    pdf_text,
    pdf_words,
    print_pdf,
    rewrite,
    run_verify,
    squash,
)
from e2e.journeys import (
    PHOTO,
    SCREENSHOT,
    add_files,
    diary_home,
    download_bundle,
    fill_everything,
    image,
    log_incident,
    open_report,
    png,
    set_up_with_passphrase_only,
    unlock_with_passphrase,
)
from e2e.stored import STORED
from e2e.support import until

# Said before a file that is not encrypted is made.
READABLE = "anyone who opens the file can read it"


def test_the_printed_report_has_every_field_revision_and_fingerprint(page: Page, located):
    set_up_with_passphrase_only(page)
    log_incident(
        page, "A silent call at work", behaviour="Phone calls (or silent calls)", date="2026-10-02"
    )
    page.get_by_role("button", name="Log an incident").click()
    what = "He waited outside the library and followed me to the bus stop."
    fill_everything(page, what=what)
    page.get_by_role("button", name="Save incident").click()
    page.get_by_role("button", name="Edit").click()
    page.get_by_label("Where it happened").fill("Outside the library on Mill Street, by the bins")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text(re.compile("Edited once"))).to_be_visible()
    page.get_by_role("button", name="Back", exact=True).click()
    log_incident(page, "Written in error", behaviour="Emails", date="2026-10-05")
    page.locator(".incident-row", has_text="Written in error").click()
    page.get_by_role("button", name="Remove its words and files").click()
    page.get_by_role("button", name="Yes, remove them").click()
    diary_home(page)
    page.get_by_role("button", name="Risk checklist").click()
    page.get_by_role("group", name=re.compile(r"^1\. ")).get_by_label("Yes", exact=True).check()
    page.get_by_role("button", name="Save my answers").click()
    page.get_by_role("button", name="Back to your diary").click()

    open_report(page)
    text = squash(pdf_text(page))
    # The cover.
    for words in [
        "Incident diary",
        "Incidents 2 (and 1 withdrawn)",
        "People involved Alex Brown",
        "Produced",
    ]:
        assert words in text, words
    # Every field of the full incident.
    for words in [
        what,
        "Following or watching me, Driving past",
        "Outside the library on Mill Street, by the bins",
        "55.95330, -3.18830",
        # (the label wraps in its column: "Where the phone" / "was")
        "Where the phone 55.95330, -3.18830 (within about 12 m), recorded by the phone at",
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
        "PC Morgan",
        "CR-2026-55501",
        "A silent call at work",
    ]:
        assert words in text, words
    # When it happened and when it was recorded; the revision marked with what changed.
    assert "about 21:40 to 22:10" in text
    assert text.count("Recorded ") >= 2
    assert "Revised once" in text and "changed where" in text
    assert "The first version, as recorded" in text
    # The withdrawn entry shows as withdrawn, not as a gap.
    assert "Withdrawn entry" in text and "Written in error" not in text
    # Each file with its name, type, size and full SHA-256 (a hash may wrap: compare squashed).
    for name, data in [("photo.png", PHOTO), ("screenshot.png", SCREENSHOT)]:
        assert name in text
        digest = hashlib.sha256(data).hexdigest()
        assert digest in text.replace(" ", ""), name
    assert "image/png" in text and "recording-" in text
    # The risk checklist, and the integrity page with the chain's head.
    assert "Stalking risk checklist (S-DASH)" in text and "yes to 1 of 11" in text
    head = page.evaluate("async () => (await (await import('/js/diary/log.js')).verify()).head")
    assert head in text.replace(" ", "")
    assert "Intact: every event is as it was recorded." in text
    # Nothing of the app's own screen is printed.
    assert "Quick exit" not in text and "Print or save as PDF" not in text


HEAD = "async () => (await (await import('/js/diary/log.js')).verify()).head"
# A photo of a car, as a phone takes it: 4:3, wide enough to read a number plate in.
CAR = png(1600, 1200, (90, 90, 100))


def exhibit_report(page: Page) -> None:
    """A diary of two incidents, one with a photo of the car; the report opened with the
    diarist's name and an exhibit reference typed for the cover."""
    set_up_with_passphrase_only(page)
    log_incident(
        page, "A silent call at work", behaviour="Phone calls (or silent calls)", date="2026-10-02"
    )
    page.get_by_role("button", name="Log an incident").click()
    page.get_by_label("What happened").fill("His car parked outside my house all evening")
    page.get_by_label("Date", exact=True).fill("2026-10-20")
    add_files(page, "Take a photo", [image("car.png", CAR)])
    page.get_by_role("button", name="Save incident").click()
    expect(page.get_by_role("heading", name=re.compile("^Incident,"))).to_be_visible()
    page.get_by_role("button", name="Back", exact=True).click()
    page.get_by_role("button", name="Summary").click()
    page.get_by_role("button", name="Make a report for the police").click()
    page.get_by_label("Your name, as the person who kept the diary").fill("Sam Taylor")
    page.get_by_label("Exhibit reference").fill("ST/1")
    page.get_by_role("button", name="Show the report").click()
    expect(page.get_by_role("heading", name="Incident diary")).to_be_visible()


def test_the_printed_cover_names_the_diarist_the_exhibit_period_counts_and_fingerprint(
    page: Page,
):
    exhibit_report(page)
    head = page.evaluate(HEAD)
    first, latest = page.evaluate(
        "async () => { const { dayName } = await import('/js/views/format.js');"
        " return [dayName('2026-10-02'), dayName('2026-10-20')]; }"
    )
    pdf = print_pdf(page)
    pages = pdf_pages(pdf)
    cover = squash(pages[0])
    for words in [
        "Incident diary",
        "Kept by Sam Taylor",
        "Exhibit reference ST/1",
        f"Covering {first} to {latest}",
        "Incidents 2",
        "Files 1",
        "People involved Not named",
    ]:
        assert words in cover, words
    assert head in cover.replace(" ", "")
    # It fills its page: what it says spreads down to the foot of the page (the margins,
    # 16 mm or 45 points, hold the page number and fingerprint).
    height, words = pdf_words(pdf, 1)
    body = [y for _, y in words if 45 < y < height - 45]
    assert max(body) > 0.75 * height, (max(body), height)
    # The name typed is kept for this report only: nothing was stored for it.
    stored = page.evaluate(STORED)
    page.get_by_role("button", name="Back", exact=True).click()
    expect(page.get_by_label("Your name, as the person who kept the diary")).to_have_value(
        "Sam Taylor"
    )
    assert page.evaluate(STORED) == stored
    assert "Sam Taylor" not in json.dumps(
        page.evaluate("() => ({ ...localStorage, ...sessionStorage })")
    )


def test_every_printed_page_is_numbered_and_carries_the_fingerprint_and_the_last_is_signed(
    page: Page,
):
    exhibit_report(page)
    head = page.evaluate(HEAD)
    pages = pdf_pages(print_pdf(page))
    assert len(pages) >= 5  # cover, summary, incidents, integrity, signature at least
    for n, text in enumerate(pages, 1):
        assert f"Page {n} of {len(pages)}" in text, n
        assert f"Record {head[:16]}" in text, n
        assert "Exhibit ST/1" in text, n
    last = squash(pages[-1])
    assert "Signed" in last and "Date" in last and "Name: Sam Taylor" in last
    # The signature is for paper: on screen it is not there.
    expect(page.get_by_text("Signed by the person who kept this diary.")).to_be_hidden()
    # The page's own title never says what it is.
    assert page.title() == "Calculator"


def test_a_printed_photo_is_full_width_and_whole(page: Page, tmp_path: Path):
    exhibit_report(page)
    pdf = print_pdf(page)
    images = pdf_images(pdf, tmp_path)
    # The photo itself, all its pixels (not its thumbnail, not a cropped part).
    photos = [i for i in images if (i["width"], i["height"]) == (1600, 1200)]
    assert len(photos) == 1, images
    [photo] = photos
    # An A4 page less its margins is 18.2 cm wide: the photo is printed across it.
    width_cm = photo["width"] / photo["x-ppi"] * 2.54
    height_cm = photo["height"] / photo["y-ppi"] * 2.54
    assert width_cm >= 15, width_cm
    # Not cropped, not stretched: drawn at its own shape.
    assert abs(width_cm / height_cm - 4 / 3) < 0.02, (width_cm, height_cm)


def test_the_printed_weekly_chart_is_labelled_and_still_described(page: Page):
    exhibit_report(page)
    summary = squash(pdf_pages(print_pdf(page))[1])
    # The first week begins on the Monday before the first incident.
    monday = page.evaluate(
        "new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' })"
        ".format(new Date('2026-09-28T00:00'))"
    )
    for words in ["Incidents per week", "Week beginning", monday, "Incidents"]:
        assert words in summary, words
    chart = page.locator(".report").get_by_role(
        "img", name=re.compile("Incidents per week over 4 weeks")
    )
    expect(chart).to_be_visible()
    # A count on each bar that has any, counts up the side.
    assert chart.locator("text.count").all_text_contents() == ["1", "1"]


def test_a_report_for_a_range_and_a_kind_leaves_out_the_rest(page: Page):
    set_up_with_passphrase_only(page)
    log_incident(page, "October text", behaviour="Text messages", date="2026-10-02")
    log_incident(page, "November text", behaviour="Text messages", date="2026-11-02")
    log_incident(page, "November email", behaviour="Emails", date="2026-11-03")
    page.get_by_role("button", name="Summary").click()
    page.get_by_role("button", name="Make a report for the police").click()
    page.get_by_label("From").fill("2026-11-01")
    page.get_by_label("Kind of thing").select_option(label="Text messages")
    page.get_by_role("button", name="Show the report").click()
    report = page.locator(".report-incidents")
    expect(report).to_contain_text("November text")
    expect(report).not_to_contain_text("October text")
    expect(report).not_to_contain_text("November email")


def test_the_csv_table_has_a_row_per_incident_and_no_formulas(page: Page):
    set_up_with_passphrase_only(page)
    log_incident(
        page, '=HYPERLINK("x") said, "come out"', behaviour="Text messages", date="2026-10-02"
    )
    log_incident(page, "Second, with a comma", behaviour="Emails", date="2026-10-03")
    page.get_by_role("button", name="Summary").click()
    page.get_by_role("button", name="Make a report for the police").click()
    page.get_by_role("button", name="Make a table (CSV)").click()
    # What the file holds is said before anything is made, and nothing is made yet.
    expect(page.get_by_role("group").filter(has_text=READABLE)).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="Make the table").click()
    assert re.fullmatch(NEUTRAL_NAME % "csv", download.value.suggested_filename)
    expect(page.get_by_role("status").filter(has_text="is in your downloads")).to_contain_text(
        download.value.suggested_filename
    )
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text("utf-8-sig"))))
    assert rows[0][:3] == ["Number", "Date", "Time"]
    assert len(rows) == 3
    assert rows[1][1] == "2026-10-02" and rows[2][1] == "2026-10-03"
    # Beside when it was recorded, the number of the event that recorded it.
    assert rows[0][5:7] == ["Recorded", "Event number"]
    recorded = page.evaluate(
        "async () => (await (await import('/js/diary/log.js')).events())"
        ".filter((e) => e.type === 'incident.recorded').map((e) => String(e.seq))"
    )
    assert [row[6] for row in rows[1:]] == recorded
    # A cell that starts like a formula is kept as text.
    assert rows[1][8] == '\'=HYPERLINK("x") said, "come out"'
    assert rows[1][7] == "Text messages" and rows[2][8] == "Second, with a comma"


def test_the_evidence_bundle_verifies_and_names_what_was_altered(page: Page, tmp_path: Path):
    set_up_with_passphrase_only(page)
    page.get_by_role("button", name="Log an incident").click()
    page.get_by_label("What happened").fill("A note left on my car")
    page.get_by_label("Letters, cards or notes").check()
    add_files(page, "Take a photo", [image("note.png")])
    add_files(
        page,
        "Add screenshots or files",
        [{"name": "message.png", "mimeType": "image/png", "buffer": SCREENSHOT}],
    )
    page.get_by_role("button", name="Save incident").click()
    expect(page.get_by_role("heading", name=re.compile("^Incident,"))).to_be_visible()
    page.get_by_role("button", name="Back", exact=True).click()
    log_incident(page, "Not for this report: an email", behaviour="Emails", date="2026-01-02")
    page.get_by_role("button", name="Summary").click()
    page.get_by_role("button", name="Make a report for the police").click()
    page.get_by_label("Kind of thing").select_option(label="Letters, cards or notes")
    page.get_by_role("button", name="Show the report").click()
    bundle = download_bundle(page, tmp_path)

    with zipfile.ZipFile(bundle) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        report_html = zf.read("report.html").decode()
        originals = {"note.png": PHOTO, "message.png": SCREENSHOT}
        assert len(manifest["files"]) == 2
        for entry in manifest["files"]:
            data = zf.read(entry["path"])
            assert data == originals[entry["name"]]
            assert entry["sha256"] == hashlib.sha256(data).hexdigest()
    # The report is a page of its own, with no script, naming each file's fingerprint.
    assert "<script" not in report_html and "A note left on my car" in report_html
    assert hashlib.sha256(PHOTO).hexdigest() in report_html
    assert 'src="files/' in report_html
    # The chain is whole, but what the report does not cover is not handed over.
    assert len(manifest["events"]) == manifest["count"] >= 4
    assert "Not for this report" not in json.dumps(manifest)

    ok = run_verify(bundle)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.count("verified: file files/") == 2
    assert "verified: report.html: matches the manifest" in ok.stdout
    # Nothing outside the phone anchors it (no server copy, so no receipts): it says so.
    assert "internally consistent only" in ok.stdout and "All verified" not in ok.stdout

    # The report's words changed: the report fails.
    altered = tmp_path / "altered-report.zip"
    rewrite(
        bundle,
        altered,
        lambda n, d: (
            d.replace(b"A note left on my car", b"A note left on my bike")
            if n == "report.html"
            else d
        ),
    )
    bad = run_verify(altered)
    assert bad.returncode == 1 and "NOT VERIFIED: report.html: was changed" in bad.stdout

    # One byte of one file changed: that file, and only it, fails.
    target = manifest["files"][0]["path"]
    altered = tmp_path / "altered-file.zip"
    rewrite(
        bundle, altered, lambda n, d: d[:100] + bytes([d[100] ^ 1]) + d[101:] if n == target else d
    )
    bad = run_verify(altered)
    assert bad.returncode == 1
    assert f"NOT VERIFIED: file {target}" in bad.stdout
    assert f"verified: file {manifest['files'][1]['path']}" in bad.stdout

    # One event's content changed: that event is named.
    def edit_event(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        m = json.loads(data)
        e = next(e for e in m["events"] if e["payload"] and "A note left" in e["payload"])
        e["payload"] = e["payload"].replace("A note left", "A letter left")
        edit_event.seq = e["seq"]
        return json.dumps(m).encode()

    altered = tmp_path / "altered-event.zip"
    rewrite(bundle, altered, edit_event)
    bad = run_verify(altered)
    assert bad.returncode == 1
    assert f"NOT VERIFIED: event {edit_event.seq}: has content that differs" in bad.stdout

    # Something that is not a bundle says so.
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip at all")
    assert run_verify(junk).returncode == 2


# The phone's clock: right (20 November 2026), then set back three days, then put right.
NOV_20 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
RECORDED = """async () => {
    const { longDateTime } = await import('/js/views/format.js');
    const events = await (await import('/js/diary/log.js')).events();
    return events.map((e) => [e.seq, e.type, e.at, longDateTime(e.at)]);
}"""


def test_a_clock_set_back_keeps_the_real_dates_and_the_report_and_verify_say_so(
    page: Page, tmp_path: Path
):
    page.clock.install(time=NOV_20)
    set_up_with_passphrase_only(page)
    log_incident(page, "His car outside the house", date="2026-11-19")
    # The phone's clock is set back three days: the next entry, on the day it happened.
    page.clock.set_system_time(NOV_20 - timedelta(days=3, hours=-1))
    page.get_by_role("button", name="Log an incident").click()
    page.get_by_label("Date", exact=True).fill("2026-11-19")
    page.get_by_label("Time", exact=True).fill("21:30")
    page.get_by_label("What happened").fill("Twelve silent calls in an hour")
    page.get_by_role("button", name="Save incident").click()
    # By the phone's clock that is the future: it asks, and saving again keeps the real date.
    expect(page.get_by_role("alert")).to_contain_text("phone's clock is wrong, save again")
    page.get_by_role("button", name="Save incident").click()
    expect(page.get_by_role("heading", name=re.compile("^Incident,"))).to_be_visible()
    page.get_by_role("button", name="Back", exact=True).click()
    page.clock.set_system_time(NOV_20 - timedelta(days=3, hours=-2))
    log_incident(page, "A note through the door", date="2026-11-16")
    # The clock put right again.
    page.clock.set_system_time(NOV_20 + timedelta(hours=3))
    log_incident(page, "Flowers left on the step", date="2026-11-20")
    events = page.evaluate(RECORDED)
    recorded = [(seq, shown) for seq, kind, _, shown in events if kind == "incident.recorded"]
    assert [seq for seq, _ in recorded] == [1, 2, 3, 4], events
    (_, _, then, then_shown), (_, _, back, back_shown), (_, _, back2, back2_shown) = events[:3]
    assert back < back2 < then

    open_report(page)
    text = squash(pdf_text(page))
    # The entries in the order they happened, each with when it was recorded and its number,
    # and where that time is only a clock that had gone back, or was behind, it says so.
    went_back = "The phone's clock had gone back when this was recorded (see Integrity)."
    behind = "The phone's clock was behind when this was saved: it was recorded before the time"
    after = {1: "When it happened", 2: f"{went_back} {behind}", 3: f"{went_back} When", 4: "When"}
    for seq, shown in recorded:
        assert f"Recorded {shown} (event {seq}). {after[seq]}" in text, (seq, shown)
    day = page.evaluate("async () => (await import('/js/views/format.js')).dayName('2026-11-19')")
    assert f"{day}, 21:30" in text  # the real date, kept as typed
    # The integrity page says where the clock went back, and blames no one.
    assert "Recorded times that go back" in text
    assert (
        f"Events 2 to 3 say they were recorded from {back_shown} to {back2_shown}, "
        f"earlier than event 1 before them ({then_shown})."
    ) in text
    assert "it may have been changed, or put right after it was wrong" in text
    assert "When each incident happened is what was typed for it" in text

    # cairn verify flags the same events, and the bundle still verifies.
    checked = run_verify(download_bundle(page, tmp_path))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    flagged = [line for line in checked.stdout.splitlines() if line.startswith("FLAGGED")]
    assert len(flagged) == 1 and flagged[0].startswith("FLAGGED: events 2–3: say they were"), (
        checked.stdout
    )
    assert "earlier than event 1 before them in the chain" in flagged[0]
    assert "NOT VERIFIED" not in checked.stdout


SHARE_AND_PRINT_STUBS = """
    // A phone that can share files, and a print that records what it would print, under
    // which page title (the name a saved PDF is offered), then says it is done.
    navigator.canShare = (data) => Boolean(data && data.files && data.files.length);
    navigator.share = async (data) => {
        window.__shared = data.files.map((f) => [f.name, f.size, f.type]);
    };
    window.print = () => {
        window.__printed = [...document.querySelectorAll('.report img')].map(
            (img) => Boolean(img.src) && img.complete && img.naturalWidth > 0);
        window.__printedTitle = document.title;
        window.dispatchEvent(new Event('afterprint'));
    };
"""


def test_printing_waits_for_the_pictures_and_the_bundle_is_shared_not_downloaded(
    page: Page, tmp_path: Path
):
    page.add_init_script(SHARE_AND_PRINT_STUBS)
    downloads = []
    page.on("download", lambda d: downloads.append(d))
    set_up_with_passphrase_only(page)
    page.get_by_role("button", name="Log an incident").click()
    page.get_by_label("What happened").fill("Photos of the damage to the car")
    add_files(page, "Take a photo", [image("door.png")])
    add_files(page, "Add screenshots or files", [image("tyre.png", SCREENSHOT)])
    page.get_by_role("button", name="Save incident").click()
    expect(page.get_by_role("heading", name=re.compile("^Incident,"))).to_be_visible()
    page.get_by_role("button", name="Back", exact=True).click()
    # Opened afresh, so no picture has been decrypted yet.
    page.reload()
    unlock_with_passphrase(page)
    page.get_by_role("button", name="Summary").click()
    page.get_by_role("button", name="Make a report for the police").click()
    # Print, and yes to what printing shows, are tapped the moment they appear, before the
    # pictures can have been decrypted.
    page.evaluate(
        """() => new MutationObserver((_, observer) => {
            const find = (text) => [...document.querySelectorAll('button')]
                .find((b) => b.textContent === text);
            const print = find('Print or save as PDF');
            if (!print) return;
            observer.disconnect();
            print.click();
            find('Print or save').click();
        }).observe(document.body, { subtree: true, childList: true })"""
    )
    page.get_by_role("button", name="Show the report").click()
    printed = until(page, "() => window.__printed")
    assert printed == [True, True], printed
    # The PDF is offered under a name that says nothing (not the disguise's either), and the
    # page's title is the disguise's again once printing is done.
    title = page.evaluate("window.__printedTitle")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}-\d{4}", title), title
    assert page.title() == "Calculator"

    # What the bundle holds is said first; then, on a phone that can share, it is shared and
    # nothing is left in the downloads.
    page.get_by_role("button", name="Make the evidence bundle (zip)").click()
    expect(page.get_by_role("group").filter(has_text=READABLE)).to_be_visible()
    assert page.evaluate("window.__shared") is None
    page.get_by_role("button", name="Make the bundle").click()
    page.get_by_role("button", name="Share the file").click()
    shared = until(page, "() => window.__shared")
    [(name, size, kind)] = shared
    assert re.fullmatch(NEUTRAL_NAME % "zip", name), name
    assert size > 1000 and kind == "application/zip"
    expect(page.get_by_role("status").filter(has_text="Shared")).to_be_visible()
    assert downloads == []
    # Saving it in the downloads is still there, on its own tap.
    with page.expect_download() as download:
        page.get_by_role("button", name="Save it in my downloads instead").click()
    assert download.value.suggested_filename == name


BUNDLE_WITH_A_PERSONS_PHOTO = """async () => {
    const model = await import('/js/diary/model.js');
    const evidence = await import('/js/diary/evidence.js');
    const { makeBundle } = await import('/js/formats/bundle.js');
    const file = (text, name) =>
        evidence.store({ source: new Blob([text]).stream(), name, type: 'image/png', kind: 'x' });
    const face = await file('his face', 'face.png');
    const person = await model.describePerson('', { name: 'J. Smith' }, [face]);
    const fields = { ...model.emptyIncident(), what: 'He waited by the gate', personId: person };
    await model.recordIncident(fields, { evidence: [await file('the gate', 'gate.png')] });
    const { incidents } = await model.load();
    const report = document.createElement('section');
    report.textContent = 'He waited by the gate';
    const blob = await makeBundle({ incidents: [...incidents.values()], report });
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let text = '';
    for (const b of bytes) text += String.fromCharCode(b);
    return btoa(text);
}"""


def test_a_bundle_naming_a_person_with_a_photo_verifies_and_hands_over_only_the_reports_files(
    page: Page, tmp_path: Path
):
    """The person is in the report, their photo is not: its event keeps only its hash, so
    the bundle neither hands the photo over nor looks as if a file was withheld."""
    set_up_with_passphrase_only(page)
    bundle = tmp_path / "person.zip"
    bundle.write_bytes(base64.b64decode(page.evaluate(BUNDLE_WITH_A_PERSONS_PHOTO)))
    with zipfile.ZipFile(bundle) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        assert [f["name"] for f in manifest["files"]] == ["gate.png"]
    photos = [e for e in manifest["events"] if e["type"] == "evidence.added"]
    assert [e["payload"] is None for e in photos] == [True, False]
    assert "face.png" not in json.dumps(manifest)
    assert "J. Smith" in json.dumps(manifest)  # who it was is in the report
    result = run_verify(bundle)
    assert result.returncode == 0, result.stdout
    assert "withheld" not in result.stdout
