// @ts-check
// What the phone remembers before anything is unlocked: which disguise it wears, and a
// salted hash of the secret code that leads from the disguise to the unlock. Kept in
// localStorage (read synchronously, so the first paint is already the right disguise), and
// once there is a vault, a second time beside it, where writes are durable (durable.js).
// Nothing here comes from behind the code; the code only opens the unlock screen, never the vault.
import { fromBase64url, random, toBase64url, utf8 } from "../bytes.js";
import { PlainError } from "../errors.js";
import * as durable from "./durable.js";

const KEY = "prefs";
const ITERATIONS = 50_000;
export const CODE = /^[0-9]{4,6}$/;

/**
 * Whether what was typed into a disguise is a code and nothing else: 4 to 6 digits on their
 * own (leading zeros count). Only such an entry is ever checked; sums, results, decimals and
 * words never are.
 * @param {string} typed
 */
export function isCode(typed) {
  return CODE.test(typed);
}

/**
 * @typedef {{ salt: string, hash: string, iterations: number }} Pin
 * @typedef {{ escape: boolean, to: string }} Exit  where quick exit goes ("" the disguise)
 * @typedef {{ look?: string, pin?: Pin, exit?: Partial<Exit>, inside?: boolean, rev?: number }} Prefs
 *   rev: how many times they were written on this phone, so the newer of the two copies wins
 */

/** Quick exit's defaults: Escape off (it has other uses); a browser tab goes to BBC Weather. */
export const EXIT_DEFAULTS = { escape: false, to: "https://www.bbc.co.uk/weather" };

/**
 * Why a code is too easy to guess, or "" if it is not: one digit repeated, a run up or
 * down (1234, 9876), or a pair repeated (1212).
 * @param {string} code
 */
export function weakness(code) {
  if (/^(\d)\1+$/.test(code)) return "One digit repeated is too easy to guess.";
  const steps = new Set([...code].slice(1).map((d, i) => (Number(d) - Number(code[i]) + 10) % 10));
  if (steps.size === 1 && (steps.has(1) || steps.has(9))) return "Digits in a row are too easy to guess.";
  if (/^(\d\d)\1+$/.test(code)) return "A pair repeated is too easy to guess.";
  return "";
}

/** @returns {Prefs} */
function read() {
  try {
    const value = JSON.parse(localStorage.getItem(KEY) || "{}");
    return value && typeof value === "object" ? value : {};
  } catch {
    return {};
  }
}

/** Keep `prefs` (counted as one more change), in both places. @param {Prefs} prefs */
function write(prefs) {
  localStorage.setItem(KEY, JSON.stringify({ ...prefs, rev: (read().rev || 0) + 1 }));
  copied = copied.then(() => durable.settle(read)).then(
    () => {},
    () => {}, // no vault yet, or storage refused: localStorage still holds them
  );
}

/** The copies being written, one after another. */
let copied = Promise.resolve();

/** These prefs as kept now, for the vault to keep beside it when it is made. */
export function stored() {
  return read();
}

/**
 * Bring the two copies together: the durable one, when it is newer, back into localStorage
 * (a phone stopped before localStorage reached the disk), else this one into it (a vault
 * made before there was a copy). Resolves with whether the prefs here changed. Never makes
 * the database; on a browser that never had a vault it only lists its databases.
 */
export function settle() {
  settling = durable.settle(read).then(
    (newer) => {
      if (newer) localStorage.setItem(KEY, JSON.stringify(newer));
      return Boolean(newer);
    },
    () => false,
  );
  return settling;
}

/** The last settle(), until it is done (or SETTLE_MS have passed). */
let settling = Promise.resolve(false);
const SETTLE_MS = 2000;

/** Resolves once the last settle() is done: before a code is checked on a phone without one. */
export function settled() {
  return Promise.race([settling, new Promise((resolve) => setTimeout(resolve, SETTLE_MS))]);
}

/** The disguise this phone wears, or undefined before set-up. */
export function look() {
  return read().look;
}

/** @param {string} name */
export function setLook(name) {
  write({ ...read(), look: name });
}

/**
 * Quick exit's settings. Kept here, not in the vault, because quick exit must work the
 * same from the unlock and set-up screens, before there is a key.
 * @returns {Exit}
 */
export function exitSettings() {
  return { ...EXIT_DEFAULTS, ...(read().exit || {}) };
}

/** @param {Partial<Exit>} change */
export function setExit(change) {
  write({ ...read(), exit: { ...exitSettings(), ...change } });
}

/**
 * Whether a code has opened set-up or the unlock on this phone: before that, the page loads
 * and the worker keeps only what the disguise needs.
 */
export function inside() {
  const prefs = read();
  return Boolean(prefs.inside || prefs.pin);
}

/** Remember that a code was right on this phone (kept across reloads and new versions). */
export function letIn() {
  if (!read().inside) write({ ...read(), inside: true });
}

/** Whether a secret code was set on this phone. */
export function hasCode() {
  return Boolean(read().pin);
}

/** @param {string} code @param {import("../bytes.js").Bytes} salt @param {number} iterations */
async function derive(code, salt, iterations) {
  const base = await crypto.subtle.importKey("raw", utf8(code), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, base, 256);
  return new Uint8Array(bits);
}

/** Keep a new secret code (its salted hash only). @param {string} code */
export async function setCode(code) {
  if (!CODE.test(code)) throw new PlainError("The code must be 4 to 6 digits.");
  const salt = random(16);
  const hash = await derive(code, salt, ITERATIONS);
  write({ ...read(), pin: { salt: toBase64url(salt), hash: toBase64url(hash), iterations: ITERATIONS } });
}

/** Whether `code` is this phone's secret code. @param {string} code */
export async function checkCode(code) {
  const pin = read().pin;
  if (!pin || !CODE.test(code)) return false;
  const hash = await derive(code, fromBase64url(pin.salt), pin.iterations);
  const expected = fromBase64url(pin.hash);
  let diff = hash.length ^ expected.length;
  for (let i = 0; i < hash.length; i++) diff |= hash[i] ^ (expected[i] ?? 0);
  return diff === 0;
}

/** Forget the secret code and quick exit's settings (erasing). The disguise stays, so the
 * icon on the home screen still matches what opens. */
export function forgetCode() {
  const { look: kept } = read();
  // Erasing starts the phone afresh, the count of changes too (the vault and its copy are gone).
  localStorage.setItem(KEY, JSON.stringify(kept ? { look: kept } : {}));
}
