// @ts-check
// The encrypted backup file's layout: a beginning, then frames (a length, a JSON description,
// a body), ending in a sealed frame that holds the hash of every frame's description. What
// it is, how a frame is written, and how frames are read back one at a time. The format is
// in docs/vault-format.md.
import { PlainError } from "../../errors.js";
import { fromUtf8, utf8 } from "../../vault/bytes.js";
import { ad } from "../../vault/crypto.js";

// The file's first 8 bytes and its header's format name say nothing of what it holds: the
// file may be found on a memory stick or in a phone's downloads. Files made before this
// (a user may still hold one) began "CAIRNBK1" with format "cairn-backup/1"; both are read.
export const FORMAT = "sealed/2";
export const MAGIC = utf8("SEALBOX2");
/** What older files begin with, and the format name each beginning goes with. */
export const FORMATS = new Map([
  ["SEALBOX2", FORMAT],
  ["CAIRNBK1", "cairn-backup/1"],
]);
export const END_AD = ad("cairn/backup/v1", "end");
/** No frame's description is longer than this; a longer one means the file is not ours. */
const MAX_HEAD = 64 * 1024;

/** Why a backup file could not be used. Nothing was changed when this is raised. */
export class BackupError extends PlainError {
  /** @param {"not-backup" | "newer" | "wrong-passphrase" | "wrong-key" | "incomplete" | "altered"} reason @param {string} message */
  constructor(reason, message) {
    super(message);
    this.name = "BackupError";
    this.reason = reason;
  }
}

export const NOT_BACKUP = () => new BackupError("not-backup", "This file is not a backup made by this app. Nothing was changed.");
export const INCOMPLETE = () =>
  new BackupError("incomplete", "This backup file is incomplete: it was probably cut short while it was saved or copied. Nothing was changed.");
export const ALTERED = () =>
  new BackupError("altered", "This backup file was changed or damaged after it was made, so it cannot be trusted. Nothing was changed.");

/**
 * A frame's description, as the file says it (read back unchecked: check.js checks it).
 * @typedef {{ t: "header", format: string, made: number, slots: unknown[], id?: unknown }} HeaderHead
 *   id: the diary's id (backups made before diaries had one have none)
 * @typedef {{ t: "record", id: string, kind: string, version: number, iv: string, n: number }} RecordHead
 * @typedef {{ t: "chunk", file: string, index: number, final: boolean, iv: string, n: number }} ChunkHead
 * @typedef {{ t: "end", iv: string, n: number }} EndHead
 * @typedef {HeaderHead | RecordHead | ChunkHead | EndHead} Head
 */

/**
 * One frame: its description, its framing (the length and description, as in the file) and
 * where its body begins and how long it is.
 * @template {Head} [H=Head]
 * @typedef {{ head: H, framing: Uint8Array, start: number, n: number }} Frame
 */

/** The length and description of one frame. @param {object} head */
export function framing(head) {
  const text = utf8(JSON.stringify(head));
  const out = new Uint8Array(4 + text.length);
  new DataView(out.buffer).setUint32(0, text.length);
  out.set(text, 4);
  return out;
}

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
    /** @type {import("../../bytes.js").Bytes} */
    this.buffer = new Uint8Array(0);
    /** @type {Promise<unknown>} */
    this.queue = Promise.resolve();
  }

  /** @param {number} start @param {number} end @returns {Promise<import("../../bytes.js").Bytes>} */
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
export function bytes(file, start, end) {
  let reader = readers.get(file);
  if (!reader) {
    reader = new Reader(file);
    readers.set(file, reader);
  }
  return reader.read(start, end);
}

/** A frame's body. @param {Blob} file @param {Frame} frame */
export function body(file, frame) {
  return bytes(file, frame.start, frame.start + frame.n);
}

/**
 * The frames of a backup file, one at a time (only one frame's description in memory).
 * @param {Blob} file
 * @param {boolean} sealed  whether the file must end with the sealed ending
 * @returns {AsyncGenerator<Frame, void>}
 */
export async function* frames(file, sealed) {
  let at = MAGIC.length;
  while (at < file.size) {
    if (at + 4 > file.size) throw INCOMPLETE();
    const length = new DataView((await bytes(file, at, at + 4)).buffer).getUint32(0);
    if (length === 0 || length > MAX_HEAD) throw at === MAGIC.length ? NOT_BACKUP() : ALTERED();
    if (at + 4 + length > file.size) throw INCOMPLETE();
    const framed = await bytes(file, at, at + 4 + length);
    /** @type {Head} */
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
