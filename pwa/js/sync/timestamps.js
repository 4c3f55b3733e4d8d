// @ts-check
// RFC 3161 time-stamps: an authority that is not Cairn signs that the chain's head existed at
// a moment. Only the head's hash leaves the phone; the server passes it on to the authority
// its operator chose (server/tsa.py) and hands back the authority's signed answer, which the
// phone cannot check itself (it is CMS) but keeps, encrypted with the diary, to carry in the
// evidence bundle, where `cairn verify` and `openssl ts -verify` check it.
//
// Asked for after every change while unlocked and online, whether or not the server copy is
// on, and before every evidence bundle. The phone first asks the server who stamps; a server
// without an authority says so (a name of null), and the phone stops asking until the app is
// opened again.
import { plainWords } from "../errors.js";
import { ApiError } from "../api.js";
import { LockedError, isUnlocked, onLock } from "../vault/keys.js";
import * as records from "../vault/records.js";
import * as log from "../diary/log.js";
import * as client from "./client.js";

const TOKEN = /^[A-Za-z0-9_-]{16,87382}$/; // base64url of at most 64 KiB
const AUTHORITY = { kind: "stamp-authority", id: "authority" };
const SETTLE_MS = 2000;

/** @typedef {{ seq: number, hash: string, token: string, time: number }} Stored */
/** @typedef {{ name: string, certificates: string[] }} Authority */
/**
 * What asking did: "stamped", "already" (this head has one), "empty", "none" (the server has
 * no authority), "offline", "refused", "invalid", "locked" or "failed" (in `message`).
 * @typedef {{ status: "stamped" | "already" | "empty" | "none" | "offline" | "refused" | "invalid" | "locked" | "failed", seq?: number, message?: string }} Stamped
 */

/** A stamp's record id: its event's number, so ids sort in chain order. @param {number} seq */
const stampId = (seq) => "t" + String(seq).padStart(9, "0");

let noAuthority = false;

/** The stored stamp for this head, if there is one. @param {{ seq: number, hash: string }} head */
async function storedFor(head) {
  for (const id of [stampId(head.seq), `${stampId(head.seq)}-${head.hash.slice(0, 8)}`]) {
    /** @type {Stored | undefined} */
    const stored = await records.get("stamp", id);
    if (stored?.hash === head.hash) return stored;
    if (!stored) return undefined;
  }
  return undefined;
}

/** @type {Authority | null} the server's authority, once asked this time the app is open */
let known = null;

/**
 * Ask the server once who stamps (a name of null: nobody, so stop asking), and keep its
 * certificates with the diary the first time (a checker needs them, offline too).
 * @returns {Promise<boolean>} whether there is an authority to ask
 */
async function haveAuthority() {
  if (!known) {
    const said = await client.timestampAuthority();
    if (said?.name === null) {
      noAuthority = true;
      return false;
    }
    if (typeof said?.name !== "string" || !Array.isArray(said.certificates)) return false;
    const certificates = said.certificates.filter((/** @type {unknown} */ c) => typeof c === "string" && c.length < 65536);
    known = { name: said.name.slice(0, 200), certificates };
  }
  if (!(await records.get(AUTHORITY.kind, AUTHORITY.id))) await records.put(AUTHORITY.kind, AUTHORITY.id, known);
  return true;
}

/** @returns {Promise<Stamped>} */
async function stampNow() {
  if (noAuthority) return { status: "none" };
  // Not even tried offline: the next "online" asks (a failed request is noise, not news).
  if (!navigator.onLine) return { status: "offline" };
  try {
    const head = await log.head();
    if (!head.seq) return { status: "empty" };
    if (await storedFor(head)) return { status: "already", seq: head.seq };
    let answer;
    try {
      if (!(await haveAuthority())) return { status: noAuthority ? "none" : "invalid", seq: head.seq };
      answer = await client.requestTimestamp(head.hash);
    } catch (error) {
      return { status: error instanceof ApiError ? "refused" : "offline", seq: head.seq, message: plainWords(error) };
    }
    if (typeof answer?.token !== "string" || !TOKEN.test(answer.token) || !Number.isSafeInteger(answer.time)) {
      return { status: "invalid", seq: head.seq, message: "The server's answer was not a time-stamp." };
    }
    const taken = await records.get("stamp", stampId(head.seq));
    const id = taken ? `${stampId(head.seq)}-${head.hash.slice(0, 8)}` : stampId(head.seq);
    await records.put("stamp", id, /** @type {Stored} */ ({ seq: head.seq, hash: head.hash, token: answer.token, time: answer.time }));
    return { status: "stamped", seq: head.seq };
  } catch (error) {
    if (error instanceof LockedError) return { status: "locked" };
    return { status: "failed", message: plainWords(error) };
  }
}

/** @type {Promise<Stamped> | null} */
let running = null;
/** @type {Promise<Stamped> | null} */
let waiting = null;

/**
 * Ask for a time-stamp of the chain's head, unless one is kept, and keep it. Never throws;
 * safe to call often: calls while one runs share one more pass after it.
 * @returns {Promise<Stamped>}
 */
export function stamp() {
  if (!running) {
    running = stampNow().finally(() => {
      running = null;
    });
    return running;
  }
  waiting ??= running.then(() => {
    waiting = null;
    return stamp();
  });
  return waiting;
}

/**
 * A stamp for the head as it is now, waiting at most `ms` (an export offline is not held up).
 * @param {number} ms
 * @returns {Promise<Stamped | { status: "slow" }>}
 */
export function stampWithin(ms) {
  return Promise.race([stamp(), new Promise((resolve) => setTimeout(() => resolve({ status: "slow" }), ms))]);
}

/** Every kept stamp, in chain order. @returns {Promise<Stored[]>} */
export async function list() {
  const kept = await records.list("stamp");
  return kept.map((r) => /** @type {Stored} */ (r.value)).sort((a, b) => a.seq - b.seq || a.time - b.time);
}

/** The authority's name and certificates, if kept. @returns {Promise<Authority | undefined>} */
export const authority = () => records.get(AUTHORITY.kind, AUTHORITY.id);

/** @type {ReturnType<typeof setTimeout> | undefined} */
let timer;
let started = false;

/** Stamp a little after the log settles (a burst of saves asks once), while unlocked. */
function soon() {
  clearTimeout(timer);
  timer = setTimeout(() => {
    if (isUnlocked()) void stamp();
  }, SETTLE_MS);
}

/** After the unlock: stamp now, after every change, and when the phone is back online. */
export function start() {
  soon();
  if (started) return;
  started = true;
  log.onChange(soon);
  addEventListener("online", soon);
  onLock(() => clearTimeout(timer));
}
