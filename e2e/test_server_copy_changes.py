"""The server copy's change list: after a run that compared the whole store, a run reads and
sends only what changed (pwa/js/vault/changes.js, pwa/js/sync/copy.js). A change kept while
offline or refused by the server waits on the list; a write in another tab is on it; and
when the list cannot be trusted (a new account, a restore, a server that lost things) the
run compares everything again. Phone-sized Chromium against the real server."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect

from e2e.journeys import (
    log_incident,
    make_backup,
    merge_backup,
    open_backup_settings,
    seeded_diary,
    set_up_with_passphrase_only,
    unlock_with_passphrase,
)
from e2e.server_copy import (
    expect_backed_up,
    held,
    home,
    local,
    open_settings,
    restore_from_server,
    settled,
    turn_on,
)
from e2e.support import Authenticator, LiveServer, add_authenticator, new_phone, offline

# One change made through the log (a revision of the first incident: an event and the
# chain's new head), then one run of the copy; what the run did.
CHANGE_AND_RUN = """async (impact) => {
    const log = await import('/js/diary/log.js');
    const copy = await import('/js/sync/copy.js');
    const first = (await log.events()).find((e) => e.type === 'incident.recorded');
    await log.append([{ type: 'incident.revised', subject: first.subject,
        payload: { fields: { ...first.payload.fields, impact } } }]);
    await copy.run();
    let phase;
    copy.onStatus((s) => { phase = s.phase; })();
    return { phase, last: copy.lastRun };
}"""

RUN = """async () => {
    const copy = await import('/js/sync/copy.js');
    await copy.run();
    let phase;
    copy.onStatus((s) => { phase = s.phase; })();
    return { phase, last: copy.lastRun };
}"""

LAST_RUN = "async () => (await import('/js/sync/copy.js')).lastRun"
RUNS = "async () => ({ ...(await import('/js/sync/copy.js')).runs })"

# The change list as stored: whether it is complete, and the ids on it.
LISTED = """async () => {
    const { tx } = await import('/js/vault/idb.js');
    const changes = await import('/js/vault/changes.js');
    const list = await tx('changes', 'readonly', (t) => changes.read(t));
    return { complete: Boolean(list.since), ids: list.ids };
}"""


def quiet(page: Page) -> None:
    """Wait until the server holds what the phone holds and no run is waiting to start (the
    time receipt kept after a new head is a change of its own, sent by a run after it)."""
    settled(page)
    page.wait_for_timeout(2500)
    settled(page)


def backed_up_diary(page: Page) -> None:
    """A diary of three incidents with its server copy on and every change sent."""
    set_up_with_passphrase_only(page)
    for day, what in enumerate(["Rang the doorbell", "A note on the car", "Waited by the gate"]):
        log_incident(page, what, date=f"2026-11-0{day + 1}")
    turn_on(page)
    home(page)
    quiet(page)


def server_paths(requests) -> list[tuple[str, str]]:
    return [(r.method, r.url.split("/api/")[1]) for r in requests]


def test_one_change_after_a_full_run_reads_and_sends_only_that_change(page: Page, passkey):
    backed_up_diary(page)
    assert page.evaluate(LISTED)["complete"]
    total = len(local(page)["records"])

    calls: list = []
    page.on("request", lambda r: calls.append(r) if "/api/backup" in r.url else None)
    result = page.evaluate(CHANGE_AND_RUN, "I no longer walk home alone.")

    assert result["phase"] == "idle"
    last = result["last"]
    # The new event and the chain's head: read, sent, and nothing else read.
    assert (last["all"], last["read"], last["sent"], last["parts"]) == (False, 2, 2, 0), last
    assert total >= 8  # three events, their head, the receipt and settings-like records
    assert server_paths(calls) == [("GET", "backup"), ("POST", "backup/records")]
    settled(page)


def test_a_change_refused_or_made_offline_waits_on_the_list_for_the_next_run(
    page: Page, phone: BrowserContext, passkey
):
    backed_up_diary(page)
    busy = re.compile(r"/api/backup/records$")
    page.route(busy, lambda route: route.fulfill(status=503, json={"error": "The server is busy."}))
    refused = page.evaluate(CHANGE_AND_RUN, "First")
    assert refused["phase"] == "failed"
    page.unroute(busy)
    listed = page.evaluate(LISTED)
    assert listed["complete"]
    assert "head" in listed["ids"]
    assert len(listed["ids"]) == 2

    with offline(phone):
        waiting = page.evaluate(CHANGE_AND_RUN, "Second")
        assert waiting["phase"] == "waiting"
        assert len(page.evaluate(LISTED)["ids"]) == 3  # one more event, the same head
    assert held(page)["records"] != local(page)["records"]

    back = page.evaluate(RUN)
    assert back["phase"] == "idle"
    assert (back["last"]["all"], back["last"]["sent"]) == (False, 3), back["last"]
    settled(page)


def test_a_write_in_another_tab_is_on_the_list_and_goes_up_as_a_change(
    page: Page, phone: BrowserContext, passkey
):
    backed_up_diary(page)
    # Hold the copy's lock, so no tab runs while the other tab writes.
    page.evaluate(
        """() => new Promise((held) => navigator.locks.request('copy',
            () => new Promise((release) => { window.__release = release; held(); })))"""
    )
    other = phone.new_page()
    other.goto("/")
    unlock_with_passphrase(other)
    log_incident(other, "Followed me to the bus stop", date="2026-11-05")
    listed = page.evaluate(LISTED)
    assert "head" in listed["ids"]
    assert [i for i in listed["ids"] if i.startswith("e")]
    page.evaluate("window.__release()")

    settled(page)
    runs = [p.evaluate(LAST_RUN) for p in (page, other)]
    assert all(run is None or run["all"] is False for run in runs), runs
    assert any(run and run["sent"] for run in runs), runs
    other.close()


def test_a_server_that_lost_a_record_gets_the_whole_store_compared(
    page: Page, passkey, live_server: LiveServer
):
    backed_up_diary(page)
    lost = next(k for k in held(page)["records"] if k.startswith("e"))
    diary = page.evaluate("async () => (await import('/js/vault/keys.js')).diaryId()")
    with sqlite3.connect(live_server.app.config["DATABASE"]) as db:
        forgot = db.execute(
            "DELETE FROM records WHERE id = ? AND account IN "
            "(SELECT id FROM accounts WHERE diary = ?)",
            (lost, diary),
        )
        assert forgot.rowcount == 1

    result = page.evaluate(RUN)
    assert result["phase"] == "idle"
    assert result["last"]["all"] is True
    assert result["last"]["why"] == "the server holds other than the last run left"
    assert lost in held(page)["records"]
    settled(page)
    # From here on the list is trusted again.
    again = page.evaluate(CHANGE_AND_RUN, "After the loss")
    assert again["last"]["all"] is False


def test_a_new_account_gets_the_whole_store_compared(page: Page, passkey):
    backed_up_diary(page)
    before = page.evaluate(RUNS)
    # The copy deleted, then turned on again: a new account, which holds nothing.
    open_settings(page)
    page.get_by_role("button", name="Delete the server copy").click()
    page.get_by_role("button", name="Yes, delete the server copy").click()
    page.get_by_role("button", name="Keep an encrypted copy on the server").click()
    expect_backed_up(page, timeout=60_000)
    settled(page)
    assert page.evaluate(RUNS)["all"] == before["all"] + 1


def test_a_restored_phone_compares_the_whole_store_first_then_keeps_the_list(
    page: Page, passkey: Authenticator, browser: Browser, playwright: Playwright, live_server
):
    backed_up_diary(page)
    phone = new_phone(playwright, browser, live_server)
    other = phone.new_page()
    add_authenticator(other, prf=True).take_from(passkey)
    restore_from_server(other)
    other.evaluate(RUN)  # after the run the restore began, if it has not finished
    assert other.evaluate(RUNS)["all"] == 1
    assert other.evaluate(LISTED)["complete"]
    again = other.evaluate(CHANGE_AND_RUN, "On the new phone")
    assert again["last"]["all"] is False
    phone.close()


# A file and a record written, each sent by a run; then both deleted, each deletion sent by
# a run of its own; what each run did.
WRITE_THEN_DELETE = """async () => {
    const records = await import('/js/vault/records.js');
    const copy = await import('/js/sync/copy.js');
    const bytes = new Uint8Array(1024 * 1024 + 10).fill(7);  // two parts
    const file = await records.putFile(new Blob([bytes]).stream(), { name: 'x', type: 'x' });
    await records.put('test', 'a-record', { n: 1 });
    await copy.run();
    const sent = { ...copy.lastRun };
    await records.removeFile(file.id);
    await records.remove('test', 'a-record');
    await copy.run();
    return { file: file.id, sent, removed: { ...copy.lastRun } };
}"""


def test_deletions_go_up_as_changes(page: Page, passkey):
    backed_up_diary(page)
    result = page.evaluate(WRITE_THEN_DELETE)
    sent, removed = result["sent"], result["removed"]
    assert (sent["all"], sent["read"], sent["sent"], sent["parts"]) == (False, 2, 2, 2), sent
    # The file's record and its parts, and the other record.
    assert (removed["all"], removed["read"], removed["removed"]) == (False, 0, 3), removed
    theirs = held(page)
    assert result["file"] not in theirs["records"]
    assert result["file"] not in theirs["chunks"]
    assert "a-record" not in theirs["records"]
    settled(page)


# The store put back as a vault of version 2 of the database keeps it (no change list): every
# row of every store but "changes", the database made again at version 2 with the same
# upgrades, the rows written back. Run on a page of the origin that does not open the app.
AS_VERSION_2 = """async () => {
    const { UPGRADES } = await import('/js/vault/schema.js');
    const { DB_NAME } = await import('/js/vault/idb.js');
    const done = (r) => new Promise((resolve, reject) => {
        r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error); });
    const opened = indexedDB.open(DB_NAME);
    const db = await done(opened);
    const kept = {};
    for (const name of ['meta', 'records', 'chunks', 'inbox']) {
        const store = db.transaction(name).objectStore(name);
        kept[name] = [await done(store.getAllKeys()), await done(store.getAll())];
    }
    db.close();
    await done(indexedDB.deleteDatabase(DB_NAME));
    const again = indexedDB.open(DB_NAME, 2);
    again.onupgradeneeded = () => UPGRADES.slice(0, 2).forEach((up) => up(again.result,
        again.transaction));
    const old = await done(again);
    const t = old.transaction(Object.keys(kept), 'readwrite');
    for (const [name, [keys, values]] of Object.entries(kept)) {
        const store = t.objectStore(name);
        values.forEach((v, i) => (store.keyPath ? store.put(v) : store.put(v, keys[i])));
    }
    await new Promise((resolve, reject) => { t.oncomplete = resolve; t.onerror = reject; });
    const version = old.version;
    old.close();
    return version;
}"""


def test_a_vault_from_before_the_list_gets_the_whole_store_compared_first(
    page: Page, passkey, live_server: LiveServer
):
    backed_up_diary(page)
    page.goto(f"{live_server.url}/base.css")  # the origin, without the app
    assert page.evaluate(AS_VERSION_2) == 2
    page.goto(f"{live_server.url}/")
    result = page.evaluate(RUN)  # opens the database at version 3: an empty list
    assert page.evaluate(RUNS)["all"] == 1, result
    assert page.evaluate(LISTED)["complete"]
    settled(page)


def test_a_backup_merged_in_goes_up_as_changes(
    page: Page, passkey, browser: Browser, playwright: Playwright, live_server, tmp_path: Path
):
    # Another phone's diary, with a photo and a recording, kept in a backup file.
    phone = new_phone(playwright, browser, live_server)
    try:
        theirs = phone.new_page()
        seeded_diary(theirs)
        path = make_backup(theirs, tmp_path)
    finally:
        phone.close()

    backed_up_diary(page)
    before = page.evaluate(RUNS)
    open_backup_settings(page)
    merge_backup(page, path)
    expect(
        page.get_by_role("status").filter(has_text="Added 3 entries and 3 files")
    ).to_be_visible()
    settled(page)  # the merged files' parts and records, and the new events
    after = page.evaluate(RUNS)
    assert after["all"] == before["all"]
    assert after["listed"] > before["listed"]
