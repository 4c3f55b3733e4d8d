"""The app shell on a phone: installable, offline after one visit, updates without loss."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import Page, expect

from e2e.journeys import set_up_with_passphrase_only, unlock_with_passphrase
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
from server.config import PWA_DIR


def test_first_visit_is_taken_over_by_the_worker(page: Page, watch):
    page.goto("/")
    expect(page.locator("html[data-ready]")).to_have_count(1)
    wait_for_worker(page)
    precache = page.evaluate(
        """async () => {
            const { PRECACHE } = await import('/sw/precache.js');
            const names = await caches.keys();
            const cache = await caches.open(names.find(n => n.startsWith('shell-')));
            const missing = [];
            for (const [url] of PRECACHE) if (!(await cache.match(url))) missing.push(url);
            return { count: PRECACHE.length, missing };
        }"""
    )
    assert precache["count"] > 5 and precache["missing"] == []
    assert not watch.errors and not watch.foreign


def test_the_app_opens_offline_after_one_visit(page: Page, watch):
    page.goto("/")
    wait_for_worker(page)
    with offline(page.context):
        page.reload()
        expect(page.locator("html[data-ready]")).to_have_count(1)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        # A fresh navigation (not a reload) works too, as opening the installed app does.
        page.goto("/?source=homescreen")
        expect(page.locator("html[data-ready]")).to_have_count(1)
    assert not watch.errors, watch.errors


def test_the_heading_has_focus_on_load(page: Page):
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_be_focused()


def test_fits_a_phone_screen_without_sideways_scrolling(page: Page):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto("/")
    expect(page.locator("html[data-ready]")).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_installability_errors_are_empty(playwright, live_server, tmp_path):
    context = installed_phone(playwright, live_server, tmp_path / "profile")
    page = context.pages[0]
    page.goto("/")
    wait_for_worker(page)
    cdp = page.context.new_cdp_session(page)
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert errors == []
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["errors"] == [] and manifest["url"].endswith("/manifest.webmanifest")
    context.close()


def test_csp_is_sent_and_nothing_violates_it(page: Page, watch):
    response = page.goto("/")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    page.evaluate(
        """() => { window.__violations = [];
            document.addEventListener('securitypolicyviolation',
                e => window.__violations.push(e.violatedDirective)); }"""
    )
    wait_for_worker(page)
    page.reload()
    expect(page.locator("html[data-ready]")).to_have_count(1)
    assert not [e for e in watch.errors if "Content Security Policy" in e]
    assert not watch.errors, watch.errors


def test_no_request_leaves_the_origin(page: Page, watch):
    page.goto("/")
    wait_for_worker(page)
    page.reload()
    expect(page.locator("html[data-ready]")).to_have_count(1)
    assert watch.foreign == []


def deploy_a_new_version(server: LiveServer, pwa, instance) -> None:
    """Change an app file and serve it, as a deploy does."""
    css = pwa / "app.css"
    css.write_text(css.read_text() + "\n.changed-in-this-version { color: inherit; }\n")
    server.restart(make_app(instance, PWA_DIR=str(pwa)))


def version(page: Page) -> str:
    return page.evaluate("import('/sw/precache.js').then(m => m.VERSION)")


def wait_for_waiting_worker(page: Page) -> None:
    page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.update())")
    until(page, "async () => Boolean((await navigator.serviceWorker.getRegistration()).waiting)")


@pytest.fixture
def own_server(tmp_path):
    """A server with its own copy of the app's files, to deploy changes to."""
    pwa = tmp_path / "pwa"
    shutil.copytree(PWA_DIR, pwa)
    server = LiveServer(make_app(tmp_path / "instance", PWA_DIR=str(pwa))).start()
    yield server, pwa, tmp_path / "instance"
    server.stop()


def test_a_new_version_leaves_the_disguise_exactly_as_it_was(playwright, browser, own_server):
    server, pwa, instance = own_server
    context = new_phone(playwright, browser, server)
    try:
        page = context.new_page()
        page.goto("/")
        wait_for_worker(page)
        page.locator('.calc [data-key="7"]').click()
        before = page.screenshot(animations="disabled")
        deploy_a_new_version(server, pwa, instance)
        wait_for_waiting_worker(page)
        page.wait_for_timeout(500)
        # Same pixels: no strip, no message, nothing over the keys.
        assert page.screenshot(animations="disabled") == before
        expect(page.get_by_role("button", name="Update now")).to_be_hidden()
        expect(page.locator("#status")).to_have_text("")
        # Same keys: the sum goes on.
        for key in ["+", "5", "="]:
            page.locator(f'.calc [data-key="{key}"]').click()
        expect(page.locator(".calc-display")).to_have_text("12")
    finally:
        context.close()


def test_a_waiting_version_takes_over_when_the_app_is_opened_again(playwright, browser, own_server):
    server, pwa, instance = own_server
    context = new_phone(playwright, browser, server)
    try:
        page = context.new_page()
        page.goto("/")
        wait_for_worker(page)
        old = version(page)
        deploy_a_new_version(server, pwa, instance)
        wait_for_waiting_worker(page)
        # Closed and opened again (as a phone does with an app): nobody did anything, and
        # the new version is the one in charge, with no offer anywhere.
        page.close()
        page = context.new_page()
        page.goto("/")
        wait_for_app(page)
        expect(page.locator(".calc")).to_be_visible()
        until(
            page, "async () => !(await navigator.serviceWorker.getRegistration()).waiting", 30_000
        )
        until(page, "() => navigator.serviceWorker.controller !== null")
        assert version(page) != old
        expect(page.get_by_role("button", name="Update now")).to_be_hidden()
        page.reload()
        wait_for_app(page)
        css = page.evaluate("fetch('/app.css').then(r => r.text())")
        assert "changed-in-this-version" in css
    finally:
        context.close()


def test_a_new_version_is_offered_behind_the_code_and_applied_without_losing_typing(
    playwright, browser, own_server
):
    server, pwa, instance = own_server
    context = new_phone(playwright, browser, server)
    try:
        page = context.new_page()
        set_up_with_passphrase_only(page)
        wait_for_worker(page)
        old = version(page)
        # Quick exit stays on the disguise (no outside site to go to here).
        page.evaluate("async () => (await import('/js/disguise/prefs.js')).setExit({ to: '' })")
        # Someone is writing when the new version arrives.
        page.get_by_role("button", name="Log an incident").click()
        page.get_by_label("What happened").fill("half a sentence")

        deploy_a_new_version(server, pwa, instance)
        page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.update())")
        offer = page.get_by_role("button", name="Update now")
        expect(offer).to_be_visible(timeout=15_000)
        # The offer never reloads by itself: what was typed is still there.
        page.wait_for_timeout(500)
        expect(page.get_by_label("What happened")).to_have_value("half a sentence")

        # Quick exit takes the offer away with everything else.
        page.get_by_role("button", name="Quick exit").click()
        expect(page.locator(".calc")).to_be_visible()
        expect(offer).to_be_hidden()
        unlock_with_passphrase(page)
        page.get_by_role("button", name="Carry on").click()
        expect(page.get_by_label("What happened")).to_have_value("half a sentence")
        expect(offer).to_be_visible()

        with page.expect_navigation():
            offer.click()
        expect(page.locator("html[data-ready]")).to_have_count(1)
        expect(page.locator(".calc")).to_be_visible()
        assert version(page) != old
        unlock_with_passphrase(page)
        page.get_by_role("button", name="Carry on").click()
        expect(page.get_by_label("What happened")).to_have_value("half a sentence")
        with offline(context):
            page.reload()
            css_now = page.evaluate("fetch('/app.css').then(r => r.text())")
            assert "changed-in-this-version" in css_now
    finally:
        context.close()
