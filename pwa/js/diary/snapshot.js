// @ts-check
// The folded diary, kept encrypted as one record, so that unlocking a big diary reads one
// record instead of every event. It is a cache of the log and says nothing of its own: it
// names the chain's head it was folded from (the last event's number and hash), and is used
// only while the log's head is still that one. Stale (the log moved on: another window, a
// restore, a merge), unreadable or altered, it is ignored, the diary is folded from the log,
// and the snapshot written again. It stays on this phone: backups and the server copy leave
// it out (docs/vault-format.md).
import * as records from "../vault/records.js";

export const SNAPSHOT = { kind: "snapshot", id: "diary" }; // a kind in records.LOCAL_KINDS
const VERSION = 2;

/** @typedef {{ seq: number, hash: string }} Head */

/**
 * The diary as the snapshot holds it (packed by model.js), if the snapshot is there, opens,
 * and was folded from `head`; otherwise null, and why (for the tests and the bench).
 * @param {Head} head the log's head now
 * @returns {Promise<{ packed: { incidents: unknown[], people: unknown[] } | null, why: "snapshot" | "none" | "stale" | "unreadable" }>}
 */
export async function read(head) {
  let value;
  try {
    value = await records.get(SNAPSHOT.kind, SNAPSHOT.id);
  } catch {
    return { packed: null, why: "unreadable" }; // altered, swapped, or not JSON: fold from the log
  }
  if (!value) return { packed: null, why: "none" };
  if (value.v !== VERSION || !Array.isArray(value.incidents) || !Array.isArray(value.people)) return { packed: null, why: "unreadable" };
  if (value.seq !== head.seq || value.hash !== head.hash) return { packed: null, why: "stale" };
  return { packed: value, why: "snapshot" };
}

/**
 * Keep the diary, packed by model.js from the log folded up to `head`, as the snapshot.
 * Quiet: the server copy does not carry it, so writing it is no reason to run.
 * @param {{ incidents: unknown[], people: unknown[] }} packed @param {Head} head
 */
export async function write(packed, head) {
  await records.put(SNAPSHOT.kind, SNAPSHOT.id, { v: VERSION, seq: head.seq, hash: head.hash, ...packed }, { quiet: true });
}
