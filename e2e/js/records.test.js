// @ts-check
import * as keys from "/js/vault/keys.js";
import { makeBackup } from "/js/formats/backup/make.js";
import { restore } from "/js/formats/backup/restore.js";
import { blobsRefused } from "/js/vault/idb.js";
import * as records from "/js/vault/records.js";
import { equal, ok, rejects } from "./assert.js";
import { digestHex, fresh, rawRow, readAll, workersStarted, writeRaw } from "./vault.js";

const PASS = "test passphrase for records";

async function unlocked() {
  await fresh();
  await keys.createVault({ passphrase: PASS });
}

export async function testPutGetListDeleteRoundTrip() {
  await unlocked();
  equal(await records.put("note", "a", { text: "first" }), 1);
  equal(await records.put("note", "a", { text: "second" }), 2);
  await records.put("note", "b", { text: "other" });
  await records.put("person", "p", { name: "someone" });
  equal(await records.get("note", "a"), { text: "second" });
  const notes = (await records.list("note")).map((r) => [r.id, r.version, r.value.text]).sort();
  equal(notes, [["a", 2, "second"], ["b", 1, "other"]]);
  await records.remove("note", "a");
  equal(await records.get("note", "a"), undefined);
  equal((await records.list("note")).length, 1);
}

export async function testOnlyIdKindAndVersionAreInClear() {
  await unlocked();
  await records.put("note", "clear-check", { text: "nothing to see" });
  const row = await rawRow("records", "clear-check");
  equal(Object.keys(row).sort(), ["ct", "id", "iv", "kind", "version"]);
  equal(row.iv.length, 12);
}

export async function testEveryWriteUsesAFreshIv() {
  await unlocked();
  await records.put("note", "iv", { text: "same" });
  const first = await rawRow("records", "iv");
  await records.put("note", "iv", { text: "same" });
  const second = await rawRow("records", "iv");
  ok(first.iv.join() !== second.iv.join(), "IV reused");
}

export async function testAFlippedByteFailsWithAClearError() {
  await unlocked();
  await records.put("note", "t", { text: "tamper me" });
  const row = await rawRow("records", "t");
  row.ct[5] ^= 1;
  await writeRaw("records", row);
  const error = await rejects(records.get("note", "t"));
  equal(error.name, "TamperedError");
  ok(/altered/.test(error.message), error.message);
}

export async function testTwoRecordsSwappedFailToDecrypt() {
  await unlocked();
  await records.put("note", "x", { text: "x" });
  await records.put("note", "y", { text: "y" });
  const x = await rawRow("records", "x");
  const y = await rawRow("records", "y");
  await writeRaw("records", { ...y, id: "x" });
  await writeRaw("records", { ...x, id: "y" });
  equal((await rejects(records.get("note", "x"))).name, "TamperedError");
  equal((await rejects(records.get("note", "y"))).name, "TamperedError");
}

export async function testAnOlderVersionReplayedFailsToDecrypt() {
  await unlocked();
  await records.put("note", "r", { text: "v1" });
  const old = await rawRow("records", "r");
  await records.put("note", "r", { text: "v2" });
  await writeRaw("records", { ...old, version: 2 });
  equal((await rejects(records.get("note", "r"))).name, "TamperedError");
}

export async function testARecordMovedToAnotherKindFails() {
  await unlocked();
  await records.put("note", "k", { text: "k" });
  const row = await rawRow("records", "k");
  await writeRaw("records", { ...row, kind: "person" });
  equal((await rejects(records.get("person", "k"))).name, "TamperedError");
}

export async function testNothingOpensWhenLocked() {
  await unlocked();
  await records.put("note", "l", { text: "locked" });
  keys.lock();
  equal((await rejects(records.get("note", "l"))).name, "LockedError");
  equal((await rejects(records.put("note", "l", {}))).name, "LockedError");
}

/** @param {ReadableStream<Uint8Array>} stream */
export async function testFilesRoundTripInChunks() {
  await unlocked();
  const size = 3 * records.CHUNK_BYTES + 12345;
  const bytes = new Uint8Array(size).map((_, i) => (i * 7) % 256);
  const seen = [];
  const file = await records.putFile(new Blob([bytes]).stream(), { name: "clip.mp4" }, (n) => seen.push(n));
  equal(file.chunks, 4);
  equal(file.size, size);
  equal(seen[seen.length - 1], size);
  const back = await readAll(records.readFile(file.id));
  equal(back.length, size);
  ok(back.every((b, i) => b === bytes[i]), "content differs");
  equal(await records.get("file", file.id), { name: "clip.mp4", size, chunks: 4 });
}

export async function testAnEmptyFileIsOneFinalChunk() {
  await unlocked();
  const file = await records.putFile(new Blob([]).stream());
  equal(file.chunks, 1);
  equal((await readAll(records.readFile(file.id))).length, 0);
}

export async function testATruncatedFileIsCaught() {
  await unlocked();
  const bytes = new Uint8Array(2 * records.CHUNK_BYTES + 10);
  const file = await records.putFile(new Blob([bytes]).stream());
  const { tx } = await import("/js/vault/idb.js");
  await tx("chunks", "readwrite", (t) => {
    t.objectStore("chunks").delete([file.id, 2]);
  });
  equal((await rejects(readAll(records.readFile(file.id)))).name, "TamperedError");
}

export async function testAChunkMarkedFinalEarlyIsCaught() {
  await unlocked();
  const file = await records.putFile(new Blob([new Uint8Array(records.CHUNK_BYTES + 5)]).stream());
  const first = await rawRow("chunks", [file.id, 0]);
  await writeRaw("chunks", { ...first, final: true });
  equal((await rejects(readAll(records.readFile(file.id)))).name, "TamperedError");
}

export async function testChunksSwappedBetweenPlacesAreCaught() {
  await unlocked();
  const file = await records.putFile(new Blob([new Uint8Array(2 * records.CHUNK_BYTES + 1).fill(3)]).stream());
  const a = await rawRow("chunks", [file.id, 0]);
  const b = await rawRow("chunks", [file.id, 1]);
  await writeRaw("chunks", { ...b, index: 0 });
  await writeRaw("chunks", { ...a, index: 1 });
  equal((await rejects(readAll(records.readFile(file.id)))).name, "TamperedError");
}

export async function testRemovingAFileRemovesEveryChunk() {
  await unlocked();
  const file = await records.putFile(new Blob([new Uint8Array(records.CHUNK_BYTES + 1)]).stream());
  await records.removeFile(file.id);
  equal(await rawRow("chunks", [file.id, 0]), undefined);
  equal(await rawRow("chunks", [file.id, 1]), undefined);
  equal(await records.get("file", file.id), undefined);
}

export async function testUsageIsReported() {
  await unlocked();
  const { used, quota } = await records.usage();
  ok(quota > 0 && used >= 0);
}

/**
 * Refuse Blob values in IndexedDB from now on, as WebKit does with ephemeral storage
 * (Safari's Private Browsing). WebKit aborts the transaction afterwards; here the put throws
 * at once, which the app takes the same way.
 */
function refuseBlobs() {
  const put = IDBObjectStore.prototype.put;
  IDBObjectStore.prototype.put = function (value, key) {
    if (value && value.ct instanceof Blob) throw new DOMException("Error preparing Blob/File data to be stored in object store", "DataCloneError");
    return put.call(this, value, key);
  };
}

export async function testFilePartsAreBlobsWhereTheBrowserKeepsThem() {
  await unlocked();
  equal(await blobsRefused(), false);
  const file = await records.putFile(new Blob([new Uint8Array(10)]).stream());
  ok((await rawRow("chunks", [file.id, 0])).ct instanceof Blob, "a part not kept as a Blob");
}

export async function testWhereBlobsAreRefusedFilePartsAreBytesAndEveryReaderTakesThem() {
  refuseBlobs();
  await unlocked();
  equal(await blobsRefused(), true);
  const size = 2 * records.CHUNK_BYTES + 4321;
  const bytes = new Uint8Array(size).map((_, i) => (i * 13) % 256);
  const file = await records.putFile(new Blob([bytes]).stream(), { name: "photo.jpg" });
  for (let i = 0; i < 3; i++) ok((await rawRow("chunks", [file.id, i])).ct instanceof Uint8Array, `part ${i} not bytes`);
  const same = (/** @type {Uint8Array} */ back) => back.length === size && back.every((b, i) => b === bytes[i]);
  ok(same(await readAll(records.readFile(file.id))), "read back differs");

  // The backup file is made from the bytes; restored, its parts are written as bytes again.
  const backup = await makeBackup();
  await fresh();
  await restore(backup, PASS);
  ok((await rawRow("chunks", [file.id, 2])).ct instanceof Uint8Array, "restored part not bytes");
  ok(same(await readAll(records.readFile(file.id))), "restored file differs");
}

/**
 * Count the readwrite transactions on "chunks" opened while `work` runs.
 * @param {() => Promise<unknown>} work
 */
async function chunkWrites(work) {
  const open = IDBDatabase.prototype.transaction;
  let count = 0;
  IDBDatabase.prototype.transaction = function (stores, mode, options) {
    if (mode === "readwrite" && [stores].flat().includes("chunks")) count += 1;
    return open.call(this, stores, mode, options);
  };
  try {
    await work();
  } finally {
    IDBDatabase.prototype.transaction = open;
  }
  return count;
}

export async function testALargeFileIsWrittenSeveralPartsToATransaction() {
  await unlocked();
  const size = 12 * records.CHUNK_BYTES + 7;
  const bytes = new Uint8Array(size).map((_, i) => (i * 11) % 256);
  await blobsRefused(); // its one-off probe is a transaction too
  /** @type {{ id: string, chunks: number } | undefined} */
  let file;
  const writes = await chunkWrites(async () => {
    file = await records.putFile(new Blob([bytes]).stream(), { name: "long.mp4" });
  });
  if (!file) throw new Error("not stored");
  equal(file.chunks, 13);
  // One transaction a part made IndexedDB the slowest step of storing a large file.
  ok(writes <= 4, `${writes} transactions for 13 parts`);
  const back = await readAll(records.readFile(file.id));
  ok(back.length === size && back.every((b, i) => b === bytes[i]), "read back differs");
}

export async function testALargeFileIsHashedInAWorkerBesideItsEncryption() {
  await unlocked();
  // Past 8 MiB: the page's hash so far carries on in the worker.
  const bytes = new Uint8Array(10 * records.CHUNK_BYTES + 99);
  for (let i = 0; i < bytes.length; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
  /** @type {{ id: string, sha256?: string } | undefined} */
  let file;
  const started = await workersStarted(async () => {
    file = await records.putFile(new Blob([bytes]).stream(), { name: "clip.mp4" }, undefined, { hash: true });
  });
  if (!file) throw new Error("not stored");
  equal(file.sha256, await digestHex(bytes));
  equal(started.length, 1);
  ok(started[0].endsWith("/js/vault/sha256-worker.js"), started[0]);
  equal((await records.get("file", file.id)).sha256, file.sha256);
}

export async function testAPhotoIsHashedInThePageWithoutWaitingForAWorker() {
  await unlocked();
  const bytes = new Uint8Array(4 * records.CHUNK_BYTES).map((_, i) => (i * 5) % 256);
  /** @type {{ sha256?: string } | undefined} */
  let file;
  const started = await workersStarted(async () => {
    file = await records.putFile(new Blob([bytes]).stream(), { name: "photo.jpg" }, undefined, { hash: true });
  });
  equal(file?.sha256, await digestHex(bytes));
  equal(started, []);
}

export async function testWhereNoWorkerStartsTheFileIsHashedInThePage() {
  await unlocked();
  const bytes = new Uint8Array(10 * records.CHUNK_BYTES + 5).map((_, i) => (i * 3) % 256);
  const Original = window.Worker;
  // A worker whose script does not load (as when it is missing from the cache).
  window.Worker = class extends Original {
    constructor() {
      super("/js/vault/no-such-worker.js", { type: "module" });
    }
  };
  try {
    const file = await records.putFile(new Blob([bytes]).stream(), { name: "clip.mp4" }, undefined, { hash: true });
    equal(file.sha256, await digestHex(bytes));
  } finally {
    window.Worker = Original;
  }
}
