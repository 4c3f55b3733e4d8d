"""The vault as a person uses it: set up, unlock, recover, lock. In a phone-sized Chromium."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from e2e.journeys import (
    PASSPHRASE,
    choose_disguise_and_code,
    choose_passphrase,
    expect_disguise,
    reopen,
    set_up_with_passkey,
    set_up_with_passphrase_only,
    start,
    unlock_with_passphrase,
)
from e2e.support import (
    Authenticator,
    offline,
    storage_quota,
    until,
    wait_for_worker,
)


def test_set_up_says_what_a_passkey_is_and_offers_the_passphrase_alone(
    page: Page, passkey: Authenticator
):
    start(page)
    choose_passphrase(page)
    text = page.locator("#view").inner_text()
    for said in (
        "A passkey is this phone's fingerprint, face or screen lock.",
        "Passkeys are kept in the phone's Google or Apple account",
        "If the other person knows this phone's PIN, or uses the same Google or Apple account, "
        "choose the passphrase only.",
    ):
        assert said in text, said
    # An equal choice, not a way to skip: both buttons look the same.
    passkey = page.get_by_role("button", name="Use fingerprint, face or screen lock")
    alone = page.get_by_role("button", name="Use my passphrase only")
    assert passkey.get_attribute("class") == alone.get_attribute("class")
    assert "skip" not in text.lower()
    alone.click()
    expect(page.get_by_role("heading", name="Your diary", exact=True)).to_be_visible()


def store_marker(page: Page, marker: str) -> None:
    page.evaluate(
        """async (marker) => {
            const records = await import('/js/vault/records.js');
            await records.put('note', 'marker', { text: marker });
        }""",
        marker,
    )


def read_marker(page: Page) -> str:
    return page.evaluate(
        """async () => (await (await import('/js/vault/records.js')).get('note', 'marker')).text"""
    )


def test_set_up_with_a_prf_passkey_then_unlock_with_it_after_reload(
    page: Page, passkey: Authenticator, watch
):
    set_up_with_passkey(page)
    assert len(passkey.credentials()) == 1
    store_marker(page, "kept across reload")
    reopen(page)
    page.get_by_role("button", name="Unlock with passkey").click()
    expect(page.get_by_role("heading", name="Your diary", exact=True)).to_be_visible()
    assert read_marker(page) == "kept across reload"
    assert not watch.errors and not watch.foreign


def test_the_passkey_unlocks_offline(page: Page, passkey: Authenticator):
    set_up_with_passkey(page)
    wait_for_worker(page)
    with offline(page.context):
        reopen(page)
        page.get_by_role("button", name="Unlock with passkey").click()
        expect(page.get_by_role("heading", name="Your diary", exact=True)).to_be_visible()


def test_setting_up_works_offline(page: Page, passkey: Authenticator):
    # The start code is checked by the server; every step after it works offline.
    page.goto("/")
    wait_for_worker(page)
    start(page)
    with offline(page.context):
        choose_passphrase(page)
        page.get_by_role("button", name="Use fingerprint, face or screen lock").click()
        expect(page.get_by_role("heading", name="Your diary", exact=True)).to_be_visible()


def test_a_generated_passphrase_is_written_down_confirmed_and_works(
    page: Page, passkey_without_prf: Authenticator
):
    start(page)
    choose_disguise_and_code(page)
    words = page.locator("#generated-passphrase").inner_text().split()
    assert len(words) == 6 and all(w.isalpha() and w.islower() for w in words)
    page.get_by_role("button", name="Show different words").click()
    again = page.locator("#generated-passphrase").inner_text().split()
    assert again != words
    page.get_by_role("button", name="I have written it down").click()
    page.get_by_label("Type your passphrase").fill("not what was shown")
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_role("alert")).to_contain_text("does not match")
    # Phones capitalise the first letter and add stray spaces: both are forgiven.
    page.get_by_label("Type your passphrase").fill(" " + " ".join(again).capitalize() + " ")
    page.get_by_role("button", name="Check").click()
    page.get_by_role("button", name=re.compile("passphrase only")).click()
    expect(page.get_by_role("heading", name="Your diary", exact=True)).to_be_visible()
    page.get_by_role("button", name="Lock now").click()
    unlock_with_passphrase(page, " ".join(again))
    expect(page.get_by_role("heading", name="Your diary", exact=True)).to_be_visible()


def test_a_chosen_passphrase_gets_honest_strength_feedback(page: Page):
    start(page)
    choose_disguise_and_code(page)
    page.get_by_role("button", name="I'd rather choose my own").click()
    field = page.get_by_label("Your passphrase")
    field.fill("password")
    expect(page.locator("#strength")).to_contain_text("Too short")
    field.fill("password123")
    expect(page.locator("#strength")).to_contain_text("Weak")
    page.get_by_label("Type it again").fill("password123")
    page.get_by_role("button", name="Use this passphrase").click()
    expect(page.get_by_role("alert")).to_contain_text("Weak")
    field.fill(PASSPHRASE)
    expect(page.locator("#strength")).to_contain_text("Strong")
    page.get_by_label("Type it again").fill(PASSPHRASE + "x")
    page.get_by_role("button", name="Use this passphrase").click()
    expect(page.get_by_role("alert")).to_contain_text("not the same")


def test_without_prf_it_says_so_and_sets_up_with_the_passphrase(
    page: Page, passkey_without_prf: Authenticator
):
    start(page)
    choose_passphrase(page)
    page.get_by_role("button", name="Use fingerprint, face or screen lock").click()
    expect(page.get_by_role("alert")).to_contain_text("unlock with your passphrase")
    page.get_by_role("button", name="Continue with my passphrase").click()
    expect(page.get_by_role("heading", name="Your diary", exact=True)).to_be_visible()
    reopen(page)
    # No passkey slot: the passphrase form is there at once.
    expect(page.get_by_role("button", name="Unlock with passkey")).to_have_count(0)
    unlock_with_passphrase(page)
    expect(page.get_by_role("heading", name="Your diary", exact=True)).to_be_visible()


def test_a_wrong_passphrase_says_so_and_the_wait_survives_reload(page: Page):
    set_up_with_passphrase_only(page)
    page.get_by_role("button", name="Lock now").click()
    for _ in range(2):
        unlock_with_passphrase(page, "wrong words entirely")
        expect(page.get_by_role("alert")).to_contain_text("not right")
    unlock_with_passphrase(page, "wrong words entirely")
    expect(page.get_by_role("alert")).to_contain_text("Wait 5 seconds")
    reopen(page)
    expect(page.get_by_role("button", name=re.compile(r"^Wait \d"))).to_be_disabled()
    expect(page.get_by_role("button", name="Unlock", exact=True)).to_be_enabled(timeout=8_000)
    unlock_with_passphrase(page)
    expect(page.get_by_role("heading", name="Your diary", exact=True)).to_be_visible()


def test_lost_passkey_recover_with_passphrase_and_add_a_new_one(page: Page, passkey: Authenticator):
    set_up_with_passkey(page)
    store_marker(page, "still here")
    passkey.clear()
    reopen(page)
    page.get_by_role("button", name="Unlock with passkey").click()
    expect(page.get_by_role("alert")).to_be_visible()
    unlock_with_passphrase(page)
    expect(page.get_by_role("heading", name="Your diary", exact=True)).to_be_visible()
    assert read_marker(page) == "still here"

    page.get_by_role("button", name="Settings").click()
    page.get_by_role("button", name="Add another passkey").click()
    expect(page.get_by_text("Passkey, added")).to_have_count(2)
    assert len(passkey.credentials()) == 1
    # The lost one goes; the passphrase can never be removed.
    page.get_by_role("button", name="Remove").first.click()
    page.get_by_role("button", name="Yes, remove it").click()
    expect(page.get_by_text("Passkey, added")).to_have_count(1)
    expect(
        page.get_by_role("listitem").filter(has_text="Recovery passphrase").get_by_role("button")
    ).to_have_count(0)

    reopen(page)
    page.get_by_role("button", name="Unlock with passkey").click()
    expect(page.get_by_role("heading", name="Your diary", exact=True)).to_be_visible()
    assert read_marker(page) == "still here"


def test_change_passphrase(page: Page):
    set_up_with_passphrase_only(page)
    page.get_by_role("button", name="Settings").click()
    page.get_by_role("button", name="Change my passphrase").click()
    page.get_by_label("New passphrase").fill("copper valley whistle garden oak")
    page.get_by_label("Type it again").fill("copper valley whistle garden oak")
    page.get_by_role("button", name="Save new passphrase").click()
    expect(page.get_by_role("heading", name="Settings")).to_be_visible()
    reopen(page)
    unlock_with_passphrase(page)
    expect(page.get_by_role("alert")).to_contain_text("not right")
    unlock_with_passphrase(page, "copper valley whistle garden oak")
    expect(page.get_by_role("heading", name="Your diary", exact=True)).to_be_visible()


def set_visibility(page: Page, state: str) -> None:
    """Make the page hidden or visible, as switching apps or turning the screen off does."""
    page.evaluate(
        """(state) => {
            const define = (name, value) =>
                Object.defineProperty(document, name, { value, configurable: true });
            define('visibilityState', state);
            define('hidden', state === 'hidden');
            document.dispatchEvent(new Event('visibilitychange'));
        }""",
        state,
    )


def hide_page(page: Page) -> None:
    set_visibility(page, "hidden")


def show_page(page: Page) -> None:
    set_visibility(page, "visible")


def test_hiding_the_page_locks_it_and_leaves_no_decrypted_text(page: Page):
    set_up_with_passphrase_only(page)
    page.get_by_role("button", name="Settings").click()
    page.get_by_label("Lock when I leave the app").select_option(label="Straight away")
    expect(page.get_by_role("status")).to_have_text("Saved.")
    page.evaluate(
        """() => { const p = document.createElement('p'); p.textContent = 'decrypted-marker';
            document.getElementById('view').append(p); }"""
    )
    hide_page(page)
    expect_disguise(page)
    assert "decrypted-marker" not in page.content()
    assert (
        page.evaluate("(async () => (await import('/js/vault/keys.js')).isUnlocked())()") is False
    )


def test_hidden_longer_than_the_grace_time_locks_on_return(page: Page):
    set_up_with_passphrase_only(page)
    page.evaluate(
        "async () => (await import('/js/vault/lock.js')).configure({ hiddenGraceSeconds: 1 })"
    )
    hide_page(page)
    page.wait_for_timeout(1300)
    show_page(page)
    expect_disguise(page)


def test_a_short_absence_within_the_grace_time_does_not_lock(page: Page):
    set_up_with_passphrase_only(page)
    hide_page(page)  # default grace: 15 seconds
    page.wait_for_timeout(300)
    show_page(page)
    expect(page.get_by_role("heading", name="Your diary", exact=True)).to_be_visible()


def test_holding_the_lock_keeps_it_open_while_the_camera_is_up(page: Page):
    set_up_with_passphrase_only(page)
    page.evaluate(
        """async () => {
            const lock = await import('/js/vault/lock.js');
            lock.configure({ hiddenGraceSeconds: 0 });
            window.__capture = lock.holdDuring(() => new Promise((r) => { window.__done = r; }));
        }"""
    )
    hide_page(page)
    page.wait_for_timeout(200)
    # Covered while hidden (the picture the app switcher keeps), but still open underneath.
    expect(page.locator("#view h1")).to_have_text("Your diary")
    assert page.evaluate("async () => (await import('/js/vault/keys.js')).isUnlocked()")
    show_page(page)
    page.evaluate("() => { window.__done(); return window.__capture; }")
    expect(page.get_by_role("heading", name="Your diary", exact=True)).to_be_visible()


def test_idle_time_locks(page: Page):
    set_up_with_passphrase_only(page)
    page.evaluate(
        "async () => (await import('/js/vault/lock.js')).configure({ idleMinutes: 0.01 })"
    )
    expect_disguise(page)


def test_lock_revokes_blob_urls(page: Page):
    set_up_with_passphrase_only(page)
    url = page.evaluate(
        """async () => {
            const image = await (await fetch('/calculator/favicon-32.png')).blob();
            return (await import('/js/vault/lock.js')).objectUrl(image);
        }"""
    )
    loads = """(u) => new Promise((resolve) => {
        const img = new Image();
        img.onload = () => resolve(true);
        img.onerror = () => resolve(false);
        img.src = u; })"""
    assert page.evaluate(loads, url) is True
    page.get_by_role("button", name="Lock now").click()
    expect_disguise(page)
    assert page.evaluate(loads, url) is False


def test_a_full_disk_is_a_clear_error_and_loses_nothing(page: Page, live_server):
    # A phone with 2 MB free for this site.
    with storage_quota(page, live_server.url, 2 * 1024 * 1024):
        set_up_with_passphrase_only(page)
        store_marker(page, "saved before the disk filled")
        error = page.evaluate(
            """async () => {
                const records = await import('/js/vault/records.js');
                try {
                    await records.put('note', 'big', { text: 'x'.repeat(4 * 1024 * 1024) });
                    return null;
                } catch (e) { return { name: e.name, message: e.message }; }
            }"""
        )
        assert error and error["name"] == "StorageFullError", error
        assert "storage is full" in error["message"] and "still here" in error["message"]
        assert read_marker(page) == "saved before the disk filled"


def test_forserver_strips_the_prf_output(page: Page, passkey: Authenticator):
    start(page)
    result = page.evaluate(
        """async () => {
            const { forServer } = await import('/js/vault/passkey.js');
            const cred = await navigator.credentials.create({ publicKey: {
                challenge: new Uint8Array(32), rp: { name: 'x', id: location.hostname },
                user: { id: new Uint8Array(16), name: 'x', displayName: 'x' },
                pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
                authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
                extensions: { prf: { eval: { first: new Uint8Array(32) } } } } });
            return { raw: JSON.stringify(cred.toJSON()), sent: JSON.stringify(forServer(cred)) };
        }"""
    )
    assert "prf" in result["raw"]
    assert (
        "prf" not in result["sent"] and json.loads(result["sent"])["clientExtensionResults"] == {}
    )


def test_until_helper_times_out(page: Page):
    start(page)
    with pytest.raises(Exception, match="timed out"):
        until(page, "() => false", 200)
