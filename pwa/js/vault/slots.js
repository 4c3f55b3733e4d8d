// @ts-check
// Key slots (like LUKS): the data key wrapped once per way in. Making them, writing them as
// JSON, and changing them while unlocked.
import { fromBase64url, random, toBase64url } from "./bytes.js";
import { PBKDF2_ITERATIONS, passphraseKek, prfKek, wrapDataKey } from "./crypto.js";
import { LockedError } from "./errors.js";
import { PlainError } from "../errors.js";
import { hereIn, updateMeta, vaultMeta } from "./meta.js";
import { extractableKey, isUnlocked, replaceSessionSlot, sessionSlot } from "./session.js";

/**
 * @typedef {import("./meta.js").Slot} Slot
 * @typedef {import("./meta.js").VaultMeta} VaultMeta
 * @typedef {{ credentialId: string, salt: import("../bytes.js").Bytes, prfOutput: import("../bytes.js").Bytes }} PasskeyProof
 */

/** @param {CryptoKey} extractable @param {string} passphrase */
export async function makePassphraseSlot(extractable, passphrase) {
  const id = "pw-" + toBase64url(random(9));
  const salt = random(16);
  const kek = await passphraseKek(passphrase, salt, PBKDF2_ITERATIONS);
  const { iv, wrapped } = await wrapDataKey(extractable, kek, id);
  /** @type {Slot} */
  const slot = { id, type: "passphrase", salt, iv, wrapped, iterations: PBKDF2_ITERATIONS, added: Date.now() };
  return { slot, kek };
}

/** @param {CryptoKey} extractable @param {PasskeyProof} proof */
export async function makePasskeySlot(extractable, proof) {
  const id = "pk-" + toBase64url(random(9));
  const kek = await prfKek(proof.prfOutput);
  const { iv, wrapped } = await wrapDataKey(extractable, kek, id);
  /** @type {Slot} */
  const slot = { id, type: "passkey", salt: proof.salt, iv, wrapped, credentialId: proof.credentialId, added: Date.now() };
  return { slot, kek };
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

// --- changing slots (unlocked only) --------------------------------------------------------

/** @param {(meta: VaultMeta) => VaultMeta} change must not await anything */
async function updateVault(change) {
  await updateMeta("vault", (/** @type {VaultMeta | undefined} */ meta) => {
    if (!meta) throw new PlainError("This phone has no diary yet.");
    const next = change(meta);
    if (!next.slots.some((s) => s.type === "passphrase")) throw new PlainError("The recovery passphrase cannot be removed.");
    return { value: next, result: undefined };
  });
}

/**
 * Add a passkey made on this phone as another way in. Nothing in the diary is re-encrypted.
 * @param {PasskeyProof} proof
 */
export async function addPasskey(proof) {
  const { slot } = await makePasskeySlot(await extractableKey(), proof);
  const id = proof.credentialId;
  await updateVault((meta) => ({
    ...meta,
    slots: [...meta.slots.filter((s) => s.credentialId !== id), slot],
    here: [...hereIn(meta).filter((c) => c !== id), id],
  }));
  return slot.id;
}

/** Remove a passkey slot. The passphrase slot, the last way in, is never removed. @param {string} id */
export async function removeSlot(id) {
  if (!isUnlocked()) throw new LockedError();
  await updateVault((meta) => {
    const slot = meta.slots.find((s) => s.id === id);
    if (!slot) throw new PlainError("That way in was already removed.");
    if (slot.type === "passphrase") throw new PlainError("The recovery passphrase cannot be removed; you can change it.");
    return { ...meta, slots: meta.slots.filter((s) => s.id !== id), here: hereIn(meta).filter((c) => c !== slot.credentialId) };
  });
  // The session keeps its in-memory copy of the slot it unlocked with, so it can still make
  // new slots until it locks, even if that slot was the one removed.
}

/** Replace the recovery passphrase. Nothing in the diary is re-encrypted. @param {string} passphrase */
export async function changePassphrase(passphrase) {
  const { slot, kek } = await makePassphraseSlot(await extractableKey(), passphrase);
  const old = sessionSlot();
  await updateVault((meta) => ({ ...meta, slots: [...meta.slots.filter((s) => s.type !== "passphrase"), slot] }));
  if (old?.type === "passphrase") replaceSessionSlot(slot, kek);
}

/**
 * The slots a backup file carries: a new one for `passphrase` when one is given, otherwise
 * the recovery passphrase's own slot; and the passkey slots, so that after a restore a
 * synced passkey still unlocks.
 * @param {string} [passphrase] a separate passphrase for the file
 * @returns {Promise<Slot[]>}
 */
export async function backupSlots(passphrase) {
  if (!isUnlocked()) throw new LockedError();
  const meta = await vaultMeta();
  if (!meta) throw new PlainError("This phone has no diary yet.");
  const passkeys = meta.slots.filter((s) => s.type === "passkey");
  if (!passphrase) return [...meta.slots.filter((s) => s.type === "passphrase"), ...passkeys];
  const { slot } = await makePassphraseSlot(await extractableKey(), passphrase);
  return [slot, ...passkeys];
}
