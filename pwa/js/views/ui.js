// @ts-check
// Small building blocks the views share: labelled fields, error messages, busy buttons.
import { h } from "../dom.js";
import { holdDuring, objectUrl, revoke } from "../vault/lock.js";

let counter = 0;

/**
 * A labelled input with an optional hint, wired for screen readers.
 * @param {string} label
 * @param {HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement} control
 * @param {string} [hint]
 */
export function field(label, control, hint) {
  const id = control.id || `f${++counter}`;
  control.id = id;
  // Nothing typed into Cairn may reach the browser's autofill store (it is kept in clear).
  if (!control.hasAttribute("autocomplete")) control.setAttribute("autocomplete", "off");
  const hintId = hint ? `${id}-hint` : undefined;
  if (hintId) control.setAttribute("aria-describedby", hintId);
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    hint ? h("span", { class: "hint", id: hintId }, hint) : null,
    control,
  );
}

/** An input for a passphrase: no autocorrect, no capitals, never remembered by the browser. */
export function passphraseInput(/** @type {Record<string, string>} */ attrs = {}) {
  return h("input", {
    type: "password",
    autocomplete: "off",
    autocapitalize: "none",
    autocorrect: "off",
    spellcheck: "false",
    enterkeyhint: "done",
    ...attrs,
  });
}

/** A place for an error, announced when it changes. */
export function errorBox() {
  return h("p", { class: "error", role: "alert" });
}

/**
 * Run `work` with `button` disabled and showing `busyText`; restore afterwards.
 * @template T
 * @param {HTMLButtonElement} button
 * @param {string} busyText
 * @param {() => Promise<T>} work
 */
export async function busy(button, busyText, work) {
  const label = button.textContent;
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  button.textContent = busyText;
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
    button.textContent = label;
  }
}

/** @param {string} text @param {(event: Event) => void} onclick @param {string} [cls] */
export function button(text, onclick, cls = "button block") {
  return h("button", { type: "button", class: cls, onclick }, text);
}

/**
 * A group of large toggles (checkboxes or radios) under a legend.
 * @param {string} legend
 * @param {string} name
 * @param {readonly (readonly [string, string])[]} options  [value, label]
 * @param {string[]} chosen
 * @param {{ type?: "checkbox" | "radio", hint?: string }} [opts]
 */
export function choices(legend, name, options, chosen, { type = "checkbox", hint } = {}) {
  const hintId = hint ? `f${++counter}-hint` : undefined;
  return h(
    "fieldset",
    { class: "choices", "aria-describedby": hintId },
    h("legend", {}, legend),
    hint ? h("span", { class: "hint", id: hintId }, hint) : null,
    h(
      "div",
      { class: "chips" },
      options.map(([value, label]) =>
        h("label", { class: "chip" }, h("input", { type, name, value, checked: chosen.includes(value) }), h("span", {}, label)),
      ),
    ),
  );
}

/** The values checked in a group. @param {ParentNode} root @param {string} name */
export function checked(root, name) {
  return [...root.querySelectorAll(`input[name="${name}"]:checked`)].map((el) => /** @type {HTMLInputElement} */ (el).value);
}

/**
 * A section that opens with a tap: the less urgent parts of a form.
 * @param {string} title
 * @param {boolean} open
 * @param {...import("../dom.js").Children} children
 */
export function more(title, open, ...children) {
  return h("details", { class: "more", open }, h("summary", {}, title), h("div", { class: "more-body" }, ...children));
}

/**
 * A description list of [term, value] pairs; pairs with an empty value are left out.
 * @param {string} cls
 * @param {[string, string | Node, Record<string, string>?][]} pairs  the third item: the value's attributes
 */
export function terms(cls, pairs) {
  return h(
    "dl",
    { class: cls || null },
    pairs.filter(([, v]) => v !== "").map(([k, v, attrs]) => [h("dt", {}, k), h("dd", attrs || {}, v)]),
  );
}

/**
 * Ask before something that cannot be undone, in the page (not a browser dialog, which
 * would block quick exit and show the site's address). The question and its two buttons
 * appear in place of `$from`; focus goes to the safe choice; Escape means no. On yes,
 * `work` runs with the yes button busy, so a second tap cannot do it twice; afterwards (if
 * the screen is still there) the question goes and focus returns to `$from`.
 * @param {HTMLElement} $from  the button that asked
 * @param {{ question: string, yes: string, no?: string }} words
 * @param {() => Promise<void>} work
 */
export function ask($from, { question, yes, no = "No, keep it" }, work) {
  const id = `ask${++counter}`;
  const close = () => {
    $box.remove();
    $from.hidden = false;
    if ($from.isConnected) $from.focus();
  };
  const $yes = h("button", { type: "button", class: "button danger", "aria-describedby": id }, yes);
  const $no = h("button", { type: "button", class: "button secondary", "aria-describedby": id, onclick: close }, no);
  $yes.addEventListener("click", async () => {
    $no.disabled = true;
    try {
      await busy($yes, "Working…", work);
    } finally {
      close();
    }
  });
  const $box = h("div", { class: "ask", role: "group", "aria-labelledby": id }, h("p", { id }, question), h("div", { class: "row-buttons" }, $yes, $no));
  $box.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !$yes.disabled) {
      event.stopPropagation();
      close();
    }
  });
  $from.hidden = true;
  $from.after($box);
  $no.focus();
}

/**
 * A file name that says nothing of what the file holds: the date and time it was made, as
 * `2026-11-21-1432.zip`. Downloads lists and the phone's download notification show it.
 * @param {string} ext  without the dot
 * @param {Date} [when]
 */
export function neutralName(ext, when = new Date()) {
  const pad = (/** @type {number} */ n) => String(n).padStart(2, "0");
  return `${when.getFullYear()}-${pad(when.getMonth() + 1)}-${pad(when.getDate())}-${pad(when.getHours())}${pad(when.getMinutes())}.${ext}`;
}

/**
 * Hand a file that was just made to where it should go. Where the phone can share files,
 * sharing comes first (a tap of its own, since sharing needs one) and nothing is saved on
 * the phone unless asked; otherwise it goes to the downloads under its neutral name. What
 * happened is said in `$place`, which is emptied first. Nothing happens if `$place` has
 * left the page meanwhile (the diary was hidden): no download appears behind the disguise.
 * @param {HTMLElement} $place
 * @param {Blob} blob
 * @param {string} name  a neutralName()
 * @param {{ readable: boolean, onHanded?: () => Promise<void> }} what  readable: anyone who opens
 *   the file can read it; onHanded: called once it is in the downloads or was shared, and
 *   awaited before that is said (it must not throw)
 */
export function handOver($place, blob, name, { readable, onHanded }) {
  if (!$place.isConnected) return;
  const file = new File([blob], name, { type: blob.type || "application/octet-stream" });
  const $said = h("p", { role: "status" });
  const toDownloads = async () => {
    download(blob, name);
    $place.replaceChildren($said);
    await onHanded?.();
    $said.textContent = readable
      ? `The file is in your downloads, named ${name}. Anyone who opens it can read it: once you have handed it over, delete it from your downloads.`
      : `The file is in your downloads, named ${name}. Move it somewhere safe, away from this phone, then delete it from your downloads.`;
  };
  if (!navigator.canShare?.({ files: [file] })) return void toDownloads();
  const $share = button("Share the file", async () => {
    $said.textContent = "";
    try {
      // The share sheet hides the page: stay unlocked meanwhile (quick exit still locks).
      await holdDuring(() => navigator.share({ files: [file] }), 600);
      await onHanded?.();
      $said.textContent = "Shared. No copy was saved on this phone.";
    } catch (error) {
      if (/** @type {Error} */ (error).name !== "AbortError") $said.textContent = "It could not be shared. Try again, or save it in your downloads.";
    }
  });
  const $save = button("Save it in my downloads instead", toDownloads, "button block secondary");
  $place.replaceChildren(
    h("p", {}, "The file is ready. Share it straight to where it should go (an email, a message, a drive), so no copy is left on this phone."),
    $share,
    $save,
    $said,
  );
  setTimeout(() => $share.isConnected && $share.focus()); // after the question that made it has gone
}

/** Hand a file to the browser's downloads. @param {Blob} blob @param {string} name */
export function download(blob, name) {
  const url = objectUrl(blob);
  const $a = h("a", { href: url, download: name, hidden: true });
  document.body.append($a);
  $a.click();
  $a.remove();
  setTimeout(() => revoke(url), 60_000);
}
