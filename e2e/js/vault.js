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
