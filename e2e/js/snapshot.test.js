// @ts-check
// The diary's snapshot (diary/snapshot.js): a big diary unlocks from it, its first screen
// from its first part, and never from either when stale or altered.
import * as log from "/js/diary/log.js";
import * as model from "/js/diary/model.js";
import { FIRST, SNAPSHOT } from "/js/diary/snapshot.js";
import { frames } from "/js/formats/backup/format.js";
import { makeBackup } from "/js/formats/backup/make.js";
import * as changes from "/js/vault/changes.js";
import { req, tx } from "/js/vault/idb.js";
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

// --- the first part: what the timeline's first screen shows -----------------------------------

/** The first screen's diary, from a fresh unlock. */
async function firstScreen() {
  await unlockAgain();
  return model.loadFirst();
}

export async function testTheFirstScreenComesFromTheFirstPartAndTheWholeFollows() {
  await bigDiary();
  const folded = await model.load();
  await unlockAgain();
  const first = await model.loadFirst();
  equal(model.openedFirstFrom(), "snapshot");
  ok(first.whole, "the rest is still to come");
  equal(first.diary.incidents.size, model.FIRST_ROWS, "only the first part was read");
  equal(first.total, model.SNAPSHOT_FROM, "the count is the whole diary's (501 incidents, one withdrawn)");
  equal(first.recorded.length, first.total);
  equal(shown(first.diary), shown(folded).slice(0, model.FIRST_ROWS), "the newest incidents, in the timeline's order");
  const top = model.select(first.diary.incidents, {})[0];
  equal(JSON.stringify(top), JSON.stringify(model.select(folded.incidents, {})[0]), "field for field as the fold makes them");
  const whole = await first.whole;
  equal(model.openedFrom(), "snapshot");
  equal(shown(whole), shown(folded));
}

export async function testTheWholeIsNotReadUntilTheFirstScreenSaysItPainted() {
  await bigDiary();
  await model.load();
  await unlockAgain();
  const first = await model.loadFirst();
  // Its reading ends in one long JSON.parse: begun before the first rows were painted, it
  // held them off the screen (at 50,000 incidents and 4× CPU, 0.8 s).
  await new Promise((resolve) => setTimeout(resolve, 300));
  equal(model.openedFrom(), "", "the whole was read before the screen asked");
  first.begin();
  await first.whole;
  equal(model.openedFrom(), "snapshot");
}

export async function testAFirstPartFromBeforeTheHeadMovedIsNotPainted() {
  await bigDiary();
  await unlockAgain();
  // Another window records an incident and withdraws the newest; neither snapshot is written.
  const newest = model.select((await model.load()).incidents, {})[0];
  await log.append([{ type: "incident.recorded", subject: "late", payload: { fields: { ...model.emptyIncident(new Date(2020, 0, 1)), what: "recorded in another window" } } }]);
  await log.withdraw(newest.id);
  const first = await firstScreen();
  equal(model.openedFirstFrom(), "stale");
  equal(first.whole, null, "the whole diary, folded from the log");
  ok(!shown(first.diary).includes(newest.fields.what), "the withdrawn incident is not shown");
  ok(shown(first.diary).includes("recorded in another window"));
  equal(first.total, model.SNAPSHOT_FROM);
}

export async function testAFirstPartPutBackFromAnEarlierHeadIsNotPainted() {
  await bigDiary();
  const before = await rawRow("records", FIRST.id);
  await model.recordIncident({ ...model.emptyIncident(new Date(2026, 0, 1)), what: "the newest of all" });
  await model.load();
  await model.keepSnapshot();
  ok((await rawRow("records", FIRST.id)).version > before.version, "written again at the new head");
  // Someone with the phone's storage puts the earlier first part back, as it was stored.
  await writeRaw("records", before);
  const first = await firstScreen();
  equal(model.openedFirstFrom(), "stale");
  equal(first.whole, null);
  ok(shown(first.diary).includes("the newest of all"));
  equal(first.total, model.SNAPSHOT_FROM + 1);
}

export async function testAnAlteredFirstPartIsIgnored() {
  await bigDiary();
  const row = await rawRow("records", FIRST.id);
  const ct = new Uint8Array(row.ct);
  ct[10] ^= 0x01;
  await writeRaw("records", { ...row, ct });
  const first = await firstScreen();
  equal(model.openedFirstFrom(), "unreadable");
  equal(first.whole, null);
  equal(first.total, model.SNAPSHOT_FROM);
  // The whole snapshot was not altered: the diary still opens from it, and the first part is
  // written again once the log has been folded behind the first screen.
  equal(model.openedFrom(), "snapshot");
  const until = Date.now() + 10_000;
  while ((await rawRow("records", FIRST.id)).version === row.version && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  equal((await rawRow("records", FIRST.id)).version, row.version + 1, "written again");
  const again = await firstScreen();
  equal(model.openedFirstFrom(), "snapshot");
  ok(again.whole);
}

export async function testAFirstPartMovedIntoTheWholeSnapshotsPlaceDoesNotOpen() {
  await bigDiary();
  const first = await rawRow("records", FIRST.id);
  const whole = await rawRow("records", SNAPSHOT.id);
  await writeRaw("records", { ...first, id: SNAPSHOT.id, version: whole.version });
  await writeRaw("records", { ...whole, id: FIRST.id, version: first.version });
  await unlockAgain();
  await model.loadFirst();
  equal(model.openedFirstFrom(), "unreadable");
  equal(model.openedFrom(), "unreadable");
}

export async function testAFirstPartNeverHoldsAWithdrawnIncident() {
  await bigDiary();
  const stored = await (await import("/js/vault/records.js")).get(FIRST.kind, FIRST.id);
  const ids = stored.incidents.map((/** @type {any[]} */ i) => i[0]);
  ok(!ids.includes("i3"), "withdrawn before it was written: left out");
  equal(stored.total, model.SNAPSHOT_FROM);
}

export async function testASaveAndAWithdrawalRightAfterUnlockAreShown() {
  await bigDiary();
  const first = await firstScreen();
  ok(first.whole, "painted from the first part");
  // Before the whole diary is in: a save, and the newest withdrawn.
  const newest = model.select(first.diary.incidents, {})[0];
  const id = await model.recordIncident({ ...model.emptyIncident(new Date(2026, 2, 1)), what: "saved straight after unlocking" });
  await log.withdraw(newest.id);
  // Whatever the first screen's whole brought meanwhile, the screens that follow (the app
  // shows the timeline again after each) show both.
  await first.whole;
  const again = await model.loadFirst();
  equal(again.whole, null);
  equal(shown(again.diary)[0], "saved straight after unlocking");
  ok(!shown(again.diary).includes(newest.fields.what));
  equal(again.total, model.SNAPSHOT_FROM);
  const diary = await model.load();
  equal(diary.incidents.get(id)?.fields.what, "saved straight after unlocking");
  ok(diary.incidents.get(newest.id)?.withdrawn);
  // Kept again, the next unlock's first part has both.
  await model.keepSnapshot();
  const next = await firstScreen();
  equal(model.openedFirstFrom(), "snapshot");
  equal(shown(next.diary)[0], "saved straight after unlocking");
  ok(!shown(next.diary).includes(newest.fields.what));
}

export async function testTheSnapshotNeverGoesOnTheChangeListNorIntoABackup() {
  await bigDiary();
  const listed = await tx(changes.STORE, "readonly", (t) => changes.read(t));
  ok(!listed.ids.includes(FIRST.id) && !listed.ids.includes(SNAPSHOT.id), "not on the change list");
  const stored = await tx("records", "readonly", (t) => req(t.objectStore("records").getAllKeys()));
  ok(stored.includes(FIRST.id) && stored.includes(SNAPSHOT.id));
  const file = await makeBackup();
  /** @type {any[]} */
  const heads = [];
  for await (const frame of frames(file, false)) heads.push(frame.head);
  ok(heads.some((head) => head.kind === "event"), "the backup holds the events");
  ok(!heads.some((head) => head.kind === "snapshot" || head.id === FIRST.id || head.id === SNAPSHOT.id), "and neither part of the snapshot");
}

export async function testWritingTheSnapshotReadsTheOldOneOnceAtMost() {
  await bigDiary();
  await unlockAgain();
  await model.load();
  await model.recordIncident({ ...model.emptyIncident(new Date(2026, 3, 1)), what: "one more" });
  await model.load();
  // Count the reads of the snapshot's records while it is written again.
  const { IDBObjectStore: Store } = window;
  const get = Store.prototype.get;
  let reads = 0;
  Store.prototype.get = function (/** @type {IDBValidKey} */ key) {
    if (key === SNAPSHOT.id) reads += 1;
    return get.call(this, key);
  };
  try {
    await model.keepSnapshot();
  } finally {
    Store.prototype.get = get;
  }
  equal(reads, 1, "the version checked in the write's own transaction only");
  await unlockAgain();
  await model.load();
  equal(model.openedFrom(), "snapshot");
}
