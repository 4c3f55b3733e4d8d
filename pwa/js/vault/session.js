// @ts-check
// The session: the data key in memory, non-extractable, from unlock to lock, and who is told
// when it goes.
import { unwrapDataKey } from "./crypto.js";
import { LockedError } from "./errors.js";

/** @typedef {import("./meta.js").Slot} Slot */
/** @typedef {{ key: CryptoKey, kek: CryptoKey, slot: Slot }} Session */

/** @type {Session | null} */
let session = null;
// Rises on every lock: an unlock that was under way when the vault locked is thrown away.
let epoch = 0;
/** @type {Set<() => void>} */
const lockListeners = new Set();
/** @type {Set<() => void>} */
const beforeLockListeners = new Set();

export function isUnlocked() {
  return session !== null;
}

/** A number that changes at every lock: work that started under another one must not keep
 * what it decrypted. */
export function lockEpoch() {
  return epoch;
}

/** The data key, for records.js. @throws {LockedError} */
export function dataKey() {
  if (!session) throw new LockedError();
  return session.key;
}

/** Call `listener` whenever the vault locks. @param {() => void} listener */
export function onLock(listener) {
  lockListeners.add(listener);
  return () => lockListeners.delete(listener);
}

/**
 * Call `listener` just before the vault locks, while the key is still there, so it can start
 * saving unsaved work (records.put takes the key at once, before it awaits anything).
 * It must not await before starting the save; it may return the save's promise.
 * @param {() => unknown} listener
 */
export function beforeLock(listener) {
  beforeLockListeners.add(listener);
  return () => beforeLockListeners.delete(listener);
}

/**
 * Drop the data key and tell every listener to drop what it decrypted. The vault is locked
 * when this returns; the promise settles when the saves begun before the lock have finished
 * (for leaving the page without cutting a draft's write short).
 * @param {{ save?: boolean }} [options] `save: false` skips the saves (when erasing)
 * @returns {Promise<void>}
 */
export function lock({ save = true } = {}) {
  const saving = session && save ? callEach(beforeLockListeners) : [];
  epoch += 1;
  const was = session;
  session = null;
  if (was) callEach(lockListeners);
  return Promise.allSettled(saving).then(() => undefined);
}

/**
 * Call every listener; one failing must not stop the others (the lock must happen).
 * @param {Set<() => unknown>} listeners
 * @returns {unknown[]} what each returned
 */
function callEach(listeners) {
  const results = [];
  for (const listener of listeners) {
    try {
      results.push(listener());
    } catch (error) {
      console.error("lock listener failed", error);
    }
  }
  return results;
}

/**
 * Open the session, unless the vault was locked while the unlock was under way.
 * @param {number} startedAt the epoch when the unlock began
 * @param {Session} next
 */
export function begin(startedAt, next) {
  if (startedAt !== epoch) throw new LockedError();
  session = next;
}

/** The slot the session was opened with (its in-memory copy), or null when locked. */
export function sessionSlot() {
  return session?.slot ?? null;
}

/**
 * After the passphrase slot the session was opened with is replaced, keep the new one, so
 * the session can still make slots. @param {Slot} slot @param {CryptoKey} kek
 */
export function replaceSessionSlot(slot, kek) {
  if (session) session = { ...session, kek, slot };
}

/** A transient extractable copy of the data key, from the slot used to unlock. */
export async function extractableKey() {
  if (!session) throw new LockedError();
  return unwrapDataKey(session.slot, session.kek, true);
}
