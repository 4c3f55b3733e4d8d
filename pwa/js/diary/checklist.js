// @ts-check
// The stalking risk checklist police use (S-DASH, 11 questions). Each time it is filled in,
// the answers are appended to the diary's log as one "checklist.answered" event, so they are
// encrypted, dated by the phone when saved, and kept: past answers are never overwritten.
import { PlainError } from "../errors.js";
import * as log from "./log.js";
import { newId } from "../vault/records.js";

export const FORM = "s-dash/11";

/** The questions, in the order police ask them (GUIDANCE.md). */
export const QUESTIONS = [
  "Are you very frightened?",
  "Has the person harassed you or anyone else before?",
  "Have they destroyed or vandalised your property?",
  "Do they turn up at your work, home or elsewhere more than three times a week?",
  "Do they loiter around your home, workplace or places you go?",
  "Have they threatened physical or sexual violence in the current incidents?",
  "Have they harassed anyone else connected to you (a third party) since this began?",
  "Have they acted violently towards anyone in the current incidents?",
  "Have they got others to help them, knowingly or not?",
  "Are they known to abuse drugs or alcohol?",
  "Are they known to have been violent in the past?",
];

export const ANSWERS = /** @type {const} */ ([
  ["yes", "Yes"],
  ["no", "No"],
  ["unknown", "Don't know"],
]);
export const answerLabel = new Map(/** @type {[string, string][]} */ (/** @type {unknown} */ (ANSWERS)));

/** "Yes" to this many questions or more: show where to get help now. */
export const SEVERAL = 3;
/** Threats or violence in the current incidents (questions 6 and 8): help now, whatever else. */
const VIOLENCE = [5, 7];

/** Whether the answers call for showing where to get help now. @param {Answer[]} answers */
export const helpNow = (answers) => yesCount(answers) >= SEVERAL || VIOLENCE.some((i) => answers[i]?.answer === "yes");

/**
 * @typedef {{ answer: "" | "yes" | "no" | "unknown", note: string }} Answer
 * @typedef {{ id: string, at: number, answers: Answer[], yes: number }} Filled
 */

/** Eleven blank answers. @returns {Answer[]} */
export const blank = () => QUESTIONS.map(() => ({ answer: "", note: "" }));

/** How many were answered "yes". @param {Answer[]} answers */
export const yesCount = (answers) => answers.filter((a) => a.answer === "yes").length;

/**
 * Keep a filled-in checklist in the diary. Questions left unanswered are kept as unanswered.
 * @param {Answer[]} answers  one per question, in order
 * @returns {Promise<string>} its id
 * @throws {Error} when nothing was answered
 */
export async function save(answers) {
  if (answers.length !== QUESTIONS.length) throw new PlainError("The checklist has eleven questions.");
  if (!answers.some((a) => a.answer || a.note.trim())) throw new PlainError("Answer at least one question first.");
  const id = newId();
  const clean = answers.map((a) => ({ answer: a.answer, note: a.note.trim() }));
  await log.append([{ type: "checklist.answered", subject: id, payload: { form: FORM, answers: clean } }]);
  return id;
}

/** Every checklist filled in, newest first. @returns {Promise<Filled[]>} */
export async function history() {
  const events = await log.events();
  /** @type {Filled[]} */
  const out = [];
  for (const e of events) {
    if (e.type !== "checklist.answered") continue;
    const payload = log.payloadOf(e);
    // Withdrawn (no payload), or a form this version does not know: not shown here.
    if (!payload || payload.form !== FORM || !Array.isArray(payload.answers)) continue;
    const answers = QUESTIONS.map((_, i) => {
      const a = payload.answers[i] || {};
      return { answer: answerLabel.has(a.answer) ? a.answer : "", note: typeof a.note === "string" ? a.note : "" };
    });
    out.push({ id: e.subject, at: e.at, answers, yes: yesCount(answers) });
  }
  return out.reverse();
}
