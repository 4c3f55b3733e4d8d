"""What a person does on the phone, shared by the browser tests: the codes and passphrase
the test user picks, setting up, unlocking, typing into the disguise, logging an incident
and attaching files."""

from __future__ import annotations

import contextlib
import re
import struct
import zlib

from playwright.sync_api import BrowserContext, Page, expect

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


def choose_disguise_and_code(page: Page, look: str = "Calculator", code: str = CODE) -> None:
    page.get_by_role("button", name="Start").click()
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


def set_up_with_passphrase_only(page: Page) -> None:
    start(page)
    choose_passphrase(page)
    page.get_by_role("button", name=re.compile("passphrase only")).click()
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


def diary_home(page: Page) -> None:
    expect(page.get_by_role("heading", name=DIARY, exact=True)).to_be_visible()


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
