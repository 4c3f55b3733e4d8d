"""A phone through Cairn hosted for a service: nginx terminating TLS (a test CA the browser
trusts) in front of two waitress processes sharing one PostgreSQL. The phone turns the
server copy on, and a second phone with the same (synced) passkey gets the diary back
through it: sign-in, CSRF and uploads spread over both processes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Playwright, expect

from e2e.journeys import START_CODE, log_incident, set_up_with_passphrase_only
from e2e.server_copy import restore_from_server, settled, turn_on
from e2e.support import add_authenticator, launch_options, phone_options
from tests.apps import POSTGRES
from tests.hosting import Deployment, deployed, leaf_spki_hash

pytestmark = pytest.mark.skipif(
    not POSTGRES, reason="needs PostgreSQL: set CAIRN_TEST_DATABASE_URL (.ci/run starts one)"
)


@pytest.fixture(scope="module")
def service(tmp_path_factory) -> Iterator[Deployment]:
    folder = tmp_path_factory.mktemp("hosting")
    with deployed(folder, POSTGRES, start_code=START_CODE) as deployment:
        yield deployment


@pytest.fixture(scope="module")
def trusting(playwright: Playwright, service: Deployment) -> Iterator[Browser]:
    """A Chromium that trusts the test certificate as a phone trusts a real one (so
    service workers and passkeys work as they do on a real site)."""
    options = launch_options(playwright)
    spki = leaf_spki_hash(service.cert)
    options["args"] = [*options["args"], f"--ignore-certificate-errors-spki-list={spki}"]
    browser = playwright.chromium.launch(**options)
    yield browser
    browser.close()


def phone_at(playwright: Playwright, browser: Browser, service: Deployment) -> BrowserContext:
    phone = browser.new_context(
        **phone_options(playwright),
        base_url=service.origin,
        service_workers="allow",
        ignore_https_errors=True,  # for the test's own requests (page.request) only
    )
    phone.set_default_timeout(20_000)
    return phone


def test_a_phone_backs_up_through_the_proxy_and_another_gets_the_diary_back(
    playwright: Playwright, trusting: Browser, service: Deployment
):
    first = phone_at(playwright, trusting, service)
    second = phone_at(playwright, trusting, service)
    served: set[str] = set()  # which process answered each call to the API
    for phone in (first, second):
        phone.on(
            "response",
            lambda r: served.add(r.headers.get("x-upstream", "")) if "/api/" in r.url else None,
        )
    try:
        page = first.new_page()
        passkey = add_authenticator(page, prf=True)
        # On the passphrase, so the passkey the copy makes is the authenticator's only one:
        # the synced phone signs in with whichever it offers first.
        set_up_with_passphrase_only(page)
        log_incident(page, "Waiting by the car park again")
        turn_on(page)
        settled(page)

        other = second.new_page()
        synced = add_authenticator(other, prf=True)
        synced.take_from(passkey)
        restore_from_server(other)
        expect(other.locator(".incident-row", has_text="car park")).to_be_visible()
    finally:
        first.close()
        second.close()
    assert served >= {f"127.0.0.1:{port}" for port in service.upstreams}, served
    logs = [(service.folder / f"cairn-{n}.log").read_text() for n in range(2)]
    assert all("Traceback" not in log for log in logs), logs
