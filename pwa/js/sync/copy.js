// @ts-check
// The encrypted copy on the server, kept in step with this phone's store. It sends the
// vault's own ciphertexts as they are stored (records, file parts, key slots), so it decrypts
// nothing and runs while the diary is locked. Each run asks the server what it holds and
// sends only the difference, so a run cut short (no signal, the app closed) is simply carried
// on by the next one. The state kept is in the clear `meta` store (whether the copy is on,
// whether this phone is signed in, when it last backed up) and the change list
// (vault/changes.js): a run reads only the records on that list, unless the list cannot be
// trusted (no run has finished since it began, or the server holds other than what the last
// run left there), and then it compares the whole store, as the first run does.
import { plainWords } from "../errors.js";
import { ApiError, OfflineError } from "../api.js";
import { toBase64url } from "../vault/bytes.js";
import * as changes from "../vault/changes.js";
import { DB_NAME, onWrite, partBody, partSize, req, tx } from "../vault/idb.js";
import * as keys from "../vault/keys.js";
import { LOCAL_KINDS } from "../vault/records.js";
import * as client from "./client.js";

const STATE = "copy";
const DEBOUNCE_MS = 2000;
const BATCH_RECORDS = 500;
// The server takes at most 1 MiB of JSON a call; base64 and field names are estimated.
const BATCH_BYTES = 700 * 1024;
const REMOVE_BATCH = 1000;
/** Waits after a failed run (no connection, the server busy), growing to ten minutes. */
const RETRY_SECONDS = [5, 15, 60, 300, 600];

/**
 * @typedef {import("../vault/idb.js").CopyState} Saved
 * @typedef {import("../vault/idb.js").RecordRow} RecordRow
 * @typedef {import("../vault/idb.js").ChunkRow} ChunkRow
 * @typedef {import("../vault/idb.js").MetaValues} MetaValues
 * @typedef {"off" | "idle" | "syncing" | "waiting" | "signed-out" | "full" | "failed"} Phase
 * @typedef {{ phase: Phase, last: number | null, fraction: number, pending: number | null, message: string }} Status
 *   pending: changes not yet on the server, when known
 * @typedef {import("./client.js").Held} Held
 */

/** The account signed in to keeps another diary's copy (a passkey of that diary was chosen). */
export const OTHER_DIARY =
  "That passkey keeps the server copy of a different diary, so nothing was sent to it and this phone signed out of it. Sign in with this diary's passkey.";

const ANOTHER_PHONE =
  "Another phone is keeping the copy on the server up to date, so this phone left it as it is. To carry on here, restore from the server copy on this phone, or delete the copy and turn it on again.";

/** @type {Status} */
let status = { phase: "off", last: null, fraction: 0, pending: null, message: "" };
/** @type {Set<(status: Status) => void>} */
const listeners = new Set();
/** @type {ReturnType<typeof setTimeout> | undefined} */
let timer;
/** @type {Promise<void> | null} */
let running = null;
let again = false;
let failures = 0;
/** What the server held after the last run, to count what is waiting while offline. @type {Held | null} */
let known = null;
let started = false;

/** Be told of every change of status (at once, with the current one). @param {(status: Status) => void} listener */
export function onStatus(listener) {
  listeners.add(listener);
  listener(status);
  return () => listeners.delete(listener);
}

/** @param {Partial<Status>} next */
function set(next) {
  status = { ...status, ...next };
  for (const listener of listeners) listener(status);
}

// --- the small state, in the clear meta store -----------------------------------------------

/** Whether the vault's database exists: nothing here may create it (after an erase, say). */
async function exists() {
  const names = (await indexedDB.databases?.())?.map((d) => d.name);
  return names ? names.includes(DB_NAME) : true;
}

/** @returns {Promise<Saved>} */
export async function saved() {
  const off = { on: false, signedIn: false, last: null };
  if (!(await exists())) return off;
  /** @type {Saved | undefined} */
  const stored = await tx("meta", "readonly", (t) => req(t.objectStore("meta").get(STATE)));
  return { ...off, ...stored };
}

/** @param {(now: Saved) => Partial<Saved>} change */
async function save(change) {
  // Quiet: the copy's own bookkeeping is not a change to back up.
  await tx(
    "meta",
    "readwrite",
    async (t) => {
      const store = t.objectStore("meta");
      /** @type {Saved} */
      const now = { on: false, signedIn: false, last: null, ...(await req(store.get(STATE))) };
      store.put({ ...now, ...change(now) }, STATE);
    },
    { quiet: true },
  );
}

/** The copy was turned on, or this phone signed in again: back up from now on. */
export async function signedIn() {
  // A session begun on purpose replaces any an erase left to end: never delete the new one.
  localStorage.removeItem(UNFINISHED);
  // Perhaps another account, or a copy deleted meanwhile: the first run compares everything.
  await changes.distrust().catch(() => {});
  await save(() => ({ on: true, signedIn: true }));
  failures = 0;
  set({ phase: "idle", message: "" });
  schedule(0);
}

/** Signed out (here or elsewhere): stop backing up; the copy stays on the server. */
export async function signedOut() {
  clearTimeout(timer);
  await save(() => ({ signedIn: false }));
  set({ phase: "signed-out", fraction: 0, message: "" });
}

/** The server copy was deleted: off, and nothing kept about it. */
export async function turnedOff() {
  clearTimeout(timer);
  known = null;
  await changes.distrust().catch(() => {});
  await save(() => ({ on: false, signedIn: false, last: null }));
  set({ phase: "off", last: null, pending: null, fraction: 0, message: "" });
}

// --- after an erase --------------------------------------------------------------------------

/** localStorage: what an erase left to do on the server when it could not reach it. Its name
 * and value say nothing, and it outlives the erased database. */
const UNFINISHED = "so";

/**
 * An erase could not reach the server: remember to end this phone's session there (and to
 * delete the copy, if that was asked) as soon as the connection is back.
 * @param {"delete" | "sign-out"} how
 */
export function finishLater(how) {
  localStorage.setItem(UNFINISHED, how === "delete" ? "d" : "s");
}

/** Finish what an erase left to do on the server, if anything; quietly, and only once done. */
export async function finishErase() {
  const left = localStorage.getItem(UNFINISHED);
  if (!left) return;
  try {
    await (left === "d" ? client.deleteAccount() : client.endSession());
  } catch (error) {
    // 401: the session has already ended (it expired, or was ended elsewhere).
    if (!(error instanceof ApiError && error.status === 401)) return; // offline: next time
  }
  localStorage.removeItem(UNFINISHED);
}

// --- when to run ----------------------------------------------------------------------------

/**
 * Follow the store: back up a moment after each change, when the connection comes back, and
 * now if the copy is on. Called once the app has loaded; safe to call again.
 */
export function start() {
  if (started) return;
  started = true;
  onWrite((stores) => {
    if (stores.some((s) => s === "records" || s === "chunks" || s === "meta")) schedule();
  });
  addEventListener("online", () => {
    void finishErase();
    schedule(500);
  });
  void finishErase();
  void refresh();
}

/**
 * Read the saved state into the status, and back up if the copy is on.
 * @param {{ run?: boolean }} [options] run: false only reads (a screen showing the status)
 */
export async function refresh({ run = true } = {}) {
  const now = await saved().catch(() => null);
  if (!now) return;
  if (!now.on) set({ phase: "off", last: null });
  else if (!now.signedIn) set({ phase: "signed-out", last: now.last });
  else {
    set({ phase: status.phase === "off" || status.phase === "signed-out" ? "idle" : status.phase, last: now.last });
    if (run) schedule(0);
  }
}

/** Run in `ms`, unless another change comes first (then a little after that one). */
export function schedule(ms = DEBOUNCE_MS) {
  clearTimeout(timer);
  timer = setTimeout(() => void run(), ms);
}

/** Back up now (one run at a time; changes made meanwhile get a run of their own). */
export function run() {
  clearTimeout(timer);
  if (running) {
    again = true;
    return running;
  }
  // One run at a time across this phone's windows too: a window with an older view of the
  // store must not undo what another just sent.
  const one = navigator.locks ? navigator.locks.request("copy", () => once()) : once();
  running = one.finally(() => {
    running = null;
    if (again) {
      again = false;
      schedule();
    }
  });
  return running;
}

/** @param {number} [seconds] what the server asked for; otherwise a wait that grows */
function retryLater(seconds) {
  const wait = seconds || RETRY_SECONDS[Math.min(failures, RETRY_SECONDS.length - 1)];
  failures += 1;
  schedule(wait * 1000);
}

// --- one run --------------------------------------------------------------------------------

/**
 * What a run reads of this phone's store: the slots as JSON, the records and their file parts
 * (Blob or bytes), and the change list's last write. `ids` names the records read: those on
 * the change list (a file's parts with its record), or null when every record was read.
 * @typedef {object} Snapshot
 * @property {object[]} slots
 * @property {RecordRow[]} rows
 * @property {ChunkRow[]} parts
 * @property {string[] | null} ids
 * @property {number} upTo     the change list's last write when this was read
 * @property {import("../vault/changes.js").Since | undefined} since  the list is complete since
 * @property {number} head     the chain head's version here
 * @property {number} count    records here
 * @property {number} files    file records here
 * @property {string | null} diary  the diary's id, when it has one yet
 */

/**
 * This phone's store as it is now: only what the change list names, when it can be trusted
 * (`all`: false), else every record and file part.
 * @param {{ all?: boolean }} [options]
 * @returns {Promise<Snapshot | null>}
 */
async function snapshot({ all = false } = {}) {
  if (!(await exists())) return null;
  return tx(["meta", "records", "chunks", "changes"], "readonly", async (t) => {
    const store = t.objectStore("records");
    const chunks = t.objectStore("chunks");
    /** @type {[MetaValues["vault"] | undefined, Awaited<ReturnType<typeof changes.read>>, RecordRow | undefined, number, number, ...number[]]} */
    const [vault, list, head, total, files, ...local] = await Promise.all([
      req(t.objectStore("meta").get("vault")),
      changes.read(t),
      req(store.get("head")),
      req(store.index("kind").count()), // every record has a kind; the index's entries are small
      req(store.index("kind").count("file")),
      ...[...LOCAL_KINDS].map((kind) => req(store.index("kind").count(kind))),
    ]);
    // Records sent are counted: not what only caches the log here.
    const count = total - local.reduce((sum, n) => sum + n, 0);
    if (!vault) return null;
    const slots = /** @type {object[]} */ (vault.slots.map(keys.slotToJson));
    const base = { slots, diary: vault.id ?? null, upTo: list.upTo, since: list.since, head: head?.kind === "chain" ? head.version : 0, count, files };
    if (list.since && !all) {
      /** @type {RecordRow[]} */
      const rows = (await Promise.all(list.ids.map((id) => req(store.get(id))))).filter((r) => r && !LOCAL_KINDS.has(r.kind));
      const fileParts = rows.filter((r) => r.kind === "file").map((r) => req(chunks.getAll(IDBKeyRange.bound([r.id, 0], [r.id, Infinity]))));
      /** @type {ChunkRow[]} */
      const parts = (await Promise.all(fileParts)).flat();
      return { ...base, rows, parts, ids: list.ids };
    }
    /** @type {[RecordRow[], ChunkRow[]]} */
    const [rows, parts] = await Promise.all([req(store.getAll()), req(chunks.getAll())]);
    const named = new Set(rows.filter((r) => r.kind === "file").map((r) => r.id));
    // Parts of a file not yet finished are left out, as in the backup file; and so is what
    // only caches the log here (the diary's snapshot, megabytes rewritten after saves).
    return { ...base, rows: rows.filter((r) => !LOCAL_KINDS.has(r.kind)), parts: parts.filter((p) => named.has(p.file)), ids: null };
  });
}

/**
 * What the server holds of the records `ids` only (all of it for null).
 * @param {Held} held @param {string[] | null} ids
 * @returns {Held}
 */
function only(held, ids) {
  if (!ids) return held;
  const records = held.records || {};
  const chunks = held.chunks || {};
  return {
    slots: held.slots,
    records: Object.fromEntries(ids.filter((id) => Object.hasOwn(records, id)).map((id) => [id, records[id]])),
    chunks: Object.fromEntries(ids.filter((id) => Object.hasOwn(chunks, id)).map((id) => [id, chunks[id]])),
  };
}

/**
 * A digest of which records (id and version) and file parts the server holds: the change
 * list is kept only while the server holds what the last run left there. The sum of each
 * entry's hash, in two 32-bit lanes, with the count: order does not matter, and an entry can
 * be taken out or added without going over the rest again (see `heldAfter`).
 * @typedef {{ n: number, a: number, b: number }} Digest
 */

/** @param {Digest} d @param {string} entry @param {1 | -1} sign */
function tally(d, entry, sign) {
  let h1 = 0x811c9dc5;
  let h2 = 0x9747b28c;
  for (let i = 0; i < entry.length; i++) {
    const c = entry.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
  }
  d.a = (d.a + sign * (h1 >>> 0)) >>> 0;
  d.b = (d.b + sign * ((h2 ^ (h2 >>> 15)) >>> 0)) >>> 0;
  d.n += sign;
}

const recordEntry = (/** @type {string} */ id, /** @type {number} */ version) => `r${id}:${version}`;
const partEntry = (/** @type {string} */ file, /** @type {number} */ index) => `c${file}:${index}`;

/** @param {Held} held @returns {Digest} */
function digest(held) {
  const d = { n: 0, a: 0, b: 0 };
  for (const [id, version] of Object.entries(held.records || {})) tally(d, recordEntry(id, version), 1);
  for (const [file, list] of Object.entries(held.chunks || {})) for (const index of list) tally(d, partEntry(file, index), 1);
  return d;
}

/** @param {Digest} d */
const digestText = (d) => `${d.n}.${d.a.toString(36)}.${d.b.toString(36)}`;

/** JSON with its keys in order, so the same slots compare equal. @param {unknown} value @returns {string} */
function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(/** @type {any} */ (value)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * What to send and remove so the server holds what this phone holds.
 * @param {Snapshot} local
 * @param {Held} held
 */
function plan(local, held) {
  const versions = new Map(Object.entries(held.records || {}));
  const heldParts = new Map(Object.entries(held.chunks || {}).map(([file, list]) => [file, new Set(list)]));
  // A record the server has in a later version than here was deleted and made again here
  // (a draft, say): the server would refuse the lower version, so it is removed first.
  const stale = local.rows.filter((r) => (versions.get(r.id) ?? 0) > r.version).map((r) => r.id);
  const rank = (/** @type {RecordRow} */ r) => (r.kind === "file" ? 0 : r.kind === "chain" ? 2 : 1);
  // File parts first, then file records, then events, the chain's head last: a run cut short
  // leaves a copy whose head names only events it holds, and no file without its parts.
  const records = local.rows.filter((r) => (versions.get(r.id) ?? 0) !== r.version).sort((a, b) => rank(a) - rank(b));
  const parts = local.parts.filter((p) => !heldParts.get(p.file)?.has(p.index));
  const ids = new Set(local.rows.map((r) => r.id));
  const files = new Set(local.rows.filter((r) => r.kind === "file").map((r) => r.id));
  const goneRecords = [...versions.keys()].filter((id) => !ids.has(id));
  const goneFiles = [...heldParts.keys()].filter((file) => !files.has(file));
  const slots = canonical(held.slots) !== canonical(local.slots);
  // Every file part belongs to a file whose record is sent after it, so records count them;
  // the chain's head goes with every change, so it is not one of its own.
  const pending = records.filter((r) => r.kind !== "chain").length + goneRecords.length + (slots ? 1 : 0);
  return { slots, stale, records, parts, goneRecords, goneFiles, pending };
}

/**
 * Make `held` what the server holds once the plan went through, and its digest `d` with it.
 * @param {Held} held  changed in place
 * @param {Digest} d  changed in place
 * @param {ReturnType<typeof plan>} todo
 */
function heldAfter(held, d, todo) {
  const records = (held.records ||= {});
  const chunks = (held.chunks ||= {});
  const drop = (/** @type {string} */ id) => {
    if (!Object.hasOwn(records, id)) return;
    tally(d, recordEntry(id, records[id]), -1);
    delete records[id];
  };
  for (const id of [...todo.goneRecords, ...todo.stale]) drop(id);
  for (const file of todo.goneFiles) {
    for (const index of chunks[file] || []) tally(d, partEntry(file, index), -1);
    delete chunks[file];
  }
  for (const r of todo.records) {
    drop(r.id);
    records[r.id] = r.version;
    tally(d, recordEntry(r.id, r.version), 1);
  }
  for (const p of todo.parts) {
    (chunks[p.file] ||= []).push(p.index);
    tally(d, partEntry(p.file, p.index), 1);
  }
}

/**
 * Whether the server will hold as many records and files as this phone once the plan went
 * through: a check on the change list (a write it missed would show here).
 * @param {Held} held @param {ReturnType<typeof plan>} todo @param {Snapshot} local
 */
function sameCounts(held, todo, local) {
  const records = held.records || {};
  const chunks = held.chunks || {};
  const newRecords = new Set(todo.records.filter((r) => !Object.hasOwn(records, r.id)).map((r) => r.id)).size;
  const newFiles = new Set(todo.parts.filter((p) => !Object.hasOwn(chunks, p.file)).map((p) => p.file)).size;
  return (
    Object.keys(records).length - todo.goneRecords.length + newRecords === local.count &&
    Object.keys(chunks).length - todo.goneFiles.length + newFiles === local.files
  );
}

/** @param {string[]} list @param {number} size */
function* batches(list, size) {
  for (let i = 0; i < list.length; i += size) yield list.slice(i, i + size);
}

/**
 * What the last finished run did, for tests and the benchmark: whether it compared the whole
 * store (and why), how many records it read here, and how many it sent and removed.
 * @type {{ all: boolean, why: string, read: number, sent: number, parts: number, removed: number } | null}
 */
export let lastRun = null;
/** How many runs finished in this page: those that compared the whole store, and the others. */
export const runs = { all: 0, listed: 0 };

async function once() {
  const state = await saved().catch(() => null);
  if (!state) return;
  if (!state.on) return void set({ phase: "off", last: null, pending: null, fraction: 0 }); // erased, or deleted
  if (!state.signedIn) return void set({ phase: "signed-out", fraction: 0 });
  const first = await snapshot().catch(() => null);
  if (!first) return;
  let local = first;
  if (navigator.onLine === false) return waiting(local);
  set({ phase: "syncing", fraction: 0, message: "" });
  let headSent = false;
  /** @type {Held} */
  let held;
  /** @type {ReturnType<typeof plan> | undefined} */
  let todo;
  /** @type {Digest} */
  let before;
  let why = local.ids ? "" : "no complete change list";
  try {
    held = await client.held();
    before = digest(held);
    if (!(await sameDiary(held, local.diary))) return;
    if (local.ids) {
      // The list names every change since the last run only if the server still holds what
      // that run left there (not so after another phone's run, a copy deleted or a server
      // that lost things), and if the counts agree once the changes are sent.
      if (local.since?.digest !== digestText(before)) why = "the server holds other than the last run left";
      else {
        todo = plan(local, only(held, local.ids));
        if (!sameCounts(held, todo, local)) why = "the counts differ";
      }
      if (why) {
        todo = undefined;
        const all = await snapshot({ all: true });
        if (!all) return;
        local = all;
      }
    }
    // The server's chain is further on than this phone's: another phone (a restored one,
    // say) keeps this copy now. Sending this phone's older state would take its entries
    // away, so nothing is sent or removed.
    const theirs = held.records?.head ?? 0;
    if (theirs > local.head) return void set({ phase: "failed", fraction: 0, message: ANOTHER_PHONE });
    todo ??= plan(local, held);
    const total = todo.parts.reduce((n, p) => n + partSize(p.ct), 0) + todo.records.reduce((n, r) => n + r.ct.length, 0) || 1;
    let done = 0;
    const step = (/** @type {number} */ bytes) => {
      done += bytes;
      set({ fraction: Math.min(1, done / total) });
    };

    // Whole files the phone no longer has go first: a full copy gets its room back before
    // anything new is sent.
    for (const list of batches(todo.goneFiles, REMOVE_BATCH)) await client.remove({ files: list });
    if (todo.slots) await client.putSlots(local.slots);
    for (const list of batches(todo.stale, REMOVE_BATCH)) await client.remove({ records: list });
    // Parts one at a time: each is up to 1 MiB, and each one sent is kept if the next fails.
    for (const p of todo.parts) {
      await client.putChunk(p.file, p.index, { iv: toBase64url(p.iv), final: p.final }, await partBody(p.ct));
      step(partSize(p.ct));
    }
    /** @type {import("./client.js").WireRecord[]} */
    let batch = [];
    let size = 0;
    let bytes = 0;
    const flush = async () => {
      if (!batch.length) return;
      await client.putRecords(batch);
      step(bytes);
      batch = [];
      size = bytes = 0;
    };
    for (const r of todo.records) {
      const estimate = 100 + r.id.length + r.kind.length + Math.ceil((r.ct.length * 4) / 3);
      if (batch.length >= BATCH_RECORDS || (batch.length && size + estimate > BATCH_BYTES)) await flush();
      batch.push({ id: r.id, kind: r.kind, version: r.version, iv: toBase64url(r.iv), ct: toBase64url(r.ct) });
      size += estimate;
      bytes += r.ct.length;
      if (r.kind === "chain") headSent = true;
    }
    await flush();
    for (const list of batches(todo.goneRecords, REMOVE_BATCH)) await client.remove({ records: list });
  } catch (error) {
    return failed(error, local);
  }
  heldAfter(held, before, todo);
  known = held;
  lastRun = {
    all: !local.ids,
    why,
    read: local.rows.length,
    sent: todo.records.length,
    parts: todo.parts.length,
    removed: todo.goneRecords.length + todo.goneFiles.length,
  };
  runs[local.ids ? "listed" : "all"] += 1;
  // Everything on the list when the store was read is on the server now: it leaves the
  // list (what was written since stays), and the list is complete from here on.
  await changes.confirm(local.upTo, digestText(before)).catch(() => {});
  failures = 0;
  const last = Date.now();
  await save(() => ({ last })).catch(() => {});
  // Signed out (or the copy deleted) while this run was finishing: that already said so, and
  // "on" here would put Sign out back on the screen of a phone that is signed out.
  const after = await saved().catch(() => null);
  if (!after || (after.on && after.signedIn)) set({ phase: "idle", last, fraction: 1, pending: 0, message: "" });
  if (headSent) stampReceipt();
}

/**
 * Whether the copy signed in to is this diary's: the first run ties a new copy (or one made
 * before copies knew their diary) to it. Another diary's copy is left as it is and this
 * phone signs out of it: a passkey of another diary must never write here.
 * @param {Held} held @param {string | null} known  the diary's id as the run read it
 */
async function sameDiary(held, known) {
  const mine = known ?? (await keys.diaryId());
  if (!mine) {
    set({ phase: "off", fraction: 0 }); // erased meanwhile
    return false;
  }
  if ((await ours(held, mine)) && (held.diary === mine || (await bind(mine)))) return true;
  await client.endSession().catch(() => {});
  await save(() => ({ signedIn: false })).catch(() => {});
  set({ phase: "signed-out", fraction: 0, message: OTHER_DIARY });
  return false;
}

/**
 * Whether the copy `held` describes is this diary's. One tied to a diary says which; one
 * made before copies knew their diary is this one's only when it holds nothing or shares a
 * key slot with this phone (a vault's slots keep their ids in its copies and backups), so
 * another diary's phone never claims it.
 * @param {Held} held @param {string} mine
 */
export async function ours(held, mine) {
  if (held.diary) return held.diary === mine;
  if (!held.slots?.length) return true;
  const here = new Set((await keys.slots()).map((s) => s.id));
  return held.slots.some((/** @type {{ id?: unknown }} */ s) => typeof s.id === "string" && here.has(s.id));
}

/** Tie the copy to this diary. @param {string} diary @returns {Promise<boolean>} false: another diary's phone tied it first */
async function bind(diary) {
  try {
    await client.bindDiary(diary);
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.status === 409) return false;
    throw error;
  }
}

/** No connection: say how much is waiting (when known), and try again later. @param {Snapshot} local */
function waiting(local) {
  set({ phase: "waiting", fraction: 0, pending: known ? plan(local, only(known, local.ids)).pending : null, message: "" });
  retryLater();
}

/** @param {unknown} error @param {Snapshot} local */
async function failed(error, local) {
  if (error instanceof OfflineError) return waiting(local); // the connection dropped: carry on later
  if (!(error instanceof ApiError)) {
    set({ phase: "failed", fraction: 0, message: plainWords(error) });
    return retryLater();
  }
  if (error.status === 401) {
    // Signed out on the server (another phone, the 30 days, the account deleted).
    await save(() => ({ signedIn: false })).catch(() => {});
    set({ phase: "signed-out", fraction: 0, message: "" });
  } else if (error.status === 413) {
    // Tried again at the next change (something may have been removed meanwhile).
    set({ phase: "full", fraction: 0, message: plainWords(error) });
  } else if (error.status === 429) {
    set({ phase: "failed", fraction: 0, message: "The server asked for a short wait." });
    retryLater(error.retryAfter || 60);
  } else {
    set({ phase: "failed", fraction: 0, message: plainWords(error) });
    retryLater();
  }
}

/**
 * A new chain head reached the server: ask it for a signed time receipt (while unlocked,
 * since the receipt is kept encrypted in the diary).
 */
function stampReceipt() {
  if (!keys.isUnlocked()) return;
  // Loaded only here: the locked app has no use for it. stamp() never throws, and keeping
  // the receipt is a change of its own, backed up by the next run.
  void import("./receipts.js").then((receipts) => receipts.stamp());
}

// --- words ----------------------------------------------------------------------------------

const relative = new Intl.RelativeTimeFormat("en-GB", { numeric: "auto" });

/** "just now", "2 minutes ago", "yesterday". @param {number} ms @param {number} [now] */
export function ago(ms, now = Date.now()) {
  const seconds = Math.round((ms - now) / 1000);
  if (seconds > -45) return "just now";
  for (const [unit, size] of /** @type {[Intl.RelativeTimeFormatUnit, number][]} */ ([
    ["day", 86400],
    ["hour", 3600],
    ["minute", 60],
  ])) {
    if (-seconds >= size || unit === "minute") return relative.format(Math.round(seconds / size), unit);
  }
  return "";
}

/**
 * The status in plain words, e.g. "Backed up 2 minutes ago", "Backing up… (40%)".
 * @param {Status} s
 */
export function describe(s) {
  switch (s.phase) {
    case "off":
      return "";
    case "syncing":
      return `Backing up… (${Math.floor(s.fraction * 10) * 10}%)`;
    case "waiting":
      if (s.pending === 0) return s.last ? `Backed up ${ago(s.last)}. Waiting for a connection.` : "Waiting for a connection.";
      if (s.pending) return `${s.pending} ${s.pending === 1 ? "change" : "changes"} waiting for a connection.`;
      return "Waiting for a connection to back up.";
    case "signed-out":
      return s.message || "Sign in to keep backing up.";
    case "full":
      return "The server copy is full, so new changes are not backed up. Everything is still on this phone.";
    case "failed":
      return `Not backed up: ${s.message} It will try again by itself.`;
    default:
      return s.last ? `Backed up ${ago(s.last)}.` : "Not backed up yet.";
  }
}
