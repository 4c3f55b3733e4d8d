"""The vault's format, pinned: what the app computes in the browser equals Python's own.

Golden vectors: fixed passphrase, salt, PRF output and IVs → the wrapped keys and
ciphertexts the app produces must equal those computed here with `cryptography`.
Then the real thing: a vault set up and written by the app opens in Python with only the
passphrase, so the format in docs/vault-format.md is the whole truth.
"""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from playwright.sync_api import Page

PASSPHRASE = "  Correct horse\u00a0battery   staple "
NORMALISED = "Correct horse battery staple"
SALT = bytes(range(16))
ITERATIONS = 600_000
DATA_KEY = bytes(range(32, 64))
PRF_OUTPUT = bytes(range(100, 132))
IV_SLOT = bytes(range(12))
IV_PK = bytes(range(12, 24))
IV_RECORD = bytes(range(24, 36))
# The first bytes of the passphrase slot's wrapped key for these inputs, as first computed.
PINNED_PW_PREFIX = "2d2093c4308629eb"
RECORD = {"kind": "incident", "id": "abc", "version": 3, "value": {"what": "café ✓"}}


def passphrase_kek(passphrase: str, salt: bytes, iterations: int) -> bytes:
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt, iterations=iterations)
    return kdf.derive(passphrase.encode())


def prf_kek(prf: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"cairn/kek/v1").derive(prf)


def ad(label: str, *fields) -> bytes:
    return "\0".join([label, *map(str, fields)]).encode()


def hexes(b: bytes) -> str:
    return b.hex()


@pytest.fixture
def blank(page: Page, live_server) -> Page:
    page.goto("/_harness/harness/blank.html")
    return page


def test_golden_vectors_match_python(blank: Page):
    got = blank.evaluate(
        """async ([passphrase, salt, iterations, dataKey, prf, ivSlot, ivPk, ivRecord, rec]) => {
            const c = await import('/js/vault/crypto.js');
            const b = await import('/js/vault/bytes.js');
            const raw = b.fromHex(dataKey);
            const dk = await crypto.subtle.importKey('raw', raw, 'AES-GCM', true,
                ['encrypt', 'decrypt']);
            const pwKek = await c.passphraseKek(passphrase, b.fromHex(salt), iterations);
            const pw = await c.wrapDataKey(dk, pwKek, 'pw-test', b.fromHex(ivSlot));
            const pkKek = await c.prfKek(b.fromHex(prf));
            const pk = await c.wrapDataKey(dk, pkKek, 'pk-test', b.fromHex(ivPk));
            const sealed = await c.seal(dk, b.utf8(JSON.stringify(rec.value)),
                c.ad('cairn/record/v1', rec.kind, rec.id, rec.version), b.fromHex(ivRecord));
            return { pw: b.toHex(pw.wrapped), pk: b.toHex(pk.wrapped), record: b.toHex(sealed.ct) };
        }""",
        [
            PASSPHRASE,
            hexes(SALT),
            ITERATIONS,
            hexes(DATA_KEY),
            hexes(PRF_OUTPUT),
            hexes(IV_SLOT),
            hexes(IV_PK),
            hexes(IV_RECORD),
            RECORD,
        ],
    )
    pw_kek = passphrase_kek(NORMALISED, SALT, ITERATIONS)
    expected_pw = AESGCM(pw_kek).encrypt(IV_SLOT, DATA_KEY, ad("cairn/slot/v1", "pw-test"))
    expected_pk = AESGCM(prf_kek(PRF_OUTPUT)).encrypt(
        IV_PK, DATA_KEY, ad("cairn/slot/v1", "pk-test")
    )
    plaintext = json.dumps(RECORD["value"], separators=(",", ":"), ensure_ascii=False).encode()
    expected_record = AESGCM(DATA_KEY).encrypt(
        IV_RECORD, plaintext, ad("cairn/record/v1", "incident", "abc", 3)
    )
    assert got == {
        "pw": expected_pw.hex(),
        "pk": expected_pk.hex(),
        "record": expected_record.hex(),
    }
    # Pinned, so a change on both sides at once is caught too.
    assert expected_pw.hex()[:16] == PINNED_PW_PREFIX


def dump_storage(page: Page) -> dict:
    """Every row of the app's IndexedDB, with bytes as hex."""
    return page.evaluate(
        """async () => {
            const { tx, req } = await import('/js/vault/idb.js');
            const b = await import('/js/vault/bytes.js');
            const plain = async (v) => v instanceof Blob ? b.toHex(await v.arrayBuffer())
                : v instanceof Uint8Array || v instanceof ArrayBuffer ? b.toHex(v)
                : Array.isArray(v) ? Promise.all(v.map(plain))
                : v && typeof v === 'object'
                    ? Object.fromEntries(await Promise.all(
                        Object.entries(v).map(async ([k, x]) => [k, await plain(x)])))
                : v;
            const out = {};
            for (const store of ['meta', 'records', 'chunks']) {
                const [keys, values] = await tx(store, 'readonly', async (t) => {
                    const s = t.objectStore(store);
                    return [await req(s.getAllKeys()), await req(s.getAll())];
                });
                out[store] = await Promise.all(
                    keys.map(async (k, i) => [await plain(k), await plain(values[i])]));
            }
            return out;
        }"""
    )


def test_a_real_vault_opens_in_python_with_the_passphrase(blank: Page):
    blank.evaluate(
        """async (passphrase) => {
            const keys = await import('/js/vault/keys.js');
            const records = await import('/js/vault/records.js');
            await keys.createVault({ passphrase });
            await records.put('incident', 'one', { what: 'marker-7f3a', n: 1 });
            await records.put('incident', 'one', { what: 'marker-7f3a edited', n: 2 });
            const bytes = new Uint8Array(2.5 * records.CHUNK_BYTES).map((_, i) => i % 251);
            await records.putFile(new Blob([bytes]).stream(), { name: 'photo.jpg' });
        }""",
        PASSPHRASE,
    )
    storage = dump_storage(blank)
    vault = dict(storage["meta"])["vault"]
    slot = next(s for s in vault["slots"] if s["type"] == "passphrase")
    kek = passphrase_kek(NORMALISED, bytes.fromhex(slot["salt"]), slot["iterations"])
    data_key = AESGCM(kek).decrypt(
        bytes.fromhex(slot["iv"]), bytes.fromhex(slot["wrapped"]), ad("cairn/slot/v1", slot["id"])
    )
    values = {}
    for _key, row in storage["records"]:
        plain = AESGCM(data_key).decrypt(
            bytes.fromhex(row["iv"]),
            bytes.fromhex(row["ct"]),
            ad("cairn/record/v1", row["kind"], row["id"], row["version"]),
        )
        values[row["id"]] = (row["kind"], row["version"], json.loads(plain))
    assert values["one"] == ("incident", 2, {"what": "marker-7f3a edited", "n": 2})
    file_id, (kind, _, info) = next((k, v) for k, v in values.items() if v[0] == "file")
    assert info == {"name": "photo.jpg", "size": int(2.5 * 1024 * 1024), "chunks": 3}
    chunks = sorted((row for _k, row in storage["chunks"]), key=lambda r: r["index"])
    content = b"".join(
        AESGCM(data_key).decrypt(
            bytes.fromhex(r["iv"]),
            bytes.fromhex(r["ct"]),
            ad("cairn/chunk/v1", file_id, r["index"], 1 if r["final"] else 0),
        )
        for r in chunks
    )
    assert content == bytes(i % 251 for i in range(int(2.5 * 1024 * 1024)))
    assert [r["final"] for r in chunks] == [False, False, True]
    # Nothing readable in clear.
    assert "marker-7f3a" not in json.dumps(storage)
    assert base64.b64encode(b"marker").decode() not in json.dumps(storage)
