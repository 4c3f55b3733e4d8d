// @ts-check
// File parts kept in the Origin Private File System: what a dedicated worker writes for a
// large file (vault/parts-worker.js, started by vault/large-files.js), one OPFS file per
// vault file, named by the file's id, its parts' ciphertexts end to end. IndexedDB still
// holds a row for each part (its place, IV and final flag), whose `ct` points here instead
// of holding the bytes. Ciphertext only, as in IndexedDB: the key never leaves memory.
//
// Where the browser has no OPFS (a private window in some browsers), nothing is written
// here and files stay in IndexedDB; every function below then does nothing.

/** The folder in the origin's private file system that holds every file's parts. */
export const FOLDER = "parts";

/**
 * Where a part's ciphertext lies in the private file system: the OPFS file `opfs` (the
 * vault file's id), `size` bytes from byte `at`.
 * @typedef {{ opfs: string, at: number, size: number }} OpfsPart
 */

/** @param {unknown} ct @returns {ct is OpfsPart} */
export function isOpfsPart(ct) {
  return typeof ct === "object" && ct !== null && typeof (/** @type {OpfsPart} */ (ct).opfs) === "string";
}

/** @type {Promise<FileSystemDirectoryHandle | null> | null} */
let rooting = null;

/**
 * The private file system's root, or null where this window has none: no API, or one that
 * refuses (Firefox's private windows: SecurityError; Safari's: UnknownError). Asked once.
 * @returns {Promise<FileSystemDirectoryHandle | null>}
 */
function root() {
  if (typeof navigator === "undefined" || typeof navigator.storage?.getDirectory !== "function") return Promise.resolve(null);
  rooting ??= navigator.storage.getDirectory().catch(() => null);
  return rooting;
}

/** Whether this window has a private file system to keep parts in. */
export async function usable() {
  return Boolean(await root());
}

/**
 * The folder of parts, or null where there is none yet or no private file system.
 * @returns {Promise<FileSystemDirectoryHandle | null>}
 */
async function folder() {
  const top = await root();
  if (!top) return null;
  try {
    return await top.getDirectoryHandle(FOLDER);
  } catch (error) {
    if (/** @type {Error} */ (error).name === "NotFoundError") return null;
    throw error;
  }
}

/**
 * A part's ciphertext as a Blob read from disk when it is used (its bytes stay out of
 * memory until then). Fails with a NotFoundError when the file's parts are gone.
 * @param {OpfsPart} ref
 * @returns {Promise<Blob>}
 */
export async function partBlob(ref) {
  const dir = await folder();
  if (!dir) throw new DOMException(`The parts of file ${ref.opfs} are missing.`, "NotFoundError");
  const file = await (await dir.getFileHandle(ref.opfs)).getFile();
  if (file.size < ref.at + ref.size) throw new DOMException(`Part of file ${ref.opfs} is missing.`, "NotFoundError");
  return file.slice(ref.at, ref.at + ref.size);
}

/** Every vault file with parts here, by id. @returns {Promise<string[]>} */
export async function names() {
  const dir = await folder();
  if (!dir) return [];
  /** @type {string[]} */
  const found = [];
  for await (const name of /** @type {any} */ (dir).keys()) found.push(name);
  return found;
}

/** How many bytes a vault file's parts take here (0: none). @param {string} id */
export async function sizeOf(id) {
  const dir = await folder();
  if (!dir) return 0;
  try {
    return (await (await dir.getFileHandle(id)).getFile()).size;
  } catch {
    return 0;
  }
}

/**
 * Delete a vault file's parts; already gone is not an error. Fails while a worker that is
 * going (locked a moment ago) still holds them.
 * @param {string} id
 */
export async function removeParts(id) {
  const dir = await folder();
  try {
    await dir?.removeEntry(id);
  } catch (error) {
    if (/** @type {Error} */ (error).name !== "NotFoundError") throw error;
  }
}

/**
 * Delete every file's parts kept here (the vault erased, or a restore starting clean). A
 * file a worker was writing is released a moment after the worker is stopped: it is tried
 * again for up to a second, then left (the next start with no diary clears it, app.js).
 */
export async function clearParts() {
  const top = await root();
  if (!top) return;
  for (let attempt = 0; ; attempt++) {
    try {
      await top.removeEntry(FOLDER, { recursive: true });
      return;
    } catch (error) {
      if (/** @type {Error} */ (error).name === "NotFoundError") return;
      if (attempt >= 20) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
