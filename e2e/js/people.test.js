// @ts-check
// People described from an incident, and when the diary asks for a backup.
import * as backups from "/js/diary/backups.js";
import * as log from "/js/diary/log.js";
import * as model from "/js/diary/model.js";
import * as keys from "/js/vault/keys.js";
import { equal, ok } from "./assert.js";
import { fresh } from "./vault.js";

async function unlocked() {
  await fresh();
  await keys.createVault({ passphrase: "test passphrase for the people" });
}

export async function testAPersonDescribedFromAnIncidentIsANewRevisionInTheSameAppend() {
  await unlocked();
  const alex = await model.describePerson("", { name: "Alex", description: "Tall", vehicles: "Blue van" });
  const fields = { ...model.emptyIncident(), what: "Outside again", personId: alex, vehicle: "Red car", thisTime: "A red scarf" };
  let appends = 0;
  const stop = log.onChange(() => (appends += 1));
  const id = await model.recordIncident(fields, { describe: { id: alex, fields: { name: "Alex", description: "Tall", vehicles: "Red car" } } });
  const events = await log.events();
  equal(events.map((e) => [e.type, e.subject]), [["person.described", alex], ["person.described", alex], ["incident.recorded", id]]);
  equal([appends, events[1].at], [1, events[2].at], "appended together, in one step");
  const { people, incidents } = model.derive(events);
  const person = /** @type {model.Person} */ (people.get(alex));
  equal(person.revisions.length, 2, "a new revision; the first stays");
  equal(person.fields.vehicles, "Red car");
  equal(JSON.parse(/** @type {string} */ (events[0].payload)).fields.vehicles, "Blue van");
  equal(/** @type {model.Incident} */ (incidents.get(id)).fields.thisTime, "A red scarf");

  // Revising an incident describes the person in the same append too.
  await model.reviseIncident(id, { ...fields, vehicle: "Green bike" }, { describe: { id: alex, fields: { ...person.fields, vehicles: "Green bike" } } });
  const after = await log.events();
  stop();
  equal(after.slice(3).map((e) => e.type), ["person.described", "incident.revised"]);
  equal([appends, after[3].at], [2, after[4].at]);
  equal(/** @type {model.Person} */ (model.derive(after).people.get(alex)).fields.vehicles, "Green bike");
}

const DAY = backups.DAY;
const NOW = Date.UTC(2026, 10, 20, 9);
/** @param {number} n @param {number} at */
const entries = (n, at) => Array.from({ length: n }, () => at);

export async function testTheDiaryAsksForABackupAfterAWeekOrTenEntries() {
  const none = { backup: null, copy: null, snoozed: null, now: NOW };
  ok(!backups.reminder({ ...none, recorded: [] }).ask, "an empty diary is never asked about");
  ok(!backups.reminder({ ...none, recorded: entries(9, NOW - DAY) }).ask, "nine entries today");
  ok(backups.reminder({ ...none, recorded: entries(10, NOW - DAY) }).ask, "ten entries, never backed up");
  ok(backups.reminder({ ...none, recorded: [NOW - 7 * DAY] }).ask, "one entry a week old, never backed up");
  ok(!backups.reminder({ ...none, recorded: [NOW - 6 * DAY] }).ask, "one entry six days old");

  const file = { at: NOW - 6 * DAY, how: /** @type {const} */ ("file") };
  const backed = { ...none, backup: file };
  const six = backups.reminder({ ...backed, recorded: [...entries(20, NOW - 8 * DAY), ...entries(9, NOW - DAY)] });
  equal([six.ask, six.entries, six.days, six.how], [false, 9, 6, "file"], "six days and nine entries since");
  ok(backups.reminder({ ...backed, recorded: entries(10, NOW - DAY) }).ask, "ten entries since");
  ok(backups.reminder({ ...backed, backup: { ...file, at: NOW - 7 * DAY }, recorded: entries(1, NOW - 8 * DAY) }).ask, "a week since");

  // The server copy's later run counts as the last backup.
  const copied = backups.reminder({ ...backed, copy: NOW - DAY, recorded: entries(10, NOW - 2 * DAY) });
  equal([copied.ask, copied.last, copied.how, copied.entries], [false, NOW - DAY, "copy", 0]);

  // "Not now": not again for three days, or ten entries more.
  const asked = { ...none, recorded: entries(10, NOW - DAY) };
  ok(!backups.reminder({ ...asked, snoozed: { at: NOW - 2 * DAY, entries: 10 } }).ask, "put off two days ago");
  ok(backups.reminder({ ...asked, snoozed: { at: NOW - 3 * DAY, entries: 10 } }).ask, "put off three days ago");
  ok(backups.reminder({ ...asked, recorded: entries(20, NOW - DAY), snoozed: { at: NOW - DAY, entries: 10 } }).ask, "ten entries more");
}

export async function testABackupFileMadeIsKeptAndEndsTheWait() {
  await unlocked();
  equal(await backups.kept(), { backup: null, snoozed: null });
  await backups.snooze(12, NOW);
  equal((await backups.kept()).snoozed, { at: NOW, entries: 12 });
  await backups.fileMade(NOW + DAY);
  equal(await backups.kept(), { backup: { at: NOW + DAY, how: "file" }, snoozed: null });
  keys.lock();
  let locked = false;
  await backups.kept().catch(() => (locked = true));
  ok(locked, "nothing is read while the diary is locked");
}
