// @ts-check
// The one page-side module that talks to navigator.serviceWorker: registration, and an
// update flow that never reloads under the user's fingers and never shows in the disguise.
// While concealed a waiting version is invisible; it is offered once revealed ("Update
// now", after every registered saver keeps what was typed), or it takes over by itself
// when the app is next opened with no window of it left open (the worker's own lifecycle).
import * as concealment from "./concealment.js";
import { $, announce } from "./dom.js";

/** @type {Set<() => Promise<void> | void>} */
const savers = new Set();

/** Whether the worker should keep every file, not only the first screen's (see keepAll). */
let all = false;
/** @type {ServiceWorkerRegistration | null} */
let registered = null;

/**
 * Ask the worker to keep every file for offline use, not only the first screen's: once a
 * code has been right on this phone. Every worker of the registration is told, and each
 * new one when it takes over (a new version also remembers it by itself).
 */
export function keepAll() {
  all = true;
  if (registered) tell(registered);
}

/** @param {ServiceWorkerRegistration} registration */
function tell(registration) {
  for (const worker of [registration.installing, registration.waiting, registration.active]) {
    worker?.postMessage({ type: "keep-all" });
  }
}

/**
 * Register a function that keeps unsaved work (as an encrypted draft) before an update reloads.
 * @param {() => Promise<void> | void} save
 * @returns {() => void} call to unregister
 */
export function beforeUpdate(save) {
  savers.add(save);
  return () => savers.delete(save);
}

/**
 * Register the worker and watch for new versions. Resolves once registration is done.
 * @returns {Promise<ServiceWorkerRegistration | null>}
 */
export async function start() {
  if (!("serviceWorker" in navigator)) return null;
  let controlled = Boolean(navigator.serviceWorker.controller);
  let requested = false;

  const registration = await navigator.serviceWorker.register("/sw.js", {
    type: "module",
    scope: "/",
    updateViaCache: "none",
  });

  // Another window let a new version take over: this page's code is the old one.
  let elsewhere = false;
  const offer = () => {
    if (!concealment.isRevealed()) return;
    if (elsewhere) showOffer("This app was updated in another window. Reload when you are ready.", "Reload");
    else if (registration.waiting && navigator.serviceWorker.controller) showOffer();
  };
  // Offered only behind the code; gone the moment the disguise is back.
  concealment.onChange((revealed) => {
    if (revealed) offer();
    else $("#update").hidden = true;
  });
  registered = registration;
  if (all) tell(registration);
  registration.addEventListener("updatefound", () => {
    const installing = registration.installing;
    installing?.addEventListener("statechange", () => {
      if (installing.state === "installed") offer();
      if (installing.state === "activated" && all) installing.postMessage({ type: "keep-all" });
    });
  });
  offer();

  $("#update-apply").addEventListener("click", async () => {
    requested = true;
    if (elsewhere) location.reload();
    else await apply(registration);
  });

  navigator.serviceWorker.addEventListener("controllerchange", () => {
    // The first install takes control quietly; later ones reload only where the user asked.
    if (!controlled) {
      controlled = true;
      return;
    }
    if (requested) {
      location.reload();
    } else {
      elsewhere = true;
      offer();
    }
  });

  // A long-open app still learns of new versions.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") registration.update().catch(() => {});
  });
  return registration;
}

/** Put the offer up (behind the code only). @param {string} [text] @param {string} [action] */
function showOffer(text, action) {
  const $update = $("#update");
  if (text) $("#update-text").textContent = text;
  if (action) $("#update-apply").textContent = action;
  if (!$update.hidden) return;
  $update.hidden = false;
  announce(text || "A new version is ready. Tap Update now when you are ready.");
}

/**
 * Keep unsaved work, then let the waiting worker take over (the page reloads on takeover).
 * @param {ServiceWorkerRegistration} registration
 */
async function apply(registration) {
  const $button = /** @type {HTMLButtonElement} */ ($("#update-apply"));
  $button.disabled = true;
  for (const save of savers) await save();
  if (registration.waiting) {
    registration.waiting.postMessage({ type: "apply-update" });
  } else {
    location.reload();
  }
}
