// @ts-check
// The encrypted copy on the server, kept in step with this phone's store. It sends the
// vault's own ciphertexts as they are stored (records, file parts, key slots), so it decrypts
// nothing and runs while the diary is locked. Each run asks the server what it holds and
// sends only the difference, so a run cut short (no signal, the app closed) is simply carried
// on by the next one. The only state kept is in the clear `meta` store: whether the copy is
// on, whether this phone is signed in, and when it last backed up.
import { plainWords } from "../errors.js";
import { ApiError, OfflineError } from "../api.js";
import { toBase64url } from "../vault/bytes.js";
import { DB_NAME, onWrite, partSize, req, tx } from "../vault/idb.js";
import * as keys from "../vault/keys.js";
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

/** This phone's store as it is now: the slots as JSON, every record, every file part (Blob or bytes). */
async function snapshot() {
  if (!(await exists())) return null;
  return tx(["meta", "records", "chunks"], "readonly", async (t) => {
    /** @type {[MetaValues["vault"] | undefined, RecordRow[], ChunkRow[]]} */
    const [vault, rows, parts] = await Promise.all([
      req(t.objectStore("meta").get("vault")),
      req(t.objectStore("records").getAll()),
      req(t.objectStore("chunks").getAll()),
    ]);
    if (!vault) return null;
    const files = new Set(rows.filter((r) => r.kind === "file").map((r) => r.id));
    // Parts of a file not yet finished are left out, as in the backup file.
    return { slots: /** @type {object[]} */ (vault.slots.map(keys.slotToJson)), rows, parts: parts.filter((p) => files.has(p.file)) };
  });
}

/** @typedef {NonNullable<Awaited<ReturnType<typeof snapshot>>>} Snapshot */

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

/** What the server holds once it holds all of `local`. @param {Snapshot} local @returns {Held} */
function heldAfter(local) {
  /** @type {Record<string, number[]>} */
  const chunks = {};
  for (const p of local.parts) (chunks[p.file] ||= []).push(p.index);
  return { slots: local.slots, records: Object.fromEntries(local.rows.map((r) => [r.id, r.version])), chunks };
}

/** @param {string[]} list @param {number} size */
function* batches(list, size) {
  for (let i = 0; i < list.length; i += size) yield list.slice(i, i + size);
}

async function once() {
  const state = await saved().catch(() => null);
  if (!state) return;
  if (!state.on) return void set({ phase: "off", last: null, pending: null, fraction: 0 }); // erased, or deleted
  if (!state.signedIn) return void set({ phase: "signed-out", fraction: 0 });
  const local = await snapshot().catch(() => null);
  if (!local) return;
  if (navigator.onLine === false) return waiting(local);
  set({ phase: "syncing", fraction: 0, message: "" });
  let headSent = false;
  try {
    const held = await client.held();
    if (!(await sameDiary(held))) return;
    // The server's chain is further on than this phone's: another phone (a restored one,
    // say) keeps this copy now. Sending this phone's older state would take its entries
    // away, so nothing is sent or removed.
    const theirs = held.records?.head ?? 0;
    const mine = local.rows.find((r) => r.id === "head" && r.kind === "chain")?.version ?? 0;
    if (theirs > mine) return void set({ phase: "failed", fraction: 0, message: ANOTHER_PHONE });
    const todo = plan(local, held);
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
      await client.putChunk(p.file, p.index, { iv: toBase64url(p.iv), final: p.final }, p.ct);
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
  known = heldAfter(local);
  failures = 0;
  const last = Date.now();
  await save(() => ({ last })).catch(() => {});
  set({ phase: "idle", last, fraction: 1, pending: 0, message: "" });
  if (headSent) stampReceipt();
}

/**
 * Whether the copy signed in to is this diary's: the first run ties a new copy (or one made
 * before copies knew their diary) to it. Another diary's copy is left as it is and this
 * phone signs out of it: a passkey of another diary must never write here.
 * @param {Held} held
 */
async function sameDiary(held) {
  const mine = await keys.diaryId();
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
  set({ phase: "waiting", fraction: 0, pending: known ? plan(local, known).pending : null, message: "" });
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
