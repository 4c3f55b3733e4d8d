// @ts-check
// The SHA-256 of a file's original bytes, taken beside its encryption. A photo is hashed in
// the page (a worker takes longer to start than its hash); past WORKER_AFTER bytes the hash
// carries on in a worker, on another core while the page encrypts and writes, or stays in
// the page where no worker starts. WebCrypto's digest() has no streaming form, hence sha256.js.
import { Sha256 } from "./sha256.js";

/** @typedef {import("./bytes.js").Bytes} Bytes */

export const WORKER_AFTER = 8 * 1024 * 1024;
// Parts posted to the worker and not yet hashed: bounds the memory waiting there.
const AHEAD = 4;

/**
 * Start a hash: update() with each part in order, then digest() once; close() always.
 * @returns {{ update: (bytes: Bytes) => Promise<void>, digest: () => Promise<Bytes>, close: () => void }}
 */
export function startHash() {
  const page = new Sha256();
  /** @type {Awaited<ReturnType<typeof inWorker>> | null} */
  let worker = null;
  let tried = false;
  return {
    async update(bytes) {
      if (!worker && !tried && page.length + bytes.length > WORKER_AFTER) {
        tried = true;
        worker = await inWorker(page.state());
      }
      if (worker) await worker.update(bytes);
      else page.update(bytes);
    },
    digest: async () => (worker ? worker.digest() : page.digest()),
    close: () => worker?.close(),
  };
}

/**
 * A worker carrying on the hash from `state`, once it has answered; null if none starts.
 * @param {ReturnType<Sha256["state"]>} state
 */
async function inWorker(state) {
  const worker = await startWorker(state);
  if (!worker) return null;
  /** @type {(() => void)[]} */
  const waiting = [];
  /** @type {((digest: Bytes) => void) | null} */
  let finished = null;
  /** @type {Error | null} */
  let failed = null;
  let ahead = 0;
  worker.onmessage = (event) => {
    if (event.data.added !== undefined) {
      ahead -= 1;
      waiting.shift()?.();
    } else if (event.data.digest) finished?.(event.data.digest);
  };
  worker.onerror = (event) => {
    event.preventDefault();
    failed = new Error("The file's fingerprint could not be taken.");
    for (const wake of waiting.splice(0)) wake();
    finished?.(new Uint8Array(0));
  };
  return {
    /** @param {Bytes} bytes */
    async update(bytes) {
      if (failed) throw failed;
      // A copy, handed over: the caller's buffer is refilled at once.
      const copy = bytes.slice();
      worker.postMessage({ bytes: copy }, [copy.buffer]);
      ahead += 1;
      if (ahead > AHEAD) await new Promise((resolve) => waiting.push(() => resolve(undefined)));
      if (failed) throw failed;
    },
    async digest() {
      const digest = await new Promise((resolve) => {
        finished = resolve;
        worker.postMessage({ end: true });
      });
      if (failed) throw failed;
      return /** @type {Bytes} */ (digest);
    },
    close: () => worker.terminate(),
  };
}

/** @param {ReturnType<Sha256["state"]>} state @returns {Promise<Worker | null>} */
async function startWorker(state) {
  if (typeof Worker === "undefined") return null;
  try {
    const worker = new Worker(new URL("./sha256-worker.js", import.meta.url), { type: "module" });
    const ready = await new Promise((resolve) => {
      worker.onmessage = () => resolve(true);
      worker.onerror = (event) => {
        event.preventDefault();
        resolve(false);
      };
      worker.postMessage({ state });
    });
    if (ready) return worker;
    worker.terminate();
  } catch {
    // no workers here: the page carries on
  }
  return null;
}
