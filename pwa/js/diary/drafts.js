// @ts-check
// Drafts: what is being typed, saved encrypted as it is typed, and once more just before the
// vault locks (quick exit, hiding, idle) or an update reloads the page. So after a lock, a
// reload or a crash the draft is still there.
//
// Each open form writes a record of its own, under an id made when it opens: two tabs (or a
// form opened twice) never write or delete each other's words. A form that carries on an
// earlier draft moves it to its own id (the old one is deleted in the same transaction as
// the first write), and saving the entry deletes the form's draft in the transaction that
// records it: a crash leaves the draft or the entry, never both.
import { beforeUpdate } from "../sw-bridge.js";
import { beforeLock, dataKey, isUnlocked } from "../vault/keys.js";
import * as records from "../vault/records.js";
import { discard } from "./evidence.js";
import { emptyIncident } from "./model.js";

const KIND = "draft";

/**
 * @typedef {object} Draft
 * @property {string} id       its record's id ("draft-" and random; "draft-new" or
 *   "draft-" and the incident's id when written before drafts were kept per form)
 * @property {string} target   "new", or the id of the incident being edited
 * @property {import("./model.js").IncidentFields} fields
 * @property {Record<string, string> | null} person   a person being added with it
 * @property {Omit<import("./model.js").Evidence, "at" | "seq">[]} evidence  files stored, not yet recorded
 * @property {number} saved   when the draft was last saved
 * @property {string} [from]   "inbox": made from a capture, not yet changed in a form
 */

/** A new form's own draft id: random, so it says nothing of the form, and no other form writes it. */
export function newId() {
  return `${KIND}-${records.newId()}`;
}

/** Every unfinished incident, newest first (other forms' drafts are theirs to show). @returns {Promise<Draft[]>} */
export async function all() {
  const list = await records.list(KIND);
  return list
    .map((r) => /** @type {Draft} */ ({ ...r.value, id: r.id }))
    .filter((d) => d.fields)
    .sort((a, b) => b.saved - a.saved);
}

/** The newest unfinished draft for a target, if any. @param {string} target */
export async function latestFor(target) {
  return (await all()).find((d) => d.target === target);
}

/** A draft by its record id, if it is still there. @param {string} id @returns {Promise<Draft | undefined>} */
export async function get(id) {
  const value = await records.get(KIND, id);
  return value && { ...value, id };
}

/**
 * Make an unfinished entry from what is already known (a capture from the inbox), for a form
 * to carry on. `from` says where it came from, until the form first keeps it.
 * @param {{ target: string, fields: import("./model.js").IncidentFields,
 *   evidence: Omit<import("./model.js").Evidence, "at" | "seq">[], from?: string }} draft
 * @returns {Promise<string>} its id
 */
export async function create({ target, fields, evidence, from }) {
  const id = newId();
  await records.put(KIND, id, { target, fields, person: null, evidence, saved: Date.now(), ...(from ? { from } : {}) });
  return id;
}

/**
 * Keep one form's draft saved as it changes: every change is written at once (one write at a
 * time; changes made meanwhile are written next, the newest only), again when the page is
 * hidden, and once more just before the vault locks, whether or not it changed (something
 * else may have removed it since). `read` returns the draft's current content, or null when
 * there is nothing worth keeping.
 * @param {{ id: string, target: string, from?: string[] }} where  id: the form's own record;
 *   from: the drafts it carries on, removed together with its first write
 * @param {() => Omit<Draft, "saved" | "target" | "id"> | null} read
 * @param {(error: Error | null) => void} [onResult] told of each save's failure (or null on success)
 */
export function keep({ id, target, from = [] }, read, onResult = () => {}) {
  let moving = [...from];
  // Whether this form may have something in the store (so "nothing" must be written too).
  let stored = moving.length > 0;
  let last = "";
  let stopped = false;
  let dirty = false;
  let forced = false;
  let held = false;
  /** @type {CryptoKey | null} */
  let key = null;
  /** @type {Promise<void> | null} */
  let running = null;

  let cancelled = false;
  const pump = async () => {
    while (dirty && !cancelled && !held) {
      dirty = false;
      const force = forced;
      forced = false;
      const content = read();
      const text = JSON.stringify(content);
      if (text === last && !force) continue;
      if (!content && !stored) continue;
      try {
        if (content) {
          const value = { ...content, target, saved: Date.now() };
          await records.put(KIND, id, value, { key: /** @type {CryptoKey} */ (key), replaces: moving });
        } else {
          await records.remove(KIND, id, ...moving);
        }
        moving = [];
        stored = Boolean(content);
        last = text;
        onResult(null);
      } catch (error) {
        onResult(/** @type {Error} */ (error)); // kept in the form; tried again on the next change
      }
    }
    if (!held || cancelled) key = null; // held no longer than the writes that need it
  };
  const start = () => {
    running = pump().finally(() => {
      running = null;
      if (dirty && !cancelled && !held) start(); // asked for after the loop's last look
    });
  };
  /** Resolves once every write asked for so far is done (a held one waits for resume()). */
  const settled = async () => {
    while (running) await running;
  };
  // Synchronous up to taking the key, so it works from beforeLock, while the key is there.
  const ask = (/** @type {boolean} */ force) => {
    if (!stopped && isUnlocked()) {
      key = dataKey();
      dirty = true;
      forced ||= force;
      if (!running && !held) start();
    }
    return settled();
  };
  const saveNow = () => ask(true);
  const onHidden = () => {
    if (document.visibilityState === "hidden") saveNow();
  };
  document.addEventListener("visibilitychange", onHidden);
  const stopLock = beforeLock(() => saveNow());
  const stopUpdate = beforeUpdate(() => saveNow());
  return {
    /** Something changed: save it now (unless it is what was last written). */
    changed: () => void ask(false),
    /** Write it now, changed or not. */
    saveNow,
    /**
     * The entry is being saved: write nothing until resume() or cancel(), so no draft write
     * lands after the save has removed the draft. Resolves once writes under way are done.
     */
    hold() {
      held = true;
      return settled();
    },
    /** The save failed: write again, what was asked for meanwhile first. */
    resume() {
      held = false;
      if (dirty && !running && !cancelled) start();
    },
    /** The records that hold this form's draft: its own, and any it has yet to move there. */
    records: () => [id, ...moving].map((r) => ({ kind: KIND, id: r })),
    /** The entry was saved or thrown away: write nothing more (await settled() next). */
    cancel() {
      cancelled = true;
      key = null;
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
 * Throw drafts away, with any files stored for them.
 * @param {string[]} ids
 */
export async function drop(...ids) {
  const found = await Promise.all(ids.map((id) => get(id)));
  await records.remove(KIND, ...ids);
  await discardFiles(found.flatMap((d) => d?.evidence || []));
}

/** Throw away every draft for a target (an entry that was withdrawn). @param {string} target */
export async function dropFor(target) {
  const mine = (await all()).filter((d) => d.target === target);
  if (mine.length) await drop(...mine.map((d) => d.id));
}

/** Delete stored files that will not be recorded after all. @param {{ file: string, thumb?: string }[]} items */
export function discardFiles(items) {
  return discard(items.flatMap((e) => (e.thumb ? [e.file, e.thumb] : [e.file])));
}

/**
 * Add a stored file to a form's draft (a recording that finished after its form was left).
 * @param {string} id  the form's own draft
 * @param {string} target
 * @param {Omit<import("./model.js").Evidence, "at" | "seq">} item
 */
export async function attach(id, target, item) {
  const { fields, person, evidence } = (await get(id)) || { fields: emptyIncident(), person: null, evidence: [] };
  await records.put(KIND, id, { target, fields, person, evidence: [...evidence, item], saved: Date.now() });
}

/** Remove drafts' records after their content was recorded (their files are now in the diary). @param {string[]} ids */
export function done(...ids) {
  return records.remove(KIND, ...ids);
}
