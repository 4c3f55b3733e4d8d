"""A stranger's visit, recorded: every request the browser makes and every body the server
sends, and what the worker keeps (e2e/test_first_visit.py and the capture tests use it)."""

from __future__ import annotations

import gzip
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask, Response, request
from playwright.sync_api import BrowserContext, Page

from e2e.support import (
    LiveServer,
    make_app,
    new_phone,
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
