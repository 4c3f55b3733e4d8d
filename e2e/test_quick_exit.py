"""Quick exit at the worst moment: every screen that works asynchronously, pressed before,
during and just after its work, by the button and by Shift × 3, and the lock firing instead.

Three seconds later the disguise is showing exactly as it shows after any lock — the same
text, accessibility tree and title, no toast, question, dialog or update offer, no Quick exit
button — and unlocking again brings back what was being typed.

"During" holds the work at its first step (a WebCrypto call, a request to the server, a
passkey prompt) until quick exit has been pressed; "at once" presses quick exit in the same
task as the tap that starts the work; "just after" lets the work finish and presses one task
later, while what it does next (a screen, a message) is on its way.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from e2e.journeys import (
    PASSPHRASE,
    PASSPHRASE_ALONE,
    PHOTO,
    choose_backup,
    choose_disguise_and_code,
    choose_passphrase,
    expect_disguise,
    make_backup,
    reveal,
    set_up_with_passkey,
    set_up_with_passphrase_only,
    start,
    unlock_with_passphrase,
)
from e2e.server_copy import expect_backed_up
from e2e.support import (
    ELSEWHERE,
    NEUTRAL,
    add_authenticator,
    launch_options,
    neutral_sites,
    new_phone,
    offline,
    until,
    wait_for_app,
)

TYPED = "He was waiting by the car park again"
NEW_PASSPHRASE = "amber orchard violin tundra pepper"
TELLING = re.compile(r"cairn|stalk|diary|incident|harass|evidence|police|abuse", re.IGNORECASE)

# Hold the page's asynchronous work at its next step while window.__gate is set.
GATE = """() => {
    if (window.__gated) return;
    window.__gated = true;
    window.__arm = () => {
        window.__held = false;
        window.__gate = new Promise((resolve) => {
            window.__release = resolve;
        });
    };
    // Only the first step after arming is held: what comes later (the code typed again, a
    // second derivation) goes through.
    const hold = async () => {
        const gate = window.__gate;
        if (!gate) return;
        window.__gate = null;
        window.__held = true;
        await gate;
    };
    const wrap = (proto, name) => {
        const original = proto[name];
        proto[name] = async function (...args) { await hold(); return original.apply(this, args); };
    };
    for (const name of ['encrypt', 'decrypt', 'deriveBits', 'deriveKey', 'wrapKey', 'unwrapKey',
        'digest', 'importKey', 'exportKey', 'sign', 'verify', 'generateKey']) {
        wrap(SubtleCrypto.prototype, name);
    }
    wrap(CredentialsContainer.prototype, 'create');
    wrap(CredentialsContainer.prototype, 'get');
    const fetch = window.fetch;
    window.fetch = async (...args) => { await hold(); return fetch(...args); };
}"""

# Quick exit pressed by the page itself: the button, or Shift three times. (Defined once in
# the page: the app's CSP refuses eval in its own tasks.)
PRESSES = """() => {
    window.__press = {
        button: () => document.querySelector('.quick-exit').click(),
        shift: () => { for (let i = 0; i < 3; i++)
            window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Shift' })); },
    };
}"""
# The next tap (the one that starts the work) presses quick exit straight after its own
# click handlers, before anything they started can go on.
AT_ONCE = """(press) => {
    document.addEventListener('click', (event) => {
        if (!event.target.closest('.quick-exit')) queueMicrotask(window.__press[press]);
    }, { once: true });
}"""
JUST_AFTER = "(press) => { window.__release(); setTimeout(window.__press[press], 0); }"
NEXT_TASK = "(press) => setTimeout(window.__press[press], 0)"


@dataclass(frozen=True)
class Case:
    """A screen that works asynchronously: get there, start the work, and check nothing is lost."""

    name: str
    arrange: Callable[[Page], None]
    act: Callable[[Page], None]
    diary: str = "passphrase"  # "passphrase", "passkey", or "" (set-up: nothing made yet)
    gated: bool = True  # the work has an asynchronous step "during" can hold
    kept: Callable[[Page], None] | None = None  # after unlocking again: nothing lost
    needs_backup: bool = False  # arrange chooses the backup file made once for this module


def tap(name: str, *, exact: bool = True) -> Callable[[Page], None]:
    return lambda page: page.get_by_role("button", name=name, exact=exact).click(no_wait_after=True)


def settings(page: Page) -> None:
    page.get_by_role("button", name="Settings").click()
    expect(page.get_by_role("heading", name="Settings")).to_be_visible()


def log_something(page: Page, what: str = "A note through the door") -> None:
    page.get_by_role("button", name="Log an incident").click()
    page.get_by_label("What happened").fill(what)
    page.get_by_role("button", name="Save incident").click()
    expect(page.get_by_role("heading", name=re.compile("^Incident,"))).to_be_visible()


def typed_incident(page: Page) -> None:
    page.get_by_role("button", name="Log an incident").click()
    page.get_by_label("What happened").fill(TYPED)
    page.get_by_label("Following or watching me").check()
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Take a photo").click()
    chooser.value.set_files([{"name": "photo.png", "mimeType": "image/png", "buffer": PHOTO}])
    expect(page.locator(".evidence-name", has_text="photo.png")).to_be_visible()
    page.wait_for_timeout(300)  # the draft is written as it is typed


def typed_edit(page: Page) -> None:
    log_something(page)
    page.get_by_role("button", name="Edit").click()
    page.get_by_label("What happened").fill(TYPED)
    page.wait_for_timeout(300)


def incident_kept(page: Page) -> None:
    """Saved before the exit, or kept as a draft that brings the words back."""
    carry = page.get_by_role("button", name="Carry on")
    row = page.locator(".incident-row", has_text=TYPED)
    expect(carry.or_(row).first).to_be_visible()
    if carry.count():
        carry.first.click()
        expect(page.get_by_label("What happened")).to_have_value(TYPED)


def withdraw(page: Page) -> None:
    log_something(page)
    page.get_by_role("button", name="Remove its words and files").click()


def checklist(page: Page) -> None:
    page.get_by_role("button", name="Risk checklist").click()
    page.get_by_role("group", name=re.compile(r"^1\. ")).get_by_label("Yes", exact=True).check()
    page.wait_for_timeout(300)


def checklist_kept(page: Page) -> None:
    page.get_by_role("button", name="Risk checklist").click()
    answered = page.get_by_role("group", name=re.compile(r"^1\. ")).get_by_label("Yes", exact=True)
    saved = page.get_by_text(re.compile(r"yes to 1 of 11"))
    expect(saved.or_(answered).first).to_be_visible()
    if not saved.count():
        expect(answered).to_be_checked()


def new_passphrase(page: Page) -> None:
    settings(page)
    page.get_by_role("button", name="Change my passphrase").click()
    page.get_by_label("New passphrase").fill(NEW_PASSPHRASE)
    page.get_by_label("Type it again").fill(NEW_PASSPHRASE)


def new_code(page: Page) -> None:
    settings(page)
    page.get_by_role("button", name="Change the secret code").click()
    page.get_by_label("Secret code (4 to 6 digits)").fill("8642")
    page.get_by_label("The same code again").fill("8642")


def same_look(page: Page) -> None:
    settings(page)
    page.get_by_role("button", name="Change the disguise").click()
    page.get_by_role("radio", name="Calculator").check()


def remove_question(page: Page) -> None:
    settings(page)
    page.get_by_role("button", name="Remove").click()


def backup_screen(page: Page) -> None:
    settings(page)
    page.get_by_role("button", name="Backup file", exact=True).click()
    expect(page.get_by_role("heading", name="Backup file")).to_be_visible()


def server_copy_on(page: Page) -> None:
    settings(page)
    page.get_by_role("button", name="Keep an encrypted copy on the server").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible(timeout=30_000)
    # The first backup's run finished: the screen each case starts from stays as it is.
    expect_backed_up(page, timeout=60_000)


def signed_out(page: Page) -> None:
    server_copy_on(page)
    page.get_by_role("button", name="Sign out").click()
    # Signing out waits for the server; on a busy machine that took more than 5 s.
    expect(page.get_by_role("button", name="Sign in with my passkey")).to_be_visible(timeout=30_000)


def delete_question(page: Page) -> None:
    server_copy_on(page)
    page.get_by_role("button", name="Delete the server copy").click()


def report_chooser(page: Page) -> None:
    log_something(page)
    page.get_by_role("button", name="Back", exact=True).click()
    page.get_by_role("button", name="Summary").click()
    page.get_by_role("button", name="Make a report for the police").click()
    expect(page.get_by_role("heading", name="Make a report")).to_be_visible()


def report_shown(page: Page) -> None:
    report_chooser(page)
    page.get_by_role("button", name="Show the report").click()
    expect(page.get_by_role("heading", name="Incident diary")).to_be_visible()


def bundle_question(page: Page) -> None:
    report_shown(page)
    page.get_by_role("button", name="Make the evidence bundle (zip)").click()


def table_question(page: Page) -> None:
    report_chooser(page)
    page.get_by_role("button", name="Make a table (CSV)").click()


# The backup file the backup cases choose (made once per run by the `backup_file` fixture).
BACKUP: dict[str, Path] = {}


def merge_chosen(page: Page) -> None:
    backup_screen(page)
    page.get_by_role("button", name="Add entries from a backup").click()
    choose_backup(page, BACKUP["file"])
    page.get_by_label("The backup's passphrase").fill(PASSPHRASE)


def restore_chosen(page: Page) -> None:
    choose_disguise_and_code(page, begin="Restore from a backup file")
    choose_backup(page, BACKUP["file"])
    page.get_by_label("The backup's passphrase").fill(PASSPHRASE)


def set_up_step(page: Page) -> None:
    choose_passphrase(page)


def locked_with_passphrase_typed(page: Page) -> None:
    page.get_by_role("button", name="Lock now").click()
    reveal(page)
    if page.get_by_role("button", name="Use my passphrase instead").is_visible():
        page.get_by_role("button", name="Use my passphrase instead").click()
    page.get_by_label("Recovery passphrase").fill(PASSPHRASE)


def locked(page: Page) -> None:
    page.get_by_role("button", name="Lock now").click()
    reveal(page)


CASES = [
    Case("set-up with a passkey", set_up_step, tap("Use fingerprint, face or screen lock"), ""),
    Case("set-up with the passphrase only", set_up_step, tap("passphrase only", exact=False), ""),
    Case("unlock by passphrase", locked_with_passphrase_typed, tap("Unlock")),
    Case("unlock by passkey", locked, tap("Unlock with passkey"), "passkey"),
    Case(
        "saving an incident with a file", typed_incident, tap("Save incident"), kept=incident_kept
    ),
    Case("saving an edit", typed_edit, tap("Save changes"), kept=incident_kept),
    Case("withdrawing an entry", withdraw, tap("Yes, remove them")),
    Case("the risk checklist", checklist, tap("Save my answers"), kept=checklist_kept),
    Case("changing the passphrase", new_passphrase, tap("Save new passphrase")),
    Case("changing the secret code", new_code, tap("Save new code")),
    Case("changing the disguise", same_look, tap("Use this disguise"), gated=False),
    Case("adding a passkey", settings, tap("Add a passkey")),
    Case("removing a passkey", remove_question, tap("Yes, remove it"), "passkey", gated=False),
    Case("making a backup file", backup_screen, tap("Make the backup file")),
    Case(
        "adding entries from a backup", merge_chosen, tap("Add from this backup"), needs_backup=True
    ),
    Case(
        "restoring a backup file at set-up",
        restore_chosen,
        tap("Restore my diary"),
        "",
        needs_backup=True,
    ),
    Case(
        "turning the server copy on",
        settings,
        tap("Keep an encrypted copy on the server"),
        "passkey",
    ),
    Case("signing out of the server copy", server_copy_on, tap("Sign out"), "passkey"),
    Case("signing in to the server copy", signed_out, tap("Sign in with my passkey"), "passkey"),
    Case(
        "deleting the server copy", delete_question, tap("Yes, delete the server copy"), "passkey"
    ),
    Case("showing the report", report_chooser, tap("Show the report")),
    Case("the evidence bundle", bundle_question, tap("Make the bundle")),
    Case("the table (CSV)", table_question, tap("Make the table")),
    Case("the erase countdown", settings, tap("Erase everything on this phone"), gated=False),
]

MOMENTS = [
    ("at once", "button"),
    ("during", "button"),
    ("during", "shift"),
    ("just after", "shift"),
]


@pytest.fixture(scope="module")
def backup_file(playwright, browser, live_server, tmp_path_factory) -> Path:
    """A backup file of a small diary, protected by PASSPHRASE."""
    context = new_phone(playwright, browser, live_server)
    try:
        page = context.new_page()
        set_up_with_passphrase_only(page)
        log_something(page, "Kept in the backup")
        page.get_by_role("button", name="Back", exact=True).click()
        return make_backup(page, tmp_path_factory.mktemp("backup"))
    finally:
        context.close()


def prepare(page: Page, case: Case) -> dict:
    """Make the diary the case needs, note how the disguise looks after a lock, and go to
    the case's screen."""
    if case.diary == "":
        page.goto("/")
        expect_disguise(page)
        baseline = disguise_now(page)
        page.evaluate("async () => (await import('/js/disguise/prefs.js')).setExit({ to: '' })")
        start(page)
    else:
        if case.diary == "passkey":
            set_up_with_passkey(page)
        else:
            set_up_with_passphrase_only(page)
        # Quick exit stays on the disguise, as the installed app does, so it can be looked at.
        page.evaluate("async () => (await import('/js/disguise/prefs.js')).setExit({ to: '' })")
        page.get_by_role("button", name="Lock now").click()
        expect_disguise(page)
        baseline = disguise_now(page)
        unlock(page, case)
    case.arrange(page)
    page.evaluate(GATE)
    page.evaluate(PRESSES)
    return baseline


def unlock(page: Page, case: Case) -> None:
    passkey = page.get_by_role("button", name="Unlock with passkey")
    if case.diary == "passkey":
        reveal(page)
    # A passkey removed just before the exit is gone: the passphrase opens it then.
    if case.diary == "passkey" and passkey.is_visible():
        passkey.click()
    else:
        unlock_with_passphrase(page)
    carry = page.get_by_role("button", name="Carry on")
    home = page.get_by_role("heading", name="Your diary", exact=True)
    expect(home.or_(carry).first).to_be_visible()


def disguise_now(page: Page) -> dict:
    page.wait_for_timeout(100)
    return {
        "title": page.title(),
        "text": page.locator("body").inner_text(),
        "tree": page.locator("body").aria_snapshot(),
    }


def expect_only_the_disguise(page: Page, baseline: dict) -> None:
    page.wait_for_timeout(3000)
    expect_disguise(page)
    assert disguise_now(page) == baseline
    assert page.locator("#status").text_content() == ""
    assert page.locator("#update").is_hidden()
    assert page.locator("dialog[open], .ask").count() == 0
    assert page.get_by_role("button", name="Quick exit").count() == 0
    seen = page.title() + page.locator("body").inner_text() + page.locator("body").aria_snapshot()
    assert not TELLING.search(seen), TELLING.search(seen)
    assert page.evaluate("async () => !(await import('/js/vault/keys.js')).isUnlocked()")


def press_during(page: Page, press: str) -> None:
    """Quick exit while the work is held at its first asynchronous step."""
    page.evaluate("() => window.__held")  # the page is responsive
    if press == "button":
        page.get_by_role("button", name="Quick exit").click()
    else:
        for _ in range(3):
            page.keyboard.press("Shift")
    page.wait_for_timeout(100)
    page.evaluate("() => window.__release && window.__release()")


@pytest.mark.parametrize(("moment", "press"), MOMENTS, ids=[f"{m}-{p}" for m, p in MOMENTS])
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_quick_exit_leaves_nothing_on_screen(
    page: Page, case: Case, moment: str, press: str, request: pytest.FixtureRequest
):
    if case.needs_backup:
        BACKUP["file"] = request.getfixturevalue("backup_file")
    if moment == "during" and not case.gated and press == "shift":
        pytest.skip("one press is enough where the work has no step to hold")
    # Every phone has a passkey to offer (with none, a passkey prompt waits in a browser
    # dialog that takes the page's input).
    add_authenticator(page, prf=True)
    baseline = prepare(page, case)

    if moment == "at once":
        page.evaluate(AT_ONCE, press)
        case.act(page)
    elif moment == "during" and case.gated:
        page.evaluate("() => window.__arm()")
        case.act(page)
        _until_held(page)
        press_during(page, press)
    elif moment == "during":
        case.act(page)
        page.wait_for_timeout(1500)
        page.evaluate("(press) => window.__press[press]()", press)
    else:  # just after: the work's first step goes through, the press comes a task later
        if case.gated:
            page.evaluate("() => window.__arm()")
            case.act(page)
            _until_held(page)
            page.evaluate(JUST_AFTER, press)
        else:
            case.act(page)
            page.evaluate(NEXT_TASK, press)

    expect_only_the_disguise(page, baseline)
    if case.diary == "":
        return
    # Unlocking again: the diary is there, and what was being typed with it.
    if case.name == "changing the passphrase":
        # Either passphrase may be the one now; neither is lost.
        reveal(page)
        page.get_by_label("Recovery passphrase").fill(PASSPHRASE)
        page.get_by_role("button", name="Unlock", exact=True).click()
        home = page.get_by_role("heading", name="Your diary", exact=True)
        if not _appears(home):
            page.get_by_label("Recovery passphrase").fill(NEW_PASSPHRASE)
            page.get_by_role("button", name="Unlock", exact=True).click()
            expect(home).to_be_visible()
        return
    if case.name == "changing the secret code":
        return  # either code opens it; the code's own tests cover which
    unlock(page, case)
    if case.kept:
        case.kept(page)


def _until_held(page: Page) -> None:
    """Wait until the work has reached its first held step."""
    for _ in range(200):
        if page.evaluate("() => window.__held === true"):
            return
        page.wait_for_timeout(25)
    raise AssertionError("the work never reached an asynchronous step")


def _appears(locator) -> bool:
    try:
        expect(locator).to_be_visible(timeout=3000)
    except AssertionError:
        return False
    return True


# --- the lock firing instead -------------------------------------------------------------

HIDDEN_A_MINUTE = """() => {
    const define = (name, value) =>
        Object.defineProperty(document, name, { value, configurable: true });
    const set = (state) => { define('visibilityState', state);
        document.dispatchEvent(new Event('visibilitychange')); };
    const now = Date.now;
    set('hidden');
    Date.now = () => now() + 60_000;
    set('visible');
    Date.now = now;
}"""


@pytest.mark.parametrize("how", ["hidden", "idle"])
def test_the_lock_firing_mid_save_leaves_nothing_on_screen(page: Page, how: str):
    case = next(c for c in CASES if c.name == "saving an incident with a file")
    baseline = prepare(page, case)
    page.evaluate("() => window.__arm()")
    case.act(page)
    _until_held(page)
    if how == "hidden":
        page.evaluate(HIDDEN_A_MINUTE)
    else:
        page.evaluate(
            "async () => (await import('/js/vault/lock.js')).configure({ idleMinutes: 0.001 })"
        )
    page.wait_for_timeout(200)
    page.evaluate("() => window.__release()")
    expect_only_the_disguise(page, baseline)
    # Back to the usual idle time, or the unlock screen would close as soon as it opens.
    page.evaluate("async () => (await import('/js/vault/lock.js')).configure({ idleMinutes: 5 })")
    unlock(page, case)
    incident_kept(page)


def test_a_screen_asked_for_by_an_earlier_reveal_never_shows_in_a_later_one(page: Page):
    """Quick exit mid-save, the code typed again at once: the old save's screen stays away
    from the new unlock screen."""
    case = next(c for c in CASES if c.name == "changing the passphrase")
    prepare(page, case)
    page.evaluate("() => window.__arm()")
    case.act(page)
    _until_held(page)
    page.get_by_role("button", name="Quick exit").click()
    expect_disguise(page)
    reveal(page)
    page.evaluate("() => window.__release()")
    page.wait_for_timeout(3000)
    expect(page.get_by_role("heading", name="Unlock", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Settings")).to_have_count(0)
    assert page.locator("#status").text_content() == ""


# --- each way of pressing it, and what it leaves behind -------------------------------------

DRAFT = "He followed me from the station again"


def start_a_draft(page: Page) -> None:
    page.get_by_role("button", name="Log an incident").click()
    page.get_by_label("What happened").fill(DRAFT)


def expect_the_draft_back(page: Page) -> None:
    """Unlock (from the disguise): the unfinished entry is offered, as it was typed."""
    unlock_with_passphrase(page)
    page.get_by_role("button", name="Carry on").click()
    expect(page.get_by_label("What happened")).to_have_value(DRAFT)


def exit_to_the_disguise(page: Page) -> None:
    """Settings: quick exit stays on the disguise (as the installed app always does)."""
    page.get_by_role("button", name="Settings").click()
    page.get_by_role("radio", name="The disguise on this phone").check()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    page.get_by_role("button", name="Back", exact=True).click()


WATCH_COVER = """async () => {
    // Runs after the app's own capture listener, in the same event: what the press did
    // before the browser could paint anything.
    const keys = await import('/js/vault/keys.js');
    window.__cover = [];
    document.addEventListener('keydown', (event) => {
        if (event.key !== 'Shift') return;
        window.__cover.push({
            up: !document.getElementById('cover').hidden,
            unlocked: keys.isUnlocked(),
        });
    });
}"""


def test_shift_three_times_hides_everything_and_back_never_shows_it(
    page: Page, phone: BrowserContext
):
    neutral_sites(phone)
    page.goto(ELSEWHERE)
    set_up_with_passphrase_only(page)
    start_a_draft(page)
    page.evaluate(WATCH_COVER)
    page.keyboard.press("Shift")
    page.keyboard.press("Shift")
    with page.expect_navigation(url=NEUTRAL):
        page.keyboard.press("Shift")
    expect(page).to_have_title("Weather")
    page.go_back()
    # Back skips the diary's entry (it was replaced): the page before it.
    assert page.url == ELSEWHERE
    assert DRAFT not in page.content()
    page.go_forward()
    assert page.url == NEUTRAL
    # Opening the app again: the disguise, then the unlock, and the draft is there.
    page.goto("/")
    wait_for_app(page)
    expect_disguise(page)
    expect_the_draft_back(page)


def test_the_cover_is_up_in_the_same_frame_and_the_lock_follows(page: Page):
    set_up_with_passphrase_only(page)
    exit_to_the_disguise(page)
    start_a_draft(page)
    page.evaluate(WATCH_COVER)
    for _ in range(3):
        page.keyboard.press("Shift")
    expect_disguise(page)
    records = page.evaluate("window.__cover")
    assert records[-1] == {"up": True, "unlocked": True}, records
    assert [r["up"] for r in records[:2]] == [False, False]
    expect(page.locator("#cover")).to_be_hidden()
    expect(page.get_by_role("button", name="Quick exit")).to_have_count(0)
    assert DRAFT not in page.content()
    assert page.evaluate("location.pathname") in ("/", "/calculator/")
    expect_the_draft_back(page)


def test_shift_a_letter_shift_shift_does_not_exit(page: Page):
    set_up_with_passphrase_only(page)
    exit_to_the_disguise(page)
    heading = page.get_by_role("heading", name="Your diary", exact=True)
    page.keyboard.press("Shift")
    page.keyboard.press("a")
    page.keyboard.press("Shift")
    page.keyboard.press("Shift")
    page.wait_for_timeout(300)
    expect(heading).to_be_visible()
    expect(page.locator("#cover")).to_be_hidden()
    # Holding Shift down repeats the key: that is one press, not three.
    page.keyboard.press("x")
    page.keyboard.down("Shift")
    page.evaluate(
        """() => { for (let i = 0; i < 5; i++) window.dispatchEvent(new KeyboardEvent('keydown',
            { key: 'Shift', repeat: true })); }"""
    )
    page.keyboard.up("Shift")
    page.wait_for_timeout(300)
    expect(heading).to_be_visible()
    # The held Shift counted once: two more on their own make three, and it exits.
    page.keyboard.press("Shift")
    page.keyboard.press("Shift")
    expect_disguise(page)


def test_the_quick_exit_button_does_the_same(page: Page):
    set_up_with_passphrase_only(page)
    exit_to_the_disguise(page)
    start_a_draft(page)
    button = page.get_by_role("button", name="Quick exit")
    box = button.bounding_box()
    viewport = page.viewport_size
    # In thumb reach: the bottom of the screen, at least 44 px each way.
    assert box["y"] + box["height"] > viewport["height"] * 0.8
    assert box["height"] >= 44 and box["width"] >= 44
    button.click()
    expect_disguise(page)
    assert DRAFT not in page.content()
    expect_the_draft_back(page)


# A finger landing on the button, and nothing more: no pointerup, no click. Returns what the
# page looked like at the end of that task.
FINGER_DOWN = """async () => {
    const keys = await import('/js/vault/keys.js');
    const $button = document.querySelector('.quick-exit');
    $button.dispatchEvent(new PointerEvent('pointerdown', { bubbles: true, cancelable: true,
        isPrimary: true, button: 0, buttons: 1, pointerType: 'touch', pointerId: 7 }));
    return { up: !document.getElementById('cover').hidden, unlocked: keys.isUnlocked() };
}"""
EXITS = "() => performance.getEntriesByName('quick-exit-covered').length"


def test_a_finger_landing_on_the_button_covers_before_it_lifts(page: Page):
    set_up_with_passphrase_only(page)
    exit_to_the_disguise(page)
    start_a_draft(page)
    at_once = page.evaluate(FINGER_DOWN)
    # The cover is up in the pointerdown's own task; the key goes once it is painted.
    assert at_once == {"up": True, "unlocked": True}, at_once
    until(page, "async () => !(await import('/js/vault/keys.js')).isUnlocked()")
    expect_disguise(page)
    assert DRAFT not in page.content()
    assert page.evaluate(EXITS) == 1
    expect_the_draft_back(page)


# When the finger landed (the first pointerdown on the button) and when the key was dropped.
WATCH_HELD = """async () => {
    const keys = await import('/js/vault/keys.js');
    window.__held = {};
    window.addEventListener('pointerdown', () => {
        window.__held.down ??= performance.now();
    }, true);
    window.addEventListener('touchstart', (event) => {
        window.__held.touch = { cancelable: event.cancelable };
        setTimeout(() => { window.__held.touch.cancelled = event.defaultPrevented; });
    }, true);
    keys.onLock(() => { window.__held.locked ??= performance.now(); });
}"""


def test_a_finger_held_on_the_button_locks_before_it_lifts(page: Page):
    """A real touch that stays down (people hold a tap for about a tenth of a second): the
    button cancels its touchstart, so the browser does not hold the page's tasks back
    waiting for a scroll (Chromium: up to 100 ms), and the lock after the cover's frame
    comes while the finger is still on the glass, not when it lifts."""
    set_up_with_passphrase_only(page)
    exit_to_the_disguise(page)
    start_a_draft(page)
    page.evaluate(WATCH_HELD)
    box = page.get_by_role("button", name="Quick exit").bounding_box()
    assert box
    at = {"x": box["x"] + box["width"] / 2, "y": box["y"] + box["height"] / 2}
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [at]})
    page.wait_for_timeout(400)
    held = page.evaluate("window.__held")
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    assert held["touch"] == {"cancelable": True, "cancelled": True}, held
    assert "locked" in held, f"still unlocked with the finger down 400 ms: {held}"
    # Held back, it would come 100 ms or more after the touch.
    assert held["locked"] - held["down"] < 90, held
    expect_disguise(page)
    assert DRAFT not in page.content()
    assert page.evaluate(EXITS) == 1
    expect_the_draft_back(page)


def test_what_was_typed_is_kept_when_the_next_page_comes_at_once(page: Page, live_server):
    """The page leaves from the cover's frame, not waiting for the draft: a next page on the
    same server, on a slow phone (4× CPU), arrives within milliseconds, and the words typed
    a moment before (less than a person takes to move to the button) are still kept."""
    set_up_with_passphrase_only(page)
    elsewhere = f"{live_server.url}/_harness/harness/blank.html"
    page.evaluate(
        "async (to) => (await import('/js/disguise/prefs.js')).setExit({ to })", elsewhere
    )
    start_a_draft(page)
    page.wait_for_timeout(100)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
    try:
        with page.expect_navigation(url=elsewhere):
            page.get_by_role("button", name="Quick exit").tap()
    finally:
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
    page.goto("/")
    expect_the_draft_back(page)


# Before the app's own scripts: from the third Shift on, whether a frame showing the cover
# has been painted (a task posted from its animation-frame callback has run), and at the
# page's last moment (beforeunload, when the navigation starts) what it still held.
AT_DEPARTURE = """(() => {
    let shifts = 0;
    window.addEventListener('keydown', (event) => {
        if (event.key !== 'Shift' || ++shifts < 3) return;
        window.__painted = false;
        requestAnimationFrame(function look() {
            const $cover = document.getElementById('cover');
            if (!$cover || $cover.hidden) return requestAnimationFrame(look);
            // As the app posts its task after the frame (user-blocking where there is a
            // scheduler), and before it: this callback runs first.
            const mark = () => { window.__painted = true; };
            if (window.scheduler?.postTask) scheduler.postTask(mark, { priority: 'user-blocking' });
            else setTimeout(mark, 0);
        });
    }, true);
    window.addEventListener('beforeunload', () => {
        const $view = document.getElementById('view');
        window.__departed && window.__departed({
            painted: window.__painted === true,
            unlocked: window.__keys ? window.__keys.isUnlocked() : null,
            shown: $view ? $view.innerHTML : null,
            title: document.title,
        });
    });
})();"""


def test_leaving_goes_once_the_cover_is_painted_with_nothing_left_behind(
    page: Page, phone: BrowserContext
):
    """Quick exit to another site: the navigation starts only after a frame with the cover
    has been painted (until the next page paints, the browser may keep showing the last
    frame), and by then the key is gone and the screen is empty, though the draft's write
    is not waited for."""
    departed: list[dict] = []
    phone.expose_function("__departed", lambda left: departed.append(left))
    phone.add_init_script(AT_DEPARTURE)
    neutral_sites(phone)
    set_up_with_passphrase_only(page)
    page.evaluate("async () => { window.__keys = await import('/js/vault/keys.js'); }")
    start_a_draft(page)
    with page.expect_navigation(url=NEUTRAL):
        for _ in range(3):
            page.keyboard.press("Shift")
    expect(page).to_have_title("Weather")
    assert departed, "no beforeunload seen"
    left = departed[0]
    assert left["painted"], "the page left before the cover's frame was painted"
    assert left["unlocked"] is False, left
    assert DRAFT not in left["shown"] and left["shown"] == "", left
    assert not TELLING.search(left["title"]), left
    page.goto("/")
    wait_for_app(page)
    expect_the_draft_back(page)


def test_a_page_that_stays_gets_the_disguise_back(page: Page, phone: BrowserContext):
    """Quick exit to a site that sends no page (204: the browser stays where it is): the
    cover stays up while the site is awaited, then the disguise is put back and shown, with
    nothing of the diary anywhere."""
    asked = []

    def no_page(route) -> None:
        asked.append(route.request.url)
        route.fulfill(status=204)

    phone.route("https://www.bbc.co.uk/**", no_page)
    set_up_with_passphrase_only(page)
    start_a_draft(page)
    for _ in range(3):
        page.keyboard.press("Shift")
    page.wait_for_timeout(1000)
    assert asked, "quick exit did not go for the site"
    assert page.evaluate("!document.getElementById('cover').hidden"), "the cover came down"
    assert DRAFT not in page.content()
    # Playwright's locators wait for the navigation they saw start: the page is asked.
    shown = """() => ({ cover: !document.getElementById('cover').hidden,
        calculator: Boolean(document.querySelector('.calc')), html: document.body.innerHTML,
        exit: document.querySelectorAll('.quick-exit').length, path: location.pathname })"""
    for _ in range(60):  # about three seconds in
        now = page.evaluate(shown)
        if not now["cover"]:
            break
        page.wait_for_timeout(100)
    assert not now["cover"] and now["calculator"] and now["exit"] == 0, now
    assert now["path"] in ("/", "/calculator/"), now
    assert DRAFT not in now["html"] and not TELLING.search(page.title())


def test_one_tap_one_click_or_one_key_exits_once(page: Page):
    """A tap is a pointerdown (which exits) and then its click: the click finds the app
    concealed and does nothing. Enter and Space come as a click alone, and exit."""
    set_up_with_passphrase_only(page)
    exit_to_the_disguise(page)
    button = page.get_by_role("button", name="Quick exit")
    # In a real tap the cover takes the finger's lift, so the click is the page's, not the
    # button's; a screen reader's tap sends both to the button itself.
    both_on_the_button = """() => {
        const $button = document.querySelector('.quick-exit');
        $button.dispatchEvent(new PointerEvent('pointerdown', { bubbles: true, isPrimary: true,
            button: 0, buttons: 1, pointerType: 'touch' }));
        $button.dispatchEvent(new MouseEvent('click', { bubbles: true, detail: 1 }));
    }"""
    ways = [
        (
            "a pointerdown and its click, both on the button",
            lambda: page.evaluate(both_on_the_button),
        ),
        ("a tap", lambda: button.tap()),
        ("a mouse click", lambda: button.click()),
        ("Enter", lambda: (button.focus(), page.keyboard.press("Enter"))),
        ("Space", lambda: (button.focus(), page.keyboard.press(" "))),
    ]
    for n, (way, press) in enumerate(ways, start=1):
        if n > 1:
            unlock_with_passphrase(page)
            expect(page.get_by_role("heading", name="Your diary", exact=True)).to_be_visible()
        press()
        expect_disguise(page)
        page.wait_for_timeout(300)  # a second exit, if any, has happened by now
        assert page.evaluate(EXITS) == n, way
        assert page.evaluate("async () => !(await import('/js/vault/keys.js')).isUnlocked()")


def test_escape_exits_only_when_turned_on(page: Page):
    set_up_with_passphrase_only(page)
    exit_to_the_disguise(page)
    page.keyboard.press("Escape")
    page.wait_for_timeout(300)
    expect(page.get_by_role("heading", name="Your diary", exact=True)).to_be_visible()
    page.get_by_role("button", name="Settings").click()
    page.get_by_label("The Escape key hides it too").check()
    until(page, "async () => (await import('/js/disguise/prefs.js')).exitSettings().escape")
    page.keyboard.press("Escape")
    expect_disguise(page)


def test_coming_back_from_the_back_forward_cache_shows_the_disguise(playwright, live_server):
    # Playwright turns the back/forward cache off; this browser has it on, as phones do.
    options = launch_options(playwright)
    browser = playwright.chromium.launch(
        **options, ignore_default_args=["--disable-back-forward-cache"]
    )
    context = new_phone(playwright, browser, live_server)
    try:
        page = context.new_page()
        neutral_sites(context)
        set_up_with_passphrase_only(page)
        start_a_draft(page)
        page.wait_for_timeout(300)  # the draft is written as it is typed
        page.evaluate("window.__sameDocument = true")
        page.goto(ELSEWHERE)
        page.go_back(wait_until="commit")
        wait_for_app(page)
        # The very page came back from the cache (not a reload), and it wears the disguise.
        assert page.evaluate("window.__sameDocument === true")
        expect_disguise(page)
        assert DRAFT not in page.content()
        expect(page.get_by_role("button", name="Quick exit")).to_have_count(0)
        expect_the_draft_back(page)

        # From the unlock screen too: back from the cache, the code still opens it.
        page.evaluate("async () => (await import('/js/vault/keys.js')).lock()")
        reveal(page)
        page.goto(ELSEWHERE)
        page.go_back(wait_until="commit")
        wait_for_app(page)
        expect_disguise(page)
        expect(page.get_by_role("button", name="Quick exit")).to_have_count(0)
        reveal(page)
    finally:
        context.close()
        browser.close()


# Before the app's own pageshow handler (an init script's listener comes first): what the
# page held when the browser brought it back, before anything put the disguise back.
AS_IT_CAME_BACK = """window.addEventListener('pageshow', (event) => {
    if (!event.persisted) return;
    const $cover = document.getElementById('cover');
    window.__cameBack = { cover: Boolean($cover && !$cover.hidden),
        shown: document.getElementById('view')?.innerText ?? '',
        unlocked: window.__keys?.isUnlocked() ?? null };
});"""


def test_back_after_a_quick_exit_never_brings_the_diary_back(playwright, live_server):
    """The diary open in two pages of one tab (opened again from a link or the home screen):
    quick exit from the second, to a page on the same server, then Back. The first comes back
    from the back/forward cache as the disguise; it went into the cache locked."""
    options = launch_options(playwright)
    browser = playwright.chromium.launch(
        **options, ignore_default_args=["--disable-back-forward-cache"]
    )
    context = new_phone(playwright, browser, live_server)
    try:
        context.add_init_script(AS_IT_CAME_BACK)
        page = context.new_page()
        set_up_with_passphrase_only(page)
        start_a_draft(page)
        page.wait_for_timeout(300)  # the draft is written as it is typed
        page.evaluate("async () => { window.__keys = await import('/js/vault/keys.js'); }")
        page.evaluate("window.__first = true")
        # Another address: Chromium replaces the entry on a visit to the same one.
        page.goto("/?again")
        unlock_with_passphrase(page)
        expect(page.get_by_role("button", name="Quick exit")).to_be_visible()
        elsewhere = f"{live_server.url}/_harness/harness/blank.html"
        page.evaluate(
            "async (to) => (await import('/js/disguise/prefs.js')).setExit({ to })", elsewhere
        )
        with page.expect_navigation(url=elsewhere):
            page.get_by_role("button", name="Quick exit").tap()
        page.go_back(wait_until="commit")
        wait_for_app(page)
        # The first page itself, from the cache (not loaded again), as it was kept.
        assert page.evaluate("window.__first === true")
        came_back = page.evaluate("window.__cameBack")
        assert came_back["unlocked"] is False, came_back
        assert came_back["cover"] or DRAFT not in came_back["shown"], came_back
        expect_disguise(page)
        assert DRAFT not in page.content()
        expect(page.get_by_role("button", name="Quick exit")).to_have_count(0)
        expect_the_draft_back(page)
    finally:
        context.close()
        browser.close()


def test_quick_exit_during_set_up_keeps_it_shut(page: Page, phone: BrowserContext):
    start(page)
    choose_passphrase(page)
    with offline(phone):  # stays on the disguise
        page.get_by_role("button", name=PASSPHRASE_ALONE).click()
        page.get_by_role("button", name="Quick exit").click()
        expect_disguise(page)
        page.wait_for_timeout(1500)  # longer than the passphrase's derivation
        expect_disguise(page)
        assert page.evaluate("async () => !(await import('/js/vault/keys.js')).isUnlocked()"), (
            "the set-up finished after the quick exit"
        )
        assert PASSPHRASE not in page.content()
