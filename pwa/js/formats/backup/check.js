// @ts-check
// Checking a backup file from end to end without changing anything: the passphrase (or a
// passkey), every ciphertext, the ending's hash, the chain with its head, every file
// complete. Restoring and merging both check first, so a bad file changes nothing.
import { fromBase64url, fromUtf8, toHex } from "../../vault/bytes.js";
import { TamperedError, open, passphraseKek, unwrapDataKey } from "../../vault/crypto.js";
import * as keys from "../../vault/keys.js";
import * as records from "../../vault/records.js";
import { Sha256 } from "../../vault/sha256.js";
import * as log from "../../diary/log.js";
import { ALTERED, BackupError, END_AD, FORMATS, INCOMPLETE, MAGIC, NOT_BACKUP, body, bytes, frames } from "./format.js";

/**
 * @typedef {import("../../vault/keys.js").Slot} Slot
 * @typedef {import("./format.js").Frame} Frame
 * @typedef {import("./format.js").HeaderHead} HeaderHead
 * @typedef {import("./format.js").Frame<import("./format.js").RecordHead>} RecordFrame
 * @typedef {import("./format.js").Frame<import("./format.js").ChunkHead>} ChunkFrame
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

/** A diary's id as its vault makes it (16 random bytes or more, base64url). */
const DIARY_ID = /^[A-Za-z0-9_-]{22,64}$/;

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
 * @property {string | undefined} diary  the diary's id, when the backup names one
 * @property {log.Event[]} events       the whole chain, checked
 * @property {string} head              its head hash
 * @property {Map<string, { chunks: number }>} files  each file's record, decrypted
 * @property {RecordFrame[]} rows       every record's frame
 * @property {Map<string, ChunkFrame[]>} parts  each file's parts' frames, in order
 * @property {Anchors} anchors          the backup's own receipts and time-stamps
 */

/**
 * What a backup carries that ties its chain to a time, as kept on its phone (the records'
 * values; `cairn verify` checks them): receipts, the server's keys, RFC 3161 stamps, their
 * authority, and the anchors of backups merged into it before.
 * @typedef {{ receipts: any[], receiptKeys: any[], timestamps: any[], authorities: any[], origins: any[] }} Anchors
 */
/** The record kinds of a backup's anchors, and where each goes. */
const ANCHOR_KINDS = /** @type {const} */ ({ receipt: "receipts", "receipt-key": "receiptKeys", stamp: "timestamps", "stamp-authority": "authorities", origin: "origins" });

/**
 * The file's beginning and header frame, checked for shape and version.
 * @param {Blob} file @param {AsyncGenerator<Frame, void>} read
 * @returns {Promise<{ header: HeaderHead, framing: Uint8Array }>}
 */
async function readHeader(file, read) {
  if (file.size < MAGIC.length) throw NOT_BACKUP();
  const magic = await bytes(file, 0, MAGIC.length);
  const format = FORMATS.get(String.fromCharCode(...magic));
  if (!format) throw NOT_BACKUP();
  const first = await read.next();
  const header = first.done ? undefined : first.value.head;
  if (first.done || header?.t !== "header" || typeof header.format !== "string" || !Array.isArray(header.slots)) throw NOT_BACKUP();
  if (header.format !== format) {
    throw new BackupError("newer", "This backup was made by a newer version of the app. Open the app online once to update it, then try again. Nothing was changed.");
  }
  return { header, framing: first.value.framing };
}

/**
 * Open every frame after the header, to the ending (or the file's end when it has none).
 * @param {Blob} file @param {AsyncGenerator<Frame, void>} read @param {CryptoKey} key
 * @param {Uint8Array} headerFraming @param {((fraction: number) => void) | undefined} progress
 */
async function readBody(file, read, key, headerFraming, progress) {
  const hasher = new Sha256();
  hasher.update(headerFraming);
  let count = 1;
  /** @type {log.Event[]} */
  const events = [];
  /** @type {{ seq: number, hash: string } | null} */
  let head = null;
  /** @type {Map<string, { chunks: number }>} */
  const files = new Map();
  /** @type {RecordFrame[]} */
  const rows = [];
  /** @type {Map<string, ChunkFrame[]>} */
  const parts = new Map();
  /** @type {Anchors} */
  const anchors = { receipts: [], receiptKeys: [], timestamps: [], authorities: [], origins: [] };
  let ended = false;
  try {
    for await (const frame of read) {
      const h = frame.head;
      const ct = await body(file, frame);
      if (h.t === "end") {
        const sealed = JSON.parse(fromUtf8(await open(key, { iv: fromBase64url(h.iv), ct }, END_AD)));
        if (sealed.frames !== count || sealed.digest !== toHex(hasher.digest())) throw ALTERED();
        if (frame.start + frame.n !== file.size) throw ALTERED(); // nothing may follow the ending
        ended = true;
        break;
      }
      hasher.update(frame.framing);
      count += 1;
      if (h.t === "record") {
        const value = JSON.parse(fromUtf8(await open(key, { iv: fromBase64url(h.iv), ct }, records.recordAd(h.kind, h.id, h.version))));
        if (h.kind === "event") events.push(value);
        else if (h.kind === "chain" && h.id === "head") head = value;
        else if (h.kind === "file") files.set(h.id, value);
        else if (Object.hasOwn(ANCHOR_KINDS, h.kind)) anchors[ANCHOR_KINDS[/** @type {keyof typeof ANCHOR_KINDS} */ (h.kind)]].push(value);
        rows.push({ ...frame, head: h });
      } else if (h.t === "chunk") {
        await open(key, { iv: fromBase64url(h.iv), ct }, records.chunkAd(h.file, h.index, h.final));
        const list = parts.get(h.file) || [];
        list.push({ ...frame, head: h });
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
  return { events, head, files, rows, parts, anchors, ended };
}

/**
 * A server copy whose last upload was cut off may hold events past its head: the copy is
 * restored as far as its head goes, and those events are left out (in place).
 * @param {log.Event[]} events @param {RecordFrame[]} rows @param {number} upTo the head's seq
 */
function leaveOutPastHead(events, rows, upTo) {
  const past = new Set(events.filter((e) => e.seq > upTo).map((e) => log.eventId(e.seq)));
  if (!past.size) return;
  events.splice(0, events.length, ...events.filter((e) => e.seq <= upTo));
  rows.splice(0, rows.length, ...rows.filter((f) => !(f.head.kind === "event" && past.has(f.head.id))));
}

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
  const read = frames(file, sealed);
  const { header, framing } = await readHeader(file, read);
  const slots = slotsIn(header.slots);
  const opener = typeof passphrase === "string" ? passphraseOpener(passphrase) : passphrase;
  const { key, opened } = await openKey(slots, opener, extractable);
  const { events, head, files, rows, parts, anchors, ended } = await readBody(file, read, key, framing, progress);
  if (!ended && sealed) throw INCOMPLETE();
  if (!sealed) leaveOutPastHead(events, rows, head?.seq ?? 0);
  const chain = await log.checkChain(events, head || { seq: 0, hash: log.GENESIS });
  if (chain.problems.length) throw ALTERED();
  for (const [id, info] of files) {
    const list = parts.get(id) || [];
    const whole = list.length === info.chunks && list.every((f, i) => f.head.index === i && f.head.final === (i === list.length - 1));
    if (!whole) throw ALTERED();
  }
  progress?.(1);
  events.sort((a, b) => a.seq - b.seq);
  const passkeys = slots.filter((s) => s.type === "passkey");
  const diary = typeof header.id === "string" && DIARY_ID.test(header.id) ? header.id : undefined;
  return { key, slots, passkeys, opened, made: Number(header.made), diary, events, head: chain.head, files, rows, parts, anchors };
}
