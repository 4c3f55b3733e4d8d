// @ts-check
// When the diary was last backed up, and whether to ask for a backup. A backup file made
// (or restored from) is noted in a small record kept encrypted in the vault, never in the
// clear: its being there would say what the phone holds. The server copy keeps the time of
// its own last run (sync/copy.js, which runs while the diary is locked); the later of the
// two is the last backup. The entries since are counted from the log.
import * as records from "../vault/records.js";

const KIND = "backups";
const ID = "backups";

export const DAY = 86_400_000;
/** Ask when the last backup is this old… */
export const ASK_AFTER_DAYS = 7;
/** …or when this many entries are in no backup. */
export const ASK_AFTER_ENTRIES = 10;
/** "Not now" waits this long before asking again (or until as many entries more). */
export const SNOOZE_DAYS = 3;

/** @typedef {"file" | "copy"} How */

/**
 * @typedef {object} Kept
 * @property {{ at: number, how: How } | null} backup  when the last backup file was saved, or
 *   when the backup this diary was restored from (a file, or the server copy) was made
 * @property {{ at: number, entries: number } | null} snoozed  when "Not now" was tapped, and
 *   how many entries were in no backup then
 */

/** @returns {Promise<Kept>} */
export async function kept() {
  /** @type {Partial<Kept> | undefined} */
  const stored = await records.get(KIND, ID);
  return { backup: null, snoozed: null, ...stored };
}

/** @param {(now: Kept) => Partial<Kept>} change */
async function keep(change) {
  const now = await kept();
  await records.put(KIND, ID, { ...now, ...change(now) });
}

/** A backup file was saved now. */
export function fileMade(at = Date.now()) {
  return keep(() => ({ backup: { at, how: "file" }, snoozed: null }));
}

/**
 * The diary was restored from a backup made `at`: everything in it is in that backup.
 * @param {number} at @param {How} how
 */
export function restored(at, how) {
  return keep(() => ({ backup: { at, how }, snoozed: null }));
}

/** "Not now": ask again later. @param {number} entries  in no backup now */
export function snooze(entries, at = Date.now()) {
  return keep(() => ({ snoozed: { at, entries } }));
}

/**
 * When the last backup was, how many entries are in none, and whether to ask for one: a week
 * after the last (for a diary never backed up, a week after its first entry), or once ten
 * entries are in no backup; after "Not now", not again for three days or ten entries more.
 * An empty diary is never asked about.
 * @param {{ backup: Kept["backup"], copy: number | null, recorded: number[], snoozed: Kept["snoozed"], now?: number }} facts
 *   backup: the last noted here; copy: the server copy's last run; recorded: when each entry
 *   in the diary was recorded
 * @returns {{ last: number | null, how: How | null, entries: number, ask: boolean, days: number }}
 *   days: since the last backup (or the first entry), whole days
 */
export function reminder({ backup, copy, recorded, snoozed, now = Date.now() }) {
  const copied = copy !== null && (!backup || copy > backup.at);
  const last = copied ? copy : backup ? backup.at : null;
  const how = copied ? "copy" : backup ? backup.how : null;
  const entries = recorded.filter((t) => last === null || t > last).length;
  const since = last ?? Math.min(...recorded);
  const days = recorded.length ? Math.floor((now - since) / DAY) : 0;
  const due = recorded.length > 0 && (days >= ASK_AFTER_DAYS || entries >= ASK_AFTER_ENTRIES);
  const waiting = snoozed !== null && now - snoozed.at < SNOOZE_DAYS * DAY && entries < snoozed.entries + ASK_AFTER_ENTRIES;
  return { last, how, entries, ask: due && !waiting, days };
}
