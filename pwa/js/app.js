// @ts-check
// Behind the disguise: a code typed into it leads here. The phone's own secret code (or, on
// a new phone, the server's start code) opens the unlock or the set-up; every lock goes
// back to the disguise.
import { api } from "./api.js";
import { showDisguise } from "./disguise/index.js";
import * as prefs from "./disguise/prefs.js";
import * as exit from "./exit.js";
import { clear, setFallback, show } from "./router.js";
import * as keys from "./vault/keys.js";
import * as lockPolicy from "./vault/lock.js";
import * as records from "./vault/records.js";
import { setup } from "./views/setup.js";
import { unlock } from "./views/unlock.js";

/** The diary's screens load after the unlock (from the worker's cache, offline too). */
const diary = () => import("./views/navigate.js");

let checking = false;

/**
 * A code was typed into the disguise. Right: show the unlock (or set-up). Wrong: nothing,
 * the disguise has already done what it does with the number.
 * @param {string} code
 */
export async function enter(code) {
  if (checking || exit.revealed()) return;
  checking = true;
  try {
    const right = prefs.hasCode() ? await prefs.checkCode(code) : await startCode(code);
    if (!right || exit.revealed()) return;
    exit.reveal();
    if (await keys.hasVault()) await show(unlock(opened, () => void hide()));
    else await show(setup(opened, () => void hide()));
  } finally {
    checking = false;
  }
}

/** On a phone without a code, the server's start code opens set-up (online only). @param {string} code */
async function startCode(code) {
  try {
    const answer = /** @type {{ ok?: boolean }} */ (await api("/api/start", { method: "POST", body: { code } }));
    return answer.ok === true;
  } catch {
    return false; // offline, or too many tries: the disguise just goes on being itself
  }
}

async function opened() {
  let saved;
  let exitSaved;
  try {
    [saved, exitSaved] = await Promise.all([
      records.get(lockPolicy.SETTINGS.kind, lockPolicy.SETTINGS.id),
      records.get(exit.SETTINGS.kind, exit.SETTINGS.id),
    ]);
  } catch (error) {
    if (!keys.isUnlocked()) return; // locked meanwhile: the disguise is already up
    console.warn("settings:", /** @type {Error} */ (error).name);
  }
  lockPolicy.configure({ ...lockPolicy.DEFAULTS, ...(saved || {}) });
  exit.configure({ ...exit.DEFAULTS, ...(exitSaved || {}) });
  lockPolicy.unlocked();
  const { go } = await diary();
  if (keys.isUnlocked()) await go.home();
}

/** Back to the disguise: from the unlock screen, or after any lock. */
async function hide() {
  clear();
  exit.conceal();
  await showDisguise();
  exit.uncover();
}

lockPolicy.watch();
exit.watch();
exit.setHide(hide);
setFallback(() => void diary().then(({ go }) => go.home()));
keys.onLock(() => void hide());
// Fetch the diary's code while the person types: it is ready when they have unlocked.
setTimeout(() => void diary().catch(() => {}), 0);
