// @ts-check
// Filing the inbox's captures into the diary: bytes copied and checked, the capture's time in
// the log, the capture removed only once it is recorded, and never filed twice.
import * as filing from "/js/diary/filing.js";
import * as drafts from "/js/diary/drafts.js";
import * as log from "/js/diary/log.js";
import * as model from "/js/diary/model.js";
import * as inbox from "/js/inbox/open.js";
import { PART_BYTES, keepFile, keepNote } from "/js/inbox/seal.js";
import { toHex } from "/js/bytes.js";
import { req, tx } from "/js/vault/idb.js";
import * as keys from "/js/vault/keys.js";
import * as records from "/js/vault/records.js";
import { equal, ok, rejects } from "./assert.js";
import { fresh } from "./vault.js";

const PASS = "test passphrase for filing";

/** A diary with one incident, unlocked once (so its inbox key exists), then locked. */
async function lockedDiary() {
  await fresh();
  await keys.createVault({ passphrase: PASS });
  await inbox.ensureKey();
  const id = await model.recordIncident({ ...model.emptyIncident(), what: "Parked outside again" });
  keys.lock();
  return id;
}

/** @param {number} n */
function bytesOf(n) {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 7 + 3) & 255;
  return out;
}

/** @param {string} id */
const fileBytes = async (id) => new Uint8Array(await new Response(records.readFile(id)).arrayBuffer());
/** @param {Uint8Array} bytes */
const sha = async (bytes) => toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
const inboxRows = () => tx("inbox", "readonly", (t) => req(t.objectStore("inbox").count()));

/** The only capture waiting, opened. */
async function only() {
  const list = await filing.waiting();
  equal(list.length, 1);
  const [capture] = list;
  ok(!("unreadable" in capture), "the capture must open");
  return /** @type {import("/js/diary/filing.js").Item} */ (capture);
}

export async function testAFileAddedToAnIncidentKeepsItsBytesHashAndCaptureTime() {
  const id = await lockedDiary();
  const original = bytesOf(PART_BYTES * 2 + 99);
  const at = Date.UTC(2026, 10, 28, 22, 5);
  await keepFile(new Blob([original], { type: "application/pdf" }), { name: "letter.pdf", at, via: "share" });
  await keys.unlockWithPassphrase(PASS);
  await filing.addTo(await only(), id);
  const incident = /** @type {model.Incident} */ ((await model.load()).incidents.get(id));
  equal(incident.evidence.length, 1);
  const [item] = incident.evidence;
  equal([item.name, item.type, item.kind, item.size, item.captured, item.via], ["letter.pdf", "application/pdf", "file", original.length, at, "share"]);
  equal(item.sha256, await sha(original));
  const back = await fileBytes(item.file);
  equal(await sha(back), await sha(original));
  equal(incident.revisions.length, 1); // only a file was added: no new version of the words
  equal(await inboxRows(), 0);
  ok((await log.verify()).ok, "the chain must still check out");
}

export async function testANoteIsFiledAsTheExactWordsWithTheirFingerprint() {
  const id = await lockedDiary();
  const words = "He rang 14 times — from a withheld number";
  const kept = await keepNote(words, { at: Date.UTC(2026, 10, 29, 7, 30) });
  await keys.unlockWithPassphrase(PASS);
  await filing.addTo(await only(), id);
  const [item] = /** @type {model.Incident} */ ((await model.load()).incidents.get(id)).evidence;
  equal(item.kind, "note");
  equal(item.sha256, kept.sha256);
  equal(new TextDecoder().decode(await fileBytes(item.file)), words);
  ok(item.type.startsWith("text/plain"), item.type);
}

export async function testBytesThatDoNotMatchTheFingerprintAreRefusedAndTheCaptureStays() {
  const id = await lockedDiary();
  await keepFile(new Blob([bytesOf(5000)]), { name: "a.bin" });
  await keys.unlockWithPassphrase(PASS);
  const capture = await only();
  const filesBefore = (await records.rows("file")).length;
  const error = await rejects(filing.addTo({ ...capture, sha256: "0".repeat(64) }, id));
  equal(error.name, "DiffersError");
  equal((await records.rows("file")).length, filesBefore); // the copy was taken back
  equal(/** @type {model.Incident} */ ((await model.load()).incidents.get(id)).evidence.length, 0);
  equal((await filing.waiting()).length, 1);
}

export async function testACaptureRecordedButNotYetRemovedIsRemovedNotOfferedAgain() {
  const id = await lockedDiary();
  await keepFile(new Blob([bytesOf(300)]), { name: "b.bin" });
  await keys.unlockWithPassphrase(PASS);
  const capture = await only();
  // The phone stops after the event is recorded, before the capture is removed.
  const filed = await filing.copy(capture);
  await model.reviseIncident(id, /** @type {model.Incident} */ ((await model.load()).incidents.get(id)).fields, { evidence: [filed] });
  ok((await inboxRows()) > 0, "the capture is still stored");
  equal((await filing.waiting()).length, 0);
  equal(await inboxRows(), 0);
  equal(/** @type {model.Incident} */ ((await model.load()).incidents.get(id)).evidence.length, 1);
}

export async function testANewIncidentFromACaptureIsAnUnfinishedEntryMadeOnceWithItsTimeAndWords() {
  await lockedDiary();
  const at = new Date(2026, 10, 27, 18, 45).getTime();
  await keepNote("Waiting at the bus stop again", { at });
  await keys.unlockWithPassphrase(PASS);
  const capture = await only();
  const draftId = await filing.draftFor(capture);
  equal(await filing.draftFor(capture), draftId); // a second tap carries on the same entry
  const draft = /** @type {drafts.Draft} */ (await drafts.get(draftId));
  equal(draft.fields.happened.date, "2026-11-27");
  equal(draft.fields.happened.time, "18:45");
  equal(draft.fields.what, "Waiting at the bus stop again");
  equal(draft.evidence.length, 1);
  equal([draft.evidence[0].captured, draft.evidence[0].inbox], [at, capture.item]);
  // Still in the inbox until the entry is saved; then it goes.
  equal((await filing.waiting()).length, 1);
  const saved = await model.recordIncident(draft.fields, { evidence: draft.evidence, replaces: [{ kind: "draft", id: draftId }] });
  await filing.settle();
  equal(await inboxRows(), 0);
  equal(/** @type {model.Incident} */ ((await model.load()).incidents.get(saved)).evidence[0].captured, at);
}

export async function testAddingToAWithdrawnIncidentIsRefusedAndKeepsTheCapture() {
  const id = await lockedDiary();
  await keepNote("for a withdrawn entry");
  await keys.unlockWithPassphrase(PASS);
  await log.withdraw(id);
  const error = await rejects(filing.addTo(await only(), id));
  ok(error.message.includes("no longer in the diary"), error.message);
  equal((await filing.waiting()).length, 1);
}

export async function testACaptureHeldByAnUnfinishedEntryIsNotAddedToAnotherIncident() {
  const id = await lockedDiary();
  await keepNote("kept once, filed once");
  await keys.unlockWithPassphrase(PASS);
  const capture = await only();
  await filing.draftFor(capture); // "Make a new incident", then Back: the entry waits unfinished
  const error = await rejects(filing.addTo(capture, id));
  equal(error.name, "HeldError");
  equal(/** @type {model.Incident} */ ((await model.load()).incidents.get(id)).evidence.length, 0);
  equal((await filing.waiting()).length, 1);
}
