// @ts-check
// A new passphrase, typed twice, with honest strength feedback as it is typed. Used when
// setting up and when changing the passphrase.
import { h } from "../dom.js";
import { plainWords } from "../errors.js";
import { strength } from "../vault/passphrase.js";
import { errorBox, field, passphraseInput } from "./ui.js";

/**
 * @param {{ label: string, hint: string, submit: string, onValid: (passphrase: string) => void | Promise<void> }} options
 * @param {...Node} extra  more controls below the submit button
 */
export function newPassphraseForm({ label, hint, submit, onValid }, ...extra) {
  const $first = passphraseInput();
  const $second = passphraseInput();
  const $meter = h("p", { class: "strength", id: "strength", "aria-live": "polite" });
  const $error = errorBox();
  const $submit = h("button", { type: "submit", class: "button block" }, submit);
  $first.addEventListener("input", () => {
    const s = strength($first.value);
    $meter.textContent = $first.value ? s.message : "";
    $meter.dataset.level = s.level;
  });
  const $form = h(
    "form",
    { class: "stack", novalidate: true },
    field(label, $first, hint),
    $meter,
    field("Type it again", $second),
    $error,
    $submit,
    ...extra,
  );
  $form.addEventListener("submit", async (event) => {
    event.preventDefault();
    $error.textContent = "";
    const s = strength($first.value);
    if (!s.ok) {
      $error.textContent = s.message;
      $first.focus();
      return;
    }
    if ($first.value !== $second.value) {
      $error.textContent = "The two passphrases are not the same. Type them again.";
      $second.focus();
      return;
    }
    try {
      await onValid($first.value);
    } catch (error) {
      $error.textContent = plainWords(error);
    }
  });
  return { $form, $submit };
}
