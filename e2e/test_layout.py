"""What stays in sight: a message never covers the screen's heading or a control and goes
with its screen; at 200% text the diary's buttons hold their words and the Save and Quick
exit bar leaves the screen to the form; and no control the keyboard reaches is hidden under
a bar that stays on screen (WCAG 2.2, 2.4.11 Focus Not Obscured)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from e2e.journeys import diary_home, log_incident, set_up_with_passphrase_only

# Where each focus stop is looked at: its centre and its corners, a pixel inside. A point
# outside the screen counts as hidden.
COVERED = """() => {
    const el = document.activeElement;
    const r = el.getBoundingClientRect();
    const w = innerWidth, h = innerHeight;
    // A rounded corner's own pixel is outside the control: go in along the diagonal until
    // inside the curve (0.3 of the radius), and at least a pixel.
    const corner = parseFloat(getComputedStyle(el).borderTopLeftRadius) || 0;
    const radius = Math.min(corner, r.width / 2, r.height / 2);
    const d = Math.max(1, Math.ceil(radius * 0.3) + 1);
    const points = [
        [(r.left + r.right) / 2, (r.top + r.bottom) / 2],
        [r.left + d, r.top + d], [r.right - d, r.top + d],
        [r.left + d, r.bottom - d], [r.right - d, r.bottom - d],
    ];
    const over = [];
    for (const [x, y] of points) {
        const hit = x >= 0 && y >= 0 && x < w && y < h ? document.elementFromPoint(x, y) : null;
        // The control itself, or its own label (a chip's words are the box around it).
        const labels = [...(el.labels || [])];
        const own = hit && (el.contains(hit) || labels.some((l) => l.contains(hit)));
        if (own) continue;
        over.push(hit ? (hit.className || hit.tagName.toLowerCase()) : 'off screen');
    }
    return over;
}"""

# What has focus, named as a person would (its label or its words).
FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const byLabel = el.labels && el.labels.length ? el.labels[0].textContent : '';
    const name = el.getAttribute('aria-label') || byLabel || el.textContent || el.tagName;
    return el.tagName.toLowerCase() + ' "' + name.replace(/\\s+/g, ' ').trim().slice(0, 40) + '"';
}"""


def walk(page: Page, *, most: int = 250) -> tuple[int, list[str], list[str]]:
    """Press Tab from the screen's heading through every focus stop, once round. Return the
    number of stops, those wholly hidden, and those partly hidden (with what is on top)."""
    page.locator("#view h1").focus()
    seen: set[str] = set()
    hidden: list[str] = []
    partly: list[str] = []
    stops = 0
    last = None
    for _ in range(most):
        page.keyboard.press("Tab")
        name = page.evaluate(FOCUSED)
        if name is None:
            break
        marker = page.evaluate(
            "() => { const el = document.activeElement;"
            " el.dataset.walked = el.dataset.walked || String(Math.random());"
            " return el.dataset.walked; }"
        )
        if marker == last:
            continue  # the parts of a date or time field: one stop
        if marker in seen:
            break
        seen.add(marker)
        last = marker
        stops += 1
        page.wait_for_timeout(30)  # the browser scrolls the control into view
        over = page.evaluate(COVERED)
        if len(over) == 5:
            hidden.append(f"{name} under {over[0]}")
        elif over:
            partly.append(f"{name} under {', '.join(sorted(set(over)))}")
    page.evaluate(
        "() => document.querySelectorAll('[data-walked]').forEach((e) => delete e.dataset.walked)"
    )
    return stops, hidden, partly


# What the message's box overlaps: the heading, or any control on the screen.
UNDER_MESSAGE = """() => {
    const said = document.getElementById('status').getBoundingClientRect();
    const meets = (r) => r.width && r.height && r.left < said.right && said.left < r.right
        && r.top < said.bottom && said.top < r.bottom;
    const under = [];
    const controls = 'h1, button, a[href], input, select, textarea, summary, label';
    for (const el of document.querySelectorAll(controls)) {
        if (el.closest('#status')) continue;
        const name = el.tagName.toLowerCase() + ' "' + el.textContent.trim().slice(0, 30) + '"';
        if (meets(el.getBoundingClientRect())) under.push(name);
    }
    return under;
}"""


def text_size(page: Page, percent: int) -> None:
    """Set the text size, as the phone's font size setting does."""
    page.evaluate("(p) => { document.documentElement.style.fontSize = p + '%'; }", percent)
    page.wait_for_timeout(50)


def open_every_section(page: Page) -> None:
    for section in page.locator("#view details").all():
        section.evaluate("(d) => { d.open = true; }")


@pytest.mark.parametrize("percent", [100, 200])
def test_no_focused_control_is_hidden_under_a_bar(page: Page, percent: int):
    set_up_with_passphrase_only(page)
    log_incident(page, "Parked outside again", date="2026-11-02")
    text_size(page, percent)
    report = []

    def check(screen: str) -> None:
        stops, hidden, partly = walk(page)
        assert stops > 5, f"{screen}: only {stops} focus stops"
        print(f"{screen} at {percent}%: {stops} stops, {len(hidden)} hidden, {len(partly)} partly")
        report.extend(f"{screen}: hidden: {h}" for h in hidden)
        report.extend(f"{screen}: partly hidden: {h}" for h in partly)

    diary_home(page)
    check("the diary's home")
    page.get_by_role("button", name="Log an incident").click()
    expect(page.get_by_role("heading", name="Log an incident")).to_be_visible()
    open_every_section(page)
    page.get_by_role("button", name="Add a witness").click()
    check("the incident form")
    page.get_by_role("button", name="Back", exact=True).click()
    diary_home(page)
    page.get_by_role("button", name="Risk checklist").click()
    expect(page.get_by_role("heading", name="Risk checklist")).to_be_visible()
    check("the risk checklist")
    assert not report, "\n".join(report)


# A button whose words do not fit: they run past its box, or its box scrolls them.
CUT = """(el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    const words = range.getBoundingClientRect();
    const box = el.getBoundingClientRect();
    const out = [];
    if (el.scrollWidth > el.clientWidth) out.push(`scrolls ${el.scrollWidth} > ${el.clientWidth}`);
    if (words.left < box.left - 0.5 || words.right > box.right + 0.5) {
        const at = (a, b) => `${Math.round(a)}–${Math.round(b)}`;
        out.push(`words ${at(words.left, words.right)} outside ${at(box.left, box.right)}`);
    }
    // Each word on one line: none broken in two to fit.
    const text = el.firstChild;
    for (const m of text && text.nodeType === 3 ? text.data.matchAll(/[^ ]+/g) : []) {
        const word = document.createRange();
        word.setStart(text, m.index);
        word.setEnd(text, m.index + m[0].length);
        if (word.getClientRects().length > 1) out.push(`"${m[0]}" broken over two lines`);
    }
    return out.join(', ');
}"""


def test_at_200_percent_the_diary_buttons_hold_their_words(page: Page):
    set_up_with_passphrase_only(page)
    text_size(page, 200)
    nav = page.get_by_role("navigation", name="Diary")
    names = ["Summary", "People", "Get help", "Risk checklist", "Settings", "Lock now"]
    cut = {name: nav.get_by_role("button", name=name).evaluate(CUT) for name in names}
    assert not {name: how for name, how in cut.items() if how}, cut
    log = page.get_by_role("button", name="Log an incident")
    assert not log.evaluate(CUT)


# How much of the screen, from the bottom, the Save bar and Quick exit take.
BAR_SHARE = """() => {
    const tops = [...document.querySelectorAll('.save-bar, .quick-exit')]
        .map((el) => el.getBoundingClientRect().top);
    return (innerHeight - Math.min(...tops)) / innerHeight;
}"""


@pytest.mark.parametrize(
    ("percent", "screen"), [(100, None), (200, None), (200, {"width": 360, "height": 740})]
)
def test_save_and_quick_exit_take_no_more_than_a_fifth_of_the_screen(
    page: Page, percent: int, screen: dict | None
):
    if screen:
        page.set_viewport_size(screen)  # a small phone
    set_up_with_passphrase_only(page)
    text_size(page, percent)
    page.get_by_role("button", name="Log an incident").click()
    save = page.get_by_role("button", name="Save incident")
    exit_ = page.get_by_role("button", name="Quick exit")
    expect(save).to_be_in_viewport()  # held at the bottom, in thumb reach
    share = page.evaluate(BAR_SHARE)
    print(f"at {percent}%: the bar takes {share:.0%} of the screen")
    assert share <= 0.2
    # Side by side, neither over the other, both whole and large enough to tap.
    s, e = save.bounding_box(), exit_.bounding_box()
    assert s and e
    assert s["x"] + s["width"] <= e["x"] or s["y"] + s["height"] <= e["y"]
    assert min(s["height"], e["height"], s["width"], e["width"]) >= 44
    assert save.evaluate(CUT) == exit_.evaluate(CUT) == ""


@pytest.mark.parametrize("percent", [100, 200])
def test_a_message_covers_nothing_and_goes_with_its_screen(page: Page, percent: int):
    set_up_with_passphrase_only(page)
    text_size(page, percent)
    said = page.get_by_role("status").filter(has_text="Incident saved.")
    page.get_by_role("button", name="Log an incident").click()
    page.get_by_label("What happened").fill("Parked outside again")
    page.get_by_role("button", name="Save incident").click()
    heading = page.get_by_role("heading", name=re.compile("^Incident,"))
    expect(heading).to_be_in_viewport()
    expect(said).to_be_in_viewport()
    assert page.evaluate(UNDER_MESSAGE) == []
    # Above the heading, not over it.
    assert said.bounding_box()["y"] + said.bounding_box()["height"] <= heading.bounding_box()["y"]
    # The next screen does not carry it, even a moment later.
    page.get_by_role("button", name="Back", exact=True).click()
    diary_home(page)
    expect(page.locator("#status")).to_have_text("")
    page.wait_for_timeout(300)
    expect(page.locator("#status")).to_have_text("")

    # Said on the same screen, far down it: the control just used stays clear, and the
    # message goes when the screen does.
    page.get_by_role("button", name="Settings").click()
    lock = page.get_by_label("Lock when I leave the app")
    lock.select_option(label="Straight away")
    expect(page.get_by_role("status")).to_have_text("Saved.")
    assert page.evaluate(UNDER_MESSAGE) == []
    page.get_by_role("button", name="Back", exact=True).click()
    diary_home(page)
    expect(page.locator("#status")).to_have_text("")
