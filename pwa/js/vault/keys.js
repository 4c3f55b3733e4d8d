// @ts-check
// Key slots (like LUKS): one random data key, stored only wrapped, once per way in.
// The data key lives in memory only, non-extractable, from unlock to lock.
import { fromBase64url, random, toBase64url } from "./bytes.js";
import {
  PBKDF2_ITERATIONS,
  TamperedError,
  newDataKey,
  passphraseKek,
  prfKek,
  unwrapDataKey,
  wrapDataKey,
} from "./crypto.js";
import { destroy, req, tx } from "./idb.js";

/** @typedef {import("./bytes.js").Bytes} Bytes */

/**
 * @typedef {object} Slot
 * @property {string} id
 * @property {"passphrase" | "passkey"} type
 * @property {Bytes} salt    PBKDF2 salt, or the PRF input for a passkey
 * @property {Bytes} iv
 * @property {Bytes} wrapped the data key, AES-GCM under the slot's wrapping key
 * @property {number} [iterations]     passphrase slots
 * @property {string} [credentialId]   passkey slots, base64url
 * @property {number} added            ms since the epoch
 *
 * @typedef {{ format: 1, slots: Slot[] }} VaultMeta
 * @typedef {{ credentialId: string, salt: Bytes, prfOutput: Bytes }} PasskeyProof
 */

export class LockedError extends Error {
  constructor() {
    super("The diary is locked.");
    this.name = "LockedError";
  }
}

export class WrongPassphraseError extends Error {
  /** @param {number} failures @param {number} waitSeconds */
  constructor(failures, waitSeconds) {
    super(
      waitSeconds > 0
        ? `That passphrase is not right. Wait ${formatWait(waitSeconds)} before trying again.`
        : "That passphrase is not right. Check it and try again.",
    );
    this.name = "WrongPassphraseError";
    this.failures = failures;
    this.waitSeconds = waitSeconds;
  }
}

export class ThrottledError extends Error {
  /** @param {number} waitSeconds */
  constructor(waitSeconds) {
    super(`Too many wrong tries. Wait ${formatWait(waitSeconds)} before trying again.`);
    this.name = "ThrottledError";
    this.waitSeconds = waitSeconds;
  }
}

export class WipedError extends Error {
  constructor() {
    super("Too many wrong tries: as you chose, everything was erased.");
    this.name = "WipedError";
  }
}

/** @param {number} seconds */
export function formatWait(seconds) {
  const s = Math.ceil(seconds);
  if (s < 60) return `${s} second${s === 1 ? "" : "s"}`;
  const m = Math.ceil(s / 60);
  return `${m} minute${m === 1 ? "" : "s"}`;
}

/** Seconds to wait after `failures` wrong passphrases: none for 3, then 5 s doubling to 15 min. */
export function delayAfter(/** @type {number} */ failures) {
  return failures < 3 ? 0 : Math.min(5 * 2 ** (failures - 3), 900);
}

/** @type {{ key: CryptoKey, kek: CryptoKey, slot: Slot } | null} */
let session = null;
// Rises on every lock: an unlock that was under way when the vault locked is thrown away.
let epoch = 0;
/** @type {Set<() => void>} */
const lockListeners = new Set();
/** @type {Set<() => void>} */
const beforeLockListeners = new Set();

// --- meta (in clear: nothing secret) -------------------------------------------------------

/** @template T @param {string} name @returns {Promise<T | undefined>} */
async function readMeta(name) {
  return tx("meta", "readonly", (t) => req(t.objectStore("meta").get(name)));
}

/** @param {string} name @param {unknown} value */
async function writeMeta(name, value) {
  await tx("meta", "readwrite", (t) => {
    t.objectStore("meta").put(value, name);
  });
}

/**
 * Read, change and write one meta entry in a single transaction, so two windows cannot
 * overwrite each other's change. `change` must not await anything.
 * @template T, R
 * @param {string} name
 * @param {(current: T | undefined) => { value: T, result: R }} change
 * @returns {Promise<R>}
 */
async function updateMeta(name, change) {
  return tx("meta", "readwrite", async (t) => {
    const store = t.objectStore("meta");
    const { value, result } = change(await req(store.get(name)));
    store.put(value, name);
    return result;
  });
}

/** @returns {Promise<VaultMeta | undefined>} */
export function vaultMeta() {
  return readMeta("vault");
}

/** Whether this phone has a vault yet. */
export async function hasVault() {
  return Boolean(await vaultMeta());
}

/** Public facts about the slots, for settings (never the wrapped keys). */
export async function slots() {
  const meta = await vaultMeta();
  return (meta?.slots || []).map(({ id, type, added, credentialId }) => ({ id, type, added, credentialId }));
}

/** The passkey slots' credential ids and PRF inputs, for one unlock ceremony. */
export async function passkeySlots() {
  const meta = await vaultMeta();
  return (meta?.slots || [])
    .filter((s) => s.type === "passkey")
    .map((s) => ({ credentialId: /** @type {string} */ (s.credentialId), salt: s.salt }));
}

// --- session --------------------------------------------------------------------------------

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
 * @param {{ key: CryptoKey, kek: CryptoKey, slot: Slot }} next
 */
function begin(startedAt, next) {
  if (startedAt !== epoch) throw new LockedError();
  session = next;
}

// --- making slots ---------------------------------------------------------------------------

/** @param {CryptoKey} extractable @param {string} passphrase */
async function makePassphraseSlot(extractable, passphrase) {
  const id = "pw-" + toBase64url(random(9));
  const salt = random(16);
  const kek = await passphraseKek(passphrase, salt, PBKDF2_ITERATIONS);
  const { iv, wrapped } = await wrapDataKey(extractable, kek, id);
  /** @type {Slot} */
  const slot = { id, type: "passphrase", salt, iv, wrapped, iterations: PBKDF2_ITERATIONS, added: Date.now() };
  return { slot, kek };
}

/** @param {CryptoKey} extractable @param {PasskeyProof} proof */
async function makePasskeySlot(extractable, proof) {
  const id = "pk-" + toBase64url(random(9));
  const kek = await prfKek(proof.prfOutput);
  const { iv, wrapped } = await wrapDataKey(extractable, kek, id);
  /** @type {Slot} */
  const slot = { id, type: "passkey", salt: proof.salt, iv, wrapped, credentialId: proof.credentialId, added: Date.now() };
  return { slot, kek };
}

/**
 * Create the vault: a new data key, a passphrase slot, and a passkey slot when the
 * authenticator gave a PRF output. Leaves the vault unlocked.
 * @param {{ passphrase: string, passkey?: PasskeyProof, startedAt?: number }} options
 *   `startedAt`: lockEpoch() when the person acted; a lock since then (quick exit during
 *   the slow part) means nothing is written and LockedError is thrown
 */
export async function createVault({ passphrase, passkey, startedAt = epoch }) {
  if (await hasVault()) throw new Error("This phone already has a diary.");
  const extractable = await newDataKey();
  const made = [await makePassphraseSlot(extractable, passphrase)];
  if (passkey) made.push(await makePasskeySlot(extractable, passkey));
  await install({ format: 1, slots: made.map((m) => m.slot) }, made[made.length - 1], startedAt);
}

/**
 * Write a new vault's slots, then open the session with `opener`'s slot. From here on only a
 * non-extractable copy of the data key is kept.
 * @param {VaultMeta} meta
 * @param {{ slot: Slot, kek: CryptoKey }} opener
 * @param {number} startedAt
 */
async function install(meta, opener, startedAt) {
  if (startedAt !== epoch) throw new LockedError();
  try {
    // add(), not put(): a second window setting up at the same time must not replace this.
    await tx("meta", "readwrite", (t) => {
      t.objectStore("meta").add(meta, "vault");
    });
  } catch (error) {
    if (/** @type {Error} */ (error).name === "ConstraintError") throw new Error("This phone already has a diary.");
    throw error;
  }
  begin(startedAt, { key: await unwrapDataKey(opener.slot, opener.kek), kek: opener.kek, slot: opener.slot });
}

/**
 * Make this phone's vault from a restored backup's data key: a new passphrase slot for the
 * passphrase that opened the backup, and the backup's passkey slots (a synced passkey still
 * opens it). Write the records first: the vault exists only once this has run. Leaves the
 * vault unlocked.
 * @param {{ key: CryptoKey, passphrase: string, passkeys?: Slot[], startedAt?: number }} options
 *   key: the backup's data key, extractable (wrapped here, then dropped)
 */
export async function adoptVault({ key, passphrase, passkeys = [], startedAt = epoch }) {
  const made = await makePassphraseSlot(key, passphrase);
  await install({ format: 1, slots: [made.slot, ...passkeys.filter((s) => s.type === "passkey")] }, made, startedAt);
}

/**
 * Make this phone's vault from a server copy's slots, kept exactly as they were (the
 * recovery passphrase's slot too), and open it with the slot that opened the copy. Write the
 * records first: the vault exists only once this has run. Leaves the vault unlocked.
 * @param {{ slots: Slot[], opened: { slot: Slot, kek: CryptoKey }, startedAt?: number }} options
 */
export async function adoptSlots({ slots, opened, startedAt = epoch }) {
  if (!slots.some((s) => s.type === "passphrase")) throw new Error("This copy has no recovery passphrase slot.");
  await install({ format: 1, slots }, opened, startedAt);
}

/** A slot as JSON (bytes as base64url), as backup files and the server copy hold it. @param {Slot} slot */
export function slotToJson(slot) {
  return { ...slot, salt: toBase64url(slot.salt), iv: toBase64url(slot.iv), wrapped: toBase64url(slot.wrapped) };
}

/**
 * A slot from JSON, checked for shape. @param {any} s
 * @returns {Slot}
 * @throws {TypeError} not a slot
 */
export function slotFromJson(s) {
  if (!s || (s.type !== "passphrase" && s.type !== "passkey") || typeof s.id !== "string") throw new TypeError("not a key slot");
  if (s.type === "passkey" && typeof s.credentialId !== "string") throw new TypeError("not a key slot");
  return { ...s, salt: fromBase64url(s.salt), iv: fromBase64url(s.iv), wrapped: fromBase64url(s.wrapped) };
}

// --- unlocking ------------------------------------------------------------------------------

/** @returns {Promise<{ failures: number, until: number }>} */
async function throttle() {
  return (await readMeta("throttle")) || { failures: 0, until: 0 };
}

/** Seconds until another passphrase may be tried (0 when it may be tried now). */
export async function waitSeconds() {
  const { until } = await throttle();
  return Math.max(0, (until - Date.now()) / 1000);
}

/** Erase-after-N-failures setting: 0 is off. */
export async function wipeAfter() {
  return /** @type {number} */ ((await readMeta("wipeAfter")) || 0);
}

/** @param {number} n 0 turns it off */
export async function setWipeAfter(n) {
  await writeMeta("wipeAfter", Math.max(0, Math.floor(n)));
}

/**
 * Unlock with the recovery passphrase. Wrong tries slow down (the wait survives reload) and,
 * if the owner chose it, erase everything after N.
 * @param {string} passphrase
 * @throws {ThrottledError | WrongPassphraseError | WipedError}
 */
export async function unlockWithPassphrase(passphrase) {
  const startedAt = epoch;
  // Count the try as a failure before the slow derivation, in one transaction: tries made
  // at the same time from several windows each count, and each waits its turn.
  const state = await updateMeta("throttle", (/** @type {{ failures: number, until: number } | undefined} */ current) => {
    const now = current || { failures: 0, until: 0 };
    if (now.until > Date.now()) return { value: now, result: { ...now, refused: true } };
    const failures = now.failures + 1;
    return { value: { failures, until: Date.now() + delayAfter(failures) * 1000 }, result: { failures, until: 0, refused: false } };
  });
  if (state.refused) throw new ThrottledError((state.until - Date.now()) / 1000);
  const meta = await vaultMeta();
  const slot = meta?.slots.find((s) => s.type === "passphrase");
  if (!slot) throw new Error("This phone has no diary yet.");
  const kek = await passphraseKek(passphrase, slot.salt, slot.iterations);
  let key;
  try {
    key = await unwrapDataKey(slot, kek);
  } catch (error) {
    if (!(error instanceof TamperedError)) throw error;
    const limit = await wipeAfter();
    if (limit && state.failures >= limit) {
      await eraseEverything();
      throw new WipedError();
    }
    throw new WrongPassphraseError(state.failures, delayAfter(state.failures));
  }
  await writeMeta("throttle", { failures: 0, until: 0 });
  begin(startedAt, { key, kek, slot });
}

/**
 * Unlock with a passkey's PRF output for its slot.
 * @param {string} credentialId base64url
 * @param {Bytes} prfOutput
 * @param {number} [startedAt] lockEpoch() before the passkey was asked for: a lock during
 *   the ceremony (quick exit) stops this unlock
 * @throws {TamperedError} the passkey does not open this diary
 */
export async function unlockWithPrf(credentialId, prfOutput, startedAt = epoch) {
  const meta = await vaultMeta();
  const slot = meta?.slots.find((s) => s.type === "passkey" && s.credentialId === credentialId);
  if (!slot) throw new TamperedError("This passkey is not one of this diary's, and the key");
  const kek = await prfKek(prfOutput);
  const key = await unwrapDataKey(slot, kek);
  await writeMeta("throttle", { failures: 0, until: 0 });
  begin(startedAt, { key, kek, slot });
}

// --- changing slots (unlocked only) --------------------------------------------------------

/** A transient extractable copy of the data key, from the slot used to unlock. */
async function extractableKey() {
  if (!session) throw new LockedError();
  return unwrapDataKey(session.slot, session.kek, true);
}

/** @param {(slots: Slot[]) => Slot[]} change must not await anything */
async function updateSlots(change) {
  await updateMeta("vault", (/** @type {VaultMeta | undefined} */ meta) => {
    if (!meta) throw new Error("This phone has no diary yet.");
    const next = change(meta.slots);
    if (!next.some((s) => s.type === "passphrase")) throw new Error("The recovery passphrase cannot be removed.");
    return { value: { ...meta, slots: next }, result: undefined };
  });
}

/** Add a passkey as another way in. Nothing in the diary is re-encrypted. @param {PasskeyProof} proof */
export async function addPasskey(proof) {
  const { slot } = await makePasskeySlot(await extractableKey(), proof);
  await updateSlots((all) => [...all.filter((s) => s.credentialId !== proof.credentialId), slot]);
  return slot.id;
}

/** Remove a passkey slot. The passphrase slot, the last way in, is never removed. @param {string} id */
export async function removeSlot(id) {
  if (!session) throw new LockedError();
  await updateSlots((all) => {
    const slot = all.find((s) => s.id === id);
    if (!slot) throw new Error("That way in was already removed.");
    if (slot.type === "passphrase") throw new Error("The recovery passphrase cannot be removed; you can change it.");
    return all.filter((s) => s.id !== id);
  });
  // The session keeps its in-memory copy of the slot it unlocked with, so it can still make
  // new slots until it locks, even if that slot was the one removed.
}

/** Replace the recovery passphrase. Nothing in the diary is re-encrypted. @param {string} passphrase */
export async function changePassphrase(passphrase) {
  const { slot, kek } = await makePassphraseSlot(await extractableKey(), passphrase);
  const old = session?.slot;
  await updateSlots((all) => [...all.filter((s) => s.type !== "passphrase"), slot]);
  if (session && old?.type === "passphrase") session = { ...session, kek, slot };
}

/**
 * The slots a backup file carries: a new one for `passphrase` when one is given, otherwise
 * the recovery passphrase's own slot; and the passkey slots, so that after a restore a
 * synced passkey still unlocks.
 * @param {string} [passphrase] a separate passphrase for the file
 * @returns {Promise<Slot[]>}
 */
export async function backupSlots(passphrase) {
  if (!session) throw new LockedError();
  const meta = await vaultMeta();
  if (!meta) throw new Error("This phone has no diary yet.");
  const passkeys = meta.slots.filter((s) => s.type === "passkey");
  if (!passphrase) return [...meta.slots.filter((s) => s.type === "passphrase"), ...passkeys];
  const { slot } = await makePassphraseSlot(await extractableKey(), passphrase);
  return [slot, ...passkeys];
}

// --- erasing --------------------------------------------------------------------------------

/**
 * Erase every record, file, draft and key slot on this phone, then lock (no draft is kept).
 * If deleting fails, nothing is locked, so the person is still there to be told.
 */
export async function eraseEverything() {
  await destroy();
  await lock({ save: false });
}
