// @ts-check
// One base for the app's own errors, whose message is always words for a person, and one
// place that turns any error into words for the screen. This module may be fetched before
// anything is unlocked: it names nothing of what the app is.

/** An error whose message is written for the person using the phone: calm, plain, and
 * saying what to do next. Every error the app raises on purpose is one of these. */
export class PlainError extends Error {
  /** @param {string} message words for a person @param {ErrorOptions} [options] */
  constructor(message, options) {
    super(message, options);
    this.name = "PlainError";
  }
}

export const GENERIC = "The phone could not finish that just now.";
export const FULL = "This phone's storage is full, so nothing new could be saved. What you entered is still here: free some space, then try again.";
export const OFFLINE = "The server could not be reached. Check that the phone is online, then try again. Nothing was lost.";
export const STOPPED = "That took too long, or it was stopped.";

/** Whether an error is the browser's "no space left" (IndexedDB's quota), by name or words.
 * @param {unknown} error */
export function isQuota(error) {
  const e = /** @type {{ name?: unknown, message?: unknown } | null | undefined} */ (error);
  return Boolean(e) && (e?.name === "QuotaExceededError" || /quota/i.test(String(e?.message)));
}

/** Whether an error is fetch()'s failure to reach the server (a TypeError, in every browser).
 * @param {unknown} error */
export function isNetwork(error) {
  return error instanceof TypeError && /fetch|network|load failed/i.test(error.message);
}

/**
 * Words for the screen from any error: a PlainError's own message; for what the browser
 * raises, a calm sentence that names what happened when it is known (the phone is full, it
 * is offline, it was stopped), and otherwise one that says only that it did not work. A
 * raw browser message never reaches the person.
 * @param {unknown} error
 * @returns {string}
 */
export function plainWords(error) {
  if (error instanceof PlainError) return error.message;
  if (isQuota(error)) return FULL;
  if (isNetwork(error)) return OFFLINE;
  const name = /** @type {{ name?: unknown } | null | undefined} */ (error)?.name;
  if (name === "AbortError" || name === "TimeoutError") return STOPPED;
  return GENERIC;
}
