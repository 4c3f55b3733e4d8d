// @ts-check
// Views replace one another in <main>; the address never changes, so nothing typed ever
// reaches the address bar or the history. What may be shown depends on concealment.js: the
// disguise only while concealed, every other screen only through a Show bound to the
// generation it was revealed in, so a screen asked for late (a save that finished after a
// quick exit) is never painted.
import * as concealment from "./concealment.js";
import { $, announce, dismiss, h } from "./dom.js";
import { plainWords } from "./errors.js";

/**
 * Show a screen, if the generation it was handed in is still live; `say` announces a
 * message on the same terms (for what a view says after something it awaited).
 * @typedef {((view: View, params?: any) => Promise<void>) & { say: (text: string) => void }} Show
 */

/**
 * @typedef {object} View
 * @property {string} title  the heading, also used for focus and announcement
 * @property {(params: any, show: Show) => Node | Promise<Node>} render  `show` is how this
 *   screen moves on: it dies with the generation the screen was shown in
 * @property {() => void} [leave]  drop anything the view holds (decrypted text, blob: URLs)
 */

/** A Show that shows nothing and says nothing: a view's until it is handed its own. @type {Show} */
export const nowhere = Object.assign(() => Promise.resolve(), { say: () => {} });

/** @type {View | null} */
let current = null;
// Rises with every render and clear(): a slow render that finishes late is dropped.
let shown = 0;

/**
 * The way to show screens in the generation revealed now. Every screen shown through it
 * gets it again as render's second argument; once the app is concealed it shows nothing.
 * @returns {Show}
 */
export function screens() {
  const held = concealment.ticket();
  const live = () => concealment.live(held);
  /** @type {Show} */
  const show = Object.assign((/** @type {View} */ view, /** @type {any} */ params) => (live() ? paint(view, params, show, live) : Promise.resolve()), {
    say: (/** @type {string} */ text) => void (live() && announce(text)),
  });
  return show;
}

/**
 * Show the disguise: only while concealed, and not if revealed meanwhile.
 * @param {View} view
 */
export function showConcealed(view) {
  if (concealment.isRevealed()) return Promise.resolve();
  const held = concealment.ticket();
  const still = () => !concealment.isRevealed() && concealment.ticket() === held;
  return paint(view, undefined, nowhere, still);
}

/**
 * Clear the old view, render the new one, move focus to its heading.
 * @param {View} view
 * @param {any} params
 * @param {Show} show
 * @param {() => boolean} allowed  asked again once the render is done
 */
async function paint(view, params, show, allowed) {
  clear();
  const mine = shown;
  const $main = $("#view");
  /** @type {Node} */
  let node;
  try {
    node = await view.render(params, show);
  } catch (error) {
    // Locked, hidden or moved on meanwhile: whatever is up now stays.
    if (mine !== shown || !allowed() || /** @type {Error} */ (error).name === "LockedError") return;
    node = fallback(/** @type {Error} */ (error));
  }
  if (mine !== shown || !allowed()) {
    if (view.leave) view.leave();
    return;
  }
  $main.replaceChildren(node);
  current = view;
  const $heading = /** @type {HTMLElement | null} */ ($main.querySelector("h1"));
  if ($heading) {
    $heading.tabIndex = -1;
    $heading.focus();
  } else {
    $main.focus();
  }
}

/** @type {() => void} */
let onFallbackBack = () => location.reload();

/** Where "Go back" leads from a screen that could not be shown. @param {() => void} back */
export function setFallback(back) {
  onFallbackBack = back;
}

/** A screen that failed to show says so, and offers a way back. @param {Error} error */
function fallback(error) {
  return h(
    "section",
    {},
    h("h1", {}, "This could not be shown"),
    h("p", { class: "error" }, plainWords(error)),
    h("button", { type: "button", class: "button block secondary", onclick: () => onFallbackBack() }, "Go back"),
  );
}

// A control that takes focus partly under the Save bar or Quick exit (the browser scrolls
// only one wholly out of sight) comes into the clear part of the screen: scrollIntoView
// keeps the scroll padding base.css sets to the bars' heights. Not the bars' own controls,
// which are where they are.
document.addEventListener("focusin", (event) => {
  const $el = event.target;
  if (!($el instanceof HTMLElement) || $el.closest(".save-bar, .quick-exit-region, .update")) return;
  const style = getComputedStyle(document.documentElement);
  const box = $el.getBoundingClientRect();
  const under = box.bottom > innerHeight - (parseFloat(style.scrollPaddingBottom) || 0);
  const over = box.top < (parseFloat(style.scrollPaddingTop) || 0);
  if (under || over) $el.scrollIntoView({ block: "nearest" });
});

/** Remove the current view and everything it showed. */
export function clear() {
  shown += 1;
  dismiss();
  if (current && current.leave) current.leave();
  current = null;
  $("#view").replaceChildren();
}
