// @ts-check
// Small assertions for the in-browser tests.

/** @param {unknown} value @param {string} [message] */
export function ok(value, message = "expected a true value") {
  if (!value) throw new Error(message);
}

/** @param {unknown} actual @param {unknown} expected @param {string} [message] */
export function equal(actual, expected, message = "") {
  const a = JSON.stringify(actual);
  const b = JSON.stringify(expected);
  if (a !== b) throw new Error(`${message} expected ${b}, got ${a}`.trim());
}

/**
 * Expect a promise (or function) to reject/throw; returns the error.
 * @param {Promise<unknown> | (() => unknown)} action
 * @param {(error: any) => boolean} [match]
 */
export async function rejects(action, match = () => true) {
  try {
    await (typeof action === "function" ? action() : action);
  } catch (error) {
    if (!match(error)) throw new Error(`rejected with the wrong error: ${error}`);
    return error;
  }
  throw new Error("expected a rejection, but it resolved");
}
