// @ts-check
// The change list: the ids of the records (a file's too) written or deleted since the server
// copy last confirmed it holds them, so that a run of the copy reads and sends only those
// instead of every record and file part. Every write to "records" notes its ids here in the
// same transaction (records.js, and a merge's files), so a crash can never keep a change and
// lose its note. It holds ids and counters only: no content, nothing typed (ids are random).
//
// Keys of the "changes" store: a record's id (string) → the number of the write that last
// noted it; WRITES (the number 1) → the last write's number; SINCE (the number 0) → what
// the server held once the copy's last run had finished (a digest: see sync/copy.js). The
// list is complete only while SINCE is there: it is written after a run that compared the
// whole store, and anything that fills the store without noting (a restore; a new vault)
// clears the list and SINCE with it, so the next run compares everything again.
import { req, tx } from "./idb.js";

export const STORE = "changes";
const SINCE = 0;
const WRITES = 1;
/** Every string key, and no number key: the records' ids. */
const IDS = IDBKeyRange.lowerBound("");

/** @typedef {{ digest: string }} Since */

/**
 * Note `ids` as changed, inside a readwrite transaction that holds the "changes" store
 * (issue requests only: no other await).
 * @param {IDBTransaction} t @param {Iterable<string>} ids
 */
export async function note(t, ids) {
  const store = t.objectStore(STORE);
  const write = ((await req(store.get(WRITES))) ?? 0) + 1;
  store.put(write, WRITES);
  for (const id of ids) store.put(write, id);
}

/**
 * The list as it is now, inside a transaction that holds "changes": whether it is complete
 * (`since`), the last write's number, and the ids noted.
 * @param {IDBTransaction} t
 * @returns {Promise<{ since: Since | undefined, upTo: number, ids: string[] }>}
 */
export async function read(t) {
  const store = t.objectStore(STORE);
  const [since, upTo, ids] = await Promise.all([req(store.get(SINCE)), req(store.get(WRITES)), req(store.getAllKeys(IDS))]);
  return { since, upTo: upTo ?? 0, ids: /** @type {string[]} */ (ids) };
}

/**
 * The server holds every change up to write `upTo` (those noted later stay on the list), and
 * what it holds now has `digest`.
 * @param {number} upTo @param {string} digest
 */
export async function confirm(upTo, digest) {
  // Quiet: the list's own bookkeeping is not a change to back up.
  await tx(
    STORE,
    "readwrite",
    async (t) => {
      const store = t.objectStore(STORE);
      const [ids, writes] = await Promise.all([req(store.getAllKeys(IDS)), req(store.getAll(IDS))]);
      ids.forEach((id, i) => {
        if (writes[i] <= upTo) store.delete(id);
      });
      store.put(/** @type {Since} */ ({ digest }), SINCE);
    },
    { quiet: true },
  );
}

/** The list can no longer be trusted (another account, say): the next run compares everything. */
export async function distrust() {
  await tx(STORE, "readwrite", (t) => void t.objectStore(STORE).delete(SINCE), { quiet: true });
}

/** Empty the list, inside a readwrite transaction that holds "changes" (with the records). @param {IDBTransaction} t */
export function clear(t) {
  const store = t.objectStore(STORE);
  store.delete(SINCE);
  store.delete(IDS); // the write counter stays: a run's upTo never meets a number used again
}
