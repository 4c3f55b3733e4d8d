"""Cairn's benchmarks: print a table and write bench/results.json.

Run with `make bench`. Each row names its target; later features add rows by adding a
function to ROWS.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import tempfile
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from playwright.sync_api import Playwright, sync_playwright

from e2e.support import (
    LiveServer,
    launch,
    make_app,
    new_phone,
    offline,
    wait_for_app,
    wait_for_worker,
)

RESULTS = Path(__file__).resolve().parent / "results.json"
THROTTLE = 4
logging.getLogger("werkzeug").setLevel(logging.WARNING)


@dataclass
class Row:
    """One measured figure, with its target where the issues name one."""

    name: str
    value: float
    unit: str
    target: str = ""
    ok: bool | None = None
    note: str = ""


# --- the shell's size ----------------------------------------------------------------------


def shell_size(server: LiveServer, _playwright: Playwright) -> list[Row]:
    """Gzipped transfer size of the shell, as the server sends it, split by kind."""
    shell = server.app.extensions["cairn.shell"]
    kinds: dict[str, int] = {"HTML": 0, "JS": 0, "CSS": 0, "manifest": 0, "icons": 0}
    for url in [*shell.files, "/sw.js", "/sw/precache.js"]:
        request = urllib.request.Request(server.url + url, headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request) as response:
            size = len(response.read())
        kind = (
            "HTML"
            if url == "/"
            else "JS"
            if url.endswith(".js")
            else "CSS"
            if url.endswith(".css")
            else "manifest"
            if url.endswith(".webmanifest")
            else "icons"
        )
        kinds[kind] += size
    start = sum(v for k, v in kinds.items() if k != "icons")
    rows = [Row(f"shell gzipped: {k}", round(v / 1024, 1), "KB") for k, v in kinds.items()]
    rows.append(
        Row(
            "shell gzipped: to start (no icons)",
            round(start / 1024, 1),
            "KB",
            "≤ 50",
            start <= 50 * 1024,
        )
    )
    return rows


# --- load times ----------------------------------------------------------------------------


def _ready_ms(page) -> float:
    wait_for_app(page)
    return page.evaluate("performance.getEntriesByName('app-ready')[0].startTime")


def _throttled_page(context):
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": THROTTLE})
    return page


def load_times(server: LiveServer, playwright: Playwright, runs: int = 7) -> list[Row]:
    """Cold load and offline reload to interactive, Pixel 7 emulation at 4× CPU throttling."""
    browser = launch(playwright)
    cold, warm = [], []
    try:
        for _ in range(runs):
            context = new_phone(playwright, browser, server)
            page = _throttled_page(context)
            page.goto("/")
            cold.append(_ready_ms(page))
            wait_for_worker(page)
            page.reload()
            _ready_ms(page)
            with offline(context):
                page.reload()
                warm.append(_ready_ms(page))
            context.close()
    finally:
        browser.close()
    note = f"median of {runs}, {THROTTLE}× CPU"
    cold_ms, warm_ms = statistics.median(cold), statistics.median(warm)
    return [
        Row("cold load to interactive", round(cold_ms), "ms", "", None, note),
        Row("offline reload to interactive", round(warm_ms), "ms", "≤ 300", warm_ms <= 300, note),
    ]


ROWS: list[Callable[[LiveServer, Playwright], list[Row]]] = [shell_size, load_times]


def print_table(rows: list[Row]) -> None:
    """Print rows as a Markdown table (pasteable into the README)."""
    print("| benchmark | result | target | |")
    print("|---|---:|---|---|")
    for r in rows:
        mark = "" if r.ok is None else ("✓" if r.ok else "✗")
        note = f" ({r.note})" if r.note else ""
        target = f"{r.target} {r.unit}" if r.target else ""
        print(f"| {r.name}{note} | {r.value:g} {r.unit} | {target} | {mark} |")


def main(argv: list[str] | None = None) -> int:
    """Run every benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", help="run only rows whose function name contains this")
    args = parser.parse_args(argv)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as instance, sync_playwright() as playwright:
        server = LiveServer(make_app(Path(instance))).start()
        try:
            for measure in ROWS:
                if args.only and args.only not in measure.__name__:
                    continue
                rows.extend(measure(server, playwright))
        finally:
            server.stop()
    print_table(rows)
    RESULTS.write_text(json.dumps([asdict(r) for r in rows], indent=2, ensure_ascii=False))
    return 0 if all(r.ok is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
