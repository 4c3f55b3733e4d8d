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


# --- the vault -----------------------------------------------------------------------------

VAULT_TIMINGS = """async (runs) => {
    const keys = await import('/js/vault/keys.js');
    const records = await import('/js/vault/records.js');
    const { destroy } = await import('/js/vault/idb.js');
    keys.lock();
    await destroy();
    const prf = crypto.getRandomValues(new Uint8Array(32));
    const passphrase = 'bench passphrase for timing only';
    await keys.createVault({ passphrase,
        passkey: { credentialId: 'bench', salt: new Uint8Array(32), prfOutput: prf } });
    const time = async (fn) => {
        const t = performance.now(); await fn(); return performance.now() - t; };
    const passkey = [], pass = [], save = [];
    for (let i = 0; i < runs; i++) {
        keys.lock();
        passkey.push(await time(() => keys.unlockWithPrf('bench', prf)));
    }
    for (let i = 0; i < 3; i++) {
        keys.lock();
        pass.push(await time(() => keys.unlockWithPassphrase(passphrase)));
    }
    const text = 'x'.repeat(1024);
    for (let i = 0; i < 200; i++) {
        save.push(await time(() => records.put('note', 'n' + i, { text })));
    }
    const { PBKDF2_ITERATIONS } = await import('/js/vault/crypto.js');
    return { passkey, pass, save, iterations: PBKDF2_ITERATIONS };
}"""

FILE_STORE = """async (mib) => {
    const records = await import('/js/vault/records.js');
    // Raw WebCrypto AES-GCM over the same bytes, 1 MiB at a time, nothing stored.
    const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false,
        ['encrypt']);
    const block = new Uint8Array(1024 * 1024).fill(7);
    let t = performance.now();
    for (let i = 0; i < mib; i++) {
        const iv = crypto.getRandomValues(new Uint8Array(12));
        await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: new Uint8Array(16) },
            key, block);
    }
    const raw = performance.now() - t;
    // The same size through the vault, from a file as the phone's file picker gives it.
    const file = new Blob(Array.from({ length: mib }, () => block));
    window.__stored = null;
    t = performance.now();
    await records.putFile(file.stream(), { name: 'bench.bin' });
    window.__stored = performance.now() - t;
    return { raw, stored: window.__stored };
}"""


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def vault(server: LiveServer, playwright: Playwright, mib: int = 50) -> list[Row]:
    """Unlock, record saves, and a large file through the vault, in the real browser."""
    browser = launch(playwright)
    try:
        context = new_phone(playwright, browser, server)
        page = context.new_page()
        page.goto("/_harness/harness/blank.html")
        t = page.evaluate(VAULT_TIMINGS, 25)
        passkey_ms = statistics.median(t["passkey"])
        pass_ms = statistics.median(t["pass"])
        save_p95 = _percentile(t["save"], 95)

        # Throughput, nothing else running: median of three.
        runs = [page.evaluate(FILE_STORE, mib) for _ in range(3)]
        ratio = statistics.median(r["raw"] / r["stored"] for r in runs)
        stored_ms = statistics.median(r["stored"] for r in runs)
        raw_ms = statistics.median(r["raw"] for r in runs)

        # Memory, in a separate run: live memory (after a garbage collection) sampled as
        # the file goes in, so garbage awaiting collection is not counted as growth.
        cdp = context.new_cdp_session(page)
        cdp.send("HeapProfiler.enable")

        def live() -> int:
            cdp.send("HeapProfiler.collectGarbage")
            usage = cdp.send("Runtime.getHeapUsage")
            return int(usage["usedSize"] + usage.get("backingStorageSize", 0))

        baseline = live()
        page.evaluate(f"() => {{ window.__file = ({FILE_STORE})({mib}); }}")
        peak = baseline
        while page.evaluate("window.__stored") is None:
            peak = max(peak, live())
            page.wait_for_timeout(50)
        context.close()
    finally:
        browser.close()
    growth_mb = (peak - baseline) / 1_048_576
    return [
        Row(
            "unlock, passkey path (app's own work)",
            round(passkey_ms, 1),
            "ms",
            "≤ 50",
            passkey_ms <= 50,
            "median of 25, authenticator excluded",
        ),
        Row(
            "unlock, passphrase path",
            round(pass_ms),
            "ms",
            "",
            None,
            f"PBKDF2-SHA256, {t['iterations']:,} iterations",
        ),
        Row(
            "save a 1 KB record, p95", round(save_p95, 1), "ms", "≤ 10", save_p95 <= 10, "200 saves"
        ),
        Row(
            f"{mib} MB file: encrypt-and-store vs raw AES-GCM",
            round(ratio * 100),
            "%",
            "≥ 60",
            ratio >= 0.6,
            f"{mib / stored_ms * 1000:.0f} vs {mib / raw_ms * 1000:.0f} MB/s; raw: 1 MiB at a time",
        ),
        Row(
            f"{mib} MB file: page memory growth",
            round(growth_mb, 1),
            "MB",
            "≤ 16",
            growth_mb <= 16,
            "live JS heap + array buffers, peak",
        ),
    ]


ROWS: list[Callable[[LiveServer, Playwright], list[Row]]] = [shell_size, load_times, vault]


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
