// @ts-check
// Settings for hiding: the disguise and its secret code, quick exit, what the disguise does
// not hide, and erasing everything on this phone (views/erase.js).
import { LOOKS, current, wear } from "../disguise/index.js";
import * as prefs from "../disguise/prefs.js";
import { h } from "../dom.js";
import { plainWords } from "../errors.js";
import * as exit from "../exit.js";
import { eraseSection } from "./erase.js";
import { safetyView } from "./safety.js";
import { codeForm, lookPicker, pickedLook } from "./setup.js";
import { button } from "./ui.js";

/**
 * The hiding part of the settings screen.
 * @param {import("../router.js").View} back the settings view, to come back to
 * @param {HTMLElement} $error where a failed save says so
 * @param {import("../router.js").Show} show
 */
export function hidingSettings(back, $error, show) {
  return [...disguisePart(back, show).$el, ...quickExitPart($error, show).$el, ...eraseSection(back, show).$el];
}

/**
 * What the disguise is, and the ways to change it and its secret code.
 * @param {import("../router.js").View} back @param {import("../router.js").Show} show
 */
function disguisePart(back, show) {
  const look = LOOKS[current()];
  return {
    $el: [
      h("h2", {}, "Disguise"),
      h("p", {}, `On this phone Cairn looks like: ${look.title}. ${look.how}`),
      h("p", {}, `${look.capture} It is kept locked away until you next open your diary.`),
      button("Change the disguise", () => show(changeLook(back)), "button block secondary"),
      button("Change the secret code", () => show(changeCode(back)), "button block secondary"),
      button("What the disguise does not hide", () => show(safetyView(() => show(back))), "button block secondary"),
    ],
  };
}

/**
 * Quick exit: whether Escape hides too, and where a browser tab goes; each saved when changed.
 * @param {HTMLElement} $error @param {import("../router.js").Show} show
 */
function quickExitPart($error, show) {
  const { escape, to } = prefs.exitSettings();
  /** @param {Partial<prefs.Exit>} change */
  const saveExit = (change) => {
    try {
      prefs.setExit(change);
      show.say("Saved.");
    } catch (error) {
      $error.textContent = plainWords(error);
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
  return {
    $el: [
      h("h2", {}, "Quick exit"),
      h("p", {}, "The Quick exit button, or Shift pressed three times, hides everything at once. What you were writing is kept, locked."),
      h("label", { class: "choice" }, $escape, "The Escape key hides it too"),
      $places,
    ],
  };
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
        show.say(`Cairn now looks like: ${LOOKS[name].title}.`);
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
            $error.textContent = plainWords(error);
            return;
          }
          show.say("Your secret code was changed.");
          show(back);
        },
      });
      $form.append(button("Cancel", () => show(back), "button block secondary"));
      return h("section", { class: "stack" }, h("h1", {}, "Change the secret code"), $form);
    },
  };
}
