// @ts-check
// Between the disguise and what lies behind it. A code typed into the disguise is checked
// here, and only a right one brings in the rest: what main.js hands gate() to load (app.js),
// its stylesheet, and the worker keeping every file for offline use. Until a code has been
// right on this phone, nothing behind it is fetched or kept, so a stranger's browser holds
// the disguise and no more. This module loads nothing by itself: main.js passes the loader.
import { ApiError, sendStartCode } from "./api.js";
import * as prefs from "./disguise/prefs.js";
import * as bridge from "./sw-bridge.js";

const START_CODE_TIMEOUT_MS = 8000;

/** Whether a code has been right on this phone before: then the rest loads at start. */
export const inside = prefs.inside;

/**
 * Whether `code` is right: the phone's own code, or on a new phone the server's start code.
 * @param {string} code
 */
export async function check(code) {
  // Without a code here, the vault's copy may be bringing it back (main.js, just after start).
  if (!prefs.hasCode()) await prefs.settled();
  return prefs.hasCode() ? prefs.checkCode(code) : prefs.isCode(code) && startCode(code);
}

/** The server counts wrong start codes (10 a minute from one address), so this page spends
 * none it need not: a code it already called wrong is not sent again, and after "too many
 * tries" nothing is sent until its Retry-After has passed; the first code typed after that
 * goes through. A code typed during the wait is dropped, not kept to try later: set-up opens
 * only as the answer to the code just typed, never a minute later in someone else's hands.
 * Kept in memory only. */
const startTries = { waitUntil: 0, /** @type {Set<string>} */ wrong: new Set() };

/** On a phone without a code, the server's start code opens set-up (online only). @param {string} code */
async function startCode(code) {
  if (Date.now() < startTries.waitUntil || startTries.wrong.has(code)) return false;
  try {
    const answer = await sendStartCode(code, AbortSignal.timeout(START_CODE_TIMEOUT_MS));
    if (answer.ok === false && startTries.wrong.size < 100) startTries.wrong.add(code);
    return answer.ok === true;
  } catch (error) {
    if (error instanceof ApiError && error.status === 429) {
      startTries.waitUntil = Date.now() + Math.min(Math.max(error.retryAfter || 60, 1), 300) * 1000;
    }
    return false; // offline, slow, or too many tries: the disguise just goes on being itself
  }
}

/**
 * Whether `code` is this phone's own code: the only check for the second way in (keeping
 * something without unlocking), which the server's start code never opens.
 * @param {string} code
 */
async function own(code) {
  return prefs.checkCode(code);
}

/**
 * What lies behind the code, once loaded: it takes a code with the check to apply to it, and
 * the way in it was typed ("capture": the disguise's second way, to keep something).
 * @typedef {{ enter: (code: string, right: (code: string) => Promise<boolean>, way?: "capture") => Promise<void> }} Rest
 */

/**
 * The gate to what `load` brings in: `enter` for the codes typed into the disguise, `letIn`
 * to load it at start on a phone that is past the code already.
 * @param {() => Promise<Rest>} load  called only by letIn(), so only after a right code
 */
export function gate(load) {
  /** @type {Promise<Rest> | null} */
  let rest = null;

  /** Remember this phone is past the code, have the worker keep everything, and load the rest. */
  function letIn() {
    prefs.letIn();
    bridge.keepAll();
    rest ??= Promise.all([stylesheet("/app.css"), load()]).then(([, loaded]) => loaded);
    rest.catch(() => (rest = null)); // offline before it was kept: the next right code tries again
    return rest;
  }

  /**
   * A code was typed into the disguise. Past the code already, the rest checks it (and drops
   * a check that a lock overtook); before, only a right code loads anything. The second way
   * in counts only on a phone with its own code: elsewhere (a stranger's browser, a phone not
   * yet set up) it loads nothing and the disguise goes on being itself.
   * @param {string} code
   * @param {"capture"} [way]
   */
  async function enter(code, way) {
    if (way === "capture") {
      if (!prefs.hasCode()) await prefs.settled();
      if (!prefs.hasCode()) return;
      const loaded = await letIn();
      return loaded.enter(code, own, way);
    }
    if (inside()) {
      const loaded = await letIn();
      return loaded.enter(code, check);
    }
    if (!(await check(code))) return;
    const loaded = await letIn();
    return loaded.enter(code, async () => true);
  }

  return { enter, letIn };
}

/** Add a stylesheet to the page; resolves once it applies (or failed to load). @param {string} href */
function stylesheet(href) {
  if (document.querySelector(`link[rel="stylesheet"][href="${href}"]`)) return Promise.resolve();
  return new Promise((resolve) => {
    const link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = href;
    link.addEventListener("load", resolve);
    link.addEventListener("error", resolve);
    document.head.append(link);
  });
}
