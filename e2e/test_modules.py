"""The app's own JS modules, tested inside the real browser by the harness at /_harness/."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page

from e2e.support import until

MODULES = sorted(p.name for p in (Path(__file__).parent / "js").glob("*.test.js"))


def run_module(page: Page, name: str, timeout: float = 60_000) -> list[dict]:
    """Run one JS test module in the page and return its results."""
    page.goto(f"/_harness/?module=/_harness/js/{name}")
    until(page, "() => window.__harness && window.__harness.done", timeout)
    state = page.evaluate("window.__harness")
    assert not state.get("error"), state["error"]
    assert state["results"], f"{name} ran no test"
    return state["results"]


@pytest.mark.parametrize("name", MODULES)
def test_module(page: Page, watch, name: str):
    results = run_module(page, name)
    failures = [f"{r['name']}: {r['error']}" for r in results if not r["ok"]]
    assert not failures, "\n\n".join(failures)
    # 4xx answers some tests ask for on purpose show as console errors; anything else counts.
    errors = [e for e in watch.errors if not e.startswith("Failed to load resource")]
    assert not errors, errors
