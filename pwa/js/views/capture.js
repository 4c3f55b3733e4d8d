// @ts-check
// The capture screen: the disguise's second way in leads here, with nothing unlocked. A photo,
// files or a few words are sealed to the inbox as soon as they are chosen (inbox/seal.js), so
// nothing readable is kept and nothing of them is shown again; the screen says "Kept." and goes
// back to the disguise. Someone may glance at it: it says what it does, and no more.
import { formatSize } from "../diary/evidence.js";
import { h } from "../dom.js";
import * as exit from "../exit.js";
import { plainWords } from "../errors.js";
import { canKeep, keepFile, keepNote } from "../inbox/seal.js";
import { holdDuring } from "../vault/lock.js";
import { button, errorBox, field } from "./ui.js";

/** How long "Kept." shows before the disguise is back. */
export const KEPT_MS = 1200;
// The camera or the file picker hides the page: the screen stays open for them this long.
const PICK_SECONDS = 300;
/** What the screen says when this phone has no inbox key yet (not unlocked since it came). */
export const CANNOT =
  "This can't be kept yet. Unlock once with your passkey or passphrase; after that, things can be kept here without unlocking.";

/** Words for a failed capture. @param {unknown} error */
function words(error) {
  return /** @type {Error} */ (error)?.name === "CannotKeepError" ? CANNOT : plainWords(error);
}

/**
 * @param {() => void} close  back to the disguise
 * @returns {import("../router.js").View}
 */
export function capture(close) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let closing;
  let left = false;
  let release = () => false;
  return {
    title: "Keep a photo, a file or a few words",
    async render() {
      const $error = errorBox();
      const $status = h("p", { class: "capture-status", role: "status" });
      const $progress = h("progress", { class: "capture-progress", max: 1, value: 0, hidden: true, "aria-label": "Keeping" });
      const $photo = h("input", { type: "file", accept: "image/*", capture: "environment", hidden: true });
      const $any = h("input", { type: "file", multiple: true, hidden: true });
      const $text = h("textarea", { class: "input", name: "line", rows: 4, spellcheck: "false" });
      const $keep = h("button", { type: "submit", class: "button block" }, "Keep");
      const $note = h("form", { class: "stack", novalidate: true, hidden: true }, field("A few words", $text), $keep);
      const $retry = button("Try again", () => void keepFiles(), "button block");
      $retry.hidden = true;
      const $choices = [
        button("Take a photo", () => void pick($photo), "button block capture-choice"),
        button("Choose a file or screenshot", () => void pick($any), "button block capture-choice"),
        button("Write a line", () => {
          $note.hidden = false;
          $text.focus();
        }, "button block capture-choice"),
      ];
      /** The files chosen and not kept yet: still chosen after a failure, for "Try again". @type {File[]} */
      let pending = [];
      let busy = false;
      /** What is being kept now, for quick exit to wait for. @type {Promise<unknown> | null} */
      let storing = null;
      /** Run `work` as what is being kept now. @template T @param {() => Promise<T>} work */
      const store = (work) => {
        const run = work();
        storing = run;
        run.finally(() => storing === run && (storing = null)).catch(() => {});
        return run;
      };
      // Quick exit keeps what was under way: a file being sealed finishes, and a line written
      // but not yet kept is sealed like one sent with Keep. Nothing is unlocked either way.
      release = exit.whileLeaving(() => {
        const line = $note.hidden || storing ? "" : $text.value;
        const work = [storing, line.trim() ? keepNote(line) : null].filter(Boolean);
        return work.length ? Promise.allSettled(work) : undefined;
      });

      /** Everything a second tap could start again, off while something is being kept. @param {boolean} on */
      const working = (on) => {
        busy = on;
        for (const $b of [...$choices, $keep, $retry]) $b.disabled = on;
      };

      /** Kept: say so, briefly, then back to the disguise. @param {string} text */
      const kept = (text) => {
        if (left) return;
        performance.mark("capture-kept");
        for (const $el of [...$choices, $note, $retry, $progress]) $el.hidden = true;
        $error.textContent = "";
        $status.textContent = text;
        closing = setTimeout(() => !left && close(), KEPT_MS);
      };

      /** Open the camera or the picker; the screen stays open while it hides the page. @param {HTMLInputElement} $input */
      const pick = ($input) => {
        if (busy) return;
        return holdDuring(
          () =>
            new Promise((resolve) => {
              const done = () => {
                $input.removeEventListener("change", done);
                $input.removeEventListener("cancel", done);
                resolve(undefined);
              };
              $input.addEventListener("change", done);
              $input.addEventListener("cancel", done);
              $input.click();
            }),
          PICK_SECONDS,
        );
      };

      /** @this {HTMLInputElement} */
      function chosen() {
        const files = [...(this.files || [])];
        if (!files.length || busy) return;
        performance.mark("capture-chosen");
        pending = files;
        void keepFiles();
      }
      $photo.addEventListener("change", chosen);
      $any.addEventListener("change", chosen);

      /** Keep each chosen file in turn; stop at a failure with the rest still chosen. */
      async function keepFiles() {
        if (!pending.length || busy) return;
        const count = pending.length;
        const total = pending.reduce((n, f) => n + f.size, 0) || 1;
        let before = 0;
        working(true);
        $error.textContent = "";
        $retry.hidden = true;
        $progress.hidden = false;
        try {
          while (pending.length) {
            const file = pending[0];
            $status.textContent = `Keeping ${file.name}…`;
            await store(() => keepFile(file, {
              name: file.name,
              type: file.type,
              progress: (bytes) => ($progress.value = (before + bytes) / total),
            }));
            before += file.size;
            pending.shift();
          }
        } catch (error) {
          if (left) return;
          working(false);
          $progress.hidden = true;
          $status.textContent = "";
          const names = pending.map((f) => `${f.name} (${formatSize(f.size)})`).join(", ");
          $error.textContent = `${words(error)} Still chosen: ${names}.`;
          $retry.hidden = false;
          $retry.focus();
          return;
        }
        $photo.value = "";
        $any.value = "";
        working(false);
        kept(count === 1 ? "Kept." : `Kept ${count} files.`);
      }

      $note.addEventListener("submit", async (event) => {
        event.preventDefault();
        if (busy) return;
        $error.textContent = "";
        if (!$text.value.trim()) {
          $error.textContent = "Write something first, then tap Keep.";
          $text.focus();
          return;
        }
        working(true);
        try {
          await store(() => keepNote($text.value));
        } catch (error) {
          if (left) return;
          working(false);
          $error.textContent = words(error); // the words stay in the box, for another try
          $text.focus();
          return;
        }
        $text.value = "";
        working(false);
        kept("Kept.");
      });

      // Said before anything is chosen, so a photo is not taken for nothing.
      if (!(await canKeep())) $error.textContent = CANNOT;
      return h(
        "section",
        { class: "stack capture" },
        h("h1", {}, "Keep a photo, a file or a few words"),
        $error,
        ...$choices,
        $photo,
        $any,
        $note,
        $progress,
        $status,
        $retry,
        button("Close", close, "button block secondary"),
      );
    },
    leave() {
      left = true;
      release();
      clearTimeout(closing);
    },
  };
}
