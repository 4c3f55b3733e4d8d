// @ts-check
// The vault's meta store, in clear (nothing secret): the key slots, the throttle, settings.
import { random, toBase64url } from "./bytes.js";
import { req, tx } from "./idb.js";

/**
 * @typedef {object} Slot
 * @property {string} id
 * @property {"passphrase" | "passkey"} type
 * @property {import("../bytes.js").Bytes} salt    PBKDF2 salt, or the PRF input for a passkey
 * @property {import("../bytes.js").Bytes} iv
 * @property {import("../bytes.js").Bytes} wrapped the data key, AES-GCM under the slot's wrapping key
 * @property {number} [iterations]     passphrase slots
 * @property {string} [credentialId]   passkey slots, base64url
 * @property {number} added            ms since the epoch
 *
 * @typedef {{ format: 1, slots: Slot[], id?: string, here?: string[] }} VaultMeta
 *   id: the diary's id, made at random with it and kept by its backups and server copy,
 *   so a copy on the server knows which diary it belongs to (vaults made before it have
 *   none until diaryId() is first asked).
 *   here: the credential ids of the passkeys made or used to unlock on this phone; the
 *   other passkey slots came with a restore, from another phone. Never leaves the phone.
 *   Vaults made before it have none: all their passkeys count as this phone's.
 */

/** @template T @param {string} name @returns {Promise<T | undefined>} */
export async function readMeta(name) {
  return tx("meta", "readonly", (t) => req(t.objectStore("meta").get(name)));
}

/** @param {string} name @param {unknown} value */
export async function writeMeta(name, value) {
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
export async function updateMeta(name, change) {
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

/**
 * The credential ids of this phone's own passkeys (see VaultMeta's `here`).
 * @param {VaultMeta} meta
 * @returns {string[]}
 */
export function hereIn(meta) {
  return meta.here ?? meta.slots.flatMap((s) => (s.type === "passkey" && s.credentialId ? [s.credentialId] : []));
}

/**
 * Public facts about the slots, for settings (never the wrapped keys); `here`: a passkey
 * made or used on this phone (always true of the passphrase).
 */
export async function slots() {
  const meta = await vaultMeta();
  const here = meta ? hereIn(meta) : [];
  return (meta?.slots || []).map(({ id, type, added, credentialId }) => ({
    id,
    type,
    added,
    credentialId,
    here: type === "passphrase" || here.includes(/** @type {string} */ (credentialId)),
  }));
}

/** The passkey slots' credential ids and PRF inputs, for one unlock ceremony, and which are this phone's. */
export async function passkeySlots() {
  const meta = await vaultMeta();
  const here = meta ? hereIn(meta) : [];
  return (meta?.slots || [])
    .filter((s) => s.type === "passkey")
    .map((s) => {
      const credentialId = /** @type {string} */ (s.credentialId);
      return { credentialId, salt: s.salt, here: here.includes(credentialId) };
    });
}

/**
 * Count a passkey as this phone's, once it has unlocked the diary here (a passkey synced
 * from another phone, say). Needs no unlock: credential ids are random and say nothing.
 * @param {string} credentialId
 */
export async function passkeyWorkedHere(credentialId) {
  await tx("meta", "readwrite", async (t) => {
    const store = t.objectStore("meta");
    /** @type {VaultMeta | undefined} */
    const now = await req(store.get("vault"));
    if (!now) return; // erased meanwhile
    const here = hereIn(now);
    if (!here.includes(credentialId)) store.put({ ...now, here: [...here, credentialId] }, "vault");
  });
}

/** A new diary's id: 16 random bytes, base64url. */
export const newDiaryId = () => toBase64url(random(16));

/**
 * This diary's id (made now, once, for a vault made before diaries had one); null when the
 * phone has no diary. Needs no unlock: the id is random and says nothing.
 * @returns {Promise<string | null>}
 */
export async function diaryId() {
  const meta = await vaultMeta();
  if (!meta) return null;
  if (meta.id) return meta.id;
  return tx("meta", "readwrite", async (t) => {
    const store = t.objectStore("meta");
    /** @type {VaultMeta | undefined} */
    const now = await req(store.get("vault"));
    if (!now) return null; // erased meanwhile
    const id = now.id || newDiaryId();
    if (!now.id) store.put({ ...now, id }, "vault");
    return id;
  });
}
