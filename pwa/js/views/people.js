// @ts-check
// People: a profile for each person involved, and the incidents they were part of.
import { h } from "../dom.js";
import * as model from "../diary/model.js";
import { plainWords } from "../errors.js";
import { evidenceList, pickFiles } from "./evidence-ui.js";
import { firstWords, happened, longDateTime } from "./format.js";
import { busy, button, errorBox, field, terms } from "./ui.js";

const PERSON_FIELDS = /** @type {const} */ ([
  ["name", "Name, or what you call them", "input", ""],
  ["description", "What they look like", "textarea", "Height, build, hair, anything that stands out."],
  ["clothing", "What they usually wear", "textarea", ""],
  ["vehicles", "Vehicles they use", "textarea", "Make, model and colour."],
  ["registration", "Registration numbers", "input", ""],
  ["places", "Places they go", "textarea", "Where they live or work, places they hang around."],
  ["contacts", "Phone numbers and accounts they use", "textarea", "Numbers, email addresses, social media names."],
]);

/**
 * @param {{ onBack: () => void, onOpen: (id: string) => void, onAdd: () => void }} actions
 */
export function peopleList(actions) {
  return {
    title: "People",
    async render() {
      const { incidents, people } = await model.load();
      const counts = new Map();
      for (const i of incidents.values()) if (!i.withdrawn && i.fields.personId) counts.set(i.fields.personId, (counts.get(i.fields.personId) || 0) + 1);
      const live = [...people.values()].filter((p) => !p.withdrawn);
      return h(
        "section",
        { class: "stack" },
        h("h1", {}, "People"),
        h("p", { class: "hint" }, "The people involved in what you record. Each one's page lists their incidents."),
        live.length
          ? h(
              "ul",
              { class: "list" },
              live.map((p) => {
                const n = counts.get(p.id) || 0;
                return h(
                  "li",
                  {},
                  h(
                    "button",
                    { type: "button", class: "incident-row", onclick: () => actions.onOpen(p.id) },
                    h("span", { class: "incident-date" }, p.fields.name || "Unnamed"),
                    h("span", { class: "hint" }, `${model.relationshipLabel.get(p.fields.relationship) || "Not said"} · ${n} ${n === 1 ? "incident" : "incidents"}`),
                  ),
                );
              }),
            )
          : h("p", {}, "Nobody added yet."),
        button("Add a person", actions.onAdd, "button block"),
        button("Back", actions.onBack, "button block secondary"),
      );
    },
  };
}

/**
 * @param {string} id
 * @param {{ onBack: () => void, onEdit: (id: string) => void, onIncident: (id: string) => void,
 *   onOpenFile: (item: model.Evidence) => void }} actions
 */
export function personView(id, actions) {
  return {
    title: "Person",
    async render() {
      const { incidents, people } = await model.load();
      const person = people.get(id);
      if (!person || person.withdrawn) return h("section", {}, h("h1", {}, "Not found"), button("Back", actions.onBack, "button block secondary"));
      const theirs = model.select(incidents, { personId: id });
      const f = person.fields;
      return h(
        "section",
        { class: "stack" },
        h("h1", {}, f.name || "Unnamed"),
        terms("details", [
          ["Who they are to you", model.relationshipLabel.get(f.relationship) || "Not said"],
          ...PERSON_FIELDS.slice(1).map(([k, label]) => /** @type {[string, string]} */ ([label, f[k] || ""])),
        ]),
        h(
          "p",
          { class: "hint" },
          `Added ${longDateTime(person.recordedAt)}.`,
          // Each change, here or from an incident, is a new description; the earlier ones stay.
          person.revisions.length > 1 ? ` Last changed ${longDateTime(/** @type {{ at: number }} */ (person.revisions.at(-1)).at)}.` : "",
        ),
        person.photos.length ? [h("h2", {}, "Photos"), evidenceList(person.photos, () => null, actions.onOpenFile)] : null,
        h("h2", {}, `Incidents (${theirs.length})`),
        theirs.length
          ? h(
              "ul",
              { class: "list" },
              theirs.map((i) =>
                h(
                  "li",
                  {},
                  h(
                    "button",
                    { type: "button", class: "incident-row", onclick: () => actions.onIncident(i.id) },
                    h("span", { class: "incident-date" }, happened(i.fields)),
                    h("span", { class: "incident-words" }, firstWords(i.fields.what)),
                  ),
                ),
              ),
            )
          : h("p", {}, "No incidents linked yet."),
        button("Edit", () => actions.onEdit(id), "button block"),
        button("Back", actions.onBack, "button block secondary"),
      );
    },
  };
}

/**
 * Add or edit a person.
 * @param {string} id  empty for a new person
 * @param {{ onDone: (id: string) => void, onCancel: () => void }} actions
 */
export function personForm(id, actions) {
  return {
    title: id ? "Edit person" : "Add a person",
    async render(/** @type {unknown} */ _, /** @type {import("../router.js").Show} */ show) {
      const { people } = await model.load();
      const f = people.get(id)?.fields || {};
      /** @type {any[]} */
      const photos = [];
      const $error = errorBox();
      const $progress = h("p", { class: "hint", "aria-live": "polite" });
      /** @type {Record<string, HTMLInputElement | HTMLTextAreaElement>} */
      const controls = {};
      const $photos = h("div");
      const showPhotos = () => $photos.replaceChildren(photos.length ? evidenceList(photos) : "");
      const $relationship = h(
        "select",
        {},
        model.RELATIONSHIPS.map(([v, label]) => h("option", { value: v, selected: v === (f.relationship || "unknown") }, label)),
      );
      const $form = h(
        "form",
        { class: "stack", novalidate: true },
        PERSON_FIELDS.map(([key, label, tag, hint]) => {
          const control = tag === "input" ? h("input", { type: "text", autocomplete: "off" }) : h("textarea", { rows: 2 });
          control.value = f[key] || "";
          controls[key] = control;
          return key === "name" ? [field(label, control, hint || undefined), field("Who they are to you", $relationship)] : field(label, control, hint || undefined);
        }),
        $photos,
        button("Add a photo of them", () => pickFiles({
          accept: "image/*",
          how: "photo",
          progress: $progress,
          onAdded: (item) => {
            photos.push(item);
            showPhotos();
          },
          onError: (e) => ($error.textContent = plainWords(e)),
        }), "button block secondary"),
        $progress,
        $error,
        h("button", { type: "submit", class: "button block" }, "Save"),
        button("Cancel", actions.onCancel, "button block secondary"),
      );
      $form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const fields = Object.fromEntries(Object.entries(controls).map(([k, c]) => [k, c.value.trim()]));
        fields.relationship = $relationship.value;
        if (!fields.name) {
          $error.textContent = "Give them a name, or what you call them (for example \"the man in the blue car\").";
          controls.name.focus();
          return;
        }
        const $submit = /** @type {HTMLButtonElement} */ ($form.querySelector("[type=submit]"));
        try {
          const saved = await busy($submit, "Saving…", () => model.describePerson(id, fields, photos));
          show.say("Saved.");
          actions.onDone(saved);
        } catch (error) {
          $error.textContent = `It was not saved: ${plainWords(error)}`;
        }
      });
      return h("section", { class: "stack" }, h("h1", {}, id ? "Edit person" : "Add a person"), $form);
    },
  };
}
