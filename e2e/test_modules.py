"""The app's own JS modules, tested inside the real browser by the harness at /_harness/.

Each exported ``test*`` function of ``e2e/js/*.test.js`` is one pytest test, named after
its module and function, and runs alone in a fresh phone (real WebCrypto, real IndexedDB).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page

from e2e.support import until

JS = Path(__file__).parent / "js"
EXPORTED_TEST = re.compile(r"^export\s+(?:async\s+)?function\s+(test\w*)", re.MULTILINE)


def js_tests() -> list[tuple[str, str]]:
    """Every (module, test function) pair, read from the test modules' source."""
    found = []
    for path in sorted(JS.glob("*.test.js")):
        names = EXPORTED_TEST.findall(path.read_text())
        assert names, f"{path.name} exports no test function"
        found += [(path.name, name) for name in names]
    return found


JS_TESTS = js_tests()


def run_one(page: Page, module: str, name: str, timeout: float = 60_000) -> dict:
    """Run one JS test function in the page and return its result."""
    page.goto(f"/_harness/?module=/_harness/js/{module}&only={name}")
    until(page, "() => window.__harness && window.__harness.done", timeout)
    state = page.evaluate("window.__harness")
    assert not state.get("error"), state["error"]
    assert [r["name"] for r in state["results"]] == [name], f"{module} did not run {name}"
    return state["results"][0]


@pytest.mark.parametrize(
    ("module", "name"), JS_TESTS, ids=[f"{m.removesuffix('.test.js')}:{n}" for m, n in JS_TESTS]
)
def test_js(page: Page, watch, module: str, name: str):
    result = run_one(page, module, name)
    assert result["ok"], result.get("error")
    # 4xx answers some tests ask for on purpose show as console errors; anything else counts.
    errors = [e for e in watch.errors if not e.startswith("Failed to load resource")]
    assert not errors, errors
