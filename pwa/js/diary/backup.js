// @ts-check
// The encrypted backup file: the vault's records and file parts exactly as stored (still
// encrypted under the data key), the data key wrapped for a passphrase (and the passkey
// slots), and a sealed ending that holds the hash of every frame's description. Making one
// decrypts and reads nothing. Reading one goes through the file twice: first to check
// everything (the passphrase, every ciphertext, the ending's hash, the chain, every file
// complete), then to write, so a bad file changes nothing. The format is in
// docs/vault-format.md.
import { fromBase64url, fromUtf8, toBase64url, toHex, utf8 } from "../vault/bytes.js";
import { TamperedError, ad, open, passphraseKek, seal, unwrapDataKey } from "../vault/crypto.js";
import { destroy, req, tx } from "../vault/idb.js";
import { Sha256 } from "../vault/sha256.js";
import * as keys from "../vault/keys.js";
import * as records from "../vault/records.js";
import * as log from "./log.js";

// The file's first 8 bytes and its header's format name say nothing of what it holds: the
// file may be found on a memory stick or in a phone's downloads. Files made before this
// (a user may still hold one) began "CAIRNBK1" with format "cairn-backup/1"; both are read.
export const FORMAT = "sealed/2";
const MAGIC = utf8("SEALBOX2");
/** What older files begin with, and the format name each beginning goes with. */
const FORMATS = new Map([
  ["SEALBOX2", FORMAT],
  ["CAIRNBK1", "cairn-backup/1"],
]);
const END_AD = ad("cairn/backup/v1", "end");
/** No frame's description is longer than this; a longer one means the file is not ours. */
const MAX_HEAD = 64 * 1024;

/** Why a backup file could not be used. Nothing was changed when this is raised. */
export class BackupError extends Error {
  /** @param {"not-backup" | "newer" | "wrong-passphrase" | "wrong-key" | "incomplete" | "altered"} reason @param {string} message */
  constructor(reason, message) {
    super(message);
    this.name = "BackupError";
    this.reason = reason;
  }
}

const NOT_BACKUP = () => new BackupError("not-backup", "This file is not a backup made by this app. Nothing was changed.");
const INCOMPLETE = () =>
  new BackupError("incomplete", "This backup file is incomplete: it was probably cut short while it was saved or copied. Nothing was changed.");
const ALTERED = () =>
  new BackupError("altered", "This backup file was changed or damaged after it was made, so it cannot be trusted. Nothing was changed.");

/**
 * @typedef {{ t: "header", format: string, made: number, slots: object[] }
 *   | { t: "record", id: string, kind: string, version: number, iv: string, n: number }
 *   | { t: "chunk", file: string, index: number, final: boolean, iv: string, n: number }
 *   | { t: "end", iv: string, n: number }} Head
 * @typedef {{ head: Head, framing: Uint8Array, start: number, n: number }} Frame
 *   framing: the length and description, as in the file; start: where the body begins
 */

// --- making -------------------------------------------------------------------------------

/** The length and description of one frame. @param {object} head */
function framing(head) {
  const text = utf8(JSON.stringify(head));
  const out = new Uint8Array(4 + text.length);
  new DataView(out.buffer).setUint32(0, text.length);
  out.set(text, 4);
  return out;
}

/**
 * Make the backup file of the whole vault: every record and every file, as stored.
 * @param {{ passphrase?: string, progress?: (done: number, total: number) => void }} [options]
 *   passphrase: a separate one for this file; without it the recovery passphrase opens it
 * @returns {Promise<Blob>}
 */
export async function makeBackup({ passphrase, progress } = {}) {
  const key = keys.dataKey();
  const slots = await keys.backupSlots(passphrase);
  // One read of both stores: the file is one moment's vault, even if another window writes.
  // File parts come as Blobs on disk; the file is put together from them without reading them.
  const { rows, parts } = await tx(["records", "chunks"], "readonly", async (t) => {
    const [rows, parts] = await Promise.all([req(t.objectStore("records").getAll()), req(t.objectStore("chunks").getAll())]);
    return { rows, parts };
  });
  const files = new Set(rows.filter((r) => r.kind === "file").map((r) => r.id));
  const kept = parts.filter((p) => files.has(p.file)); // parts of a file never finished are left out
  const total = rows.reduce((sum, r) => sum + r.ct.length, 0) + kept.reduce((sum, p) => sum + p.ct.size, 0);
  let done = 0;

  /** @type {BlobPart[]} */
  const out = [MAGIC];
  // The ending seals the hash of every frame's length and description. Each description
  // names its body's IV, and each body opens only under the data key with that IV and its
  // own additional data, so the bodies need no hash of their own: making the file reads none.
  const hasher = new Sha256();
  let count = 0;
  /** @param {object} head @param {import("../vault/bytes.js").Bytes | Blob} [body] */
  const frame = (head, body) => {
    const size = body ? (body instanceof Blob ? body.size : body.length) : 0;
    const f = framing({ ...head, n: size });
    hasher.update(f);
    count += 1;
    out.push(f);
    if (body) out.push(body); // a stored Blob goes in as itself: its bytes stay on disk
    done += size;
    if (count % 200 === 0) progress?.(done, total);
  };

  frame({ t: "header", format: FORMAT, made: Date.now(), slots: slots.map(keys.slotToJson) });
  for (const r of rows) frame({ t: "record", id: r.id, kind: r.kind, version: r.version, iv: toBase64url(r.iv) }, r.ct);
  for (const p of kept) frame({ t: "chunk", file: p.file, index: p.index, final: p.final, iv: toBase64url(p.iv) }, p.ct);
  const digest = toHex(hasher.digest());
  const sealed = await seal(key, utf8(JSON.stringify({ frames: count, digest })), END_AD);
  out.push(framing({ t: "end", iv: toBase64url(sealed.iv), n: sealed.ct.length }), sealed.ct);
  progress?.(total, total);
  return new Blob(out, { type: "application/octet-stream" });
}

// --- reading ------------------------------------------------------------------------------

/** How much of a file is read at once: a diary of 10,000 entries has some 20,000 frames,
 * and reading each length, description and body on its own cost ~30 s of small reads. */
const WINDOW = 8 * 1024 * 1024;

/**
 * Reads a file through one window of it held in memory, one read at a time (callers that
 * ask at once queue, so a batch never loads the same window twice). What it returns is a
 * copy, so nothing kept holds on to a whole window.
 */
class Reader {
  /** @param {Blob} file */
  constructor(file) {
    this.file = file;
    this.at = 0;
    this.buffer = new Uint8Array(0);
    /** @type {Promise<unknown>} */
    this.queue = Promise.resolve();
  }

  /** @param {number} start @param {number} end @returns {Promise<import("../vault/bytes.js").Bytes>} */
  read(start, end) {
    const next = this.queue.then(async () => {
      if (start < this.at || end > this.at + this.buffer.length) {
        const to = Math.min(this.file.size, Math.max(end, start + WINDOW));
        this.buffer = new Uint8Array(await this.file.slice(start, to).arrayBuffer());
        this.at = start;
      }
      return this.buffer.slice(start - this.at, end - this.at);
    });
    this.queue = next.catch(() => {});
    return next;
  }
}

/** @type {WeakMap<Blob, Reader>} */
const readers = new WeakMap();

/** Bytes `start` to `end` of a file. @param {Blob} file @param {number} start @param {number} end */
function bytes(file, start, end) {
  let reader = readers.get(file);
  if (!reader) {
    reader = new Reader(file);
    readers.set(file, reader);
  }
  return reader.read(start, end);
}

/**
 * The frames of a backup file, one at a time (only one frame's description in memory).
 * @param {Blob} file
 * @param {boolean} sealed  whether the file must end with the sealed ending
 * @returns {AsyncGenerator<Frame>}
 */
async function* frames(file, sealed) {
  let at = MAGIC.length;
  while (at < file.size) {
    if (at + 4 > file.size) throw INCOMPLETE();
    const length = new DataView((await bytes(file, at, at + 4)).buffer).getUint32(0);
    if (length === 0 || length > MAX_HEAD) throw at === MAGIC.length ? NOT_BACKUP() : ALTERED();
    if (at + 4 + length > file.size) throw INCOMPLETE();
    const framed = await bytes(file, at, at + 4 + length);
    /** @type {any} */
    let head;
    try {
      head = JSON.parse(fromUtf8(framed.subarray(4)));
    } catch {
      throw at === MAGIC.length ? NOT_BACKUP() : ALTERED();
    }
    const n = head.t === "header" ? 0 : head.n;
    if (!Number.isSafeInteger(n) || n < 0) throw ALTERED();
    const start = at + 4 + length;
    if (start + n > file.size) throw INCOMPLETE();
    yield { head, framing: framed, start, n };
    at = start + n;
  }
  if (sealed) throw INCOMPLETE(); // the sealed ending is missing
}

/**
 * @typedef {import("../vault/keys.js").Slot} Slot
 * @typedef {(slots: Slot[]) => Promise<{ slot: Slot, kek: CryptoKey }>} KeyOpener
 *   finds the slot it can open among a backup's slots and gives its wrapping key (a passkey's
 *   PRF, for the server copy); a passphrase is turned into one by passphraseOpener
 */

const WRONG_PASSPHRASE = () =>
  new BackupError("wrong-passphrase", "That passphrase does not open this backup. Check it and try again. Nothing was changed.");

/**
 * An opener that tries each passphrase slot with `passphrase`.
 * @param {string} passphrase
 * @returns {KeyOpener}
 */
function passphraseOpener(passphrase) {
  return async (slots) => {
    for (const slot of slots.filter((s) => s.type === "passphrase")) {
      // A slot is only tried if it looks like one of ours: a file could ask for a billion rounds.
      const iterations = Number(slot.iterations);
      if (!Number.isInteger(iterations) || iterations < 100_000 || iterations > 10_000_000) throw ALTERED();
      const kek = await passphraseKek(passphrase, slot.salt, iterations);
      try {
        await unwrapDataKey(slot, kek);
        return { slot, kek };
      } catch (error) {
        if (!(error instanceof TamperedError)) throw error;
      }
    }
    throw WRONG_PASSPHRASE();
  };
}

/**
 * Open the backup's data key with `opener`'s slot.
 * @param {Slot[]} slots @param {KeyOpener} opener @param {boolean} extractable
 */
async function openKey(slots, opener, extractable) {
  const opened = await opener(slots);
  try {
    return { key: await unwrapDataKey(opened.slot, opened.kek, extractable), opened };
  } catch (error) {
    if (!(error instanceof TamperedError)) throw error;
    throw new BackupError("wrong-key", "That passkey does not open this copy. Use your recovery passphrase instead. Nothing was changed.");
  }
}

/** The header's slots, checked for shape. @param {unknown[]} list @returns {Slot[]} */
function slotsIn(list) {
  try {
    return list.map(keys.slotFromJson);
  } catch {
    throw ALTERED();
  }
}

/**
 * @typedef {object} Checked
 * @property {CryptoKey} key            the backup's data key
 * @property {Slot[]} slots           every slot the backup carries
 * @property {Slot[]} passkeys        the backup's passkey slots
 * @property {{ slot: Slot, kek: CryptoKey }} opened  the slot that opened it, and its key
 * @property {number} made
 * @property {log.Event[]} events       the whole chain, checked
 * @property {string} head              its head hash
 * @property {Map<string, { chunks: number }>} files  each file's record, decrypted
 * @property {Frame[]} rows             every record's frame
 * @property {Map<string, Frame[]>} parts  each file's parts' frames, in order
 */

/**
 * Check a backup file from end to end without changing anything.
 * @param {Blob} file
 * @param {string | KeyOpener} passphrase  or an opener (a passkey's, for the server copy)
 * @param {{ extractable?: boolean, sealed?: boolean, progress?: (fraction: number) => void }} [options]
 *   sealed: false for the server's copy, which has no ending (the server cannot seal one);
 *   every ciphertext, the chain with its head and every file are still checked
 * @returns {Promise<Checked>}
 * @throws {BackupError}
 */
export async function check(file, passphrase, { extractable = false, sealed = true, progress } = {}) {
  if (file.size < MAGIC.length) throw NOT_BACKUP();
  const magic = await bytes(file, 0, MAGIC.length);
  const format = FORMATS.get(String.fromCharCode(...magic));
  if (!format) throw NOT_BACKUP();
  const read = frames(file, sealed);
  const first = await read.next();
  const header = /** @type {any} */ (first.value?.head);
  if (first.done || header?.t !== "header" || typeof header.format !== "string" || !Array.isArray(header.slots)) throw NOT_BACKUP();
  if (header.format !== format) {
    throw new BackupError("newer", "This backup was made by a newer version of the app. Open the app online once to update it, then try again. Nothing was changed.");
  }
  const slots = slotsIn(header.slots);
  const opener = typeof passphrase === "string" ? passphraseOpener(passphrase) : passphrase;
  const { key, opened } = await openKey(slots, opener, extractable);
  const hasher = new Sha256();
  hasher.update(/** @type {Frame} */ (first.value).framing);
  let count = 1;
  /** @type {log.Event[]} */
  const events = [];
  /** @type {{ seq: number, hash: string } | null} */
  let head = null;
  /** @type {Map<string, { chunks: number }>} */
  const files = new Map();
  /** @type {Frame[]} */
  const rows = [];
  /** @type {Map<string, Frame[]>} */
  const parts = new Map();
  let ended = false;
  try {
    for await (const frame of read) {
      const h = /** @type {any} */ (frame.head);
      const body = await bytes(file, frame.start, frame.start + frame.n);
      if (h.t === "end") {
        const sealed = JSON.parse(fromUtf8(await open(key, { iv: fromBase64url(h.iv), ct: body }, END_AD)));
        if (sealed.frames !== count || sealed.digest !== toHex(hasher.digest())) throw ALTERED();
        if (frame.start + frame.n !== file.size) throw ALTERED(); // nothing may follow the ending
        ended = true;
        break;
      }
      hasher.update(frame.framing);
      count += 1;
      const box = { iv: fromBase64url(h.iv), ct: body };
      if (h.t === "record") {
        const value = JSON.parse(fromUtf8(await open(key, box, records.recordAd(h.kind, h.id, h.version))));
        if (h.kind === "event") events.push(value);
        else if (h.kind === "chain" && h.id === "head") head = value;
        else if (h.kind === "file") files.set(h.id, value);
        rows.push(frame);
      } else if (h.t === "chunk") {
        await open(key, box, records.chunkAd(h.file, h.index, h.final));
        const list = parts.get(h.file) || [];
        list.push(frame);
        parts.set(h.file, list);
      } else {
        throw ALTERED();
      }
      progress?.((frame.start + frame.n) / file.size);
    }
  } catch (error) {
    if (error instanceof BackupError) throw error;
    throw ALTERED(); // a ciphertext that does not open, or a description that is not ours
  }
  if (!ended && sealed) throw INCOMPLETE();
  if (!sealed) {
    // A server copy whose last upload was cut off may hold events past its head: the copy
    // is restored as far as its head goes, and those events are left out.
    const upTo = head?.seq ?? 0;
    const past = new Set(events.filter((e) => e.seq > upTo).map((e) => log.eventId(e.seq)));
    if (past.size) {
      events.splice(0, events.length, ...events.filter((e) => e.seq <= upTo));
      rows.splice(0, rows.length, ...rows.filter((f) => !(/** @type {any} */ (f.head).kind === "event" && past.has(/** @type {any} */ (f.head).id))));
    }
  }
  const chain = await log.checkChain(events, head || { seq: 0, hash: log.GENESIS });
  if (chain.problems.length) throw ALTERED();
  for (const [id, info] of files) {
    const list = parts.get(id) || [];
    const whole = list.length === info.chunks && list.every((f, i) => /** @type {any} */ (f.head).index === i && /** @type {any} */ (f.head).final === (i === list.length - 1));
    if (!whole) throw ALTERED();
  }
  progress?.(1);
  events.sort((a, b) => a.seq - b.seq);
  const passkeys = slots.filter((s) => s.type === "passkey");
  return { key, slots, passkeys, opened, made: Number(header.made), events, head: chain.head, files, rows, parts };
}

// --- restoring ------------------------------------------------------------------------------

/**
 * Restore a backup onto a phone that has no diary: check it all, then write every record and
 * file part as it is, then the key slots. If anything fails, nothing is left behind.
 * @param {Blob} file
 * @param {string | KeyOpener} passphrase  or an opener (a passkey's)
 * @param {{ progress?: (stage: "checking" | "restoring", fraction: number) => void, startedAt?: number, sealed?: boolean, keepSlots?: boolean }} [options]
 *   sealed: false for the server's copy (see check); keepSlots: keep the backup's slots
 *   exactly as they were (the server copy's, which are the vault's own), instead of a new
 *   passphrase slot for the passphrase that opened a file (which may be the file's own)
 * @throws {BackupError | import("../vault/idb.js").StorageFullError | import("../vault/keys.js").LockedError}
 */
export async function restore(file, passphrase, { progress, startedAt = keys.lockEpoch(), sealed = true, keepSlots = false } = {}) {
  if (await keys.hasVault()) throw new Error("This phone already has a diary. Use “Add entries from a backup” in its settings.");
  if (!keepSlots && typeof passphrase !== "string") throw new TypeError("A new passphrase slot needs the passphrase.");
  const checked = await check(file, passphrase, { extractable: !keepSlots, sealed, progress: (f) => progress?.("checking", f) });
  const total = file.size;
  try {
    for (let i = 0; i < checked.rows.length; i += 200) {
      const batch = await Promise.all(
        checked.rows.slice(i, i + 200).map(async (f) => {
          const h = /** @type {any} */ (f.head);
          return { id: h.id, kind: h.kind, version: h.version, iv: fromBase64url(h.iv), ct: await bytes(file, f.start, f.start + f.n) };
        }),
      );
      await tx("records", "readwrite", (t) => {
        for (const row of batch) t.objectStore("records").put(row);
      });
      progress?.("restoring", (checked.rows[Math.min(i + 200, checked.rows.length) - 1].start) / total);
    }
    // Slices of the file go to the database as they are: they never pass through the page.
    // A few parts to a transaction: one each cost a second for 1,000 small thumbnails.
    /** @type {Frame[]} */
    let batch = [];
    let size = 0;
    const flush = async () => {
      const rows = batch.map((f) => {
        const h = /** @type {any} */ (f.head);
        return { file: h.file, index: h.index, final: h.final, iv: fromBase64url(h.iv), ct: file.slice(f.start, f.start + f.n) };
      });
      await tx("chunks", "readwrite", (t) => rows.forEach((row) => t.objectStore("chunks").put(row)), { durability: "relaxed" });
      const last = batch[batch.length - 1];
      if (last) progress?.("restoring", (last.start + last.n) / total);
      batch = [];
      size = 0;
    };
    for (const f of [...checked.parts.values()].flat()) {
      batch.push(f);
      size += f.n;
      if (batch.length >= 64 || size >= 8 * 1024 * 1024) await flush();
    }
    await flush();
    if (keepSlots) await keys.adoptSlots({ slots: checked.slots, opened: checked.opened, startedAt });
    else await keys.adoptVault({ key: checked.key, passphrase: /** @type {string} */ (passphrase), passkeys: checked.passkeys, startedAt });
  } catch (error) {
    await destroy().catch(() => {});
    throw error;
  }
  progress?.("restoring", 1);
}

// --- merging --------------------------------------------------------------------------------

/**
 * Add a backup's entries and files to the open diary, leaving out what is already here.
 * Files are re-encrypted under this diary's key; the events are added in one step, so a
 * failure leaves the diary as it was.
 * @param {Blob} file
 * @param {string} passphrase
 * @param {{ progress?: (stage: "checking" | "adding", fraction: number) => void }} [options]
 * @returns {Promise<{ entries: number, files: number }>} how many were added (entries: incidents,
 *   people, checklists…, whatever the new events are about)
 * @throws {BackupError | import("../vault/idb.js").StorageFullError}
 */
export async function merge(file, passphrase, { progress } = {}) {
  const checked = await check(file, passphrase, { progress: (f) => progress?.("checking", f) });
  const key = keys.dataKey();
  const have = new Set(await tx("records", "readonly", (t) => req(t.objectStore("records").index("kind").getAllKeys("file"))));
  // Only files the entries name (not those of an unfinished draft in the backup).
  const named = new Set();
  for (const e of checked.events) {
    const payload = e.type === "evidence.added" ? log.payloadOf(e) : null;
    if (payload?.file) named.add(payload.file);
    if (payload?.thumb) named.add(payload.thumb);
  }
  const fileRows = checked.rows.filter((f) => {
    const h = /** @type {any} */ (f.head);
    return h.kind === "file" && named.has(h.id) && !have.has(h.id);
  });
  const total = fileRows.reduce((n, f) => n + (checked.parts.get(/** @type {any} */ (f.head).id) || []).reduce((m, p) => m + p.n, 0), 0);
  let done = 0;
  /** @type {string[]} */
  const added = [];
  try {
    for (const f of fileRows) {
      const h = /** @type {any} */ (f.head);
      added.push(h.id);
      for (const p of checked.parts.get(h.id) || []) {
        const c = /** @type {any} */ (p.head);
        const plain = await open(checked.key, { iv: fromBase64url(c.iv), ct: await bytes(file, p.start, p.start + p.n) }, records.chunkAd(c.file, c.index, c.final));
        const again = await seal(key, plain, records.chunkAd(c.file, c.index, c.final));
        await tx("chunks", "readwrite", (t) => void t.objectStore("chunks").put({ file: c.file, index: c.index, final: c.final, iv: again.iv, ct: new Blob([again.ct]) }), {
          durability: "relaxed",
        });
        done += p.n;
        progress?.("adding", total ? done / total : 1);
      }
      const record = await seal(key, utf8(JSON.stringify(checked.files.get(h.id))), records.recordAd("file", h.id, h.version));
      await tx("records", "readwrite", (t) => void t.objectStore("records").put({ id: h.id, kind: "file", version: h.version, ...record }));
    }
    const made = await log.merge(checked.events, { head: checked.head, made: checked.made });
    progress?.("adding", 1);
    return { entries: new Set(made.slice(1).map((e) => e.subject)).size, files: added.length };
  } catch (error) {
    for (const id of added) await records.removeFile(id).catch(() => {});
    throw error;
  }
}
