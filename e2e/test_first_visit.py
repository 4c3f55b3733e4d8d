"""A stranger who opens the address gets a calculator and nothing else (issue 15).

Until a code has opened set-up or the unlock in a browser, the page fetches and the worker
keeps only what the disguise needs; the rest comes once the start code is right, and is then
kept for offline use. Every request the browser makes (the page's and the worker's) and every
response body the server sends is recorded here, and every Cache Storage entry is read back.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from e2e.journeys import CODE, START_CODE, choose_passphrase, type_code
from e2e.strangers import (
    Visit,
    cached,
    expect_only_the_disguise,
    press,
    recorded_app,
    version,
)
from e2e.support import (
    add_authenticator,
    offline,
    until,
    wait_for_app,
    wait_for_worker,
)


def wait_for_everything_kept(page: Page) -> None:
    """Wait until the worker's cache holds the rest (its list is stored last)."""
    until(page, "async () => Boolean(await caches.match('/sw/rest.json'))")


def test_a_stranger_gets_the_disguise_and_nothing_else(visit: Visit):
    page = visit.page
    page.goto("/")
    wait_for_app(page)
    display = page.locator(".calc-display")
    press(page, "12+3×4=")
    expect(display).to_have_text("24")
    press(page, "C7×6=")
    expect(display).to_have_text("42")
    wait_for_worker(page)
    # Coming back (from the worker's cache now) loads no more than the first time.
    page.reload()
    wait_for_app(page)
    press(page, "C2+2=")
    expect(display).to_have_text("4")
    page.wait_for_timeout(500)  # anything loaded "soon after start" has had its chance
    expect_only_the_disguise(visit)
    assert len(visit.requested) > 10


def test_the_start_code_brings_in_the_rest_and_it_then_works_offline(visit: Visit):
    page = visit.page
    passkey = add_authenticator(page, prf=True)
    page.goto("/")
    wait_for_app(page)
    wait_for_worker(page)
    expect_only_the_disguise(visit)

    type_code(page, START_CODE)
    expect(page.get_by_role("heading", name="Set up your private diary")).to_be_visible()
    wait_for_everything_kept(page)
    entries = cached(page)
    assert len(entries) == 1
    (kept,) = entries.values()
    rest = visit.server.app.extensions["cairn.shell"].files
    assert set(kept) >= set(rest), sorted(set(rest) - set(kept))
    assert {"/js/app.js", "/js/help/helplines.js", "/js/vault/keys.js", "/app.css"} <= set(kept)

    # Every step after the start code works with no network, and so does the diary after.
    with offline(visit.context):
        choose_passphrase(page)
        page.get_by_role("button", name="Use fingerprint, face or screen lock").click()
        expect(page.get_by_role("heading", name="Your diary", exact=True)).to_be_visible()
        page.reload()
        wait_for_app(page)
        type_code(page, CODE)
        page.get_by_role("button", name="Unlock with passkey").click()
        expect(page.get_by_role("heading", name="Your diary", exact=True)).to_be_visible()
        assert page.evaluate("fetch('/js/help/helplines.js').then(r => r.ok)")
    assert len(passkey.credentials()) == 1


def deploy_a_change(visit: Visit, tmp_path: Path, relative: str) -> None:
    """Change one file of the app and restart the server, as a deploy does."""
    changed = tmp_path / "pwa" / relative
    changed.write_text(changed.read_text() + "\n// changed in this version\n")
    app = recorded_app(tmp_path / "instance", visit.sent, PWA_DIR=str(tmp_path / "pwa"))
    visit.server.restart(app)


def wait_for_the_new_worker(page: Page) -> None:
    """Ask for an update, and wait until the new version is installed (waiting or active)."""
    page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.update())")
    until(
        page,
        """async () => { const r = await navigator.serviceWorker.getRegistration();
            const both = (await caches.keys()).length === 2;
            return (r.waiting || r.active) && !r.installing && both; }""",
    )


def test_a_new_version_keeps_the_split_for_a_stranger(visit: Visit, tmp_path):
    page = visit.page
    page.goto("/")
    wait_for_app(page)
    wait_for_worker(page)
    old = version(page)
    deploy_a_change(visit, tmp_path, "js/views/help.js")
    wait_for_the_new_worker(page)
    caches = cached(page)
    assert f"shell-{old}" in caches and len(caches) == 2
    expect_only_the_disguise(visit)


def test_a_new_version_keeps_everything_on_a_phone_let_in(visit: Visit, tmp_path):
    page = visit.page
    page.goto("/")
    wait_for_app(page)
    wait_for_worker(page)
    type_code(page, START_CODE)
    expect(page.get_by_role("heading", name="Set up your private diary")).to_be_visible()
    wait_for_everything_kept(page)
    old = version(page)
    deploy_a_change(visit, tmp_path, "js/views/help.js")
    wait_for_the_new_worker(page)
    caches = cached(page)
    (new,) = [name for name in caches if name != f"shell-{old}"]
    assert "/sw/rest.json" in caches[new]
    assert "changed in this version" in caches[new]["/js/views/help.js"]
    assert set(caches[new]) == set(caches[f"shell-{old}"])


@pytest.mark.parametrize("look", ["calculator", "notes", "converter", "timer"])
def test_the_rest_of_the_styles_leave_the_disguise_as_it_was(page: Page, look: str):
    # A phone let in loads app.css too: its disguise must look the same as a stranger's.
    page.goto(f"/{look}/")
    wait_for_app(page)
    page.wait_for_timeout(100)
    before = page.screenshot(animations="disabled", caret="hide")
    page.evaluate(
        """() => new Promise((resolve) => {
            const link = document.createElement('link');
            Object.assign(link, { rel: 'stylesheet', href: '/app.css' });
            link.onload = resolve;
            document.head.append(link);
        })"""
    )
    page.wait_for_timeout(100)
    after = page.screenshot(animations="disabled", caret="hide")
    assert before == after
