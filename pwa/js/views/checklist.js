// @ts-check
// The risk checklist: eleven questions police ask, answered yes / no / don't know with a
// note, kept in the diary with the day they were answered. Earlier answers stay, and show.
import { h } from "../dom.js";
import * as checklist from "../diary/checklist.js";
import * as drafts from "../diary/drafts.js";
import { plainWords } from "../errors.js";
import { isUnlocked } from "../vault/keys.js";
import { longDateTime } from "./format.js";
import { helpNow } from "./help.js";
import { busy, button, choices, errorBox, field, terms } from "./ui.js";

// The draft's record id is stored in clear, so it says nothing of what the form is. One for
// the checklist, whichever tab it is open in.
const DRAFT = "draft-q";

/** @param {{ onBack: () => void, onHelp: () => void }} actions */
export function checklistView(actions) {
  /** @type {ReturnType<typeof drafts.keep> | null} */
  let keeper = null;
  const view = {
    title: "Risk checklist",
    leave() {
      keeper?.stop();
      keeper = null;
    },
    /** @param {unknown} _ @param {import("../router.js").Show} show */
    async render(_, show) {
      const [past, draft] = await Promise.all([checklist.history(), drafts.get(DRAFT)]);
      const start = /** @type {checklist.Answer[]} */ (/** @type {any} */ (draft)?.answers || checklist.blank());
      const $error = errorBox();
      const $form = h(
        "form",
        { class: "stack", novalidate: true, autocomplete: "off" },
        checklist.QUESTIONS.map((q, i) =>
          h(
            "div",
            { class: "question" },
            choices(`${i + 1}. ${q}`, `q${i}`, checklist.ANSWERS, [start[i].answer], { type: "radio" }),
            field(`A note on question ${i + 1} (if you want)`, h("textarea", { name: `note${i}`, rows: 2, class: "short" }, start[i].note)),
          ),
        ),
        $error,
        h("div", { class: "save-bar" }, h("button", { type: "submit", class: "button block" }, "Save my answers")),
      );
      const read = () =>
        checklist.QUESTIONS.map((_, i) => ({
          answer: /** @type {checklist.Answer["answer"]} */ (/** @type {HTMLInputElement | null} */ ($form.querySelector(`input[name="q${i}"]:checked`))?.value || ""),
          note: /** @type {HTMLTextAreaElement} */ ($form.querySelector(`[name="note${i}"]`)).value,
        }));
      // Kept encrypted as it is answered, like an incident's draft: a quick exit loses nothing.
      keeper = drafts.keep({ id: DRAFT, target: "q" }, () => {
        const answers = read();
        return answers.some((a) => a.answer || a.note.trim()) ? /** @type {any} */ ({ answers }) : null;
      });
      $form.addEventListener("change", () => keeper?.changed());
      $form.addEventListener("input", () => keeper?.changed());
      $form.addEventListener("submit", async (event) => {
        event.preventDefault();
        $error.textContent = "";
        const answers = read();
        const $submit = /** @type {HTMLButtonElement} */ ($form.querySelector("[type=submit]"));
        try {
          await busy($submit, "Saving…", () => checklist.save(answers));
        } catch (error) {
          $error.textContent = `Your answers were not saved: ${plainWords(error)} They are all still here.`;
          return;
        }
        // Saved. The draft goes now; if that fails it is only shown again next time.
        const kept = keeper;
        keeper = null;
        kept?.cancel();
        await kept?.settled();
        await drafts.done(DRAFT).catch(() => {});
        if (isUnlocked()) show(saved(answers, actions, () => show(view)));
      });

      return h(
        "section",
        { class: "stack" },
        h("h1", {}, "Risk checklist"),
        h("p", {}, "Police use these eleven questions to judge how much danger you may be in. Your answers are worth taking to them, or to the National Stalking Helpline."),
        h("p", {}, "Answer what you can. \"Don't know\" is a fine answer. Your answers are kept in your diary with the date, and earlier answers are kept too, so you can see what has changed."),
        past.length ? h("div", { class: "stack" }, h("h2", {}, "Your earlier answers"), past.map(earlier)) : null,
        h("h2", {}, past.length ? "Answer again today" : "The questions"),
        draft ? h("p", { class: "hint" }, "Your unfinished answers were kept. Carry on where you left off.") : null,
        $form,
        h("div", { class: "actions" }, button("Back", async () => {
          await keeper?.saveNow();
          actions.onBack();
        }, "button block secondary")),
      );
    },
  };
  return view;
}

/** One earlier checklist, folded: the date and how many "yes", then every answer. @param {checklist.Filled} filled */
function earlier(filled) {
  return h(
    "details",
    { class: "more" },
    h("summary", {}, `${longDateTime(filled.at)}: yes to ${filled.yes} of 11`),
    h(
      "div",
      { class: "more-body" },
      terms(
        "details",
        checklist.QUESTIONS.map((q, i) => {
          const a = filled.answers[i];
          const said = checklist.answerLabel.get(a.answer) || "Not answered";
          return [`${i + 1}. ${q}`, a.note ? `${said}. ${a.note}` : said];
        }),
      ),
    ),
  );
}

/**
 * What to do with the answers just saved; where to get help now when several were "yes",
 * or there were threats or violence.
 * @param {checklist.Answer[]} answers
 * @param {{ onBack: () => void, onHelp: () => void }} actions
 * @param {() => void} again
 */
function saved(answers, { onBack, onHelp }, again) {
  const yes = checklist.yesCount(answers);
  return {
    title: "Answers saved",
    render() {
      const urgent = checklist.helpNow(answers);
      return h(
        "section",
        { class: "stack" },
        h("h1", {}, "Answers saved"),
        h("p", { class: "lead" }, `You answered yes to ${yes} of the 11 questions.`),
        urgent
          ? [
              h("p", {}, "Your answers suggest you may be at risk. Please talk to someone about it now. If you are in danger, call 999."),
              helpNow(),
            ]
          : h("p", {}, "Whatever your answers, if you are worried, the National Stalking Helpline can talk it through with you."),
        h("p", {}, "Take your answers with you when you talk to the police. They are kept in your diary with today's date."),
        h(
          "div",
          { class: "actions" },
          button("See all help", onHelp, "button block secondary"),
          button("See my answers", again, "button block secondary"),
          button("Back to your diary", onBack, "button block secondary"),
        ),
      );
    },
  };
}
