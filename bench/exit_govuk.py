"""Quick exit beside GOV.UK Frontend's "Exit this page", in the same Chromium (issue 21).

GOV.UK Frontend is installed from npm at bench time into a temporary folder (never into the
repo: it is not a dependency of Cairn) and served from its `dist` on a page of its own origin:
the component's documented markup and `initAll()`. Both pages leave for the same plain local
page, on a third origin. Pixel 7 emulation, 4× CPU throttling (CDP) from just before the
input until the neutral page has painted; the two take turns, nine runs each for each input.

The same inputs for both, through CDP as a phone's would come: Shift pressed three times
(key down and up each time: GOV.UK acts on the third release, Cairn on the third press), and
a tap on each one's button (touch start and end: GOV.UK acts on the click, Cairn on the
pointerdown). Every time is taken from the input's own `timeStamp` (the third Shift's
keydown; the tap's pointerdown).

A finger or a key is held down for a while before it lifts: HOLD_MS between each press and
its release, on the wall clock, well under what people take (a tap's touch and a typist's
key are down for about 80–100 ms). Those are the rows with targets. The same inputs with
no hold at all (the release sent straight after the press, as Playwright's `tap()` and
`press()` do) are measured too and printed beside them, without a target: there, acting on
the press gains nothing, since the release follows at once, and Cairn's wait for its
cover's frame before it leaves is all that shows.

- **The cover's frame**: a capture listener that runs before either page's own asks for
  animation frames from the input on; the first frame whose callback finds the cover in the
  page (Cairn's `#cover` shown, GOV.UK's `.govuk-exit-this-page-overlay`) is the one that
  paints it, and its time is that callback's (the frame's start), for both. A task posted
  from that callback would run once the frame is painted, but GOV.UK's page has usually gone
  by then (it starts its navigation in the press), so that later mark exists for one of the
  two only and is reported, not compared. If the neutral page paints first, the old page
  never painted its cover and the neutral page's first paint is counted (the form was on
  screen until then); the note says how often. Frames that began after the input without
  the cover are counted too: none means the cover was in the first frame.
- **Neutral page committed**: its Navigation Timing `responseEnd`, on the wall clock
  (`timeOrigin` + the entry), as the input's is.
"""

from __future__ import annotations

import contextlib
import json
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from playwright.sync_api import Error, Page, Playwright, expect

from e2e.journeys import set_up_with_passphrase_only, unlock_with_passphrase
from e2e.support import LiveServer, launch, new_phone

GOVUK_VERSION = "6.6.0"
RUNS = 9
THROTTLE = 4
# How long each key and the finger stay down, in ms (0: released at once, for reference).
HOLD_MS = 50
HOLDS = (HOLD_MS, 0)
TYPED = "He was outside the school gates again at half three."

# In every page, before its own scripts: the input's time and the cover's frame, sent out
# through a binding as they happen (the page is about to go).
MEASURE = """(() => {
    const send = (what, t) =>
        window.__exitMark && window.__exitMark(what, performance.timeOrigin + t);
    const covered = () => {
        const $cover = document.getElementById('cover');
        return Boolean(($cover && !$cover.hidden)
            || document.querySelector('.govuk-exit-this-page-overlay'));
    };
    // One watch at a time: a click that readied the page must not count frames for a press.
    let watching = 0;
    const untilCovered = (from, mine = ++watching) => requestAnimationFrame(function look() {
        if (mine !== watching) return;
        if (!covered()) {
            send('bare', performance.now());
            if (performance.now() - from < 3000) requestAnimationFrame(look);
            return;
        }
        send('frame', performance.now());
        // Ahead of Cairn's own task after the frame, posted the same way after this one.
        const painted = () => send('painted', performance.now());
        if (window.scheduler?.postTask) return void scheduler.postTask(painted,
            { priority: 'user-blocking' });
        const channel = new MessageChannel();
        channel.port1.onmessage = painted;
        channel.port2.postMessage(null);
    });
    let shifts = 0;
    window.addEventListener('keydown', (event) => {
        if (event.key !== 'Shift') { shifts = 0; return; }
        if (++shifts < 3) return;
        shifts = 0;
        send('input', event.timeStamp);
        untilCovered(performance.now());
    }, true);
    window.addEventListener('pointerdown', (event) => {
        send('input', event.timeStamp);
        untilCovered(performance.now());
    }, true);
})();"""

# The neutral page's own times, on the wall clock.
NEUTRAL_TIMES = """async () => {
    const [nav] = performance.getEntriesByType('navigation');
    const origin = performance.timeOrigin;
    for (let i = 0; i < 200 && !performance.getEntriesByName('first-contentful-paint').length;
        i++) await new Promise((resolve) => setTimeout(resolve, 10));
    const [paint] = performance.getEntriesByName('first-contentful-paint');
    return { committed: origin + nav.responseEnd, paint: paint ? origin + paint.startTime : null };
}"""

NEUTRAL_PAGE = (
    "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Weather</title>"
    "<meta name='viewport' content='width=device-width'></head>"
    "<body><h1>Weather</h1><p>Sunny intervals, 14\u00b0C.</p></body></html>"
).encode()

# GOV.UK's page: the template's body classes, the component's documented markup (its
# fixtures' "default"), a form like the diary's, and initAll() from the package's dist.
GOVUK_PAGE = """<!doctype html>
<html lang="en" class="govuk-template">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
  <title>Get help</title>
  <link rel="stylesheet" href="/govuk/govuk-frontend.min.css">
</head>
<body class="govuk-template__body">
  <script>
    document.body.className += ' js-enabled' +
      ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');
  </script>
  <div class="govuk-width-container">
    <main class="govuk-main-wrapper" id="main-content">
      <div class="govuk-exit-this-page" data-module="govuk-exit-this-page">
        <a href="{neutral}" role="button" draggable="false"
          class="govuk-button govuk-button--warning govuk-exit-this-page__button
            govuk-js-exit-this-page-button"
          data-module="govuk-button" rel="nofollow noreferrer">
          <span class="govuk-visually-hidden">Emergency</span> Exit this page
        </a>
      </div>
      <h1 class="govuk-heading-l">Log an incident</h1>
      <div class="govuk-form-group">
        <label class="govuk-label" for="what">What happened</label>
        <textarea class="govuk-textarea" id="what" rows="5">{typed}</textarea>
      </div>
      <button type="submit" class="govuk-button" data-module="govuk-button">Save incident</button>
    </main>
  </div>
  <script type="module">import { initAll } from '/govuk/govuk-frontend.min.js'; initAll();</script>
</body>
</html>
"""


def install_govuk(folder: Path) -> Path:
    """Install the pinned govuk-frontend from npm into `folder`; return its dist/govuk."""
    subprocess.run(
        ["npm", "install", "--prefix", str(folder), "--no-audit", "--no-fund", "--no-save"]
        + [f"govuk-frontend@{GOVUK_VERSION}"],
        check=True,
        capture_output=True,
    )
    dist = folder / "node_modules" / "govuk-frontend" / "dist" / "govuk"
    installed = json.loads((dist.parents[1] / "package.json").read_text())["version"]
    assert installed == GOVUK_VERSION, installed
    return dist


def _handler(pages: dict[str, bytes], files: dict[str, Path]) -> type[BaseHTTPRequestHandler]:
    types = {".css": "text/css", ".js": "text/javascript", ".mjs": "text/javascript"}
    types |= {".woff2": "font/woff2", ".woff": "font/woff", ".svg": "image/svg+xml"}
    types |= {".png": "image/png", ".ico": "image/x-icon", ".json": "application/json"}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            path = self.path.split("?", 1)[0]
            kind = "text/html; charset=utf-8"
            body = pages.get(path)
            for prefix, folder in files.items():
                if body is None and path.startswith(prefix):
                    file = (folder / path[len(prefix) :]).resolve()
                    if file.is_relative_to(folder) and file.is_file():
                        body = file.read_bytes()
                        kind = types.get(file.suffix, "application/octet-stream")
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args) -> None:
            pass

    return Handler


@contextlib.contextmanager
def _site(pages: dict[str, bytes], files: dict[str, Path] | None = None) -> Iterator[str]:
    """Serve `pages` (and folders of files under prefixes) on a localhost port of its own."""
    httpd = ThreadingHTTPServer(("localhost", 0), _handler(pages, files or {}))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://localhost:{httpd.server_port}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def _lift(release: Callable[[], object]) -> None:
    """Send a release; the page it was pressed on may have gone meanwhile."""
    with contextlib.suppress(Error):
        release()


def _press(page: Page, cdp, how: str, button: str, hold_ms: int) -> None:
    """Shift three times, or a tap on `button`, each held down `hold_ms` before it lifts."""
    if how == "shift":
        for _ in range(3):
            page.keyboard.down("Shift")
            time.sleep(hold_ms / 1000)
            _lift(lambda: page.keyboard.up("Shift"))
        return
    box = page.locator(button).bounding_box()
    assert box, f"no {button} on the page"
    at = {"x": box["x"] + box["width"] / 2, "y": box["y"] + box["height"] / 2}
    # As Playwright's touchscreen.tap() sends it, with the finger held between the two.
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [at]})
    time.sleep(hold_ms / 1000)
    _lift(lambda: cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []}))


def _last_input(marks: list) -> int:
    return max(i for i, (what, _) in enumerate(marks) if what == "input")


def _run(page: Page, cdp, marks: list, how: str, button: str, neutral: str, hold_ms: int) -> dict:
    """Press, wait for the neutral page, and return the run's times in ms from the input."""
    marks.clear()
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": THROTTLE})
    try:
        _press(page, cdp, how, button, hold_ms)
        page.wait_for_url(neutral + "/", timeout=30_000)
        times = page.evaluate(NEUTRAL_TIMES)
    finally:
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
    page.wait_for_timeout(100)  # a late mark from the page that left, if any
    found = dict(marks)
    key = found["input"]
    frame = found.get("frame")
    first = times["paint"]
    covered = min(t for t in (frame, first) if t is not None)
    return {
        "cover": covered - key,
        "coverFrame": frame is not None and (first is None or frame <= first),
        # After the input's own mark: a frame may begin between the input's timeStamp and
        # its dispatch (a watch from a click that readied the page still runs until then).
        "bare": [what for what, _ in marks][_last_input(marks) :].count("bare"),
        "painted": found["painted"] - key if "painted" in found else None,
        "committed": times["committed"] - key,
    }


def measure(
    server: LiveServer, playwright: Playwright, runs: int = RUNS
) -> dict[str, dict[str, list[dict]]]:
    """Nine runs of each input, held and not, for each of the two, taking turns. Results by
    who, then by way (`way(how, hold)`)."""
    results: dict[str, dict[str, list[dict]]] = {
        who: {way(how, hold): [] for hold in HOLDS for how in ("shift", "tap")}
        for who in ("cairn", "govuk")
    }
    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="govuk-")))
        dist = install_govuk(folder)
        neutral = stack.enter_context(_site({"/": NEUTRAL_PAGE}))
        page_html = GOVUK_PAGE.replace("{neutral}", neutral + "/").replace("{typed}", TYPED)
        govuk = stack.enter_context(
            _site({"/": page_html.encode()}, {"/govuk/": dist, "/assets/": dist / "assets"})
        )
        browser = launch(playwright)
        stack.callback(browser.close)
        context = new_phone(playwright, browser, server)
        stack.callback(context.close)
        context.add_init_script(MEASURE)
        marks: list[tuple[str, float]] = []
        context.expose_function("__exitMark", lambda what, t: marks.append((what, t)))
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        set_up_with_passphrase_only(page)
        page.evaluate(
            "async (to) => (await import('/js/disguise/prefs.js')).setExit({ to })", neutral + "/"
        )

        def cairn_ready() -> None:
            page.goto(server.url + "/")
            unlock_with_passphrase(page)
            page.get_by_role("button", name="Log an incident").click()
            page.get_by_label("What happened").fill(TYPED)
            page.wait_for_timeout(800)  # the draft written, the screen settled

        def govuk_ready() -> None:
            page.goto(govuk + "/")
            expect(page.locator("body[data-govuk-frontend-exit-this-page-keypress]")).to_have_count(
                1
            )
            page.wait_for_timeout(800)

        turns: dict[str, tuple[Callable[[], None], str]] = {
            "cairn": (cairn_ready, ".quick-exit"),
            "govuk": (govuk_ready, ".govuk-exit-this-page__button"),
        }
        for n in range(runs):
            for hold in HOLDS:
                for how in ("shift", "tap"):
                    first = (n + (how == "tap") + (hold == 0)) % 2 == 0
                    for who in ("cairn", "govuk") if first else ("govuk", "cairn"):
                        ready, button = turns[who]
                        ready()
                        times = _run(page, cdp, marks, how, button, neutral, hold)
                        results[who][way(how, hold)].append(times)
    return results


def way(how: str, hold: int) -> str:
    """The key of an input held `hold` ms in measure()'s results: "shift", or "shift, 0 ms"."""
    return how if hold == HOLD_MS else f"{how}, {hold} ms"


def summary(
    results: dict[str, dict[str, list[dict]]],
) -> list[tuple[str, float, str, bool | None, str]]:
    """Rows: (name, Cairn/GOV.UK ratio of the medians, target, met, note); the instant
    inputs' rows have no target."""
    rows = []
    names = {
        "shift": f"Shift × 3, each held {HOLD_MS} ms",
        "tap": f"a tap on the button held {HOLD_MS} ms (from its pointerdown)",
        way("shift", 0): "for reference, Shift × 3 released at once",
        way("tap", 0): "for reference, a tap released at once",
    }
    for key, name in names.items():
        for what, label in (
            ("cover", "the cover's frame"),
            ("committed", "the neutral page committed"),
        ):
            ours = [r[what] for r in results["cairn"][key]]
            theirs = [r[what] for r in results["govuk"][key]]
            mine, gov = statistics.median(ours), statistics.median(theirs)
            ratio = mine / gov
            pairs = sorted(a / b for a, b in zip(ours, theirs, strict=True))
            note = (
                f"Cairn median {mine:.1f} ms ({min(ours):.1f}–{max(ours):.1f}), GOV.UK "
                f"{gov:.1f} ms ({min(theirs):.1f}–{max(theirs):.1f}); run by run "
                f"{pairs[0]:.2f}–{pairs[-1]:.2f}×"
            )
            met = ratio <= 1
            if what == "cover":
                runs = [results[w][key] for w in ("cairn", "govuk")]
                frames = [sum(r["coverFrame"] for r in rs) for rs in runs]
                first = [sum(r["coverFrame"] and r["bare"] == 0 for r in rs) for rs in runs]
                painted = [[r["painted"] for r in rs if r["painted"] is not None] for rs in runs]
                after = [
                    f"median {statistics.median(p):.1f} ms in {len(p)} runs" if p else "never"
                    for p in painted
                ]
                note += (
                    f"; the cover's frame came before the neutral page's first paint in "
                    f"{frames[0]} of {len(ours)} Cairn runs and {frames[1]} of {len(theirs)} "
                    f"GOV.UK runs (else that paint is counted), and was the first frame after "
                    f"the input in {first[0]} and {first[1]}; a task after that frame ran "
                    f"before the page went: Cairn {after[0]}, GOV.UK {after[1]}"
                )
                # ≤ 1 frame: the cover is in the first frame after the input, every run.
                met = met and first[0] == len(ours)
            if key in ("shift", "tap"):
                rows.append((f"{name} → {label}", round(ratio, 2), "≤ 1", met, note))
            else:  # no target: what instant inputs show, printed beside the held ones
                rows.append((f"{name} → {label}", round(ratio, 2), "", None, note))
    return rows
