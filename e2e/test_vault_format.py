"""The vault's format, pinned: what the app computes in the browser equals Python's own.

Golden vectors: fixed passphrase, salt, PRF output and IVs → the wrapped keys and
ciphertexts the app produces must equal those computed here with `cryptography`.
Then the real thing: a vault set up and written by the app opens in Python with only the
passphrase, so the format in docs/vault-format.md is the whole truth.
"""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
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
    """Every row of the app's IndexedDB, with bytes as hex (the key paths' arrays as lists), and
    every file of its parts folder in the private file system ("opfs": name → hex)."""
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
            for (const store of ['meta', 'records', 'chunks', 'inbox']) {
                const [keys, values] = await tx(store, 'readonly', async (t) => {
                    const s = t.objectStore(store);
                    return [await req(s.getAllKeys()), await req(s.getAll())];
                });
                out[store] = await Promise.all(
                    keys.map(async (k, i) => [await plain(k), await plain(values[i])]));
            }
            // Large files' parts, in the private file system: each file's bytes as hex.
            out.opfs = {};
            const { FOLDER } = await import('/js/vault/opfs.js');
            const root = await navigator.storage.getDirectory();
            const folder = await root.getDirectoryHandle(FOLDER).catch(() => null);
            if (folder) for await (const [name, handle] of folder.entries())
                out.opfs[name] = b.toHex(await (await handle.getFile()).arrayBuffer());
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


def test_a_large_files_parts_in_the_private_file_system_open_in_python(blank: Page):
    """Past one part, a picked file's parts lie end to end in one file of the private file
    system, named by the file's id; each part's row says where (`at`, `size`)."""
    size = int(3.5 * 1024 * 1024)
    blank.evaluate(
        """async ([passphrase, size]) => {
            const keys = await import('/js/vault/keys.js');
            const records = await import('/js/vault/records.js');
            await keys.createVault({ passphrase });
            const bytes = new Uint8Array(size).map((_, i) => i % 253);
            await records.putFile(new Blob([bytes]), { name: 'clip.mp4' });
        }""",
        [PASSPHRASE, size],
    )
    storage = dump_storage(blank)
    slot = next(s for s in dict(storage["meta"])["vault"]["slots"] if s["type"] == "passphrase")
    kek = passphrase_kek(NORMALISED, bytes.fromhex(slot["salt"]), slot["iterations"])
    data_key = AESGCM(kek).decrypt(
        bytes.fromhex(slot["iv"]), bytes.fromhex(slot["wrapped"]), ad("cairn/slot/v1", slot["id"])
    )
    (row,) = (r for _k, r in storage["records"] if r["kind"] == "file")
    file_id = row["id"]
    info = json.loads(
        AESGCM(data_key).decrypt(
            bytes.fromhex(row["iv"]),
            bytes.fromhex(row["ct"]),
            ad("cairn/record/v1", "file", file_id, 1),
        )
    )
    assert info == {"name": "clip.mp4", "size": size, "chunks": 4}
    assert list(storage["opfs"]) == [file_id]
    on_disk = bytes.fromhex(storage["opfs"][file_id])
    chunks = sorted((r for _k, r in storage["chunks"]), key=lambda r: r["index"])
    assert [(r["ct"]["opfs"], r["ct"]["at"]) for r in chunks] == [
        (file_id, i * (1024 * 1024 + 16)) for i in range(4)
    ]
    content = b"".join(
        AESGCM(data_key).decrypt(
            bytes.fromhex(r["iv"]),
            on_disk[r["ct"]["at"] : r["ct"]["at"] + r["ct"]["size"]],
            ad("cairn/chunk/v1", file_id, r["index"], 1 if r["final"] else 0),
        )
        for r in chunks
    )
    assert content == bytes(i % 253 for i in range(size))
    assert [r["final"] for r in chunks] == [False, False, False, True]
    assert len(on_disk) == size + 4 * 16  # ciphertext and tags only


# --- the inbox ------------------------------------------------------------------------------

INBOX_D = int.from_bytes(bytes(range(1, 33)), "big")
EPHEMERAL_D = int.from_bytes(bytes(range(33, 65)), "big")
ITEM = "AAECAwQFBgcICQoLDA0ODw"
IV_HEAD = bytes(range(64, 76))
IV_PART = bytes(range(76, 88))
NOTE = "café ✓ outside"
# The first bytes of the head's ciphertext for these inputs, as first computed (and pinned in
# the browser too, e2e/js/inbox-format.test.js).
PINNED_HEAD_PREFIX = "c6f706b5809e710e"


def b64url(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).decode().rstrip("=")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def private_jwk(d: int) -> dict:
    numbers = ec.derive_private_key(d, ec.SECP256R1()).public_key().public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "d": b64url(d.to_bytes(32, "big")),
        "x": b64url(numbers.x.to_bytes(32, "big")),
        "y": b64url(numbers.y.to_bytes(32, "big")),
    }


def raw_point(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


def capture_key(own: ec.EllipticCurvePrivateKey, epk: bytes) -> bytes:
    """A capture's AES key, as docs/vault-format.md gives it: ECDH with the ephemeral public
    key (the x-coordinate), then HKDF-SHA256 with the ephemeral key as salt."""
    theirs = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), epk)
    shared = own.exchange(ec.ECDH(), theirs)
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=epk, info=b"inbox/key/v1").derive(shared)


def test_inbox_golden_vectors_match_python(blank: Page):
    sha = hashlib.sha256(NOTE.encode()).hexdigest()
    head = {"v": 1, "kind": "note", "at": 1_764_400_000_000, "size": len(NOTE.encode())}
    head |= {"sha256": sha, "parts": 0, "text": NOTE, "via": "capture"}
    got = blank.evaluate(
        """async ([inbox, ephemeral, item, ivHead, ivPart, head]) => {
            const seal = await import('/js/inbox/seal.js');
            const b = await import('/js/bytes.js');
            const ecdh = { name: 'ECDH', namedCurve: 'P-256' };
            const pub = (jwk) => crypto.subtle.importKey('jwk',
                { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, ecdh, true, []);
            const priv = await crypto.subtle.importKey('jwk', ephemeral, ecdh, false,
                ['deriveBits']);
            const epk = new Uint8Array(await crypto.subtle.exportKey('raw', await pub(ephemeral)));
            const key = await seal.itemKey(await pub(inbox), priv, epk);
            const seal1 = (iv, data, ad) => crypto.subtle.encrypt(
                { name: 'AES-GCM', iv: b.fromHex(iv), additionalData: ad }, key, data);
            const h = await seal1(ivHead, b.utf8(JSON.stringify(head)), seal.headAd(item));
            const p = await seal1(ivPart, b.utf8('part one bytes'), seal.partAd(item, 1, true));
            return { epk: b.toHex(epk), head: b.toHex(new Uint8Array(h)),
                part: b.toHex(new Uint8Array(p)) };
        }""",
        [private_jwk(INBOX_D), private_jwk(EPHEMERAL_D), ITEM, IV_HEAD.hex(), IV_PART.hex(), head],
    )
    inbox = ec.derive_private_key(INBOX_D, ec.SECP256R1())
    epk = raw_point(ec.derive_private_key(EPHEMERAL_D, ec.SECP256R1()))
    key = AESGCM(capture_key(inbox, epk))
    plaintext = json.dumps(head, separators=(",", ":"), ensure_ascii=False).encode()
    assert got == {
        "epk": epk.hex(),
        "head": key.encrypt(IV_HEAD, plaintext, ad("inbox/head/v1", ITEM)).hex(),
        "part": key.encrypt(IV_PART, b"part one bytes", ad("inbox/part/v1", ITEM, 1, 1)).hex(),
    }
    assert got["head"][:16] == PINNED_HEAD_PREFIX


def test_a_capture_kept_while_locked_opens_in_python_with_the_passphrase(blank: Page):
    """A note and a file of three parts, kept by the app while locked, opened from the raw
    rows with only the passphrase: the data key, then the inbox key's record, then each
    capture's key from its ephemeral public key."""
    kept = blank.evaluate(
        """async (passphrase) => {
            const keys = await import('/js/vault/keys.js');
            const inbox = await import('/js/inbox/open.js');
            const seal = await import('/js/inbox/seal.js');
            await keys.createVault({ passphrase });
            await inbox.ensureKey();
            keys.lock();
            const bytes = new Uint8Array(2 * seal.PART_BYTES + 777).map((_, i) => (i * 13) % 256);
            const note = await seal.keepNote('marker-inbox-4b2e at the gate',
                { at: 1764400000000 });
            const file = await seal.keepFile(new Blob([bytes], { type: 'image/jpeg' }),
                { name: 'shot.jpg', at: 1764400060000, via: 'share' });
            return { note: note.item, file: file.item, noteSha: note.sha256, fileSha: file.sha256 };
        }""",
        PASSPHRASE,
    )
    storage = dump_storage(blank)
    meta = dict(storage["meta"])
    slot = next(s for s in meta["vault"]["slots"] if s["type"] == "passphrase")
    kek = passphrase_kek(NORMALISED, bytes.fromhex(slot["salt"]), slot["iterations"])
    data_key = AESGCM(kek).decrypt(
        bytes.fromhex(slot["iv"]), bytes.fromhex(slot["wrapped"]), ad("cairn/slot/v1", slot["id"])
    )
    row = next(r for _k, r in storage["records"] if r["kind"] == "inbox-key")
    record = AESGCM(data_key).decrypt(
        bytes.fromhex(row["iv"]),
        bytes.fromhex(row["ct"]),
        ad("cairn/record/v1", "inbox-key", row["id"], row["version"]),
    )
    jwk = json.loads(record)["jwk"]
    own = ec.derive_private_key(int.from_bytes(unb64url(jwk["d"]), "big"), ec.SECP256R1())
    assert raw_point(own).hex() == meta["inbox"]  # the public key in clear is this key's

    rows = {(r["item"], r["index"]): r for _k, r in storage["inbox"]}
    opened = {}
    for item in (kept["note"], kept["file"]):
        head_row = rows[(item, 0)]
        key = AESGCM(capture_key(own, bytes.fromhex(head_row["epk"])))
        head = json.loads(
            key.decrypt(
                bytes.fromhex(head_row["iv"]),
                bytes.fromhex(head_row["ct"]),
                ad("inbox/head/v1", item),
            )
        )
        parts = [rows[(item, i)] for i in range(1, head["parts"] + 1)]
        assert [p["final"] for p in parts] == [False] * (len(parts) - 1) + [True] * bool(parts)
        content = b"".join(
            key.decrypt(
                bytes.fromhex(p["iv"]),
                bytes.fromhex(p["ct"]),
                ad("inbox/part/v1", item, p["index"], 1 if p["final"] else 0),
            )
            for p in parts
        )
        opened[item] = (head, content)

    note, _ = opened[kept["note"]]
    assert {k: note[k] for k in ("v", "kind", "at", "parts", "text", "via")} == {
        "v": 1,
        "kind": "note",
        "at": 1_764_400_000_000,
        "parts": 0,
        "text": "marker-inbox-4b2e at the gate",
        "via": "capture",
    }
    assert note["sha256"] == hashlib.sha256(note["text"].encode()).hexdigest() == kept["noteSha"]
    head, content = opened[kept["file"]]
    assert content == bytes((i * 13) % 256 for i in range(2 * 1024 * 1024 + 777))
    assert (head["name"], head["type"], head["via"], head["parts"]) == (
        "shot.jpg",
        "image/jpeg",
        "share",
        3,
    )
    assert head["size"] == len(content)
    assert head["sha256"] == hashlib.sha256(content).hexdigest() == kept["fileSha"]
    assert "marker-inbox" not in json.dumps(storage) and "shot.jpg" not in json.dumps(storage)
