// @ts-check
// Wrong passphrases slow down, and the wait survives reload; the owner may choose to erase
// everything after N.
import { readMeta, updateMeta, writeMeta } from "./meta.js";

/** @typedef {{ failures: number, until: number }} Throttle */

/** Seconds to wait after `failures` wrong passphrases: none for 3, then 5 s doubling to 15 min. */
export function delayAfter(/** @type {number} */ failures) {
  return failures < 3 ? 0 : Math.min(5 * 2 ** (failures - 3), 900);
}

/** @returns {Promise<Throttle>} */
async function throttle() {
  return (await readMeta("throttle")) || { failures: 0, until: 0 };
}

/** Seconds until another passphrase may be tried (0 when it may be tried now). */
export async function waitSeconds() {
  const { until } = await throttle();
  return Math.max(0, (until - Date.now()) / 1000);
}

/** Erase-after-N-failures setting: 0 is off. */
export async function wipeAfter() {
  return /** @type {number} */ ((await readMeta("wipeAfter")) || 0);
}

/** @param {number} n 0 turns it off */
export async function setWipeAfter(n) {
  await writeMeta("wipeAfter", Math.max(0, Math.floor(n)));
}

/**
 * Count a passphrase try as a failure before the slow derivation, in one transaction: tries
 * made at the same time from several windows each count, and each waits its turn.
 * @returns {Promise<Throttle & { refused: boolean }>} `refused`: still waiting; `until` is
 *   then when the wait ends
 */
export function countTry() {
  return updateMeta("throttle", (/** @type {Throttle | undefined} */ current) => {
    const now = current || { failures: 0, until: 0 };
    /** @type {{ value: Throttle, result: Throttle & { refused: boolean } }} */
    let answer;
    if (now.until > Date.now()) {
      answer = { value: now, result: { ...now, refused: true } };
    } else {
      const failures = now.failures + 1;
      answer = { value: { failures, until: Date.now() + delayAfter(failures) * 1000 }, result: { failures, until: 0, refused: false } };
    }
    return answer;
  });
}

/** Forget the wrong tries, after a way in worked. */
export async function clearTries() {
  await writeMeta("throttle", { failures: 0, until: 0 });
}
