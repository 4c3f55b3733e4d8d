// @ts-check
// Log an incident (or edit one): the important fields first, the rest a tap away. What is
// typed is kept as an encrypted draft as it is typed; a failed save keeps everything.
//
// The plain fields (one control each) come from one table, PLAIN; the parts with more to
// them (when, who, witnesses, files) are built by the functions below it. What an entry
// holds, and what stops it being saved, is the model's (`diary/model.js`).
import { PlainError, plainWords } from "../errors.js";
import { announce, h } from "../dom.js";
import * as drafts from "../diary/drafts.js";
import * as model from "../diary/model.js";
import { evidenceList, pickFiles } from "./evidence-ui.js";
import { longDateTime } from "./format.js";
import { messagePart } from "./message-fields.js";
import { hereNow } from "./place.js";
import { recordAudioButton } from "./recording-ui.js";
import { FORM_HINTS } from "../help/guides.js";
import { ask, busy, button, checked, choices, errorBox, field, more } from "./ui.js";

/** @typedef {HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement} Control */
/** @typedef {Omit<model.Evidence, "at" | "seq">} Pending */

/** @param {Record<string, any>} attrs @returns {(value: string) => Control} */
const line = (attrs = {}) => (value) => h("input", { type: "text", value, ...attrs });
/** @param {number} rows @param {Record<string, any>} attrs @returns {(value: string) => Control} */
const box = (rows, attrs = {}) => (value) => {
  const el = h("textarea", { rows, ...attrs });
  el.value = value;
  return el;
};
/** @param {string[][]} options @returns {(value: string) => Control} */
const menu = (options) => (value) => h("select", {}, options.map(([v, label]) => h("option", { value: v, selected: v === value }, label)));

/**
 * Every field with one control: where it is kept in the entry ("police.officer" is
 * `fields.police.officer`), its label, its control and its hint.
 * @type {Record<string, { label: string, control: (value: string) => Control, hint?: string }>}
 */
const PLAIN = {
  what: { label: "What happened", control: box(6, { spellcheck: "true", autocapitalize: "sentences" }), hint: FORM_HINTS.what },
  where: { label: "Where it happened", control: line({ autocapitalize: "sentences" }), hint: "Write the place: a street, a shop, a bus stop, a room." },
  looks: { label: "What they looked like", control: box(2) },
  clothing: { label: "Clothing", control: line() },
  vehicle: { label: "Vehicle (make, model, colour)", control: line() },
  registration: { label: "Registration", control: line({ autocapitalize: "characters", autocomplete: "off" }) },
  thisTime: {
    label: "Only this time",
    control: box(2, { autocapitalize: "sentences" }),
    hint: "Something true of them only this time, such as what they wore. It stays with this incident and is not added to their page.",
  },
  impact: { label: "What it changed in your life", control: box(3), hint: FORM_HINTS.impact },
  "police.date": { label: "Date reported", control: line({ type: "date" }) },
  "police.officer": { label: "Officer's name", control: line() },
  "police.reference": { label: "Crime reference number", control: line({ autocomplete: "off", autocapitalize: "characters" }) },
};

/** @param {any} fields @param {string} path */
const valueAt = (fields, path) => path.split(".").reduce((o, k) => o[k], fields);

/**
 * The plain fields' controls, filled from `f`; `read` writes what they hold back into an entry.
 * @param {model.IncidentFields} f
 */
function plainFields(f) {
  const controls = new Map(Object.entries(PLAIN).map(([path, { control }]) => [path, control(valueAt(f, path))]));
  return {
    /** The labelled field for `path`. @param {string} path */
    $: (path) => field(PLAIN[path].label, /** @type {Control} */ (controls.get(path)), PLAIN[path].hint),
    /** @param {string} path */
    control: (path) => /** @type {Control} */ (controls.get(path)),
    /** Whether any of `paths` has something in it (so its section starts open). @param {string[]} paths */
    filled: (paths) => paths.some((path) => valueAt(f, path)),
    /** @param {model.IncidentFields} into */
    read(into) {
      for (const [path, $control] of controls) {
        const keys = path.split(".");
        const last = /** @type {string} */ (keys.pop());
        keys.reduce((/** @type {any} */ o, k) => o[k], into)[last] = $control.value;
      }
    },
  };
}

/** When it happened: date, time, "approximate" and an end time. @param {model.IncidentFields["happened"]} when */
function whenPart(when) {
  const $date = h("input", { type: "date", value: when.date, required: true });
  const $time = h("input", { type: "time", value: when.time });
  const $about = h("input", { type: "checkbox", checked: when.about });
  const $end = h("input", { type: "time", value: when.endTime });
  return {
    $date,
    $el: h("fieldset", { class: "when" }, h("legend", {}, "When it happened"),
      h("div", { class: "pair" }, field("Date", $date), field("Time", $time)),
      h("label", { class: "check" }, $about, h("span", {}, "The time is approximate")),
      field("Until (if it went on)", $end)),
    read: () => ({ date: $date.value, time: $time.value, about: $about.checked, endTime: $end.value }),
  };
}

/** An incident field under "Who did it" that is one of the person's own details. @typedef {(typeof model.PERSON_DETAILS)[number][0]} Detail */

/**
 * A value as a control keeps it: a one-line box drops line breaks.
 * @param {Control} $control @param {string} value
 */
const asKept = ($control, value) => ($control instanceof HTMLInputElement ? value.replace(/[\r\n]/g, "") : value.replace(/\r\n?/g, "\n"));

/**
 * Who did it: someone already in the diary, someone new (named here, added on save), or not
 * known. What they looked like, their clothing, vehicle and registration are the person's
 * own: choosing someone fills them in from their page, and what is typed over goes back to
 * their page when the entry is saved (a new description, in the same save). A box apart
 * holds what was true of them only this time.
 * @param {string} personId @param {Map<string, model.Person>} people
 * @param {Record<string, string> | null | undefined} newOne  name and relationship, from the draft
 * @param {{ details: (key: Detail) => Control, note: HTMLElement, entry?: model.IncidentFields }} options
 *   details: the controls of the person's details; note: the "only this time" field;
 *   entry: the entry being edited (its details are what the controls were filled with)
 */
function whoPart(personId, people, newOne, { details, note, entry }) {
  const $person = h(
    "select",
    {},
    h("option", { value: "" }, "Someone I don't know, or not sure"),
    [...people.values()]
      .filter((p) => !p.withdrawn)
      .map((p) => h("option", { value: p.id, selected: p.id === personId }, p.fields.name || "Unnamed")),
    h("option", { value: "+", selected: Boolean(newOne) }, "Add someone new…"),
  );
  const $name = h("input", { type: "text", value: newOne?.name || "", autocomplete: "off" });
  const $relationship = menu(model.RELATIONSHIPS)(newOne?.relationship || "unknown");
  const $new = h("div", { class: "stack nested" }, field("Their name, or what you call them", $name), field("Who they are to you", $relationship));
  const $kept = h("p", { class: "hint" });

  /** The person's details as their page has them. @param {string} id @returns {Record<Detail, string>} */
  const known = (id) => {
    const fields = people.get(id)?.fields || {};
    return /** @type {Record<Detail, string>} */ (Object.fromEntries(model.PERSON_DETAILS.map(([key, theirs]) => [key, fields[theirs] || ""])));
  };
  /** What each control held once filled in for the person chosen: anything else was typed. @type {Record<string, string>} */
  const baseline = {};
  /** @param {Record<Detail, string>} values @param {{ keepTyped: boolean }} how */
  const fill = (values, { keepTyped }) => {
    for (const [key] of model.PERSON_DETAILS) {
      const $control = details(key);
      const value = asKept($control, values[key]);
      if (!keepTyped || $control.value === (baseline[key] ?? "")) $control.value = value;
      baseline[key] = value;
    }
  };
  // The controls hold the entry being edited, or a draft: only what differs from that entry
  // (or, for a new one, from the person's page) is a change to the person.
  for (const [key] of model.PERSON_DETAILS) baseline[key] = asKept(details(key), entry ? entry[key] : known(personId)[key]);

  const chosen = () => $person.value !== "";
  const show = () => {
    $new.hidden = $person.value !== "+";
    note.hidden = !chosen();
    const name = $person.value === "+" ? "their" : `${people.get($person.value)?.fields.name || "their"}’s`;
    $kept.textContent = chosen() ? `What you write below is kept on ${name} page too, so next time it is filled in already. If something has changed, change it here.` : "";
    $kept.hidden = !chosen();
  };
  $person.addEventListener("change", () => {
    // Filled in from the page of the person now chosen; what was typed stays.
    fill($person.value === "" || $person.value === "+" ? known("") : known($person.value), { keepTyped: true });
    show();
  });
  show();
  return {
    $el: [field("Who was it", $person), $new, $kept],
    personId: () => ($person.value === "+" ? "" : $person.value),
    chosen,
    newPerson: () => {
      if ($person.value !== "+" || !$name.value.trim()) return null;
      /** @type {Record<string, string>} */
      const fields = { name: $name.value.trim(), relationship: $relationship.value };
      for (const [key, theirs] of model.PERSON_DETAILS) fields[theirs] = details(key).value.trim();
      return fields;
    },
    /**
     * The chosen person, described again with the details typed over here; null when none
     * were (or nobody already in the diary is chosen).
     * @returns {{ id: string, fields: Record<string, string> } | null}
     */
    describe: () => {
      const person = people.get($person.value);
      if (!person) return null;
      const fields = { ...person.fields };
      let changed = false;
      for (const [key, theirs] of model.PERSON_DETAILS) {
        const value = details(key).value;
        if (value === baseline[key] || value.trim() === (fields[theirs] || "")) continue;
        fields[theirs] = value.trim();
        changed = true;
      }
      return changed ? { id: person.id, fields } : null;
    },
  };
}

/** The witnesses, each in its own group with a Remove button. @param {model.IncidentFields["witnesses"]} list @param {() => void} changed */
function witnessesPart(list, changed) {
  const $list = h("div", { class: "stack" });
  const add = (/** @type {{name: string, contact: string, saw: string}} */ w) => {
    const $w = h(
      "fieldset",
      { class: "witness" },
      h("legend", {}, "Witness"),
      field("Name", line({ "data-w": "name" })(w.name)),
      field("How to reach them", line({ "data-w": "contact" })(w.contact)),
      field("What they saw or heard", box(2, { "data-w": "saw" })(w.saw)),
      button("Remove this witness", () => {
        $w.remove();
        $add.focus();
        announce("Witness removed.");
        changed();
      }, "button secondary"),
    );
    $list.append($w);
    return $w;
  };
  list.forEach(add);
  const $add = button("Add a witness", () => {
    /** @type {HTMLInputElement} */ (add({ name: "", contact: "", saw: "" }).querySelector("input")).focus();
  }, "button block secondary");
  return {
    $el: [$list, $add],
    read: () => [...$list.querySelectorAll("fieldset")].map(($w) => {
      const v = (/** @type {string} */ k) => /** @type {HTMLInputElement} */ ($w.querySelector(`[data-w="${k}"]`)).value;
      return { name: v("name"), contact: v("contact"), saw: v("saw") };
    }),
  };
}

/**
 * Photos, screenshots, recordings: each stored (encrypted) as soon as it is picked, and
 * recorded with the entry when it is saved. Files added in this form can be removed again.
 * @param {{ kept: model.Evidence[], pending: Pending[], onPick: () => void, onAdded: (item: Pending) => void,
 *   onRemoved: () => void, onError: (error: unknown) => void }} options
 */
function evidencePart({ kept, pending, onPick, onAdded, onRemoved, onError }) {
  const $list = h("div", { class: "stack" });
  const $heading = h("h2", { tabindex: "-1" }, "Photos, screenshots, recordings");
  const show = () => {
    $list.replaceChildren(
      evidenceList([...kept, ...pending], (item) =>
        pending.includes(item)
          ? () => {
              pending.splice(pending.indexOf(item), 1);
              drafts.discardFiles([item]);
              show();
              $heading.focus();
              announce(`${item.name} removed.`);
              onRemoved();
            }
          : null,
      ),
    );
  };
  show();
  const $progress = h("p", { class: "hint", "aria-live": "polite" });
  /** @param {Pending} item */
  const added = (item) => {
    pending.push(item);
    show();
    onAdded(item);
    announce(`${item.name} added.`);
  };
  const pick = (/** @type {string} */ accept, /** @type {string} */ how, /** @type {string} */ label, capture = "") =>
    button(label, () => {
      onPick();
      return pickFiles({ accept, capture, how, progress: $progress, onAdded: added, onError });
    }, "button secondary");
  const recorder = recordAudioButton({ onAdded: added, onError });
  return {
    recorder,
    added,
    $el: [
      $heading,
      h("p", { class: "hint" }, FORM_HINTS.evidence),
      $list,
      h("div", { class: "row-buttons" },
        pick("image/*", "photo", "Take a photo", "environment"),
        pick("", "file", "Add screenshots or files"),
        recorder,
        pick("video/*", "video", "Record a video", "environment")),
      $progress,
    ],
  };
}

/**
 * @param {{ id?: string, draft?: string, onDone: (id: string) => void, onCancel: () => void }} options
 *   id: the incident to edit; none for a new one. draft: the unfinished entry to carry on
 *   (editing an incident carries on its newest one without being told)
 */
export function incidentForm({ id, draft: from, onDone, onCancel }) {
  const target = id || "new";
  // This form's own draft: no other tab or form writes it, and none but this one deletes it.
  const own = drafts.newId();
  /** @type {ReturnType<typeof drafts.keep> | null} */
  let keeper = null;
  /** @type {ReturnType<typeof recordAudioButton> | null} */
  let $recorder = null;
  return {
    title: id ? "Edit incident" : "Log an incident",
    leave() {
      // Leaving the form (not saving it) keeps the draft as it was last typed.
      const saving = keeper?.saveNow();
      keeper?.stop();
      // A recording under way stops (the microphone goes off) and joins the draft, once the
      // draft's last write is done (so it is added to that, not to what was there before).
      $recorder?.finish().then(async (item) => {
        await saving;
        if (item) return drafts.attach(own, target, item);
      }).catch(() => {});
    },
    /** @param {unknown} _ @param {import("../router.js").Show} show */
    async render(_, show) {
      const { incidents, people } = await model.load();
      const existing = id ? incidents.get(id) : undefined;
      if (id && (!existing || existing.withdrawn)) throw new PlainError("This entry is no longer in the diary.");
      const draft = from ? await drafts.get(from) : id ? await drafts.latestFor(id) : undefined;
      /** @type {model.IncidentFields} */
      const f = model.complete(draft?.fields || existing?.fields);
      /** @type {Pending[]} */
      const pending = [...(draft?.evidence || [])];
      const changed = () => keeper?.changed();

      const $error = errorBox();
      // Not a live region: a message on every keystroke would drown a screen reader.
      const $saved = h("p", { class: "hint draft-state" }, draft?.from === "inbox"
        ? "Filled in from your inbox: when it happened is when it was kept. Check it, add what you remember, then save."
        : draft ? "Your unfinished entry was kept. Carry on where you left off." : "");
      const plain = plainFields(f);
      const when = whenPart(f.happened);
      /** The time past the phone's clock the person was last asked about. @type {number | undefined} */
      let aheadAsked;
      // The phone's position only when the person says they are at the place now.
      const here = hereNow({ position: f.location, keptBefore: Boolean(existing?.revisions.some((r) => r.fields.location)), onChange: changed });
      const $note = plain.$("thisTime");
      const who = whoPart(f.personId, people, draft?.person, {
        details: (key) => plain.control(key),
        note: $note,
        entry: existing?.fields,
      });
      const witnesses = witnessesPart(f.witnesses, changed);
      const message = messagePart(f.online, f.behaviours);
      const files = evidencePart({
        kept: existing?.evidence || [],
        pending,
        onPick: () => ($error.textContent = ""),
        onAdded: () => keeper?.saveNow(),
        onRemoved: changed,
        onError: (e) => ($error.textContent = plainWords(e)),
      });
      $recorder = files.recorder;

      /** @returns {model.IncidentFields} */
      const read = () => {
        const fields = model.emptyIncident();
        plain.read(fields);
        // Yes or no; a question not answered stays unanswered ("").
        fields.police.reported = /** @type {"" | "yes" | "no"} */ (checked($form, "reported")[0] || "");
        return {
          ...fields,
          happened: when.read(),
          location: here.value(),
          behaviours: checked($form, "behaviour"),
          online: message.read(),
          personId: who.personId(),
          // Only about the person chosen: with nobody chosen, the details above are this entry's alone.
          thisTime: who.chosen() ? fields.thisTime : "",
          witnesses: witnesses.read(),
          feelings: checked($form, "feeling"),
        };
      };
      /** A recording under way is part of the entry. */
      const finishRecording = async () => {
        const clip = await $recorder?.finish();
        if (clip) files.added(clip);
      };

      const $form = h(
        "form",
        { class: "stack incident-form", novalidate: true, autocomplete: "off" },
        when.$el,
        plain.$("what"),
        choices("What kind of thing happened", "behaviour", model.BEHAVIOURS, f.behaviours, { hint: "Pick all that fit." }),
        message.$el,
        plain.$("where"),
        here.$el,
        files.$el,
        more("Who did it", Boolean(f.personId || draft?.person) || plain.filled(["looks", "clothing", "vehicle", "registration", "thisTime"]),
          h("p", { class: "hint" }, FORM_HINTS.who),
          who.$el,
          ["looks", "clothing", "vehicle", "registration"].map(plain.$),
          $note),
        more("Witnesses", f.witnesses.length > 0, h("p", { class: "hint" }, FORM_HINTS.witnesses), witnesses.$el),
        more("How it affected you", f.feelings.length > 0 || plain.filled(["impact"]),
          choices("How did it make you feel", "feeling", model.FEELINGS, f.feelings),
          plain.$("impact")),
        more("Police", plain.filled(["police.reported", "police.officer", "police.reference"]),
          h("p", { class: "hint" }, FORM_HINTS.police),
          choices("Did you report it to the police?", "reported", [["yes", "Yes"], ["no", "No"]], [f.police.reported], { type: "radio" }),
          ["police.date", "police.officer", "police.reference"].map(plain.$)),
        existing
          ? h("p", { class: "hint" }, `First recorded ${longDateTime(existing.recordedAt)}. Saving adds a new version; the first stays.`)
          : h("p", { class: "hint" }, "The time you save it is recorded too, and cannot be changed."),
        $error,
        $saved,
        h("div", { class: "save-bar" }, h("button", { type: "submit", class: "button block" }, id ? "Save changes" : "Save incident")),
        h("div", { class: "actions" },
          button("Back", async () => {
            // What was typed (and recorded) is kept as an unfinished entry, shown on the
            // diary's first screen.
            await finishRecording();
            await keeper?.saveNow();
            onCancel();
          }, "button block secondary"),
          button(id ? "Discard these changes" : "Discard this entry", (/** @type {Event} */ event) => {
            const question = id ? "Throw away the changes you made here? The entry stays as it was." : "Throw away what you have typed here? This cannot be undone.";
            ask(/** @type {HTMLElement} */ (event.currentTarget), { question, yes: "Yes, throw it away" }, async () => {
              try {
                const mine = keeper ? keeper.records().map((r) => r.id) : [own];
                keeper?.cancel();
                await keeper?.settled();
                await drafts.drop(...mine);
                await drafts.discardFiles(pending);
              } catch (error) {
                $error.textContent = `It could not be discarded: ${plainWords(error)}`;
                return;
              }
              keeper = null;
              show.say("Discarded.");
              onCancel();
            });
          }, "button block secondary")),
      );

      keeper = drafts.keep(
        { id: own, target, from: draft ? [draft.id] : [] },
        () => {
          const fields = read();
          const person = who.newPerson();
          const same = existing ? model.changedFields(existing.fields, fields).length === 0 : model.isEmpty(fields);
          if (same && !person && pending.length === 0) return null;
          return { fields, person, evidence: pending };
        },
        (error) => {
          if (error) $error.textContent = `What you type could not be kept as a draft: ${plainWords(error)}`;
          else $saved.textContent = "Kept on this phone as you type.";
        },
      );
      $form.addEventListener("input", changed);
      $form.addEventListener("change", (event) => {
        // Before the draft reads the form: the message's fields count only while shown.
        if (/** @type {HTMLInputElement} */ (event.target).name === "behaviour") message.show(checked($form, "behaviour"));
        changed();
      });

      $form.addEventListener("submit", async (event) => {
        event.preventDefault();
        $error.textContent = "";
        await finishRecording();
        const fields = read();
        const person = who.newPerson();
        const problem = model.problemWith(fields, { isNew: !existing, evidence: pending.length, person: Boolean(person), confirmed: aheadAsked });
        if (problem) {
          // A time past the phone's clock is asked about once; saved again unchanged, it is kept.
          aheadAsked = problem.ahead;
          $error.textContent = problem.message;
          (problem.field === "date" ? when.$date : plain.control("what")).focus();
          return;
        }
        const $submit = /** @type {HTMLButtonElement} */ ($form.querySelector("[type=submit]"));
        try {
          await busy($submit, "Saving…", async () => {
            await keeper?.saveNow(); // the draft is safe first, whatever happens next
            // No draft write may land after the save removes the draft: it would bring it back.
            const kept = keeper;
            await kept?.hold();
            // The draft goes in the same transaction as the entry is recorded: a crash leaves
            // one or the other, never the entry and a draft offering it again.
            // A person typed over here is described again in the same append as the entry.
            const extra = { person: person || undefined, describe: who.describe() || undefined, evidence: pending, replaces: kept?.records() };
            /** @type {string} */
            let savedId;
            try {
              savedId = existing ? (await model.reviseIncident(existing.id, fields, extra), existing.id) : await model.recordIncident(fields, extra);
            } catch (error) {
              kept?.resume();
              throw error;
            }
            keeper = null;
            kept?.cancel();
            show.say(existing ? "Changes saved." : "Incident saved.");
            onDone(savedId);
          });
        } catch (error) {
          $error.textContent = `It was not saved: ${plainWords(error)} Everything you typed is still here.`;
        }
      });

      return h("section", { class: "stack" }, h("h1", {}, id ? "Edit incident" : "Log an incident"), $form);
    },
  };
}
