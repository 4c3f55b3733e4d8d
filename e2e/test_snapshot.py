"""A big diary opens from its snapshot (pwa/js/diary/snapshot.js), and the timeline shows
what the log says when the snapshot is stale or altered. Phone-sized Chromium."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from e2e.journeys import set_up_with_passphrase_only, shown_rows, unlock_with_passphrase

NEWEST = "A note pushed through the letterbox"

# Enough incidents for the diary to keep a snapshot, the newest with known words; then the
# diary folded and its snapshot written (the app does it 2 s after a fold).
SEED = """async (newest) => {
    const log = await import('/js/diary/log.js');
    const model = await import('/js/diary/model.js');
    for (let start = 0; start < model.SNAPSHOT_FROM; start += 100) {
        const batch = [];
        for (let i = start; i < start + 100; i++) {
            const fields = { ...model.emptyIncident(new Date(2025, 0, 1 + (i % 300))),
                what: `older incident ${i}` };
            batch.push({ type: 'incident.recorded', subject: `i${i}`, payload: { fields } });
        }
        await log.append(batch);
    }
    const fields = { ...model.emptyIncident(new Date(2026, 5, 1)), what: newest };
    await log.append([{ type: 'incident.recorded', subject: 'newest', payload: { fields } }]);
    await model.load();
    await model.keepSnapshot();
}"""

OPENED_FROM = "async () => (await import('/js/diary/model.js')).openedFrom()"


def big_diary(page: Page) -> None:
    set_up_with_passphrase_only(page)
    page.evaluate(SEED, NEWEST)


def lock_and_unlock(page: Page) -> None:
    page.get_by_role("button", name="Lock now").click()
    unlock_with_passphrase(page)
    expect(page.locator(".incident-row").first).to_be_visible()


def test_a_big_diary_opens_from_its_snapshot(page: Page):
    big_diary(page)
    lock_and_unlock(page)
    assert page.evaluate(OPENED_FROM) == "snapshot"
    assert NEWEST in shown_rows(page)[0]
    expect(page.locator("p.count")).to_have_text("501 incidents.")


def test_a_stale_snapshot_is_not_used_and_the_timeline_shows_the_log(page: Page):
    big_diary(page)
    # The head moves on by another path (another window, say) and the snapshot is not written.
    page.evaluate(
        """async () => {
        const log = await import('/js/diary/log.js');
        const model = await import('/js/diary/model.js');
        const fields = { ...model.emptyIncident(new Date(2026, 6, 1)),
            what: 'Recorded in another window' };
        await log.append([{ type: 'incident.recorded', subject: 'later', payload: { fields } }]);
        await log.withdraw('newest');
    }"""
    )
    lock_and_unlock(page)
    assert page.evaluate(OPENED_FROM) == "stale"
    rows = shown_rows(page)
    assert "Recorded in another window" in rows[0]
    assert not any(NEWEST in row for row in rows)
    expect(page.locator("p.count")).to_have_text("501 incidents.")


def test_an_altered_snapshot_is_ignored_and_the_timeline_shows_the_log(page: Page):
    big_diary(page)
    page.evaluate(
        """async () => {
        const { tx, req } = await import('/js/vault/idb.js');
        await tx('records', 'readwrite', async (t) => {
            const store = t.objectStore('records');
            const row = await req(store.get('diary'));
            const ct = new Uint8Array(row.ct);
            ct[100] ^= 0xff;
            store.put({ ...row, ct });
        });
    }"""
    )
    lock_and_unlock(page)
    assert page.evaluate(OPENED_FROM) == "unreadable"
    assert NEWEST in shown_rows(page)[0]
    expect(page.locator("p.count")).to_have_text("501 incidents.")


OPENED_FIRST_FROM = "async () => (await import('/js/diary/model.js')).openedFirstFrom()"


def test_the_first_screen_comes_from_the_first_part_and_the_rest_goes_on_under_it(page: Page):
    big_diary(page)
    lock_and_unlock(page)
    assert page.evaluate(OPENED_FIRST_FROM) == "snapshot"
    assert NEWEST in shown_rows(page)[0]
    expect(page.locator("p.count")).to_have_text("501 incidents.")
    # The rows painted first are kept, not painted again, when the whole diary comes in.
    page.evaluate("window.__firstRow = document.querySelector('.incident-row')")
    top = page.locator(".incident-row").first.bounding_box()
    page.evaluate("async () => (await import('/js/diary/model.js')).load()")
    assert page.evaluate("async () => (await import('/js/diary/model.js')).openedFrom()") == (
        "snapshot"
    )
    assert page.evaluate("document.contains(window.__firstRow)")
    assert page.locator(".incident-row").first.bounding_box() == top
    expect(page.locator("p.count")).to_have_text("501 incidents.")
    # And the list goes on past the first part, to the last incident.
    page.mouse.move(180, 400)
    for _ in range(200):
        if page.locator(".incident-row").count() == 501:
            break
        page.mouse.wheel(0, 3000)
        page.wait_for_timeout(20)
    expect(page.locator(".incident-row")).to_have_count(501)
    assert any("older incident 0" in row for row in shown_rows(page))


def test_a_search_typed_before_the_whole_diary_is_in_searches_all_of_it(page: Page):
    big_diary(page)
    lock_and_unlock(page)
    assert page.evaluate(OPENED_FIRST_FROM) == "snapshot"
    # The oldest incidents are not in the first part; a search finds them all the same.
    page.get_by_label("Search everything you wrote").fill("older incident 137")
    expect(page.locator("p.count")).to_have_text("1 of 501 incidents match.")
    assert shown_rows(page) == [shown_rows(page)[0]]
    assert "older incident 137" in shown_rows(page)[0]
