// @ts-check
// The module every feature stores through: encrypted records and chunked files.
// In clear only what the store needs to find a record: id, kind, version. Every write notes
// the ids it changed on the change list, in its own transaction (changes.js).
import { PlainError, isQuota } from "../errors.js";
import { fromUtf8, random, toBase64url, toHex, utf8 } from "./bytes.js";
import { note } from "./changes.js";
import { TamperedError, ad, chunkAd, open, seal } from "./crypto.js";
import { StorageFullError, partBytes, req, storable, tx } from "./idb.js";
import { storeInWorker } from "./large-files.js";
import { removeParts } from "./opfs.js";
import { dataKey } from "./keys.js";
import { whileWriting } from "./orphans.js";
import { startHash } from "./hashing.js";

/** @typedef {import("./bytes.js").Bytes} Bytes */

export const CHUNK_BYTES = 1024 * 1024;
// Parts per transaction, and transactions under way while the next parts are sealed.
const PARTS_PER_WRITE = 4;
const WRITES_IN_FLIGHT = 1;

/** @param {string} kind @param {string} id @param {number} version */
export const recordAd = (kind, id, version) => ad("cairn/record/v1", kind, id, version);
export { chunkAd };

/**
 * Kinds of record that stay on this phone: caches of what the log says (the diary's
 * snapshot). Backups and the server copy leave them out; each phone makes its own.
 */
export const LOCAL_KINDS = new Set(["snapshot"]);

/** A new random id for a record or file. */
export function newId() {
  return toBase64url(random(12));
}

/**
 * The version each record that only caches the log here (LOCAL_KINDS: the diary's snapshot,
 * megabytes) was last seen at (read, written, or found missing: 0), by id, so that its write
 * need not read it first. Ids and versions only, which the store keeps in clear anyway; a
 * write checks the version again in its own transaction, so a stale one costs a retry,
 * never a record. Every other record is read first (remembering drafts' versions kept a
 * page out of the back/forward cache).
 * @type {Map<string, number>}
 */
const seen = new Map();

/** Remember a local record's version (others are not kept). @param {string} kind @param {string} id @param {number} version */
function remember(kind, id, version) {
  if (LOCAL_KINDS.has(kind)) seen.set(id, version);
}

/**
 * Store `value` (anything JSON can hold) as record `id` of `kind`, encrypted. Resolves only
 * when the transaction completes. Returns the record's new version.
 * @param {string} kind
 * @param {string} id
 * @param {unknown} value
 * @param {{ key?: CryptoKey, replaces?: string[], quiet?: boolean }} [options] key: the data key taken earlier,
 *   for a save that must finish even if the vault locks meanwhile (a draft kept on lock);
 *   replaces: records of the same kind deleted in the same transaction (a draft moved to a
 *   new id), so a crash leaves either the old records or the new one; quiet: the server
 *   copy is not told (a record it leaves out, such as the diary's snapshot)
 * @returns {Promise<number>}
 * @throws {import("./idb.js").StorageFullError}
 */
export function put(kind, id, value, options) {
  return putBytes(kind, id, utf8(JSON.stringify(value)), options);
}

/**
 * put(), for a value already made into JSON as UTF-8 (the diary's snapshot, made a slice at
 * a time).
 * @param {string} kind
 * @param {string} id
 * @param {Bytes} plaintext  JSON, UTF-8
 * @param {{ key?: CryptoKey, replaces?: string[], quiet?: boolean }} [options] as put()'s
 * @returns {Promise<number>}
 * @throws {import("./idb.js").StorageFullError}
 */
export async function putBytes(kind, id, plaintext, { key = dataKey(), replaces = [], quiet = false } = {}) {
  // The version this write makes: one more than the record's as last seen here, or as read now.
  let before = seen.get(id) ?? (await versionOf(kind, id));
  for (let attempt = 0; ; attempt++) {
    const version = before + 1;
    // Encrypt before the readwrite transaction opens: it would close on this await.
    const { iv, ct } = await seal(key, plaintext, recordAd(kind, id, version));
    const found = await tx(["records", "changes"], "readwrite", async (t) => {
      const store = t.objectStore("records");
      const now = await req(store.get(id));
      if (now && now.kind !== kind) throw new Error(`Record ${id} is a ${now.kind}, not a ${kind}.`);
      if ((now?.version || 0) !== version - 1) return now?.version || 0; // written meanwhile: try again
      await removeIn(store, replaces.map((other) => ({ kind, id: other })));
      store.put({ id, kind, version, iv, ct });
      // What only caches the log here is never sent anywhere: not on the change list.
      if (!LOCAL_KINDS.has(kind)) await note(t, [id, ...replaces]);
      return null;
    }, { quiet });
    if (found === null) {
      remember(kind, id, version);
      for (const other of replaces) seen.delete(other);
      return version;
    }
    seen.delete(id);
    before = found;
    if (attempt > 5) throw new PlainError("The record kept changing while it was being saved.");
  }
}

/** A record's version as stored now (0: none), read for a write. @param {string} kind @param {string} id */
async function versionOf(kind, id) {
  const current = await tx("records", "readonly", (t) => req(t.objectStore("records").get(id)));
  if (current && current.kind !== kind) throw new Error(`Record ${id} is a ${current.kind}, not a ${kind}.`);
  return current?.version || 0;
}

/** @param {import("./idb.js").RecordRow} row */
async function decrypt(row) {
  const bytes = await open(dataKey(), row, recordAd(row.kind, row.id, row.version), `Record ${row.id}`);
  return JSON.parse(fromUtf8(bytes));
}

/**
 * Read and decrypt one record, or undefined if there is none.
 * @param {string} kind
 * @param {string} id
 * @throws {import("./crypto.js").TamperedError} altered, swapped or replayed into another place
 */
export async function get(kind, id) {
  dataKey();
  const row = await tx("records", "readonly", (t) => req(t.objectStore("records").get(id)));
  if (!row) {
    remember(kind, id, 0);
    return undefined;
  }
  if (row.kind !== kind) throw new Error(`Record ${id} is a ${row.kind}, not a ${kind}.`);
  remember(kind, id, row.version); // before it opens: an altered record is written over at the next version
  return decrypt(row);
}

/**
 * Every record of a kind, decrypted, as {id, version, value}.
 * @param {string} kind
 */
export async function list(kind) {
  const found = await rows(kind);
  return Promise.all(found.map(async (row) => ({ id: row.id, version: row.version, value: await decrypt(row) })));
}

/**
 * Write several records in one transaction: all are stored or none. Each write names the
 * version it expects to replace (0 for a new record); if any record changed meanwhile,
 * nothing is written and a ConflictError is raised.
 * @param {{ kind: string, id: string, value: unknown, expect: number }[]} writes
 * @param {{ remove?: { kind: string, id: string }[] }} [options] remove: records deleted in the
 *   same transaction (the drafts an entry was saved from), so a crash never leaves both
 * @throws {ConflictError}
 * @throws {import("./idb.js").StorageFullError}
 */
export async function putAll(writes, { remove = [] } = {}) {
  const key = dataKey();
  const sealed = await Promise.all(
    writes.map(async ({ kind, id, value, expect }) => ({
      kind,
      id,
      expect,
      ...(await seal(key, utf8(JSON.stringify(value)), recordAd(kind, id, expect + 1))),
    })),
  );
  await tx(["records", "changes"], "readwrite", async (t) => {
    const store = t.objectStore("records");
    const now = await Promise.all(sealed.map((w) => req(store.get(w.id))));
    sealed.forEach((w, i) => {
      if ((now[i]?.version || 0) !== w.expect || (now[i] && now[i].kind !== w.kind)) throw new ConflictError();
    });
    await removeIn(store, remove);
    for (const w of sealed) store.put({ id: w.id, kind: w.kind, version: w.expect + 1, iv: w.iv, ct: w.ct });
    await note(t, [...sealed.map((w) => w.id), ...remove.map((r) => r.id)]);
  });
  for (const w of sealed) remember(w.kind, w.id, w.expect + 1);
  for (const r of remove) seen.delete(r.id);
}

/**
 * Delete records inside a readwrite transaction; one that is missing is already gone.
 * @param {IDBObjectStore} store
 * @param {{ kind: string, id: string }[]} list
 * @throws {Error} when a record is of another kind (the transaction is aborted)
 */
async function removeIn(store, list) {
  for (const { id } of list) seen.delete(id);
  const rows = await Promise.all(list.map(({ id }) => req(store.get(id))));
  list.forEach(({ kind, id }, i) => {
    if (rows[i] && rows[i].kind !== kind) throw new Error(`Record ${id} is a ${rows[i].kind}, not a ${kind}.`);
    store.delete(id);
  });
}

/** Raised by putAll when a record changed since it was read (another window wrote it). */
export class ConflictError extends PlainError {
  constructor() {
    super("The diary changed in another window while this was being saved. Try again.");
    this.name = "ConflictError";
  }
}

/**
 * Every record of a kind with its version, still encrypted; decrypt with openRow().
 * For callers that decrypt in batches.
 * @param {string} kind
 */
export async function rows(kind) {
  dataKey();
  /** @type {import("./idb.js").RecordRow[]} */
  const found = await tx("records", "readonly", (t) => req(t.objectStore("records").index("kind").getAll(kind)));
  return found;
}

/**
 * rows(kind), a page at a time, each page read in a transaction of its own, in id order: the
 * page is never held by one huge read (tens of megabytes for a big diary's log, deserialised
 * in one task), and a reader that stops early (the vault locked) reads no more. The same
 * rows as rows(kind): every id the kind's index names when the first page is read.
 * @param {string} kind
 * @param {number} [count] rows a page
 * @returns {AsyncGenerator<import("./idb.js").RecordRow[]>}
 */
export async function* rowPages(kind, count = 2000) {
  dataKey();
  // In id order: an index lists the records under one key by their own keys.
  const ids = /** @type {string[]} */ (await tx("records", "readonly", (t) => req(t.objectStore("records").index("kind").getAllKeys(kind))));
  for (let i = 0; i < ids.length; i += count) {
    const range = IDBKeyRange.bound(ids[i], ids[Math.min(i + count, ids.length) - 1]);
    /** @type {import("./idb.js").RecordRow[]} */
    const page = await tx("records", "readonly", (t) => req(t.objectStore("records").getAll(range)));
    yield page.filter((row) => row.kind === kind);
  }
}

/** Decrypt one row from rows(). @param {import("./idb.js").RecordRow} row */
export function openRow(row) {
  return decrypt(row);
}

/** Delete records of a kind, together. @param {string} kind @param {string[]} ids */
export async function remove(kind, ...ids) {
  await tx(["records", "changes"], "readwrite", async (t) => {
    await removeIn(t.objectStore("records"), ids.map((id) => ({ kind, id })));
    await note(t, ids);
  });
}

// --- files ----------------------------------------------------------------------------------

/**
 * Encrypt a file into the vault in ~1 MiB chunks, so memory stays flat whatever the size.
 * The file's record (kind "file": size, chunk count, `meta`) is written with the last chunk,
 * so a file exists only once all of it is stored. A Blob of more than one part (a picked
 * photo or video) is stored by a worker into the private file system where the browser has
 * one (large-files.js); a stream, a small Blob, or a browser without it, by the page into
 * IndexedDB.
 * @param {ReadableStream<Bytes> | Blob} source
 * @param {Record<string, unknown>} [meta] name, type, …
 * @param {(bytes: number) => void} [progress]
 * @param {{ hash?: boolean }} [options] hash: take the SHA-256 of the original bytes as they
 *   pass (stored in the file's record as `sha256`, hex)
 * @returns {Promise<{ id: string, size: number, chunks: number, sha256?: string }>}
 */
export function putFile(source, meta = {}, progress, options = {}) {
  // Held until the file's record is written: its parts are not orphans, whatever tab unlocks.
  return whileWriting(async () => {
    if (source instanceof Blob && source.size > CHUNK_BYTES) {
      const stored = await writeFileInWorker(source, meta, progress, options);
      if (stored) return stored;
    }
    return writeFile(source instanceof Blob ? source.stream() : source, meta, progress, options);
  });
}

/**
 * putFile's work in the worker: the parts go to the private file system, then their rows
 * (where each lies, its IV) and the file's record are written together. Null where this
 * browser cannot (nothing is left behind).
 * @param {Blob} blob
 * @param {Record<string, unknown>} meta
 * @param {((bytes: number) => void) | undefined} progress
 * @param {{ hash?: boolean }} options
 * @returns {Promise<{ id: string, size: number, chunks: number, sha256?: string } | null>}
 */
async function writeFileInWorker(blob, meta, progress, { hash = false }) {
  const key = dataKey();
  const id = newId();
  let written = null;
  try {
    written = await storeInWorker(blob, id, key, { hash, chunk: CHUNK_BYTES, progress });
  } catch (error) {
    // A full disk, locked meanwhile, or the picked file itself unreadable: said as it is.
    // Anything else the worker met: the page stores the file itself.
    const name = /** @type {Error} */ (error).name;
    if (isQuota(error) || name === "LockedError" || name === "NotReadableError" || name === "NotFoundError") {
      await removeParts(id).catch(() => {});
      throw isQuota(error) ? new StorageFullError() : error;
    }
  }
  if (!written) {
    await removeParts(id).catch(() => {}); // a worker that broke may have begun
    return null;
  }
  const { parts, size, sha256 } = written;
  const info = { ...meta, size, chunks: parts.length, ...(sha256 ? { sha256 } : {}) };
  try {
    // Every part is on disk and flushed: now their rows and the file's record, together.
    const record = await seal(key, utf8(JSON.stringify(info)), recordAd("file", id, 1));
    await tx(["chunks", "records", "changes"], "readwrite", async (t) => {
      const chunks = t.objectStore("chunks");
      for (const { index, final, iv, at, size: bytes } of parts) chunks.put({ file: id, index, final, iv, ct: { opfs: id, at, size: bytes } });
      t.objectStore("records").put({ id, kind: "file", version: 1, ...record });
      await note(t, [id]);
    });
  } catch (error) {
    await removeParts(id).catch(() => {});
    throw error;
  }
  progress?.(size);
  return { id, size, chunks: parts.length, ...(sha256 ? { sha256 } : {}) };
}

/**
 * putFile's work, under the lock. Parts are sealed as they fill, and written a few to a
 * transaction (one transaction per part made IndexedDB the slowest step), with at most
 * WRITES_IN_FLIGHT transactions and one batch being sealed at a time: memory stays flat.
 * @param {ReadableStream<Bytes>} stream
 * @param {Record<string, unknown>} meta
 * @param {((bytes: number) => void) | undefined} progress
 * @param {{ hash?: boolean }} options
 * @returns {Promise<{ id: string, size: number, chunks: number, sha256?: string }>}
 */
async function writeFile(stream, meta, progress, { hash = false }) {
  const key = dataKey();
  const id = newId();
  const reader = stream.getReader();
  const hasher = hash ? startHash() : null;
  // One buffer for the whole file: WebCrypto copies its input when encrypt() is called, so
  // the buffer can be refilled while that part is still being encrypted and written.
  const buffer = new Uint8Array(CHUNK_BYTES);
  let filled = 0;
  let index = 0;
  let size = 0;
  let written = 0;
  /** @type {Promise<SealedPart>[]} parts sealed (or being sealed) for the next write */
  let batch = [];
  /** @type {Promise<number>[]} writes under way, each resolving to the bytes it stored */
  const writes = [];
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      let offset = 0;
      while (offset < value.length) {
        const take = Math.min(CHUNK_BYTES - filled, value.length - offset);
        buffer.set(value.subarray(offset, offset + take), filled);
        filled += take;
        offset += take;
        if (filled < CHUNK_BYTES) continue;
        batch.push(sealPart(key, id, index, buffer, false));
        // The hash copies the part too, and waits only if it falls behind.
        await hasher?.update(buffer);
        index += 1;
        size += filled;
        filled = 0;
        if (batch.length < PARTS_PER_WRITE) continue;
        writes.push(writeParts(id, batch));
        batch = [];
        // A few parts at a time, whatever the file's size: memory stays flat.
        if (writes.length > WRITES_IN_FLIGHT) {
          written += await /** @type {Promise<number>} */ (writes.shift());
          progress?.(written);
        }
      }
    }
    size += filled;
    batch.push(sealPart(key, id, index, buffer.subarray(0, filled), true));
    await hasher?.update(buffer.subarray(0, filled));
    const sha256 = hasher ? toHex(await hasher.digest()) : undefined;
    const info = { ...meta, size, chunks: index + 1, ...(sha256 ? { sha256 } : {}) };
    const record = await seal(key, utf8(JSON.stringify(info)), recordAd("file", id, 1));
    const parts = await Promise.all(batch);
    await Promise.all(writes);
    // The last parts and the file's record together, durably: the file exists only now.
    await tx(["chunks", "records", "changes"], "readwrite", async (t) => {
      const chunks = t.objectStore("chunks");
      for (const part of parts) chunks.put({ file: id, ...part });
      t.objectStore("records").put({ id, kind: "file", version: 1, ...record });
      await note(t, [id]);
    });
    progress?.(size);
    return { id, size, chunks: index + 1, ...(sha256 ? { sha256 } : {}) };
  } catch (error) {
    await Promise.allSettled([...writes, ...batch]);
    await removeChunks(id).catch(() => {});
    throw error;
  } finally {
    reader.releaseLock();
    hasher?.close();
  }
}

/** @typedef {{ index: number, final: boolean, iv: Bytes, ct: import("./idb.js").StoredPart }} SealedPart */

/**
 * Encrypt one part and turn its ciphertext into what this browser stores (a Blob leaves the
 * page's memory at once). `bytes` is copied before this returns, so it may be refilled.
 * @param {CryptoKey} key @param {string} id @param {number} index @param {Bytes} bytes @param {boolean} final
 * @returns {Promise<SealedPart>}
 */
function sealPart(key, id, index, bytes, final) {
  return seal(key, bytes, chunkAd(id, index, final)).then(async ({ iv, ct }) => ({ index, final, iv, ct: await storable(ct) }));
}

/**
 * Write sealed middle parts of a file in one transaction. Relaxed: the file's strict last
 * transaction makes them durable. Resolves to the plaintext bytes they hold.
 * @param {string} id @param {Promise<SealedPart>[]} sealing
 */
async function writeParts(id, sealing) {
  const parts = await Promise.all(sealing);
  await tx(
    "chunks",
    "readwrite",
    (t) => {
      const chunks = t.objectStore("chunks");
      for (const part of parts) chunks.put({ file: id, ...part });
    },
    { durability: "relaxed" },
  );
  return parts.length * CHUNK_BYTES;
}

/**
 * Read a stored file back as a stream of decrypted chunks, checking order and completeness.
 * @param {string} id
 * @returns {ReadableStream<Bytes>}
 */
export function readFile(id) {
  let index = 0;
  let finished = false;
  return new ReadableStream({
    async pull(controller) {
      if (finished) return controller.close();
      const row = await tx("chunks", "readonly", (t) => req(t.objectStore("chunks").get([id, index])));
      if (!row) {
        controller.error(new TamperedError(`File ${id} is incomplete: a part is missing, and it`));
        return;
      }
      try {
        const ct = await partBytes(row.ct).catch((error) => {
          if (error.name === "NotFoundError") throw new TamperedError(`File ${id} is incomplete: a part is missing, and it`);
          throw error;
        });
        const bytes = await open(dataKey(), { iv: row.iv, ct }, chunkAd(id, index, row.final), `Part ${index} of file ${id}`);
        controller.enqueue(bytes);
      } catch (error) {
        controller.error(error);
        return;
      }
      index += 1;
      if (row.final) {
        finished = true;
        controller.close();
      }
    },
  });
}

/** Delete a file's record and every chunk, together. @param {string} id */
export async function removeFile(id) {
  await tx(["chunks", "records", "changes"], "readwrite", async (t) => {
    t.objectStore("chunks").delete(IDBKeyRange.bound([id, 0], [id, Infinity]));
    t.objectStore("records").delete(id);
    await note(t, [id]);
  });
  // Its parts in the private file system, if any; if this fails, the next unlock's sweep
  // removes them (they belong to no record now).
  await removeParts(id).catch(() => {});
}

/** @param {string} id */
async function removeChunks(id) {
  await tx("chunks", "readwrite", (t) => {
    t.objectStore("chunks").delete(IDBKeyRange.bound([id, 0], [id, Infinity]));
  });
}

// --- storage --------------------------------------------------------------------------------

/** Ask the browser to keep this site's storage under pressure. Resolves to whether it will. */
export async function persist() {
  if (!navigator.storage?.persist) return false;
  return (await navigator.storage.persisted()) || navigator.storage.persist();
}

/** How much this site stores and may store, in bytes. */
export async function usage() {
  const { usage: used = 0, quota = 0 } = (await navigator.storage?.estimate?.()) || {};
  return { used, quota, persisted: Boolean(await navigator.storage?.persisted?.()) };
}
