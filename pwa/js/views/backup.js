// @ts-check
// The backup file, from settings: make one, or add a backup's entries to this diary. The
// restore onto a new phone is part of set-up (views/setup.js) and shares the pieces here.
import { h } from "../dom.js";
import * as backups from "../diary/backups.js";
import { formatSize } from "../diary/evidence.js";
import { plainWords } from "../errors.js";
import { makeBackup } from "../formats/backup/make.js";
import { merge } from "../formats/backup/merge.js";
import { holdDuring } from "../vault/lock.js";
import { newPassphraseForm } from "./passphrase-form.js";
import { busy, button, checked, choices, errorBox, field, handOver, neutralName, passphraseInput } from "./ui.js";

/**
 * A progress bar with its words, hidden until work starts.
 * @returns {{ $el: HTMLElement, set: (words: string, fraction: number) => void, done: () => void }}
 */
export function progressBar() {
  const $bar = h("progress", { max: 100, value: 0, "aria-label": "Progress" });
  const $words = h("p", { class: "hint", role: "status" });
  const $el = h("div", { class: "progress", hidden: true }, $bar, $words);
  let said = "";
  return {
    $el,
    set(words, fraction) {
      $el.hidden = false;
      const percent = Math.floor(100 * Math.min(1, Math.max(0, fraction)));
      $bar.value = percent;
      // The words change only with the stage or every tenth, so a screen reader is not flooded.
      const next = `${words} ${Math.floor(percent / 10) * 10}%`;
      if (next !== said) $words.textContent = said = next;
    },
    done() {
      $el.hidden = true;
      said = "";
    },
  };
}

/**
 * Choose a backup file: a big button, then the chosen file's name and size.
 * @returns {{ $el: HTMLElement, file: () => File | null }}
 */
function backupPicker() {
  /** @type {File | null} */
  let chosen = null;
  const $chosen = h("p", { class: "hint", "aria-live": "polite" }, "No file chosen yet.");
  const $pick = button("Choose the backup file", async () => {
    const $input = h("input", { type: "file", hidden: true });
    document.body.append($input);
    try {
      // The phone's file picker hides the page: stay unlocked meanwhile (quick exit still locks).
      const files = await holdDuring(
        /** @returns {Promise<File[]>} */
        () =>
          new Promise((resolve) => {
            $input.addEventListener("change", () => resolve([...($input.files || [])]), { once: true });
            $input.addEventListener("cancel", () => resolve([]), { once: true });
            $input.click();
          }),
        600,
      );
      if (files.length) {
        chosen = files[0];
        $chosen.textContent = `Chosen: ${chosen.name}, ${formatSize(chosen.size)}`;
      }
    } finally {
      $input.remove();
    }
  }, "button block secondary");
  return { $el: h("div", { class: "stack" }, $pick, $chosen), file: () => chosen };
}

const STAGES = { checking: "Checking the backup:", restoring: "Restoring:", adding: "Adding:" };

/**
 * A backup file and its passphrase, then `run` with a progress bar. What `run` throws is
 * shown in the form, and what was chosen and typed stays; on success `then` gets its result.
 * @template T
 * @param {{ submit: string, busyText: string, hint: string,
 *   run: (file: File, passphrase: string, progress: (stage: keyof typeof STAGES, fraction: number) => void) => Promise<T>,
 *   then: (result: T) => void }} options
 */
export function backupForm({ submit, busyText, hint, run, then }) {
  const picker = backupPicker();
  const $passphrase = passphraseInput();
  const $error = errorBox();
  const progress = progressBar();
  const $submit = h("button", { type: "submit", class: "button block" }, submit);
  const $form = h(
    "form",
    { class: "stack", novalidate: true },
    picker.$el,
    field("The backup's passphrase", $passphrase, hint),
    $submit,
    progress.$el,
    $error,
  );
  $form.addEventListener("submit", async (event) => {
    event.preventDefault();
    $error.textContent = "";
    const file = picker.file();
    if (!file) return void ($error.textContent = "Choose the backup file first.");
    if (!$passphrase.value.trim()) return void ($error.textContent = "Type the backup's passphrase.");
    let result;
    try {
      result = await busy($submit, busyText, () => run(file, $passphrase.value, (stage, f) => progress.set(STAGES[stage], f)));
    } catch (error) {
      $error.textContent = plainWords(error);
      return;
    } finally {
      progress.done();
    }
    $passphrase.value = "";
    then(result);
  });
  return $form;
}

/**
 * Settings → the backup file (or the diary's home, when it asks for one).
 * @param {import("../router.js").View | (() => unknown)} back  the screen to go back to, or how
 */
export function backupView(back) {
  const view = {
    title: "Backup file",
    /** @param {unknown} _ @param {import("../router.js").Show} show */
    render(_, show) {
      const $error = errorBox();
      const progress = progressBar();
      const $result = h("div", { class: "stack" });
      /** @param {HTMLButtonElement} $button @param {string} [passphrase] none: the recovery passphrase's */
      const make = async ($button, passphrase) => {
        $error.textContent = "";
        $result.replaceChildren();
        try {
          await busy($button, "Making the backup file…", async () => {
            const blob = await makeBackup({ passphrase, progress: (done, total) => progress.set("Making the backup file:", total ? done / total : 1) });
            progress.done();
            $result.append(h("p", {}, `Your backup file is ready (${formatSize(blob.size)}).`));
            const $out = h("div", { class: "stack" });
            $result.append($out);
            // Saved or shared: the diary's home says when, and stops asking for one. (The
            // file is handed over whatever happens to this note.)
            handOver($out, blob, neutralName("bin"), { readable: false, onHanded: () => backups.fileMade().catch(() => {}) });
          });
        } catch (error) {
          progress.done();
          $error.textContent = `The backup file could not be made: ${plainWords(error)}`;
        }
      };
      const $protect = choices(
        "Protect the file with",
        "protect",
        [
          ["recovery", "My recovery passphrase"],
          ["other", "A different passphrase"],
        ],
        ["recovery"],
        { type: "radio" },
      );
      const $withRecovery = h("div", { class: "stack" });
      const $makeWithRecovery = button("Make the backup file", () => make($makeWithRecovery));
      $withRecovery.append($makeWithRecovery);
      const { $form: $withOther, $submit } = newPassphraseForm({
        label: "A passphrase for this file",
        hint: "You will need it to open the backup. Write it down and keep it apart from the file.",
        submit: "Make the backup file",
        onValid: (passphrase) => make($submit, passphrase),
      });
      $withOther.hidden = true;
      $protect.addEventListener("change", () => {
        const other = checked($protect, "protect")[0] === "other";
        $withOther.hidden = !other;
        $withRecovery.hidden = other;
      });
      return h(
        "section",
        { class: "stack" },
        h("h1", {}, "Backup file"),
        h(
          "p",
          { class: "lead" },
          "A backup file holds your whole diary, with every version and every file, encrypted. If this phone is lost, taken or broken, you can put your diary back on another phone with it.",
        ),
        h("p", {}, "Keep it somewhere safe away from this phone, such as a memory stick or with someone you trust. Its name does not say what it is."),
        $protect,
        $withRecovery,
        $withOther,
        progress.$el,
        $result,
        $error,
        h("h2", {}, "Add entries from a backup"),
        h("p", {}, "Adds what a backup file has that this diary does not: for example a diary kept on another phone. Nothing here is changed, and nothing is added twice."),
        button("Add entries from a backup", () => show(mergeView(view)), "button block secondary"),
        button("Back", () => (typeof back === "function" ? back() : show(back)), "button block secondary"),
      );
    },
  };
  return view;
}

/** Add a backup's entries to the open diary. @param {import("../router.js").View} back */
function mergeView(back) {
  return {
    title: "Add entries from a backup",
    /** @param {unknown} _ @param {import("../router.js").Show} show */
    render(_, show) {
      const $result = h("p", { role: "status" });
      const $form = backupForm({
        submit: "Add from this backup",
        busyText: "Adding…",
        hint: "Your recovery passphrase when the backup was made, or the passphrase chosen for the file.",
        run: (file, passphrase, progress) => {
          $result.textContent = "";
          return holdDuring(() => merge(file, passphrase, { progress }), 3600);
        },
        then: (added) => {
          $result.textContent = added.entries
            ? `Added ${plural(added.entries, "entry", "entries")} and ${plural(added.files, "file", "files")} from the backup.`
            : "Everything in this backup is already in your diary.";
        },
      });
      return h(
        "section",
        { class: "stack" },
        h("h1", {}, "Add entries from a backup"),
        h("p", {}, "Everything in the backup file is checked before anything is added. If it is not right, your diary stays exactly as it is."),
        $form,
        $result,
        button("Back", () => show(back), "button block secondary"),
      );
    },
  };
}

/** @param {number} n @param {string} one @param {string} many */
const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;
