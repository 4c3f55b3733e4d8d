// @ts-check
// The diary is an append-only, hash-chained log of events; every view is derived from it.
// Each event holds the SHA-256 of its payload and of the event before it, so changing,
// removing or inserting one breaks the chain at that point. Withdrawing an entry removes its
// payloads but keeps their hashes, so the chain still verifies. The format is written down
// in docs/diary-format.md; `hashEvent` must stay reproducible outside the browser.
import { toHex, utf8 } from "../vault/bytes.js";
import { sha256 } from "../vault/crypto.js";
import { LockedError, lockEpoch, onLock } from "../vault/keys.js";
import * as records from "../vault/records.js";

export const GENESIS = "0".repeat(64);
const HEAD = { kind: "chain", id: "head" };

/**
 * @typedef {object} Event
 * @property {1} v
 * @property {number} seq        1, 2, 3, … with no gaps
 * @property {string} prev       hash of event seq-1 (GENESIS for the first)
 * @property {string} type       e.g. "incident.recorded"
 * @property {string} subject    the id of what the event is about
 * @property {number} at         when it was recorded (ms since 1970), set here, never edited
 * @property {string} payloadHash  SHA-256 (hex) of the payload's JSON text
 * @property {string | null} payload  the JSON text; null once withdrawn
 * @property {string} hash       this event's hash (kept for convenience; verify() recomputes it)
 */

/** @typedef {{ type: string, subject: string, payload: unknown }} NewEvent */
/**
 * A merged backup's chain as headers and hashes only, with what tied it to a time, kept so
 * those anchors still count after the merge (formats/backup/merge.js; docs/diary-format.md).
 * @typedef {{ head: string, made: number, events: (Omit<Event, "payload" | "v"> & { payload: string | null })[], receipts: unknown[], receiptKeys: unknown[], timestamps: unknown[], tsaCertificates: string[] }} Origin
 */

/** Event record ids sort in chain order. @param {number} seq */
export const eventId = (seq) => "e" + String(seq).padStart(9, "0");

/**
 * The hash of an event: SHA-256 of its header fields, one per line.
 * @param {{ seq: number, prev: string, type: string, subject: string, at: number, payloadHash: string }} e
 */
export async function hashEvent(e) {
  const header = ["cairn/event/v1", e.seq, e.prev, e.type, e.subject, e.at, e.payloadHash].join("\n");
  return toHex(await sha256(utf8(header)));
}

/** @param {string} text */
const hashText = async (text) => toHex(await sha256(utf8(text)));

/**
 * Make an event, hashed, from its place in the chain and its payload.
 * @param {{ seq: number, prev: string, type: string, subject: string, at: number }} header
 * @param {unknown} payload
 * @returns {Promise<Event>}
 */
async function makeEvent(header, payload) {
  const text = JSON.stringify(payload ?? {});
  const body = { v: /** @type {1} */ (1), ...header, payloadHash: await hashText(text) };
  return { ...body, payload: text, hash: await hashEvent(body) };
}

// The log, decrypted, while the vault is unlocked. Dropped on lock.
/** @type {Event[]} */
let cache = [];
let cachedHeadVersion = -1;
/** Each cached event's record version (1, or 2 once withdrawn), for rewriting it. */
/** @type {Map<string, number>} */
let versions = new Map();
/** @type {Set<() => void>} */
const listeners = new Set();

onLock(() => {
  cache = [];
  cachedHeadVersion = -1;
  versions = new Map();
});

// Changes from this window go one at a time; another window's are caught by the head's
// version check, and retried.
/** @type {Promise<unknown>} */
let queue = Promise.resolve();
/**
 * @template T
 * @param {() => Promise<T>} work
 * @returns {Promise<T>}
 */
function serial(work) {
  const run = queue.then(work, work);
  // The queue keeps no result: a save's decrypted events must not outlive the lock.
  queue = run.then(
    () => {},
    () => {},
  );
  return run;
}

/** Wait a little, more each time, so windows that collided do not collide again. @param {number} attempt */
const backOff = (attempt) => new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * (attempt + 1)));

/** @typedef {{ version: number, seq: number, hash: string }} Head */

/**
 * Read the head, then build on it and write. When another window wrote first (a
 * ConflictError), wait a little and build again on its head, up to ten times more.
 * @template T
 * @param {(head: Head) => Promise<T>} attempt builds from the head and writes, all or nothing
 * @returns {Promise<T>}
 */
async function onLatestHead(attempt) {
  for (let tries = 0; ; tries++) {
    const head = await readHead();
    try {
      return await attempt(head);
    } catch (error) {
      if (!(error instanceof records.ConflictError) || tries >= 10) throw error;
      await backOff(tries); // another window appended: build on its head
    }
  }
}

/**
 * The events read must reach the head read before them: if the log grew in between, try again.
 * @param {Event[]} all @param {Head} head @throws {records.ConflictError}
 */
function reaches(all, head) {
  if ((all.at(-1)?.seq || 0) !== head.seq) throw new records.ConflictError();
}

/** Call `listener` after every change to the log. @param {() => void} listener */
export function onChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

async function readHead() {
  const rows = await records.rows(HEAD.kind);
  const row = rows.find((r) => r.id === HEAD.id);
  if (!row) return { version: 0, seq: 0, hash: GENESIS };
  const head = await records.openRow(row);
  return { version: row.version, seq: head.seq, hash: head.hash };
}

/**
 * The chain's head as stored: the last event's number and hash ({seq: 0, hash: GENESIS}
 * for an empty diary). Reads one record, not the log.
 * @returns {Promise<{ seq: number, hash: string }>}
 */
export async function head() {
  const { seq, hash } = await readHead();
  return { seq, hash };
}

/**
 * Every event in chain order, decrypted. Cached until the log changes or the vault locks.
 * @returns {Promise<Event[]>}
 */
export async function events() {
  const epoch = lockEpoch();
  const head = await readHead();
  if (head.version === cachedHeadVersion) return cache;
  /** @type {Event[]} */
  const all = [];
  /** @type {Map<string, number>} */
  const seen = new Map();
  // Read a page at a time (a big diary's log is tens of megabytes), and decrypt in batches:
  // thousands of WebCrypto calls at once only queue up. Locked meanwhile: read no further.
  for await (const rows of records.rowPages("event")) {
    if (epoch !== lockEpoch()) throw new LockedError();
    for (let i = 0; i < rows.length; i += 500) {
      all.push(...(await Promise.all(rows.slice(i, i + 500).map((row) => records.openRow(row)))));
    }
    for (const r of rows) seen.set(r.id, r.version);
  }
  all.sort((a, b) => a.seq - b.seq);
  // Locked while this was decrypting: keep nothing.
  if (epoch !== lockEpoch()) throw new LockedError();
  cache = all;
  cachedHeadVersion = head.version;
  versions = seen;
  return cache;
}

/**
 * Append events to the chain, together: all are recorded or none. The time recorded is
 * the phone's clock now.
 * @param {NewEvent[]} batch
 * @param {{ remove?: { kind: string, id: string }[] }} [options] remove: records deleted in the
 *   same step (the drafts the events were saved from): gone exactly when the events are there
 * @returns {Promise<Event[]>} the events as stored
 * @throws {import("../vault/idb.js").StorageFullError}
 */
export function append(batch, { remove = [] } = {}) {
  return serial(() => appendNow(batch, remove));
}

/** @param {NewEvent[]} batch @param {{ kind: string, id: string }[]} remove @returns {Promise<Event[]>} */
async function appendNow(batch, remove) {
  const { head, made } = await onLatestHead(async (head) => {
    const at = Date.now();
    let { seq, hash: prev } = head;
    /** @type {Event[]} */
    const made = [];
    for (const { type, subject, payload } of batch) {
      seq += 1;
      const event = await makeEvent({ seq, prev, type, subject, at }, payload);
      made.push(event);
      prev = event.hash;
    }
    await records.putAll([
      ...made.map((e) => ({ kind: "event", id: eventId(e.seq), value: e, expect: 0 })),
      { ...HEAD, value: { seq, hash: prev }, expect: head.version },
    ], { remove });
    return { head, made };
  });
  if (cachedHeadVersion === head.version) {
    cache = [...cache, ...made];
    cachedHeadVersion = head.version + 1;
    for (const e of made) versions.set(eventId(e.seq), 1);
  }
  for (const listener of listeners) listener();
  return made;
}

/**
 * Withdraw everything recorded about `subject`: its events keep their place and hashes, but
 * their payloads are removed. A withdrawal event records when (and, if given, why).
 * @param {string} subject
 * @param {{ reason?: string }} [details]
 */
export function withdraw(subject, details = {}) {
  return serial(() => withdrawNow(subject, details));
}

/** @param {string} subject @param {{ reason?: string }} details */
async function withdrawNow(subject, details) {
  const emptied = await onLatestHead(async (head) => {
    // The head first: if the log grows meanwhile, the events read will not reach it.
    const all = await events();
    const withdrawal = await makeEvent(
      { seq: head.seq + 1, prev: head.hash, type: "entry.withdrawn", subject, at: Date.now() },
      { reason: details.reason || "" },
    );
    const emptied = all.filter((e) => e.subject === subject && e.payload !== null && e.type !== "entry.withdrawn");
    reaches(all, head);
    await records.putAll([
      ...emptied.map((e) => ({ kind: "event", id: eventId(e.seq), value: { ...e, payload: null }, expect: /** @type {number} */ (versions.get(eventId(e.seq))) })),
      { kind: "event", id: eventId(withdrawal.seq), value: withdrawal, expect: 0 },
      { ...HEAD, value: { seq: withdrawal.seq, hash: withdrawal.hash }, expect: head.version },
    ]);
    return emptied;
  });
  cachedHeadVersion = -1; // rewritten events: read again
  for (const listener of listeners) listener();
  return emptied;
}

/** What makes two events the same, in any chain: kind, subject, time and content hash. @param {Event} e */
const sameness = (e) => [e.type, e.subject, e.at, e.payloadHash].join("\n");

/**
 * Add another chain's events (from a backup) to this one, leaving out those already here.
 * They keep their kind, subject, content and the time they were first recorded; their place
 * in this chain is new, after a `backup.merged` event that names the other chain's head.
 * Anything withdrawn on either side stays withdrawn. All are added or none, with `keep`:
 * records about the other chain (its time anchors) written in the same step, when anything
 * is added.
 * @param {Event[]} incoming the other chain, checked, in order
 * @param {{ head: string, made: number }} origin
 * @param {{ kind: string, value: unknown }[]} [keep]
 * @returns {Promise<Event[]>} the events added (none when everything was already here)
 */
export function merge(incoming, origin, keep = []) {
  return serial(() => mergeNow(incoming, origin, keep));
}

/** @param {Event[]} incoming @param {{ head: string, made: number }} origin @param {{ kind: string, value: unknown }[]} extra */
async function mergeNow(incoming, origin, extra) {
  const made = await onLatestHead(async (head) => {
    const all = await events();
    const here = new Set(all.map(sameness));
    const fresh = incoming.filter((e) => e.type !== "backup.merged" && !here.has(sameness(e)));
    if (!fresh.length) return [];
    const withdrawn = new Set([...all, ...fresh].filter((e) => e.type === "entry.withdrawn").map((e) => e.subject));
    const keep = (/** @type {Event} */ e) => e.type === "entry.withdrawn" || !withdrawn.has(e.subject);
    const note = await makeEvent(
      { seq: head.seq + 1, prev: head.hash, type: "backup.merged", subject: "backup", at: Date.now() },
      { head: origin.head, made: origin.made, events: fresh.length },
    );
    /** @type {Event[]} */
    const made = [note];
    for (const e of fresh) {
      const body = { v: /** @type {1} */ (1), seq: head.seq + made.length + 1, prev: made[made.length - 1].hash, type: e.type, subject: e.subject, at: e.at, payloadHash: e.payloadHash };
      made.push({ ...body, payload: keep(e) ? e.payload : null, hash: await hashEvent(body) });
    }
    const emptied = all.filter((e) => e.payload !== null && !keep(e));
    const last = /** @type {Event} */ (made.at(-1));
    reaches(all, head);
    await records.putAll([
      ...emptied.map((e) => ({ kind: "event", id: eventId(e.seq), value: { ...e, payload: null }, expect: /** @type {number} */ (versions.get(eventId(e.seq))) })),
      ...made.map((e) => ({ kind: "event", id: eventId(e.seq), value: e, expect: 0 })),
      // Named by the merge's event, so each is new.
      ...extra.map(({ kind, value }, i) => ({ kind, id: `${kind}-${eventId(note.seq)}-${String(i).padStart(6, "0")}`, value, expect: 0 })),
      { ...HEAD, value: { seq: last.seq, hash: last.hash }, expect: head.version },
    ]);
    return made;
  });
  if (!made.length) return made;
  cachedHeadVersion = -1;
  for (const listener of listeners) listener();
  return made;
}

/** The merged backups' chains and anchors, in the order they were merged. @returns {Promise<Origin[]>} */
export async function origins() {
  const kept = await records.list("origin");
  return kept.sort((a, b) => (a.id < b.id ? -1 : 1)).map((r) => /** @type {Origin} */ (r.value));
}

/**
 * @typedef {object} Problem
 * @property {string} where   which event ("event 12") or record
 * @property {string} what    what is wrong, in plain words
 */

/**
 * Walk the whole chain from the stored, encrypted records (not the cache) and check every
 * link: each event decrypts, numbers run without gaps, each payload matches its hash, each
 * event's `prev` is the hash of the one before, and the head names the last event.
 * @returns {Promise<{ ok: boolean, count: number, head: string, problems: Problem[] }>}
 */
export async function verify() {
  /** @type {Problem[]} */
  const problems = [];
  const rows = await records.rows("event");
  rows.sort((a, b) => (a.id < b.id ? -1 : 1));
  /** @type {Event[]} */
  const list = [];
  for (const row of rows) {
    try {
      const e = await records.openRow(row);
      if (eventId(e.seq) !== row.id) problems.push({ where: `event ${e.seq}`, what: "is stored in the wrong place." });
      list.push(e);
    } catch {
      problems.push({ where: `event ${Number(row.id.slice(1))}`, what: "could not be decrypted: it was altered." });
    }
  }
  const head = await readHead().catch(() => null);
  if (!head) problems.push({ where: "the chain's head", what: "could not be decrypted: it was altered." });
  const checked = await checkChain(list, head);
  problems.push(...checked.problems);
  return { ok: problems.length === 0, count: list.length, head: checked.head, problems };
}

/**
 * Check a list of events as a chain: numbers without gaps, each payload matching its hash,
 * each `prev` the hash of the one before, and `head` (when given) naming the last.
 * @param {Event[]} list
 * @param {{ seq: number, hash: string } | null} head
 * @returns {Promise<{ head: string, problems: Problem[] }>}
 */
export async function checkChain(list, head) {
  /** @type {Problem[]} */
  const problems = [];
  list = [...list].sort((a, b) => a.seq - b.seq);
  let prev = GENESIS;
  let expected = 1;
  for (const e of list) {
    const where = `event ${e.seq}`;
    if (e.seq !== expected) problems.push({ where, what: `comes after event ${expected - 1}: ${e.seq - expected} event(s) are missing.` });
    if (e.prev !== prev) problems.push({ where, what: "does not follow on from the event before it." });
    if (e.payload !== null && (await hashText(e.payload)) !== e.payloadHash) {
      problems.push({ where, what: "has content that was changed after it was recorded." });
    }
    const hash = await hashEvent(e);
    if (hash !== e.hash) problems.push({ where, what: "has details (time, kind or subject) that were changed." });
    prev = hash;
    expected = e.seq + 1;
  }
  if (head && (head.seq !== expected - 1 || head.hash !== prev)) {
    problems.push({ where: "the chain's head", what: `names event ${head.seq}, but the last event found is ${expected - 1}.` });
  }
  return { head: prev, problems };
}

/** Parse an event's payload (null when withdrawn). @param {Event} e */
export function payloadOf(e) {
  return e.payload === null ? null : JSON.parse(e.payload);
}
