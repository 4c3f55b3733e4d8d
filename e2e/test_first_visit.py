"""A stranger who opens the address gets a calculator and nothing else (issue 15).

Until a code has opened set-up or the unlock in a browser, the page fetches and the worker
keeps only what the disguise needs; the rest comes once the start code is right, and is then
kept for offline use. Every request the browser makes (the page's and the worker's) and every
response body the server sends is recorded here, and every Cache Storage entry is read back.
"""

from __future__ import annotations

import gzip
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask, Response, request
from playwright.sync_api import BrowserContext, Page, expect

from e2e.journeys import CODE, START_CODE, choose_passphrase, type_code
from e2e.support import (
    LiveServer,
    add_authenticator,
    make_app,
    new_phone,
    offline,
    until,
    wait_for_app,
    wait_for_worker,
)
from server.config import PWA_DIR

# The words no body a stranger's browser fetches may hold (issue 15), in any case.
TELLING = re.compile(r"cairn|stalking|diary|harassment|evidence|police|abuse", re.IGNORECASE)
# The code that only comes after a code: the app, the diary, the vault, the views, help, and
# their stylesheet and list; all but the vault's two modules the worker loads at start to seal
# what is shared to the disguise (tests/test_shell.py: WORKER_NEEDS).
BEHIND = re.compile(
    r"^/(js/app\.js|js/(?!vault/(schema|sha256)\.js$)(diary|vault|views|help)/|app\.css|sw/rest\.json)"
)
TEXT = re.compile(r"\.(js|css|json|webmanifest|html)$|/$")


@dataclass
class Sent:
    """Every path the server answered and every body it sent (unzipped), in order."""

    paths: list[str] = field(default_factory=list)
    bodies: dict[str, str] = field(default_factory=dict)

    def record(self, response: Response) -> Response:
        self.paths.append(request.path)
        if response.direct_passthrough or response.status_code != 200:
            return response
        data = response.get_data()
        if response.content_encoding == "gzip":
            data = gzip.decompress(data)
        self.bodies[request.path] = data.decode("utf-8", "replace")
        return response

    def telling(self) -> dict[str, list[str]]:
        """The bodies that name the app, with the words they use."""
        found = {path: TELLING.findall(body) for path, body in self.bodies.items()}
        return {path: words for path, words in found.items() if words}


def recorded_app(instance: Path, sent: Sent, **config) -> Flask:
    app = make_app(instance, **config)
    app.after_request(sent.record)
    return app


@dataclass
class Visit:
    context: BrowserContext
    page: Page
    sent: Sent
    server: LiveServer
    # Every URL the browser asked for: the page's requests and the service worker's.
    requested: list[str] = field(default_factory=list)


@pytest.fixture
def visit(playwright, browser, tmp_path) -> Iterator[Visit]:
    """A fresh phone on a fresh server (its own copy of pwa/, to deploy changes to)."""
    pwa = tmp_path / "pwa"
    shutil.copytree(PWA_DIR, pwa)
    sent = Sent()
    server = LiveServer(recorded_app(tmp_path / "instance", sent, PWA_DIR=str(pwa))).start()
    context = new_phone(playwright, browser, server)
    context.set_default_timeout(15_000)
    visit = Visit(context=context, page=context.new_page(), sent=sent, server=server)
    origin = len(server.url)
    # The context's requests include the service worker's own (Chromium, Playwright ≥ 1.51).
    context.on("request", lambda r: visit.requested.append(r.url[origin:]))
    try:
        yield visit
    finally:
        context.close()
        server.stop()


def behind(paths: list[str]) -> list[str]:
    return sorted({p.split("?")[0] for p in paths if BEHIND.match(p.split("?")[0])})


def cached(page: Page) -> dict[str, dict[str, str]]:
    """Every Cache Storage entry: cache name → path → body (text files; "" for images)."""
    return page.evaluate(
        """async (text) => {
            const all = {};
            for (const name of await caches.keys()) {
                const cache = await caches.open(name);
                all[name] = {};
                for (const req of await cache.keys()) {
                    const path = new URL(req.url).pathname;
                    const res = await cache.match(req);
                    all[name][path] = new RegExp(text).test(path) ? await res.text() : "";
                }
            }
            return all;
        }""",
        TEXT.pattern,
    )


def press(page: Page, keys: str) -> None:
    for key in keys:
        page.locator(f'.calc [data-key="{key}"]').click()


def version(page: Page) -> str:
    return page.evaluate("import('/sw/precache.js').then(m => m.VERSION)")


def expect_only_the_disguise(visit: Visit) -> None:
    """Nothing behind the code was asked for, sent, or kept, and nothing sent names the app;
    nothing is stored in IndexedDB."""
    assert visit.requested, "the request log is empty"
    # The worker's own requests are in the log: only it fetches another disguise's icons.
    assert "/timer/maskable-512.png" in visit.requested
    assert behind(visit.requested) == []
    assert behind(visit.sent.paths) == []
    assert visit.sent.telling() == {}
    caches = cached(visit.page)
    assert caches, "nothing cached"
    for name, entries in caches.items():
        assert behind(list(entries)) == [], name
        telling = {path: TELLING.findall(body) for path, body in entries.items()}
        assert {p: w for p, w in telling.items() if w} == {}, name
    # Nor is a database made: looking for a vault's copy of the disguise's code makes none.
    assert visit.page.evaluate("async () => (await indexedDB.databases()).length") == 0


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
