// @ts-check
// The SHA-256 of a file's original bytes, taken beside its encryption: in a worker where one
// starts (the hash then runs on another core while the page encrypts and writes), in the page
// where none does. WebCrypto's digest() has no streaming form, hence sha256.js.
import { Sha256 } from "./sha256.js";

/** @typedef {import("./bytes.js").Bytes} Bytes */

// Parts posted to the worker and not yet hashed: bounds the memory waiting there.
const AHEAD = 4;

/**
 * Start a hash. Resolves once the worker answers (or, if it cannot start, to the page's own).
 * @returns {Promise<{ update: (bytes: Bytes) => Promise<void>, digest: () => Promise<Bytes>, close: () => void }>}
 */
export async function startHash() {
  const worker = await startWorker();
  if (!worker) return inPage();
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

/** @returns {Promise<Worker | null>} a worker that has answered, or null */
async function startWorker() {
  if (typeof Worker === "undefined") return null;
  try {
    const worker = new Worker(new URL("./sha256-worker.js", import.meta.url), { type: "module" });
    const ready = await new Promise((resolve) => {
      worker.onmessage = () => resolve(true);
      worker.onerror = (event) => {
        event.preventDefault();
        resolve(false);
      };
      worker.postMessage({});
    });
    if (ready) return worker;
    worker.terminate();
  } catch {
    // no workers here: hash in the page
  }
  return null;
}

/** The same, in the page. */
function inPage() {
  const hasher = new Sha256();
  return {
    update: async (/** @type {Bytes} */ bytes) => void hasher.update(bytes),
    digest: async () => hasher.digest(),
    close: () => {},
  };
}
