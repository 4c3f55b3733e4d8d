// @ts-check
// Recorded times that go backwards. Each event's `at` is the phone's clock when it was
// written, and the chain's order is the order of writing; when the clock is set back, or put
// right after running ahead, later events say they were recorded before earlier ones. The
// chain is still whole, but whoever reads the report must be told. The rule is cairn
// verify's (server/verify/chain.py, GoingBack): each run of events recorded earlier than an
// event before them is one finding, naming that event. Events a merge brought in from a
// backup keep the times that backup recorded: they are not compared, and they end a run.
import { payloadOf } from "./log.js";

/**
 * @typedef {object} GoingBack
 * @property {number} first  the run's first event
 * @property {number} last   its last event
 * @property {number} from   the earliest time its events say they were recorded
 * @property {number} to     the latest
 * @property {{ seq: number, at: number }} after  the event before the run with the latest time
 */

/**
 * Each run of events whose recorded times are earlier than an event's before them.
 * @param {import("./log.js").Event[]} events  the chain, in order
 * @returns {GoingBack[]}
 */
export function timesGoingBack(events) {
  const end = events.at(-1)?.seq || 0;
  /** @type {GoingBack[]} */
  const found = [];
  /** @type {{ seq: number, at: number } | null} */
  let latest = null;
  /** @type {GoingBack | null} */
  let run = null;
  let broughtUntil = 0; // the last event the merges so far brought in
  for (const e of events) {
    if (e.seq <= broughtUntil) {
      run = null;
    } else if (latest && e.at < latest.at) {
      if (!run) found.push((run = { first: e.seq, last: e.seq, from: e.at, to: e.at, after: latest }));
      run.last = e.seq;
      run.from = Math.min(run.from, e.at);
      run.to = Math.max(run.to, e.at);
    } else {
      run = null;
      latest = { seq: e.seq, at: e.at };
    }
    if (e.type === "backup.merged") {
      const brought = payloadOf(e)?.events;
      if (Number.isInteger(brought) && brought > 0 && e.seq < end) broughtUntil = Math.max(broughtUntil, e.seq + brought);
    }
  }
  return found;
}

/** Whether event `seq` is in one of the runs found. @param {GoingBack[]} found */
export const inRun = (found) => (/** @type {number} */ seq) => found.some((b) => b.first <= seq && seq <= b.last);
