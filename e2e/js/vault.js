// @ts-check
// Helpers for the vault's in-browser tests: a clean database before each test.
import { destroy } from "/js/vault/idb.js";
import { lock } from "/js/vault/keys.js";

export async function fresh() {
  lock();
  await destroy();
}

/** Read one raw row from a store. @param {string} store @param {IDBValidKey} key */
export async function rawRow(store, key) {
  const { tx, req } = await import("/js/vault/idb.js");
  return tx(store, "readonly", (t) => req(t.objectStore(store).get(key)));
}

/** Write one raw row to a store. @param {string} store @param {any} value @param {IDBValidKey} [key] */
export async function writeRaw(store, value, key) {
  const { tx } = await import("/js/vault/idb.js");
  await tx(store, "readwrite", (t) => {
    t.objectStore(store).put(value, key);
  });
}

/**
 * Read a stream to its end, as bytes. A reader, not new Response(stream): that would turn the
 * stream's error into a TypeError.
 * @param {ReadableStream<Uint8Array>} stream
 */
export async function readAll(stream) {
  const parts = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
  }
  return new Uint8Array(await new Blob(parts).arrayBuffer());
}

/** SHA-256 of bytes, in hex, from WebCrypto. @param {Uint8Array} bytes */
export async function digestHex(bytes) {
  return [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Run `work` noting the workers it starts, by their script's address. @param {() => Promise<unknown>} work */
export async function workersStarted(work) {
  const Original = window.Worker;
  /** @type {string[]} */
  const started = [];
  window.Worker = class extends Original {
    /** @param {string | URL} url @param {WorkerOptions} [options] */
    constructor(url, options) {
      super(url, options);
      started.push(String(url));
    }
  };
  try {
    await work();
  } finally {
    window.Worker = Original;
  }
  return started;
}
