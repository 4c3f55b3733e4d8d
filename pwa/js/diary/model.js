// @ts-check
// What the diary holds, derived from the event log: incidents with their revisions and
// evidence, and people. It is rebuilt from the log (and cached while the log is unchanged);
// a big diary opens from its snapshot (snapshot.js), the log folded as it was at the same
// head: the first screen from its small first part, then the whole, and it is folded from
// the log again once that has painted.
import { PlainError } from "../errors.js";
import * as log from "./log.js";
import * as snapshot from "./snapshot.js";
import { LockedError, lockEpoch, onLock } from "../vault/keys.js";
import { newId, remove } from "../vault/records.js";
import { utf8 } from "../vault/bytes.js";

/** @typedef {import("../vault/bytes.js").Bytes} Bytes */

/** Kinds of behaviour, from what police and charities list (GUIDANCE.md). @type {[string, string][]} */
export const BEHAVIOURS = [
  ["following", "Following or watching me"],
  ["staring", "Staring at me"],
  ["loitering", "Hanging around my home or work"],
  ["turning-up", "Turning up at home, work or school"],
  ["driving-past", "Driving past"],
  ["calls", "Phone calls (or silent calls)"],
  ["texts", "Text messages"],
  ["emails", "Emails"],
  ["online", "Social media or online messages"],
  ["letters", "Letters, cards or notes"],
  ["gifts", "Gifts or things left for me"],
  ["threats", "Threats"],
  ["contacting-others", "Contacting my family, friends or colleagues"],
  ["damage", "Damage to my car or property"],
  ["assault", "Physical assault"],
  ["sexual-assault", "Sexual assault"],
  ["other", "Something else"],
];
export const behaviourLabel = new Map(BEHAVIOURS);

/**
 * The kinds that come by phone or online: for these the police ask for the app or site, the
 * sender's account or number, the link and when it was sent (GUIDANCE.md).
 */
export const ONLINE_KINDS = new Set(["calls", "texts", "emails", "online"]);

/** Whether an entry's kinds make it a message, call or post. @param {string[]} behaviours */
export const isOnline = (behaviours) => behaviours.some((b) => ONLINE_KINDS.has(b));

/** @type {[string, string][]} */
export const FEELINGS = [
  ["fear", "Frightened"],
  ["alarm", "Alarmed"],
  ["distress", "Distressed"],
  ["fear-of-violence", "Afraid they would be violent"],
];
export const feelingLabel = new Map(FEELINGS);

export const RELATIONSHIPS = [
  ["ex-partner", "Ex-partner"],
  ["partner", "Partner"],
  ["family", "Family"],
  ["acquaintance", "Someone I know"],
  ["colleague", "Colleague"],
  ["neighbour", "Neighbour"],
  ["stranger", "Stranger"],
  ["unknown", "I don't know"],
];
export const relationshipLabel = new Map(/** @type {[string, string][]} */ (RELATIONSHIPS));

/**
 * @typedef {object} IncidentFields
 * @property {{ date: string, time: string, about: boolean, endTime: string }} happened  local date and time as typed
 * @property {string} where  the place, as the person wrote it
 * @property {PhonePosition | null} location  where the phone was when "I am there now" was pressed
 * @property {string[]} behaviours
 * @property {string} what
 * @property {string} personId  "" for unknown
 * @property {string} looks
 * @property {string} clothing
 * @property {string} vehicle
 * @property {string} registration
 * @property {string} thisTime  about the person, true only of this incident (what they wore today)
 * @property {{ name: string, contact: string, saw: string }[]} witnesses
 * @property {string[]} feelings
 * @property {string} impact
 * @property {{ reported: "" | "yes" | "no", date: string, officer: string, reference: string }} police
 * @property {Online} online  for a message, call or post; empty in entries made before it was kept
 */

/**
 * A message, call or post as the police ask for it: the app, site or service (`platform`),
 * the sender's account, handle, number or address as it showed (`sender`), the link, and
 * when it was sent (local date and time as typed; `happened` may be when it was seen).
 * @typedef {{ platform: string, sender: string, link: string, sent: { date: string, time: string } }} Online
 */

/**
 * Where the phone was at a moment, only ever taken when the person says they are at the
 * place now; never the place itself. `at` (ms) is missing from entries made before it was kept.
 * @typedef {{ latitude: number, longitude: number, accuracy: number, at?: number }} PhonePosition
 */

/**
 * @typedef {object} Evidence
 * @property {string} file   the vault file id
 * @property {string} name
 * @property {string} type   MIME type
 * @property {string} kind   photo, screenshot, audio, video, file
 * @property {number} size
 * @property {string} sha256 of the original bytes (hex)
 * @property {string} [thumb] the vault file id of a small thumbnail
 * @property {number} [captured]  when it was captured, if it was kept in the inbox before it
 *   was filed (ms since 1970, the phone's clock then; diary/filing.js)
 * @property {string} [via]  how such a capture came: "capture" (from the disguise) or "share"
 * @property {string} [inbox]  such a capture's id in the inbox, so it is never filed twice
 * @property {number} at     when it was added
 * @property {number} seq
 */

/**
 * @typedef {object} Revision
 * @property {number} seq
 * @property {number} at
 * @property {IncidentFields} fields
 * @property {string[]} changed  labels of what changed from the revision before
 */

/**
 * @typedef {object} Incident
 * @property {string} id
 * @property {number} recordedAt
 * @property {number} happenedAt  sort key from fields.happened
 * @property {IncidentFields} fields  the latest revision
 * @property {Revision[]} revisions   first recorded first
 * @property {Evidence[]} evidence
 * @property {{ at: number, seq: number, reason: string } | null} withdrawn
 * @property {number[]} seqs   every event about it
 * @property {string} text     lower-case text of everything written, for search
 */

/**
 * @typedef {object} Person
 * @property {string} id
 * @property {number} recordedAt
 * @property {Record<string, string>} fields  name, relationship, description, clothing, vehicles,
 *   registration, places, contacts
 * @property {{ seq: number, at: number }[]} revisions
 * @property {Evidence[]} photos
 * @property {{ at: number } | null} withdrawn
 */

/**
 * What an incident's fields under "Who did it" hold of the person's own details (incident
 * field, person field): typed there, they go to the person's page too.
 */
export const PERSON_DETAILS = /** @type {const} */ ([
  ["looks", "description"],
  ["clothing", "clothing"],
  ["vehicle", "vehicles"],
  ["registration", "registration"],
]);

/**
 * The rules for one field: its empty value, whether it holds anything, how a change to it
 * is named in the history, and the words it adds to search.
 * @template T
 * @typedef {{ changed: string, empty: (now: Date) => T, blank: (value: T) => boolean, words: (value: T) => string[] }} FieldRule
 */

/** @type {FieldRule<string>} */
const TEXT = { changed: "", empty: () => "", blank: (v) => !v.trim(), words: (v) => [v] };
/** @param {string} changed */
const text = (changed) => ({ ...TEXT, changed });
/** @param {string} changed @param {Map<string, string>} labels @returns {FieldRule<string[]>} */
const picks = (changed, labels) => ({ changed, empty: () => [], blank: (v) => v.length === 0, words: (v) => v.map((x) => labels.get(x) || "") });

/**
 * Every field of an incident, once, in the order a reader meets them. What a field looks
 * like on a screen or in a CSV belongs to that screen or format; what it holds is here.
 * @type {{ [K in keyof IncidentFields]: FieldRule<IncidentFields[K]> }}
 */
const FIELDS = {
  happened: {
    changed: "when it happened",
    empty: (now) => ({ date: localDate(now), time: localTime(now), about: false, endTime: "" }),
    blank: () => true, // always filled in (today, now), so it alone is not an entry
    words: () => [],
  },
  where: text("where"),
  location: { changed: "where the phone was", empty: () => null, blank: (v) => !v, words: () => [] },
  behaviours: picks("what kind", behaviourLabel),
  what: text("what happened"),
  personId: { ...text("who"), words: () => [] }, // the person's name is added where people are known
  looks: text("what they looked like"),
  clothing: text("clothing"),
  vehicle: text("vehicle"),
  registration: text("registration"),
  thisTime: text("about them this time"),
  witnesses: {
    changed: "witnesses",
    empty: () => [],
    blank: (v) => v.every((w) => !w.name.trim() && !w.contact.trim() && !w.saw.trim()),
    words: (v) => v.flatMap((w) => [w.name, w.contact, w.saw]),
  },
  feelings: { ...picks("how it affected you", feelingLabel), words: () => [] },
  impact: text("what it changed"),
  police: {
    changed: "police",
    empty: () => ({ reported: "", date: "", officer: "", reference: "" }),
    blank: (v) => !v.officer.trim() && !v.reference.trim(),
    words: (v) => [v.officer, v.reference],
  },
  online: {
    changed: "the message's details",
    empty: () => ({ platform: "", sender: "", link: "", sent: { date: "", time: "" } }),
    blank: (v) => !v.platform.trim() && !v.sender.trim() && !v.link.trim() && !v.sent.date && !v.sent.time,
    words: (v) => [v.platform, v.sender, v.link],
  },
};
const KEYS = /** @type {(keyof IncidentFields)[]} */ (Object.keys(FIELDS));

/** @returns {IncidentFields} */
export function emptyIncident(now = new Date()) {
  return /** @type {IncidentFields} */ (Object.fromEntries(KEYS.map((key) => [key, FIELDS[key].empty(now)])));
}

/**
 * Fields as they were kept (a draft or entry from before a field existed), with every field
 * there: what is missing is empty. None when there is nothing yet: a new entry, now.
 * @param {Partial<IncidentFields>} [fields]
 * @returns {IncidentFields}
 */
export function complete(fields) {
  return { ...emptyIncident(), ...fields };
}

const pad = (/** @type {number} */ n) => String(n).padStart(2, "0");
/** @param {Date} d */
export const localDate = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
/** @param {Date} d */
export const localTime = (d) => `${pad(d.getHours())}:${pad(d.getMinutes())}`;

/** When it happened, as a time value for sorting and ranges. @param {IncidentFields} f */
export function happenedAt(f) {
  const t = new Date(`${f.happened.date}T${f.happened.time || "00:00"}`).getTime();
  return Number.isNaN(t) ? 0 : t;
}

/** Whether the fields hold anything worth saving. @param {IncidentFields} f @param {number} evidence */
export function isEmpty(f, evidence = 0) {
  return evidence === 0 && KEYS.every((key) => ruleFor(key).blank(f[key]));
}

/**
 * One field's rule, typed for that field (one generic call keeps key and value paired).
 * @template {keyof IncidentFields} K @param {K} key
 */
const ruleFor = (key) => /** @type {FieldRule<IncidentFields[K]>} */ (FIELDS[key]);

/** Labels of the fields that differ. @param {IncidentFields} a @param {IncidentFields} b */
export function changedFields(a, b) {
  return KEYS.filter((key) => JSON.stringify(a[key]) !== JSON.stringify(b[key])).map((key) => FIELDS[key].changed);
}

/** How far ahead of the phone's clock a time may be before it is asked about: a clock a little behind. */
export const CLOCK_GRACE_MS = 5 * 60_000;

/**
 * What stops an entry being saved, in plain words, with the field to go back to; null
 * when it can be saved. A new entry needs something in it; every entry needs a day.
 *
 * A time later than the phone's clock (past CLOCK_GRACE_MS) is asked about once, not
 * refused: `ahead` is that time, and saving again with the same time (`confirmed`) keeps it.
 * "Now" is only the phone's clock, and a clock that is behind (set back, or never set) makes
 * a real, past date look like the future; refusing it would stop the person logging what
 * happened, on the day it happened, until they found and fixed the clock. Asking still
 * catches a slip of the finger (2062 for 2026).
 * @param {IncidentFields} f
 * @param {{ isNew: boolean, evidence: number, person: boolean, now?: number, confirmed?: number }} context
 * @returns {{ field: "what" | "date", message: string, ahead?: number } | null}
 */
export function problemWith(f, { isNew, evidence, person, now = Date.now(), confirmed }) {
  if (isNew && isEmpty(f, evidence) && !person) {
    return { field: "what", message: "There is nothing to save yet. Write what happened, or pick what kind of thing it was." };
  }
  if (!f.happened.date) return { field: "date", message: "Say on what day it happened (roughly is fine: tick \"approximate\")." };
  const at = happenedAt(f);
  if (at > now + CLOCK_GRACE_MS && at !== confirmed) {
    return {
      field: "date",
      message: "By this phone's clock, that date and time is in the future. Check when it happened. If it is right and the phone's clock is wrong, save again: what you typed is kept.",
      ahead: at,
    };
  }
  return null;
}


/** @param {IncidentFields} f @param {Map<string, Person>} people */
function textOf(f, people) {
  const person = people.get(f.personId);
  return [...KEYS.flatMap((key) => ruleFor(key).words(f[key])), person ? person.fields.name : ""].join("\n").toLowerCase();
}

/** @typedef {{ incidents: Map<string, Incident>, people: Map<string, Person> }} Diary */

/**
 * The diary last derived: from `events`, or (events null) from the snapshot at `head`.
 * @type {{ events: log.Event[] | null, diary: Diary | null, head: snapshot.Head | null }}
 */
let derived = { events: null, diary: null, head: null };
/** How this unlock's first load() found the diary (for the tests and the bench). @type {"" | snapshot.Why} */
let opened = "";
/** How this unlock's first screen found the snapshot's first part ("" if it was not asked). @type {"" | snapshot.Why} */
let openedFirst = "";
/** The first load() of an unlock, shared by whoever asks meanwhile. @type {Promise<Diary> | null} */
let opening = null;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let keeping;
/** The head the snapshot was last written (or found) at, and in which unlock. @type {(snapshot.Head & { epoch: number }) | null} */
let kept = null;
onLock(() => {
  derived = { events: null, diary: null, head: null }; // nothing decrypted outlives the lock
  opened = "";
  openedFirst = "";
  opening = null;
  kept = null;
  clearTimeout(keeping);
});

/** Wait after the last change before the snapshot is written again: saves come in runs. */
const KEEP_AFTER_MS = 2000;
/** Below this many events the log is read and folded at once; the snapshot is not worth it. */
export const SNAPSHOT_FROM = 500;

/**
 * Fold the log into incidents and people. When the log only grew since the last call (the
 * usual case: an entry was saved), only the new events are folded in.
 * @param {log.Event[]} events
 * @returns {Diary}
 */
export function derive(events) {
  const before = derived.events;
  if (before === events && derived.diary) return derived.diary;
  const grew = Boolean(derived.diary && before && before.length < events.length && events[before.length - 1] === before[before.length - 1]);
  const diary = grew ? /** @type {Diary} */ (derived.diary) : { incidents: new Map(), people: new Map() };
  const touched = fold(diary, grew ? events.slice(/** @type {log.Event[]} */ (before).length) : events);
  if (touched.people) {
    // A person's name is part of every incident's search text.
    for (const incident of diary.incidents.values()) finish(incident, diary.people);
  } else {
    for (const id of touched.incidents) finish(/** @type {Incident} */ (diary.incidents.get(id)), diary.people);
  }
  derived = { events, diary, head: null };
  return diary;
}

/** @param {Incident} incident @param {Map<string, Person>} people */
function finish(incident, people) {
  incident.happenedAt = happenedAt(incident.fields) || incident.recordedAt;
  incident.text = incident.withdrawn ? "" : textOf(incident.fields, people);
}

/**
 * Apply events to a diary; say which incidents they touched and whether any person changed.
 * @param {Diary} diary
 * @param {log.Event[]} events
 */
function fold({ incidents, people }, events) {
  /** @type {Set<string>} */
  const touched = new Set();
  let peopleChanged = false;
  for (const e of events) {
    if (e.type === "person.described") peopleChanged = true;
    else if (incidents.has(e.subject) || e.type.startsWith("incident.")) touched.add(e.subject);
    const payload = log.payloadOf(e);
    switch (e.type) {
      case "incident.recorded":
      case "incident.revised": {
        let incident = incidents.get(e.subject);
        if (!incident) {
          incident = {
            id: e.subject,
            recordedAt: e.at,
            happenedAt: 0,
            fields: emptyIncident(new Date(e.at)),
            revisions: [],
            evidence: [],
            withdrawn: null,
            seqs: [],
            text: "",
          };
          incidents.set(e.subject, incident);
        }
        incident.seqs.push(e.seq);
        if (!payload) break;
        const fields = { ...emptyIncident(new Date(e.at)), ...payload.fields };
        const before = incident.revisions.at(-1);
        incident.revisions.push({ seq: e.seq, at: e.at, fields, changed: before ? changedFields(before.fields, fields) : [] });
        incident.fields = fields;
        break;
      }
      case "evidence.added": {
        const owner = incidents.get(e.subject) || people.get(e.subject);
        if (owner && "seqs" in owner) owner.seqs.push(e.seq);
        if (!owner || !payload) break;
        const item = { ...payload, at: e.at, seq: e.seq };
        if ("evidence" in owner) owner.evidence.push(item);
        else owner.photos.push(item);
        break;
      }
      case "person.described": {
        let person = people.get(e.subject);
        if (!person) {
          person = { id: e.subject, recordedAt: e.at, fields: {}, revisions: [], photos: [], withdrawn: null };
          people.set(e.subject, person);
        }
        person.revisions.push({ seq: e.seq, at: e.at });
        if (payload) person.fields = payload.fields;
        break;
      }
      case "entry.withdrawn": {
        const incident = incidents.get(e.subject);
        if (incident) {
          incident.withdrawn = { at: e.at, seq: e.seq, reason: payload?.reason || "" };
          incident.seqs.push(e.seq);
        }
        const person = people.get(e.subject);
        if (person) person.withdrawn = { at: e.at };
        break;
      }
      default:
        break; // kinds from later versions (checklists, receipts) are read by their own views
    }
  }
  for (const id of touched) if (!incidents.has(id)) touched.delete(id);
  return { incidents: touched, people: peopleChanged };
}

/**
 * How this unlock's first load() found the diary: "snapshot" (used), or why the log was
 * folded instead ("none", "stale", "unreadable"); "" before it.
 */
export const openedFrom = () => opened;

/**
 * How this unlock's first screen found the snapshot's first part: "snapshot" (painted from
 * it), or why not ("none", "stale", "unreadable"); "" when the whole diary was in already.
 */
export const openedFirstFrom = () => openedFirst;

// The whole diary is read this long after its first part, if the screen never says it painted.
const WHOLE_AFTER_MS = 1000;

/** The diary as it stands now. */
export async function load() {
  if (!derived.diary) {
    opening ??= open().finally(() => {
      opening = null;
    });
    const diary = await opening;
    // A save made while it was being read moved the head on: that is folded in below.
    if (derived.diary === diary && derived.events) return diary;
  }
  if (!derived.events && derived.head) {
    // From the snapshot: good while the log's head has not moved.
    const now = await log.head();
    if (derived.head && now.seq === derived.head.seq && now.hash === derived.head.hash && derived.diary) return derived.diary;
  }
  return fromLog();
}

/**
 * What the first screen shows of the diary, as soon as it can be had. `diary` is the whole
 * diary when it is in (then `whole` is null); for a big diary just unlocked, it is the
 * snapshot's first part (the newest incidents as the timeline lists them, every person), if
 * it was folded at the log's head now, and `whole` brings the rest once the first screen has
 * painted. `total` counts the incidents not withdrawn; `recorded` is when each was recorded.
 * `begin` starts the whole's reading: call it once the first screen has painted.
 * @returns {Promise<{ diary: Diary, total: number, recorded: number[], whole: Promise<Diary> | null, begin: () => void }>}
 */
export async function loadFirst() {
  if (!derived.diary && !opening) {
    const epoch = lockEpoch();
    const head = await log.head();
    const { first, why } = head.seq >= SNAPSHOT_FROM ? await snapshot.readFirst(head) : { first: null, why: /** @type {const} */ ("none") };
    if (epoch !== lockEpoch()) throw new LockedError();
    let diary = null;
    try {
      diary = first && unpack(first);
    } catch {
      // not the shape this version packs: as if unreadable
    }
    openedFirst = first && !diary ? "unreadable" : why;
    if (first && diary && !derived.diary) {
      // The whole is read once the screen showing this part has painted: its reading ends in
      // one JSON.parse of the whole (200 ms at 50,000 incidents, 800 ms at 4× CPU), which
      // begun earlier held the first rows off the screen. The screen says when (begin); if
      // none does, it comes anyway a moment later (or at once, if anyone asks for it).
      /** @type {() => void} */
      let begin = () => {};
      const whole = new Promise((resolve) => {
        begin = () => resolve(undefined);
        setTimeout(begin, WHOLE_AFTER_MS);
      }).then(load);
      whole.catch(() => {}); // locked before it came: whoever waits for it is told, no one else
      return { diary, total: first.total, recorded: first.recorded, whole, begin };
    }
  }
  const diary = await load();
  const live = [...diary.incidents.values()].filter((i) => !i.withdrawn);
  return { diary, total: live.length, recorded: live.map((i) => i.recordedAt), whole: null, begin: () => {} };
}

/** The first load of an unlock: the snapshot if it matches the head, else the log. */
async function open() {
  const epoch = lockEpoch();
  const head = await log.head();
  const { packed, why } = head.seq >= SNAPSHOT_FROM ? await snapshot.read(head) : { packed: null, why: /** @type {const} */ ("none") };
  if (epoch !== lockEpoch()) throw new LockedError();
  let diary = null;
  try {
    // Behind a first screen already painted, in slices: a tap, a scroll or quick exit is
    // answered meanwhile (at 4× CPU, 10,000 incidents take a quarter of a second to unpack).
    diary = packed && (openedFirst === "snapshot" ? await unpackSliced(packed, () => epoch === lockEpoch()) : unpack(packed));
  } catch {
    // not the shape this version packs: as if unreadable
  }
  if (epoch !== lockEpoch()) throw new LockedError();
  opened = packed && !diary ? "unreadable" : why;
  if (!diary) return fromLog();
  derived = { events: null, diary, head };
  // The first part missing, stale or altered beside a whole that is good: both are kept
  // again after the fold that follows.
  if (openedFirst === "snapshot" || openedFirst === "") kept = { ...head, epoch };
  // The rest of the app (a save's quick fold, the report) works from the log: read it once
  // the first screen has painted, without holding that screen up.
  requestAnimationFrame(() => setTimeout(() => void warm(epoch), 200));
  return diary;
}

/** Fold the log in the background, after the snapshot served the first screen. @param {number} epoch */
async function warm(epoch) {
  if (epoch !== lockEpoch() || derived.events) return;
  await fromLog().catch(() => {}); // locked meanwhile, or the log unreadable: read again when asked
}

/** Fold the diary from the log, and keep it as the snapshot a little later if it is big. */
async function fromLog() {
  const events = await log.events();
  const diary = derive(events);
  if (events.length >= SNAPSHOT_FROM) keepSoon(lockEpoch());
  return diary;
}

/**
 * Write the snapshot of the diary as derived now, KEEP_AFTER_MS after the last change:
 * never on the way to a screen, and once for a run of saves.
 * @param {number} epoch
 */
function keepSoon(epoch) {
  clearTimeout(keeping);
  keeping = setTimeout(() => void keepSnapshot(epoch), KEEP_AFTER_MS);
}

/**
 * Write the snapshot of the diary as folded from the log now, if the log's head is still
 * the one it was folded at and the snapshot does not hold it already.
 * @param {number} [epoch] the unlock it was folded in
 */
export async function keepSnapshot(epoch = lockEpoch()) {
  const { events, diary } = derived;
  const last = events?.at(-1);
  if (epoch !== lockEpoch() || !diary || !events || !last || events.length < SNAPSHOT_FROM) return;
  const head = { seq: last.seq, hash: last.hash };
  if (kept && kept.seq === head.seq && kept.hash === head.hash && kept.epoch === epoch) return;
  const stored = await log.head().catch(() => null);
  // The log moved on since it was folded: the next fold writes it.
  if (!stored || stored.seq !== head.seq || stored.hash !== head.hash || epoch !== lockEpoch()) return;
  // A save folded in meanwhile (into the same diary): that fold keeps it.
  if (derived.events !== events) return;
  try {
    const first = packFirst(diary);
    const pieces = await packSliced(diary, () => epoch === lockEpoch() && derived.events === events);
    if (pieces === null) return; // locked, or a save folded into this diary meanwhile: that fold keeps it
    await snapshot.write({ first, pieces }, head);
    kept = { ...head, epoch };
  } catch (error) {
    console.warn("snapshot:", /** @type {Error} */ (error).name); // the log stays the truth; next time
  }
}

// --- the snapshot's form ---------------------------------------------------------------------

/** Each field's empty value as JSON, for the fields whose empty value is always the same. */
/** @type {Map<string, string>} */
const EMPTY_JSON = new Map(KEYS.filter((key) => key !== "happened").map((key) => [key, JSON.stringify(FIELDS[key].empty(new Date(0)))]));

/** Fields without what is empty: the snapshot holds each field only when it holds something. @param {IncidentFields} f */
function sparse(f) {
  /** @type {Record<string, unknown>} */
  const out = {};
  for (const [key, value] of Object.entries(f)) if (EMPTY_JSON.get(key) !== JSON.stringify(value)) out[key] = value;
  return out;
}

const EPOCH = new Date(0);

/** @param {Record<string, unknown>} kept @param {number} at @returns {IncidentFields} */
function filled(kept, at) {
  const f = /** @type {Record<string, unknown>} */ ({});
  // Only "when it happened" has an empty value that depends on the day (and it is always kept).
  for (const key of KEYS) f[key] = key in kept ? kept[key] : FIELDS[key].empty(key === "happened" ? new Date(at) : EPOCH);
  return /** @type {IncidentFields} */ (Object.assign(f, kept));
}

/**
 * One incident in the snapshot's form: its fields once a revision, and only those that hold
 * something; its place in time and search text are made again on reading.
 * @param {Incident} i
 */
const packIncident = (i) => [i.id, i.recordedAt, i.revisions.map((r) => [r.seq, r.at, sparse(r.fields), r.changed]), i.evidence, i.withdrawn, i.seqs];

/**
 * The diary in the snapshot's form (packIncident).
 * @param {Diary} diary
 */
export function pack(diary) {
  return { incidents: [...diary.incidents.values()].map(packIncident), people: [...diary.people.values()] };
}

/** How many incidents the snapshot's first part holds: the timeline's first rows, and more. */
export const FIRST_ROWS = 60;

/**
 * The snapshot's first part: what the timeline's first screen shows (the newest incidents as
 * it lists them, every person, the count, and when each incident was recorded, which the
 * backup reminder counts).
 * @param {Diary} diary
 * @returns {snapshot.PackedFirst}
 */
export function packFirst(diary) {
  const live = [...diary.incidents.values()].filter((i) => !i.withdrawn);
  const newest = select(diary.incidents, {}).slice(0, FIRST_ROWS);
  return { incidents: newest.map(packIncident), people: [...diary.people.values()], total: live.length, recorded: live.map((i) => i.recordedAt) };
}

/** A slice of work this long, at most, before the page may answer a tap or a key. */
const SLICE_MS = 8;

/**
 * pack()'s JSON (`"incidents":[…],"people":[…]`) as UTF-8, in pieces, made a slice at a
 * time so that a big diary's never holds input up (one JSON.stringify and one encoding of
 * the whole: 100–430 ms at 10,000 incidents); null if `still` says, after a slice, that the
 * diary it was made from is no longer the one to keep.
 * @param {Diary} diary @param {() => boolean} still
 * @returns {Promise<Bytes[] | null>}
 */
export async function packSliced(diary, still) {
  /** @type {Bytes[]} */
  const pieces = [utf8('"incidents":[')];
  /** @type {string[]} */
  let slice = [];
  let start = performance.now();
  for (const incident of diary.incidents.values()) {
    slice.push(JSON.stringify(packIncident(incident)));
    if (performance.now() - start < SLICE_MS) continue;
    pieces.push(utf8((pieces.length > 1 ? "," : "") + slice.join(",")));
    slice = [];
    await new Promise((resolve) => setTimeout(resolve));
    if (!still()) return null;
    start = performance.now();
  }
  if (!still()) return null;
  pieces.push(utf8(`${pieces.length > 1 && slice.length ? "," : ""}${slice.join(",")}],"people":${JSON.stringify([...diary.people.values()])}`));
  return pieces;
}

/**
 * The diary from its snapshot form, as fold() would have made it.
 * @param {{ incidents: unknown[], people: unknown[] }} packed
 * @returns {Diary}
 */
export function unpack(packed) {
  const people = new Map(/** @type {Person[]} */ (packed.people).map((p) => [p.id, p]));
  /** @type {Map<string, Incident>} */
  const incidents = new Map();
  for (const item of /** @type {PackedIncident[]} */ (packed.incidents)) {
    const incident = unpackIncident(item, people);
    incidents.set(incident.id, incident);
  }
  return { incidents, people };
}

/**
 * unpack(), handing the page back every SLICE_MS; null if `still` says, after a slice, that
 * it is no longer wanted (the vault locked).
 * @param {{ incidents: unknown[], people: unknown[] }} packed @param {() => boolean} still
 * @returns {Promise<Diary | null>}
 */
export async function unpackSliced(packed, still) {
  const people = new Map(/** @type {Person[]} */ (packed.people).map((p) => [p.id, p]));
  /** @type {Map<string, Incident>} */
  const incidents = new Map();
  let start = performance.now();
  for (const item of /** @type {PackedIncident[]} */ (packed.incidents)) {
    const incident = unpackIncident(item, people);
    incidents.set(incident.id, incident);
    if (performance.now() - start < SLICE_MS) continue;
    await new Promise((resolve) => setTimeout(resolve));
    if (!still()) return null;
    start = performance.now();
  }
  return { incidents, people };
}

/** @typedef {[string, number, [number, number, Record<string, unknown>, string[]][], Evidence[], Incident["withdrawn"], number[]]} PackedIncident */

/** One incident from packIncident's form, as fold() would have made it. @param {PackedIncident} item @param {Map<string, Person>} people */
function unpackIncident([id, recordedAt, revs, evidence, withdrawn, seqs], people) {
  const revisions = revs.map(([seq, at, kept, changed]) => ({ seq, at, fields: filled(kept, at), changed }));
  const fields = revisions.at(-1)?.fields || emptyIncident(new Date(recordedAt));
  const incident = { id, recordedAt, happenedAt: 0, fields, revisions, evidence, withdrawn, seqs, text: "" };
  finish(incident, people);
  return incident;
}

/**
 * The event that adds a person named with an incident, or describes again one already in
 * the diary (their details as changed on the incident's form), if either.
 * @param {Record<string, string> | undefined} person
 * @param {{ id: string, fields: Record<string, string> } | undefined} describe
 * @returns {log.NewEvent[]}
 */
function withPerson(person, describe) {
  if (person) return [{ type: "person.described", subject: newId(), payload: { fields: person } }];
  if (describe) return [{ type: "person.described", subject: describe.id, payload: { fields: describe.fields } }];
  return [];
}

/**
 * What goes with an entry as it is saved: a new person, or a new description of the person
 * already chosen, its files, and the records it was written in (its drafts), deleted in the
 * same transaction as the entry is recorded.
 * @typedef {{ person?: Record<string, string>, describe?: { id: string, fields: Record<string, string> },
 *   evidence?: Omit<Evidence, "at" | "seq">[], replaces?: { kind: string, id: string }[] }} Extra
 */

/**
 * Record a new incident, with a new person if one was added (or the chosen person described
 * again), and its evidence, together: one append, one transaction.
 * @param {IncidentFields} fields
 * @param {Extra} [extra]
 * @returns {Promise<string>} the incident's id
 */
export async function recordIncident(fields, { person, describe, evidence = [], replaces = [] } = {}) {
  const id = newId();
  const batch = withPerson(person, describe);
  if (person) fields = { ...fields, personId: batch[0].subject };
  batch.push({ type: "incident.recorded", subject: id, payload: { fields } });
  for (const item of evidence) batch.push({ type: "evidence.added", subject: id, payload: item });
  await log.append(batch, { remove: replaces });
  return id;
}

/**
 * Add a revision to an incident (and any new person and evidence), together. Nothing is
 * overwritten: the earlier revisions stay in the log. With nothing to add, only `replaces`
 * is removed.
 * @param {string} id
 * @param {IncidentFields} fields
 * @param {Extra} [extra]
 */
export async function reviseIncident(id, fields, { person, describe, evidence = [], replaces = [] } = {}) {
  const batch = withPerson(person, describe);
  if (person) fields = { ...fields, personId: batch[0].subject };
  const { incidents } = await load();
  const current = incidents.get(id);
  if (!current || current.withdrawn) throw new PlainError("This entry is no longer in the diary.");
  if (changedFields(current.fields, fields).length) batch.push({ type: "incident.revised", subject: id, payload: { fields } });
  for (const item of evidence) batch.push({ type: "evidence.added", subject: id, payload: item });
  if (batch.length) await log.append(batch, { remove: replaces });
  else await Promise.all(replaces.map(({ kind, id }) => remove(kind, id)));
}

/**
 * Describe a person (new when `id` is empty), with an optional photo.
 * @param {string} id
 * @param {Record<string, string>} fields
 * @param {Omit<Evidence, "at" | "seq">[]} [photos]
 * @returns {Promise<string>} the person's id
 */
export async function describePerson(id, fields, photos = []) {
  const subject = id || newId();
  await log.append([
    { type: "person.described", subject, payload: { fields } },
    ...photos.map((p) => ({ type: "evidence.added", subject, payload: p })),
  ]);
  return subject;
}

/**
 * @typedef {object} Filter
 * @property {string} [behaviour]
 * @property {string} [personId]
 * @property {string} [from]  yyyy-mm-dd, inclusive
 * @property {string} [to]    yyyy-mm-dd, inclusive
 * @property {"" | "yes" | "no"} [reported]
 * @property {string} [query] words to find
 * @property {boolean} [withdrawn] include withdrawn entries
 */

/**
 * Incidents matching a filter, newest first.
 * @param {Map<string, Incident>} incidents
 * @param {Filter} filter
 */
export function select(incidents, filter = {}) {
  const from = filter.from ? new Date(`${filter.from}T00:00`).getTime() : -Infinity;
  const to = filter.to ? new Date(`${filter.to}T23:59:59.999`).getTime() : Infinity;
  const words = (filter.query || "").toLowerCase().split(/\s+/).filter(Boolean);
  const out = [];
  for (const incident of incidents.values()) {
    if (incident.withdrawn && !filter.withdrawn) continue;
    const f = incident.fields;
    if (filter.behaviour && !f.behaviours.includes(filter.behaviour)) continue;
    if (filter.personId && f.personId !== filter.personId) continue;
    if (incident.happenedAt < from || incident.happenedAt > to) continue;
    if (filter.reported === "yes" && f.police.reported !== "yes") continue;
    if (filter.reported === "no" && f.police.reported === "yes") continue;
    if (words.length && !words.every((w) => incident.text.includes(w))) continue;
    out.push(incident);
  }
  return out.sort((a, b) => b.happenedAt - a.happenedAt || b.recordedAt - a.recordedAt);
}

const DAY = 86_400_000;

/**
 * The pattern in numbers: how many, first and latest, days spanned, incidents per week,
 * counts by behaviour.
 * @param {Incident[]} list
 */
export function summarise(list) {
  const live = list.filter((i) => !i.withdrawn);
  const times = live.map((i) => i.happenedAt).sort((a, b) => a - b);
  const first = times[0];
  const latest = times.at(-1);
  /** @type {Map<string, number>} */
  const byBehaviour = new Map();
  for (const i of live) for (const b of i.fields.behaviours) byBehaviour.set(b, (byBehaviour.get(b) || 0) + 1);
  /** @type {{ start: number, count: number }[]} */
  const weeks = [];
  if (first !== undefined && latest !== undefined) {
    const start = startOfWeek(first);
    // Rounded: a week with a clock change is an hour longer or shorter.
    const weekOf = (/** @type {number} */ t) => Math.round((startOfWeek(t) - start) / (7 * DAY));
    const count = weekOf(latest) + 1;
    for (let w = 0; w < count; w++) weeks.push({ start: start + w * 7 * DAY, count: 0 });
    for (const t of times) weeks[weekOf(t)].count += 1;
  }
  return {
    count: live.length,
    first,
    latest,
    days: first === undefined || latest === undefined ? 0 : Math.round((startOfDay(latest) - startOfDay(first)) / DAY) + 1,
    weeks,
    byBehaviour: [...byBehaviour].sort((a, b) => b[1] - a[1]),
  };
}

/** @param {number} t */
function startOfDay(t) {
  const d = new Date(t);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** Monday 00:00 of t's week, local time. @param {number} t */
function startOfWeek(t) {
  const d = new Date(startOfDay(t));
  d.setDate(d.getDate() - ((d.getDay() + 6) % 7));
  return d.getTime();
}
