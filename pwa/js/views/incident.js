// @ts-check
// One incident: every field, its evidence, when it was recorded, and its history. Editing
// adds a version; withdrawing removes the content but keeps its place in the record.
import { h } from "../dom.js";
import * as drafts from "../diary/drafts.js";
import * as log from "../diary/log.js";
import * as model from "../diary/model.js";
import { plainWords } from "../errors.js";
import { evidenceList } from "./evidence-ui.js";
import { dayName, happened, longDateTime } from "./format.js";
import { phoneWas } from "./place.js";
import { ask, button, errorBox, terms } from "./ui.js";

/**
 * Every field of one version of an incident, as a description list.
 * @param {model.IncidentFields} f
 * @param {Map<string, model.Person>} people
 */
export function details(f, people) {
  /** @type {[string, string | Node][]} */
  const rows = [
    ["When it happened", happened(f)],
    ["What kind", f.behaviours.map((b) => model.behaviourLabel.get(b) || b).join(", ")],
    ["What happened", f.what],
    ...messageRows(f.online),
    ["Where", f.where],
    ["Where the phone was", f.location ? phoneWas(f.location) : ""],
    ["Who", f.personId ? people.get(f.personId)?.fields.name || "Someone removed from the diary" : ""],
    ["What they looked like", f.looks],
    ["Clothing", f.clothing],
    ["Vehicle", f.vehicle],
    ["Registration", f.registration],
    ["About them this time", f.thisTime || ""],
    ["How it made you feel", f.feelings.map((x) => model.feelingLabel.get(x) || x).join(", ")],
    ["What it changed", f.impact],
    ["Reported to police", f.police.reported === "yes" ? "Yes" : f.police.reported === "no" ? "No" : ""],
    ["Date reported", f.police.date ? dayName(f.police.date) : ""],
    ["Officer", f.police.officer],
    ["Crime reference number", f.police.reference],
  ];
  const witnesses = f.witnesses.filter((w) => w.name || w.contact || w.saw);
  return h(
    "div",
    { class: "details" },
    terms("", rows),
    witnesses.length
      ? [
          h("h3", {}, witnesses.length === 1 ? "Witness" : "Witnesses"),
          witnesses.map((w) =>
            terms("witness", [
              ["Name", w.name],
              ["How to reach them", w.contact],
              ["What they saw", w.saw],
            ]),
          ),
        ]
      : null,
  );
}

/**
 * A message, call or post's details, for the page and the report; none in an entry without
 * them (or from before they were kept).
 * @param {model.Online | undefined} online
 * @returns {[string, string][]}
 */
export function messageRows(online) {
  if (!online) return [];
  const { date, time } = online.sent;
  return [
    ["App, site or service", online.platform],
    ["Sender's account, username or number", online.sender],
    ["Link", online.link],
    ["When it was sent", [date ? dayName(date) : "", time].filter(Boolean).join(", ")],
  ];
}

/**
 * @param {string} id
 * @param {{ onBack: () => void, onEdit: (id: string) => void, onOpenFile: (item: model.Evidence) => void,
 *   onPerson: (id: string) => void, onHistory: (id: string) => void }} actions
 */
export function incidentView(id, actions) {
  return {
    title: "Incident",
    async render(/** @type {unknown} */ _, /** @type {import("../router.js").Show} */ show) {
      const { incidents, people } = await model.load();
      const incident = incidents.get(id);
      if (!incident) return h("section", {}, h("h1", {}, "Not found"), h("p", {}, "This entry is not in the diary."), button("Back", actions.onBack, "button block secondary"));
      const $error = errorBox();
      if (incident.withdrawn) {
        return h(
          "section",
          { class: "stack" },
          h("h1", {}, "Withdrawn entry"),
          h("p", {}, `This entry was withdrawn ${longDateTime(incident.withdrawn.at)}. Its content is gone; its place in the record stays, so the record still checks out.`),
          h("p", { class: "hint" }, `First recorded ${longDateTime(incident.recordedAt)}.`),
          button("Back", actions.onBack, "button block secondary"),
        );
      }
      const edits = incident.revisions.length - 1;
      const person = people.get(incident.fields.personId);
      return h(
        "section",
        { class: "stack" },
        h("h1", {}, `Incident, ${happened(incident.fields)}`),
        h(
          "p",
          { class: "recorded" },
          `Recorded ${longDateTime(incident.recordedAt)}.`,
          edits ? ` Edited ${edits === 1 ? "once" : `${edits} times`}, last ${longDateTime(/** @type {model.Revision} */ (incident.revisions.at(-1)).at)}.` : "",
        ),
        details(incident.fields, people),
        person && !person.withdrawn ? button(`About ${person.fields.name || "this person"}`, () => actions.onPerson(person.id), "button block secondary") : null,
        h("h2", {}, "Evidence"),
        evidenceList(incident.evidence, () => null, actions.onOpenFile),
        $error,
        h(
          "div",
          { class: "actions" },
          button("Edit", () => actions.onEdit(id), "button block"),
          edits ? button("See earlier versions", () => actions.onHistory(id), "button block secondary") : null,
          button("Back", actions.onBack, "button block secondary"),
        ),
        h("div", { class: "danger-zone" },
          h("p", { class: "hint" }, "Entered by mistake? Its words and files can be removed. A note that an entry was here stays, so the record still checks out."),
          button("Remove its words and files", (/** @type {Event} */ event) => {
            const question = "Remove this entry's words and files for good? This cannot be undone. The diary keeps only a note that an entry was here, when it was recorded and when it was removed; a report shows it as a withdrawn entry.";
            ask(/** @type {HTMLElement} */ (event.currentTarget), { question, yes: "Yes, remove them" }, async () => {
              try {
                const emptied = await log.withdraw(id);
                // The files named by the events just emptied (evidence added in another window too).
                const files = emptied.filter((e) => e.type === "evidence.added" && e.payload).map((e) => JSON.parse(/** @type {string} */ (e.payload)));
                await drafts.discardFiles(files);
                await drafts.dropFor(id); // unfinished edits of it go too
                show.say("Words and files removed.");
                actions.onBack();
              } catch (error) {
                $error.textContent = plainWords(error);
              }
            });
          }, "button block danger")),
      );
    },
  };
}

/**
 * Every version of an incident, first recorded first, with what changed and when.
 * @param {string} id
 * @param {{ onBack: () => void }} actions
 */
export function historyView(id, actions) {
  return {
    title: "Earlier versions",
    async render() {
      const { incidents, people } = await model.load();
      const incident = incidents.get(id);
      const revisions = incident?.revisions || [];
      return h(
        "section",
        { class: "stack" },
        h("h1", {}, "Earlier versions"),
        h("p", {}, "Every version is kept, with the time it was saved. The first is what you recorded at the time."),
        h(
          "ol",
          { class: "versions" },
          revisions.map((r, i) =>
            h(
              "li",
              {},
              h(
                "details",
                { class: "more", open: i === 0 },
                h("summary", {}, i === 0 ? `First recorded ${longDateTime(r.at)}` : `Version ${i + 1}, saved ${longDateTime(r.at)}`),
                h("div", { class: "more-body" }, i > 0 ? h("p", { class: "hint" }, `Changed: ${r.changed.join(", ") || "nothing but evidence"}.`) : null, details(r.fields, people)),
              ),
            ),
          ),
        ),
        button("Back", actions.onBack, "button block secondary"),
      );
    },
  };
}
