// @ts-check
// The inbox: captures sealed to its public key while locked, opened only after an unlock.
import * as inbox from "/js/inbox/open.js";
import { CannotKeepError, PART_BYTES, keepFile, keepNote } from "/js/inbox/seal.js";
import { toHex } from "/js/bytes.js";
import { destroy, tx, req } from "/js/vault/idb.js";
import * as keys from "/js/vault/keys.js";
import * as records from "/js/vault/records.js";
import { equal, ok, rejects } from "./assert.js";
import { fresh, rawRow, writeRaw } from "./vault.js";

const PASS = "test passphrase for the inbox";

/** A vault that has been unlocked once (so its inbox key exists), then locked. */
async function lockedWithInbox() {
  await fresh();
  await keys.createVault({ passphrase: PASS });
  await inbox.ensureKey();
  keys.lock();
}

/** @param {number} n */
function bytesOf(n) {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + 7) & 255;
  return out;
}

/** Read a stream whole (a Response would turn its error into a TypeError). @param {ReadableStream<Uint8Array>} stream */
async function drain(stream) {
  /** @type {Uint8Array[]} */
  const parts = [];
  const reader = stream.getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) parts.push(next.value);
  return new Uint8Array(await new Blob(parts).arrayBuffer());
}

/** Every raw inbox row. @returns {Promise<any[]>} */
const allRows = () => tx("inbox", "readonly", (t) => req(t.objectStore("inbox").getAll()));

export async function testANoteKeptWhileLockedOpensAfterUnlockWithItsTimeAndHash() {
  await lockedWithInbox();
  const at = Date.UTC(2026, 10, 30, 9, 15);
  const kept = await keepNote("He was outside the gym again", { at });
  ok(!keys.isUnlocked(), "keeping a note must not unlock anything");
  await keys.unlockWithPassphrase(PASS);
  const [item] = await inbox.items();
  equal(item.item, kept.item);
  ok("text" in item);
  equal(item.text, "He was outside the gym again");
  equal(item.at, at);
  equal(item.kind, "note");
  const digest = toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode("He was outside the gym again"))));
  equal(item.sha256, digest);
}

export async function testAFileOfSeveralPartsComesBackWholeWithTheHashOfItsOriginalBytes() {
  await lockedWithInbox();
  const original = bytesOf(PART_BYTES * 2 + 1234);
  const kept = await keepFile(new Blob([original], { type: "image/jpeg" }), { name: "shot.jpg" });
  equal((await allRows()).length, 4); // head and three parts
  await keys.unlockWithPassphrase(PASS);
  const [item] = await inbox.items();
  ok(!("unreadable" in item));
  equal([item.name, item.type, item.size, item.parts], ["shot.jpg", "image/jpeg", original.length, 3]);
  equal(item.sha256, toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", original))));
  equal(item.sha256, kept.sha256);
  const back = await drain(inbox.read(item.item));
  equal(back.length, original.length);
  ok(back.every((b, i) => b === original[i]), "the bytes differ");
}

export async function testAnEmptyFileIsKeptAsOneEmptyPart() {
  await lockedWithInbox();
  await keepFile(new Blob([]), { name: "empty.txt", type: "text/plain" });
  await keys.unlockWithPassphrase(PASS);
  const [item] = await inbox.items();
  equal((await drain(inbox.read(item.item))).length, 0);
}

export async function testNothingOfACaptureIsInClear() {
  await lockedWithInbox();
  const words = "unmistakable-words-in-the-capture";
  await keepNote(words);
  await keepFile(new Blob([new TextEncoder().encode(words.repeat(100))], { type: "text/plain" }), { name: "message-from-him.txt" });
  for (const row of await allRows()) {
    equal(Object.keys(row).filter((k) => !["item", "index", "final", "epk", "iv", "ct"].includes(k)), []);
    const text = new TextDecoder("latin1").decode(row.ct);
    ok(!text.includes("unmistakable") && !text.includes("message-from"), "plaintext in a row");
  }
}

export async function testAnAlteredPartOrHeadDoesNotOpen() {
  await lockedWithInbox();
  const { item } = await keepFile(new Blob([bytesOf(5000)]), { name: "a.bin" });
  await keys.unlockWithPassphrase(PASS);
  const part = await rawRow("inbox", [item, 1]);
  part.ct[3] ^= 1;
  await writeRaw("inbox", part);
  const error = await rejects(drain(inbox.read(item)));
  equal(error.name, "TamperedError");
  const head = await rawRow("inbox", [item, 0]);
  head.ct[3] ^= 1;
  await writeRaw("inbox", head);
  const [listed] = await inbox.items();
  ok("unreadable" in listed, "an altered head must be listed as unreadable");
}

export async function testAPartMovedToAnotherCaptureDoesNotOpen() {
  await lockedWithInbox();
  const a = await keepFile(new Blob([bytesOf(100)]), { name: "a" });
  const b = await keepFile(new Blob([bytesOf(200)]), { name: "b" });
  await keys.unlockWithPassphrase(PASS);
  const part = await rawRow("inbox", [a.item, 1]);
  await writeRaw("inbox", { ...part, item: b.item });
  equal((await rejects(drain(inbox.read(b.item)))).name, "TamperedError");
}

export async function testWithoutAnInboxKeyNothingIsKept() {
  await fresh();
  await keys.createVault({ passphrase: PASS });
  keys.lock(); // never unlocked since the inbox existed: no public key yet
  equal((await rejects(keepNote("lost?"))).name, "CannotKeepError");
  equal(await allRows().then((rows) => rows.length), 0);
}

export async function testOnABrowserWithNoDatabaseNoneIsMade() {
  keys.lock();
  await destroy();
  const error = await rejects(keepNote("a stranger's browser"));
  ok(error instanceof CannotKeepError);
  const names = (await indexedDB.databases()).map((d) => d.name);
  ok(!names.includes("app"), `a database was made: ${names}`);
}

export async function testTwoUnlocksAtOnceMakeOneKeyPairAndThePublicKeyMatchesIt() {
  await fresh();
  await keys.createVault({ passphrase: PASS });
  await Promise.all([inbox.ensureKey(), inbox.ensureKey(), inbox.ensureKey()]);
  equal((await records.rows(inbox.KEY.kind)).length, 1);
  equal((await records.rows(inbox.KEY.kind))[0].version, 1);
  keys.lock();
  await keepNote("sealed to the kept key");
  await keys.unlockWithPassphrase(PASS);
  const [item] = await inbox.items();
  ok("text" in item && item.text === "sealed to the kept key", "the note must open with the kept key");
}

export async function testDiscardRemovesEveryPart() {
  await lockedWithInbox();
  const { item } = await keepFile(new Blob([bytesOf(PART_BYTES + 1)]), { name: "x" });
  await keepNote("stays");
  await keys.unlockWithPassphrase(PASS);
  await inbox.discard(item);
  const rows = await allRows();
  equal(rows.filter((r) => r.item === item).length, 0);
  equal((await inbox.items()).length, 1);
}

export async function testPartsWithoutAHeadAreReclaimedButNotWhileACaptureIsBeingKept() {
  await lockedWithInbox();
  await writeRaw("inbox", { item: "cut-off", index: 1, final: false, iv: new Uint8Array(12), ct: new Uint8Array(32) });
  await keepNote("whole");
  await keys.unlockWithPassphrase(PASS);
  // A writer holds the shared lock: nothing is taken.
  let release = () => {};
  const held = new Promise((resolve) => {
    navigator.locks.request("inbox-parts", { mode: "shared" }, () => new Promise((done) => ((release = () => done(undefined)), resolve(undefined))));
  });
  await held;
  equal(await inbox.reclaim(), 0);
  release();
  await new Promise((r) => setTimeout(r, 50));
  equal(await inbox.reclaim(), 1);
  const rows = await allRows();
  equal(rows.filter((r) => r.item === "cut-off").length, 0);
  equal(rows.length, 1);
}
