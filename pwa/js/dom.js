// @ts-check
// Build DOM without HTML strings: text is always text, never markup.
import * as concealment from "./concealment.js";

/**
 * @typedef {Record<string, string | number | boolean | null | undefined | EventListener>} Attrs
 * @typedef {Node | string | number | null | undefined | false} Child
 * @typedef {Child | Children[]} Children  a child, or lists of them nested to any depth
 */

/**
 * Create an element. `on*` attributes become listeners; `true` sets a boolean attribute.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Attrs} [attrs]
 * @param {...Children} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value == null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2), value);
    } else if (name === "class") {
      el.className = String(value);
    } else {
      el.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

/**
 * Append children (nested arrays, strings, nodes) to a parent, skipping empty ones.
 * @param {Node} parent
 * @param {Children[]} children
 */
export function append(parent, children) {
  for (const child of children) {
    if (Array.isArray(child)) append(parent, child);
    else if (child != null && child !== false) parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/**
 * Find one element by selector, failing loudly if the page lacks it.
 * @template {Element} [T=HTMLElement]
 * @param {string} selector
 * @param {ParentNode} [root]
 * @returns {T}
 */
export function $(selector, root = document) {
  const el = root.querySelector(selector);
  if (!el) throw new Error(`missing element: ${selector}`);
  return /** @type {T} */ (el);
}

/** @type {ReturnType<typeof setTimeout> | undefined} */
let announcing;

/**
 * Say something to screen readers through the page's status region, which also shows it
 * above the screen's heading until the next screen (dismiss()). Only while revealed: a
 * message that comes late, after the app was concealed, is dropped, and so is one whose
 * generation ended before its turn came.
 * @param {string} text
 */
export function announce(text) {
  if (!concealment.isRevealed()) return;
  const held = concealment.ticket();
  const region = $("#status");
  region.textContent = "";
  clearTimeout(announcing);
  // A fresh text node in a later task makes repeated messages announce again.
  announcing = setTimeout(() => {
    announcing = undefined;
    if (concealment.live(held)) region.textContent = text;
  }, 50);
}

/**
 * The screen is changing: what was said on it goes. A message on its way stays, since it
 * was said for the screen coming (a save said as the saved page opens).
 */
export function dismiss() {
  if (announcing === undefined) $("#status").textContent = "";
}

/** Empty the status region, and drop a message still on its way (on every lock). */
export function silence() {
  clearTimeout(announcing);
  announcing = undefined;
  $("#status").textContent = "";
}

// Concealed: whatever the status region says goes at once.
concealment.onChange((revealed) => {
  if (!revealed) silence();
});
