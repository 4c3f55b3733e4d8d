// @ts-check
// Signed time receipts: the server's word that it saw the diary's chain head no later than
// a moment. Only the head's hash leaves the phone. Each receipt is kept encrypted with the
// diary (kind "receipt"), and the server's public key beside them (kind "receipt-key"), so
// the report and the evidence bundle can show and carry them offline. The format is in
// docs/receipts.md; `cairn verify` checks the same signature in Python.
import { plainWords } from "../errors.js";
import { ApiError } from "../api.js";
import { fromBase64url, toHex, utf8 } from "../vault/bytes.js";
import { sha256 } from "../vault/crypto.js";
import { LockedError } from "../vault/keys.js";
import * as records from "../vault/records.js";
import * as log from "../diary/log.js";
import * as client from "./client.js";

const LABEL = "cairn/receipt/v1";
const HASH = /^[0-9a-f]{64}$/;
const KID = /^[0-9a-f]{16}$/;
const SIGNATURE = /^[A-Za-z0-9_-]{86}$/; // 64 bytes, base64url without padding
const PUBLIC_KEY = /^[A-Za-z0-9_-]{43}$/; // 32 bytes

/** @typedef {{ v: 1, hash: string, time: number, kid: string, signature: string }} Receipt */
/** @typedef {{ seq: number, hash: string, receipt: Receipt }} Stored */
/** @typedef {{ alg: "Ed25519", kid: string, publicKey: string }} PublicKey */
/**
 * What a stamp did: "stamped" (a new receipt is kept), "already" (this head has one),
 * "empty" (no events yet), "offline" (the server could not be reached), "refused" (it
 * answered with an error), "invalid" (its answer was not a good receipt for this head),
 * "locked" (the diary locked meanwhile) or "failed" (anything else, in `message`).
 * @typedef {{ status: "stamped" | "already" | "empty" | "offline" | "refused" | "invalid" | "locked" | "failed", seq?: number, hash?: string, message?: string }} Stamped
 */

/** A receipt's record id: its event's number, so ids sort in chain order. @param {number} seq */
export const receiptId = (seq) => "r" + String(seq).padStart(9, "0");
/** @param {string} kid */
const keyRecordId = (kid) => "k" + kid;

/** Whether `r` has the shape of a receipt. @param {any} r @returns {r is Receipt} */
export function wellFormed(r) {
  return (
    Boolean(r) &&
    typeof r === "object" &&
    r.v === 1 &&
    typeof r.hash === "string" &&
    HASH.test(r.hash) &&
    Number.isSafeInteger(r.time) &&
    r.time >= 0 &&
    typeof r.kid === "string" &&
    KID.test(r.kid) &&
    typeof r.signature === "string" &&
    SIGNATURE.test(r.signature)
  );
}

/** The key as published, if it is one and its id is the SHA-256 of its bytes. @param {any} k */
async function publicKeyFrom(k) {
  if (!k || k.alg !== "Ed25519" || typeof k.publicKey !== "string" || !PUBLIC_KEY.test(k.publicKey)) return null;
  const kid = toHex(await sha256(fromBase64url(k.publicKey))).slice(0, 16);
  return k.kid === kid ? /** @type {PublicKey} */ ({ alg: "Ed25519", kid, publicKey: k.publicKey }) : null;
}

/**
 * Whether `receipt` is signed by `key`: true or false, or null when it cannot be checked
 * here (no key kept for it, or a browser without Ed25519).
 * @param {Receipt} receipt
 * @param {PublicKey | undefined | null} key
 * @returns {Promise<boolean | null>}
 */
export async function check(receipt, key) {
  if (!wellFormed(receipt)) return false;
  if (!key) return null;
  if (receipt.kid !== key.kid) return false;
  let publicKey;
  try {
    publicKey = await crypto.subtle.importKey("raw", fromBase64url(key.publicKey), { name: "Ed25519" }, false, ["verify"]);
  } catch {
    return null;
  }
  const signed = utf8([LABEL, receipt.hash, receipt.time, receipt.kid].join("\n"));
  return crypto.subtle.verify({ name: "Ed25519" }, publicKey, fromBase64url(receipt.signature), signed);
}

/** The stored receipt for this head, if there is one. @param {{ seq: number, hash: string }} head */
async function storedFor(head) {
  for (const id of [receiptId(head.seq), `${receiptId(head.seq)}-${head.hash.slice(0, 8)}`]) {
    /** @type {Stored | undefined} */
    const stored = await records.get("receipt", id);
    if (stored?.hash === head.hash) return stored;
    if (!stored) return undefined;
  }
  return undefined;
}

/**
 * The server's public key with id `kid`: the one kept, or (the first time) fetched from
 * the server and kept. Null when it cannot be had now.
 * @param {string} kid
 * @returns {Promise<PublicKey | null>}
 */
async function keyFor(kid) {
  /** @type {PublicKey | undefined} */
  const kept = await records.get("receipt-key", keyRecordId(kid));
  if (kept) return kept;
  let published;
  try {
    published = await publicKeyFrom(await client.receiptKey());
  } catch {
    return null; // offline, or the server refused: the next stamp asks again
  }
  if (!published || published.kid !== kid) return null;
  await records.put("receipt-key", keyRecordId(kid), published);
  return published;
}

/** @returns {Promise<Stamped>} */
async function stampNow() {
  try {
    const head = await log.head();
    if (!head.seq) return { status: "empty" };
    const kept = await storedFor(head);
    if (kept) {
      await keyFor(kept.receipt.kid);
      return { status: "already", seq: head.seq, hash: head.hash };
    }
    let answer;
    try {
      // The hash, and nothing else of the diary.
      answer = await client.requestReceipt(head.hash);
    } catch (error) {
      const message = plainWords(error);
      return { status: error instanceof ApiError ? "refused" : "offline", seq: head.seq, hash: head.hash, message };
    }
    const r = answer?.receipt;
    if (!wellFormed(r) || r.hash !== head.hash) {
      return { status: "invalid", seq: head.seq, hash: head.hash, message: "The server's answer was not a receipt for this diary's state." };
    }
    /** @type {Receipt} */
    const receipt = { v: 1, hash: r.hash, time: r.time, kid: r.kid, signature: r.signature };
    if ((await check(receipt, await keyFor(receipt.kid))) === false) {
      return { status: "invalid", seq: head.seq, hash: head.hash, message: "The server's receipt is not signed by its key." };
    }
    // The number's place is taken only if this diary's chain was replaced since; keep both.
    const taken = await records.get("receipt", receiptId(head.seq));
    const id = taken ? `${receiptId(head.seq)}-${head.hash.slice(0, 8)}` : receiptId(head.seq);
    await records.put("receipt", id, /** @type {Stored} */ ({ seq: head.seq, hash: head.hash, receipt }));
    return { status: "stamped", seq: head.seq, hash: head.hash };
  } catch (error) {
    if (error instanceof LockedError) return { status: "locked" };
    return { status: "failed", message: plainWords(error) };
  }
}

// One stamp at a time. A call while one runs waits for it and then stamps the head as it is
// then (calls meanwhile share that one pass), so a change made during a request is not missed.
/** @type {Promise<Stamped> | null} */
let running = null;
/** @type {Promise<Stamped> | null} */
let waiting = null;

/**
 * Ask the server for a receipt for the chain's head, unless one is kept already, and keep
 * it. Never throws: the answer says what happened. Safe to call often and concurrently.
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
 * Every kept receipt, in chain order.
 * @returns {Promise<Stored[]>}
 */
export async function list() {
  const kept = await records.list("receipt");
  return kept.map((r) => /** @type {Stored} */ (r.value)).sort((a, b) => a.seq - b.seq || a.receipt.time - b.receipt.time);
}

/**
 * The server's public keys kept with the diary (one, unless the server's key changed).
 * @returns {Promise<PublicKey[]>}
 */
export async function keys() {
  const kept = await records.list("receipt-key");
  return kept.map((r) => /** @type {PublicKey} */ (r.value)).sort((a, b) => (a.kid < b.kid ? -1 : 1));
}

/**
 * Every kept receipt checked: whether the event at its number has its hash (`matches`), and
 * whether its signature checks with the kept key (`signed`: null when it cannot be checked).
 * @param {log.Event[]} events the chain
 * @returns {Promise<(Stored & { matches: boolean, signed: boolean | null })[]>}
 */
export async function review(events) {
  const [stored, known] = await Promise.all([list(), keys()]);
  const hashes = new Map(events.map((e) => [e.seq, e.hash]));
  const byKid = new Map(known.map((k) => [k.kid, k]));
  return Promise.all(
    stored.map(async (s) => ({
      ...s,
      matches: hashes.get(s.seq) === s.hash && s.receipt.hash === s.hash,
      signed: await check(s.receipt, byKid.get(s.receipt.kid)),
    })),
  );
}
