// @ts-check
// File parts that belong to no file: what a file being stored leaves in "chunks" when the
// phone stops before its last part (the file's record is written with that part, so it
// never is). Nothing else ever points at such parts: a draft or an entry names a file by
// its record's id, and only a whole file has a record. So at unlock they are removed.
//
// The rule, and why it cannot take a part still being written: every writer of file parts
// (records.putFile, a merge's copy of a backup's files) holds a shared Web Lock for as long
// as it writes, in whichever tab it runs, and the browser lets go of a tab's locks when the
// tab closes or crashes. reclaim() runs only when it can take that lock exclusively at once,
// so only when no tab is writing a file; parts of no file record then belong to a writer that
// is gone. While any tab is writing, it does nothing and the next unlock tries again. (A
// restore writes parts before the vault exists, when nothing can be unlocked to reclaim.)
//
// A large file's parts may be in the private file system instead (opfs.js), written by a
// worker before their rows and the file's record: there, whatever belongs to no file record
// is removed by the same rule, under the same lock.
import { partSize, req, tx } from "./idb.js";
import { names, removeParts, sizeOf } from "./opfs.js";

const WRITING = "file-parts";

/**
 * Run `write` while holding a share of the lock that keeps reclaim() away from the parts it
 * writes (all of them, then the file's record). Without Web Locks, it runs as it is.
 * @template T
 * @param {() => Promise<T>} write
 * @returns {Promise<T>}
 */
export function whileWriting(write) {
  if (!navigator.locks) return write();
  return navigator.locks.request(WRITING, { mode: "shared" }, write);
}

/**
 * @typedef {object} Reclaimed
 * @property {number} files  interrupted files whose parts were removed
 * @property {number} parts    rows of parts (a file whose parts were all in the private file
 *   system had none yet: its bytes are counted, not its parts)
 * @property {number} bytes  the ciphertext they held
 */

/**
 * Remove the parts of files that have no record, unless a file is being written now (then
 * nothing is removed: see the rule above). Needs no key: ids are in clear.
 * @returns {Promise<Reclaimed>}
 */
export async function reclaim() {
  /** @type {Reclaimed} */
  const none = { files: 0, parts: 0, bytes: 0 };
  if (!navigator.locks) return none; // no way to tell a stopped writer from a slow one
  return navigator.locks.request(WRITING, { ifAvailable: true }, async (lock) => (lock ? sweep() : none));
}

/** @returns {Promise<Reclaimed>} */
async function sweep() {
  // Quiet: parts of no file are never part of the server copy, so it has nothing to follow.
  const { found, known } = await tx(
    ["chunks", "records"],
    "readwrite",
    async (t) => {
      const chunks = t.objectStore("chunks");
      const [keys, files] = await Promise.all([
        req(chunks.getAllKeys()),
        req(t.objectStore("records").index("kind").getAllKeys("file")),
      ]);
      const known = new Set(/** @type {string[]} */ (files));
      const orphans = [...new Set(keys.map((key) => /** @type {[string, number]} */ (key)[0]))].filter((id) => !known.has(id));
      const found = { files: orphans.length, parts: 0, bytes: 0 };
      for (const id of orphans) {
        const range = IDBKeyRange.bound([id, 0], [id, Infinity]);
        /** @type {import("./idb.js").ChunkRow[]} */
        const rows = await req(chunks.getAll(range));
        found.parts += rows.length;
        for (const row of rows) found.bytes += partSize(row.ct);
        chunks.delete(range);
      }
      return { found: { ...found, ids: orphans }, known };
    },
    { quiet: true },
  );
  // Taken after the rows: a file whose record is written meanwhile cannot be here (the lock).
  const loose = (await names()).filter((id) => !known.has(id));
  /** @type {string[]} */
  const gone = [];
  for (const id of loose) {
    const bytes = await sizeOf(id);
    // One still held by a worker that is going is left for the next unlock.
    if (!(await removeParts(id).then(() => true, () => false))) continue;
    found.bytes += bytes;
    gone.push(id);
  }
  return { files: new Set([...found.ids, ...gone]).size, parts: found.parts, bytes: found.bytes };
}
