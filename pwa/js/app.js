// @ts-check
// Behind the disguise: a code typed into it leads here. The phone's own secret code (or, on
// a new phone, the server's start code) opens the unlock or the set-up, and typed the
// disguise's second way, the capture screen (keeping something without unlocking); every
// lock, and every way of leaving these screens, goes back to the disguise.
import * as copy from "./sync/copy.js";
import * as prefs from "./disguise/prefs.js";
import { silence } from "./dom.js";
import * as exit from "./exit.js";
import { clear, screens, setFallback } from "./router.js";
import * as keys from "./vault/keys.js";
import * as lockPolicy from "./vault/lock.js";
import * as inbox from "./inbox/open.js";
import { clearParts } from "./vault/opfs.js";
import * as orphans from "./vault/orphans.js";
import * as records from "./vault/records.js";
import { capture } from "./views/capture.js";
import { forget, missingCode, setup } from "./views/setup.js";
import { unlock } from "./views/unlock.js";

/** The diary's screens load after the unlock (from the worker's cache, offline too). */
const diary = () => import("./views/navigate.js");

/** Puts the disguise back in the page, with its way in (main.js hands it to start()). @type {() => Promise<void>} */
let showDisguise = async () => {};

/** Codes are checked one after another: a right code typed just after a wrong one waits for
 * the wrong one's check instead of being dropped. */
let checks = Promise.resolve();

/**
 * A code was typed into the disguise. Right: show the unlock (or set-up), or for the second
 * way in, the capture screen. Wrong: nothing, the disguise has already done what it does
 * with the number.
 * @param {string} code
 * @param {(code: string) => Promise<boolean>} right  the check (gate.js owns it)
 * @param {"capture"} [way]
 */
export function enter(code, right, way) {
  const next = checks.then(() => check(code, right, way));
  checks = next.catch(() => {});
  return next;
}

/** @param {string} code @param {(code: string) => Promise<boolean>} right @param {"capture"} [way] */
async function check(code, right, way) {
  if (exit.revealed()) return;
  const startedAt = keys.lockEpoch();
  if (!(await right(code))) return;
  const vault = await keys.hasVault();
  // Something hid the app meanwhile (or another code got there first): stay hidden.
  if (keys.lockEpoch() !== startedAt || exit.revealed()) return;
  // With no diary there is nothing to keep things for: the disguise goes on.
  if (way === "capture" && !vault) return;
  exit.reveal();
  lockPolicy.opened();
  // Every screen from here on is shown through this, and dies with this reveal.
  const show = screens();
  const done = () => void opened(show);
  if (way === "capture") await show(capture(() => void hide()));
  else if (vault) await show(unlock(done, () => void hide()));
  else {
    // No diary: any large file's parts an erase could not delete (a worker still held them)
    // open for no one; their room back now (vault/opfs.js).
    void clearParts().catch(() => {});
    await show(setup(done, () => void hide(), prefs.hasCode() ? "" : code));
  }
}

/** The vault is open: its lock settings, then the diary's home. @param {import("./router.js").Show} show */
async function opened(show) {
  let saved;
  try {
    saved = await records.get(lockPolicy.SETTINGS.kind, lockPolicy.SETTINGS.id);
  } catch (error) {
    if (!keys.isUnlocked()) return; // locked meanwhile: the disguise is already up
    console.warn("lock settings:", /** @type {Error} */ (error).name);
  }
  lockPolicy.configure({ ...lockPolicy.DEFAULTS, ...(saved || {}) });
  lockPolicy.opened();
  // Time-stamps from an authority for each new chain head, while unlocked (kept encrypted).
  void import("./sync/timestamps.js").then((stamps) => stamps.start(), () => {});
  // Parts of files that a stopped tab never finished: their storage back (vault/orphans.js).
  orphans.reclaim().catch((error) => console.warn("file parts:", error.name));
  // The inbox's key pair, so what is captured while locked can be sealed to it; and the parts
  // of captures a stopped phone never finished.
  inbox
    .ensureKey()
    .then(() => inbox.reclaim())
    .catch((error) => console.warn("inbox:", error.name));
  const { navigation } = await diary();
  if (!keys.isUnlocked()) return;
  const go = navigation(show);
  if (!prefs.hasCode()) await show(missingCode(() => void go.home()));
  else await go.home();
}

/** Back to the disguise: after any lock, and from the unlock or set-up screens. */
async function hide() {
  clear();
  silence();
  forget();
  // Never called while unlocked; from the unlock or set-up screens this ends anything still
  // under way there (an unlock, a vault being made) by moving the lock epoch on.
  keys.lock();
  exit.conceal();
  // On the way to another site, with the cover up: nothing to draw (exit.js draws it if the
  // page stays, and a page back from the cache gets it through closeAll()).
  if (exit.isLeaving()) return;
  await showDisguise();
  exit.uncover();
}

/** Lock (which goes back to the disguise), or with nothing unlocked, go back to it. */
function closeAll() {
  if (keys.isUnlocked()) keys.lock();
  else void hide();
}

/** The picture the phone's app switcher keeps, and a page back from the browser's cache. */
function watchLeaving() {
  document.addEventListener("visibilitychange", () => {
    // Covered as soon as it is hidden, even while the grace time keeps the diary unlocked.
    if (document.visibilityState === "hidden") {
      if (exit.revealed()) exit.cover(true);
    } else {
      exit.uncover();
    }
  });
  // Back or forward into this page from the browser's cache: the disguise, never what was left.
  window.addEventListener("pageshow", (event) => {
    if (!event.persisted) return;
    exit.returned();
    closeAll();
  });
}

let started = false;

/**
 * Wire what lies behind the disguise into the page; main.js calls this once app.js has
 * loaded (after a right code, or at start on a phone past the code). Safe to call again.
 * @param {{ showDisguise: () => Promise<void> }} hooks  showDisguise: put the disguise back
 */
export function start(hooks) {
  if (started) return;
  started = true;
  showDisguise = hooks.showDisguise;
  // The unlock and set-up screens close by themselves like the diary does (hidden past the
  // grace time, idle, the page left), though there is no key to drop: they go back to the
  // disguise.
  lockPolicy.watch({ open: () => keys.isUnlocked() || exit.revealed(), close: closeAll });
  exit.watch();
  exit.setHide(hide);
  watchLeaving();
  // "Go back" is tapped on a screen that is showing, so in the generation revealed now.
  setFallback(() => void diary().then(({ navigation }) => navigation(screens()).home()));
  keys.onLock(() => void hide());
  // The encrypted copy on the server (if it is on) follows the store, locked or not.
  copy.start();
  // Fetch the diary's code while the person types: it is ready when they have unlocked.
  setTimeout(() => void diary().catch(() => {}), 0);
}
