"""Leak scan: after the diary holds a marker, nothing the phone stores or sends contains the
marker, the passphrase or the passkey's PRF output, in any encoding."""

from __future__ import annotations

import json
import re
import sqlite3

from playwright.sync_api import Page, Playwright, expect

from e2e.journeys import (
    PASSPHRASE,
    expect_disguise,
    png,
    reveal,
    set_up_with_passkey,
    set_up_with_passphrase_only,
)
from e2e.stored import DUMP_EVERYTHING, encodings
from e2e.support import Authenticator, installed_phone, wait_for_worker

MARKER = "MARKER-c41rn-9f2e"
PNG = png(64, 48, (10, 200, 10))


def prf_output(page: Page) -> bytes:
    """Ask the passkey for the PRF output of the diary's slot, as unlocking does."""
    value = page.evaluate(
        """async () => {
            const keys = await import('/js/vault/keys.js');
            const { getPrf } = await import('/js/vault/passkey.js');
            const { toHex } = await import('/js/vault/bytes.js');
            return toHex((await getPrf(await keys.passkeySlots())).prfOutput);
        }"""
    )
    return bytes.fromhex(value)


def test_no_marker_passphrase_or_prf_output_is_stored_or_sent(page: Page, passkey: Authenticator):
    bodies: list[bytes] = []
    page.on("request", lambda r: bodies.append(r.post_data_buffer or b""))
    set_up_with_passkey(page)
    wait_for_worker(page)
    page.evaluate(
        """async (marker) => {
            const records = await import('/js/vault/records.js');
            await records.put('note', 'leak', { text: marker, again: [marker, marker] });
            const bytes = new TextEncoder().encode(marker.repeat(1000));
            await records.putFile(new Blob([bytes]).stream(), { name: marker + '.txt' });
            // Past one part, a picked file is stored by a worker in the private file system.
            const big = new Blob([new TextEncoder().encode(marker.repeat(150000))]);
            const file = await records.putFile(big, { name: marker + '.mp4' }, undefined,
                { hash: true });
            const { names } = await import('/js/vault/opfs.js');
            if (!(await names()).includes(file.id)) throw new Error('not in the private files');
        }""",
        MARKER,
    )
    # Logged through the diary too: an incident with a file, a person, and a draft left open.
    page.get_by_role("button", name="Log an incident").click()
    page.get_by_label("What happened").fill(f"Words {MARKER} words")
    page.get_by_label("Where it happened").fill(MARKER)
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Add screenshots or files").click()
    chooser.value.set_files([{"name": f"{MARKER}.png", "mimeType": "image/png", "buffer": PNG}])
    expect(page.locator(".evidence-name", has_text=MARKER)).to_be_visible()
    page.locator("summary", has_text="Who did it").click()
    page.get_by_label("Who was it").select_option(label="Add someone new…")
    page.get_by_label("Their name, or what you call them").fill(MARKER)
    page.get_by_role("button", name="Save incident").click()
    expect(page.get_by_role("heading", name=re.compile("^Incident,"))).to_be_visible()
    assert MARKER not in page.title() and MARKER not in page.url
    page.get_by_role("button", name="Back", exact=True).click()
    page.get_by_role("button", name="Log an incident").click()
    page.get_by_label("What happened").fill(f"Draft {MARKER}")
    page.get_by_role("button", name="Back", exact=True).click()
    expect(page.get_by_text("You have an unfinished entry")).to_be_visible()
    # The risk checklist: answers saved with a note, and another left unfinished.
    page.get_by_role("button", name="Risk checklist").click()
    page.get_by_role("group", name=re.compile(r"^1\. ")).get_by_label("Yes", exact=True).check()
    page.get_by_label("A note on question 1 (if you want)").fill(f"Saved {MARKER}")
    page.get_by_role("button", name="Save my answers").click()
    page.get_by_role("button", name="See my answers").click()
    page.get_by_label("A note on question 2 (if you want)").fill(f"Unfinished {MARKER}")
    page.wait_for_timeout(300)  # kept as it is typed
    page.get_by_role("button", name="Back", exact=True).click()
    # The app is used a while: lock and unlock with the passkey, read the note back.
    page.get_by_role("button", name="Lock now").click()
    reveal(page)
    page.get_by_role("button", name="Unlock with passkey").click()
    expect(page.get_by_role("heading", name="Your diary", exact=True)).to_be_visible()
    assert (
        page.evaluate(
            "async () => (await (await import('/js/vault/records.js')).get('note', 'leak')).text"
        )
        == MARKER
    )

    prf = prf_output(page)
    assert len(prf) == 32
    dump = page.evaluate(DUMP_EVERYTHING)
    assert "parts" in dump["strings"]  # the private file system was read too
    cookies = json.dumps(page.context.cookies())
    text = "\n".join([*dump["strings"], cookies]).lower()
    hexes = "\n".join(dump["hexes"])
    raw = b"\n".join(bodies)

    secrets = {
        "marker": MARKER.encode(),
        "passphrase": PASSPHRASE.encode(),
        "PRF output": prf,
    }
    for name, secret in secrets.items():
        for form in encodings(secret):
            assert form.lower() not in text, f"{name} found in storage as {form!r}"
        assert secret.hex() not in hexes, f"{name} found in stored bytes"
        assert secret not in raw and secret.hex().encode() not in raw, f"{name} in a request"
    # The scan saw the encrypted rows (so it looked in the right places).
    assert len(dump["hexes"]) > 10 and any("slots" in s for s in dump["strings"])
    assert dump["blobs"] >= 1  # the file's encrypted parts were read too


def test_nothing_typed_into_the_diary_reaches_the_browsers_autofill_store(
    playwright: Playwright, live_server, tmp_path
):
    """Chromium keeps what is typed into forms in clear in the profile, unless told not to."""
    profile = tmp_path / "profile"
    context = installed_phone(playwright, live_server, profile)
    page = context.new_page()
    set_up_with_passphrase_only(page)
    page.get_by_role("button", name="Log an incident").click()
    page.get_by_label("What happened").fill(f"What {MARKER}")
    page.get_by_label("Where it happened").fill(f"Where {MARKER}")
    for section in ["Who did it", "Witnesses", "Police"]:
        page.locator("summary", has_text=section).click()
    page.get_by_label("Clothing").fill(f"Clothing {MARKER}")
    page.get_by_label("Vehicle (make, model, colour)").fill(f"Vehicle {MARKER}")
    page.get_by_role("button", name="Add a witness").click()
    page.get_by_label("Name", exact=True).fill(f"Witness {MARKER}")
    page.get_by_label("How to reach them").fill(f"Contact {MARKER}")
    page.get_by_label("Officer's name").fill(f"Officer {MARKER}")
    page.get_by_role("button", name="Save incident").click()
    expect(page.get_by_role("heading", name=re.compile("^Incident,"))).to_be_visible()
    page.get_by_role("button", name="Back", exact=True).click()
    page.get_by_label("Search everything you wrote").fill(f"search {MARKER}")
    page.get_by_label("Search everything you wrote").press("Enter")
    context.close()  # the profile's databases are written out on close

    web_data = profile / "Default" / "Web Data"
    assert web_data.exists(), "the profile has no autofill database to check"
    with sqlite3.connect(web_data) as db:
        tables = [r[0] for r in db.execute("select name from sqlite_master where type='table'")]
        assert "autofill" in tables
        rows = [str(r) for t in tables for r in db.execute(f'select * from "{t}"')]  # noqa: S608
    leaked = [r for r in rows if MARKER in r]
    assert not leaked, leaked


def heap_holds(page: Page, text: str) -> bool:
    """Whether the page's JavaScript heap holds `text`, after a full garbage collection."""
    cdp = page.context.new_cdp_session(page)
    chunks: list[str] = []
    cdp.on("HeapProfiler.addHeapSnapshotChunk", lambda p: chunks.append(p["chunk"]))
    cdp.send("HeapProfiler.enable")
    for _ in range(3):
        cdp.send("HeapProfiler.collectGarbage")
    cdp.send("HeapProfiler.takeHeapSnapshot", {"reportProgress": False})
    cdp.detach()
    return text in "".join(chunks)


def test_nothing_decrypted_is_left_in_memory_after_lock(page: Page):
    set_up_with_passphrase_only(page)
    secret = "Heap" + MARKER[::-1]  # made here, so the test's own strings do not hold it
    page.get_by_role("button", name="Log an incident").click()
    page.get_by_label("What happened").fill(f"He said {secret} at the door")
    page.get_by_role("button", name="Save incident").click()
    expect(page.get_by_role("heading", name=re.compile("^Incident,"))).to_be_visible()
    page.get_by_role("button", name="Back", exact=True).click()
    page.get_by_label("Search everything you wrote").fill(secret[:12])
    expect(page.locator(".incident-row")).to_have_count(1)
    page.get_by_role("button", name="Summary").click()
    page.get_by_role("button", name="Check the record").click()
    expect(page.get_by_text("The record checks out")).to_be_visible()
    assert heap_holds(page, secret), "the check cannot see the diary even while it is open"
    page.get_by_role("button", name="Back", exact=True).click()
    page.get_by_role("button", name="Lock now").click()
    expect_disguise(page)
    assert not heap_holds(page, secret), "decrypted diary text outlived the lock"
