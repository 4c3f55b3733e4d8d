// @ts-check
// The disguises, and wearing one: the page's title, manifest, icons, colour and address
// are the disguise's, and after any lock the disguise is what shows.
import { showConcealed } from "../router.js";
import { calculator } from "./calculator.js";
import { converter } from "./converter.js";
import { notes } from "./notes.js";
import * as prefs from "./prefs.js";
import { timer } from "./timer.js";

/**
 * Each disguise: its name on the home screen, its colour, how its secret entry works and its
 * second way in, to keep something without unlocking (both said only behind the code, at
 * set-up and in settings), and its view. The view calls `entry(code)` for the first way and
 * `entry(code, "capture")` for the second.
 * @type {Record<string, { title: string, theme: string, how: string, capture: string, view: (entry: (code: string, way?: "capture") => void) => import("../router.js").View }>}
 */
export const LOOKS = {
  calculator: {
    title: "Calculator",
    theme: "#202124",
    how: "Type your code on the calculator, then press =.",
    capture: "To keep a photo, a file or a few words without unlocking, press × instead of =.",
    view: calculator,
  },
  notes: {
    title: "Notes",
    theme: "#f6c026",
    how: "Type your code in the search box, then press the search (Enter) key.",
    capture: "To keep a photo, a file or a few words without unlocking, type your code in the search box, then tap New note.",
    view: notes,
  },
  converter: {
    title: "Unit Converter",
    theme: "#1a73e8",
    how: "Type your code as the amount, then press Convert.",
    capture: "To keep a photo, a file or a few words without unlocking, type your code as the amount, then tap Swap.",
    view: converter,
  },
  timer: {
    title: "Timer",
    theme: "#188038",
    how: "Type your code as the time, then press Start.",
    capture: "To keep a photo, a file or a few words without unlocking, type your code as the time, then tap Clear.",
    view: timer,
  },
};

/** The disguise this page was served as (the first visit's default, or its own address). */
const served = document.documentElement.dataset.disguise || "calculator";

/** The disguise to wear: the one chosen on this phone, else the one the page came as. */
export function current() {
  const chosen = prefs.look();
  return chosen && chosen in LOOKS ? chosen : served in LOOKS ? served : "calculator";
}

/** The disguise's own address, where the installed app starts. @param {string} name */
export const home = (name) => `/${name}/`;

/**
 * Wear a disguise: title, manifest, icons, colour, and the address (without a reload).
 * @param {string} name
 */
export function wear(name) {
  const look = LOOKS[name];
  document.documentElement.dataset.disguise = name;
  document.title = look.title;
  const set = (/** @type {string} */ selector, /** @type {string} */ attr, /** @type {string} */ value) => {
    const el = document.querySelector(selector);
    if (el && el.getAttribute(attr) !== value) el.setAttribute(attr, value);
  };
  set('link[rel="manifest"]', "href", `${home(name)}manifest.webmanifest`);
  set('link[rel="icon"]', "href", `${home(name)}favicon-32.png`);
  set('link[rel="apple-touch-icon"]', "href", `${home(name)}apple-touch-icon.png`);
  set('meta[name="theme-color"]', "content", look.theme);
  if (name !== served || (location.pathname !== "/" && location.pathname !== home(name))) {
    history.replaceState(null, "", home(name));
  }
}

/**
 * Show the disguise in the page (after start, and after every lock).
 * @param {(code: string, way?: "capture") => void} onCode  what to do with a code typed into it (main.js
 *   passes the gate's)
 */
export async function showDisguise(onCode) {
  const name = current();
  wear(name);
  await showConcealed(LOOKS[name].view(onCode));
}
