"""Leaving things out of a report: an entry, or one file of an entry (an intimate picture, a
new address). What is left out is nowhere in the report, the table or the bundle; both say
how much was left out; and the bundle still verifies."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path

from playwright.sync_api import Page, expect

from e2e.exports import run_verify
from e2e.journeys import (
    PHOTO,
    SCREENSHOT,
    add_files,
    download_bundle,
    image,
    log_incident,
    open_section,
    set_up_with_passphrase_only,
)

ADDRESS = "He came to my new flat at 4 Rose Court"


def diary_with_something_to_leave_out(page: Page) -> None:
    set_up_with_passphrase_only(page)
    page.get_by_role("button", name="Log an incident").click()
    page.get_by_label("What happened").fill("A note left on my car")
    add_files(page, "Take a photo", [image("note.png")])
    add_files(
        page,
        "Add screenshots or files",
        [{"name": "private.png", "mimeType": "image/png", "buffer": SCREENSHOT}],
    )
    page.get_by_role("button", name="Save incident").click()
    expect(page.get_by_role("heading", name=re.compile("^Incident,"))).to_be_visible()
    page.get_by_role("button", name="Back", exact=True).click()
    log_incident(page, ADDRESS)
    log_incident(page, "A silent call at work")


def choose_what_to_leave_out(page: Page) -> None:
    page.get_by_role("button", name="Summary").click()
    page.get_by_role("button", name="Make a report for the police").click()
    open_section(page, "Leave something out")
    # A whole entry left out takes its files with it: their boxes cannot be ticked then.
    note = page.get_by_label(re.compile("A note left on my car"))
    only_private = page.get_by_label("Only the file private.png")
    note.check()
    expect(only_private).to_be_disabled()
    note.uncheck()
    expect(only_private).to_be_enabled()
    only_private.check()
    page.get_by_label(re.compile("Rose Court")).check()


def test_what_is_left_out_is_in_no_export_and_each_says_how_much(page: Page, tmp_path: Path):
    diary_with_something_to_leave_out(page)
    choose_what_to_leave_out(page)
    page.get_by_role("button", name="Show the report").click()

    report = page.locator(".report")
    expect(report.locator(".report-cover")).to_contain_text(
        "Left out1 entry and 1 file, by the person who kept the diary"
    )
    expect(report).to_contain_text("1 file of this entry was left out of this report")
    expect(report).to_contain_text("note.png")
    expect(report).to_contain_text("A silent call at work")
    for hidden in ("Rose Court", "private.png"):
        expect(report).not_to_contain_text(hidden)
    expect(report.locator(".report-cover")).to_contain_text("Incidents2")

    bundle = download_bundle(page, tmp_path)
    raw = bundle.read_bytes()
    with zipfile.ZipFile(bundle) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        report_html = zf.read("report.html").decode()
        everything = b"".join(zf.read(name) for name in zf.namelist())
    for hidden in (b"Rose Court", b"private.png", SCREENSHOT):
        assert hidden not in raw and hidden not in everything
    assert [f["name"] for f in manifest["files"]] == ["note.png"]
    assert PHOTO in everything
    assert len(manifest["leftOut"]["entries"]) == 1 and len(manifest["leftOut"]["files"]) == 1
    assert "1 entry and 1 file, by the person who kept the diary" in report_html

    checked = run_verify(bundle)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert (
        "What the bundle holds: 2 of the chain's 3 entries; 1 entry and 1 file left out"
        in checked.stdout
    )

    # Back on the chooser the choices are still there, and the table leaves the entry out.
    page.get_by_role("button", name="Back", exact=True).first.click()
    expect(page.get_by_label(re.compile("Rose Court"))).to_be_checked()
    page.get_by_role("button", name="Make a table (CSV)").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Make the table").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text("utf-8-sig"))))
    assert len(rows) == 3  # a header and two incidents
    assert "Rose Court" not in json.dumps(rows)


def test_a_report_with_nothing_left_out_says_so(page: Page):
    set_up_with_passphrase_only(page)
    log_incident(page, "A silent call at work")
    page.get_by_role("button", name="Summary").click()
    page.get_by_role("button", name="Make a report for the police").click()
    page.get_by_role("button", name="Show the report").click()
    expect(page.locator(".report-cover")).to_contain_text("Left outNothing")
