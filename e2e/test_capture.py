"""Capture from the disguise (issue 20): the code typed each disguise's second way opens a
plain screen that keeps a photo, files or a few words without unlocking, sealed to the
inbox's public key; nothing readable is stored, the disguise shows before and after, and
after an unlock the inbox holds each capture with the SHA-256 of its bytes."""

from __future__ import annotations

import base64
import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from e2e.a11y import Screens
from e2e.journeys import CODE, PASSPHRASE, START_CODE, TELLING, image, set_up, telling_words_on
from e2e.stored import DUMP_EVERYTHING, encodings
from e2e.strangers import Visit, expect_only_the_disguise
from e2e.support import storage_quota, until, wait_for_app, wait_for_worker

MARKER = "MARKER-capture-5b1d"
HEADING = "Keep a photo, a file or a few words"
# Every capture waiting in the inbox, opened with the diary's key, with the SHA-256 of the
# bytes read back (a note's: of its words).
INBOX = """async () => {
    const inbox = await import('/js/inbox/open.js');
    const hex = (b) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, '0')).join('');
    const out = [];
    for (const item of await inbox.items()) {
        const bytes = item.kind === 'file'
            ? await new Response(inbox.read(item.item)).arrayBuffer()
            : new TextEncoder().encode(item.text);
        out.push({ kind: item.kind, name: item.name ?? null, type: item.type ?? null,
            text: item.text ?? null, via: item.via, at: item.at, size: item.size,
            sha256: item.sha256, read: hex(await crypto.subtle.digest('SHA-256', bytes)) });
    }
    return out;
}"""
CAN_KEEP = "async () => (await import('/js/inbox/seal.js')).canKeep()"


@dataclass(frozen=True)
class Look:
    """A disguise, its first way in (to the unlock) and its second (to the capture screen)."""

    name: str
    title: str
    first: Callable[[Page, str], None]
    second: Callable[[Page, str], None]
    shows: Callable[[Page], None]


def calc_keys(page: Page, keys: str) -> None:
    for key in keys:
        page.locator(f'.calc [data-key="{key}"]').click()


def notes_search(page: Page, code: str) -> None:
    page.get_by_role("searchbox", name="Search notes").fill(code)
    page.get_by_role("searchbox", name="Search notes").press("Enter")


def notes_new(page: Page, code: str) -> None:
    page.get_by_role("searchbox", name="Search notes").fill(code)
    page.get_by_role("button", name="New note").click()


def amount(page: Page, code: str, button: str) -> None:
    page.get_by_label("Amount").fill(code)
    page.get_by_role("button", name=button).click()


def timer(page: Page, code: str, button: str) -> None:
    page.get_by_label(re.compile("^Time")).fill(code)
    page.get_by_role("button", name=button).click()


LOOKS = [
    Look(
        "calculator",
        "Calculator",
        lambda p, c: calc_keys(p, c + "="),
        lambda p, c: calc_keys(p, c + "×"),
        lambda p: expect(p.locator(".calc")).to_be_visible(),
    ),
    Look(
        "notes",
        "Notes",
        notes_search,
        notes_new,
        lambda p: expect(p.get_by_role("searchbox", name="Search notes")).to_be_visible(),
    ),
    Look(
        "converter",
        "Unit Converter",
        lambda p, c: amount(p, c, "Convert"),
        lambda p, c: amount(p, c, "Swap"),
        lambda p: expect(p.get_by_role("button", name="Swap")).to_be_visible(),
    ),
    Look(
        "timer",
        "Timer",
        lambda p, c: timer(p, c, "Start"),
        lambda p, c: timer(p, c, "Clear"),
        lambda p: expect(p.get_by_role("button", name="Clear")).to_be_visible(),
    ),
]
CALCULATOR = LOOKS[0]


def locked_diary(page: Page, look: Look) -> None:
    """A diary set up in ``look`` (passphrase only), its inbox key made, locked again."""
    set_up(page, look=look.title)
    until(page, CAN_KEEP)
    page.get_by_role("button", name="Lock now").click()
    look.shows(page)


def to_capture(page: Page, look: Look, code: str = CODE) -> None:
    look.second(page, code)
    expect(page.get_by_role("heading", name=HEADING)).to_be_visible()
    # Someone watching sees no more than the screen: the title and manifest stay the disguise's.
    assert page.title() == look.title
    assert telling_words_on(page) == []


def expect_kept(page: Page, look: Look, said: str = "Kept.") -> None:
    expect(page.get_by_role("status").filter(has_text=said)).to_be_visible()
    look.shows(page)
    expect(page.get_by_role("heading", name=HEADING)).to_have_count(0)
    expect(page.get_by_role("button", name="Quick exit")).to_have_count(0)
    assert page.title() == look.title


def choose(page: Page, button: str, files: list[dict]) -> None:
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name=button).click()
    chooser.value.set_files(files)


def jpeg(page: Page) -> bytes:
    """A real JPEG photo, as the phone's camera hands one over (made by the browser)."""
    data = page.evaluate(
        """async () => {
            const canvas = new OffscreenCanvas(640, 480);
            const g = canvas.getContext('2d');
            for (let i = 0; i < 40; i++) {
                g.fillStyle = `hsl(${i * 9}, 70%, 50%)`;
                g.fillRect((i * 37) % 600, (i * 53) % 440, 80, 60);
            }
            const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.9 });
            const bytes = new Uint8Array(await blob.arrayBuffer());
            return btoa(String.fromCharCode(...bytes));
        }"""
    )
    return base64.b64decode(data)


def unlock(page: Page, look: Look) -> None:
    look.first(page, CODE)
    page.get_by_label("Recovery passphrase").fill(PASSPHRASE)
    page.get_by_role("button", name="Unlock", exact=True).click()
    expect(page.get_by_role("heading", name="Your diary", exact=True)).to_be_visible()


@pytest.mark.parametrize("look", LOOKS, ids=[look.name for look in LOOKS])
def test_each_disguise_keeps_a_photo_files_and_a_line_while_locked(page: Page, look: Look):
    locked_diary(page, look)
    photo = jpeg(page)
    assert photo[:3] == b"\xff\xd8\xff"
    document = MARKER.encode() * 40_000 + os.urandom(1000)  # 1.4 MB: two parts
    screenshot = b"\x89PNG\r\n\x1a\n" + MARKER.encode() + os.urandom(5000)
    line = f"He was at the gate again {MARKER}"

    to_capture(page, look)
    choose(
        page, "Take a photo", [{"name": "IMG_0412.jpg", "mimeType": "image/jpeg", "buffer": photo}]
    )
    expect_kept(page, look)

    to_capture(page, look)
    choose(
        page,
        "Choose a file or screenshot",
        [
            {"name": f"{MARKER}.pdf", "mimeType": "application/pdf", "buffer": document},
            {"name": "Screenshot.png", "mimeType": "image/png", "buffer": screenshot},
        ],
    )
    expect_kept(page, look, "Kept 2 files.")

    to_capture(page, look)
    page.get_by_role("button", name="Write a line").click()
    page.get_by_label("A few words").fill(line)
    page.get_by_role("button", name="Keep", exact=True).click()
    expect_kept(page, look)

    # Nothing readable anywhere the phone stores things: not the words, not a file's bytes
    # or name, not the photo.
    dump = page.evaluate(DUMP_EVERYTHING)
    text = "\n".join(dump["strings"]).lower()
    hexes = "\n".join(dump["hexes"])
    for form in encodings(MARKER.encode()):
        assert form.lower() not in text, f"the marker is stored as {form!r}"
    assert MARKER.encode().hex() not in hexes
    assert photo[200:232].hex() not in hexes, "the photo's bytes are stored"
    assert any("inbox" in s for s in dump["strings"])  # the scan read the inbox's rows

    unlock(page, look)
    held = page.evaluate(INBOX)
    assert [(i["kind"], i["name"], i["type"], i["via"]) for i in held] == [
        ("file", "IMG_0412.jpg", "image/jpeg", "capture"),
        ("file", f"{MARKER}.pdf", "application/pdf", "capture"),
        ("file", "Screenshot.png", "image/png", "capture"),
        ("note", None, None, "capture"),
    ]
    originals = [photo, document, screenshot, line.encode()]
    for item, original in zip(held, originals, strict=True):
        assert item["size"] == len(original)
        assert item["sha256"] == item["read"] == hashlib.sha256(original).hexdigest()
    assert held[3]["text"] == line
    assert held[0]["at"] <= held[1]["at"] <= held[3]["at"]


WRONG = "2468"


def test_a_wrong_second_code_does_what_each_disguise_does(page: Page):
    locked_diary(page, CALCULATOR)
    # Calculator: it multiplies.
    calc_keys(page, WRONG + "×3=")
    expect(page.locator(".calc-display")).to_have_text("7404")
    # The right code not on its own, or a result that reads as the code, is only a sum.
    calc_keys(page, "C2+" + CODE + "×3=")
    expect(page.locator(".calc-display")).to_have_text(str(2 + int(CODE) * 3))
    calc_keys(page, "C1000+379=×2=")
    expect(page.locator(".calc-display")).to_have_text("2758")
    page.wait_for_timeout(500)
    expect(page.get_by_role("heading", name=HEADING)).to_have_count(0)
    for look in LOOKS[1:]:
        page.evaluate(
            "(name) => import('/js/disguise/prefs.js').then((p) => p.setLook(name))", look.name
        )
        page.reload()
        wait_for_app(page)
        look.shows(page)
        look.second(page, WRONG)
        if look.name == "notes":
            expect(page.get_by_role("heading", name="New note")).to_be_visible()
        elif look.name == "converter":
            expect(page.get_by_label("From", exact=True)).to_have_value("Centimetres")
            expect(page.get_by_label("To", exact=True)).to_have_value("Millimetres")
        else:
            expect(page.get_by_label(re.compile("^Time"))).to_have_value("")
        page.wait_for_timeout(500)
        expect(page.get_by_role("heading", name=HEADING)).to_have_count(0)
        assert page.title() == look.title
        # The right code the same way opens the capture screen.
        if look.name == "notes":
            page.get_by_role("button", name="Done").click()
        to_capture(page, look)
        page.get_by_role("button", name="Close").click()
        look.shows(page)


@pytest.mark.parametrize("press", ["button", "shift"])
def test_quick_exit_during_a_capture_returns_to_the_disguise(page: Page, press: str):
    locked_diary(page, CALCULATOR)
    # As in the installed app (or when chosen in settings), quick exit stays on this phone's
    # disguise rather than leaving for another site.
    page.evaluate("import('/js/disguise/prefs.js').then((p) => p.setExit({ to: '' }))")
    to_capture(page, CALCULATOR)
    page.get_by_role("button", name="Write a line").click()
    page.get_by_label("A few words").fill(f"Half written {MARKER}")
    if press == "button":
        page.get_by_role("button", name="Quick exit").click()
    else:
        for _ in range(3):
            page.keyboard.press("Shift")
    expect(page.locator(".calc")).to_be_visible()
    expect(page.get_by_role("heading", name=HEADING)).to_have_count(0)
    assert page.title() == "Calculator"
    assert MARKER not in page.locator("body").inner_text()
    # The half-written line was sealed as the screen went, as a half-written entry is kept.
    unlock(page, CALCULATOR)
    [note] = page.evaluate(INBOX)
    assert note["text"] == f"Half written {MARKER}"


def test_leaving_for_another_site_mid_capture_still_keeps_the_file(page: Page, live_server):
    """Quick exit to another site while a large file is being sealed: the page is covered at
    once, and leaves only once the file is kept, so nothing chosen is cut off."""
    locked_diary(page, CALCULATOR)
    elsewhere = f"{live_server.url}/_harness/harness/blank.html"
    page.evaluate(
        "async (to) => (await import('/js/disguise/prefs.js')).setExit({ to })", elsewhere
    )
    to_capture(page, CALCULATOR)
    big = os.urandom(24 * 1024 * 1024)
    choose(
        page,
        "Choose a file or screenshot",
        [{"name": "call-log.mp4", "mimeType": "video/mp4", "buffer": big}],
    )
    expect(page.get_by_role("status").filter(has_text="Keeping")).to_be_visible()
    with page.expect_navigation(url=elsewhere, timeout=30_000):
        page.get_by_role("button", name="Quick exit").click()
    page.goto("/")
    wait_for_app(page)
    unlock(page, CALCULATOR)
    [kept] = page.evaluate(INBOX)
    assert kept["name"] == "call-log.mp4"
    assert kept["read"] == kept["sha256"] == hashlib.sha256(big).hexdigest()


def test_the_capture_screen_closes_when_the_phone_is_put_away(page: Page):
    locked_diary(page, CALCULATOR)
    to_capture(page, CALCULATOR)
    page.evaluate(
        """() => {
            const define = (name, value) =>
                Object.defineProperty(document, name, { value, configurable: true });
            const set = (state) => { define('visibilityState', state);
                document.dispatchEvent(new Event('visibilitychange')); };
            const now = Date.now;
            set('hidden');
            Date.now = () => now() + 60_000;  // a minute later
            set('visible');
            Date.now = now;
        }"""
    )
    CALCULATOR.shows(page)
    expect(page.get_by_role("heading", name=HEADING)).to_have_count(0)


def test_a_capture_the_phone_has_no_room_for_says_so_and_stays_chosen(page: Page, live_server):
    big = os.urandom(3 * 1024 * 1024 + 77)
    # A phone with 2 MB free for this site, and a 3 MB recording to keep.
    with storage_quota(page, live_server.url, 2 * 1024 * 1024):
        locked_diary(page, CALCULATOR)
        to_capture(page, CALCULATOR)
        choose(
            page,
            "Choose a file or screenshot",
            [{"name": "voice.m4a", "mimeType": "audio/mp4", "buffer": big}],
        )
        expect(page.get_by_role("alert")).to_contain_text("storage is full")
        expect(page.get_by_role("alert")).to_contain_text("Still chosen: voice.m4a (3.0 MB)")
        expect(page.get_by_role("heading", name=HEADING)).to_be_visible()
    # Room again: the same file, without choosing it again.
    page.get_by_role("button", name="Try again").click()
    expect_kept(page, CALCULATOR)
    unlock(page, CALCULATOR)
    held = page.evaluate(INBOX)
    assert [(i["name"], i["read"]) for i in held] == [
        ("voice.m4a", hashlib.sha256(big).hexdigest())
    ]


def test_a_phone_without_an_inbox_key_says_so_before_anything_is_chosen(page: Page):
    locked_diary(page, CALCULATOR)
    # A diary set up before there was an inbox, not unlocked since.
    page.evaluate(
        """async () => {
            const { tx } = await import('/js/vault/idb.js');
            await tx('meta', 'readwrite', (t) => void t.objectStore('meta').delete('inbox'));
        }"""
    )
    to_capture(page, CALCULATOR)
    expect(page.get_by_role("alert")).to_have_text(re.compile("^This can't be kept yet"))
    page.get_by_role("button", name="Write a line").click()
    page.get_by_label("A few words").fill("Still here after")
    page.get_by_role("button", name="Keep", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text(re.compile("^This can't be kept yet"))
    expect(page.get_by_label("A few words")).to_have_value("Still here after")
    assert not TELLING.search(page.locator("body").inner_text())


def test_on_a_strangers_browser_code_times_opens_and_fetches_nothing(visit: Visit):
    page = visit.page
    page.goto("/")
    wait_for_app(page)
    page.wait_for_timeout(500)
    for code in [START_CODE, CODE]:
        calc_keys(page, "C" + code + "×")
        page.wait_for_timeout(700)
        expect(page.get_by_role("heading", name=HEADING)).to_have_count(0)
        expect(page.locator(".calc")).to_be_visible()
    # It multiplies: the start code is never sent, let alone anything behind it fetched.
    calc_keys(page, "2=")
    expect(page.locator(".calc-display")).to_have_text(str(int(CODE) * 2))
    assert not [p for p in visit.requested if p.startswith("/api/start")], visit.requested
    wait_for_worker(page)
    expect_only_the_disguise(visit)


def test_the_capture_screen_is_usable_by_everyone(page: Page):
    """axe-core in light and dark, 44 px targets, nothing lost at 200% text: as it opens,
    with the line being written, and failing (the message and Try again)."""
    screens = Screens(page)
    locked_diary(page, CALCULATOR)
    to_capture(page, CALCULATOR)
    screens.check("capture", HEADING)
    page.get_by_role("button", name="Write a line").click()
    page.get_by_label("A few words").fill("A few words")
    screens.check("capture: a line")
    page.evaluate(
        """() => { const put = IDBObjectStore.prototype.put;
            IDBObjectStore.prototype.put = function (value, key) {
                if (this.name === 'inbox') throw new DOMException('full', 'QuotaExceededError');
                return put.call(this, value, key); }; }"""
    )
    choose(page, "Choose a file or screenshot", [image("step.png")])
    expect(page.get_by_role("button", name="Try again")).to_be_visible()
    screens.check("capture: failed")
    screens.assert_clean()
