// @ts-check
// Keeping a capture while everything else is shut: a photo, a file or a line of text, sealed
// at once to the inbox's public key, so nothing readable is kept and nothing needs opening.
// Each capture gets its own ephemeral P-256 key: ECDH with the inbox's public key, HKDF-SHA256
// (salt: the ephemeral public key, info "inbox/key/v1") gives the AES-256-GCM key for its head
// (what it is, when it was taken, the SHA-256 of its bytes) and its parts (1 MiB each). Only
// the holder of the inbox's private key, kept under the data key, can open it (inbox/open.js).
// The page's capture screen and the worker's share handler both use this module, so it names
// nothing: the worker's files are fetched by every visitor. The format: docs/vault-format.md.
import { random, toBase64url, toHex, utf8 } from "../bytes.js";
import { DB_NAME } from "../disguise/durable.js";
import { Sha256 } from "../vault/sha256.js";
import { DB_VERSION, upgrade } from "../vault/schema.js";

/** @typedef {import("../bytes.js").Bytes} Bytes */

/**
 * A row of "inbox" (key: `[item, index]`). Index 0 is the capture's head (with `epk`, the
 * ephemeral public key); 1… are its parts, the last with `final`. The head is written with
 * the last part, so a capture exists only once all of it is stored.
 * @typedef {object} InboxRow
 * @property {string} item
 * @property {number} index
 * @property {Bytes} [epk]  the head's: the ephemeral public key, raw (65 bytes)
 * @property {boolean} [final]  a part's: the last one
 * @property {Bytes} iv
 * @property {Bytes} ct  AES-GCM ciphertext and tag
 */

/**
 * What a head holds, once opened.
 * @typedef {object} Head
 * @property {1} v
 * @property {"note" | "file"} kind
 * @property {number} at  when it was captured (ms since 1970, the phone's clock)
 * @property {number} size  the original bytes' length (a note's: its UTF-8)
 * @property {string} sha256  of the original bytes (a note's: its UTF-8), hex
 * @property {number} parts  how many parts follow (0 for a note)
 * @property {string} [name]  a file's name, as given
 * @property {string} [type]  a file's media type, as given
 * @property {string} [text]  a note's words
 * @property {string} [via]  how it came: "capture" or "share"
 */

export const PART_BYTES = 1024 * 1024;
// Small enough to hash in one native call (a phone's photo), large enough that most captures are.
const WHOLE_BYTES = 16 * 1024 * 1024;
const KEY_INFO = utf8("inbox/key/v1");
/** The "meta" entry counting captures that could not be kept (noteMissed). */
export const MISSED = "missed";
/** The Web Lock every writer of inbox parts shares (inbox/open.js reclaims only without it). */
export const WRITING = "inbox-parts";

/** @param {string} label @param {...(string | number)} fields */
const ad = (label, ...fields) => utf8([label, ...fields.map(String)].join("\0"));
/** @param {string} item */
export const headAd = (item) => ad("inbox/head/v1", item);
/** @param {string} item @param {number} index @param {boolean} final */
export const partAd = (item, index, final) => ad("inbox/part/v1", item, index, final ? 1 : 0);

/** Raised when there is nowhere to keep a capture: no inbox key here yet (never unlocked since). */
export class CannotKeepError extends Error {
  constructor() {
    super("This can't be kept here yet.");
    this.name = "CannotKeepError";
  }
}

/**
 * The AES key for one capture, from the inbox's public key and an ephemeral private key.
 * @param {CryptoKey} inboxPublic  ECDH P-256 public key
 * @param {CryptoKey} ephemeralPrivate
 * @param {Bytes} epk  the ephemeral public key, raw
 */
export async function itemKey(inboxPublic, ephemeralPrivate, epk) {
  const shared = await crypto.subtle.deriveBits({ name: "ECDH", public: inboxPublic }, ephemeralPrivate, 256);
  const base = await crypto.subtle.importKey("raw", shared, "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey({ name: "HKDF", hash: "SHA-256", salt: epk, info: KEY_INFO }, base, { name: "AES-GCM", length: 256 }, false, [
    "encrypt",
    "decrypt",
  ]);
}

/** @param {CryptoKey} key @param {BufferSource} plaintext @param {Bytes} additionalData */
async function encrypt(key, plaintext, additionalData) {
  const iv = random(12);
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData }, key, plaintext));
  return { iv, ct };
}

/**
 * Open the phone's database if it exists, brought to this version; null if there is none
 * (a stranger's browser: nothing is made) or it cannot be opened.
 * @returns {Promise<IDBDatabase | null>}
 */
async function openExisting() {
  const names = await indexedDB.databases?.().then(
    (list) => list.map((d) => d.name),
    () => null,
  );
  if (names && !names.includes(DB_NAME)) return null;
  return new Promise((resolve) => {
    const request = indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = (event) => {
      if (event.oldVersion === 0) request.transaction?.abort(); // it did not exist: make nothing
      else upgrade(request, event);
    };
    let given = false;
    /** @param {IDBDatabase | null} db */
    const give = (db) => {
      given = true;
      resolve(db);
    };
    request.onsuccess = () => {
      const db = request.result;
      // Blocked and given up on, then let through later: nobody waits for it now.
      if (given) return db.close();
      db.onversionchange = () => db.close();
      give(db);
    };
    request.onerror = (event) => {
      event.preventDefault();
      give(null);
    };
    // A page still holding the database at an older version, that does not let it go: do
    // not wait on it (a share's answer would wait); this capture cannot be kept.
    request.onblocked = () => give(null);
  });
}

/**
 * Run `work` on one store in one transaction; resolve when it completes.
 * @param {IDBDatabase} db
 * @param {"inbox" | "meta"} name
 * @param {IDBTransactionMode} mode
 * @param {(store: IDBObjectStore) => void} work
 * @param {IDBTransactionDurability} [durability]  "relaxed" only for parts the head's strict write completes
 */
function inTx(db, name, mode, work, durability = "strict") {
  return new Promise((resolve, reject) => {
    const t = db.transaction(name, mode, { durability });
    t.oncomplete = () => resolve(undefined);
    t.onabort = () => reject(t.error || new Error("The capture was not kept."));
    work(t.objectStore(name));
  });
}

/**
 * The inbox's public key, read from the clear "meta" store.
 * @param {IDBDatabase} db
 * @returns {Promise<CryptoKey>}
 * @throws {CannotKeepError}
 */
async function inboxKey(db) {
  /** @type {Bytes | undefined} */
  let raw;
  await inTx(db, "meta", "readonly", (store) => {
    const request = store.get("inbox");
    request.onsuccess = () => (raw = request.result);
  });
  if (!raw || !db.objectStoreNames.contains("inbox")) throw new CannotKeepError();
  return crypto.subtle.importKey("raw", raw, { name: "ECDH", namedCurve: "P-256" }, false, []);
}

/**
 * Begin a capture: the database, a new item id and its key.
 * @returns {Promise<{ db: IDBDatabase, item: string, key: CryptoKey, epk: Bytes }>}
 * @throws {CannotKeepError}
 */
async function begin() {
  const db = await openExisting();
  if (!db) throw new CannotKeepError();
  try {
    const inboxPublic = await inboxKey(db);
    const ephemeral = /** @type {CryptoKeyPair} */ (await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, false, ["deriveBits"]));
    const epk = new Uint8Array(await crypto.subtle.exportKey("raw", ephemeral.publicKey));
    const item = toBase64url(random(16));
    return { db, item, key: await itemKey(inboxPublic, ephemeral.privateKey, epk), epk };
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * Count captures that could not be kept (a share on a phone with no inbox key yet, a full
 * disk), so the person is told after the next unlock instead of never: a number in the clear
 * "meta" store, and nothing of what they were. Where there is no database, nothing is made.
 * @param {number} [count]
 */
export async function noteMissed(count = 1) {
  const db = await openExisting();
  if (!db) return;
  try {
    await inTx(db, "meta", "readwrite", (store) => {
      const request = store.get(MISSED);
      request.onsuccess = () => store.put((Number(request.result) || 0) + count, MISSED);
    });
  } catch {
    // a full disk may refuse even this; nothing more can be done here
  } finally {
    db.close();
  }
}

/** Whether a capture can be kept here now (the inbox's public key is here); makes nothing,
 * so a screen can say so before something is chosen rather than after. */
export async function canKeep() {
  const db = await openExisting();
  if (!db) return false;
  try {
    await inboxKey(db);
    return true;
  } catch {
    return false;
  } finally {
    db.close();
  }
}

/** Hold the shared writing lock while `write` runs (where Web Locks exist). @template T @param {() => Promise<T>} write */
function whileWriting(write) {
  return navigator.locks ? navigator.locks.request(WRITING, { mode: "shared" }, write) : write();
}

/**
 * Keep a few words, sealed. Resolves once they are stored.
 * @param {string} text
 * @param {{ at?: number, via?: string }} [options]
 * @returns {Promise<{ item: string, at: number, sha256: string }>}
 * @throws {CannotKeepError}
 */
export async function keepNote(text, { at = Date.now(), via = "capture" } = {}) {
  const bytes = utf8(text);
  const { db, item, key, epk } = await begin();
  try {
    const sha256 = toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
    /** @type {Head} */
    const head = { v: 1, kind: "note", at, size: bytes.length, sha256, parts: 0, text, via };
    const sealed = await encrypt(key, utf8(JSON.stringify(head)), headAd(item));
    await inTx(db, "inbox", "readwrite", (store) => void store.put({ item, index: 0, epk, ...sealed }));
    return { item, at, sha256 };
  } finally {
    db.close();
  }
}

/**
 * Keep a file, sealed in parts of 1 MiB, hashing its bytes as they pass. Resolves once all of
 * it is stored; on failure nothing of it stays readable (parts without a head are removed).
 * @param {Blob} blob
 * @param {{ name?: string, type?: string, at?: number, via?: string, progress?: (bytes: number) => void }} [options]
 * @returns {Promise<{ item: string, at: number, sha256: string, size: number }>}
 * @throws {CannotKeepError}
 */
export async function keepFile(blob, { name = "", type = blob.type, at = Date.now(), via = "capture", progress } = {}) {
  const { db, item, key, epk } = await begin();
  try {
    return await whileWriting(async () => {
      const parts = Math.max(1, Math.ceil(blob.size / PART_BYTES));
      const whole = blob.size <= WHOLE_BYTES ? new Uint8Array(await blob.arrayBuffer()) : null;
      const hashing = whole ? crypto.subtle.digest("SHA-256", whole) : null;
      const hasher = whole ? null : new Sha256();
      // A file read whole (a phone's photo) is written whole too: its parts go with the head,
      // in one transaction (a transaction for each part took about twice as long).
      /** @type {InboxRow[]} */
      const held = [];
      try {
        for (let index = 1; index <= parts; index++) {
          const start = (index - 1) * PART_BYTES;
          const end = Math.min(start + PART_BYTES, blob.size);
          const bytes = whole ? whole.subarray(start, end) : new Uint8Array(await blob.slice(start, end).arrayBuffer());
          hasher?.update(bytes);
          const final = index === parts;
          const sealed = await encrypt(key, bytes, partAd(item, index, final));
          if (!final && whole) {
            held.push({ item, index, final, ...sealed });
            progress?.(end);
            continue;
          }
          if (!final) {
            await inTx(db, "inbox", "readwrite", (store) => void store.put({ item, index, final, ...sealed }), "relaxed");
            progress?.(end);
            continue;
          }
          const sha256 = toHex(hashing ? new Uint8Array(await hashing) : /** @type {Sha256} */ (hasher).digest());
          /** @type {Head} */
          const head = { v: 1, kind: "file", at, size: blob.size, sha256, parts, name, type, via };
          const sealedHead = await encrypt(key, utf8(JSON.stringify(head)), headAd(item));
          // The last part and the head together: the capture exists only now.
          await inTx(db, "inbox", "readwrite", (store) => {
            for (const row of held) store.put(row);
            store.put({ item, index, final, ...sealed });
            store.put({ item, index: 0, epk, ...sealedHead });
          });
          progress?.(end);
          return { item, at, sha256, size: blob.size };
        }
        throw new Error("unreachable");
      } catch (error) {
        await inTx(db, "inbox", "readwrite", (store) => void store.delete(IDBKeyRange.bound([item, 0], [item, Infinity]))).catch(() => {});
        throw error;
      }
    });
  } finally {
    db.close();
  }
}
