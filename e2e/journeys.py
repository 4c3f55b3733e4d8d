"""What a person does on the phone, shared by the browser tests: the codes and passphrase
the test user picks, setting up, unlocking, typing into the disguise, logging an incident
(with every field filled, or a diary with a bit of everything) and attaching files, making
and choosing a backup file, opening the report and downloading its evidence bundle."""

from __future__ import annotations

import contextlib
import os
import re
import struct
import zlib
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, expect

from e2e.exports import NEUTRAL_NAME
from e2e.support import offline, wait_for_app

PASSPHRASE = "quiet harbour lantern meadow pebble"
# The server's start code (the default in the README) and the code each test user picks.
START_CODE = "24680"
CODE = "1379"


def type_code(page: Page, code: str) -> None:
    """Type a code into the calculator disguise and press =, as the user does."""
    for digit in code:
        page.locator(f'.calc [data-key="{digit}"]').click()
    page.locator('.calc [data-key="="]').click()


def start(page: Page) -> None:
    """Open the site on a new phone and type the start code: set-up begins."""
    page.goto("/")
    wait_for_app(page)
    type_code(page, START_CODE)
    expect(page.get_by_role("heading", name="Set up your private diary")).to_be_visible()


def reveal(page: Page) -> None:
    """From the disguise, the user's own code leads to the unlock screen."""
    wait_for_app(page)
    type_code(page, CODE)
    expect(page.get_by_role("heading", name="Unlock", exact=True)).to_be_visible()


def reopen(page: Page) -> None:
    """Reload: the disguise shows, and the code leads to the unlock."""
    page.reload()
    reveal(page)


def expect_disguise(page: Page) -> None:
    """The calculator is showing, and nothing behind it."""
    expect(page.locator(".calc")).to_be_visible()
    expect(page.get_by_role("heading", name="Unlock", exact=True)).to_have_count(0)


def choose_disguise_and_code(
    page: Page, look: str | None = "Calculator", code: str = CODE, *, begin: str | None = "Start"
) -> None:
    """Tap ``begin`` (Start, or a way to restore; None when the disguise's choice is already
    showing), choose how the app looks (None leaves it as it is), then the secret code, typed
    twice."""
    if begin:
        page.get_by_role("button", name=begin).click()
    if look:
        page.get_by_role("radio", name=look).check()
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Secret code (4 to 6 digits)").fill(code)
    page.get_by_label("The same code again").fill(code)
    page.get_by_role("button", name="Next").click()


def choose_passphrase(
    page: Page, passphrase: str = PASSPHRASE, look: str = "Calculator", code: str = CODE
) -> None:
    choose_disguise_and_code(page, look, code)
    page.get_by_role("button", name="I'd rather choose my own").click()
    page.get_by_label("Your passphrase").fill(passphrase)
    page.get_by_label("Type it again").fill(passphrase)
    page.get_by_role("button", name="Use this passphrase").click()
    expect(page.get_by_role("heading", name="How will you open your diary?")).to_be_visible()


def set_up_with_passkey(page: Page) -> None:
    start(page)
    choose_passphrase(page)
    page.get_by_role("button", name="Use fingerprint, face or screen lock").click()
    expect(page.get_by_role("heading", name="Your diary", exact=True)).to_be_visible()


# The passphrase alone at set-up: an equal choice beside the passkey where this phone can
# make one, the only way where it cannot.
PASSPHRASE_ALONE = re.compile("^(Use my passphrase only|Continue with my passphrase)$")


def set_up_with_passphrase_only(page: Page) -> None:
    start(page)
    choose_passphrase(page)
    page.get_by_role("button", name=PASSPHRASE_ALONE).click()
    expect(page.get_by_role("heading", name="Your diary", exact=True)).to_be_visible()


def unlock_with_passphrase(page: Page, passphrase: str = PASSPHRASE) -> None:
    """Unlock with the passphrase, from the disguise (typing the code first) or the unlock."""
    wait_for_app(page)
    disguise = page.locator(".calc")
    expect(disguise.or_(page.get_by_role("heading", name="Unlock", exact=True))).to_be_visible()
    if disguise.is_visible():
        reveal(page)
    if page.get_by_role("button", name="Use my passphrase instead").is_visible():
        page.get_by_role("button", name="Use my passphrase instead").click()
    page.get_by_label("Recovery passphrase").fill(passphrase)
    page.get_by_role("button", name="Unlock", exact=True).click()


DIARY = "Your diary"


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A real PNG image of one colour (the phone's photo or screenshot)."""
    row = b"\x00" + bytes(rgb) * width
    raw = row * height

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


PHOTO = png(640, 480, (200, 40, 40))


SCREENSHOT = png(360, 780, (30, 90, 200))


def image(name: str, data: bytes = PHOTO) -> dict:
    return {"name": name, "mimeType": "image/png", "buffer": data}


# More than two parts of 1 MiB, so a file spans several chunks.
RECORDING = os.urandom(2 * 1024 * 1024 + 12_345)


def picked(name: str, data: bytes) -> dict:
    return {"name": name, "mimeType": "application/octet-stream", "buffer": data}


def diary_home(page: Page) -> None:
    expect(page.get_by_role("heading", name=DIARY, exact=True)).to_be_visible()


def another_tab(phone: BrowserContext) -> Page:
    """Open the diary in a second tab of the same phone, unlocked, on its first screen."""
    tab = phone.new_page()
    tab.goto("/")
    unlock_with_passphrase(tab)
    diary_home(tab)
    return tab


def start_entry(page: Page, what: str) -> None:
    """Tap "Log an incident", write ``what``, and wait until it is kept as a draft."""
    page.get_by_role("button", name="Log an incident").click()
    page.get_by_label("What happened").fill(what)
    expect(page.get_by_text("Kept on this phone as you type.")).to_be_visible()


def open_section(page: Page, name: str) -> None:
    summary = page.locator("summary", has_text=name)
    if summary.locator("xpath=..").get_attribute("open") is None:
        summary.click()


def add_files(page: Page, button: str, files: list[dict]) -> None:
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name=button).click()
    chooser.value.set_files(files)
    for f in files:
        expect(page.locator(".evidence-name", has_text=f["name"])).to_be_visible()


def log_incident(page: Page, what: str, behaviour: str | None = None, date: str | None = None):
    page.get_by_role("button", name="Log an incident").click()
    if date:
        page.get_by_label("Date", exact=True).fill(date)
    if behaviour:
        page.get_by_label(behaviour).check()
    page.get_by_label("What happened").fill(what)
    page.get_by_role("button", name="Save incident").click()
    expect(page.get_by_role("heading", name=re.compile("^Incident,"))).to_be_visible()
    page.get_by_role("button", name="Back", exact=True).click()
    diary_home(page)


@contextlib.contextmanager
def reopened_offline(page: Page, phone: BrowserContext):
    """With the network off: the app reloaded from the worker's cache, and unlocked."""
    with offline(phone):
        page.reload()
        wait_for_app(page)
        unlock_with_passphrase(page)
        yield


def shown_rows(page: Page) -> list[str]:
    return page.locator(".incident-row").all_text_contents()


def fill_everything(page: Page, *, what: str) -> None:
    page.get_by_label("Date", exact=True).fill("2026-11-14")
    page.get_by_label("Time", exact=True).fill("21:40")
    page.get_by_label("The time is approximate").check()
    page.get_by_label("Until (if it went on)").fill("22:10")
    page.get_by_label("Following or watching me").check()
    page.get_by_label("Driving past").check()
    page.get_by_label("What happened").fill(what)
    page.get_by_label("Where it happened").fill("Outside the library on Mill Street")
    page.get_by_role("button", name="I am there now").click()
    expect(
        page.get_by_text(re.compile(r"^Recorded where this phone is now: 55\.95330"))
    ).to_be_visible()

    open_section(page, "Who did it")
    page.get_by_label("Who was it").select_option(label="Add someone new…")
    page.get_by_label("Their name, or what you call them").fill("Alex Brown")
    page.get_by_label("Who they are to you").select_option(label="Ex-partner")
    page.get_by_label("What they looked like").fill("Tall, short grey hair")
    page.get_by_label("Clothing").fill("Dark green parka")
    page.get_by_label("Vehicle (make, model, colour)").fill("Silver Ford Focus")
    page.get_by_label("Registration").fill("SK19 XYZ")

    open_section(page, "Witnesses")
    page.get_by_role("button", name="Add a witness").click()
    page.get_by_label("Name", exact=True).fill("Priya Shah")
    page.get_by_label("How to reach them").fill("07700 900123")
    page.get_by_label("What they saw or heard").fill("Saw the car circle twice")

    open_section(page, "How it affected you")
    page.get_by_label("Frightened").check()
    page.get_by_label("Afraid they would be violent").check()
    page.get_by_label("What it changed in your life").fill("Stopped walking home alone")

    open_section(page, "Police")
    page.get_by_role("group", name="Did you report it to the police?").get_by_label(
        "Yes", exact=True
    ).check()
    page.get_by_label("Date reported").fill("2026-11-15")
    page.get_by_label("Officer's name").fill("PC Morgan")
    page.get_by_label("Crime reference number").fill("CR-2026-55501")

    add_files(page, "Take a photo", [image("photo.png")])
    add_files(
        page,
        "Add screenshots or files",
        [{"name": "screenshot.png", "mimeType": "image/png", "buffer": SCREENSHOT}],
    )
    page.get_by_role("button", name="Record audio").click()
    expect(page.get_by_role("timer")).to_have_text(re.compile(r"0:0[1-9]"), timeout=5_000)
    page.get_by_role("button", name="Stop recording").click()
    expect(page.locator(".evidence-name", has_text="recording-")).to_be_visible()


def seeded_diary(page: Page) -> None:
    """A diary with a revised incident, a photo, a 2 MB recording and a withdrawn entry."""
    set_up_with_passphrase_only(page)
    log_incident(page, "Parked outside the house all evening", date="2026-11-02")
    page.get_by_role("button", name="Log an incident").click()
    page.get_by_label("Date", exact=True).fill("2026-11-09")
    page.get_by_label("What happened").fill("Left a parcel on the step")
    add_files(page, "Add screenshots or files", [image("step.png")])
    add_files(
        page,
        "Add screenshots or files",
        [picked("voicemail.bin", RECORDING)],
    )
    page.get_by_role("button", name="Save incident").click()
    page.get_by_role("button", name="Edit").click()
    page.get_by_label("What happened").fill("Left a parcel on the step, with a note")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Edited once")).to_be_visible()
    page.get_by_role("button", name="Back", exact=True).click()
    log_incident(page, "Entered by mistake", date="2026-11-10")
    page.locator(".incident-row", has_text="Entered by mistake").click()
    page.get_by_role("button", name="Remove its words and files").click()
    page.get_by_role("button", name="Yes, remove them").click()
    diary_home(page)


# --- the backup file ---------------------------------------------------------------------


def open_backup_settings(page: Page) -> None:
    page.get_by_role("button", name="Settings").click()
    page.get_by_role("button", name="Backup file", exact=True).click()
    expect(page.get_by_role("heading", name="Backup file")).to_be_visible()


def make_backup(page: Page, folder: Path, passphrase: str | None = None) -> Path:
    """Settings → Backup file → make it; returns the downloaded file."""
    open_backup_settings(page)
    if passphrase:
        page.get_by_role("radio", name="A different passphrase").check()
        page.get_by_label("A passphrase for this file").fill(passphrase)
        page.get_by_label("Type it again").fill(passphrase)
    with page.expect_download() as download:
        page.get_by_role("button", name="Make the backup file").locator("visible=true").click()
    expect(page.get_by_role("status").filter(has_text="is in your downloads")).to_be_visible()
    name = download.value.suggested_filename
    # The name says nothing of what the file is: the date and time it was made.
    assert re.fullmatch(NEUTRAL_NAME % "bin", name), name
    path = folder / name
    download.value.save_as(path)
    return path


def start_restore(page: Page) -> None:
    """A phone with no diary: the start code, then restore, its disguise and code."""
    page.goto("/")
    wait_for_app(page)
    type_code(page, START_CODE)
    choose_disguise_and_code(page, begin="Restore from a backup file")
    expect(page.get_by_role("heading", name="Restore your diary")).to_be_visible()


def restore_backup(page: Page, path: Path | dict, passphrase: str = PASSPHRASE) -> None:
    """From set-up's "Restore your diary": choose the file, type its passphrase, restore."""
    choose_backup(page, path)
    page.get_by_label("The backup's passphrase").fill(passphrase)
    page.get_by_role("button", name="Restore my diary").click()


def choose_backup(page: Page, path: Path | dict) -> None:
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Choose the backup file").click()
    chooser.value.set_files(path)
    expect(page.get_by_text(re.compile("^Chosen: "))).to_be_visible()


def merge_backup(page: Page, path: Path | dict, passphrase: str = PASSPHRASE) -> None:
    """From the backup file screen: add entries from a backup."""
    page.get_by_role("button", name="Add entries from a backup").click()
    expect(page.get_by_role("heading", name="Add entries from a backup")).to_be_visible()
    choose_backup(page, path)
    page.get_by_label("The backup's passphrase").fill(passphrase)
    page.get_by_role("button", name="Add from this backup").click()


# --- the report ----------------------------------------------------------------------------


def open_report(page: Page) -> None:
    page.get_by_role("button", name="Summary").click()
    page.get_by_role("button", name="Make a report for the police").click()
    expect(page.get_by_role("heading", name="Make a report")).to_be_focused()
    page.get_by_role("button", name="Show the report").click()
    expect(page.get_by_role("heading", name="Incident diary")).to_be_visible()


def download_bundle(page: Page, tmp_path: Path) -> Path:
    """Tap "Make the evidence bundle" on the report, say yes, and save the zip; return its
    path. The downloaded file's name says nothing of what it is."""
    page.get_by_role("button", name="Make the evidence bundle (zip)").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Make the bundle").click()
    assert re.fullmatch(NEUTRAL_NAME % "zip", download.value.suggested_filename)
    bundle = tmp_path / "bundle.zip"
    download.value.save_as(bundle)
    return bundle


# Nothing before the unlock may say any of these (issue 5).
TELLING = re.compile(r"cairn|stalk|diary|incident|harass|evidence|police|abuse", re.IGNORECASE)


def telling_words_on(page: Page) -> list[str]:
    """Every telling word in the title, address, text, accessible names, alt text and
    manifest of the page as it is now."""
    manifest = page.evaluate(
        """async () => {
            const link = document.querySelector('link[rel="manifest"]');
            return link ? (await fetch(link.href)).text() : '';
        }"""
    )
    seen = {
        "title": page.title(),
        "url": page.url,
        "text": page.locator("body").inner_text(),
        "accessible names": page.locator("body").aria_snapshot(),
        "alt": " ".join(page.evaluate("[...document.querySelectorAll('[alt]')].map(e => e.alt)")),
        "labels": " ".join(
            page.evaluate(
                "[...document.querySelectorAll('[aria-label],[title],[placeholder]')]"
                ".map(e => [e.ariaLabel, e.title, e.placeholder].join(' '))"
            )
        ),
        "manifest": manifest,
    }
    return [f"{where}: {m.group()}" for where, text in seen.items() for m in TELLING.finditer(text)]


def set_up(page: Page, look: str = "Calculator", code: str = CODE) -> None:
    """Set up with a chosen disguise and code, passphrase only."""
    start(page)
    choose_passphrase(page, look=look, code=code)
    page.get_by_role("button", name=PASSPHRASE_ALONE).click()
    expect(page.get_by_role("heading", name="Your diary", exact=True)).to_be_visible()
