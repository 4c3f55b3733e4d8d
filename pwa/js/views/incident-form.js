// @ts-check
// Log an incident (or edit one): the important fields first, the rest a tap away. What is
// typed is kept as an encrypted draft as it is typed; a failed save keeps everything.
import { PlainError, plainWords } from "../errors.js";
import { announce, h } from "../dom.js";
import * as drafts from "../diary/drafts.js";
import * as model from "../diary/model.js";
import { evidenceList, pickFiles } from "./evidence-ui.js";
import { longDateTime } from "./format.js";
import { hereNow } from "./place.js";
import { recordAudioButton } from "./recording-ui.js";
import { FORM_HINTS } from "../help/guides.js";
import { ask, busy, button, checked, choices, errorBox, field, more } from "./ui.js";

/**
 * @param {{ id?: string, onDone: (id: string) => void, onCancel: () => void }} options
 *   id: the incident to edit; none for a new one
 */
export function incidentForm({ id, onDone, onCancel }) {
  const target = id || "new";
  /** @type {ReturnType<typeof drafts.keep> | null} */
  let keeper = null;
  /** @type {ReturnType<typeof recordAudioButton> | null} */
  let $recorder = null;
  return {
    title: id ? "Edit incident" : "Log an incident",
    leave() {
      // Leaving the form (not saving it) keeps the draft as it was last typed.
      keeper?.saveNow();
      keeper?.stop();
      // A recording under way stops (the microphone goes off) and joins the draft.
      $recorder?.finish().then((item) => {
        if (item) return drafts.attach(target, item);
      }).catch(() => {});
    },
    /** @param {unknown} _ @param {import("../router.js").Show} show */
    async render(_, show) {
      const { incidents, people } = await model.load();
      const existing = id ? incidents.get(id) : undefined;
      if (id && (!existing || existing.withdrawn)) throw new PlainError("This entry is no longer in the diary.");
      const draft = await drafts.get(target);
      /** @type {model.IncidentFields} */
      const f = draft?.fields || existing?.fields || model.emptyIncident();
      /** @type {Omit<model.Evidence, "at" | "seq">[]} */
      const pending = [...(draft?.evidence || [])];

      const $error = errorBox();
      // Not a live region: a message on every keystroke would drown a screen reader.
      const $saved = h("p", { class: "hint draft-state" }, draft ? "Your unfinished entry was kept. Carry on where you left off." : "");
      const input = (/** @type {string} */ value, /** @type {Record<string, any>} */ attrs = {}) => h("input", { type: "text", value, ...attrs });
      const area = (/** @type {string} */ value, /** @type {Record<string, any>} */ attrs = {}) => {
        const el = h("textarea", attrs);
        el.value = value;
        return el;
      };

      // When
      const $date = input(f.happened.date, { type: "date", required: true });
      const $time = input(f.happened.time, { type: "time" });
      const $about = h("input", { type: "checkbox", checked: f.happened.about });
      const $end = input(f.happened.endTime, { type: "time" });
      // What, where
      const $what = area(f.what, { rows: 6, spellcheck: "true", autocapitalize: "sentences" });
      const $where = input(f.where, { autocapitalize: "sentences" });
      // The phone's position only when the person says they are at the place now.
      const here = hereNow({
        position: f.location,
        keptBefore: Boolean(existing?.revisions.some((r) => r.fields.location)),
        onChange: () => changed(),
      });
      // Who
      const $person = h(
        "select",
        {},
        h("option", { value: "" }, "Someone I don't know, or not sure"),
        [...people.values()]
          .filter((p) => !p.withdrawn)
          .map((p) => h("option", { value: p.id, selected: p.id === f.personId }, p.fields.name || "Unnamed")),
        h("option", { value: "+", selected: Boolean(draft?.person) }, "Add someone new…"),
      );
      const $newName = input(draft?.person?.name || "", { autocomplete: "off" });
      const $newRelationship = h(
        "select",
        {},
        model.RELATIONSHIPS.map(([v, label]) => h("option", { value: v, selected: v === (draft?.person?.relationship || "unknown") }, label)),
      );
      const $newPerson = h("div", { class: "stack nested" }, field("Their name, or what you call them", $newName), field("Who they are to you", $newRelationship));
      const showNewPerson = () => {
        $newPerson.hidden = $person.value !== "+";
      };
      $person.addEventListener("change", showNewPerson);
      showNewPerson();
      const $looks = area(f.looks, { rows: 2 });
      const $clothing = input(f.clothing);
      const $vehicle = input(f.vehicle);
      const $registration = input(f.registration, { autocapitalize: "characters", autocomplete: "off" });
      // Witnesses
      const $witnesses = h("div", { class: "stack" });
      const addWitness = (/** @type {{name: string, contact: string, saw: string}} */ w) => {
        const $w = h(
          "fieldset",
          { class: "witness" },
          h("legend", {}, "Witness"),
          field("Name", input(w.name, { "data-w": "name" })),
          field("How to reach them", input(w.contact, { "data-w": "contact" })),
          field("What they saw or heard", area(w.saw, { rows: 2, "data-w": "saw" })),
          button("Remove this witness", () => {
            $w.remove();
            $addWitness.focus();
            announce("Witness removed.");
            changed();
          }, "button secondary"),
        );
        $witnesses.append($w);
        return $w;
      };
      f.witnesses.forEach(addWitness);
      const $addWitness = button("Add a witness", () => {
        const $w = addWitness({ name: "", contact: "", saw: "" });
        /** @type {HTMLInputElement} */ ($w.querySelector("input")).focus();
      }, "button block secondary");
      // How it affected you
      const $impact = area(f.impact, { rows: 3 });
      // Police
      const $reported = h(
        "select",
        {},
        [["", "Not yet said"], ["no", "No"], ["yes", "Yes"]].map(([v, label]) => h("option", { value: v, selected: v === f.police.reported }, label)),
      );
      const $policeDate = input(f.police.date, { type: "date" });
      const $officer = input(f.police.officer);
      const $reference = input(f.police.reference, { autocomplete: "off", autocapitalize: "characters" });

      /** @returns {model.IncidentFields} */
      const read = () => ({
        happened: { date: $date.value, time: $time.value, about: $about.checked, endTime: $end.value },
        where: $where.value,
        location: here.value(),
        behaviours: checked($form, "behaviour"),
        what: $what.value,
        personId: $person.value === "+" ? "" : $person.value,
        looks: $looks.value,
        clothing: $clothing.value,
        vehicle: $vehicle.value,
        registration: $registration.value,
        witnesses: [...$witnesses.querySelectorAll("fieldset")].map(($w) => {
          const v = (/** @type {string} */ k) => /** @type {HTMLInputElement} */ ($w.querySelector(`[data-w="${k}"]`)).value;
          return { name: v("name"), contact: v("contact"), saw: v("saw") };
        }),
        feelings: checked($form, "feeling"),
        impact: $impact.value,
        police: { reported: /** @type {any} */ ($reported.value), date: $policeDate.value, officer: $officer.value, reference: $reference.value },
      });
      const newPerson = () => ($person.value === "+" && $newName.value.trim() ? { name: $newName.value.trim(), relationship: $newRelationship.value } : null);

      // Evidence: stored (encrypted) as soon as it is picked; recorded with the entry.
      const $evidence = h("div", { class: "stack" });
      const $evidenceHeading = h("h2", { tabindex: "-1" }, "Photos, screenshots, recordings");
      const showEvidence = () => {
        $evidence.replaceChildren(
          evidenceList([...(existing?.evidence || []), ...pending], (item) =>
            pending.includes(item)
              ? () => {
                  pending.splice(pending.indexOf(item), 1);
                  drafts.discardFiles([item]);
                  showEvidence();
                  $evidenceHeading.focus();
                  announce(`${item.name} removed.`);
                  changed();
                }
              : null,
          ),
        );
      };
      showEvidence();
      const $progress = h("p", { class: "hint", "aria-live": "polite" });
      /** @param {Omit<model.Evidence, "at" | "seq">} item */
      const added = (item) => {
        pending.push(item);
        showEvidence();
        keeper?.saveNow();
        announce(`${item.name} added.`);
      };
      const pick = (/** @type {string} */ accept, /** @type {string} */ how, /** @type {string} */ label, capture = "") =>
        button(label, async () => {
          $error.textContent = "";
          await pickFiles({ accept, capture, how, progress: $progress, onAdded: added, onError: (e) => ($error.textContent = plainWords(e)) });
        }, "button secondary");

      const $form = h(
        "form",
        { class: "stack incident-form", novalidate: true, autocomplete: "off" },
        h("fieldset", { class: "when" }, h("legend", {}, "When it happened"),
          h("div", { class: "pair" }, field("Date", $date), field("Time", $time)),
          h("label", { class: "check" }, $about, h("span", {}, "The time is approximate")),
          field("Until (if it went on)", $end)),
        field("What happened", $what, FORM_HINTS.what),
        choices("What kind of thing happened", "behaviour", model.BEHAVIOURS, f.behaviours, { hint: "Pick all that fit." }),
        field("Where it happened", $where, "Write the place: a street, a shop, a bus stop, a room."),
        here.$el,
        $evidenceHeading,
        h("p", { class: "hint" }, FORM_HINTS.evidence),
        $evidence,
        h("div", { class: "row-buttons" },
          pick("image/*", "photo", "Take a photo", "environment"),
          pick("", "file", "Add screenshots or files"),
          ($recorder = recordAudioButton({ onAdded: added, onError: (e) => ($error.textContent = plainWords(e)) })),
          pick("video/*", "video", "Record a video", "environment")),
        $progress,
        more("Who did it", Boolean(f.personId || f.looks || f.clothing || f.vehicle || f.registration || draft?.person),
          h("p", { class: "hint" }, FORM_HINTS.who),
          field("Who was it", $person), $newPerson,
          field("What they looked like", $looks), field("Clothing", $clothing),
          field("Vehicle (make, model, colour)", $vehicle), field("Registration", $registration)),
        more("Witnesses", f.witnesses.length > 0, h("p", { class: "hint" }, FORM_HINTS.witnesses), $witnesses, $addWitness),
        more("How it affected you", Boolean(f.feelings.length || f.impact),
          choices("How did it make you feel", "feeling", model.FEELINGS, f.feelings),
          field("What it changed in your life", $impact, FORM_HINTS.impact)),
        more("Police", Boolean(f.police.reported || f.police.officer || f.police.reference),
          h("p", { class: "hint" }, FORM_HINTS.police),
          field("Did you report it to the police?", $reported), field("Date reported", $policeDate),
          field("Officer's name", $officer), field("Crime reference number", $reference)),
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
            const clip = await $recorder?.finish();
            if (clip) added(clip);
            await keeper?.saveNow();
            onCancel();
          }, "button block secondary"),
          button(id ? "Discard these changes" : "Discard this entry", (/** @type {Event} */ event) => {
            const question = id ? "Throw away the changes you made here? The entry stays as it was." : "Throw away what you have typed here? This cannot be undone.";
            const $button = /** @type {HTMLElement} */ (event.currentTarget);
            ask($button, { question, yes: "Yes, throw it away" }, async () => {
              try {
                keeper?.cancel();
                await keeper?.settled();
                await drafts.drop(target);
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
        target,
        () => {
          const fields = read();
          const person = newPerson();
          const same = existing ? model.changedFields(existing.fields, fields).length === 0 : model.isEmpty(fields);
          if (same && !person && pending.length === 0) return null;
          return { fields, person, evidence: pending };
        },
        (error) => {
          if (error) $error.textContent = `What you type could not be kept as a draft: ${plainWords(error)}`;
          else $saved.textContent = "Kept on this phone as you type.";
        },
      );
      const changed = () => keeper?.changed();
      $form.addEventListener("input", changed);
      $form.addEventListener("change", changed);

      $form.addEventListener("submit", async (event) => {
        event.preventDefault();
        $error.textContent = "";
        const clip = await $recorder?.finish(); // a recording under way is part of the entry
        if (clip) added(clip);
        const fields = read();
        const person = newPerson();
        if (!existing && model.isEmpty(fields, pending.length) && !person) {
          $error.textContent = "There is nothing to save yet. Write what happened, or pick what kind of thing it was.";
          $what.focus();
          return;
        }
        if (!fields.happened.date) {
          $error.textContent = "Say on what day it happened (roughly is fine: tick \"approximate\").";
          $date.focus();
          return;
        }
        if (model.happenedAt(fields) > Date.now() + 5 * 60_000) {
          $error.textContent = "That date and time is in the future. Check when it happened.";
          $date.focus();
          return;
        }
        const $submit = /** @type {HTMLButtonElement} */ ($form.querySelector("[type=submit]"));
        try {
          await busy($submit, "Saving…", async () => {
            await keeper?.saveNow(); // the draft is safe first, whatever happens next
            const extra = { person: person || undefined, evidence: pending };
            const savedId = existing ? (await model.reviseIncident(existing.id, fields, extra), existing.id) : await model.recordIncident(fields, extra);
            // No draft write may land after the draft is removed: it would bring it back.
            const kept = keeper;
            keeper = null;
            kept?.cancel();
            await kept?.settled();
            await drafts.done(target);
            show.say(existing ? "Changes saved." : "Incident saved.");
            onDone(savedId);
          });
        } catch (error) {
          $error.textContent = `It was not saved: ${plainWords(error)} Everything you typed is still here.`;
        }
      });

      return h(
        "section",
        { class: "stack" },
        h("h1", {}, id ? "Edit incident" : "Log an incident"),
        $form,
      );
    },
  };
}
