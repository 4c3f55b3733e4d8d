// @ts-check
// Drafts: what is being typed, saved encrypted as it is typed, and once more just before the
// vault locks (quick exit, hiding, idle) or an update reloads the page. So after a lock, a
// reload or a crash the draft is still there.
import { beforeUpdate } from "../sw-bridge.js";
import { beforeLock, dataKey, isUnlocked } from "../vault/keys.js";
import * as records from "../vault/records.js";
import { discard } from "./evidence.js";

const KIND = "draft";
const QUIET_MS = 300;

/**
 * @typedef {object} Draft
 * @property {string} target   "new", or the id of the incident being edited
 * @property {import("./model.js").IncidentFields} fields
 * @property {Record<string, string> | null} person   a person being added with it
 * @property {Omit<import("./model.js").Evidence, "at" | "seq">[]} evidence  files stored, not yet recorded
 * @property {number} saved   when the draft was last saved
 */

/** The draft's record id for a target. @param {string} target */
const idFor = (target) => `draft-${target}`;

/** Every draft, newest first. @returns {Promise<Draft[]>} */
export async function all() {
  const list = await records.list(KIND);
  return list.map((r) => /** @type {Draft} */ (r.value)).sort((a, b) => b.saved - a.saved);
}

/** The draft for a target, if any. @param {string} target @returns {Promise<Draft | undefined>} */
export function get(target) {
  return records.get(KIND, idFor(target));
}

/**
 * Keep one form's draft saved as it changes. `read` returns the draft's current content,
 * or null when there is nothing worth keeping.
 * @param {string} target
 * @param {() => Omit<Draft, "saved" | "target"> | null} read
 * @param {(error: Error | null) => void} [onResult] told of each save's failure (or null on success)
 */
export function keep(target, read, onResult = () => {}) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  let last = "";
  let stopped = false;
  /** @type {Promise<unknown>} */
  let writing = Promise.resolve();

  // Called synchronously, also from beforeLock: the key is taken now, while it is there,
  // and the writes run one after another so the last one wins.
  const saveNow = () => {
    clearTimeout(timer);
    if (stopped || !isUnlocked()) return writing;
    const content = read();
    const text = JSON.stringify(content);
    if (text === last) return writing;
    last = text;
    const key = dataKey();
    const id = idFor(target);
    const write = () => (content ? records.put(KIND, id, { ...content, target, saved: Date.now() }, { key }) : records.remove(KIND, id));
    writing = writing.then(write, write);
    writing.then(
      () => onResult(null),
      (error) => {
        last = ""; // try again on the next change
        onResult(error);
      },
    );
    return writing;
  };
  const stopLock = beforeLock(() => void saveNow());
  const stopUpdate = beforeUpdate(() => saveNow().then(() => {}));
  return {
    /** Save soon (after typing pauses). */
    changed() {
      clearTimeout(timer);
      timer = setTimeout(saveNow, QUIET_MS);
    },
    saveNow,
    /** Stop keeping the draft (the form was saved or left). */
    stop() {
      clearTimeout(timer);
      stopped = true;
      stopLock();
      stopUpdate();
    },
    /** The last save, for tests and for a save before leaving. */
    settled: () => writing,
  };
}

/**
 * Throw a draft away, with any files stored for it.
 * @param {string} target
 */
export async function drop(target) {
  const draft = await get(target);
  await records.remove(KIND, idFor(target));
  if (draft) await discardFiles(draft.evidence);
}

/** Delete stored files that will not be recorded after all. @param {{ file: string, thumb?: string }[]} items */
export function discardFiles(items) {
  return discard(items.flatMap((e) => (e.thumb ? [e.file, e.thumb] : [e.file])));
}

/** Remove a draft's record after its content was recorded (its files are now in the diary). @param {string} target */
export function done(target) {
  return records.remove(KIND, idFor(target));
}
