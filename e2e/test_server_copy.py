"""The encrypted copy on the server as a person uses it: turn it on with a passkey, let it back
up by itself (offline, cut off mid-upload, nothing sent twice), sign out and in, delete it,
and get the diary back on a new phone. The server only ever sees ciphertext. Phone-sized
Chromium against the real server."""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Request, expect

from e2e.a11y import Screens
from e2e.journeys import (
    PASSPHRASE,
    PASSPHRASE_ALONE,
    RECORDING,
    START_CODE,
    add_files,
    choose_disguise_and_code,
    choose_passphrase,
    diary_home,
    log_incident,
    picked,
    seeded_diary,
    set_up_with_passkey,
    set_up_with_passphrase_only,
    type_code,
    unlock_with_passphrase,
)
from e2e.server_copy import (
    copy_status,
    expect_backed_up,
    held,
    home,
    local,
    open_settings,
    origin,
    restore_from_server,
    restore_with_passphrase,
    settled,
    sign_in_and_download,
    start_server_restore,
    turn_on,
)
from e2e.stored import PART_KINDS, REFUSE_BLOBS, SNAPSHOT, STORED, encodings
from e2e.support import (
    Authenticator,
    LiveServer,
    add_authenticator,
    make_app,
    new_phone,
    offline,
    until,
    wait_for_app,
)
from server import invitations
from server.db import get_db

BLOB_BODIES = """(() => {
    window.__blobs = [];
    const send = window.fetch;
    window.fetch = async (input, init) => {
        if (init && init.body instanceof Blob) {
            const bytes = new Uint8Array(await init.body.arrayBuffer());
            const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
            window.__blobs.push([String(input), hex]);
        }
        return send(input, init);
    };
})()"""

# --- helpers --------------------------------------------------------------------------------


def server_events(page: Page) -> set[str]:
    """The ids of the events the server holds."""
    return {k for k in held(page)["records"] if k.startswith("e")}


def synced_phone(
    playwright: Playwright, browser: Browser, server: LiveServer, passkey: Authenticator
) -> tuple[BrowserContext, Page]:
    """A second phone whose passkey provider holds the first phone's passkeys (synced)."""
    phone = new_phone(playwright, browser, server)
    phone.set_default_timeout(15_000)
    other = phone.new_page()
    theirs = add_authenticator(other, prf=True)
    theirs.take_from(passkey)
    return phone, other


def sent_to(page: Page, pattern: str) -> list[Request]:
    """Collect every request the page makes whose URL matches ``pattern``."""
    seen: list[Request] = []
    page.on("request", lambda r: seen.append(r) if re.search(pattern, r.url) else None)
    return seen


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A server of this test's own, with an empty instance folder to look into."""
    server = LiveServer(make_app(tmp_path / "instance")).start()
    yield server
    server.stop()


def rows_for_accounts(server: LiveServer) -> dict[str, int]:
    """How many rows each account table holds in the server's SQLite database."""
    path = server.app.config["DATABASE"]
    with sqlite3.connect(path) as db:
        return {
            table: db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: S608
            for table in ("accounts", "passkeys", "sessions", "records", "chunks")
        }


# --- restoring on a new phone ---------------------------------------------------------------


BACKED_UP_TO_SERVER = re.compile(
    r"^Last backup: (just now|\d+ minutes? ago) \(the copy on the server\)\.$"
)


def test_a_synced_passkey_brings_the_diary_back_on_a_new_phone(
    page: Page, passkey: Authenticator, browser: Browser, live_server, playwright
):
    seeded_diary(page)  # a revised incident, a photo, a 2 MB recording, a withdrawn entry
    before = page.evaluate(SNAPSHOT)
    turn_on(page)
    settled(page)
    slots = local(page)["slots"]
    assert [t for _, t, _ in slots] == ["passphrase", "passkey"]
    # The diary's home counts the copy's run as the last backup.
    page.get_by_role("button", name="Back", exact=True).click()
    expect(page.get_by_text(BACKED_UP_TO_SERVER)).to_be_visible()

    phone, other = synced_phone(playwright, browser, live_server, passkey)
    try:
        # The passkey that signed in unlocks the copy too where the phone's passkey provider
        # carries its PRF secret; the virtual one that synced here does not, so the recovery
        # passphrase opens it.
        restore_from_server(other)
        after = other.evaluate(SNAPSHOT)
        assert after["ok"], after["problems"]
        assert after["events"] == before["events"]
        assert after["files"] == before["files"]  # every file byte for byte
        # The slots are kept as they were: the original passphrase slot and the passkey's.
        assert local(other)["slots"] == slots
        # This phone stays signed in, and backing up finds nothing to send.
        other.get_by_role("button", name="Settings").click()
        expect_backed_up(other)
        settled(other)

        other.get_by_role("button", name="Back", exact=True).click()
        other.get_by_role("button", name="Lock now").click()
        other.reload()
        unlock_with_passphrase(other)
        diary_home(other)
        expect(other.get_by_text(BACKED_UP_TO_SERVER)).to_be_visible()
        other.locator(".incident-row", has_text="parcel").click()
        expect(other.get_by_text("Edited once")).to_be_visible()
        expect(other.get_by_text("voicemail.bin")).to_be_visible()
    finally:
        phone.close()


def test_where_blobs_are_refused_the_parts_go_up_as_bytes_and_come_back(
    page: Page, passkey: Authenticator, browser: Browser, live_server, playwright
):
    # As in Safari's private browsing: file parts are kept as bytes, and sent as they are.
    page.add_init_script(REFUSE_BLOBS)
    set_up_with_passphrase_only(page)
    turn_on(page)
    home(page)
    add_a_file(page, "voicemail.bin", RECORDING)  # three parts
    assert page.evaluate(PART_KINDS) == ["Uint8Array"]
    expect_backed_up(page, timeout=30_000)
    settled(page)
    before = page.evaluate(SNAPSHOT)
    assert len(held(page)["chunks"]) == 1 and len(next(iter(held(page)["chunks"].values()))) == 3

    phone, other = synced_phone(playwright, browser, live_server, passkey)
    try:
        other.add_init_script(REFUSE_BLOBS)
        restore_from_server(other)
        assert other.evaluate(PART_KINDS) == ["Uint8Array"]
        assert other.evaluate(SNAPSHOT)["files"] == before["files"]  # byte for byte
    finally:
        phone.close()


def test_the_owner_sees_another_devices_sign_in_and_ends_it(
    page: Page, passkey: Authenticator, browser: Browser, live_server, playwright
):
    """A passkey synced to a shared account signs in from the other person's device: the
    owner sees it in settings, by the kind of device, and signs it out."""
    set_up_with_passphrase_only(page)
    log_incident(page, "Followed home from the bus stop")
    turn_on(page)
    settled(page)
    phone, other = synced_phone(playwright, browser, live_server, passkey)
    try:
        restore_from_server(other)
        home(page)
        open_settings(page)
        sign_ins = page.locator(".sign-ins li")
        expect(sign_ins).to_have_count(2)
        expect(sign_ins.filter(has_text="This phone")).to_have_count(1)
        theirs = sign_ins.filter(has_text="Another device: an Android phone or tablet")
        expect(theirs).to_be_visible()
        page.get_by_role("button", name="Sign out everywhere else").click()
        said = page.get_by_role("status").filter(has_text="Signed out of 1 other device")
        expect(said).to_be_visible()
        expect(sign_ins).to_have_count(1)
        # The other device is signed out: its next look at the copy says so.
        assert other.request.get(f"{origin(other)}/api/backup").status == 401
        expect_backed_up(page)
    finally:
        phone.close()


def test_a_passkey_with_no_copy_on_the_server_is_named_as_such(
    page: Page, passkey: Authenticator, browser: Browser, live_server, playwright
):
    """The passkey that unlocks a diary is not the server copy's: signing in with it to
    restore says it has no copy here, not that the phone was signed out."""
    set_up_with_passkey(page)  # a passkey for unlocking only; the copy is never turned on
    phone, other = synced_phone(playwright, browser, live_server, passkey)
    try:
        start_server_restore(other)
        other.get_by_role("button", name="Sign in with my passkey").click()
        expect(other.get_by_text("That passkey has no copy on this server")).to_be_visible()
        expect(other.get_by_text("signed out")).to_have_count(0)
    finally:
        phone.close()


# --- erasing the phone with the copy on -----------------------------------------------------

SIGNALS = """() => {
    // Where the browser can, erasing tells the passkey manager the vault's passkeys are gone.
    window.__signalled = [];
    PublicKeyCredential.signalUnknownCredential = async (options) => {
        window.__signalled.push(options);
    };
}"""


def erase_with_copy(page: Page, keep_copy: bool = False) -> None:
    """Settings → erase: the page asks about the server copy (deleting it is the default)."""
    open_settings(page)
    page.get_by_role("button", name="Erase everything on this phone").click()
    question = page.get_by_role("group").filter(has_text="What should happen to it?")
    expect(question).to_be_visible()
    expect(page.get_by_role("radio", name=re.compile("^Delete it too"))).to_be_checked()
    # What erasing cannot remove is said on the same screen.
    for stays in ("home screen", "downloads", "passkey"):
        expect(page.get_by_text(re.compile(stays)).first).to_be_visible()
    if keep_copy:
        page.get_by_role("radio", name=re.compile("only sign this phone out")).check()
    page.get_by_role("button", name="Erase everything", exact=True).click()


def session_cookie(page: Page) -> str:
    """This phone's cookies for the server, as one Cookie header, to replay later."""
    return "; ".join(f"{c['name']}={c['value']}" for c in page.context.cookies())


def replayed(server: LiveServer, cookie: str) -> int:
    """The status the server gives a request that carries an old Cookie header."""
    request = urllib.request.Request(  # noqa: S310 (the test's own server)
        f"{server.url}/api/backup", headers={"Cookie": cookie}
    )
    try:
        with urllib.request.urlopen(request) as response:  # noqa: S310 (the test's own server)
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def cannot_sign_in_again(page: Page, server: LiveServer) -> None:
    """The start code, "Restore from the server copy" and the passkey bring nothing back."""
    start_server_restore(page, server.url + "/")
    page.get_by_role("button", name="Sign in with my passkey").click()
    expect(page.get_by_role("alert")).not_to_be_empty(timeout=30_000)
    expect(page.get_by_role("heading", name="Open your diary")).to_be_hidden()
    assert page.evaluate(STORED) == {"records": 0, "chunks": 0, "vault": False, "onDisk": 0}


def test_erasing_deletes_the_server_copy_and_nothing_brings_the_diary_back(
    page: Page, passkey: Authenticator, own_server: LiveServer
):
    set_up_on(page, own_server)
    log_incident(page, "Waited by the school gates", date="2026-11-03")
    turn_on(page)
    settled(page)
    vault_passkeys = [c for _, t, c in local(page)["slots"] if t == "passkey"]
    assert vault_passkeys
    cookie = session_cookie(page)
    assert replayed(own_server, cookie) == 200
    home(page)
    page.evaluate(SIGNALS)

    erase_with_copy(page)
    expect(page.locator(".calc")).to_be_visible(timeout=30_000)
    assert page.evaluate(STORED)["vault"] is False
    # The server holds nothing, the phone is signed out, and the old session is refused.
    assert rows_for_accounts(own_server) == dict.fromkeys(
        ("accounts", "passkeys", "sessions", "records", "chunks"), 0
    )
    assert page.request.get(f"{own_server.url}/api/backup").status == 401
    assert replayed(own_server, cookie) == 401
    # The passkey manager was told the vault's passkeys are gone.
    signalled = page.evaluate("window.__signalled")
    assert signalled == [{"rpId": "localhost", "credentialId": c} for c in vault_passkeys]

    cannot_sign_in_again(page, own_server)


def test_erasing_can_keep_the_server_copy_and_only_sign_out(
    page: Page, passkey: Authenticator, own_server: LiveServer
):
    set_up_on(page, own_server)
    log_incident(page, "Waited by the school gates", date="2026-11-03")
    add_a_file(page, "gates.bin", b"x" * 5000)
    before = page.evaluate(SNAPSHOT)
    turn_on(page)
    settled(page)
    slots = local(page)["slots"]
    held_before = rows_for_accounts(own_server)
    cookie = session_cookie(page)
    home(page)
    page.evaluate(SIGNALS)

    erase_with_copy(page, keep_copy=True)
    expect(page.locator(".calc")).to_be_visible(timeout=30_000)
    assert page.evaluate(STORED)["vault"] is False
    # The copy stays; this phone is signed out and its old session refused.
    after = rows_for_accounts(own_server)
    assert after["sessions"] == 0
    assert after["accounts"] == held_before["accounts"] == 1
    assert after["records"] >= held_before["records"] > 0
    assert page.request.get(f"{own_server.url}/api/backup").status == 401
    assert replayed(own_server, cookie) == 401
    # Its passkeys are the way back into the copy: they were not reported gone.
    assert page.evaluate("window.__signalled") == []

    # Signing in again with the passkey (its own check, on purpose) brings the diary back.
    start_server_restore(page, own_server.url + "/")
    sign_in_and_download(page)
    page.get_by_role("button", name="Unlock with passkey").click()
    diary_home(page)
    assert page.evaluate(SNAPSHOT)["events"] == before["events"]
    assert page.evaluate(SNAPSHOT)["files"] == before["files"]
    assert local(page)["slots"] == slots


def test_erasing_offline_says_so_and_finishes_once_back_online(
    page: Page, phone: BrowserContext, passkey: Authenticator, own_server: LiveServer
):
    set_up_on(page, own_server)
    log_incident(page, "Waited by the school gates", date="2026-11-03")
    turn_on(page)
    settled(page)
    cookie = session_cookie(page)
    home(page)
    with offline(phone):
        erase_with_copy(page)
        expect(
            page.get_by_role("alert").filter(has_text="could not be reached, so it was not deleted")
        ).to_be_visible(timeout=15_000)
        assert page.evaluate(STORED)["vault"] is True  # nothing erased without being asked
        page.get_by_role("button", name="Erase this phone now").click()
        expect(page.locator(".calc")).to_be_visible(timeout=30_000)
        assert page.evaluate(STORED)["vault"] is False
        assert rows_for_accounts(own_server)["accounts"] == 1
    # The next time the app opens with a connection, it finishes: the copy is deleted and
    # the old session ends.
    page.reload()
    wait_for_app(page)
    for _ in range(100):
        if rows_for_accounts(own_server)["accounts"] == 0:
            break
        page.wait_for_timeout(200)
    assert rows_for_accounts(own_server) == dict.fromkeys(
        ("accounts", "passkeys", "sessions", "records", "chunks"), 0
    )
    assert replayed(own_server, cookie) == 401
    cannot_sign_in_again(page, own_server)


def add_a_file(page: Page, name: str, data: bytes, what: str = "Left something") -> None:
    """Log an incident with one file."""
    page.get_by_role("button", name="Log an incident").click()
    page.get_by_label("What happened").fill(what)
    add_files(page, "Add screenshots or files", [picked(name, data)])
    page.get_by_role("button", name="Save incident").click()
    expect(page.get_by_role("heading", name=re.compile("^Incident,"))).to_be_visible()
    page.get_by_role("button", name="Back", exact=True).click()
    diary_home(page)


def test_without_prf_the_passkey_signs_in_and_the_diary_stays_on_the_passphrase(
    page: Page, passkey_without_prf: Authenticator
):
    set_up_with_passphrase_only(page)
    log_incident(page, "Watched from the bus stop", date="2026-11-02")
    turn_on(page)
    expect(page.get_by_text("the diary itself stays on your passphrase")).to_be_visible()
    settled(page)
    assert [t for _, t, _ in local(page)["slots"]] == ["passphrase"]
    assert len(passkey_without_prf.credentials()) == 1  # the passkey that signs in


# --- backing up by itself -------------------------------------------------------------------


def test_changes_made_offline_wait_and_go_up_once_back_online(
    page: Page, phone: BrowserContext, passkey: Authenticator
):
    set_up_with_passphrase_only(page)
    log_incident(page, "Rang the doorbell at midnight", date="2026-11-04")
    turn_on(page)
    home(page)
    expect_backed_up(page)  # the calm line on the diary's home
    settled(page)

    with offline(phone):
        log_incident(page, "A note through the letterbox", date="2026-11-05")
        expect(copy_status(page)).to_have_text("1 change waiting for a connection.")
        log_incident(page, "Called twice from a hidden number", date="2026-11-05")
        expect(copy_status(page)).to_have_text("2 changes waiting for a connection.")
        page.wait_for_timeout(500)
        assert held(page)["records"] != local(page)["records"]  # the server has not got it
    expect_backed_up(page)  # back online: no tap needed
    settled(page)
    # The new chain head went up, so the server was asked for a time receipt, kept encrypted
    # with the diary and backed up with it.
    assert [k for k in local(page)["records"] if k.startswith("r0")]

    # Another run finds nothing to send: only the question of what the server holds.
    used = held(page)["used"]
    page.wait_for_timeout(2500)  # past any run still waiting on its debounce
    calls = sent_to(page, r"/api/backup")
    open_settings(page)
    page.get_by_role("button", name="Back up now").click()
    expect_backed_up(page)
    for _ in range(40):
        if calls:
            break
        page.wait_for_timeout(100)
    page.wait_for_timeout(1000)
    assert [(r.method, r.url.split("/api/")[1]) for r in calls] == [("GET", "backup")]
    assert held(page)["used"] == used


def test_an_upload_cut_off_midway_is_carried_on(page: Page, passkey: Authenticator):
    set_up_with_passphrase_only(page)
    turn_on(page)
    home(page)
    # Cut the connection on the second file part, as a train tunnel would.
    cut = {"n": 0}

    def flaky(route):
        cut["n"] += 1
        if cut["n"] == 2:
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route(re.compile(r"/api/backup/chunks/"), flaky)
    parts = sent_to(page, r"/api/backup/chunks/")
    add_a_file(page, "voicemail.bin", RECORDING)  # three parts
    expect(copy_status(page)).to_have_text(re.compile("waiting for a connection"))
    expect_backed_up(page, timeout=30_000)  # carried on by itself
    assert cut["n"] >= 4
    settled(page)
    # Each part that got through the first time was not sent again.
    sent = [r.url.split("/chunks/")[1].split("?")[0] for r in parts]
    assert len(sent) == len(set(sent)) + 1, sent


# --- signing out and in, deleting -----------------------------------------------------------


def test_sign_out_stops_backing_up_sign_in_carries_on_and_delete_leaves_nothing(
    page: Page, passkey: Authenticator, own_server: LiveServer
):
    set_up_on(page, own_server)
    turn_on(page)
    settled(page)

    page.get_by_role("button", name="Sign out").click()
    expect(copy_status(page)).to_have_text("Sign in to keep backing up.")
    assert page.request.get(f"{own_server.url}/api/backup").status == 401
    calls = sent_to(page, r"/api/backup")
    home(page)
    log_incident(page, "Parked across the road", date="2026-11-06")
    expect(copy_status(page)).to_have_text("Sign in to keep backing up.")
    page.wait_for_timeout(3000)
    assert calls == []  # signed out: nothing is sent

    open_settings(page)
    page.get_by_role("button", name="Sign in with my passkey").click()
    expect_backed_up(page)
    settled(page)

    page.get_by_role("button", name="Delete the server copy").click()
    expect(page.get_by_text("Delete the copy on the server?")).to_be_visible()
    page.get_by_role("button", name="Yes, delete the server copy").click()
    expect(page.get_by_role("button", name="Keep an encrypted copy on the server")).to_be_visible()
    assert page.request.get(f"{own_server.url}/api/backup").status == 401
    assert rows_for_accounts(own_server) == dict.fromkeys(
        ("accounts", "passkeys", "sessions", "records", "chunks"), 0
    )
    # The diary on the phone is untouched.
    home(page)
    expect(page.locator(".incident-row", has_text="Parked across")).to_be_visible()


CODE_FIELD = "The start code or invitation you were given"


def set_up_on(page: Page, server: LiveServer) -> None:
    """Set up a diary on a server other than the session's (the page's base URL)."""
    page.goto(server.url + "/")
    wait_for_app(page)
    type_code(page, START_CODE)
    expect(page.get_by_role("heading", name="Set up your private diary")).to_be_visible()
    choose_passphrase(page)
    page.get_by_role("button", name=PASSPHRASE_ALONE).click()
    diary_home(page)


# --- errors ---------------------------------------------------------------------------------


def test_a_new_copy_needs_the_start_code_and_asks_again_once_it_changed(
    page: Page, passkey, own_server: LiveServer
):
    """The server keeps copies only for people who typed its start code: the grant set-up
    kept does, until the operator changes the code; then the phone asks for the new one."""
    set_up_on(page, own_server)
    own_server.app.config["START_CODE"] = "97531"
    open_settings(page)
    page.get_by_role("button", name="Keep an encrypted copy on the server").click()
    expect(page.get_by_text("the invitation you were given")).to_be_visible()
    page.get_by_label(CODE_FIELD).fill("11111")
    page.get_by_role("button", name="Use this code").click()
    expect(page.get_by_text("That is not this server's start code")).to_be_visible()
    page.get_by_label(CODE_FIELD).fill("97531")
    page.get_by_role("button", name="Use this code").click()
    expect(page.get_by_text("Now tap")).to_be_visible()
    page.get_by_role("button", name="Keep an encrypted copy on the server").click()
    expect_backed_up(page)


def test_an_invitation_opens_a_copy_once(
    page: Page, passkey, own_server: LiveServer, browser: Browser, playwright: Playwright
):
    """Someone the operator invited (`cairn invite`) types the invitation where the start
    code goes, in any case and spacing; it opens their copy, and nobody else's after."""
    set_up_on(page, own_server)
    own_server.app.config["START_CODE"] = "97531"  # the code set-up kept no longer opens one
    with own_server.app.app_context():
        [code] = invitations.make(get_db(), 1, 30)
    open_settings(page)
    page.get_by_role("button", name="Keep an encrypted copy on the server").click()
    page.get_by_label(CODE_FIELD).fill(code.replace("-", " ").lower())
    page.get_by_role("button", name="Use this code").click()
    expect(page.get_by_text("Now tap")).to_be_visible()
    page.get_by_role("button", name="Keep an encrypted copy on the server").click()
    expect_backed_up(page)
    assert rows_for_accounts(own_server)["accounts"] == 1

    phone = new_phone(playwright, browser, own_server)
    try:
        other = phone.new_page()
        add_authenticator(other, prf=True)
        own_server.app.config["START_CODE"] = START_CODE
        set_up_on(other, own_server)
        own_server.app.config["START_CODE"] = "97531"
        open_settings(other)
        other.get_by_role("button", name="Keep an encrypted copy on the server").click()
        other.get_by_label(CODE_FIELD).fill(code)
        other.get_by_role("button", name="Use this code").click()
        expect(other.get_by_text("the invitation has been used")).to_be_visible()
    finally:
        phone.close()
    assert rows_for_accounts(own_server)["accounts"] == 1


def test_another_diarys_passkey_signs_in_to_nothing_of_this_ones(
    page: Page, passkey: Authenticator, browser: Browser, live_server, playwright
):
    """Every passkey is called "Notebook": a phone that signs in with another diary's (synced
    from a shared account, say) must not write its diary into that diary's copy."""
    set_up_with_passphrase_only(page)
    log_incident(page, "Waiting outside the school gates")
    turn_on(page)
    settled(page)
    theirs = held(page)

    phone = new_phone(playwright, browser, live_server)
    phone.set_default_timeout(15_000)
    try:
        other = phone.new_page()
        mine = add_authenticator(other, prf=True)
        set_up_with_passphrase_only(other)
        for what in ("Message from an unknown number", "Car parked across the road", "Call"):
            log_incident(other, what)
        turn_on(other)
        settled(other)
        # Its own passkey is lost; the only one its passkey provider offers is the other
        # diary's. Signed out, it signs in with that.
        mine.clear()
        mine.take_from(passkey)
        other.get_by_role("button", name="Sign out").click()
        other.get_by_role("button", name="Sign in with my passkey").click()
        expect(other.get_by_text("keeps the server copy of a different diary")).to_be_visible()
        expect(other.get_by_role("button", name="Sign in with my passkey")).to_be_visible()
        other.wait_for_timeout(2500)  # a run the sign-in could have started
        assert other.request.get(f"{origin(other)}/api/backup").status == 401
    finally:
        phone.close()
    # Its events and chain head are still its own (a time receipt of its own may have come
    # since): none of the other diary's three entries reached it.
    after, own = held(page)["records"], local(page)["records"]
    events = {k for k in after if k.startswith("e")}
    assert (
        events
        == {k for k in own if k.startswith("e")}
        == {k for k in theirs["records"] if k.startswith("e")}
    )
    assert after["head"] == own["head"] == theirs["records"]["head"]


def test_errors_say_what_happened_and_lose_nothing(
    page: Page, phone: BrowserContext, passkey: Authenticator
):
    set_up_with_passphrase_only(page)
    open_settings(page)
    with offline(phone):
        page.get_by_role("button", name="Keep an encrypted copy on the server").click()
        expect(page.get_by_role("alert")).to_have_text(
            "The server could not be reached. Check that the phone is online, then try again. "
            "Nothing was lost."
        )
    page.get_by_role("button", name="Keep an encrypted copy on the server").click()
    expect_backed_up(page)

    # Too many requests: the phone waits as asked and tries again by itself.
    busy = {"n": 0}

    def too_many(route):
        if route.request.method == "GET" and busy["n"] == 0:
            busy["n"] += 1
            route.fulfill(
                status=429,
                headers={"Retry-After": "2"},
                json={"error": "Too many requests. Try again in a minute."},
            )
        else:
            route.continue_()

    page.route(re.compile(r"/api/backup$"), too_many)
    home(page)
    log_incident(page, "Sent flowers to work", date="2026-11-07")
    expect(copy_status(page)).to_have_text(
        "Not backed up: The server asked for a short wait. It will try again by itself."
    )
    expect_backed_up(page)
    page.unroute(re.compile(r"/api/backup$"))

    # Signed out elsewhere: the session ended on the server.
    assert page.request.delete(f"{origin(page)}/api/session", headers=csrf(page)).ok
    log_incident(page, "Followed me home", date="2026-11-08")
    expect(copy_status(page)).to_have_text("Sign in to keep backing up.")
    expect(page.locator(".incident-row", has_text="Followed me home")).to_be_visible()


def csrf(page: Page) -> dict:
    token = page.request.get(f"{origin(page)}/api/csrf").json()["token"]
    return {"X-CSRFToken": token}


def test_a_full_server_copy_says_so(page: Page, passkey, tmp_path: Path):
    server = LiveServer(make_app(tmp_path / "instance", BACKUP_QUOTA_BYTES=40_000)).start()
    try:
        set_up_on(page, server)
        open_settings(page)
        page.get_by_role("button", name="Keep an encrypted copy on the server").click()
        expect_backed_up(page)
        home(page)
        add_a_file(page, "big.bin", b"y" * 100_000)
        expect(copy_status(page)).to_have_text(
            "The server copy is full, so new changes are not backed up. "
            "Everything is still on this phone."
        )
        expect(page.locator(".incident-row", has_text="Left something")).to_be_visible()
    finally:
        server.stop()


# --- nothing readable leaves the phone ------------------------------------------------------


def test_nothing_typed_or_attached_reaches_the_server(
    page: Page, passkey: Authenticator, own_server: LiveServer, browser, playwright
):
    marker = "Zebra-Quokka-7731"
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    loggers = [logging.getLogger("werkzeug"), own_server.app.logger]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    sent: list[tuple[str, bytes]] = []

    def keep(request: Request) -> None:
        sent.append((request.url, request.post_data_buffer or b""))

    page.on("request", keep)
    # A file part goes up as a Blob, whose bytes the request event does not carry: the page's
    # fetch keeps a copy of every Blob it sends.
    page.add_init_script(BLOB_BODIES)
    try:
        set_up_on(page, own_server)
        page.get_by_role("button", name="Log an incident").click()
        page.get_by_label("What happened").fill(f"He said {marker} at the door")
        add_files(
            page, "Add screenshots or files", [picked(f"{marker}.txt", marker.encode() * 500)]
        )
        page.get_by_role("button", name="Save incident").click()
        page.get_by_role("button", name="Back", exact=True).click()
        turn_on(page)
        page.get_by_role("button", name="Sign out").click()
        page.get_by_role("button", name="Sign in with my passkey").click()
        expect_backed_up(page)

        sent += [(url, bytes.fromhex(body)) for url, body in page.evaluate("window.__blobs")]

        phone, other = synced_phone(playwright, browser, own_server, passkey)
        try:
            other.on("request", keep)
            other.goto(own_server.url + "/")
            wait_for_app(other)
            type_code(other, START_CODE)
            choose_disguise_and_code(other, None, begin="Restore from the server copy")
            sign_in_and_download(other)
            restore_with_passphrase(other)
            diary_home(other)
            expect(other.locator(".incident-row", has_text=marker)).to_be_visible()
        finally:
            phone.close()
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)

    secrets = [*encodings(marker.encode()), *encodings(PASSPHRASE.encode())]
    # The file's parts and the records went up, and their bodies were seen.
    assert any(body for url, body in sent if "/api/backup/chunks/" in url)
    assert any(body for url, body in sent if url.endswith("/api/backup/records"))
    for url, body in sent:
        text = url + body.decode("latin-1")
        assert not [s for s in secrets if s in text], url
    logged = "\n".join(r.getMessage() for r in records)
    assert "/api/backup" in logged  # the logs were captured
    assert not [s for s in secrets if s in logged]
    assert rows_for_accounts(own_server)["chunks"] > 0  # the copy is there, sealed
    instance = Path(own_server.app.instance_path)
    files = [p for p in instance.rglob("*") if p.is_file()]
    assert Path(own_server.app.config["DATABASE"]) in files
    for path in files:
        data = path.read_bytes().decode("latin-1")
        assert not [s for s in secrets if s in data], path.name


# --- accessibility --------------------------------------------------------------------------


def test_the_server_copy_screens_pass(page: Page, phone: BrowserContext, passkey):
    screens = Screens(page)
    set_up_with_passphrase_only(page)
    open_settings(page)
    page.get_by_role("heading", name="Copy on the server").scroll_into_view_if_needed()
    screens.check("settings: the server copy, off")
    with offline(phone):
        page.get_by_role("button", name="Keep an encrypted copy on the server").click()
        expect(page.get_by_role("alert")).not_to_be_empty()
        screens.check("settings: the server copy, offline")
    page.get_by_role("button", name="Keep an encrypted copy on the server").click()
    expect_backed_up(page)
    screens.check("settings: the server copy, backed up")
    page.get_by_role("button", name="Delete the server copy").click()
    screens.check("settings: deleting the server copy, asked")
    page.get_by_role("button", name="No, keep it").click()
    page.get_by_role("button", name="Sign out").click()
    expect(copy_status(page)).to_have_text("Sign in to keep backing up.")
    screens.check("settings: the server copy, signed out")
    page.get_by_role("button", name="Sign in with my passkey").click()
    expect_backed_up(page)
    home(page)
    screens.check("diary with the copy's line", "Your diary")

    open_settings(page)
    page.get_by_role("button", name="Erase everything on this phone").click()
    screens.check("settings: erasing asks about the server copy")
    page.get_by_role("button", name="Keep everything").click()
    home(page)
    erase_with_copy(page, keep_copy=True)  # the copy stays, to restore from below
    expect(page.locator(".calc")).to_be_visible(timeout=30_000)
    start_server_restore(page)
    screens.check("restore from the server copy", "Restore from the server copy")
    sign_in_and_download(page)
    screens.check("open the copy", "Open your diary")
    page.get_by_role("button", name="Use my passphrase instead").click()
    restore_with_passphrase(page, "wrong words entirely here")
    expect(page.get_by_role("alert")).not_to_be_empty()
    screens.check("open the copy, a wrong passphrase")
    screens.assert_clean()


def test_progress_shows_while_the_first_copy_goes_up(page: Page, passkey):
    set_up_with_passphrase_only(page)
    add_a_file(page, "voicemail.bin", RECORDING)
    open_settings(page)
    page.evaluate(
        """() => {
            window.__seen = [];
            new MutationObserver(() => {
                const bar = document.querySelector('progress[aria-label="Backing up"]');
                if (bar && !bar.hidden) window.__seen.push(bar.value);
            }).observe(document.body, { subtree: true, attributes: true, childList: true });
        }"""
    )
    page.get_by_role("button", name="Keep an encrypted copy on the server").click()
    expect_backed_up(page)
    seen = until(page, "() => window.__seen.length && window.__seen")
    assert any(0 < v < 100 for v in seen), seen


def test_a_copy_cut_off_between_its_events_and_its_head_still_restores(
    page: Page, passkey: Authenticator, browser: Browser, live_server, playwright
):
    set_up_with_passphrase_only(page)
    log_incident(page, "Waiting by the school gate", date="2026-11-03")
    turn_on(page)
    settled(page)
    home(page)
    before = page.evaluate(SNAPSHOT)
    head = held(page)["records"]["head"]

    # From now on the chain's head never reaches the server, while the events do: what a
    # run cut off between two batches leaves behind.
    def without_head(route):
        body = json.loads(route.request.post_data or "{}")
        body["records"] = [r for r in body.get("records", []) if r["id"] != "head"]
        route.continue_(post_data=json.dumps(body))

    page.route("**/api/backup/records", without_head)
    events = server_events(page)
    log_incident(page, "Followed me into the shop", date="2026-11-04")
    for _ in range(100):
        if server_events(page) - events:
            break
        page.wait_for_timeout(200)
    assert server_events(page) - events
    assert held(page)["records"]["head"] == head  # the server's head is the old one

    phone, other = synced_phone(playwright, browser, live_server, passkey)
    try:
        restore_from_server(other)
        after = other.evaluate(SNAPSHOT)
        assert after["ok"], after["problems"]
        # Restored as far as the server's head: the diary as it was before the cut-off run.
        assert after["events"] == before["events"]
    finally:
        phone.close()


def test_a_phone_behind_the_copy_never_takes_entries_away_from_it(
    page: Page, passkey: Authenticator, browser: Browser, live_server, playwright
):
    set_up_with_passphrase_only(page)
    log_incident(page, "Sent flowers to my work", date="2026-11-06")
    turn_on(page)
    settled(page)
    home(page)

    # A new phone restores the copy and carries on logging: the copy is ahead of phone one.
    phone, other = synced_phone(playwright, browser, live_server, passkey)
    try:
        restore_from_server(other)
        log_incident(other, "Messaged my sister about me", date="2026-11-07")
        open_settings(other)
        expect_backed_up(other)
        settled(other)
        ahead = held(other)
    finally:
        phone.close()

    # Phone one (its session still open) backs up again: it must not undo the new entry.
    open_settings(page)
    page.get_by_role("button", name="Back up now").click()
    expect(page.get_by_text("Another phone is keeping the copy")).to_be_visible()
    assert held(page)["records"] == ahead["records"]
