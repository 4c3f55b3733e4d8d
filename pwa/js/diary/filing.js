// @ts-check
// Filing what the inbox kept while the diary was locked (inbox/open.js): each capture's bytes
// are copied into the vault as an ordinary evidence file, checked against the SHA-256 taken
// at capture, and recorded with the capture's time (`captured`), how it came (`via`) and its
// inbox id (`inbox`) in the `evidence.added` event. A note is filed as a text file of its
// words as they were kept, so its time and fingerprint stay with the exact words.
//
// The capture leaves the inbox only after the event is recorded. If the phone stops in
// between, the next look at the inbox finds the capture's id in the log and finishes the job
// (removes it) instead of offering it again: nothing is lost, and nothing is filed twice.
import { PlainError } from "../errors.js";
import * as inbox from "../inbox/open.js";
import { utf8 } from "../vault/bytes.js";
import * as records from "../vault/records.js";
import * as drafts from "./drafts.js";
import { kindOf, thumbnail } from "./evidence.js";
import * as model from "./model.js";

/** @typedef {import("../inbox/open.js").Item} Item */
/** @typedef {{ item: string, unreadable: true }} Unreadable */
/** @typedef {Omit<model.Evidence, "at" | "seq">} Filed */

// Pictures up to this size are read whole once, to draw their thumbnail; larger files stream.
const THUMB_FROM_BYTES = 32 * 1024 * 1024;

/** Raised when a capture's bytes no longer match the fingerprint taken when it was kept. */
export class DiffersError extends PlainError {
  constructor() {
    super("It was not filed: its bytes no longer match the fingerprint taken when it was kept. It stays in the inbox.");
    this.name = "DiffersError";
  }
}

/** The ids of captures already filed: named by an `evidence.added` event in the diary. */
async function filedIds() {
  const { incidents, people } = await model.load();
  const ids = new Set();
  for (const owner of [...incidents.values(), ...people.values()]) {
    for (const item of "evidence" in owner ? owner.evidence : owner.photos) if (item.inbox) ids.add(item.inbox);
  }
  return ids;
}

/**
 * What waits in the inbox, oldest first. Captures the diary already holds (filed, but the
 * phone stopped before they were removed) are removed now, not offered again.
 * @returns {Promise<(Item | Unreadable)[]>}
 */
export async function waiting() {
  const all = await inbox.items();
  if (!all.length) return all;
  const filed = await filedIds();
  const done = all.filter((i) => filed.has(i.item));
  for (const { item } of done) await inbox.discard(item);
  return all.filter((i) => !filed.has(i.item));
}

/** Remove the captures the diary now holds (after an entry was saved). */
export async function settle() {
  await waiting();
}

/** A note's file name, from when it was kept: note-2026-11-30-0915.txt. @param {number} at */
function noteName(at) {
  const d = new Date(at);
  return `note-${model.localDate(d)}-${model.localTime(d).replace(":", "")}.txt`;
}

/**
 * Read a stream whole into a Blob (a Response would turn a TamperedError into a TypeError).
 * @param {ReadableStream<import("../vault/bytes.js").Bytes>} stream @param {string} type
 */
async function blobOf(stream, type) {
  /** @type {import("../vault/bytes.js").Bytes[]} */
  const parts = [];
  const reader = stream.getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) parts.push(next.value);
  return new Blob(parts, { type });
}

/**
 * Copy a capture into the vault as an evidence file, and check its SHA-256 against the one
 * taken when it was kept. The capture stays in the inbox.
 * @param {Item} capture
 * @param {(bytes: number) => void} [progress]
 * @returns {Promise<Filed>}
 * @throws {DiffersError | import("../vault/crypto.js").TamperedError | import("../vault/idb.js").StorageFullError}
 */
export async function copy(capture, progress) {
  const note = capture.kind === "note";
  const name = note ? noteName(capture.at) : capture.name || "file";
  const type = note ? "text/plain;charset=utf-8" : capture.type || "application/octet-stream";
  const picture = !note && type.startsWith("image/") && capture.size <= THUMB_FROM_BYTES;
  /** @type {Blob | undefined} */
  let whole;
  /** @type {ReadableStream<import("../vault/bytes.js").Bytes> | Blob} */
  let source;
  if (note) source = new Blob([utf8(capture.text || "")]);
  else if (picture) source = whole = await blobOf(inbox.read(capture.item), type);
  else source = inbox.read(capture.item);
  const stored = await records.putFile(source, { name, type }, progress, { hash: true });
  if (stored.sha256 !== capture.sha256 || stored.size !== capture.size) {
    await records.removeFile(stored.id).catch(() => {});
    throw new DiffersError();
  }
  const thumb = whole ? await thumbnail(whole).catch(() => undefined) : undefined;
  return {
    file: stored.id,
    name,
    type,
    kind: note ? "note" : kindOf(type),
    size: stored.size,
    sha256: stored.sha256,
    ...(thumb ? { thumb } : {}),
    captured: capture.at,
    via: capture.via || "capture",
    inbox: capture.item,
  };
}

/**
 * An unfinished entry made from a capture, for the incident form: when it happened is when it
 * was kept, what happened a note's words, and the capture attached. If an unfinished entry
 * already holds this capture, that one is carried on instead (no second copy).
 * @param {Item} capture
 * @returns {Promise<string>} the draft's id
 */
export async function draftFor(capture) {
  const holding = (await drafts.all()).find((d) => d.evidence?.some((e) => e.inbox === capture.item));
  if (holding) return holding.id;
  const filed = await copy(capture);
  const when = new Date(capture.at);
  const fields = model.emptyIncident(when);
  if (capture.kind === "note") fields.what = capture.text || "";
  try {
    return await drafts.create({ target: "new", fields, evidence: [filed], from: "inbox" });
  } catch (error) {
    await drafts.discardFiles([filed]);
    throw error;
  }
}

/**
 * File a capture as evidence of an incident already in the diary, then remove it from the
 * inbox. Nothing of the incident changes but its files.
 * @param {Item} capture
 * @param {string} incidentId
 */
export async function addTo(capture, incidentId) {
  const { incidents } = await model.load();
  const incident = incidents.get(incidentId);
  if (!incident || incident.withdrawn) throw new PlainError("This entry is no longer in the diary.");
  // Already in an unfinished entry ("Make a new incident", then Back): filing it here as well
  // would put it in the diary twice once that entry is saved.
  if ((await drafts.all()).some((d) => d.evidence?.some((e) => e.inbox === capture.item))) throw new HeldError();
  const filed = await copy(capture);
  try {
    await model.reviseIncident(incidentId, incident.fields, { evidence: [filed] });
  } catch (error) {
    await drafts.discardFiles([filed]);
    throw error;
  }
  await inbox.discard(capture.item);
}

/** Raised when a capture is already in an unfinished entry, so it is not filed twice. */
export class HeldError extends PlainError {
  constructor() {
    super("This is already in an unfinished entry. Carry on with that entry from your diary's home, or discard it there first.");
    this.name = "HeldError";
  }
}

/** Remove a capture without filing it. @param {string} item */
export function discard(item) {
  return inbox.discard(item);
}
