// @ts-check
// Large files go to the Origin Private File System through a worker (vault/parts-worker.js):
// it reads, encrypts and writes the parts on its own thread, with no Blob made per part and
// no IndexedDB write per part, so the page stays free and its memory flat. One worker, kept
// while the vault is unlocked (its start costs more than a photo's parts), one file at a
// time. Where there is no OPFS, no sync access or no worker, the answer is null and the
// page stores the file into IndexedDB itself, as before (records.js).
import { LockedError } from "./errors.js";
import { usable } from "./opfs.js";
import { onLock } from "./session.js";

/** @typedef {import("./bytes.js").Bytes} Bytes */
/** @typedef {{ index: number, final: boolean, iv: Bytes, at: number, size: number }} WrittenPart */
/** @typedef {{ parts: WrittenPart[], size: number, sha256?: string }} Written */

/** @type {Worker | null} */
let worker = null;
// Set once the worker has said this browser gives it no private file system to write in:
// the page stores every file itself from then on.
let unavailable = false;
// Why a worker could not write that holds for the page's life (a private window, an old
// browser), unlike a full disk.
const NEVER = new Set(["NotSupportedError", "SecurityError", "UnknownError", "TypeError"]);
/** @type {Promise<unknown>} the job before the next: one at a time */
let queue = Promise.resolve();
/** @type {((error: Error) => void) | null} ends the job under way */
let stop = null;
// One more at each lock and each stop(): a job queued before it never starts.
let generation = 0;

/**
 * Stop storing: the worker goes, and with it the key it was handed; the job under way and
 * every job waiting fail with a LockedError. The file being written is left without a record
 * (the next unlock removes its parts). At each lock, and before erasing.
 */
export function stopAll() {
  generation += 1;
  worker?.terminate();
  worker = null;
  stop?.(new LockedError());
  stop = null;
}

onLock(stopAll);

/**
 * Store `blob` as vault file `id`'s parts in the private file system, in the worker. Resolves
 * once every part is written and flushed; null if this browser cannot (nothing was written).
 * @param {Blob} blob
 * @param {string} id
 * @param {CryptoKey} key  the data key
 * @param {{ hash: boolean, chunk: number, progress?: (bytes: number) => void }} options
 * @returns {Promise<Written | null>}
 * @throws {Error} with the name the worker's error had (QuotaExceededError, NotReadableError, …)
 * @throws {LockedError} locked (or stopped) before it was stored
 */
export function storeInWorker(blob, id, key, options) {
  const mine = generation;
  const job = queue.then(() => run(blob, id, key, options, mine));
  queue = job.catch(() => {});
  return job;
}

/**
 * @param {Blob} blob @param {string} id @param {CryptoKey} key
 * @param {{ hash: boolean, chunk: number, progress?: (bytes: number) => void }} options
 * @param {number} mine  the generation it was queued in
 * @returns {Promise<Written | null>}
 */
async function run(blob, id, key, { hash, chunk, progress }, mine) {
  // The page asks first: where it has no private file system, its workers have none either.
  if (mine !== generation) throw new LockedError();
  if (unavailable || typeof Worker === "undefined" || !(await usable())) return null;
  if (mine !== generation) throw new LockedError(); // no new worker is handed the key after a lock
  try {
    worker ??= new Worker(new URL("./parts-worker.js", import.meta.url), { type: "module" });
  } catch {
    unavailable = true;
    return null;
  }
  const current = worker;
  return new Promise((resolve, reject) => {
    /** @param {() => void} settle */
    const end = (settle) => {
      if (stop === fail) stop = null;
      settle();
    };
    /** @param {Error} error */
    const fail = (error) => end(() => reject(error));
    stop = fail;
    current.onmessage = (event) => {
      const { progress: done, done: written, unavailable: why, failed } = event.data;
      if (done !== undefined) progress?.(done);
      else if (written) end(() => resolve(written));
      else if (why) {
        if (NEVER.has(why)) unavailable = true;
        end(() => resolve(null));
      } else if (failed) fail(Object.assign(new Error(failed.message), { name: failed.name }));
    };
    current.onmessageerror = () => fail(new Error("The file could not be stored."));
    current.onerror = (event) => {
      // The worker would not start (its script not in the cache?) or broke: the page stores
      // this file itself, and the next file tries a new worker.
      event.preventDefault();
      current.terminate();
      if (worker === current) worker = null;
      end(() => resolve(null));
    };
    current.postMessage({ id, blob, key, hash, chunk });
  });
}
