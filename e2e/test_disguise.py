"""Disguise, quick exit and quick delete: what a person who picks up the phone finds."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from e2e.journeys import (
    CODE,
    START_CODE,
    TELLING,
    choose_disguise_and_code,
    expect_disguise,
    reveal,
    set_up,
    set_up_with_passphrase_only,
    start,
    telling_words_on,
    type_code,
    unlock_with_passphrase,
)
from e2e.support import (
    LiveServer,
    installed_phone,
    make_app,
    new_phone,
    offline,
    until,
    wait_for_app,
    wait_for_worker,
)
from server.limits import MemoryLimiter
from tests.clock import Clock

DISGUISES = {
    "calculator": "Calculator",
    "notes": "Notes",
    "converter": "Unit Converter",
    "timer": "Timer",
}
DRAFT = "He followed me from the station again"


def start_a_draft(page: Page) -> None:
    page.get_by_role("button", name="Log an incident").click()
    page.get_by_label("What happened").fill(DRAFT)


# --- each disguise ------------------------------------------------------------------------


def test_each_disguise_installs_as_itself(playwright, live_server, tmp_path):
    context = installed_phone(playwright, live_server, tmp_path / "profile")
    try:
        page = context.pages[0]
        page.goto("/calculator/")
        wait_for_worker(page)
        cdp = context.new_cdp_session(page)
        ids = set()
        for name, title in DISGUISES.items():
            page.goto(f"/{name}/")
            wait_for_app(page)
            expect(page).to_have_title(title)
            until(
                page,
                f"() => document.documentElement.dataset.disguise === '{name}'"
                " && document.querySelector('.disguise') !== null",
            )
            manifest = cdp.send("Page.getAppManifest")
            assert manifest["errors"] == [], manifest["errors"]
            assert manifest["url"].endswith(f"/{name}/manifest.webmanifest")
            parsed = json.loads(manifest["data"])
            assert parsed["name"] == title and parsed["start_url"] == f"/{name}/"
            ids.add(parsed["id"])
            sizes = {(i["sizes"], i.get("purpose", "any")) for i in parsed["icons"]}
            assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
            assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
            links = page.evaluate(
                """() => Object.fromEntries(['icon', 'apple-touch-icon'].map(
                    (rel) => [rel, document.querySelector(`link[rel="${rel}"]`).href]))"""
            )
            assert links["icon"].endswith(f"/{name}/favicon-32.png")
            assert links["apple-touch-icon"].endswith(f"/{name}/apple-touch-icon.png")
            assert telling_words_on(page) == []
        assert len(ids) == len(DISGUISES)
    finally:
        context.close()


def press(page: Page, keys: str) -> None:
    for key in keys:
        page.locator(f'.calc [data-key="{key}"]').click()


def test_the_calculator_calculates(page: Page, watch):
    page.goto("/")
    wait_for_app(page)
    display = page.locator(".calc-display")
    press(page, "12+3×4=")
    expect(display).to_have_text("24")
    press(page, "C0.1+0.2=")
    expect(display).to_have_text("0.3")
    press(page, "7÷0=")
    expect(display).to_have_text("Error")
    press(page, "C9−12=")
    expect(display).to_have_text("-3")
    # The keyboard works too.
    page.keyboard.type("6*7")
    page.keyboard.press("Enter")
    expect(display).to_have_text("42")
    assert not watch.errors and not watch.foreign


def test_equals_works_as_on_a_phone(page: Page):
    page.goto("/")
    wait_for_app(page)
    display = page.locator(".calc-display")
    # "=" again repeats the last operation.
    press(page, "2+3===")
    expect(display).to_have_text("11")
    press(page, "C2+3×4==")
    expect(display).to_have_text("56")
    # A missing number is the one shown.
    press(page, "C10−=")
    expect(display).to_have_text("0")
    press(page, "=")
    expect(display).to_have_text("-10")
    press(page, "C10×=")
    expect(display).to_have_text("100")
    # A number typed after a result starts afresh.
    press(page, "2+3=7=")
    expect(display).to_have_text("7")


def test_no_exponent_before_a_phone_would_show_one(page: Page):
    page.goto("/")
    wait_for_app(page)
    display = page.locator(".calc-display")
    for keys, shown in (
        ("123456789×9=", "1111111101"),
        ("0.1+0.2=", "0.3"),
        ("123456789012345+1=", "123456789012346"),
        ("1÷3=", "0.333333333333333"),
        ("1÷10000000=", "0.0000001"),
        # Past the 15 digits a phone's display holds: an exponent, as a phone shows it.
        ("99999999×99999999=", "9.9999998e15"),
    ):
        press(page, "C" + keys)
        expect(display).to_have_text(shown)


def test_a_long_result_shrinks_to_fit_on_one_line(page: Page):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto("/")
    wait_for_app(page)
    display = page.locator(".calc-display")
    measure = """(e) => {
        const range = document.createRange();
        range.selectNodeContents(e);
        return {
            lines: range.getClientRects().length,
            size: parseFloat(getComputedStyle(e).fontSize),
            over: e.scrollWidth - e.clientWidth,
        };
    }"""
    full = display.evaluate(measure)["size"]
    for keys, shown in (("123456789×123456=", "15241481342784"), ("1÷3=", "0.333333333333333")):
        press(page, "C" + keys)
        expect(display).to_have_text(shown)
        fit = display.evaluate(measure)
        assert fit["lines"] == 1 and fit["over"] <= 0, (shown, fit)
        assert fit["size"] < full, (shown, fit)
    # A short number is full size again.
    press(page, "C7")
    assert display.evaluate(measure)["size"] == full


def test_notes_are_kept(page: Page):
    page.goto("/notes/")
    wait_for_app(page)
    page.get_by_role("button", name="New note").click()
    page.get_by_label("Note").fill("Milk, eggs\nbread")
    page.get_by_role("button", name="Done").click()
    page.reload()
    wait_for_app(page)
    expect(page.get_by_role("button", name=re.compile("Milk, eggs"))).to_be_visible()
    page.get_by_role("searchbox", name="Search notes").fill("bread")
    expect(page.locator(".notes-item")).to_have_count(1)
    page.get_by_role("searchbox", name="Search notes").fill("cheese")
    expect(page.get_by_text("No notes found.")).to_be_visible()


def test_the_converter_converts(page: Page):
    page.goto("/converter/")
    wait_for_app(page)
    page.get_by_label("Amount").fill("1")
    page.get_by_label("From", exact=True).select_option("Miles")
    page.get_by_label("To", exact=True).select_option("Kilometres")
    expect(page.locator(".conv-result")).to_have_text("1 mi = 1.609344 km")
    page.get_by_label("What to convert").select_option("Temperature")
    page.get_by_label("Amount").fill("100")
    page.get_by_label("From", exact=True).select_option("Celsius")
    page.get_by_label("To", exact=True).select_option("Fahrenheit")
    expect(page.locator(".conv-result")).to_have_text("100 °C = 212 °F")


def test_the_timer_counts_down(page: Page):
    page.goto("/timer/")
    wait_for_app(page)
    page.get_by_label(re.compile("^Time")).fill("2")
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_role("timer")).to_have_text(re.compile(r"0:0[12]"))
    expect(page.get_by_text("Time's up.")).to_be_visible(timeout=5_000)


def test_the_timer_is_styled_like_the_others(page: Page):
    page.set_viewport_size({"width": 360, "height": 740})
    fonts = """() => Object.fromEntries(
        [...document.querySelectorAll('.disguise, .disguise *')].map((e) => [
            e.textContent.trim().slice(0, 30) || e.tagName,
            getComputedStyle(e).fontFamily,
        ])
    )"""
    page.goto("/notes/")
    wait_for_app(page)
    stack = set(page.evaluate(fonts).values())
    assert len(stack) == 1 and "monospace" not in next(iter(stack)), stack
    page.goto("/timer/")
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Timer")).to_be_visible()
    # Every word in the notes' font (no typewriter font); the digits keep their width.
    assert {e: f for e, f in page.evaluate(fonts).items() if f not in stack} == {}
    clock = page.get_by_role("timer")
    assert "tabular-nums" in clock.evaluate("(e) => getComputedStyle(e).fontVariantNumeric")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


# --- before the unlock, nothing tells ----------------------------------------------------


def test_nothing_before_the_unlock_says_what_this_is(page: Page):
    for name in DISGUISES:
        page.goto(f"/{name}/")
        wait_for_app(page)
        assert telling_words_on(page) == [], name
    set_up_with_passphrase_only(page)
    page.get_by_role("button", name="Lock now").click()
    expect_disguise(page)
    assert telling_words_on(page) == []
    reveal(page)
    assert telling_words_on(page) == []
    # A wrong passphrase's message says nothing either.
    page.get_by_label("Recovery passphrase").fill("wrong words entirely")
    page.get_by_role("button", name="Unlock", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("not right")
    assert telling_words_on(page) == []
    # And after the unlock the title stays the disguise's.
    unlock_with_passphrase(page)
    expect(page.get_by_role("heading", name="Your diary", exact=True)).to_be_visible()
    assert page.title() == "Calculator" and not TELLING.search(page.url)


def test_a_wrong_code_calculates_and_the_right_one_unlocks(page: Page):
    set_up_with_passphrase_only(page)
    page.get_by_role("button", name="Lock now").click()
    expect_disguise(page)
    type_code(page, "1234")
    expect(page.locator(".calc-display")).to_have_text("1234")
    # The server's start code opens nothing on a phone that is set up.
    type_code(page, START_CODE)
    expect(page.locator(".calc-display")).to_have_text(START_CODE)
    page.wait_for_timeout(500)
    expect_disguise(page)
    type_code(page, CODE)
    expect(page.get_by_role("heading", name="Unlock", exact=True)).to_be_visible()
    # Closing the unlock goes back to the calculator.
    page.get_by_role("button", name="Close").click()
    expect_disguise(page)


def test_the_start_code_and_easy_codes_cannot_be_ones_own(page: Page):
    start(page)
    page.get_by_role("button", name="Start").click()
    page.get_by_role("button", name="Next").click()
    for code, said in ((START_CODE, "the code you were given"), ("1234", "in a row")):
        page.get_by_label("Secret code (4 to 6 digits)").fill(code)
        page.get_by_label("The same code again").fill(code)
        page.get_by_role("button", name="Next").click()
        expect(page.get_by_role("alert")).to_contain_text(said)
    expect(page.get_by_role("heading", name="Choose your secret code")).to_be_visible()


def test_the_percent_key_works_as_on_a_phone(page: Page):
    page.goto("/")
    wait_for_app(page)
    press(page, "200+10%=")
    expect(page.locator(".calc-display")).to_have_text("220")
    press(page, "C50%=")
    expect(page.locator(".calc-display")).to_have_text("0.5")


def test_a_new_phone_needs_the_start_code(page: Page):
    page.goto("/")
    wait_for_app(page)
    type_code(page, "13579")
    expect(page.locator(".calc-display")).to_have_text("13579")
    page.wait_for_timeout(500)
    expect(page.get_by_role("heading", name="Set up your private diary")).to_have_count(0)
    type_code(page, START_CODE)
    expect(page.get_by_role("heading", name="Set up your private diary")).to_be_visible()
    page.get_by_role("button", name="Not now").click()
    expect_disguise(page)


# The start code's tries: a server of its own that allows 3 wrong codes in a 10-second window
# (the session's server is shared by every test, and a minute is long for a test). The
# window's clock is the test's; the phone's wait (the Retry-After it is given, the whole
# window) runs on real time, and must outlast typing a code again on a busy machine.
STRICT_TRIES = 3
STRICT_WINDOW = 10.0


@pytest.fixture
def strict_phone(playwright, browser, tmp_path) -> Iterator[Page]:
    """A new phone on a server that allows few wrong start codes; its /api/start answers
    are collected in ``page.start_answers`` as (code, status)."""
    app = make_app(
        tmp_path / "instance",
        START_CODE_TRIES_PER_MINUTE=STRICT_TRIES,
        START_CODE_WINDOW_SECONDS=STRICT_WINDOW,
    )
    # The server's minute moves only when the test moves it: however slowly the codes are
    # typed on a busy machine, the tries stay inside the window until the test says so.
    clock = Clock()
    app.extensions["cairn.limiter"] = MemoryLimiter(clock)
    server = LiveServer(app).start()
    context = new_phone(playwright, browser, server)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.limiter_clock = clock  # type: ignore[attr-defined]
    answers: list[tuple[str, int]] = []

    def answered(response) -> None:
        if response.url.endswith("/api/start"):
            answers.append((json.loads(response.request.post_data)["code"], response.status))

    page.on("response", answered)
    page.start_answers = answers  # type: ignore[attr-defined]
    try:
        yield page
    finally:
        context.close()
        server.stop()


def test_sums_never_use_up_the_start_code_tries(strict_phone: Page):
    """Working sums out, results included, sends nothing: the start code still opens set-up
    on a server that would refuse it after three wrong codes."""
    page = strict_phone
    page.goto("/")
    wait_for_app(page)
    sums = ["12+7=", "250×4=", "=", "+5=", "1500÷3=", "99−1=", "2000+24=", "0.5×8000="]
    sums += ["C1234%=", "C1234±=", "C4321+=", "C1111×1=", "C24680+0="]
    for keys in sums:
        press(page, keys)
    expect(page.locator(".calc-display")).to_have_text("24680")
    page.wait_for_timeout(300)
    assert page.start_answers == []  # type: ignore[attr-defined]
    press(page, "C")
    type_code(page, START_CODE)
    expect(page.get_by_role("heading", name="Set up your private diary")).to_be_visible()
    assert page.start_answers == [(START_CODE, 200)]  # type: ignore[attr-defined]


def test_the_other_disguises_send_only_a_bare_code(strict_phone: Page):
    """Searches, amounts and times that are not 4 to 6 digits on their own are never sent."""
    page = strict_phone
    page.goto("/notes/")
    wait_for_app(page)
    search = page.get_by_role("searchbox", name="Search notes")
    for text in ("2024 tax", "123", "1234567", "12.50"):
        search.fill(text)
        search.press("Enter")
    page.goto("/converter/")
    wait_for_app(page)
    for amount in ("1.5", "1,000", "-2000", "1e4"):
        page.get_by_label("Amount").fill(amount)
        page.get_by_role("button", name="Convert").click()
    page.goto("/timer/")
    wait_for_app(page)
    page.get_by_label(re.compile("^Time")).fill("130")
    page.get_by_role("button", name="Start").click()
    page.wait_for_timeout(300)
    assert page.start_answers == []  # type: ignore[attr-defined]
    page.get_by_role("button", name="Stop").click()
    page.get_by_label(re.compile("^Time")).fill(START_CODE)
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_role("heading", name="Set up your private diary")).to_be_visible()
    assert page.start_answers == [(START_CODE, 200)]  # type: ignore[attr-defined]


def test_the_start_code_gets_through_once_the_wait_has_passed(strict_phone: Page):
    """Wrong codes use up the tries; the right code is then refused by the server and the
    calculator shows only its number; typed again once the wait is over, it opens set-up."""
    page = strict_phone
    page.goto("/")
    wait_for_app(page)
    for wrong in ("13579", "97531", "11223"):
        type_code(page, wrong)
        expect(page.locator(".calc-display")).to_have_text(wrong)
    # A wrong code typed again is not sent again: the page already knows it is wrong.
    type_code(page, "13579")
    type_code(page, START_CODE)
    expect(page.locator(".calc-display")).to_have_text(START_CODE)
    answers = page.start_answers  # type: ignore[attr-defined]
    for _ in range(300):  # the answers arrive as events; give them up to 15 s
        if len(answers) >= 4:
            break
        page.wait_for_timeout(50)
    assert answers == [("13579", 200), ("97531", 200), ("11223", 200), (START_CODE, 429)]
    # During the wait: nothing is sent, and the disguise shows nothing but the calculator.
    type_code(page, START_CODE)
    page.wait_for_timeout(300)
    assert len(answers) == 4
    expect_disguise(page)
    expect(page.get_by_role("heading", name="Set up your private diary")).to_have_count(0)
    assert telling_words_on(page) == []
    said = page.locator("[role=alert], [role=status], dialog[open]").all_inner_texts()
    assert "".join(said).strip() == ""
    # The window passes on the server; the phone waits out the Retry-After it was given
    # (the whole window, on the server's clock) on its own.
    page.limiter_clock.now += STRICT_WINDOW + 1  # type: ignore[attr-defined]
    page.wait_for_timeout(STRICT_WINDOW * 1000 + 500)
    # Nothing opened by itself when the wait ended.
    expect_disguise(page)
    type_code(page, START_CODE)
    expect(page.get_by_role("heading", name="Set up your private diary")).to_be_visible()
    assert answers[-1] == (START_CODE, 200)


def test_the_notes_disguise_opens_with_a_search(page: Page):
    set_up(page, look="Notes")
    assert page.title() == "Notes" and page.url.endswith("/notes/")
    page.get_by_role("button", name="Lock now").click()
    expect(page.get_by_role("heading", name="Notes")).to_be_visible()
    page.reload()
    wait_for_app(page)
    search = page.get_by_role("searchbox", name="Search notes")
    search.fill("1111")
    search.press("Enter")
    expect(page.get_by_text("No notes found.")).to_be_visible()
    search.fill(CODE)
    search.press("Enter")
    expect(page.get_by_role("heading", name="Unlock", exact=True)).to_be_visible()
    manifest = page.evaluate("document.querySelector('link[rel=manifest]').href")
    assert manifest.endswith("/notes/manifest.webmanifest")


def test_a_right_code_straight_after_a_wrong_one_still_opens(page: Page):
    """Both codes sent before the first is checked: the right one waits its turn."""
    set_up(page, look="Notes")
    page.get_by_role("button", name="Lock now").click()
    expect(page.get_by_role("heading", name="Notes")).to_be_visible()
    page.evaluate(
        """code => {
            const search = document.querySelector("input[type=search]");
            search.value = "1111";
            search.form.requestSubmit();
            search.value = code;
            search.form.requestSubmit();
        }""",
        CODE,
    )
    expect(page.get_by_role("heading", name="Unlock", exact=True)).to_be_visible()


def test_changing_the_disguise_warns_about_the_icon(page: Page):
    set_up_with_passphrase_only(page)
    page.get_by_role("button", name="Settings").click()
    page.get_by_role("button", name="Change the disguise").click()
    expect(page.get_by_text("keeps its old name and picture")).to_be_visible()
    page.get_by_role("radio", name="Timer").check()
    page.get_by_role("button", name="Use this disguise").click()
    expect(page.get_by_role("heading", name="Settings")).to_be_visible()
    assert page.title() == "Timer" and page.url.endswith("/timer/")
    page.reload()
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Timer")).to_be_visible()
    page.get_by_label(re.compile("^Time")).fill(CODE)
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_role("heading", name="Unlock", exact=True)).to_be_visible()


def test_the_unlock_screen_gives_way_to_the_disguise_when_left(page: Page):
    set_up_with_passphrase_only(page)
    page.get_by_role("button", name="Lock now").click()
    reveal(page)
    page.evaluate(
        """() => {
            const define = (name, value) =>
                Object.defineProperty(document, name, { value, configurable: true });
            const set = (state, at) => { define('visibilityState', state);
                document.dispatchEvent(new Event('visibilitychange')); };
            const now = Date.now;
            set('hidden');
            Date.now = () => now() + 60_000;  // a minute later
            set('visible');
            Date.now = now;
        }"""
    )
    expect_disguise(page)
    expect(page.get_by_role("button", name="Quick exit")).to_have_count(0)


def test_a_code_may_start_with_zero(page: Page):
    set_up(page, code="0427")
    page.get_by_role("button", name="Lock now").click()
    type_code(page, "427")
    expect(page.locator(".calc-display")).to_have_text("427")
    page.wait_for_timeout(300)
    expect_disguise(page)
    # The leading zero counts: typed in full, the code opens the unlock (which takes the
    # calculator's place at once, so its display is not looked at any more).
    type_code(page, "0427")
    expect(page.get_by_role("heading", name="Unlock", exact=True)).to_be_visible()


def test_nothing_said_inside_stays_in_the_page_after_the_lock(page: Page):
    set_up_with_passphrase_only(page)
    page.get_by_role("button", name="Settings").click()
    page.get_by_role("button", name="Change the disguise").click()
    page.get_by_role("radio", name="Timer").check()
    page.get_by_role("button", name="Use this disguise").click()
    expect(page.get_by_role("status")).to_contain_text("Timer")
    page.evaluate("async () => (await import('/js/vault/keys.js')).lock()")
    expect(page.get_by_role("heading", name="Timer")).to_be_visible()
    page.wait_for_timeout(100)
    assert telling_words_on(page) == []
    assert page.locator("#status").text_content() == ""


# The disguise's prefs gone from localStorage and from their copy beside the vault.
FORGET_CODE = """async () => {
    localStorage.clear();
    const { tx } = await import('/js/vault/idb.js');
    await tx('meta', 'readwrite', (t) => void t.objectStore('meta').delete('prefs'));
}"""


def test_a_diary_without_a_code_gets_one_after_the_unlock(page: Page):
    set_up_with_passphrase_only(page)
    # As a diary made before disguises: no code kept on the phone, in either place.
    page.evaluate(FORGET_CODE)
    page.reload()
    wait_for_app(page)
    type_code(page, START_CODE)
    expect(page.get_by_role("heading", name="Unlock", exact=True)).to_be_visible()
    unlock_with_passphrase(page)
    expect(page.get_by_role("heading", name="Choose how it looks")).to_be_visible()
    choose_disguise_and_code(page, "Notes", "2580", begin=None)
    expect(page.get_by_role("heading", name="Your diary", exact=True)).to_be_visible()
    assert page.title() == "Notes"
    page.get_by_role("button", name="Lock now").click()
    search = page.get_by_role("searchbox", name="Search notes")
    search.fill("2580")
    search.press("Enter")
    expect(page.get_by_role("heading", name="Unlock", exact=True)).to_be_visible()


# --- quick delete ------------------------------------------------------------------------------

STORAGE = """async () => ({
    databases: (await indexedDB.databases()).map((d) => d.name),
    local: Object.fromEntries(Object.entries(localStorage)),
    session: sessionStorage.length,
    caches: await Promise.all((await caches.keys()).map(async (name) =>
        (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname))),
})"""


def test_erase_everything_counts_down_can_be_stopped_and_leaves_nothing(
    page: Page, phone: BrowserContext
):
    set_up_with_passphrase_only(page)
    wait_for_worker(page)
    start_a_draft(page)
    page.get_by_role("button", name="Back", exact=True).click()
    page.get_by_role("button", name="Settings").click()
    page.get_by_role("button", name="Erase everything on this phone").click()
    expect(page.get_by_role("timer")).to_have_text(re.compile("[345]"))
    # A thumb resting low on the screen stops it, not only a tap on the words.
    viewport = page.viewport_size
    page.mouse.click(30, viewport["height"] - 30)
    expect(page.get_by_role("heading", name="Settings")).to_be_visible()
    page.wait_for_timeout(5_500)
    expect(page.get_by_role("heading", name="Settings")).to_be_visible()
    assert "app" in page.evaluate(STORAGE)["databases"]

    page.get_by_role("button", name="Erase everything on this phone").click()
    expect(page.get_by_role("heading", name="Erasing everything on this phone")).to_be_visible()
    expect(page.locator(".calc")).to_be_visible(timeout=10_000)
    page.wait_for_timeout(300)
    left = page.evaluate(STORAGE)
    assert "app" not in left["databases"], left
    assert left["session"] == 0
    assert list(left["local"]) == ["prefs"] and json.loads(left["local"]["prefs"]) == {
        "look": "calculator"
    }
    # The caches hold app files only: the disguise's, and the rest with its list.
    shell = set(
        page.evaluate(
            """async () => {
                const { PRECACHE, REST } = await import('/sw/precache.js');
                const rest = await (await fetch(REST[0])).json();
                return [...PRECACHE, ...rest.files, REST].map(([u]) => u);
            }"""
        )
    )
    assert all(set(urls) <= shell for urls in left["caches"]), left["caches"]

    # The disguise still works, offline too; the old code opens nothing now.
    with offline(phone):
        page.reload()
        wait_for_app(page)
        press(page, "12+3=")
        expect(page.locator(".calc-display")).to_have_text("15")
        type_code(page, CODE)
        page.wait_for_timeout(500)
        expect_disguise(page)
    # Online again, the start code sets up afresh.
    type_code(page, START_CODE)
    expect(page.get_by_role("heading", name="Set up your private diary")).to_be_visible()


def test_the_safety_page_says_what_the_disguise_does_not_hide(page: Page):
    set_up_with_passphrase_only(page)
    page.get_by_role("button", name="Settings").click()
    page.get_by_role("button", name="What the disguise does not hide").click()
    text = page.locator("#view").inner_text()
    for said in ("Settings", "browser's history", "PIN", "home screen"):
        assert said in text, said
    # What a passkey really is, the call log, and files already exported; and not the old
    # promise that someone who knows the PIN would still need a passkey or passphrase.
    for said in ("same fingerprint, face or screen lock", "Google or Apple account", "call log"):
        assert said in text, said
    assert "erasing the diary does not remove them" in text
    assert "would still need" not in text
    page.get_by_role("button", name="Back", exact=True).click()
    expect(page.get_by_role("heading", name="Settings")).to_be_visible()


@pytest.mark.parametrize("look", ["Notes"])
def test_the_chosen_disguise_shows_after_hiding(page: Page, look: str):
    set_up(page, look=look)
    page.evaluate("async () => (await import('/js/vault/keys.js')).lock()")
    expect(page.get_by_role("heading", name=look)).to_be_visible()
    assert page.title() == look
