"""The server copy as a person turns it on and gets the diary back from it, shared by the
browser tests of the copy and of hosting."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from e2e.journeys import (
    PASSPHRASE,
    START_CODE,
    choose_disguise_and_code,
    diary_home,
    type_code,
)
from e2e.support import wait_for_app

BACKED_UP = re.compile(r"^Backed up (just now|\d+ minutes? ago)\.$")

# What this phone holds, as the server copy should: record versions, and each finished
# file's parts (a file's parts count only once its record exists, as in the backup file).
LOCAL = """async () => {
    const { tx, req } = await import('/js/vault/idb.js');
    return tx(['records', 'chunks', 'meta'], 'readonly', async (t) => {
        const rows = await req(t.objectStore('records').getAll());
        const parts = await req(t.objectStore('chunks').getAllKeys());
        const files = new Set(rows.filter((r) => r.kind === 'file').map((r) => r.id));
        const chunks = {};
        for (const [file, index] of parts) if (files.has(file)) (chunks[file] ||= []).push(index);
        const vault = await req(t.objectStore('meta').get('vault'));
        return {
            records: Object.fromEntries(rows.map((r) => [r.id, r.version])),
            chunks,
            slots: vault.slots.map((s) => [s.id, s.type, s.credentialId || null]),
        };
    });
}"""


def open_settings(page: Page) -> None:
    page.get_by_role("button", name="Settings").click()
    expect(page.get_by_role("heading", name="Settings")).to_be_visible()


def copy_status(page: Page):
    """The copy's status line (in settings, or on the diary's home)."""
    return page.get_by_role("status").filter(
        has_text=re.compile(
            r"Backed up|Backing up|Not backed up|waiting|Waiting|Sign in to keep|copy is full"
        )
    )


def expect_backed_up(page: Page, timeout: float = 20_000) -> None:
    expect(copy_status(page)).to_have_text(BACKED_UP, timeout=timeout)


def turn_on(page: Page) -> None:
    """Settings → keep an encrypted copy on the server; waits for the first upload."""
    open_settings(page)
    page.get_by_role("button", name="Keep an encrypted copy on the server").click()
    expect_backed_up(page, timeout=60_000)


def origin(page: Page) -> str:
    return page.evaluate("location.origin")


def held(page: Page) -> dict:
    """What the server holds for the signed-in account, as GET /api/backup says."""
    response = page.request.get(f"{origin(page)}/api/backup")
    assert response.ok, response.status
    return response.json()


def local(page: Page) -> dict:
    return page.evaluate(LOCAL)


def same_as_server(page: Page) -> None:
    """The server holds exactly this phone's records (same versions) and file parts."""
    mine = local(page)
    theirs = held(page)
    assert theirs["records"] == mine["records"]
    assert {f: sorted(i) for f, i in theirs["chunks"].items()} == {
        f: sorted(i) for f, i in mine["chunks"].items()
    }


def settled(page: Page) -> None:
    """Wait until the server holds what the phone holds (a run may follow a run: the time
    receipt kept after one is a change of its own)."""
    for _ in range(100):
        try:
            same_as_server(page)
            return
        except AssertionError:
            page.wait_for_timeout(200)
    same_as_server(page)


def home(page: Page) -> None:
    """Back to the diary's home from settings."""
    page.get_by_role("button", name="Back", exact=True).click()
    diary_home(page)


def start_server_restore(page: Page, url: str = "/") -> None:
    """A phone with no diary: the start code, then restore from the server copy (on the
    server at ``url``)."""
    page.goto(url)
    wait_for_app(page)
    type_code(page, START_CODE)
    choose_disguise_and_code(page, begin="Restore from the server copy")
    expect(page.get_by_role("heading", name="Restore from the server copy")).to_be_visible()


def sign_in_and_download(page: Page) -> None:
    page.get_by_role("button", name="Sign in with my passkey").click()
    expect(page.get_by_role("heading", name="Open your diary")).to_be_visible(timeout=60_000)


def restore_with_passphrase(page: Page, passphrase: str = PASSPHRASE) -> None:
    if page.get_by_role("button", name="Use my passphrase instead").is_visible():
        page.get_by_role("button", name="Use my passphrase instead").click()
    page.get_by_label("Recovery passphrase").fill(passphrase)
    page.get_by_role("button", name="Restore my diary").click()


def restore_from_server(page: Page) -> None:
    """On a phone with no diary: restore the server copy with the recovery passphrase (a
    passkey copied to a virtual authenticator signs in but gives no PRF), to the diary."""
    start_server_restore(page)
    sign_in_and_download(page)
    restore_with_passphrase(page)
    diary_home(page)
