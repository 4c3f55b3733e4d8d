// @ts-check
// Whether the app is concealed (its disguise on screen) or revealed (anything behind the
// code). Concealing moves the generation on: work started before it — a render, a message,
// a question, an offer, a focus move — checks its ticket and never paints afterwards,
// however late it finishes.

let revealed = false;
let generation = 0;
/** @type {Set<(revealed: boolean) => void>} */
const listeners = new Set();

/** Whether anything other than the disguise may be on screen. */
export function isRevealed() {
  return revealed;
}

/** The generation now: hold it, and ask live() before painting. */
export function ticket() {
  return generation;
}

/** Whether work holding `held` may still paint: revealed, and not concealed since. @param {number} held */
export function live(held) {
  return revealed && held === generation;
}

/** The disguise gives way: a new generation begins. @returns {number} its ticket */
export function reveal() {
  revealed = true;
  generation += 1;
  notify();
  return generation;
}

/** Back to the disguise: everything holding an older ticket is dead from now on. */
export function conceal() {
  const was = revealed;
  revealed = false;
  generation += 1;
  if (was) notify();
}

/** Be told of each change (the quick-exit button, the update offer). @param {(revealed: boolean) => void} listener */
export function onChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function notify() {
  for (const listener of listeners) listener(revealed);
}
