"""Signed time receipts on the phone: asked for with the head's hash only, kept encrypted,
listed on the report's integrity page, carried in the bundle and checked by cairn verify."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, Request, expect

from e2e.a11y import axe_violations
from e2e.exports import pdf_text, rewrite, squash
from e2e.journeys import (
    download_bundle,
    log_incident,
    open_report,
    set_up_with_passphrase_only,
)
from e2e.support import offline
from server.cli import main as cairn
from server.verify import parse_key, verify_bundle

STAMP = "async () => (await import('/js/sync/receipts.js')).stamp()"
HEAD = "async () => (await import('/js/diary/log.js')).head()"
CHAIN = """async () => (await (await import('/js/diary/log.js')).events())
    .map((e) => ({ seq: e.seq, hash: e.hash }))"""
KEPT = "async () => (await import('/js/sync/receipts.js')).list()"
# The receipt records as IndexedDB holds them, with their ciphertext as text to search.
RAW = """async (kind) => {
    const { tx, req } = await import('/js/vault/idb.js');
    const rows = await tx('records', 'readonly',
        (t) => req(t.objectStore('records').index('kind').getAll(kind)));
    return rows.map((row) => ({
        id: row.id, fields: Object.keys(row).sort(),
        ct: row.ct instanceof Uint8Array
            ? Array.from(row.ct, (b) => String.fromCharCode(b)).join('') : null,
    }));
}"""


def receipt_posts(page: Page) -> list[Request]:
    """Every receipt the page asks the server for, as it happens."""
    posts: list[Request] = []
    page.on(
        "request",
        lambda r: posts.append(r) if r.method == "POST" and r.url.endswith("/api/receipts") else 0,
    )
    return posts


def test_receipts_are_kept_encrypted_listed_in_the_report_and_verify(page: Page, tmp_path: Path):
    posts = receipt_posts(page)
    set_up_with_passphrase_only(page)
    log_incident(page, "A card pushed through the letterbox", behaviour="Letters, cards or notes")
    first = page.evaluate(STAMP)
    assert first["status"] == "stamped", first
    log_incident(page, "He drove past twice after dark", behaviour="Driving past")
    second = page.evaluate(STAMP)
    head = page.evaluate(HEAD)
    assert second == {"status": "stamped", "seq": head["seq"], "hash": head["hash"]}
    # The server is sent the head's hash and nothing else.
    assert [p.post_data_json for p in posts] == [{"hash": first["hash"]}, {"hash": head["hash"]}]

    # The same head again asks for nothing; nor do several stamps at once.
    assert page.evaluate(STAMP)["status"] == "already"
    assert len(posts) == 2
    log_incident(page, "A silent call at 2am", behaviour="Phone calls (or silent calls)")
    together = page.evaluate(
        """async () => {
            const { stamp } = await import('/js/sync/receipts.js');
            return Promise.all([stamp(), stamp(), stamp()]);
        }"""
    )
    assert sorted(r["status"] for r in together) == ["already", "already", "stamped"], together
    assert len(posts) == 3

    # Kept with the diary, encrypted: the store shows only id, kind and version in clear.
    chain = {e["seq"]: e["hash"] for e in page.evaluate(CHAIN)}
    kept = page.evaluate(KEPT)
    assert [(r["seq"], r["hash"]) for r in kept] == [(s, chain[s]) for s in (1, 2, 3)]
    assert all(r["receipt"]["hash"] == r["hash"] for r in kept)
    raw = page.evaluate(RAW, "receipt")
    assert [r["id"] for r in raw] == ["r000000001", "r000000002", "r000000003"]
    for row in raw:
        assert row["fields"] == ["ct", "id", "iv", "kind", "version"]
        assert row["ct"] and not any(r["hash"] in row["ct"] for r in kept)
        assert "signature" not in row["ct"] and "cairn" not in row["ct"]
    published = page.request.get("/api/receipts/key").json()
    [key_row] = page.evaluate(RAW, "receipt-key")
    assert published["publicKey"] not in key_row["ct"]

    # The integrity page lists each receipt against the chain, signature checked on the phone.
    open_report(page)
    rows = page.locator("table.receipts tbody tr")
    expect(rows).to_have_count(3)
    expect(page.get_by_role("columnheader", name="Server's time")).to_be_visible()
    for n, receipt in enumerate(kept):
        row = rows.nth(n)
        expect(row.locator("td").first).to_have_text(str(receipt["seq"]))
        expect(row).to_contain_text(receipt["hash"][:12] + "…")
        expect(row).to_contain_text(
            f"Matches: event {receipt['seq']} has this fingerprint. Signature checked."
        )
    expect(page.locator(".report-receipts")).to_contain_text(published["publicKey"])
    expect(page.locator(".report-receipts")).to_contain_text("without seeing any of it")
    assert axe_violations(page) == []
    # Printed, each fingerprint is whole (the shortened one is for the screen).
    printed = squash(pdf_text(page))
    assert "Time receipts from the server" in printed and kept[0]["receipt"]["kid"] in printed
    page.emulate_media(media="print")
    for n, receipt in enumerate(kept):
        expect(rows.nth(n).locator(".hash-full").first).to_be_visible()
        expect(rows.nth(n).locator(".hash-full").first).to_have_text(receipt["hash"])
        expect(rows.nth(n).locator(".hash-short").first).to_be_hidden()
    page.emulate_media(media="screen")
    expect(rows.first.locator(".hash-full").first).to_be_hidden()

    # The bundle carries the receipts and the key, and verifies against the published key.
    bundle = download_bundle(page, tmp_path)
    with zipfile.ZipFile(bundle) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        report_html = zf.read("report.html").decode()
    assert manifest["receipts"] == [
        {"seq": r["seq"], "hash": r["hash"], "receipt": r["receipt"]} for r in kept
    ]
    assert manifest["receiptKeys"] == [published]
    assert all(r["hash"] in report_html for r in kept)
    result = verify_bundle(bundle, key=parse_key(published["publicKey"]))
    assert result.ok, [f for f in result.findings if not f.ok]
    assert [f.where for f in result.findings if f.where.startswith("receipt")] == [
        "receipt for event 1",
        "receipt for event 2",
        "receipt for event 3",
    ]
    assert cairn(["verify", str(bundle), f"--key={published['publicKey']}"]) == 0

    # A receipt whose time was moved back a day fails.
    def earlier(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        m = json.loads(data)
        m["receipts"][1]["receipt"]["time"] -= 86_400_000
        return json.dumps(m).encode()

    altered = tmp_path / "altered.zip"
    rewrite(bundle, altered, earlier)
    assert cairn(["verify", str(altered), f"--key={published['publicKey']}"]) == 1


def test_a_receipt_altered_on_the_phone_shows_as_not_checking(page: Page):
    set_up_with_passphrase_only(page)
    log_incident(page, "Flowers left on the doorstep", behaviour="Gifts or things left for me")
    assert page.evaluate(STAMP)["status"] == "stamped"
    # Rewritten with the key (as only someone holding it could): the time moved back an hour.
    page.evaluate(
        """async () => {
            const records = await import('/js/vault/records.js');
            const kept = await records.get('receipt', 'r000000001');
            kept.receipt.time -= 3_600_000;
            await records.put('receipt', 'r000000001', kept);
        }"""
    )
    open_report(page)
    expect(page.locator("table.receipts tbody tr")).to_contain_text(
        "Matches: event 1 has this fingerprint. The signature does not check."
    )


def test_stamping_offline_fails_quietly_and_the_next_stamp_succeeds(
    page: Page, phone: BrowserContext
):
    posts = receipt_posts(page)
    set_up_with_passphrase_only(page)
    log_incident(page, "Messages from a new number", behaviour="Text messages")
    with offline(phone):
        missed = page.evaluate(STAMP)
    assert missed["status"] == "offline" and missed["seq"] == 1, missed
    assert page.evaluate(KEPT) == []
    assert page.evaluate(STAMP)["status"] == "stamped"
    assert len([p for p in posts if p.response()]) == 1 and len(page.evaluate(KEPT)) == 1
    # The key was kept with it, so the report can check the receipt offline.
    with offline(phone):
        open_report(page)
        expect(page.locator("table.receipts tbody tr")).to_contain_text(
            re.compile("Signature checked")
        )
