// @ts-check
// Drafts: what is being typed, saved encrypted as it is typed, and once more just before the
// vault locks (quick exit, hiding, idle) or an update reloads the page. So after a lock, a
// reload or a crash the draft is still there.
import { beforeUpdate } from "../sw-bridge.js";
import { beforeLock, dataKey, isUnlocked } from "../vault/keys.js";
import * as records from "../vault/records.js";
import { discard } from "./evidence.js";
import { emptyIncident } from "./model.js";

const KIND = "draft";

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

/** Every unfinished incident, newest first (other forms' drafts are theirs to show). @returns {Promise<Draft[]>} */
export async function all() {
  const list = await records.list(KIND);
  return list
    .map((r) => /** @type {Draft} */ (r.value))
    .filter((d) => d.fields)
    .sort((a, b) => b.saved - a.saved);
}

/** The draft for a target, if any. @param {string} target @returns {Promise<Draft | undefined>} */
export function get(target) {
  return records.get(KIND, idFor(target));
}

/**
 * Keep one form's draft saved as it changes: every change is written at once (one write at a
 * time; changes made meanwhile are written next, the newest only), again when the page is
 * hidden, and once more just before the vault locks. `read` returns the draft's current
 * content, or null when there is nothing worth keeping.
 * @param {string} target
 * @param {() => Omit<Draft, "saved" | "target"> | null} read
 * @param {(error: Error | null) => void} [onResult] told of each save's failure (or null on success)
 */
export function keep(target, read, onResult = () => {}) {
  const id = idFor(target);
  let last = "";
  let stopped = false;
  let dirty = false;
  /** @type {CryptoKey | null} */
  let key = null;
  /** @type {Promise<void> | null} */
  let running = null;

  let cancelled = false;
  const pump = async () => {
    while (dirty && !cancelled) {
      dirty = false;
      const content = read();
      const text = JSON.stringify(content);
      if (text === last) continue;
      try {
        if (content) await records.put(KIND, id, { ...content, target, saved: Date.now() }, { key: /** @type {CryptoKey} */ (key) });
        else await records.remove(KIND, id);
        last = text;
        onResult(null);
      } catch (error) {
        onResult(/** @type {Error} */ (error)); // kept in the form; tried again on the next change
      }
    }
    key = null; // held no longer than the writes that need it
  };
  const start = () => {
    running = pump().finally(() => {
      running = null;
      if (dirty && !cancelled) start(); // asked for after the loop's last look
    });
  };
  /** Resolves once every write asked for so far is done. */
  const settled = async () => {
    while (running) await running;
  };
  // Synchronous up to taking the key, so it works from beforeLock, while the key is there.
  const saveNow = () => {
    if (!stopped && isUnlocked()) {
      key = dataKey();
      dirty = true;
      if (!running) start();
    }
    return settled();
  };
  const onHidden = () => {
    if (document.visibilityState === "hidden") saveNow();
  };
  document.addEventListener("visibilitychange", onHidden);
  const stopLock = beforeLock(() => saveNow());
  const stopUpdate = beforeUpdate(() => saveNow());
  return {
    /** Something changed: save it now. */
    changed: () => void saveNow(),
    saveNow,
    /** The entry was saved or thrown away: write nothing more (await settled() next). */
    cancel() {
      cancelled = true;
      this.stop();
    },
    /** Stop watching (the form was left); writes already asked for still finish. */
    stop() {
      stopped = true;
      document.removeEventListener("visibilitychange", onHidden);
      stopLock();
      stopUpdate();
    },
    settled,
  };
}

/**
 * Throw a draft away, with any files stored for it.
 * @param {string} target
 */
export async function drop(target) {
  const draft = await get(target);
  await records.remove(KIND, idFor(target));
  if (draft) await discardFiles(draft.evidence || []);
}

/** Delete stored files that will not be recorded after all. @param {{ file: string, thumb?: string }[]} items */
export function discardFiles(items) {
  return discard(items.flatMap((e) => (e.thumb ? [e.file, e.thumb] : [e.file])));
}

/**
 * Add a stored file to a target's draft (a recording that finished after its form was left).
 * @param {string} target
 * @param {Omit<import("./model.js").Evidence, "at" | "seq">} item
 */
export async function attach(target, item) {
  const draft = await get(target);
  const base = draft || { target, fields: emptyIncident(), person: null, evidence: [] };
  await records.put(KIND, idFor(target), { ...base, evidence: [...base.evidence, item], saved: Date.now() });
}

/** Remove a draft's record after its content was recorded (its files are now in the diary). @param {string} target */
export function done(target) {
  return records.remove(KIND, idFor(target));
}
