// @ts-check
// The account on the server that keeps the encrypted copy: it is nothing but its passkeys.
// The same passkey that signs in can unlock the diary (its PRF output makes a vault slot);
// that output never leaves the phone: every credential goes through forServer().
import { ApiError } from "../api.js";
import { PlainError } from "../errors.js";
import * as keys from "../vault/keys.js";
import { createForServer, forServer, signIn as passkeySignIn } from "../vault/passkey.js";
import * as client from "./client.js";
import * as copy from "./copy.js";
import * as grant from "./grant.js";

/**
 * Make an account with a new passkey, add that passkey to the vault as a way in (where the
 * phone has PRF), and start backing up. The vault must be unlocked.
 * @returns {Promise<{ unlocks: boolean }>} unlocks: whether the passkey also unlocks the diary
 * @throws {ApiError | import("../api.js").OfflineError | import("../vault/passkey.js").PasskeyCancelledError}
 */
export async function turnOn() {
  keys.dataKey(); // locked: stop before any passkey is made
  await copy.finishErase(); // an erase's unfinished sign-out ends the old session first
  const options = await client.registerOptions(await grant.current());
  const { credential, proof } = await createForServer(options);
  // The server first: a passkey it refused must not become a way into the diary.
  await client.register(forServer(credential));
  if (proof) await keys.addPasskey(proof);
  await copy.signedIn();
  return { unlocks: Boolean(proof) };
}

/**
 * Sign in with a passkey the phone offers (any of this account's).
 * @throws {ApiError | import("../api.js").OfflineError | import("../vault/passkey.js").PasskeyCancelledError}
 */
export async function signIn() {
  await copy.finishErase(); // an erase's unfinished sign-out ends the old session first
  const options = await client.signInOptions();
  const credential = await passkeySignIn(options);
  const { account } = await client.startSession(forServer(credential));
  // Every passkey is called "Notebook": one of another diary signs in to nothing here (nor
  // may its copy be deleted from here). A copy not yet tied to a diary is looked at whole.
  const mine = await keys.diaryId();
  const held = account?.diary ? { diary: account.diary, slots: null, records: {}, chunks: {} } : mine ? await client.held() : null;
  if (mine && held && !(await copy.ours(held, mine))) {
    await client.endSession().catch(() => {});
    throw new PlainError(copy.OTHER_DIARY);
  }
}

/** Sign in again on this phone, and carry on backing up. */
export async function signInAgain() {
  await signIn();
  await copy.signedIn();
}

/** Sign out: the session ends on the server too. Backing up stops; the copy stays. */
export async function signOut() {
  try {
    await client.endSession();
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) throw error; // already signed out
  }
  await copy.signedOut();
}

/**
 * Before an erase: delete the server copy ("delete") or only sign out ("sign-out"). Either
 * way this phone's session ends on the server too.
 * @param {"delete" | "sign-out"} how
 * @throws {ApiError | import("../api.js").OfflineError | import("../vault/passkey.js").PasskeyCancelledError}
 */
export async function leave(how) {
  if (how === "delete") await deleteCopy();
  else await signOut();
}

/** Delete the account and everything stored for it. Signs in first if needed. */
export async function deleteCopy() {
  try {
    await client.deleteAccount();
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) throw error;
    await signIn();
    await client.deleteAccount();
  }
  await copy.turnedOff();
}
