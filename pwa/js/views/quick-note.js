// @ts-check
// A quick note: what happened in one box, when (now, unless changed), and if there is time a
// kind and a file or two; saved from the diary's home in two taps and the typing. It is an
// ordinary incident: the full form adds the rest later, as a new version. What is typed is
// kept as an encrypted draft as it is typed, as in the full form (`diary/drafts.js`), so a
// quick exit or a lock mid-note keeps the words.
import { plainWords } from "../errors.js";
import { announce, h } from "../dom.js";
import * as drafts from "../diary/drafts.js";
import * as model from "../diary/model.js";
import { FORM_HINTS } from "../help/guides.js";
import { evidenceList, pickFiles } from "./evidence-ui.js";
import { busy, button, checked, choices, errorBox, field } from "./ui.js";

/** @typedef {Omit<model.Evidence, "at" | "seq">} Pending */

/**
 * @param {{ onDone: () => void, onCancel: () => void, onFull: (draft: string) => void }} actions
 *   onDone: saved; onCancel: left, the note kept as an unfinished entry; onFull: carry on
 *   in the full form with this draft
 */
export function quickNote({ onDone, onCancel, onFull }) {
  // This note's own draft, as each full form has its own.
  const own = drafts.newId();
  /** @type {ReturnType<typeof drafts.keep> | null} */
  let keeper = null;
  /** No more draft writes from this screen: the last one done first. */
  const letGo = async () => {
    const kept = keeper;
    keeper = null;
    await kept?.saveNow();
    kept?.cancel();
    await kept?.settled();
  };
  return {
    title: "Quick note",
    leave() {
      // Leaving without saving keeps the note as it was last typed.
      keeper?.saveNow();
      keeper?.stop();
    },
    /** @param {unknown} _ @param {import("../router.js").Show} show */
    render(_, show) {
      const f = model.emptyIncident(); // now
      /** @type {Pending[]} */
      const pending = [];
      const changed = () => keeper?.changed();
      const $error = errorBox();
      const $saved = h("p", { class: "hint draft-state" });
      const $what = h("textarea", { rows: 5, spellcheck: "true", autocapitalize: "sentences" });
      const $date = h("input", { type: "date", value: f.happened.date, required: true });
      const $time = h("input", { type: "time", value: f.happened.time });
      /** The time past the phone's clock the person was last asked about. @type {number | undefined} */
      let aheadAsked;

      const $files = h("div", { class: "stack" });
      const $progress = h("p", { class: "hint", "aria-live": "polite" });
      const showFiles = () =>
        $files.replaceChildren(
          evidenceList(pending, (item) => () => {
            pending.splice(pending.indexOf(item), 1);
            drafts.discardFiles([item]);
            showFiles();
            $add.focus();
            announce(`${item.name} removed.`);
            changed();
          }),
        );
      const $add = button("Add a photo, screenshot or file", () => {
        $error.textContent = "";
        return pickFiles({
          accept: "",
          how: "file",
          progress: $progress,
          onAdded: (/** @type {Pending} */ item) => {
            pending.push(item);
            showFiles();
            keeper?.saveNow();
            announce(`${item.name} added.`);
          },
          onError: (error) => ($error.textContent = plainWords(error)),
        });
      }, "button block secondary");
      showFiles();

      /** @returns {model.IncidentFields} */
      const read = () => ({
        ...f,
        happened: { ...f.happened, date: $date.value, time: $time.value },
        what: $what.value,
        behaviours: checked($form, "behaviour"),
      });

      const $form = h(
        "form",
        { class: "stack quick-note", novalidate: true, autocomplete: "off" },
        field("What happened", $what, "A few words now; you can add the rest later."),
        h("fieldset", { class: "when" }, h("legend", {}, "When it happened (now, unless you change it)"),
          h("div", { class: "pair" }, field("Date", $date), field("Time", $time))),
        choices("What kind of thing happened (if you like)", "behaviour", model.BEHAVIOURS, []),
        h("h2", {}, "Photos, screenshots, files"),
        h("p", { class: "hint" }, FORM_HINTS.evidence),
        $files,
        $add,
        $progress,
        $error,
        $saved,
        h("div", { class: "save-bar" }, h("button", { type: "submit", class: "button block" }, "Save note")),
        h("div", { class: "actions" },
          button("Add more details in the full form", async () => {
            try {
              await letGo();
            } catch (error) {
              $error.textContent = `It could not be carried over: ${plainWords(error)}`;
              return;
            }
            onFull(own);
          }, "button block secondary"),
          button("Back", async () => {
            // What was typed is kept as an unfinished entry, shown on the diary's first screen.
            await keeper?.saveNow();
            onCancel();
          }, "button block secondary")),
      );

      keeper = drafts.keep(
        { id: own, target: "new" },
        () => {
          const fields = read();
          return model.isEmpty(fields, pending.length) ? null : { fields, person: null, evidence: pending };
        },
        (error) => {
          if (error) $error.textContent = `What you type could not be kept as a draft: ${plainWords(error)}`;
          else $saved.textContent = "Kept on this phone as you type.";
        },
      );
      $form.addEventListener("input", changed);
      $form.addEventListener("change", changed);

      $form.addEventListener("submit", async (event) => {
        event.preventDefault();
        $error.textContent = "";
        const fields = read();
        const problem = model.problemWith(fields, { isNew: true, evidence: pending.length, person: false, confirmed: aheadAsked });
        if (problem) {
          // A time past the phone's clock is asked about once; saved again unchanged, it is kept.
          aheadAsked = problem.ahead;
          $error.textContent = problem.message;
          (problem.field === "date" ? $date : $what).focus();
          return;
        }
        const $submit = /** @type {HTMLButtonElement} */ ($form.querySelector("[type=submit]"));
        try {
          await busy($submit, "Saving…", async () => {
            await keeper?.saveNow(); // the words are safe first, whatever happens next
            // No draft write may land after the save removes the draft: it would bring it back.
            const kept = keeper;
            await kept?.hold();
            try {
              // The draft goes in the same transaction as the note is recorded.
              await model.recordIncident(fields, { evidence: pending, replaces: kept?.records() });
            } catch (error) {
              kept?.resume();
              throw error;
            }
            keeper = null;
            kept?.cancel();
            show.say("Quick note saved. Open it from the list to add more.");
            onDone();
          });
        } catch (error) {
          $error.textContent = `It was not saved: ${plainWords(error)} Everything you typed is still here.`;
        }
      });

      // Straight to the words, once the screen is up (the router has focused the heading):
      // typing needs no tap on the box.
      setTimeout(() => {
        if ($what.isConnected) $what.focus();
      });
      return h("section", { class: "stack" }, h("h1", {}, "Quick note"), $form);
    },
  };
}
