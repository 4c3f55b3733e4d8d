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
const VERSION = 1;

/** @typedef {import("./model.js").Diary} Diary */
/** @typedef {{ seq: number, hash: string }} Head */

/**
 * The diary as the snapshot holds it, if the snapshot is there, opens, and was folded from
 * `head`; otherwise null (and why, for the tests and the bench).
 * @param {Head} head the log's head now
 * @returns {Promise<{ diary: Diary | null, why: "snapshot" | "none" | "stale" | "unreadable" }>}
 */
export async function read(head) {
  let value;
  try {
    value = await records.get(SNAPSHOT.kind, SNAPSHOT.id);
  } catch {
    return { diary: null, why: "unreadable" }; // altered, swapped, or not JSON: fold from the log
  }
  if (!value) return { diary: null, why: "none" };
  if (value.v !== VERSION || !Array.isArray(value.incidents) || !Array.isArray(value.people)) return { diary: null, why: "unreadable" };
  if (value.seq !== head.seq || value.hash !== head.hash) return { diary: null, why: "stale" };
  return {
    diary: {
      incidents: new Map(value.incidents.map((/** @type {{ id: string }} */ i) => [i.id, i])),
      people: new Map(value.people.map((/** @type {{ id: string }} */ p) => [p.id, p])),
    },
    why: "snapshot",
  };
}

/**
 * Keep `diary`, folded from the log up to `head`, as the snapshot. Quiet: the server copy
 * does not carry it, so writing it is no reason to run.
 * @param {Diary} diary @param {Head} head
 */
export async function write(diary, head) {
  const value = { v: VERSION, seq: head.seq, hash: head.hash, incidents: [...diary.incidents.values()], people: [...diary.people.values()] };
  await records.put(SNAPSHOT.kind, SNAPSHOT.id, value, { quiet: true });
}
