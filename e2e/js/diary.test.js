// @ts-check
import * as drafts from "/js/diary/drafts.js";
import * as log from "/js/diary/log.js";
import * as model from "/js/diary/model.js";
import { timesGoingBack } from "/js/diary/times.js";
import { toHex } from "/js/vault/bytes.js";
import * as keys from "/js/vault/keys.js";
import * as records from "/js/vault/records.js";
import { Sha256 } from "/js/vault/sha256.js";
import { equal, ok, rejects } from "./assert.js";
import { fresh, rawRow } from "./vault.js";

const PASS = "test passphrase for the diary";

async function unlocked() {
  await fresh();
  await keys.createVault({ passphrase: PASS });
}

/** @param {Uint8Array} bytes */
const webDigest = async (bytes) => toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));

export async function testSha256MatchesWebCryptoAtEveryBlockBoundary() {
  const data = new Uint8Array(300);
  crypto.getRandomValues(data);
  for (let n = 0; n <= 300; n++) {
    const bytes = data.subarray(0, n);
    equal(toHex(new Sha256().update(bytes).digest()), await webDigest(bytes), `length ${n}`);
  }
}

export async function testSha256GivesTheSameHashHoweverTheBytesArrive() {
  const data = new Uint8Array(3 * 1024 * 1024 + 17);
  for (let i = 0; i < data.length; i += 65536) crypto.getRandomValues(data.subarray(i, i + 65536));
  const expected = await webDigest(data);
  for (const piece of [1, 63, 64, 65, 1000, 65536, 1 << 20]) {
    const hash = new Sha256();
    for (let i = 0; i < data.length; i += piece) hash.update(data.subarray(i, i + piece));
    equal(toHex(hash.digest()), expected, `pieces of ${piece}`);
  }
  equal(toHex(new Sha256().update(new TextEncoder().encode("abc")).digest()), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

export async function testPutFileTakesTheHashOfTheOriginalBytes() {
  await unlocked();
  const data = new Uint8Array(2.5 * 1024 * 1024);
  for (let i = 0; i < data.length; i += 65536) crypto.getRandomValues(data.subarray(i, i + 65536));
  const stored = await records.putFile(new Blob([data]).stream(), { name: "x" }, undefined, { hash: true });
  equal(stored.sha256, await webDigest(data));
}

export async function testAppendedEventsFormAChainThatVerifies() {
  await unlocked();
  const [a] = await log.append([{ type: "incident.recorded", subject: "i1", payload: { fields: { what: "one" } } }]);
  const [b, c] = await log.append([
    { type: "person.described", subject: "p1", payload: { fields: { name: "X" } } },
    { type: "incident.revised", subject: "i1", payload: { fields: { what: "two" } } },
  ]);
  equal([a.seq, b.seq, c.seq], [1, 2, 3]);
  equal(a.prev, log.GENESIS);
  equal(b.prev, a.hash);
  equal(c.prev, b.hash);
  equal(c.at, b.at, "events appended together share their time");
  const result = await log.verify();
  ok(result.ok, JSON.stringify(result.problems));
  equal(result.count, 3);
  equal(result.head, c.hash);
}

export async function testManyAppendsAtOnceStayInOrderWithoutGaps() {
  await unlocked();
  const batch = (/** @type {number} */ n) => [{ type: "incident.recorded", subject: `i${n}`, payload: { fields: { what: String(n) } } }];
  await Promise.all(Array.from({ length: 8 }, (_, n) => log.append(batch(n))));
  const events = await log.events();
  equal(events.map((e) => e.seq), [1, 2, 3, 4, 5, 6, 7, 8]);
  equal(new Set(events.map((e) => e.subject)).size, 8);
  ok((await log.verify()).ok);
}

export async function testWithdrawingRemovesContentButKeepsTheChain() {
  await unlocked();
  await log.append([{ type: "incident.recorded", subject: "gone", payload: { fields: { what: "secret words" } } }]);
  await log.append([{ type: "incident.recorded", subject: "kept", payload: { fields: { what: "stays" } } }]);
  const before = (await log.events()).map((e) => e.hash);
  await log.withdraw("gone");
  const events = await log.events();
  equal(events.length, 3);
  equal(events[0].payload, null);
  equal(events.slice(0, 2).map((e) => e.hash), before);
  equal(events[2].type, "entry.withdrawn");
  ok((await log.verify()).ok);
  const { incidents } = model.derive(events);
  ok(incidents.get("gone")?.withdrawn);
  equal(model.select(incidents, {}).map((i) => i.id), ["kept"]);
  equal(model.select(incidents, { query: "secret" }).length, 0);
}

export async function testVerifyNamesAChangedEventAndAMissingOne() {
  await unlocked();
  for (let n = 1; n <= 4; n++) await log.append([{ type: "incident.recorded", subject: `i${n}`, payload: { fields: { what: `n${n}` } } }]);
  const second = await records.get("event", log.eventId(2));
  await records.put("event", log.eventId(2), { ...second, at: second.at - 86_400_000 }); // back-dated
  await records.remove("event", log.eventId(3));
  const { ok: fine, problems } = await log.verify();
  ok(!fine);
  const text = problems.map((p) => `${p.where} ${p.what}`);
  ok(text.some((t) => t.startsWith("event 2 has details")), text.join("\n"));
  ok(text.some((t) => t.startsWith("event 4 comes after event 2")), text.join("\n"));
}

export async function testVerifyNamesAnEventFromAnotherPlace() {
  await unlocked();
  for (let n = 1; n <= 2; n++) await log.append([{ type: "incident.recorded", subject: `i${n}`, payload: { fields: {} } }]);
  const raw = await rawRow("records", log.eventId(1));
  const { writeRaw } = await import("./vault.js");
  await writeRaw("records", { ...raw, id: log.eventId(2) }); // replayed into event 2's place
  const { problems } = await log.verify();
  ok(problems.some((p) => p.where === "event 2" && /could not be decrypted/.test(p.what)), JSON.stringify(problems));
}

export async function testTheLogIsDroppedOnLock() {
  await unlocked();
  await log.append([{ type: "incident.recorded", subject: "i", payload: { fields: { what: "x" } } }]);
  equal((await log.events()).length, 1);
  keys.lock();
  await rejects(() => log.events(), (e) => e.name === "LockedError");
}

export async function testRevisionsKeepTheFirstVersionAndSayWhatChanged() {
  await unlocked();
  const fields = { ...model.emptyIncident(new Date(2026, 10, 1, 9, 30)), what: "first words", behaviours: ["texts"] };
  const id = await model.recordIncident(fields, { person: { name: "Sam", relationship: "colleague" } });
  let { incidents, people } = await model.load();
  const personId = /** @type {model.Incident} */ (incidents.get(id)).fields.personId;
  equal(people.get(personId)?.fields.name, "Sam");
  await model.reviseIncident(id, { ...fields, personId, what: "better words", where: "the office" });
  ({ incidents } = await model.load());
  const incident = /** @type {model.Incident} */ (incidents.get(id));
  equal(incident.revisions.length, 2);
  equal(incident.revisions[0].fields.what, "first words");
  equal(incident.revisions[1].changed, ["where", "what happened"]);
  equal(incident.fields.what, "better words");
  equal(incident.happenedAt, new Date(2026, 10, 1, 9, 30).getTime());
  ok(incident.recordedAt <= Date.now());
  // Saving with nothing changed adds nothing.
  const count = (await log.events()).length;
  await model.reviseIncident(id, incident.fields);
  equal((await log.events()).length, count);
}

export async function testSelectFiltersAndSearches() {
  const make = (/** @type {string} */ id, /** @type {string} */ date, /** @type {Partial<model.IncidentFields>} */ f) => {
    const fields = { ...model.emptyIncident(new Date(`${date}T12:00`)), ...f };
    return /** @type {model.Incident} */ ({ id, recordedAt: 0, happenedAt: model.happenedAt(fields), fields, revisions: [], evidence: [], withdrawn: null, seqs: [], text: [fields.what, fields.where].join("\n").toLowerCase() });
  };
  const incidents = new Map(
    [
      make("a", "2026-01-05", { what: "Red car outside", behaviours: ["driving-past"], personId: "p" }),
      make("b", "2026-02-10", { what: "Texts all night", behaviours: ["texts"], police: { reported: "yes", date: "", officer: "", reference: "" } }),
      make("c", "2026-03-15", { what: "Red roses on the step", behaviours: ["gifts"], personId: "p" }),
    ].map((i) => [i.id, i]),
  );
  const ids = (/** @type {model.Filter} */ f) => model.select(incidents, f).map((i) => i.id);
  equal(ids({}), ["c", "b", "a"]);
  equal(ids({ query: "red" }), ["c", "a"]);
  equal(ids({ query: "RED roses" }), ["c"]);
  equal(ids({ behaviour: "texts" }), ["b"]);
  equal(ids({ personId: "p" }), ["c", "a"]);
  equal(ids({ reported: "yes" }), ["b"]);
  equal(ids({ reported: "no" }), ["c", "a"]);
  equal(ids({ from: "2026-02-10", to: "2026-02-10" }), ["b"]);
  equal(ids({ from: "2026-02-11" }), ["c"]);
}

export async function testSummaryCountsWeeksAndKinds() {
  const at = (/** @type {string} */ d) => ({ happenedAt: new Date(`${d}T12:00`).getTime(), withdrawn: null, fields: { behaviours: ["texts"] } });
  // Mon 2 Nov, Wed 4 Nov, Mon 23 Nov 2026: four weeks, counts 2,0,0,1.
  const s = model.summarise(/** @type {any} */ ([at("2026-11-02"), at("2026-11-04"), at("2026-11-23")]));
  equal(s.count, 3);
  equal(s.days, 22);
  equal(s.weeks.map((w) => w.count), [2, 0, 0, 1]);
  equal(s.byBehaviour, [["texts", 3]]);
  equal(model.summarise([]).weeks, []);
}

export async function testADraftIsKeptWhenTheVaultLocksMidSentence() {
  await unlocked();
  let text = "first";
  const id = drafts.newId();
  const keeper = drafts.keep({ id, target: "new" }, () => ({ fields: { ...model.emptyIncident(), what: text }, person: null, evidence: [] }));
  keeper.changed();
  text = "first and last"; // typed, and locked before the typing timer fires
  keys.lock();
  await keeper.settled();
  keeper.stop();
  await keys.unlockWithPassphrase(PASS);
  equal((await drafts.get(id))?.fields.what, "first and last");
  await drafts.drop(id);
  equal(await drafts.get(id), undefined);
}

/** A keeper of a new entry's draft whose words are `what()`. @param {() => string} what */
const newEntry = (what) => {
  const id = drafts.newId();
  const keeper = drafts.keep({ id, target: "new" }, () => ({ fields: { ...model.emptyIncident(), what: what() }, person: null, evidence: [] }));
  return { id, keeper };
};

export async function testTwoFormsKeepTwoDraftsAndASaveRemovesOnlyItsOwn() {
  await unlocked();
  const a = newEntry(() => "typed in the first tab");
  const b = newEntry(() => "typed in the second tab");
  a.keeper.changed();
  b.keeper.changed();
  await Promise.all([a.keeper.settled(), b.keeper.settled()]);
  equal((await drafts.all()).map((d) => d.fields.what).sort(), ["typed in the first tab", "typed in the second tab"]);
  // The first is saved: its draft goes in the same transaction, the other's stays.
  await a.keeper.hold();
  await model.recordIncident({ ...model.emptyIncident(), what: "typed in the first tab" }, { replaces: a.keeper.records() });
  a.keeper.cancel();
  equal((await drafts.all()).map((d) => d.fields.what), ["typed in the second tab"]);
  // Gone by other means (an older phone's save), the second is written again at the lock,
  // though nothing in it changed.
  await drafts.done(b.id);
  keys.lock();
  await b.keeper.settled();
  b.keeper.stop();
  await keys.unlockWithPassphrase(PASS);
  equal((await drafts.get(b.id))?.fields.what, "typed in the second tab");
}

export async function testASaveThatFailsRecordsNothingAndKeepsItsDraft() {
  await unlocked();
  const a = newEntry(() => "kept whatever happens");
  await a.keeper.saveNow();
  await records.put("note", "not-a-draft", {});
  await a.keeper.hold();
  // One removal the transaction refuses (a record of another kind): nothing is written.
  await rejects(model.recordIncident({ ...model.emptyIncident(), what: "kept whatever happens" }, { replaces: [...a.keeper.records(), { kind: "draft", id: "not-a-draft" }] }));
  a.keeper.resume();
  equal((await log.events()).length, 0);
  equal((await drafts.get(a.id))?.fields.what, "kept whatever happens");
  a.keeper.cancel();
}

export async function testCarryingOnADraftMovesItToTheFormsOwn() {
  await unlocked();
  // A draft kept by an older version, under the one id every tab shared.
  await records.put("draft", "draft-new", { target: "new", fields: { ...model.emptyIncident(), what: "from before" }, person: null, evidence: [], saved: 1 });
  const [old] = await drafts.all();
  equal(old.id, "draft-new");
  const id = drafts.newId();
  const keeper = drafts.keep({ id, target: "new", from: [old.id] }, () => ({ fields: old.fields, person: null, evidence: [] }));
  equal(keeper.records().map((r) => r.id), [id, "draft-new"]);
  await keeper.saveNow();
  equal((await drafts.all()).map((d) => [d.id, d.fields.what]), [[id, "from before"]]);
  equal(keeper.records().map((r) => r.id), [id]);
  keeper.cancel();
}

export async function testAFileThePhoneCannotReadSaysSoAndLeavesNothing() {
  await unlocked();
  const { store, UnreadableFileError } = await import("/js/diary/evidence.js");
  let sent = 0;
  const stream = new ReadableStream({
    pull(controller) {
      if (sent++ < 3) controller.enqueue(new Uint8Array(512 * 1024));
      else controller.error(new DOMException("The file changed on disk", "NotReadableError"));
    },
  });
  const error = await rejects(store({ source: stream, name: "broken.jpg", type: "image/jpeg", kind: "image" }));
  ok(error instanceof UnreadableFileError, String(error));
  ok(/"broken.jpg" could not be read/.test(error.message) && /still here/.test(error.message), error.message);
  const { tx, req } = await import("/js/vault/idb.js");
  equal(await tx("chunks", "readonly", (t) => req(t.objectStore("chunks").count())), 0);
}

export async function testFoldingInNewEventsGivesWhatAFullRebuildGives() {
  await unlocked();
  const fields = (/** @type {string} */ what) => ({ ...model.emptyIncident(new Date(2026, 9, 3)), what });
  const a = await model.recordIncident(fields("alpha"));
  await model.load();
  const b = await model.recordIncident(fields("beta"), { person: { name: "Jo", relationship: "neighbour" } });
  await model.load();
  const { incidents } = await model.load();
  const personId = /** @type {model.Incident} */ (incidents.get(b)).fields.personId;
  await model.describePerson(personId, { name: "Joanne", relationship: "neighbour" });
  await model.reviseIncident(a, { ...fields("alpha two"), personId });
  const stepwise = await model.load();
  const full = model.derive([...(await log.events())].slice()); // a new array: rebuilt from scratch
  const view = (/** @type {model.Diary} */ d) => JSON.stringify([...d.incidents.values()].map((i) => [i.id, i.text, i.happenedAt, i.revisions.length]));
  equal(view(stepwise), view(full));
  ok(/joanne/.test(/** @type {model.Incident} */ (stepwise.incidents.get(b)).text), "a renamed person is found by the new name");
}

export async function testEveryFieldButTheTimeMakesAnEntryWorthSaving() {
  const empty = model.emptyIncident(new Date(2026, 10, 1, 9, 30));
  ok(model.isEmpty(empty), "a new form with only today's date and time is empty");
  /** @type {[string, Partial<model.IncidentFields>][]} */
  const one = [
    ["where", { where: "Bus stop" }],
    ["location", { location: { latitude: 51.5, longitude: -0.1, accuracy: 20 } }],
    ["behaviours", { behaviours: ["texts"] }],
    ["what", { what: "He waited outside" }],
    ["personId", { personId: "p1" }],
    ["looks", { looks: "Tall" }],
    ["clothing", { clothing: "Grey coat" }],
    ["vehicle", { vehicle: "Blue van" }],
    ["registration", { registration: "AB12" }],
    ["thisTime", { thisTime: "A red scarf today" }],
    ["witnesses", { witnesses: [{ name: "", contact: "", saw: "All of it" }] }],
    ["feelings", { feelings: ["fear"] }],
    ["impact", { impact: "Changed my route" }],
    ["police", { police: { reported: "yes", date: "", officer: "", reference: "CR/1" } }],
  ];
  for (const [key, part] of one) {
    const f = { ...empty, ...part };
    ok(!model.isEmpty(f), `${key} alone is worth saving`);
    equal(model.changedFields(empty, f).length, 1, `a change to ${key} is named once`);
  }
  ok(!model.isEmpty(empty, 1), "a file alone is worth saving");
  ok(model.isEmpty({ ...empty, what: "   ", witnesses: [{ name: " ", contact: "", saw: "" }] }), "spaces are nothing");
  equal(model.changedFields(empty, { ...empty, happened: { ...empty.happened, time: "10:00" } }).join(), "when it happened");
}

export async function testTheModelSaysWhatStopsAnEntryBeingSaved() {
  const now = new Date(2026, 10, 1, 9, 30);
  const empty = model.emptyIncident(now);
  const at = now.getTime();
  const context = { isNew: true, evidence: 0, person: false, now: at };
  equal(model.problemWith(empty, context)?.field, "what", "a new entry needs something in it");
  equal(model.problemWith(empty, { ...context, evidence: 1 }), null, "a file is enough");
  equal(model.problemWith(empty, { ...context, person: true }), null, "a new person is enough");
  equal(model.problemWith(empty, { ...context, isNew: false }), null, "an edit may clear the words");
  const what = { ...empty, what: "He followed me" };
  equal(model.problemWith({ ...what, happened: { ...empty.happened, date: "" } }, context)?.field, "date", "a day is needed");
  equal(model.problemWith({ ...what, happened: { ...empty.happened, time: "09:34" } }, context), null, "a clock a little behind is allowed");
  const ahead = { ...what, happened: { ...empty.happened, time: "09:36" } };
  const later = model.problemWith(ahead, context);
  equal(later?.field, "date", "more than five minutes ahead is asked about");
  ok(later?.message.includes("future") && later.message.includes("save again"), later?.message);
  // The phone's clock may be the one that is wrong: saved again as it was, the time is kept.
  equal(model.problemWith(ahead, { ...context, confirmed: later?.ahead }), null, "asked once, then kept");
  const other = { ...what, happened: { ...empty.happened, time: "10:36" } };
  equal(model.problemWith(other, { ...context, confirmed: later?.ahead })?.field, "date", "another time is asked about again");
}

/**
 * Events as the log holds them, recorded at `times` (the hashes do not matter here).
 * @param {[number, string?, unknown?][]} times  [at, type, payload]
 */
const recordedAt = (times) =>
  times.map(([at, type = "incident.recorded", payload = {}], i) => ({
    v: /** @type {1} */ (1), seq: i + 1, prev: "", type, subject: `s${i}`, at, payloadHash: "", payload: JSON.stringify(payload), hash: "",
  }));

export async function testRecordedTimesGoingBackAreFoundOncePerRunAsVerifyFindsThem() {
  const H = 3_600_000;
  equal(JSON.stringify(timesGoingBack(recordedAt([[10 * H], [10 * H], [11 * H]]))), "[]", "the same time again is not going back");
  const found = timesGoingBack(recordedAt([[10 * H], [20 * H], [5 * H], [6 * H], [21 * H], [20 * H], [22 * H]]));
  equal(
    JSON.stringify(found),
    JSON.stringify([
      { first: 3, last: 4, from: 5 * H, to: 6 * H, after: { seq: 2, at: 20 * H } },
      { first: 6, last: 6, from: 20 * H, to: 20 * H, after: { seq: 5, at: 21 * H } },
    ]),
    "each run once, with the event it goes back from",
  );
  // A merge brings in a backup's events with the times that backup recorded: not compared.
  const merged = recordedAt([[20 * H], [21 * H, "backup.merged", { events: 2 }], [1 * H], [2 * H], [22 * H]]);
  equal(JSON.stringify(timesGoingBack(merged)), "[]", "merged events keep their own times");
}
