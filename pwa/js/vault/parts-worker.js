// @ts-check
// A dedicated worker that stores a large file's parts in the Origin Private File System
// (vault/opfs.js): it reads the picked file a part at a time, encrypts each part under the
// data key it is handed with the job (AES-GCM, the same additional data as any part), and
// writes the ciphertexts end to end through a sync access handle, then flushes. The page
// writes the parts' rows and the file's record once this answers, so a file exists only
// when all of it is on disk. Nothing but ciphertext is written; the key is dropped with the
// job. Started by vault/large-files.js, after unlock only.
//
// In: { id, blob, key, hash, chunk }. Out: { progress: bytes } as parts are written, then
// { done: { parts: [{ index, final, iv, at, size }], size, sha256? } }, or { unavailable:
// name } before anything is written (no OPFS or no sync access here: the page stores the
// file itself), or { failed: { name, message } } (its parts are deleted first). The new
// file is made for this job (a fresh id), so nothing needs truncating.
import { toHex } from "./bytes.js";
import { chunkAd, seal } from "./crypto.js";
import { startHash } from "./hashing.js";
import { FOLDER } from "./opfs.js";

const scope = /** @type {any} */ (self);
// AES-GCM's tag: each part's ciphertext is this much longer than its plaintext.
const TAG_BYTES = 16;
// Parts read at a time: the next group is read while this one is encrypted and written
// (four at once read a third faster than one at a time).
const GROUP = 4;

scope.onmessage = async (/** @type {MessageEvent} */ event) => {
  const { id, blob, key, hash, chunk } = event.data;
  /** @type {{ folder: FileSystemDirectoryHandle, handle: any }} */
  let opened;
  try {
    opened = await open(id);
  } catch (error) {
    scope.postMessage({ unavailable: nameOf(error) });
    return;
  }
  const { folder, handle } = opened;
  const hasher = hash ? startHash() : null;
  // Always answered, whatever fails on the way: the page holds the vault's file lock until then.
  /** @type {{ done: object } | { failed: { name: string, message: string } }} */
  let answer;
  try {
    answer = { done: await store(handle, id, blob, key, hasher, chunk) };
  } catch (error) {
    answer = { failed: { name: nameOf(error), message: String(/** @type {Error} */ (error)?.message || error) } };
  }
  for (const end of [() => handle.close(), () => hasher?.close()]) {
    try {
      end();
    } catch {
      // closed already
    }
  }
  if ("failed" in answer) await folder.removeEntry(id).catch(() => {});
  scope.postMessage(answer);
};

/** @param {unknown} error */
const nameOf = (error) => String(/** @type {Error} */ (error)?.name || "Error");

/**
 * The new file for vault file `id`'s parts and a sync access handle on it. Where there is
 * none (no private file system here, no sync access, or the early kind whose calls answered
 * with promises, in Safari before 17, so a flush could be overtaken), nothing is left.
 * @param {string} id
 */
async function open(id) {
  const folder = await (await navigator.storage.getDirectory()).getDirectoryHandle(FOLDER, { create: true });
  const file = /** @type {any} */ (await folder.getFileHandle(id, { create: true }));
  try {
    if (typeof file.createSyncAccessHandle !== "function") throw new DOMException("No sync access here.", "NotSupportedError");
    const handle = await file.createSyncAccessHandle();
    const size = handle.getSize();
    if (size instanceof Promise) {
      await handle.close();
      throw new DOMException("Only the early, asynchronous sync access here.", "NotSupportedError");
    }
    return { folder, handle };
  } catch (error) {
    await folder.removeEntry(id).catch(() => {});
    throw error;
  }
}

/**
 * Read, hash, encrypt and write each part in turn; flush once at the end. A file of an exact
 * number of parts ends with an empty one, as a file stored in the page does.
 * @param {any} handle  FileSystemSyncAccessHandle
 * @param {string} id @param {Blob} blob @param {CryptoKey} key
 * @param {ReturnType<typeof startHash> | null} hasher
 * @param {number} chunk  plaintext bytes per part
 */
async function store(handle, id, blob, key, hasher, chunk) {
  const count = Math.floor(blob.size / chunk) + 1;
  /** @param {number} g */
  const read = (g) => {
    const reading = blob.slice(g * GROUP * chunk, Math.min(blob.size, (g + 1) * GROUP * chunk)).arrayBuffer();
    reading.catch(() => {}); // awaited below; a store that fails first never gets to it
    return reading;
  };
  const groups = Math.ceil(count / GROUP);
  let next = read(0);
  const parts = [];
  let at = 0;
  for (let g = 0; g < groups; g++) {
    const group = new Uint8Array(/** @type {ArrayBuffer} */ (await next));
    if (g + 1 < groups) next = read(g + 1);
    for (let k = 0; k < GROUP; k++) {
      const index = g * GROUP + k;
      if (index >= count) break;
      const plain = group.subarray(k * chunk, Math.min(group.length, (k + 1) * chunk));
      const final = index === count - 1;
      const sealing = seal(key, plain, chunkAd(id, index, final));
      await hasher?.update(plain);
      const { iv, ct } = await sealing;
      const wrote = handle.write(ct, { at });
      if (wrote !== ct.byteLength) throw new DOMException("The disk took only part of a write.", "QuotaExceededError");
      parts.push({ index, final, iv, at, size: ct.byteLength });
      at += chunk + TAG_BYTES;
      scope.postMessage({ progress: index * chunk + plain.length });
    }
  }
  handle.flush();
  const sha256 = hasher ? toHex(await hasher.digest()) : undefined;
  return { parts, size: blob.size, ...(sha256 ? { sha256 } : {}) };
}
