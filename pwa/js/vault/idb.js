// @ts-check
// IndexedDB, wrapped once: requests as promises, and a write that is done only when its
// transaction completes. Encrypt before calling tx(): a transaction closes on any
// unrelated await, so the callback must only issue requests.
import { DB_NAME } from "../disguise/durable.js";
import { PlainError, isQuota } from "../errors.js";
import { clearParts, isOpfsPart, partBlob } from "./opfs.js";
import { DB_VERSION, upgrade } from "./schema.js";

export { DB_NAME };

// --- the stores' rows, typed once (as idb's DBSchema names each store, its key and value) ---

/**
 * A row of "records" (key: `id`; index "kind"): one value, encrypted. In clear only what the
 * store needs to find it; the ciphertext's additional data binds it to kind, id and version.
 * @typedef {object} RecordRow
 * @property {string} id
 * @property {string} kind     "event", "file", "chain", "draft", "receipt", …
 * @property {number} version  1 when made, one more at each write
 * @property {import("../bytes.js").Bytes} iv
 * @property {import("../bytes.js").Bytes} ct   AES-GCM ciphertext and tag
 */

/**
 * A row of "chunks" (key: `[file, index]`): one part of a file, about 1 MiB before
 * encryption; the file's "records" row is written with its final part.
 * @typedef {object} ChunkRow
 * @property {string} file     the file's record id
 * @property {number} index    from 0
 * @property {boolean} final   the file's last part
 * @property {import("../bytes.js").Bytes} iv
 * @property {StoredPart} ct   the ciphertext: a Blob (bytes where Blobs are refused), or where
 *   it lies in the private file system (a large file stored by a worker)
 */

/**
 * A file part's ciphertext as kept: a Blob, which leaves the page's memory at once; or its
 * bytes, where IndexedDB refuses Blobs (see blobsRefused).
 * @typedef {Blob | import("../bytes.js").Bytes} StoredPart
 */

/**
 * What "meta" holds (out-of-line keys, values in clear: nothing secret), by key.
 * @typedef {object} MetaValues
 * @property {import("./keys.js").VaultMeta} vault  the key slots
 * @property {{ failures: number, until: number }} throttle  failed unlocks, and the wait
 * @property {number} wipeAfter  wipe after this many failed unlocks (0: never)
 * @property {CopyState} copy  the server copy's own state (sync/copy.js)
 * @property {import("../disguise/prefs.js").Prefs} prefs  the disguise's prefs (its look, the
 *   code's salted hash, quick exit's settings), kept a second time beside the vault so that
 *   they survive a crash that loses localStorage's late write (disguise/durable.js)
 * @property {boolean} privateTabTold  the person has read that a private tab forgets all (views/private-tab.js)
 * @property {number} missed  captures that could not be kept (a share with no inbox key yet, a
 *   full disk), to tell the person at the next unlock (inbox/seal.js noteMissed)
 * @property {import("../bytes.js").Bytes} inbox  the inbox's public key (raw P-256 point), for
 *   captures made while locked (inbox/seal.js); its private key is a record, under the data key
 */

/** @typedef {{ on: boolean, signedIn: boolean, last: number | null }} CopyState */

/**
 * Every store, its key and its value.
 * @typedef {object} Schema
 * @property {{ key: string, value: RecordRow, indexes: { kind: string } }} records
 * @property {{ key: [file: string, index: number], value: ChunkRow }} chunks
 * @property {{ key: keyof MetaValues, value: MetaValues[keyof MetaValues] }} meta
 * @property {{ key: [item: string, index: number], value: import("../inbox/seal.js").InboxRow }} inbox
 * @property {{ key: string | number, value: number | import("./changes.js").Since }} changes  the change
 *   list (vault/changes.js): a record's id → the write that last noted it; two number keys for
 *   its own bookkeeping. Ids and counters only
 */

export { DB_VERSION };

/** Raised when the phone's storage is full; what was being saved is kept by the caller. */
export class StorageFullError extends PlainError {
  constructor() {
    super("This phone's storage is full, so nothing new could be saved. What you entered is still here: free some space, then try again.");
    this.name = "StorageFullError";
  }
}

/** @type {Promise<IDBDatabase> | null} */
let opening = null;

/** @type {Set<(stores: string[]) => void>} */
const writeListeners = new Set();

/**
 * Call `listener` after every completed write, with the stores it wrote (for the server
 * copy, which follows the store). Writes made with `quiet` are left out.
 * @param {(stores: string[]) => void} listener
 */
export function onWrite(listener) {
  writeListeners.add(listener);
  return () => writeListeners.delete(listener);
}

/** Open (and upgrade) the database once per page. */
export function db() {
  opening ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = (event) => upgrade(request, event);
    request.onsuccess = () => {
      const database = request.result;
      // Another tab (or a wipe) wants the database: let it go, reopen on next use.
      database.onversionchange = () => {
        database.close();
        opening = null;
      };
      resolve(database);
    };
    request.onerror = () => reject(request.error);
    request.onblocked = () => reject(new PlainError("The app is open in another window. Close it and try again."));
  });
  opening.catch(() => {
    opening = null;
  });
  return opening;
}

/**
 * Turn one request into a promise.
 * @template T
 * @param {IDBRequest<T>} request
 * @returns {Promise<T>}
 */
export function req(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/**
 * Run `work` in one transaction; resolve with its result only when the transaction
 * completes (so a write is durable), reject if it aborts. A full disk is a StorageFullError.
 * @template T
 * @param {string | string[]} stores
 * @param {IDBTransactionMode} mode
 * @param {(tx: IDBTransaction) => T | Promise<T>} work  issue requests only; no other awaits
 * @param {{ durability?: IDBTransactionDurability, quiet?: boolean }} [options] durability:
 *   "relaxed" only for writes that a later strict transaction completes (the middle parts of
 *   a file); quiet: onWrite listeners are not told (the server copy's own bookkeeping)
 * @returns {Promise<T>}
 */
export async function tx(stores, mode, work, { durability = mode === "readwrite" ? "strict" : "default", quiet = false } = {}) {
  const database = await db();
  return new Promise((resolve, reject) => {
    const transaction = database.transaction(stores, mode, { durability });
    /** @type {T} */
    let result;
    const fail = (/** @type {any} */ error) => reject(isQuota(error) ? new StorageFullError() : error);
    transaction.oncomplete = () => {
      resolve(result);
      if (mode === "readwrite" && !quiet) told([stores].flat());
    };
    transaction.onabort = () => fail(transaction.error || new PlainError("The save was interrupted."));
    Promise.resolve()
      .then(() => work(transaction))
      .then(
        (value) => {
          result = value;
        },
        (error) => {
          try {
            transaction.abort();
          } catch {
            // already finished
          }
          fail(error);
        },
      );
  });
}

/** @param {string[]} stores */
function told(stores) {
  for (const listener of writeListeners) {
    try {
      listener(stores);
    } catch (error) {
      console.error("write listener failed", error);
    }
  }
}


// --- file parts: Blobs, or bytes where Blobs are refused ------------------------------------

/** @type {Promise<boolean> | null} */
let refusing = null;

/**
 * Whether IndexedDB refuses Blob values here, as WebKit does with ephemeral storage (Safari's
 * Private Browsing: "Error preparing Blob/File data to be stored", webkit.org bug 156347).
 * Found once per page, by putting a one-byte Blob in a transaction that is then aborted, so
 * nothing is written.
 * @returns {Promise<boolean>}
 */
export function blobsRefused() {
  refusing ??= db().then(
    (database) =>
      new Promise((resolve) => {
        const t = database.transaction("chunks", "readwrite");
        // Refused, unless the disk is full (that is said when a real write fails). After our
        // own abort below, this is already resolved.
        t.onabort = () => resolve(!isQuota(t.error));
        const probe = { file: "", index: -1, final: false, iv: new Uint8Array(12), ct: new Blob([new Uint8Array(1)]) };
        try {
          t.objectStore("chunks").put(probe).onsuccess = () => {
            resolve(false);
            t.abort();
          };
        } catch {
          resolve(true); // refused at once
          t.abort();
        }
      }),
  );
  refusing.catch(() => {
    refusing = null;
  });
  return refusing;
}

/**
 * A part's ciphertext in the form this browser keeps: a Blob, or bytes where Blobs are
 * refused. Call it before the transaction opens (it may read a Blob).
 * @param {Blob | import("../bytes.js").Bytes} ct
 * @returns {Promise<Blob | import("../bytes.js").Bytes>}
 */
export async function storable(ct) {
  if (await blobsRefused()) return ct instanceof Blob ? new Uint8Array(await ct.arrayBuffer()) : ct;
  return ct instanceof Blob ? ct : new Blob([ct]);
}

/**
 * A stored part's ciphertext as something to send or put in a file without reading it
 * first: the stored Blob or bytes, or a Blob of its place in the private file system.
 * @param {StoredPart} ct
 * @returns {Promise<Blob | import("../bytes.js").Bytes>}
 * @throws {DOMException} NotFoundError: its file's parts are gone from the private file system
 */
export async function partBody(ct) {
  return isOpfsPart(ct) ? partBlob(ct) : ct;
}

/** A stored part's ciphertext as bytes. @param {StoredPart} ct */
export async function partBytes(ct) {
  const body = await partBody(ct);
  return body instanceof Blob ? new Uint8Array(await body.arrayBuffer()) : body;
}

/** A stored part's size in bytes. @param {StoredPart} ct */
export function partSize(ct) {
  if (isOpfsPart(ct)) return ct.size;
  return ct instanceof Blob ? ct.size : ct.byteLength;
}

/** Close the connection (before deleting the database). */
export async function close() {
  if (!opening) return;
  const database = await opening.catch(() => null);
  database?.close();
  opening = null;
}

/**
 * Delete the whole database: every record, file chunk and key slot; then the parts kept in
 * the private file system (the key slots gone first, whatever is left there opens for no one).
 */
export async function destroy() {
  await close();
  await new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(DB_NAME);
    request.onsuccess = () => resolve(undefined);
    request.onerror = () => reject(request.error);
    request.onblocked = () => resolve(undefined); // completes once other tabs close
  });
  // Best effort: the key slots are gone, so whatever is left opens for no one, and the
  // next start with no diary clears it (app.js).
  await clearParts().catch(() => {});
}
