// @ts-check
// Quick exit: a button on every screen behind the disguise, Shift pressed three times, and
// (if the user turns it on) Escape. The cover goes up in the press's own task, and nothing
// else does: the lighter that task, the sooner the cover's frame. Once that frame is painted,
// one task drops the key, empties the screens and (leaving for another site) starts the
// navigation, so the page is locked before it leaves, and the draft's write finishes while
// the next page loads.
import * as concealment from "./concealment.js";
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

let leaving = false;
/** @type {HTMLElement | null} */
let $exit = null;
/** @type {() => Promise<void> | void} */
let backToDisguise = () => {};

/** How to put the disguise back (app.js): used when nothing was unlocked to lock. @param {() => Promise<void> | void} fn */
export function setHide(fn) {
  backToDisguise = fn;
}

/** Whether something other than the disguise is on screen (unlock, set-up, the diary). */
export const revealed = concealment.isRevealed;

/** The disguise gives way to the app: a new generation, and the quick-exit button. */
export function reveal() {
  return concealment.reveal();
}

/** The disguise is back: every screen, message and question of before is dead. */
export const conceal = concealment.conceal;

// The button is there exactly while revealed, in a landmark of its own.
concealment.onChange((revealed) => {
  if (revealed && !$exit) {
    $exit = h(
      "aside",
      { class: "quick-exit-region", "aria-label": "Quick exit" },
      h("button", { type: "button", class: "quick-exit", onpointerdown: pressed, ontouchstart: still, onclick: clicked }, "Quick exit"),
    );
    document.body.append($exit);
  } else if (!revealed && $exit) {
    // Taken out after the cover is painted: removing it now would lay the whole screen
    // out again (its room at the bottom) before the cover's first frame. Meanwhile it is
    // under the cover, out of reach and out of the accessibility tree.
    const $gone = $exit;
    $exit = null;
    tidy(() => $gone.remove());
  }
});

/**
 * A finger (or the mouse's main button) lands on the button: go now, not when it lifts, so
 * the cover is in the first frame after the touch.
 * @param {Event} event
 */
function pressed(event) {
  if (!(event instanceof PointerEvent)) return;
  if (!event.isPrimary || event.button !== 0 || !concealment.isRevealed()) return;
  // No mousedown after it: that would move the focus from the field being typed in (its
  // change and blur handlers, a layout) before the cover's frame could begin.
  event.preventDefault();
  quickExit();
}

/**
 * A finger on Quick exit (or on the cover it put up) will not scroll or tap anything: say so,
 * by cancelling its touchstart. Otherwise the browser, waiting to see whether the touch
 * becomes a scroll, holds back the page's tasks while the finger stays down (Chromium: up
 * to 100 ms), and the lock and the departure after the cover's frame would wait for the
 * finger to lift; and the tap's mouse events and click would run in the cover's frame.
 * Only once the pointerdown has exited: a touch that came without one (a screen reader's
 * simulated touch, as WebKit's VoiceOver may send) keeps its click, which exits.
 * @param {Event} event
 */
function still(event) {
  if (event.cancelable && !concealment.isRevealed()) event.preventDefault();
}
document.getElementById("cover")?.addEventListener("touchstart", still);

/**
 * A click: the keyboard's Enter or Space, or a screen reader's activation (neither comes with
 * a pointerdown). The click that ends a tap comes after the pointerdown has concealed the app,
 * so one tap exits once.
 */
function clicked() {
  if (concealment.isRevealed()) quickExit();
}

// A page that paints no frame (hidden the moment after the press) still goes this soon.
const PAINT_WAIT_MS = 1000;

/**
 * Run `fn` once the next frame has been painted: in a task posted from that frame's
 * animation callback, whichever of two ways runs first. `scheduler.postTask` at
 * user-blocking priority comes ahead of the rest of a tap's events; a message is never held
 * back while a finger is down (a touch the browser may still scroll for defers timers and
 * posted tasks, not messages). A timer can wait behind other tasks.
 * @param {() => void} fn
 */
function afterPaint(fn) {
  let ran = false;
  const once = () => {
    if (ran) return;
    ran = true;
    fn();
  };
  requestAnimationFrame(() => {
    // Ahead of the rest of the tap's events, where the browser can rank tasks.
    const scheduler = /** @type {{ postTask?: (fn: () => void, options: object) => Promise<void> }} */ (
      /** @type {any} */ (globalThis).scheduler ?? {}
    );
    if (scheduler.postTask) void scheduler.postTask(once, { priority: "user-blocking" });
    const channel = new MessageChannel();
    channel.port1.onmessage = once;
    channel.port2.postMessage(null);
  });
  setTimeout(once, PAINT_WAIT_MS);
}

/** @type {(() => void)[]} */
let untidy = [];

/**
 * Tidying that would only cost a page on its way out (laying it out again, restyling it):
 * after the cover's frame, or, leaving for another site, only if the page stays after all.
 * @param {() => void} fn
 */
function tidy(fn) {
  if (leaving) untidy.push(fn);
  else afterPaint(fn);
}

/** The page did not go after all (back from the cache, or the site never came). */
function stay() {
  leaving = false;
  const fns = untidy;
  untidy = [];
  for (const fn of fns) fn();
}

/** Take the cover down once the disguise is showing (not while leaving for another site). */
export function uncover() {
  if (!leaving) cover(false);
}

/** A page restored from the back/forward cache is not leaving any more. */
export function returned() {
  stay();
}

/** Whether the page is on its way to another site (the disguise is not drawn for it). */
export function isLeaving() {
  return leaving;
}

/**
 * Cover the screen (or take the cover down). Up, it says so to screen readers and takes
 * everything else out of the accessibility tree in the same task, and out of reach once
 * the cover is painted.
 * @param {boolean} on
 */
export function cover(on) {
  const $cover = /** @type {HTMLElement} */ (document.getElementById("cover"));
  if ($cover.hidden === !on) return;
  const $rest = /** @type {HTMLElement[]} */ ([...document.body.children].filter(($el) => $el !== $cover));
  // aria-hidden leaves the page as it is drawn; inert restyles everything under it, so it
  // waits for the cover's frame (until then the cover is over all of it).
  for (const $el of $rest) {
    if (on) {
      $el.setAttribute("aria-hidden", "true");
    } else {
      $el.removeAttribute("aria-hidden");
      $el.inert = false;
    }
  }
  if (on) tidy(() => !$cover.hidden && $rest.forEach(($el) => ($el.inert = true)));
  $cover.textContent = "";
  $cover.hidden = !on;
  // Set once it is showing, so it is announced (as GOV.UK's Exit this page does).
  if (on) $cover.append(h("span", { class: "visually-hidden" }, "Loading."));
}

/** @type {Set<() => Promise<unknown> | undefined>} */
const keepers = new Set();
// Leaving for another site waits this long at most for what is being kept (a capture being
// sealed): the cover is up meanwhile, so waiting shows nothing.
const KEEP_WAIT_MS = 5000;

/**
 * Work that leaving must not cut short, on a screen with nothing unlocked (a capture being
 * sealed, a line half written there). `keeper` is called at quick exit, in the press's own
 * task and before any screen is cleared; leaving for another site waits for the promise it
 * returns (at most KEEP_WAIT_MS). Returns the way to take it back, for when the screen goes.
 * @param {() => Promise<unknown> | undefined} keeper
 */
export function whileLeaving(keeper) {
  keepers.add(keeper);
  return () => keepers.delete(keeper);
}

/** Start what each keeper keeps; resolves when all of it is done (or failed). */
function keepAll() {
  const work = [];
  for (const keeper of keepers) {
    try {
      const kept = keeper();
      if (kept) work.push(kept);
    } catch (error) {
      console.error("keeping at quick exit failed", error);
    }
  }
  return work.length ? Promise.allSettled(work) : null;
}

/** Whether this is the installed app (no address bar, so no other site to go to). */
function installed() {
  return matchMedia("(display-mode: standalone)").matches || matchMedia("(display-mode: fullscreen)").matches;
}

/**
 * Hide everything now: the cover, in this task and nothing else. Once the cover's frame is
 * painted, lock and empty the screens and, leaving for another site, go in that same task:
 * nothing can show or run between the lock and the navigation's start.
 */
export function quickExit() {
  const to = installed() || !navigator.onLine ? "" : prefs.exitSettings().to;
  leaving = Boolean(to);
  cover(true);
  const keeping = keepAll();
  // From this moment nothing started behind the code may paint, whatever finishes late.
  concealment.conceal();
  performance.mark("quick-exit-covered");
  afterPaint(() => {
    lockUp();
    if (!to) return;
    // Not before the cover's frame is painted: once the next page is on its way the browser
    // may stop drawing this one and keep showing the last frame it painted until that page
    // paints (the diary, had the cover's frame not been painted).
    const go = () => {
      location.replace(to);
      // Still here long after (the site refused, a very slow network): the disguise under
      // the cover, and the cover down, as when staying.
      setTimeout(stayed, STAY_MS);
    };
    if (!keeping) return go();
    void Promise.race([keeping, new Promise((resolve) => setTimeout(resolve, KEEP_WAIT_MS))]).then(go);
  });
}

// How long a page left for another site waits for it before it puts the disguise back.
const STAY_MS = 3000;

function stayed() {
  if (!leaving) return; // back from the cache meanwhile: app.js has put the disguise back
  stay();
  history.replaceState(null, "", home(current()));
  void backToDisguise();
}

/**
 * Lock, and (unless the page is going) put the disguise's plain address in history.
 * Locking drops the key, revokes blob: URLs and empties the screens (onLock), all before it
 * returns; the unfinished entry's encrypted draft is begun first (beforeLock: it takes the
 * key before it awaits anything). Leaving, that write is not waited for: the page keeps
 * running until the next one arrives, and what was typed was written as it was typed. Nor
 * is the disguise drawn (app.js's hide): it would only be painted under the cover, as work
 * the cover's frame waits for.
 */
function lockUp() {
  const wasUnlocked = keys.isUnlocked();
  void keys.lock();
  // From the unlock or set-up screens there was nothing to lock: put the disguise back here.
  if (!wasUnlocked) void backToDisguise();
  // The only entry this app has in history becomes the disguise's plain address; leaving,
  // location.replace() puts the other site's in its place instead.
  if (!leaving) history.replaceState(null, "", home(current()));
}

/** Listen for Shift × 3 and (if chosen) Escape. */
export function watch() {
  let presses = 0;
  let last = -Infinity;
  window.addEventListener(
    "keydown",
    (event) => {
      if (!concealment.isRevealed()) {
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
