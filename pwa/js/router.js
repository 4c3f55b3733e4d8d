// @ts-check
// Views replace one another in <main>; the address never changes, so no word from a view
// ever reaches the address bar or the history.
import { $, h } from "./dom.js";

/**
 * @typedef {object} View
 * @property {string} title  the heading, also used for focus and announcement
 * @property {(params: any) => Node | Promise<Node>} render
 * @property {() => void} [leave]  drop anything the view holds (decrypted text, blob: URLs)
 */

/** @type {View | null} */
let current = null;
// Rises with every show() and clear(): a slow render that finishes late is dropped.
let generation = 0;

/**
 * Show a view: clear the old one, render the new one, move focus to its heading.
 * @param {View} view
 * @param {any} [params]
 */
export async function show(view, params) {
  clear();
  const mine = generation;
  const $main = $("#view");
  /** @type {Node} */
  let node;
  try {
    node = await view.render(params);
  } catch (error) {
    // Locked or moved on meanwhile: the unlock screen (or the next view) is up already.
    if (mine !== generation || /** @type {Error} */ (error).name === "LockedError") return;
    node = fallback(/** @type {Error} */ (error));
  }
  if (mine !== generation) {
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
    h("p", { class: "error" }, error.message),
    h("button", { type: "button", class: "button block secondary", onclick: () => onFallbackBack() }, "Go back"),
  );
}

/** Remove the current view and everything it showed. */
export function clear() {
  generation += 1;
  if (current && current.leave) current.leave();
  current = null;
  $("#view").replaceChildren();
}
