"""Firefox ESR and WebKitGTK for the cross-engine journeys (Playwright runs only its own
builds of them). Each browser sits behind the same few calls — open, run a script, click,
type, reload, where downloads go — Firefox over WebDriver BiDi, WebKit over classic
WebDriver (WebKitWebDriver, with the small browser in webkit_shell.py on an Xvfb screen).
Elements are found in the page the way a person finds them: a button by its words, a field
by its label, a heading by its text."""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from websockets.sync.client import ClientConnection, connect

E2E = Path(__file__).resolve().parent
FIREFOX = shutil.which("firefox-esr")
WEBKIT_DRIVER = shutil.which("WebKitWebDriver")
XVFB = shutil.which("Xvfb")
# The WebKit browser is a few lines of Python on Debian's own GTK and WebKit bindings.
SYSTEM_PYTHON = "/usr/bin/python3"
WEBKIT_SHELL = E2E / "webkit_shell.py"
# A phone's screen. GTK will not make a window narrower than 447 px, so the WebKit window
# fills an Xvfb screen of this size instead.
WIDTH, HEIGHT = 412, 915
TIMEOUT = 15.0
# A port nothing listens on (discard), as the proxy for every site but the test's own.
NOWHERE = 9


def webkit_missing() -> str | None:
    """Why WebKit cannot run here, or None."""
    if not (WEBKIT_DRIVER and XVFB and Path(SYSTEM_PYTHON).exists()):
        return "WebKitWebDriver, Xvfb or python3 is not installed (webkit2gtk-driver, xvfb)"
    probe = [SYSTEM_PYTHON, "-c", "import gi; gi.require_version('WebKit2', '4.1')"]
    if subprocess.run(probe, capture_output=True).returncode:
        return "the GTK bindings for WebKit are not installed (python3-gi, gir1.2-webkit2-4.1)"
    return None


def firefox_missing() -> str | None:
    """Why Firefox cannot run here, or None."""
    return None if FIREFOX else "Firefox ESR is not installed (firefox-esr)"


# --- in the page ---------------------------------------------------------------------------

# Find a visible element: a button or link by its words, a field by its label, a heading by
# its text, or a CSS selector. `name` is matched whole, or as a regular expression when it is
# given as /…/. Unless `ready` is false, the element is scrolled to the middle of the screen
# and found only once it has stopped moving and nothing covers it (as Playwright waits
# before it clicks).
FIND = """async (how, name, ready = true) => {
  const words = (el) =>
    (el.getAttribute('aria-label') || el.textContent || '').replace(/\\s+/g, ' ').trim();
  const match = name.startsWith('/')
    ? (text) => new RegExp(name.slice(1, -1), 'i').test(text)
    : (text) => text === name;
  const shown = (el) =>
    el.getClientRects().length > 0 && !el.closest('[inert], [aria-hidden="true"]');
  const named = (selector) =>
    [...document.querySelectorAll(selector)].filter((el) => match(words(el)));
  const found = {
    css: () => [...document.querySelectorAll(name)],
    button: () => named('button, a[href], summary'),
    heading: () => named('h1, h2, h3'),
    label: () => named('label').map((label) => label.control),
  }[how]();
  const el = found.find((e) => e && shown(e));
  if (!el || !ready) return el || null;
  el.scrollIntoView({ block: 'center', behavior: 'instant' });
  // Ready for a thumb: still for two frames, and on top at its middle.
  const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
  const before = JSON.stringify(el.getBoundingClientRect());
  await frame();
  await frame();
  const box = el.getBoundingClientRect();
  const top = document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2);
  return JSON.stringify(box) === before && el.contains(top) ? el : null;
}"""

# The next file picker the page opens gets this file at once, set through a DataTransfer and
# announced with `change` (WebKit's automation cancels pickers, and Firefox's BiDi dismisses
# them unless told otherwise): the app's own handling of the chosen file is what runs.
PICK = """(name, type, data) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const click = HTMLInputElement.prototype.click;
  HTMLInputElement.prototype.click = function () {
    if (this.type !== 'file') return click.call(this);
    HTMLInputElement.prototype.click = click;
    const chosen = new DataTransfer();
    chosen.items.add(new File([bytes], name, { type }));
    this.files = chosen.files;
    this.dispatchEvent(new Event('change', { bubbles: true }));
  };
}"""


def tap(origin: dict) -> dict:
    """A pointer's press and release on the middle of ``origin`` (an element, as each
    protocol names one): WebDriver's actions, the same in BiDi and in classic."""
    return {
        "type": "pointer",
        "id": "finger",
        "parameters": {"pointerType": "mouse"},
        "actions": [
            {"type": "pointerMove", "x": 0, "y": 0, "origin": origin},
            {"type": "pointerDown", "button": 0},
            {"type": "pointerUp", "button": 0},
        ],
    }


class Engine:
    """One browser window on one profile, driven as a person would use it."""

    name = ""
    downloads: Path

    # Each engine provides these six.
    def open(self, url: str) -> None:
        raise NotImplementedError

    def reload(self) -> None:
        raise NotImplementedError

    def url(self) -> str:
        raise NotImplementedError

    def call(self, function: str, *args: Any) -> Any:
        """Run a JS function (it may be async) in the page with `args`; return its result."""
        raise NotImplementedError

    def _click(self, element: Any) -> None:
        raise NotImplementedError

    def _type(self, element: Any, text: str) -> None:
        raise NotImplementedError

    # What a test does with them.
    def find(self, how: str, name: str, timeout: float = TIMEOUT) -> Any:
        """Wait for a visible element (see FIND) and return it."""
        return self.until(FIND, how, name, timeout=timeout, what=f"{how} {name!r}")

    def click(self, how: str, name: str) -> None:
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                return self._click(self.find(how, name))
            except EngineError as error:
                # Moved out of sight between finding and pressing: nothing was pressed.
                if "out of bounds" not in str(error) or time.monotonic() > deadline:
                    raise

    def fill(self, label: str, text: str) -> None:
        """Type into the field with this label (it starts empty)."""
        self._type(self.find("label", label), text)

    def see(self, how: str, name: str, timeout: float = TIMEOUT) -> None:
        self.find(how, name, timeout=timeout)

    def gone(self, how: str, name: str) -> bool:
        """Whether no such element shows now."""
        return self.call(FIND, how, name, False) is None

    def wait_gone(self, how: str, name: str) -> None:
        self.until(
            f"async (how, name) => (await ({FIND})(how, name, false)) === null",
            how,
            name,
            what=f"{name!r} gone",
        )

    def choose_file(self, name: str, type_: str, data: bytes) -> None:
        """The next file picker gets this file."""
        self.call(PICK, name, type_, base64.b64encode(data).decode())

    def until(self, function: str, *args: Any, timeout: float = TIMEOUT, what: str = "") -> Any:
        """Call `function` in the page until it returns something truthy; return that."""
        deadline = time.monotonic() + timeout
        last = ""
        while True:
            try:
                if value := self.call(function, *args):
                    return value
            except EngineError as error:  # a page between loads, say
                last = f" (last: {error})"
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name}: timed out waiting for {what or function}{last}")
            time.sleep(0.1)

    def wait_for_download(self, timeout: float = TIMEOUT) -> Path:
        """The one finished file in the downloads folder."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = [p for p in self.downloads.iterdir() if not p.name.endswith(PARTIAL)]
            if done and done[0].stat().st_size:
                return done[0]
            time.sleep(0.1)
        raise AssertionError(f"{self.name}: no download in {self.downloads}")


# What Firefox and WebKit call a download still under way.
PARTIAL = (".part", ".wkdownload")


class EngineError(Exception):
    """The browser refused a command."""


# --- Firefox over WebDriver BiDi -------------------------------------------------------------

FIREFOX_PREFS = {
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "datareporting.policy.dataSubmissionEnabled": False,
    "toolkit.telemetry.reportingpolicy.firstRun": False,
    "app.update.disabledForTesting": True,
    # No site but the test's own: the rest (the neutral site quick exit leaves for, the
    # browser's own traffic) goes to a proxy that is not there, and fails at once.
    "network.proxy.type": 1,
    "network.proxy.http": "127.0.0.1",
    "network.proxy.http_port": NOWHERE,
    "network.proxy.ssl": "127.0.0.1",
    "network.proxy.ssl_port": NOWHERE,
    "network.proxy.no_proxies_on": "localhost",
    "network.proxy.allow_hijacking_localhost": False,
    # Downloads go to the test's folder without asking.
    "browser.download.folderList": 2,
    "browser.download.useDownloadDir": True,
    "browser.download.always_ask_before_handling_new_types": False,
    "browser.download.start_downloads_in_tmp_dir": False,
    "browser.download.alwaysOpenPanel": False,
}


@contextlib.contextmanager
def firefox(profile: Path) -> Iterator[Firefox]:
    """Firefox ESR, headless, on a new profile whose downloads go to profile/downloads."""
    downloads = profile / "downloads"
    downloads.mkdir(parents=True)
    prefs = {**FIREFOX_PREFS, "browser.download.dir": str(downloads)}
    (profile / "user.js").write_text(
        "".join(f"user_pref({json.dumps(k)}, {json.dumps(v)});\n" for k, v in prefs.items())
    )
    command = [FIREFOX, "--headless", "--no-remote", "--profile", str(profile)]
    log = profile / "firefox.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [*command, "--remote-debugging-port=0", "about:blank"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        with connect(f"{_listening(process, log)}/session", max_size=None) as socket_:
            browser = Firefox(socket_, downloads)
            try:
                yield browser
            finally:
                with contextlib.suppress(Exception):
                    browser.send("browser.close", {})
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _listening(process: subprocess.Popen, log: Path) -> str:
    """The BiDi address Firefox writes to its log once it listens."""
    deadline = time.monotonic() + 30
    while process.poll() is None and time.monotonic() < deadline:
        if found := re.search(r"WebDriver BiDi listening on (ws://\S+)", log.read_text()):
            return found[1]
        time.sleep(0.05)
    raise EngineError(f"Firefox did not listen: {log.read_text()[-2000:]}")


class Firefox(Engine):
    name = "Firefox"

    def __init__(self, socket_: ClientConnection, downloads: Path) -> None:
        self.socket = socket_
        self.downloads = downloads
        self.ids = itertools.count(1)
        self.send("session.new", {"capabilities": {}})
        self.context = self.send("browsingContext.getTree", {})["contexts"][0]["context"]
        self.send(
            "browsingContext.setViewport",
            {"context": self.context, "viewport": {"width": WIDTH, "height": HEIGHT}},
        )

    def send(self, method: str, params: dict) -> dict:
        number = next(self.ids)
        self.socket.send(json.dumps({"id": number, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=60))
            if message.get("id") != number:
                continue  # an event
            if message["type"] == "error":
                raise EngineError(f"{method}: {message['error']}: {message.get('message')}")
            return message["result"]

    def open(self, url: str) -> None:
        self.send(
            "browsingContext.navigate", {"context": self.context, "url": url, "wait": "complete"}
        )

    def reload(self) -> None:
        self.send("browsingContext.reload", {"context": self.context, "wait": "complete"})

    def url(self) -> str:
        tree = self.send("browsingContext.getTree", {"root": self.context})
        return tree["contexts"][0]["url"]

    def call(self, function: str, *args: Any) -> Any:
        reply = self.send(
            "script.callFunction",
            {
                "functionDeclaration": function,
                "arguments": [_to_bidi(a) for a in args],
                "target": {"context": self.context},
                "awaitPromise": True,
            },
        )
        if reply["type"] == "exception":
            raise EngineError(reply["exceptionDetails"]["text"])
        return _from_bidi(reply["result"])

    def _actions(self, *sources: dict) -> None:
        self.send("input.performActions", {"context": self.context, "actions": list(sources)})

    def _click(self, element: Any) -> None:
        self._actions(tap({"type": "element", "element": {"sharedId": element["sharedId"]}}))

    def _type(self, element: Any, text: str) -> None:
        self._click(element)
        keys = [{"type": kind, "value": c} for c in text for kind in ("keyDown", "keyUp")]
        self._actions({"type": "key", "id": "keyboard", "actions": keys})


def _to_bidi(value: Any) -> dict:
    if isinstance(value, str):
        return {"type": "string", "value": value}
    if isinstance(value, bool):
        return {"type": "boolean", "value": value}
    if isinstance(value, int | float):
        return {"type": "number", "value": value}
    if value is None:
        return {"type": "null"}
    raise TypeError(value)


def _from_bidi(value: dict) -> Any:
    kind = value["type"]
    if kind == "node":
        return value  # keeps its sharedId, for clicks
    if kind in ("undefined", "null"):
        return None
    if kind == "array":
        return [_from_bidi(v) for v in value["value"]]
    if kind == "object":
        return {k: _from_bidi(v) for k, v in value["value"]}
    return value.get("value")


# --- WebKit over classic WebDriver ---------------------------------------------------------

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


@contextlib.contextmanager
def webkit_driver() -> Iterator[str]:
    """An Xvfb screen the size of a phone and WebKitWebDriver on it; yields the driver's URL."""
    read, write = os.pipe()
    size = f"{WIDTH}x{HEIGHT}x24"
    screen = subprocess.Popen(
        [XVFB, "-displayfd", str(write), "-screen", "0", size, "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as pipe:
        display = pipe.readline().strip()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "DISPLAY": f":{display}", "NO_AT_BRIDGE": "1"}
    driver = subprocess.Popen(
        [WEBKIT_DRIVER, f"--port={port}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                _http("GET", f"{url}/status")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield url
    finally:
        # The driver's group: the driver, and any browser it left behind.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(driver.pid, signal.SIGTERM)
        driver.wait()
        screen.terminate()
        screen.wait()


def _http(method: str, url: str, body: dict | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"}
    request = urllib.request.Request(url, method=method, data=data, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (the driver)
            return json.load(response)["value"]
    except urllib.error.HTTPError as error:
        reply = json.load(error)["value"]
        raise EngineError(f"{reply.get('error')}: {reply.get('message')}") from None


@contextlib.contextmanager
def webkit(driver: str, profile: Path, *, private: bool) -> Iterator[WebKit]:
    """A WebKit window on a kept profile, or a private one (ephemeral, as in Safari's Private
    Browsing); its downloads go to profile/downloads."""
    downloads = profile / "downloads"
    downloads.mkdir(parents=True)
    where = ["--private"] if private else ["--profile", str(profile / "browser")]
    args = ["--downloads", str(downloads), "--proxy", f"http://127.0.0.1:{NOWHERE}"]
    options = {"binary": SYSTEM_PYTHON, "args": [str(WEBKIT_SHELL), "--automation", *where, *args]}
    capabilities = {"alwaysMatch": {"webkitgtk:browserOptions": options}}
    reply = _http("POST", f"{driver}/session", {"capabilities": capabilities})
    browser = WebKit(f"{driver}/session/{reply['sessionId']}", downloads, private=private)
    try:
        yield browser
    finally:
        # Closing the window ends the shell, so the driver may answer "no such window".
        with contextlib.suppress(EngineError, OSError):
            _http("DELETE", browser.session)


class WebKit(Engine):
    def __init__(self, session: str, downloads: Path, *, private: bool) -> None:
        self.name = "WebKit (private)" if private else "WebKit"
        self.session = session
        self.downloads = downloads

    def _do(self, method: str, path: str, body: dict | None = None) -> Any:
        return _http(method, self.session + path, body)

    def open(self, url: str) -> None:
        self._do("POST", "/url", {"url": url})

    def reload(self) -> None:
        self._do("POST", "/refresh", {})

    def url(self) -> str:
        return self._do("GET", "/url")

    def call(self, function: str, *args: Any) -> Any:
        script = f"return ({function})(...arguments);"
        return self._do("POST", "/execute/sync", {"script": script, "args": list(args)})

    def _click(self, element: Any) -> None:
        # A pointer's press and release on the element's middle, as in Firefox. (The
        # driver's own element click misjudges a sticky bar as covered, and says so after
        # it has clicked.)
        self._do("POST", "/actions", {"actions": [tap({ELEMENT: element[ELEMENT]})]})

    def _type(self, element: Any, text: str) -> None:
        self._do("POST", f"/element/{element[ELEMENT]}/value", {"text": text})
