// @ts-check
// When the vault locks by itself: when the app is hidden (after a grace time the user sets),
// and after idle time. Also the registry of blob: URLs, which are revoked on every lock.
// The app may widen what "open" means (its unlock and set-up screens are open too, with
// nothing to lock) and say how such a screen is closed: see watch().
import { isUnlocked, lock, onLock } from "./keys.js";

export const DEFAULTS = { hiddenGraceSeconds: 15, idleMinutes: 5 };
/** Where the user's lock settings are kept (encrypted, like everything else). */
export const SETTINGS = { kind: "settings", id: "lock" };

let settings = { ...DEFAULTS };
/** Whether anything is open that must close by itself. */
let isOpen = isUnlocked;
/** Close it: lock, unless the app says otherwise. @type {() => void} */
let close = () => void lock();
let hiddenAt = 0;
let holds = 0;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let idleTimer;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let hiddenTimer;
/** @type {Set<string>} */
const objectUrls = new Set();

/**
 * Make a blob: URL that is revoked when the vault locks.
 * @param {Blob} blob
 */
export function objectUrl(blob) {
  const url = URL.createObjectURL(blob);
  objectUrls.add(url);
  return url;
}

/** Revoke one blob: URL early. @param {string} url */
export function revoke(url) {
  URL.revokeObjectURL(url);
  objectUrls.delete(url);
}

onLock(() => {
  // The engine keeps the last string a regular expression matched (RegExp.input, `$_`):
  // match a harmless one so no diary text stays reachable that way.
  /(?:)/.exec("");
  for (const url of objectUrls) URL.revokeObjectURL(url);
  objectUrls.clear();
  clearTimeout(idleTimer);
  clearTimeout(hiddenTimer);
});

/** @param {Partial<typeof DEFAULTS>} next */
export function configure(next) {
  settings = { ...settings, ...next };
  resetIdle();
}

export function current() {
  return { ...settings };
}

/**
 * Keep the vault unlocked while `work` runs even if the page is hidden, for taking a photo
 * with the camera (which hides the page). Bounded: after `maxSeconds` the hold ends anyway.
 * @template T
 * @param {() => Promise<T>} work
 * @param {number} [maxSeconds]
 * @returns {Promise<T>}
 */
export async function holdDuring(work, maxSeconds = 300) {
  holds += 1;
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    holds -= 1;
    resetIdle();
    if (document.visibilityState === "hidden") onHidden();
  };
  const timer = setTimeout(release, maxSeconds * 1000);
  try {
    return await work();
  } finally {
    clearTimeout(timer);
    release();
  }
}

/** Close what is open, unless it closed meanwhile or a hold keeps it. */
function closeIfOpen() {
  if (holds === 0 && isOpen()) close();
}

function resetIdle() {
  clearTimeout(idleTimer);
  if (!isOpen()) return;
  idleTimer = setTimeout(closeIfOpen, settings.idleMinutes * 60_000);
}

function onHidden() {
  if (!isOpen() || holds > 0) return;
  hiddenAt = Date.now();
  clearTimeout(hiddenTimer);
  if (settings.hiddenGraceSeconds <= 0) {
    close();
    return;
  }
  // Timers are slowed or frozen in hidden pages; onVisible() checks the time as well.
  hiddenTimer = setTimeout(() => {
    if (document.visibilityState === "hidden") closeIfOpen();
  }, settings.hiddenGraceSeconds * 1000);
}

function onVisible() {
  clearTimeout(hiddenTimer);
  if (hiddenAt && Date.now() - hiddenAt >= settings.hiddenGraceSeconds * 1000) closeIfOpen();
  hiddenAt = 0;
  resetIdle();
}

/**
 * Start watching visibility and activity. Call once, at start-up.
 * @param {{ open?: () => boolean, close?: () => void }} [app] what counts as open (the
 *   unlocked vault by default) and how to close it (lock, by default)
 */
export function watch(app = {}) {
  isOpen = app.open ?? isOpen;
  close = app.close ?? close;
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") onHidden();
    else onVisible();
  });
  // pagehide covers the app being closed or frozen without a visibilitychange.
  window.addEventListener("pagehide", closeIfOpen);
  for (const type of ["pointerdown", "keydown", "input", "scroll"]) {
    window.addEventListener(type, resetIdle, { passive: true, capture: true });
  }
}

/** Tell the lock something was just opened (the vault unlocked, or a screen shown). */
export function opened() {
  hiddenAt = 0;
  resetIdle();
  // Unlocked while the app was being hidden: the grace time starts now.
  if (document.visibilityState === "hidden") onHidden();
}
