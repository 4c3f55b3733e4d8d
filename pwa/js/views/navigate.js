// @ts-check
// The diary's screens and the ways between them. The address never changes: every screen
// is shown in place, so nothing reaches the address bar or history. Each way goes through
// the Show it is handed, which dies when the app is concealed: a save that finishes after
// a quick exit never brings a screen back.
import { backupView } from "./backup.js";
import { checklistView } from "./checklist.js";
import { evidenceView } from "./evidence-view.js";
import { helpView } from "./help.js";
import { chooseIncident, inboxView } from "./inbox.js";
import { incidentForm } from "./incident-form.js";
import { historyView, incidentView } from "./incident.js";
import { quickNote } from "./quick-note.js";
import { peopleList, personForm, personView } from "./people.js";
import { reportChooser, reportView } from "./report.js";
import { settings } from "./settings.js";
import { summaryView } from "./summary.js";
import { timeline } from "./timeline.js";
import * as filing from "../diary/filing.js";
import * as keys from "../vault/keys.js";

/** @typedef {import("../diary/model.js").Evidence} Evidence */

/**
 * The diary's ways between screens, for one reveal.
 * @param {import("../router.js").Show} shown the Show of the reveal the diary was opened in
 */
export function navigation(shown) {
  /**
   * Show a diary screen, only while the vault is open (and the reveal is live).
   * @param {import("../router.js").View} view
   */
  const show = (view) => (keys.isUnlocked() ? shown(view) : Promise.resolve());

  const go = {
    /** @returns {Promise<void>} */
    home() {
      return show(
        timeline({
          onLog: (id, draft) => go.log(id, draft),
          onQuickNote: () => go.quickNote(),
          onOpen: (id) => go.incident(id),
          onSummary: () => go.summary(),
          onPeople: () => go.people(),
          onSettings: () => go.settings(),
          onHelp: () => go.help(),
          onChecklist: () => go.checklist(),
          onInbox: () => go.inbox(),
          onLock: () => keys.lock(),
          onBackup: () => go.backup(),
        }),
      );
    },
    /**
     * @param {string} [id] edit this incident; a new one when absent
     * @param {string} [draft] carry on this unfinished entry
     * @returns {Promise<void>}
     */
    log(id, draft) {
      return show(
        incidentForm({
          id,
          draft,
          onDone: (saved) => go.incident(saved),
          onCancel: () => (id ? go.incident(id) : go.home()),
        }),
      );
    },
    /** @returns {Promise<void>} */
    quickNote() {
      return show(quickNote({ onDone: () => go.home(), onCancel: () => go.home(), onFull: (draft) => go.log(undefined, draft) }));
    },
    /** @returns {Promise<void>} */
    inbox() {
      return show(
        inboxView({
          onBack: () => go.home(),
          onNew: async (capture) => go.fromInbox(await filing.draftFor(capture)),
          onAddTo: (capture) => show(chooseIncident(capture, { onBack: () => go.inbox(), onDone: (id) => go.incident(id) })),
        }),
      );
    },
    /**
     * The incident form, carrying on an entry made from a capture; once saved, the capture
     * leaves the inbox (diary/filing.js).
     * @param {string} draft
     * @returns {Promise<void>}
     */
    fromInbox(draft) {
      return show(
        incidentForm({
          draft,
          onDone: async (saved) => {
            await filing.settle().catch(() => {}); // if not now, the next look at the inbox does it
            return go.incident(saved);
          },
          onCancel: () => go.inbox(),
        }),
      );
    },
    /** @param {string} id @returns {Promise<void>} */
    incident(id) {
      return show(
        incidentView(id, {
          onBack: () => go.home(),
          onEdit: (i) => go.log(i),
          onHistory: (i) => show(historyView(i, { onBack: () => go.incident(i) })),
          onPerson: (p) => go.person(p),
          onOpenFile: (item) => go.file(item, () => go.incident(id)),
        }),
      );
    },
    /** @param {Evidence} item @param {() => void} back @returns {Promise<void>} */
    file(item, back) {
      return show(evidenceView(item, { onBack: back }));
    },
    /** @returns {Promise<void>} */
    people() {
      return show(peopleList({ onBack: () => go.home(), onOpen: (id) => go.person(id), onAdd: () => go.editPerson("") }));
    },
    /** @param {string} id @returns {Promise<void>} */
    person(id) {
      return show(
        personView(id, {
          onBack: () => go.people(),
          onEdit: (p) => go.editPerson(p),
          onIncident: (i) => go.incident(i),
          onOpenFile: (item) => go.file(item, () => go.person(id)),
        }),
      );
    },
    /** @param {string} id empty for a new person @returns {Promise<void>} */
    editPerson(id) {
      return show(personForm(id, { onDone: (p) => go.person(p), onCancel: () => (id ? go.person(id) : go.people()) }));
    },
    /** @returns {Promise<void>} */
    summary() {
      return show(summaryView({ onBack: () => go.home(), onReport: () => go.report() }));
    },
    /** @returns {Promise<void>} */
    report() {
      return show(reportChooser({ onBack: () => go.summary(), onReport: (range, cover) => show(reportView(range, { onBack: () => go.report() }, cover)) }));
    },
    /** @param {string} [guide] open this guide @returns {Promise<void>} */
    help(guide) {
      return show(helpView({ onBack: () => go.home(), onChecklist: () => go.checklist(), guide }));
    },
    /** @returns {Promise<void>} */
    checklist() {
      return show(checklistView({ onBack: () => go.home(), onHelp: () => go.help() }));
    },
    /** The backup file, asked for from the diary's home. @returns {Promise<void>} */
    backup() {
      return show(backupView(() => go.home()));
    },
    /** @returns {Promise<void>} */
    settings() {
      return show(settings({ onBack: () => go.home() }));
    },
  };
  return go;
}
