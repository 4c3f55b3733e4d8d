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
// Set once the worker has said it cannot write here: the page stores every file itself.
let unavailable = false;
/** @type {Promise<unknown>} the job before the next: one at a time */
let queue = Promise.resolve();
/** @type {((error: Error) => void) | null} ends the job under way */
let stop = null;

// Locked: the worker goes, and with it the key it was handed and the file it was writing
// (whose parts, with no record, the next unlock removes).
onLock(() => {
  worker?.terminate();
  worker = null;
  stop?.(new LockedError());
});

/**
 * Store `blob` as vault file `id`'s parts in the private file system, in the worker. Resolves
 * once every part is written and flushed; null if this browser cannot (nothing was written).
 * @param {Blob} blob
 * @param {string} id
 * @param {CryptoKey} key  the data key
 * @param {{ hash: boolean, chunk: number, progress?: (bytes: number) => void }} options
 * @returns {Promise<Written | null>}
 * @throws {Error} with the name the worker's error had (QuotaExceededError, NotReadableError, …)
 */
export function storeInWorker(blob, id, key, options) {
  const job = queue.then(() => run(blob, id, key, options)).finally(() => {
    stop = null;
  });
  queue = job.catch(() => {});
  return job;
}

/** @param {Blob} blob @param {string} id @param {CryptoKey} key @param {{ hash: boolean, chunk: number, progress?: (bytes: number) => void }} options */
async function run(blob, id, key, { hash, chunk, progress }) {
  // The page asks first: where it has no private file system, its workers have none either.
  if (unavailable || typeof Worker === "undefined" || !(await usable())) return null;
  try {
    worker ??= new Worker(new URL("./parts-worker.js", import.meta.url), { type: "module" });
  } catch {
    unavailable = true;
    return null;
  }
  const current = worker;
  return new Promise((resolve, reject) => {
    stop = reject;
    current.onmessage = (event) => {
      const { progress: done, done: written, unavailable: why, failed } = event.data;
      if (done !== undefined) progress?.(done);
      else if (written) resolve(written);
      else if (why) {
        unavailable = true;
        resolve(null);
      } else if (failed) reject(Object.assign(new Error(failed.message), { name: failed.name }));
    };
    current.onerror = (event) => {
      // The worker would not start (its script not in the cache?) or broke: the page stores
      // this file itself, and the next file tries a new worker.
      event.preventDefault();
      current.terminate();
      if (worker === current) worker = null;
      resolve(null);
    };
    current.postMessage({ id, blob, key, hash, chunk });
  });
}
