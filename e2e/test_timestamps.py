"""RFC 3161 time-stamps on the phone: after each change, while unlocked and online, the
phone gets an authority's time-stamp of the chain's head (only the hash leaves it), keeps it
encrypted, lists it on the report and carries it in the evidence bundle, where `cairn verify
--tsa-ca` and `openssl ts -verify` accept it. Offline, nothing is asked and nothing is said."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import zipfile
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from e2e.exports import run_verify
from e2e.journeys import (
    DIARY,
    download_bundle,
    log_incident,
    make_backup,
    merge_backup,
    open_backup_settings,
    open_report,
    set_up_with_passphrase_only,
)
from e2e.support import LiveServer, make_app, new_phone, until

KEPT = "async () => (await import('/js/sync/timestamps.js')).list()"
# Every stored record as IndexedDB holds it (ciphertext as bytes in a list).
RAW_ROWS = """async () => {
    const { tx, req } = await import('/js/vault/idb.js');
    const rows = await tx(['records'], 'readonly', (t) => req(t.objectStore('records').getAll()));
    const plain = (v) => v instanceof ArrayBuffer || ArrayBuffer.isView(v)
        ? String.fromCharCode(...new Uint8Array(v.buffer || v))
        : v && typeof v === 'object'
            ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]))
            : v;
    return rows.map(plain);
}"""


@pytest.fixture
def stamping(playwright, browser, tmp_path) -> Iterator[tuple[Page, LiveServer]]:
    """A new phone on a server that is its own time-stamping authority."""
    server = LiveServer(make_app(tmp_path / "instance", TSA="own")).start()
    context = new_phone(playwright, browser, server)
    context.set_default_timeout(15_000)
    page = context.new_page()
    asked: list[dict] = []
    page.on(
        "request",
        lambda r: (
            asked.append(json.loads(r.post_data or "{}"))
            if r.url.endswith("/api/timestamp")
            else None
        ),
    )
    page.stamp_requests = asked  # type: ignore[attr-defined]
    try:
        yield page, server
    finally:
        context.close()
        server.stop()


def head_hash(page: Page) -> dict:
    return page.evaluate("async () => (await import('/js/diary/log.js')).head()")


def test_each_new_head_is_stamped_and_the_bundle_carries_stamps_that_verify(stamping, tmp_path):
    page, server = stamping
    set_up_with_passphrase_only(page)
    log_incident(page, "He was at the station again", behaviour="Following or watching me")
    head = head_hash(page)
    kept = until(
        page,
        f"async () => {{ const k = await ({KEPT})(); "
        f"return k.length && k.at(-1).seq === {head['seq']} && k; }}",
    )
    assert kept[-1]["hash"] == head["hash"]
    # Only the hash left the phone.
    assert all(set(body) == {"hash"} for body in page.stamp_requests)  # type: ignore[attr-defined]
    # Kept encrypted: nothing of the token is in the store as it is.
    assert kept[-1]["token"][:40] not in json.dumps(page.evaluate(RAW_ROWS))

    open_report(page)
    expect(page.locator(".report-stamps")).to_contain_text(
        "Time-stamps from an independent authority"
    )
    expect(page.locator(".report-stamps tbody tr")).to_have_count(len(kept))
    bundle = download_bundle(page, tmp_path)
    with zipfile.ZipFile(bundle) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    assert [s["seq"] for s in manifest["timestamps"]] == [s["seq"] for s in kept]
    assert manifest["tsaCertificates"]

    ca = tmp_path / "authority-ca.pem"
    published = page.request.get(f"{server.url}/api/timestamp/authority").json()
    ca.write_text(published["certificates"][0])
    done = run_verify(bundle, "--tsa-ca", str(ca))
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"verified: time-stamp for event {head['seq']}" in done.stdout
    assert f"events 1–{head['seq']} existed by" in done.stdout

    # The same stamp, on its own, for a court's expert with OpenSSL.
    token = tmp_path / "stamp.tsr"
    last = manifest["timestamps"][-1]
    token.write_bytes(base64.urlsafe_b64decode(last["token"] + "=" * (-len(last["token"]) % 4)))
    openssl = shutil.which("openssl") or "openssl"
    checked = subprocess.run(
        [openssl, "ts", "-verify", "-digest", last["hash"], "-in", str(token), "-CAfile", ca],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "Verification: OK" in checked.stdout, checked.stdout + checked.stderr


def test_offline_nothing_is_asked_and_the_stamp_comes_when_back_online(stamping):
    page, _ = stamping
    set_up_with_passphrase_only(page)
    page.context.set_offline(True)
    log_incident(page, "A card through the door")
    head = head_hash(page)
    page.wait_for_timeout(3000)
    assert page.evaluate(KEPT) == []
    expect(page.get_by_role("alert")).to_have_count(0)
    page.context.set_offline(False)
    page.evaluate("dispatchEvent(new Event('online'))")
    kept = until(page, f"async () => {{ const k = await ({KEPT})(); return k.length && k; }}")
    assert kept[-1]["seq"] == head["seq"]


def test_a_server_without_an_authority_is_asked_once_and_quietly(page: Page, watch):
    """The session's server has no authority: the phone asks who stamps once, is told
    nobody, and never asks for a stamp (and nothing fails in the console)."""
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/api/timestamp" in r.url else None)
    set_up_with_passphrase_only(page)
    log_incident(page, "First")
    page.wait_for_timeout(2600)
    log_incident(page, "Second")
    page.wait_for_timeout(2600)
    assert [url.split("/api")[1] for url in asked] == ["/timestamp/authority"]
    assert page.evaluate(KEPT) == []
    assert not watch.errors, watch.errors


def test_a_merged_backups_stamps_still_count_in_the_bundle(stamping, playwright, browser, tmp_path):
    """A diary kept on an old phone, stamped there, then merged into a new diary: its
    entries keep the time the authority gave them, not only the time of the merge."""
    old, server = stamping
    set_up_with_passphrase_only(old)
    log_incident(old, "Followed from the station", date="2026-11-10")
    head = head_hash(old)
    until(old, f"async () => (await ({KEPT})()).some((k) => k.seq === {head['seq']})")
    backup = make_backup(old, tmp_path)

    phone = new_phone(playwright, browser, server)
    try:
        new = phone.new_page()
        set_up_with_passphrase_only(new)
        log_incident(new, "A call at work")
        open_backup_settings(new)
        merge_backup(new, backup)
        expect(new.get_by_role("status").filter(has_text="Added 1 entry")).to_be_visible()
        for screen in ("Backup file", "Settings", DIARY):  # back to the diary
            new.get_by_role("button", name="Back", exact=True).click()
            expect(new.get_by_role("heading", name=screen, exact=True)).to_be_visible()
        open_report(new)
        expect(new.locator(".report-origins")).to_contain_text(
            re.compile(f"chain ended at {head['hash']}: 0 receipts and [1-9]\\d* time-stamps?")
        )
        bundle = download_bundle(new, tmp_path)
    finally:
        phone.close()

    with zipfile.ZipFile(bundle) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    [origin] = manifest["origins"]
    assert origin["head"] == head["hash"] and origin["timestamps"]
    # The backup's chain comes as hashes only: none of its words.
    assert "station" not in json.dumps(origin)

    ca = tmp_path / "authority-ca.pem"
    ca.write_text(
        old.request.get(f"{server.url}/api/timestamp/authority").json()["certificates"][0]
    )
    done = run_verify(bundle, "--tsa-ca", str(ca))
    assert done.returncode == 0, done.stdout + done.stderr
    merged = [line for line in done.stdout.splitlines() if "before they were merged" in line]
    assert len(merged) == 1 and "a time-stamp of that backup's own chain" in merged[0], done.stdout
    assert "checked against the authority certificate given" in merged[0]
