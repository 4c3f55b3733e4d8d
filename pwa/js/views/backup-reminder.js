// @ts-check
// On the diary's home: when the last backup was made, in plain words, and — a week after it,
// or once ten entries are in none — a calm request to make one, which "Not now" puts off.
import { h } from "../dom.js";
import * as backups from "../diary/backups.js";
import { plainWords } from "../errors.js";
import * as copy from "../sync/copy.js";
import { button } from "./ui.js";

/** @param {number} n @param {string} one @param {string} many */
const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

/**
 * The line and, when it is time, the request.
 * @param {{ recorded: number[], onBackup: () => void, $after: HTMLElement, show: import("../router.js").Show }} options
 *   recorded: when each incident not withdrawn was recorded; $after: where focus goes once the
 *   request is put off
 */
export async function backupReminder({ recorded, onBackup, $after, show }) {
  const [kept, server] = await Promise.all([backups.kept(), copy.saved()]);
  const state = backups.reminder({ backup: kept.backup, copy: server.on ? server.last : null, recorded, snoozed: kept.snoozed });
  const where = state.how === "file" ? " (a backup file)" : state.how === "copy" ? " (the copy on the server)" : "";
  const $line = h("p", { class: "hint backup-line" }, state.last === null ? "Never backed up." : `Last backup: ${copy.ago(state.last)}${where}.`);
  if (!state.ask) return h("div", { class: "stack" }, $line);

  const why =
    state.last === null
      ? "Your diary has never been backed up."
      : state.days >= backups.ASK_AFTER_DAYS
        ? `Your last backup was ${plural(state.days, "day", "days")} ago.`
        : `${plural(state.entries, "entry is", "entries are")} not in a backup yet.`;
  const $notNow = button("Not now", async () => {
    try {
      await backups.snooze(state.entries);
    } catch (error) {
      show.say(`That could not be kept: ${plainWords(error)}`);
      return;
    }
    $ask.remove();
    $after.focus();
    show.say(`We will ask again in ${backups.SNOOZE_DAYS} days.`);
  }, "button secondary");
  const $ask = h(
    "div",
    { class: "notice", role: "region", "aria-label": "Backup reminder" },
    h("p", {}, why, " If this phone is lost, taken or broken, a backup file is how you get your diary back."),
    h("div", { class: "row-buttons" }, button("Make a backup file now", onBackup, "button"), $notNow),
  );
  return h("div", { class: "stack" }, $line, $ask);
}
