"""Accessibility checks run inside the page: axe-core, touch target sizes, text at 200%.

axe-core comes from PyPI (the axe-playwright-python package carries its axe.min.js); only
the script is used, injected into the page under test.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from playwright.sync_api import Page, expect

# WCAG 2.0, 2.1 and 2.2, A and AA, and axe's best practices.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@cache
def axe_source() -> str:
    return (files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")


def axe_violations(page: Page) -> list[str]:
    """Run axe-core on the page as it is now; return each violation in one readable line."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    found = page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {
                runOnly: { type: 'tag', values: tags },
                resultTypes: ['violations'],
            });
            const where = (n) => n.target.join(' ') +
                (n.failureSummary ? ' [' + n.failureSummary.replace(/\\s+/g, ' ') + ']' : '');
            return result.violations.map((v) =>
                `${v.id} (${v.impact}): ${v.help} — ` + v.nodes.slice(0, 4).map(where).join(' | '));
        }""",
        TAGS,
    )
    return found


# Everything a finger can act on. A checkbox or radio counts by its label, which is the
# target the finger hits (the chips and ticks are labels wrapped round small inputs).
SMALL_TARGETS = """(min) => {
    const targets = document.querySelectorAll([
        'button', 'a[href]', 'input:not([type=hidden])', 'select', 'textarea', 'summary',
        '[role=button]', '[tabindex]:not([tabindex="-1"])'].join(','));
    const small = [];
    for (const el of targets) {
        let box = el;
        if (el.matches('input[type=checkbox], input[type=radio]')) box = el.closest('label') || el;
        const r = box.getBoundingClientRect();
        if (r.width === 0 && r.height === 0) continue;  // not shown
        if (box.closest('.visually-hidden, [hidden], [inert]')) continue;
        if (r.width < min - 0.5 || r.height < min - 0.5) {
            const name = (el.textContent || el.getAttribute('aria-label') || el.name || '').trim();
            const size = `${Math.round(r.width)}×${Math.round(r.height)}`;
            small.push(`${el.tagName.toLowerCase()} "${name.slice(0, 40)}" ${size}`);
        }
    }
    return small;
}"""


def small_targets(page: Page, minimum: int = 44) -> list[str]:
    """Controls on the page smaller than `minimum` CSS px either way."""
    return page.evaluate(SMALL_TARGETS, minimum)


OVERFLOW = """() => {
    const width = document.documentElement.clientWidth;
    const out = [];
    const scrolls = document.documentElement.scrollWidth;
    if (scrolls > width + 1) out.push(`the page scrolls sideways: ${scrolls} > ${width}`);
    for (const el of document.querySelectorAll('body *')) {
        if (el.closest('.visually-hidden, [hidden], svg, .cover, .sentinel')) continue;
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.height === 0) continue;
        const text = (el.textContent || '').trim().slice(0, 30);
        const what = `${el.tagName.toLowerCase()}.${el.className} "${text}"`;
        if (r.right > width + 1 || r.left < -1) {
            out.push(`${what} spans ${Math.round(r.left)}–${Math.round(r.right)}`);
        }
        // Fields scroll their own text, and a thumbnail is cropped on purpose.
        if (el.matches('input, textarea, select, .thumb, .thumb *')) continue;
        const style = getComputedStyle(el);
        const clips = style.overflowX === 'hidden' || style.overflowX === 'clip';
        if (clips && el.scrollWidth > el.clientWidth + 1) out.push(`${what} cuts its content off`);
    }
    return out.slice(0, 10);
}"""


def overflow_at(page: Page, percent: int = 200) -> list[str]:
    """Set the text size to `percent` (as the phone's font size setting does) and list
    what then sticks out of the screen or is cut off. Puts the size back afterwards."""
    page.evaluate("(p) => { document.documentElement.style.fontSize = p + '%'; }", percent)
    try:
        page.wait_for_timeout(50)
        return page.evaluate(OVERFLOW)
    finally:
        page.evaluate("() => { document.documentElement.style.fontSize = ''; }")


class Screens:
    """Checks each screen shown to it; the test fails at the end listing every problem."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.problems: list[str] = []
        self.names: list[str] = []

    def check(self, name: str, heading: str | None = None) -> None:
        page = self.page
        if heading:
            expect(page.get_by_role("heading", name=heading, exact=True).first).to_be_visible()
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            page.wait_for_timeout(250)  # colours change with a short transition
            self.problems += [f"{name} ({scheme}): {v}" for v in axe_violations(page)]
        page.emulate_media(color_scheme="light")
        self.problems += [f"{name}: too small to tap: {v}" for v in small_targets(page)]
        self.problems += [f"{name}: at 200% text: {v}" for v in overflow_at(page, 200)]
        self.names.append(name)

    def assert_clean(self) -> None:
        assert not self.problems, "\n".join(self.problems)
