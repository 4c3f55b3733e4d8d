"""Fixtures for the app in a real Chromium; the helpers behind them are in support.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from e2e.strangers import visit  # noqa: F401 (a stranger's recorded visit, a fixture)
from e2e.support import (
    E2E,
    Authenticator,
    LiveServer,
    Watch,
    add_authenticator,
    launch,
    make_app,
    new_phone,
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark everything under e2e/ so `pytest -m "not e2e"` runs the server tests alone."""
    for item in items:
        if E2E in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    """Return the app served on a free port of localhost for the whole run."""
    # Every phone in the run comes from 127.0.0.1, like a refuge's residents sharing one
    # connection: the run makes more server copies than one address may in a day.
    instance = tmp_path_factory.mktemp("instance")
    server = LiveServer(make_app(instance, ACCOUNTS_PER_DAY=10_000)).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = launch(playwright)
    yield browser
    browser.close()


@pytest.fixture
def phone(playwright: Playwright, browser: Browser, live_server: LiveServer):
    """Return a fresh Pixel 7 context (empty storage, service workers on)."""
    context = new_phone(playwright, browser, live_server)
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def watch(live_server: LiveServer) -> Watch:
    """Collect console errors and requests to other origins of the test's page."""
    return Watch(origin=live_server.url)


@pytest.fixture
def page(phone: BrowserContext, watch: Watch) -> Page:
    """Return a page in the phone context, watched by ``watch``."""
    page = phone.new_page()
    watch.attach(page)
    return page


@pytest.fixture
def passkey(page: Page) -> Authenticator:
    """A passkey whose authenticator supports PRF (real, stable PRF output)."""
    return add_authenticator(page, prf=True)


@pytest.fixture
def passkey_without_prf(page: Page) -> Authenticator:
    """A passkey whose authenticator has no PRF, for the passphrase-only path."""
    return add_authenticator(page, prf=False)


@pytest.fixture
def located(phone: BrowserContext) -> BrowserContext:
    """The phone may tell the page where it is (in Edinburgh, to within 12 m)."""
    phone.grant_permissions(["geolocation"])
    phone.set_geolocation({"latitude": 55.9533, "longitude": -3.1883, "accuracy": 12})
    return phone
