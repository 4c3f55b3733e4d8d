// @ts-check
// Large files stored by a worker into the private file system (vault/large-files.js,
// vault/parts-worker.js, vault/opfs.js): read back, checked, removed, reclaimed, erased,
// backed up, and stored in the page where there is no private file system.
import * as keys from "/js/vault/keys.js";
import { makeBackup } from "/js/formats/backup/make.js";
import { restore } from "/js/formats/backup/restore.js";
import { FOLDER, names } from "/js/vault/opfs.js";
import { reclaim } from "/js/vault/orphans.js";
import * as records from "/js/vault/records.js";
import { equal, ok, rejects } from "./assert.js";
import { digestHex, fresh, rawRow, readAll, workersStarted, writeRaw } from "./vault.js";

const PASS = "test passphrase for large files";
const PART = records.CHUNK_BYTES;

async function unlocked() {
  await fresh();
  await keys.createVault({ passphrase: PASS });
}

/** @param {number} size @param {number} [seed] */
function pattern(size, seed = 7) {
  return new Uint8Array(size).map((_, i) => (i * seed + (i >> 12)) % 256);
}

/** @param {Uint8Array} a @param {Uint8Array} b */
function same(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The OPFS file holding vault file `id`'s parts. @param {string} id */
async function partsFile(id) {
  const root = await navigator.storage.getDirectory();
  return (await root.getDirectoryHandle(FOLDER)).getFileHandle(id);
}

export async function testAPickedFileOfSeveralPartsIsStoredByAWorkerInThePrivateFileSystem() {
  await unlocked();
  const size = 3 * PART + 4321;
  const bytes = pattern(size);
  const seen = [];
  /** @type {Awaited<ReturnType<typeof records.putFile>> | undefined} */
  let file;
  const started = await workersStarted(async () => {
    file = await records.putFile(new File([bytes], "clip.mp4"), { name: "clip.mp4" }, (n) => seen.push(n), { hash: true });
  });
  if (!file) throw new Error("not stored");
  ok(started.some((url) => url.endsWith("/js/vault/parts-worker.js")), started.join());
  equal(file.chunks, 4);
  equal(file.size, size);
  equal(file.sha256, await digestHex(bytes));
  equal(seen[seen.length - 1], size);
  ok(seen.length >= 4, `progress told ${seen.length} times`);
  equal(await records.get("file", file.id), { name: "clip.mp4", size, chunks: 4, sha256: file.sha256 });
  // Each part's row says where its ciphertext lies; the bytes are not in IndexedDB.
  for (let i = 0; i < 4; i++) {
    const row = await rawRow("chunks", [file.id, i]);
    equal(Object.keys(row).sort(), ["ct", "file", "final", "index", "iv"]);
    equal(row.ct.opfs, file.id);
    equal(row.final, i === 3);
    equal(row.ct.size, (i === 3 ? 4321 : PART) + 16);
  }
  equal(await names(), [file.id]);
  // Only ciphertext on disk: the file's bytes do not appear in it.
  const kept = new Uint8Array(await (await (await partsFile(file.id)).getFile()).arrayBuffer());
  equal(kept.length, size + 4 * 16);
  ok(!same(kept.subarray(0, 64), bytes.subarray(0, 64)), "the first bytes are in clear");
  ok(same(await readAll(records.readFile(file.id)), bytes), "read back differs");
}

export async function testASmallFileOrAStreamStaysInIndexedDB() {
  await unlocked();
  const small = await records.putFile(new Blob([pattern(PART - 1)]));
  ok((await rawRow("chunks", [small.id, 0])).ct instanceof Blob, "a one-part file left IndexedDB");
  const streamed = await records.putFile(new Blob([pattern(2 * PART + 1)]).stream());
  ok((await rawRow("chunks", [streamed.id, 1])).ct instanceof Blob, "a stream's part left IndexedDB");
  equal(await names(), []);
}

export async function testAFileOfExactlyTwoPartsEndsWithAnEmptyPartAsInThePage() {
  await unlocked();
  const bytes = pattern(2 * PART);
  const inWorker = await records.putFile(new Blob([bytes]));
  const inPage = await records.putFile(new Blob([bytes]).stream());
  equal(inWorker.chunks, inPage.chunks);
  equal(inWorker.chunks, 3);
  ok(same(await readAll(records.readFile(inWorker.id)), bytes), "read back differs");
}

export async function testAByteChangedOnDiskIsCaught() {
  await unlocked();
  const file = await records.putFile(new Blob([pattern(2 * PART + 10)]));
  const writable = await (await partsFile(file.id)).createWritable({ keepExistingData: true });
  await writable.write({ type: "write", position: PART + 16 + 5, data: new Uint8Array([1, 2, 3]) });
  await writable.close();
  equal((await rejects(readAll(records.readFile(file.id)))).name, "TamperedError");
}

export async function testPartsSwappedBetweenPlacesAreCaught() {
  await unlocked();
  const file = await records.putFile(new Blob([pattern(3 * PART + 1)]));
  const a = await rawRow("chunks", [file.id, 0]);
  const b = await rawRow("chunks", [file.id, 1]);
  await writeRaw("chunks", { ...a, ct: b.ct, iv: b.iv });
  await writeRaw("chunks", { ...b, ct: a.ct, iv: a.iv });
  equal((await rejects(readAll(records.readFile(file.id)))).name, "TamperedError");
}

export async function testAPartOfAnotherFileIsCaught() {
  await unlocked();
  const one = await records.putFile(new Blob([pattern(2 * PART + 1, 3)]));
  const two = await records.putFile(new Blob([pattern(2 * PART + 1, 5)]));
  const theirs = await rawRow("chunks", [two.id, 0]);
  await writeRaw("chunks", { ...(await rawRow("chunks", [one.id, 0])), ct: theirs.ct, iv: theirs.iv });
  equal((await rejects(readAll(records.readFile(one.id)))).name, "TamperedError");
}

export async function testPartsGoneFromDiskSayTheFileIsIncomplete() {
  await unlocked();
  const file = await records.putFile(new Blob([pattern(2 * PART + 1)]));
  const root = await navigator.storage.getDirectory();
  await (await root.getDirectoryHandle(FOLDER)).removeEntry(file.id);
  const error = await rejects(readAll(records.readFile(file.id)));
  equal(error.name, "TamperedError");
  ok(/incomplete/.test(error.message), error.message);
}

export async function testRemovingAFileRemovesItsPartsFromDisk() {
  await unlocked();
  const file = await records.putFile(new Blob([pattern(2 * PART + 1)]));
  const other = await records.putFile(new Blob([pattern(2 * PART + 1)]));
  await records.removeFile(file.id);
  equal(await rawRow("chunks", [file.id, 0]), undefined);
  equal(await records.get("file", file.id), undefined);
  equal(await names(), [other.id]);
}

export async function testPartsOfNoFileAreReclaimedAndAFilesPartsAreKept() {
  await unlocked();
  const file = await records.putFile(new Blob([pattern(2 * PART + 1)]));
  // What a store cut short leaves: parts on disk, no rows, no record.
  const root = await navigator.storage.getDirectory();
  const left = await (await root.getDirectoryHandle(FOLDER)).getFileHandle("cut-short", { create: true });
  const writable = await left.createWritable();
  await writable.write(new Uint8Array(3000));
  await writable.close();
  const reclaimed = await reclaim();
  equal(reclaimed.files, 1);
  equal(reclaimed.bytes, 3000);
  equal(await names(), [file.id]);
  ok((await readAll(records.readFile(file.id))).length === 2 * PART + 1, "a file's parts were taken");
}

/** Wait until the worker has begun writing a file to disk. */
async function writing() {
  for (let i = 0; i < 500 && !(await names()).length; i++) await new Promise((r) => setTimeout(r, 5));
  ok((await names()).length === 1, "the worker never began writing");
}

export async function testNothingIsReclaimedWhileAFileIsBeingWritten() {
  await unlocked();
  const storing = records.putFile(new Blob([pattern(48 * PART)]));
  await writing();
  const reclaimed = await reclaim();
  // Still being written when reclaim ran (else this shows nothing): on disk, no record yet.
  equal((await records.rows("file")).length, 0);
  equal(reclaimed.files, 0);
  const file = await storing;
  equal(await names(), [file.id]);
  equal((await readAll(records.readFile(file.id))).length, 48 * PART);
}

export async function testTwoFilesStoredAtOnceAreBothKept() {
  await unlocked();
  const one = pattern(3 * PART + 1, 3);
  const two = pattern(2 * PART + 2, 5);
  const [a, b] = await Promise.all([records.putFile(new Blob([one])), records.putFile(new Blob([two]))]);
  equal((await names()).sort(), [a.id, b.id].sort());
  ok(same(await readAll(records.readFile(a.id)), one), "the first differs");
  ok(same(await readAll(records.readFile(b.id)), two), "the second differs");
}

export async function testALockStopsTheFileUnderWayAndTheOneWaiting() {
  await unlocked();
  const first = records.putFile(new Blob([pattern(40 * PART)]));
  const second = records.putFile(new Blob([pattern(3 * PART)]));
  await writing();
  keys.lock();
  equal((await rejects(first)).name, "LockedError");
  equal((await rejects(second)).name, "LockedError");
  await keys.unlockWithPassphrase(PASS);
  await reclaim();
  equal(await names(), []);
  equal((await records.rows("file")).length, 0);
  const { tx, req } = await import("/js/vault/idb.js");
  equal(await tx("chunks", "readonly", (t) => req(t.objectStore("chunks").count())), 0);
}

export async function testErasingWhileAFileIsStoredLeavesNothingOnDisk() {
  await unlocked();
  const storing = records.putFile(new Blob([pattern(40 * PART)]));
  storing.catch(() => {});
  await writing();
  await keys.eraseEverything();
  equal((await rejects(storing)).name, "LockedError");
  equal(await names(), []);
  equal((await indexedDB.databases()).map((d) => d.name).includes("app"), false);
}

export async function testErasingRemovesThePartsOnDisk() {
  await unlocked();
  await records.putFile(new Blob([pattern(2 * PART + 1)]));
  ok((await names()).length === 1, "not stored on disk");
  await keys.eraseEverything();
  equal(await names(), []);
}

export async function testABackupCarriesPartsFromDiskAndRestoresThem() {
  await unlocked();
  const bytes = pattern(3 * PART + 77);
  const file = await records.putFile(new Blob([bytes]), { name: "clip.mp4" });
  // Saved, as a download saves it: the file's Blob reads the parts from disk when it is read.
  const backup = new Blob([await (await makeBackup()).arrayBuffer()]);
  await fresh();
  equal(await names(), []);
  await restore(backup, PASS);
  ok(same(await readAll(records.readFile(file.id)), bytes), "restored file differs");
}

export async function testWhereThePrivateFileSystemIsRefusedTheFileIsStoredInThePage() {
  const had = Object.getOwnPropertyDescriptor(StorageManager.prototype, "getDirectory");
  // As in Safari's private browsing, before anything asks for it.
  StorageManager.prototype.getDirectory = () => Promise.reject(new DOMException("The operation failed for an unknown transient reason", "UnknownError"));
  try {
    await unlocked();
    const bytes = pattern(2 * PART + 9);
    const file = await records.putFile(new Blob([bytes]), {}, undefined, { hash: true });
    ok((await rawRow("chunks", [file.id, 2])).ct instanceof Blob, "not stored in IndexedDB");
    equal(file.sha256, await digestHex(bytes));
    ok(same(await readAll(records.readFile(file.id)), bytes), "read back differs");
    // Reclaiming and erasing still work there.
    equal((await reclaim()).files, 0);
    await keys.eraseEverything();
  } finally {
    if (had) Object.defineProperty(StorageManager.prototype, "getDirectory", had);
  }
}

export async function testWhereTheWorkerWillNotStartTheFileIsStoredInThePage() {
  await unlocked();
  const Original = window.Worker;
  window.Worker = class extends Original {
    constructor() {
      super("/js/vault/no-such-worker.js", { type: "module" });
    }
  };
  try {
    const bytes = pattern(2 * PART + 9);
    const file = await records.putFile(new Blob([bytes]));
    ok((await rawRow("chunks", [file.id, 0])).ct instanceof Blob, "not stored in IndexedDB");
    ok(same(await readAll(records.readFile(file.id)), bytes), "read back differs");
  } finally {
    window.Worker = Original;
  }
  equal(await names(), []);
}

export async function testALargePickedFileIsHashedRightBesideItsEncryption() {
  await unlocked();
  // Past 8 MiB the worker's hash carries on in a worker of its own.
  const bytes = new Uint8Array(10 * PART + 99);
  for (let i = 0; i < bytes.length; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
  const file = await records.putFile(new File([bytes], "clip.mp4"), { name: "clip.mp4" }, undefined, { hash: true });
  equal(file.sha256, await digestHex(bytes));
  equal((await records.get("file", file.id)).sha256, file.sha256);
  equal(await names(), [file.id]);
  ok(same(await readAll(records.readFile(file.id)), bytes), "read back differs");
}
