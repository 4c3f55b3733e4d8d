// @ts-check
// The vault's public face: one random data key, stored only wrapped in key slots, held in
// memory only from unlock to lock. Creating, adopting, unlocking and erasing live here; the
// rest is re-exported from the modules beside it (errors, meta, session, throttle, slots).
import * as changes from "./changes.js";
import { TamperedError, newDataKey, passphraseKek, prfKek, unwrapDataKey } from "./crypto.js";
import * as prefs from "../disguise/prefs.js";
import { PlainError } from "../errors.js";
import { LockedError, ThrottledError, WipedError, WrongPassphraseError } from "./errors.js";
import { destroy, req, tx } from "./idb.js";
import { stopAll } from "./large-files.js";
import { clearParts } from "./opfs.js";
import { hasVault, newDiaryId, passkeyWorkedHere, vaultMeta } from "./meta.js";
import { begin, lock, lockEpoch } from "./session.js";
import { makePasskeySlot, makePassphraseSlot } from "./slots.js";
import { clearTries, countTry, delayAfter, wipeAfter } from "./throttle.js";

export { LockedError, ThrottledError, WipedError, WrongPassphraseError, formatWait } from "./errors.js";
export { diaryId, hasVault, newDiaryId, passkeySlots, slots, vaultMeta } from "./meta.js";
export { beforeLock, dataKey, isUnlocked, lock, lockEpoch, onLock } from "./session.js";
export { addPasskey, backupSlots, changePassphrase, removeSlot, slotFromJson, slotToJson } from "./slots.js";
export { delayAfter, setWipeAfter, waitSeconds, wipeAfter } from "./throttle.js";

/**
 * @typedef {import("./meta.js").Slot} Slot
 * @typedef {import("./meta.js").VaultMeta} VaultMeta
 * @typedef {import("./slots.js").PasskeyProof} PasskeyProof
 */

// --- creating and adopting ------------------------------------------------------------------

/**
 * Create the vault: a new data key, a passphrase slot, and a passkey slot when the
 * authenticator gave a PRF output. Leaves the vault unlocked.
 * @param {{ passphrase: string, passkey?: PasskeyProof, startedAt?: number }} options
 *   `startedAt`: lockEpoch() when the person acted; a lock since then (quick exit during
 *   the slow part) means nothing is written and LockedError is thrown
 */
export async function createVault({ passphrase, passkey, startedAt = lockEpoch() }) {
  if (await hasVault()) throw new PlainError("This phone already has a diary.");
  const extractable = await newDataKey();
  const made = [await makePassphraseSlot(extractable, passphrase)];
  if (passkey) made.push(await makePasskeySlot(extractable, passkey));
  const here = passkey ? [passkey.credentialId] : [];
  await install({ format: 1, slots: made.map((m) => m.slot), id: newDiaryId(), here }, made[made.length - 1], startedAt, { fresh: true });
}

/**
 * Write a new vault's slots, with the disguise's prefs beside them (its code and look: a vault
 * never exists without its way in, even if localStorage's copy never reaches the disk), then
 * open the session with `opener`'s slot. From here on only a non-extractable copy of the data
 * key is kept.
 * @param {VaultMeta} meta
 * @param {{ slot: Slot, kek: CryptoKey }} opener
 * @param {number} startedAt
 * @param {{ fresh?: boolean }} [options] fresh: a new, empty vault: whatever records and file
 *   parts an interrupted restore left behind (under another key) go in the same transaction
 */
async function install(meta, opener, startedAt, { fresh = false } = {}) {
  if (startedAt !== lockEpoch()) throw new LockedError();
  try {
    // add(), not put(): a second window setting up at the same time must not replace this.
    await tx(["meta", "records", "chunks", "changes"], "readwrite", (t) => {
      t.objectStore("meta").add(meta, "vault");
      t.objectStore("meta").put(prefs.stored(), "prefs");
      // Written without notes (a restore) or emptied: the server copy compares everything.
      changes.clear(t);
      if (!fresh) return;
      t.objectStore("records").clear();
      t.objectStore("chunks").clear();
    });
    if (fresh) await clearParts().catch(() => {}); // a restore's leftovers: at worst, space
  } catch (error) {
    if (/** @type {Error} */ (error).name === "ConstraintError") throw new PlainError("This phone already has a diary.");
    throw error;
  }
  begin(startedAt, { key: await unwrapDataKey(opener.slot, opener.kek), kek: opener.kek, slot: opener.slot });
}

/**
 * Before a restore writes anything: with no vault on this phone, clear whatever records and
 * file parts an earlier, interrupted restore left behind, so the restore starts from an empty
 * store (and can always be started again).
 * @throws {PlainError} the phone has a diary
 */
export async function startClean() {
  await tx(["meta", "records", "chunks", "changes"], "readwrite", async (t) => {
    if (await req(t.objectStore("meta").get("vault"))) throw new PlainError("This phone already has a diary.");
    t.objectStore("records").clear();
    t.objectStore("chunks").clear();
    changes.clear(t);
  });
  await clearParts().catch(() => {}); // leftovers of no diary: at worst, space
}

/**
 * Make this phone's vault from a restored backup's data key: a new passphrase slot for the
 * passphrase that opened the backup, and the backup's passkey slots (a synced passkey still
 * opens it; none is this phone's until it has). Write the records first: the vault exists
 * only once this has run. Leaves the vault unlocked.
 * @param {{ key: CryptoKey, passphrase: string, passkeys?: Slot[], diary?: string, startedAt?: number }} options
 *   key: the backup's data key, extractable (wrapped here, then dropped); diary: the
 *   backup's diary id (a new one for a backup made before diaries had one)
 */
export async function adoptVault({ key, passphrase, passkeys = [], diary = newDiaryId(), startedAt = lockEpoch() }) {
  const made = await makePassphraseSlot(key, passphrase);
  await install({ format: 1, slots: [made.slot, ...passkeys.filter((s) => s.type === "passkey")], id: diary, here: [] }, made, startedAt);
}

/**
 * Make this phone's vault from a server copy's slots, kept exactly as they were (the
 * recovery passphrase's slot too), and open it with the slot that opened the copy (a passkey
 * that did is this phone's; the others are not, until they unlock it here). Write the
 * records first: the vault exists only once this has run. Leaves the vault unlocked.
 * @param {{ slots: Slot[], opened: { slot: Slot, kek: CryptoKey }, diary?: string, startedAt?: number }} options
 *   diary: the copy's diary id (a new one for a copy that has none yet)
 */
export async function adoptSlots({ slots, opened, diary = newDiaryId(), startedAt = lockEpoch() }) {
  if (!slots.some((s) => s.type === "passphrase")) throw new PlainError("This copy has no recovery passphrase slot.");
  const here = opened.slot.credentialId ? [opened.slot.credentialId] : [];
  await install({ format: 1, slots, id: diary, here }, opened, startedAt);
}

// --- unlocking ------------------------------------------------------------------------------

/**
 * Unlock with the recovery passphrase. Wrong tries slow down (the wait survives reload) and,
 * if the owner chose it, erase everything after N.
 * @param {string} passphrase
 * @throws {ThrottledError | WrongPassphraseError | WipedError}
 */
export async function unlockWithPassphrase(passphrase) {
  const startedAt = lockEpoch();
  const state = await countTry();
  if (state.refused) throw new ThrottledError((state.until - Date.now()) / 1000);
  const meta = await vaultMeta();
  const slot = meta?.slots.find((s) => s.type === "passphrase");
  if (!slot) throw new PlainError("This phone has no diary yet.");
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
  await clearTries();
  begin(startedAt, { key, kek, slot });
}

/**
 * Unlock with a passkey's PRF output for its slot; from then on it counts as this phone's.
 * @param {string} credentialId base64url
 * @param {import("../bytes.js").Bytes} prfOutput
 * @param {number} [startedAt] lockEpoch() before the passkey was asked for: a lock during
 *   the ceremony (quick exit) stops this unlock
 * @throws {TamperedError} the passkey does not open this diary
 */
export async function unlockWithPrf(credentialId, prfOutput, startedAt = lockEpoch()) {
  const meta = await vaultMeta();
  const slot = meta?.slots.find((s) => s.type === "passkey" && s.credentialId === credentialId);
  if (!slot) throw new TamperedError("This passkey is not one of this diary's, and the key");
  const kek = await prfKek(prfOutput);
  const key = await unwrapDataKey(slot, kek);
  await clearTries();
  // Failing to note it changes only which way in the unlock offers first.
  await passkeyWorkedHere(credentialId).catch(() => {});
  begin(startedAt, { key, kek, slot });
}

// --- erasing --------------------------------------------------------------------------------

/**
 * Erase every record, file, draft and key slot on this phone, then lock (no draft is kept).
 * If deleting fails, nothing is locked, so the person is still there to be told.
 */
export async function eraseEverything() {
  // A large file being stored goes first, or its worker would hold its parts on disk.
  stopAll();
  await destroy();
  await lock({ save: false });
}
