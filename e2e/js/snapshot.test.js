// @ts-check
// The diary's snapshot (diary/snapshot.js): a big diary unlocks from it, and never from one
// that is stale or altered.
import * as log from "/js/diary/log.js";
import * as model from "/js/diary/model.js";
import { SNAPSHOT } from "/js/diary/snapshot.js";
import * as keys from "/js/vault/keys.js";
import { equal, ok } from "./assert.js";
import { fresh, rawRow, writeRaw } from "./vault.js";

const PASS = "test passphrase for the snapshot";

/** A diary just past the size the snapshot is kept for, folded and kept once. */
async function bigDiary() {
  await fresh();
  await keys.createVault({ passphrase: PASS });
  for (let start = 0; start < model.SNAPSHOT_FROM; start += 100) {
    const batch = [];
    for (let i = start; i < start + 100; i++) {
      batch.push({ type: "incident.recorded", subject: `i${i}`, payload: { fields: { ...model.emptyIncident(new Date(2025, 0, 1 + (i % 300))), what: `incident number ${i}` } } });
    }
    await log.append(batch);
  }
  // Everything a fold makes: a person named in an incident, a revision, evidence, a withdrawal.
  await log.append([
    { type: "person.described", subject: "p1", payload: { fields: { name: "Alex Brown", relationship: "ex-partner" } } },
    { type: "incident.revised", subject: "i1", payload: { fields: { ...model.emptyIncident(new Date(2025, 0, 2)), what: "revised words", personId: "p1", police: { reported: "yes", date: "", officer: "", reference: "" } } } },
    { type: "evidence.added", subject: "i2", payload: { file: "f1", name: "a.png", type: "image/png", kind: "photo", size: 3, sha256: "00" } },
    { type: "incident.recorded", subject: "x1", payload: { fields: { what: "no date given", later: "a field from a later version" } } },
  ]);
  await log.withdraw("i3");
  await model.load();
  equal(model.openedFrom(), "none", "the first fold has no snapshot to use");
  await model.keepSnapshot();
  ok(await rawRow("records", SNAPSHOT.id), "the snapshot is written");
}

async function unlockAgain() {
  keys.lock();
  await keys.unlockWithPassphrase(PASS);
}

/** What the timeline shows of a diary: every incident's words, newest first. @param {model.Diary} diary */
const shown = (diary) => model.select(diary.incidents, {}).map((i) => i.fields.what);

export async function testABigDiaryUnlocksFromItsSnapshotWithTheSameIncidents() {
  await bigDiary();
  const folded = shown(await model.load());
  await unlockAgain();
  const diary = await model.load();
  equal(model.openedFrom(), "snapshot");
  equal(shown(diary), folded);
  equal(diary.incidents.get("i7")?.fields.what, "incident number 7");
  keys.lock();
  await keys.unlockWithPassphrase(PASS);
  const fromLog = model.derive(await log.events());
  equal(JSON.stringify([...diary.incidents.values()]), JSON.stringify([...fromLog.incidents.values()]), "the same incidents, field for field");
  equal(JSON.stringify([...diary.people.values()]), JSON.stringify([...fromLog.people.values()]));
  equal(model.select(diary.incidents, { query: "137" }).length, 1, "search works on the snapshot's incidents");
}

export async function testTheSnapshotIsUsedWithoutReadingTheLog() {
  await bigDiary();
  // An event the log could not open: a fold would fail on it, the snapshot does not need it.
  const row = await rawRow("records", log.eventId(3));
  const ct = new Uint8Array(row.ct);
  ct[0] ^= 1;
  await writeRaw("records", { ...row, ct });
  await unlockAgain();
  const diary = await model.load();
  equal(model.openedFrom(), "snapshot");
  equal(diary.incidents.size, model.SNAPSHOT_FROM + 1);
  ok(!(await log.verify()).ok, "the log itself still shows the alteration");
}

export async function testAStaleSnapshotIsNotUsedAndTheDiaryShowsTheLog() {
  await bigDiary();
  await unlockAgain();
  // Another path moves the head on (another window, a merge) without writing the snapshot.
  await log.append([{ type: "incident.recorded", subject: "late", payload: { fields: { ...model.emptyIncident(new Date(2026, 0, 1)), what: "recorded in another window" } } }]);
  await log.withdraw("i5");
  await unlockAgain();
  const diary = await model.load();
  equal(model.openedFrom(), "stale");
  equal(diary.incidents.get("late")?.fields.what, "recorded in another window");
  ok(diary.incidents.get("i5")?.withdrawn, "withdrawn in the log, withdrawn on screen");
  ok(!shown(diary).includes("incident number 5"));
  ok(!model.select(diary.incidents, { query: "number 5" }).some((i) => i.id === "i5"), "its words are not searched");
  // Written again at the new head: the next unlock uses it, with the same truth.
  await model.keepSnapshot();
  await unlockAgain();
  const again = await model.load();
  equal(model.openedFrom(), "snapshot");
  equal(shown(again), shown(diary));
}

export async function testTheDiaryFromASnapshotFollowsTheLogOnceItMoves() {
  await bigDiary();
  await unlockAgain();
  const first = await model.load();
  equal(model.openedFrom(), "snapshot");
  const id = await model.recordIncident({ ...model.emptyIncident(new Date(2026, 1, 1)), what: "saved after the unlock" });
  const after = await model.load();
  ok(after !== first, "folded from the log, not the snapshot's diary");
  equal(after.incidents.get(id)?.fields.what, "saved after the unlock");
  ok(shown(after).includes("saved after the unlock"));
}

export async function testATamperedSnapshotIsIgnoredAndWrittenAgain() {
  await bigDiary();
  const row = await rawRow("records", SNAPSHOT.id);
  const ct = new Uint8Array(row.ct);
  ct[ct.length - 40] ^= 0x20;
  await writeRaw("records", { ...row, ct });
  await unlockAgain();
  const diary = await model.load();
  equal(model.openedFrom(), "unreadable");
  equal(diary.incidents.size, model.SNAPSHOT_FROM + 1);
  equal(diary.incidents.get("i9")?.fields.what, "incident number 9");
  await model.keepSnapshot();
  equal((await rawRow("records", SNAPSHOT.id)).version, row.version + 1, "the snapshot is written again");
  await unlockAgain();
  await model.load();
  equal(model.openedFrom(), "snapshot");
}

export async function testASnapshotFromAnotherPlaceDoesNotOpen() {
  await bigDiary();
  // The snapshot's ciphertext moved into an event's place, and back with another version:
  // the additional data binds it to its kind, id and version.
  const row = await rawRow("records", SNAPSHOT.id);
  await writeRaw("records", { ...row, version: row.version + 1 });
  await unlockAgain();
  await model.load();
  equal(model.openedFrom(), "unreadable");
}

export async function testASmallDiaryKeepsNoSnapshot() {
  await fresh();
  await keys.createVault({ passphrase: PASS });
  await model.recordIncident({ ...model.emptyIncident(), what: "one" });
  await model.load();
  await model.keepSnapshot();
  equal(await rawRow("records", SNAPSHOT.id), undefined);
}
