// @ts-check
// Settings for hiding: the disguise and its secret code, quick exit, what the disguise does
// not hide, and erasing everything on this phone (after a countdown a tap cancels).
import { LOOKS, current, wear } from "../disguise/index.js";
import * as prefs from "../disguise/prefs.js";
import { announce, h } from "../dom.js";
import * as exit from "../exit.js";
import * as keys from "../vault/keys.js";
import { safetyView } from "./safety.js";
import { codeForm, lookPicker, pickedLook } from "./setup.js";
import { button, errorBox } from "./ui.js";

const ERASE_SECONDS = 5;

/**
 * The hiding part of the settings screen.
 * @param {import("../router.js").View} back the settings view, to come back to
 * @param {HTMLElement} $error where a failed save says so
 * @param {import("../router.js").Show} show
 */
export function hidingSettings(back, $error, show) {
  const look = LOOKS[current()];
  const { escape, to } = prefs.exitSettings();

  /** @param {Partial<prefs.Exit>} change */
  const saveExit = (change) => {
    try {
      prefs.setExit(change);
      announce("Saved.");
    } catch (error) {
      $error.textContent = /** @type {Error} */ (error).message;
    }
  };
  const $escape = h("input", { type: "checkbox", name: "escape", checked: escape });
  $escape.addEventListener("change", () => saveExit({ escape: $escape.checked }));
  const $places = h(
    "fieldset",
    { class: "choices" },
    h("legend", {}, "In a browser tab, quick exit goes to"),
    exit.PLACES.map((place) =>
      h("label", { class: "choice" }, radio("exit-to", place.to, place.to === to), place.label),
    ),
    h("span", { class: "hint" }, "The app on your home screen always goes back to its disguise."),
  );
  $places.addEventListener("change", (event) => {
    saveExit({ to: /** @type {HTMLInputElement} */ (event.target).value });
  });

  return [
    h("h2", {}, "Disguise"),
    h("p", {}, `On this phone Cairn looks like: ${look.title}. ${look.how}`),
    button("Change the disguise", () => show(changeLook(back)), "button block secondary"),
    button("Change the secret code", () => show(changeCode(back)), "button block secondary"),
    button("What the disguise does not hide", () => show(safetyView(() => show(back))), "button block secondary"),
    h("h2", {}, "Quick exit"),
    h("p", {}, "The Quick exit button, or Shift pressed three times, hides everything at once. What you were writing is kept, locked."),
    h("label", { class: "choice" }, $escape, "The Escape key hides it too"),
    $places,
    h("h2", {}, "Erase"),
    h(
      "div",
      { class: "danger-zone stack" },
      h("p", {}, "Erase every entry, file, draft and key on this phone. It cannot be undone. The disguise stays and still works."),
      button("Erase everything on this phone", () => show(erasing(back)), "button block danger"),
    ),
  ];
}

/** @param {string} name @param {string} value @param {boolean} checked */
function radio(name, value, checked) {
  return h("input", { type: "radio", name, value, checked });
}

/** @param {import("../router.js").View} back */
function changeLook(back) {
  return {
    title: "Change the disguise",
    /** @param {unknown} _ @param {import("../router.js").Show} show */
    render(_, show) {
      const $form = h(
        "form",
        { class: "stack", novalidate: true },
        lookPicker(current()),
        h(
          "p",
          { class: "warning" },
          "If Cairn is on your home screen, that icon keeps its old name and picture until you remove it and add it again from the new disguise. Opening it shows the new disguise.",
        ),
        h("button", { type: "submit", class: "button block" }, "Use this disguise"),
        button("Cancel", () => show(back), "button block secondary"),
      );
      $form.addEventListener("submit", (event) => {
        event.preventDefault();
        const name = pickedLook($form);
        prefs.setLook(name);
        wear(name);
        announce(`Cairn now looks like: ${LOOKS[name].title}.`);
        show(back);
      });
      return h("section", { class: "stack" }, h("h1", {}, "Change the disguise"), $form);
    },
  };
}

/** @param {import("../router.js").View} back */
function changeCode(back) {
  return {
    title: "Change the secret code",
    /** @param {unknown} _ @param {import("../router.js").Show} show */
    render(_, show) {
      const { $form, $error } = codeForm({
        look: current(),
        submit: "Save new code",
        async onValid(code) {
          try {
            await prefs.setCode(code);
          } catch (error) {
            $error.textContent = /** @type {Error} */ (error).message;
            return;
          }
          announce("Your secret code was changed.");
          show(back);
        },
      });
      $form.append(button("Cancel", () => show(back), "button block secondary"));
      return h("section", { class: "stack" }, h("h1", {}, "Change the secret code"), $form);
    },
  };
}

/** The countdown: any tap stops it; at zero everything on this phone is erased. @param {import("../router.js").View} back */
function erasing(back) {
  /** @type {ReturnType<typeof setInterval> | undefined} */
  let timer;
  /** @type {(event: Event) => void} */
  let onTap = () => {};
  const stop = () => {
    clearInterval(timer);
    document.removeEventListener("pointerdown", onTap, true);
  };
  return {
    title: "Erasing everything",
    /** @param {unknown} _ @param {import("../router.js").Show} show */
    render(_, show) {
      let left = ERASE_SECONDS;
      const $count = h("p", { class: "countdown", role: "timer", "aria-live": "assertive" }, String(left));
      const $error = errorBox();
      const cancel = () => {
        stop();
        announce("Stopped. Nothing was erased.");
        show(back);
      };
      const $section = h(
        "section",
        { class: "stack erase-countdown" },
        h("h1", {}, "Erasing everything on this phone"),
        $count,
        h("p", { class: "lead" }, "Tap anywhere on the screen to stop."),
        h("button", { type: "button", class: "button block", onclick: cancel }, "Stop, don't erase"),
        $error,
      );
      // A tap anywhere on the screen stops it (the Stop button and Quick exit included).
      onTap = (event) => {
        event.preventDefault();
        cancel();
      };
      document.addEventListener("pointerdown", onTap, true);
      timer = setInterval(async () => {
        left -= 1;
        $count.textContent = String(Math.max(left, 0));
        if (left > 0) return;
        stop();
        try {
          // Deleted first, then locked: if deleting fails, the person is still here to see it.
          await keys.eraseEverything();
          prefs.forgetCode();
        } catch (error) {
          $error.textContent = `Nothing was erased: ${/** @type {Error} */ (error).message} Try again.`;
        }
      }, 1000);
      return $section;
    },
    leave: stop,
  };
}
