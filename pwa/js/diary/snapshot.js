// @ts-check
// The folded diary, kept encrypted, so that unlocking a big diary reads one record instead of
// every event. Two records: the whole diary, and its first part — what the timeline's first
// screen shows (the newest incidents, the count) — small enough to read and paint at once,
// while the whole is read after. Both are caches of the log and say nothing of their own:
// each names the chain's head it was folded from (the last event's number and hash), and is
// used only while the log's head is still that one. Stale (the log moved on: a save, another
// window, a restore, a merge), unreadable or altered, it is ignored, the diary is folded
// from the log, and both are written again. They stay on this phone: backups and the server
// copy leave their kind out (docs/vault-format.md).
import { utf8 } from "../vault/bytes.js";
import * as records from "../vault/records.js";

/** @typedef {import("../vault/bytes.js").Bytes} Bytes */

export const SNAPSHOT = { kind: "snapshot", id: "diary" }; // a kind in records.LOCAL_KINDS
export const FIRST = { kind: "snapshot", id: "diary-first" }; // the same kind: kept the same way
const VERSION = 2;
const FIRST_VERSION = 1;

/** @typedef {{ seq: number, hash: string }} Head */
/** @typedef {"snapshot" | "none" | "stale" | "unreadable"} Why */

/**
 * The first part as kept (packed by model.js): the newest incidents as the timeline lists
 * them, every person, how many incidents there are, and when each was recorded (for the
 * backup reminder).
 * @typedef {{ incidents: unknown[], people: unknown[], total: number, recorded: number[] }} PackedFirst
 */

/**
 * A record tied to the head, if it is there, opens, has the shape `fits` checks and was
 * folded from `head`; otherwise null, and why.
 * @param {{ kind: string, id: string }} place @param {Head} head @param {(value: any) => boolean} fits
 * @returns {Promise<{ value: any, why: Why }>}
 */
async function readAt(place, head, fits) {
  let value;
  try {
    value = await records.get(place.kind, place.id);
  } catch {
    return { value: null, why: "unreadable" }; // altered, swapped, or not JSON: fold from the log
  }
  if (!value) return { value: null, why: "none" };
  if (!fits(value)) return { value: null, why: "unreadable" };
  if (value.seq !== head.seq || value.hash !== head.hash) return { value: null, why: "stale" };
  return { value, why: "snapshot" };
}

/**
 * The diary as the snapshot holds it (packed by model.js), if the snapshot is there, opens,
 * and was folded from `head`; otherwise null, and why (for the tests and the bench).
 * @param {Head} head the log's head now
 * @returns {Promise<{ packed: { incidents: unknown[], people: unknown[] } | null, why: Why }>}
 */
export async function read(head) {
  const { value, why } = await readAt(SNAPSHOT, head, (v) => v.v === VERSION && Array.isArray(v.incidents) && Array.isArray(v.people));
  return { packed: value, why };
}

/**
 * The first part, if it is there, opens, and was folded from `head` (as strictly as the
 * whole); otherwise null, and why.
 * @param {Head} head the log's head now
 * @returns {Promise<{ first: PackedFirst | null, why: Why }>}
 */
export async function readFirst(head) {
  const fits = (/** @type {any} */ v) =>
    v.v === FIRST_VERSION && Array.isArray(v.incidents) && Array.isArray(v.people) && Number.isInteger(v.total) && Array.isArray(v.recorded);
  const { value, why } = await readAt(FIRST, head, fits);
  return { first: value, why };
}

/**
 * Keep the diary, packed by model.js from the log folded up to `head`, as the snapshot: its
 * first part, then the whole, given as pieces of UTF-8 JSON (model.js makes them a slice at a
 * time, so that making them never holds the screen up for long). Quiet: the server copy
 * does not carry them, so writing them is no reason to run.
 * @param {{ first: PackedFirst, pieces: Bytes[] }} packed pieces: the whole's incidents and
 *   people, `"incidents":[…],"people":[…]`
 * @param {Head} head
 */
export async function write({ first, pieces }, head) {
  await records.put(FIRST.kind, FIRST.id, { v: FIRST_VERSION, seq: head.seq, hash: head.hash, ...first }, { quiet: true });
  const top = JSON.stringify({ v: VERSION, seq: head.seq, hash: head.hash });
  const all = [utf8(`${top.slice(0, -1)},`), ...pieces, utf8("}")];
  const json = new Uint8Array(all.reduce((n, piece) => n + piece.length, 0));
  let at = 0;
  for (const piece of all) {
    json.set(piece, at);
    at += piece.length;
  }
  await records.putBytes(SNAPSHOT.kind, SNAPSHOT.id, json, { quiet: true });
}
