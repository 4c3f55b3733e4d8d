// @ts-check
// Quick exit: a button on every screen behind the disguise, Shift pressed three times, and
// (if the user turns it on) Escape. The cover goes up in the same frame as the press; the
// lock, the draft, the history entry and the way out follow once it is painted.
import { current, home } from "./disguise/index.js";
import * as prefs from "./disguise/prefs.js";
import { h } from "./dom.js";
import * as keys from "./vault/keys.js";

/** The neutral sites offered in settings, and staying on the disguise (""). */
export const PLACES = [
  { to: prefs.EXIT_DEFAULTS.to, label: "BBC Weather" },
  { to: "https://www.google.com/", label: "Google" },
  { to: "", label: "The disguise on this phone" },
];
const SHIFT_WINDOW_MS = 5000;
// A slow draft write must not hold the person on the page: leave after this at most.
const DRAFT_WAIT_MS = 300;

let shown = false;
let leaving = false;
/** @type {HTMLButtonElement | null} */
let $button = null;
/** @type {() => Promise<void> | void} */
let backToDisguise = () => {};

/** How to put the disguise back (app.js): used when nothing was unlocked to lock. @param {() => Promise<void> | void} fn */
export function setHide(fn) {
  backToDisguise = fn;
}

/** Whether something other than the disguise is on screen (unlock, set-up, the diary). */
export function revealed() {
  return shown;
}

/** The disguise gives way to the app: the quick-exit button appears. */
export function reveal() {
  shown = true;
  if (!$button) {
    $button = h("button", { type: "button", class: "quick-exit", onclick: () => quickExit() }, "Quick exit");
    document.body.append($button);
  }
}

/** The disguise is back: no button. */
export function conceal() {
  shown = false;
  $button?.remove();
  $button = null;
}

/** Take the cover down once the disguise is showing (not while leaving for another site). */
export function uncover() {
  if (!leaving) cover(false);
}

/** A page restored from the back/forward cache is not leaving any more. */
export function returned() {
  leaving = false;
}

/** Cover the screen (or take the cover down). @param {boolean} on */
export function cover(on) {
  /** @type {HTMLElement} */ (document.getElementById("cover")).hidden = !on;
}

/** Whether this is the installed app (no address bar, so no other site to go to). */
function installed() {
  return matchMedia("(display-mode: standalone)").matches || matchMedia("(display-mode: fullscreen)").matches;
}

/** Hide everything now: cover first, the rest once the cover is painted. */
export function quickExit() {
  cover(true);
  const to = installed() || !navigator.onLine ? "" : prefs.exitSettings().to;
  leaving = Boolean(to);
  performance.mark("quick-exit-covered");
  requestAnimationFrame(() => setTimeout(() => void leave(to), 0));
}

/** @param {string} to */
async function leave(to) {
  // Locking drops the key, revokes blob: URLs and clears the views (onLock), and the
  // unfinished entry is written as an encrypted draft (beforeLock).
  const wasUnlocked = keys.isUnlocked();
  const saved = keys.lock();
  // From the unlock or set-up screens there was nothing to lock: put the disguise back here.
  if (!wasUnlocked) void backToDisguise();
  // The only entry this app has in history becomes the disguise's plain address.
  history.replaceState(null, "", home(current()));
  if (!to) return;
  await Promise.race([saved, new Promise((resolve) => setTimeout(resolve, DRAFT_WAIT_MS))]);
  location.replace(to);
}

/** Listen for Shift × 3 and (if chosen) Escape. */
export function watch() {
  let presses = 0;
  let last = -Infinity;
  window.addEventListener(
    "keydown",
    (event) => {
      if (!shown) {
        presses = 0;
        return;
      }
      if (event.key === "Shift") {
        if (event.repeat) return;
        presses = event.timeStamp - last <= SHIFT_WINDOW_MS ? presses + 1 : 1;
        last = event.timeStamp;
        if (presses >= 3) {
          presses = 0;
          quickExit();
        }
        return;
      }
      presses = 0;
      if (event.key === "Escape" && prefs.exitSettings().escape) {
        event.preventDefault();
        quickExit();
      }
    },
    true,
  );
}
