"""What the browser tests share: a live server, a phone, a passkey, going offline."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from flask import Blueprint, Flask, abort, send_from_directory
from playwright.sync_api import Browser, BrowserContext, Page, Playwright
from werkzeug.serving import BaseWSGIServer, make_server

from server import create_app
from server.config import PWA_DIR

E2E = Path(__file__).resolve().parent
SYSTEM_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # A fake microphone and camera that need no prompt, for recording evidence.
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]
PHONE = "Pixel 7"


# --- the live server -------------------------------------------------------------------

harness = Blueprint("harness", __name__, url_prefix="/_harness")


@harness.get("/", defaults={"name": "harness/index.html"})
@harness.get("/<path:name>")
def harness_file(name: str):
    """Serve the in-browser test harness and the JS tests (test servers only)."""
    if not (name.startswith("harness/") or name.startswith("js/")):
        abort(404)
    return send_from_directory(E2E, name, max_age=0)


def make_app(instance: Path, **config) -> Flask:
    """Create an app for the browser tests, with the JS test harness at /_harness/."""
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(instance), **config})
    app.register_blueprint(harness)
    return app


@dataclass
class LiveServer:
    """A real HTTP server on localhost (never 127.0.0.1: WebAuthn refuses IP addresses)."""

    app: Flask
    port: int = 0
    _server: BaseWSGIServer | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"

    def start(self) -> LiveServer:
        self._server = make_server("localhost", self.port, self.app, threaded=True)
        self.port = self._server.server_port
        # Passkey ceremonies are checked against the origin the phone sees.
        # (config.load sets ORIGIN to None when the environment has none, so setdefault
        # would keep that None.)
        if not self.app.config.get("ORIGIN"):
            self.app.config["ORIGIN"] = self.url
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def restart(self, app: Flask) -> None:
        """Serve a new app on the same port, as a deploy of a new version does.

        The listening socket stays open and the new app takes over its next request:
        closing it and binding again raced any other socket (an outgoing connection of
        the browser's, another test process) given that port in between.
        """
        if not app.config.get("ORIGIN"):
            app.config["ORIGIN"] = self.url
        self.app = app
        if self._server is None:
            self.start()
        else:
            self._server.app = app


# --- the browser and a phone -----------------------------------------------------------


def launch_options(playwright: Playwright) -> dict:
    """Options for Chromium: Playwright's bundled one if installed, else the system's."""
    options: dict = {"headless": True, "args": CHROMIUM_ARGS}
    if not Path(playwright.chromium.executable_path).exists():
        options["executable_path"] = SYSTEM_CHROMIUM
    return options


def launch(playwright: Playwright) -> Browser:
    """Launch Chromium for a run of tests."""
    return playwright.chromium.launch(**launch_options(playwright))


def installed_phone(playwright: Playwright, server: LiveServer, profile: Path) -> BrowserContext:
    """Open a phone with a real (not incognito) profile, where apps can be installed."""
    return playwright.chromium.launch_persistent_context(
        str(profile),
        **launch_options(playwright),
        **phone_options(playwright),
        base_url=server.url,
        service_workers="allow",
    )


def kill_browser(profile: Path) -> None:
    """Kill the Chromium running on ``profile`` with SIGKILL, with every process it started,
    as a phone's system kills a browser: nothing is closed or written out first. Close the
    Playwright context afterwards (it is already gone), then launch the same profile again."""
    flag = f"--user-data-dir={profile}".encode()
    parents: dict[int, int] = {}
    on_profile: set[int] = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        pid = int(entry.name)
        parents[pid] = int(stat.rsplit(")", 1)[1].split()[1])
        if flag in command:
            on_profile.add(pid)
    doomed = {pid for pid in on_profile if parents.get(pid) not in on_profile}
    assert doomed, f"no browser is running on {profile}"
    grown = True
    while grown:
        children = {pid for pid, parent in parents.items() if parent in doomed} - doomed
        grown = bool(children)
        doomed |= children
    for pid in doomed:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@dataclass
class Breakpoint:
    """A debugger breakpoint on the first line of an app module that holds some text."""

    cdp: object
    hit: list[dict] = field(default_factory=list)

    def wait(self, page: Page, timeout: float = 60_000) -> None:
        """Wait until the page stops there (its scripts stay stopped from then on)."""
        waited = 0.0
        while not self.hit:
            assert waited < timeout, "the breakpoint was never reached"
            page.wait_for_timeout(50)
            waited += 50


def pause_at(page: Page, module: str, text: str) -> Breakpoint:
    """Stop ``page`` when it reaches the line of ``module`` (e.g. "js/vault/records.js")
    that holds ``text``, before that line runs: the moment to kill the browser at."""
    lines = (PWA_DIR / module).read_text().splitlines()
    (line,) = [n for n, source in enumerate(lines) if text in source]
    cdp = page.context.new_cdp_session(page)
    stop = Breakpoint(cdp)
    cdp.on("Debugger.paused", lambda event: stop.hit.append(event))
    cdp.send("Debugger.enable")
    origin = "/".join(page.url.split("/", 3)[:3])
    cdp.send("Debugger.setBreakpointByUrl", {"url": f"{origin}/{module}", "lineNumber": line})
    return stop


def phone_options(playwright: Playwright) -> dict:
    """Pixel 7 emulation: viewport, pixel ratio, touch and mobile user agent."""
    device = dict(playwright.devices[PHONE])
    device.pop("default_browser_type", None)
    return device


def new_phone(playwright: Playwright, browser: Browser, server: LiveServer) -> BrowserContext:
    """Open a fresh phone-sized context (empty storage) pointed at ``server``."""
    return browser.new_context(
        **phone_options(playwright), base_url=server.url, service_workers="allow"
    )


@dataclass
class Watch:
    """What a page did that it must not: console errors and requests to other origins."""

    origin: str
    errors: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("request", self._request)

    def _console(self, message) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def _request(self, request) -> None:
        url = request.url
        if not (url.startswith(self.origin + "/") or url.startswith(("blob:", "data:"))):
            self.foreign.append(url)


def until(page: Page, predicate: str, timeout: float = 15_000) -> object:
    """Poll ``predicate`` (a JS arrow function) in the page until it returns a truthy value.

    Playwright's wait_for_function evaluates strings with eval, which the app's CSP refuses;
    this runs as one CDP call instead.
    """
    return page.evaluate(
        """async ([predicate, timeout]) => {
            const test = eval(predicate);
            const deadline = performance.now() + timeout;
            for (;;) {
                const value = await test();
                if (value) return value;
                if (performance.now() > deadline) throw new Error('timed out: ' + predicate);
                await new Promise((resolve) => setTimeout(resolve, 25));
            }
        }""",
        [predicate, timeout],
    )


def wait_for_worker(page: Page) -> None:
    """Wait until the service worker has installed the shell and controls the page."""
    until(page, "() => navigator.serviceWorker.controller !== null")


def wait_for_app(page: Page) -> None:
    """Wait until the app has rendered its first view."""
    page.wait_for_selector("html[data-ready]", state="attached")


@contextlib.contextmanager
def storage_quota(page: Page, origin: str, quota: int) -> Iterator[None]:
    """Give the site only `quota` bytes of storage (set before the site first stores)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Storage.overrideQuotaForOrigin", {"origin": origin, "quotaSize": quota})
    try:
        yield
    finally:
        cdp.send("Storage.overrideQuotaForOrigin", {"origin": origin})


@contextlib.contextmanager
def offline(context: BrowserContext) -> Iterator[None]:
    """Cut the network for the whole context, and bring it back afterwards."""
    context.set_offline(True)
    try:
        yield
    finally:
        context.set_offline(False)


# --- the outside sites quick exit goes to ----------------------------------------------------

NEUTRAL = "https://www.bbc.co.uk/weather"
ELSEWHERE = "https://elsewhere.example/start"


def neutral_sites(context: BrowserContext) -> None:
    """Answer the outside sites a test visits with plain local pages (no network here)."""

    def answer(route):
        route.fulfill(content_type="text/html", body="<title>Weather</title><h1>Weather</h1>")

    context.route("https://www.bbc.co.uk/**", answer)
    context.route("https://elsewhere.example/**", answer)


# --- passkeys ---------------------------------------------------------------------------


@dataclass
class Authenticator:
    """A CDP virtual authenticator standing in for the phone's passkey."""

    cdp: object
    id: str

    def credentials(self) -> list[dict]:
        reply = self.cdp.send("WebAuthn.getCredentials", {"authenticatorId": self.id})
        return reply["credentials"]

    def take_from(self, other: Authenticator) -> None:
        """Hold every passkey ``other`` holds too, as a passkey provider that syncs them."""
        for credential in other.credentials():
            self.cdp.send(
                "WebAuthn.addCredential", {"authenticatorId": self.id, "credential": credential}
            )

    def clear(self) -> None:
        """Forget every passkey, as when the phone's passkey is lost."""
        self.cdp.send("WebAuthn.clearCredentials", {"authenticatorId": self.id})

    def remove(self) -> None:
        self.cdp.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": self.id})


# Notes every passkey ceremony the page starts, before any of the app's scripts run.
CEREMONIES = """(() => {
    window.__ceremonies = [];
    for (const name of ['create', 'get']) {
        const original = CredentialsContainer.prototype[name];
        CredentialsContainer.prototype[name] = function (...args) {
            window.__ceremonies.push(name);
            return original.apply(this, args);
        };
    }
})()"""


def note_passkey_ceremonies(page: Page) -> None:
    """From the next page load on, note each navigator.credentials.create() and get()."""
    page.add_init_script(CEREMONIES)


def passkey_ceremonies(page: Page) -> list[str]:
    """The passkey ceremonies the page has started ("create", "get"), in order."""
    return page.evaluate("window.__ceremonies")


def add_authenticator(page: Page, *, prf: bool) -> Authenticator:
    """Attach a platform passkey (ctap2, internal, user-verifying) to ``page``.

    Without one, this Chromium has no platform authenticator: getClientCapabilities() and
    isUserVerifyingPlatformAuthenticatorAvailable() both say so; with one, both say yes.
    """
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    options = {
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
        "automaticPresenceSimulation": True,
    }
    if prf:
        options["hasPrf"] = True
    result = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})
    return Authenticator(cdp=cdp, id=result["authenticatorId"])
