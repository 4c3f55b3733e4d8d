// @ts-check
// First run, after the start code: what Cairn is, the disguise and its secret code, a
// recovery passphrase (generated or chosen, then confirmed), then an equal choice: a passkey
// with PRF, or the passphrase only (what a passkey really is, said plainly); where this phone
// cannot make a passkey, the passphrase alone. Nothing is kept until the last step;
// everything here works offline.
import { LOOKS, wear } from "../disguise/index.js";
import * as prefs from "../disguise/prefs.js";
import { h } from "../dom.js";
import { plainWords } from "../errors.js";
import { nowhere } from "../router.js";
import * as keys from "../vault/keys.js";
import { NoPrfError, abilities, createWithPrf, whyNoPasskey } from "../vault/passkey.js";
import { generate } from "../vault/passphrase.js";
import { newPassphraseForm } from "./passphrase-form.js";
import { persist } from "../vault/records.js";
import * as grant from "../sync/grant.js";
import { safetyView } from "./safety.js";
import { busy, button, errorBox, field, passphraseInput } from "./ui.js";

/** @type {{ passphrase: string, look: string, code: string, startCode: string }} */
const state = { passphrase: "", look: "calculator", code: "", startCode: "" };

/**
 * @param {() => void} done called once the vault exists and is unlocked
 * @param {() => void} cancel back to the disguise, keeping nothing
 * @param {string} [startCode] the code that opened set-up: everyone given the address has
 *   it, so it cannot be this phone's own
 * @returns {import("../router.js").View}
 */
export function setup(done, cancel, startCode = "") {
  forget();
  state.startCode = startCode;
  return { title: "Set up your private diary", render: (_, show) => intro(show, done, cancel) };
}

/** Drop the passphrase and code being chosen: when set-up ends, or is hidden midway. */
export function forget() {
  state.passphrase = "";
  state.code = "";
  state.startCode = "";
}

/** @param {string} title @param {(Node | string | null)[]} body */
function step(title, body) {
  return h("section", { class: "stack" }, h("h1", {}, title), ...body);
}

/** @param {import("../router.js").Show} show @param {() => void} done @param {() => void} cancel */
function intro(show, done, cancel) {
  return step("Set up your private diary", [
    h("p", { class: "lead" }, "Cairn keeps a diary of what is happening to you, encrypted on this phone. Nobody can read it without your passkey or your recovery passphrase."),
    h("p", {}, "To anyone else it looks like an ordinary app. You choose which one, and a secret code that opens the diary from it."),
    button("Start", () => show(lookStep(() => show(codeStep(() => show({ title: "Your recovery passphrase", render: (_, show) => generated(show, done) })))))),
    button("Restore from a backup file", () => show(lookStep(() => show(codeStep(() => show(restoreStep(done)))))), "button block secondary"),
    button("Restore from the server copy", () => show(lookStep(() => show(codeStep(() => show(serverRestoreStep(done)))))), "button block secondary"),
    button("What the disguise does not hide", () => show(safetyView(() => show({ title: "Set up your private diary", render: (_, show) => intro(show, done, cancel) }))), "button block secondary"),
    button("Not now", cancel, "button block secondary"),
  ]);
}

/**
 * Choose the disguise: the app's icon, name and look on this phone.
 * @param {() => void} next
 */
function lookStep(next) {
  return {
    title: "Choose how it looks",
    render() {
      const $form = h(
        "form",
        { class: "stack", novalidate: true },
        lookPicker(state.look),
        h("p", { class: "hint" }, "It is a real, working app. Add it to your home screen after setting up, so the icon and name are the disguise's."),
        h("button", { type: "submit", class: "button block" }, "Next"),
      );
      $form.addEventListener("submit", (event) => {
        event.preventDefault();
        state.look = pickedLook($form);
        next();
      });
      return step("Choose how it looks", [$form]);
    },
  };
}

/** The disguises as large choices with their icons. @param {string} chosen */
export function lookPicker(chosen) {
  return h(
    "fieldset",
    { class: "looks" },
    h("legend", {}, "Cairn will look like"),
    Object.entries(LOOKS).map(([name, look]) =>
      h(
        "label",
        { class: "look" },
        h("input", { type: "radio", name: "look", value: name, checked: name === chosen }),
        h("img", { src: `/${name}/icon-192.png`, alt: "", width: 48, height: 48 }),
        h("span", {}, look.title),
      ),
    ),
  );
}

/** The disguise chosen in a form with a lookPicker(). @param {HTMLFormElement} $form */
export function pickedLook($form) {
  const picked = /** @type {HTMLInputElement | null} */ ($form.querySelector("input[name=look]:checked"));
  return picked ? picked.value : "calculator";
}

/**
 * Choose the secret code that opens the unlock from the disguise.
 * @param {() => void} next
 */
function codeStep(next) {
  return {
    title: "Choose your secret code",
    render() {
      const { $form } = codeForm({
        look: state.look,
        refuse: state.startCode,
        submit: "Next",
        onValid(code) {
          state.code = code;
          next();
        },
      });
      return step("Choose your secret code", [$form]);
    },
  };
}

/**
 * A diary made before disguises (or whose code was lost) gets its disguise and code now,
 * right after the unlock, before anything else.
 * @param {() => void} done
 */
export function missingCode(done) {
  state.look = prefs.look() || "calculator";
  let show = nowhere;
  const look = lookStep(() =>
    show(
      codeStep(async () => {
        await prefs.setCode(state.code);
        prefs.setLook(state.look);
        wear(state.look);
        forget();
        done();
      }),
    ),
  );
  return {
    ...look,
    /** @param {unknown} _ @param {import("../router.js").Show} handed */
    render(_, handed) {
      show = handed;
      return look.render();
    },
  };
}

/**
 * A code typed twice, with how it is used in the chosen disguise.
 * @param {{ look: string, submit: string, refuse?: string, onValid: (code: string) => void | Promise<void> }} options
 */
export function codeForm({ look, submit, refuse = "", onValid }) {
  const input = (/** @type {string} */ name) =>
    // Text shown as dots (not a password field, which password managers offer to save).
    h("input", { class: "input secret-digits", name, type: "text", inputmode: "numeric", pattern: "[0-9]*", maxlength: 6, autocomplete: "off", spellcheck: "false" });
  const $code = input("code");
  const $again = input("again");
  const $error = errorBox();
  const $form = h(
    "form",
    { class: "stack", novalidate: true },
    field("Secret code (4 to 6 digits)", $code, `${LOOKS[look].how} ${LOOKS[look].capture} Pick digits nobody would guess: not a birthday.`),
    field("The same code again", $again),
    $error,
    h("button", { type: "submit", class: "button block" }, submit),
  );
  $form.addEventListener("submit", async (event) => {
    event.preventDefault();
    $error.textContent = "";
    if (!prefs.CODE.test($code.value)) {
      $error.textContent = "The code must be 4 to 6 digits.";
      $code.focus();
      return;
    }
    const weak = $code.value === refuse ? "That is the code you were given to start. Choose one of your own." : prefs.weakness($code.value);
    if (weak) {
      $error.textContent = weak;
      $code.focus();
      return;
    }
    if ($code.value !== $again.value) {
      $error.textContent = "The two codes are not the same. Type them again.";
      $again.value = "";
      $again.focus();
      return;
    }
    await onValid($code.value);
  });
  return { $form, $error };
}

/** @param {import("../router.js").Show} show @param {() => void} done */
function generated(show, done) {
  state.passphrase = generate();
  const $words = h("p", { class: "passphrase", id: "generated-passphrase" }, state.passphrase);
  return step("Your recovery passphrase", [
    h("p", {}, "If you lose this phone's passkey, this passphrase is the only way back into your diary. Write it down on paper and keep it somewhere safe, away from anyone who might look."),
    h("p", { class: "hint" }, "Your passphrase:"),
    $words,
    button("I have written it down", () => show({ title: "Check your passphrase", render: (_, show) => confirm(show, done) })),
    button("Show different words", () => {
      state.passphrase = generate();
      $words.textContent = state.passphrase;
    }, "button block secondary"),
    button("I'd rather choose my own", () => show({ title: "Choose your passphrase", render: (_, show) => choose(show, done) }), "button block secondary"),
  ]);
}

/** @param {import("../router.js").Show} show @param {() => void} done */
function confirm(show, done) {
  const $input = passphraseInput({ type: "text" });
  const $error = errorBox();
  const form = h(
    "form",
    { class: "stack", novalidate: true },
    field("Type your passphrase", $input, "Type it from what you wrote down, to check you have it right."),
    $error,
    h("button", { type: "submit", class: "button block" }, "Check"),
    button("Show it again", () => show({ title: "Your recovery passphrase", render: (_, show) => shown(show, done) }), "button block secondary"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const typed = $input.value.normalize("NFKC").trim().replace(/\s+/g, " ").toLowerCase();
    if (typed !== state.passphrase) {
      $error.textContent = "That does not match. Look at what you wrote down and try again.";
      $input.focus();
      return;
    }
    show({ title: "How will you open your diary?", render: () => passkeyStep(done) });
  });
  return step("Check your passphrase", [form]);
}

/**
 * The same passphrase again, for someone who did not write it down in time.
 * @param {import("../router.js").Show} show @param {() => void} done
 */
function shown(show, done) {
  return step("Your recovery passphrase", [
    h("p", { class: "passphrase" }, state.passphrase),
    button("I have written it down", () => show({ title: "Check your passphrase", render: (_, show) => confirm(show, done) })),
  ]);
}

/** @param {import("../router.js").Show} show @param {() => void} done */
function choose(show, done) {
  const { $form } = newPassphraseForm(
    {
      label: "Your passphrase",
      hint: "Four or more words you will remember, that nobody could guess.",
      submit: "Use this passphrase",
      onValid(passphrase) {
        state.passphrase = passphrase;
        show({ title: "How will you open your diary?", render: () => passkeyStep(done) });
      },
    },
    button("Give me random words instead", () => show({ title: "Your recovery passphrase", render: (_, show) => generated(show, done) }), "button block secondary"),
  );
  return step("Choose your passphrase", [$form]);
}

/** @param {() => void} done */
async function passkeyStep(done) {
  const cannot = whyNoPasskey(await abilities());
  const $error = errorBox();
  const $status = h("p", { role: "status" });
  /**
   * @param {number} startedAt lockEpoch() at the tap: a quick exit since then stops it all
   * @param {import("../vault/keys.js").PasskeyProof} [passkey]
   */
  const finish = async (startedAt, passkey) => {
    if (keys.lockEpoch() !== startedAt) return;
    try {
      await keepAndOpen(startedAt, () => keys.createVault({ passphrase: state.passphrase, passkey, startedAt }), done);
    } catch (error) {
      if (keys.lockEpoch() !== startedAt) return; // hidden meanwhile: the disguise is up
      $status.textContent = "";
      $error.textContent = plainWords(error);
    }
  };
  const $passkey = button("Use fingerprint, face or screen lock", async () => {
    $error.textContent = "";
    const startedAt = keys.lockEpoch();
    await busy($passkey, "Waiting for your passkey…", async () => {
      let proof;
      try {
        proof = await createWithPrf();
      } catch (error) {
        if (error instanceof NoPrfError) {
          $passkey.hidden = true;
          $skip.textContent = "Continue with my passphrase";
        }
        $error.textContent = plainWords(error);
        return;
      }
      $status.textContent = "Setting up your diary…";
      await finish(startedAt, proof);
    });
  });
  // The passphrase alone is an equal choice, not a way to skip: for someone whose screen lock
  // or Google or Apple account the other person shares, it is the safe one.
  const $skip = button("Use my passphrase only", async () => {
    const startedAt = keys.lockEpoch();
    await busy($skip, "Setting up your diary…", () => finish(startedAt));
  });
  if (cannot) {
    // Asking for one here would wait for a security key the person does not have.
    $skip.textContent = "Continue with my passphrase";
    return step("How will you open your diary?", [
      h("p", {}, "You will open it by typing your passphrase each time."),
      h("p", { class: "hint" }, `${cannot} If that changes, you can add a passkey later in settings.`),
      $skip,
      $error,
      $status,
    ]);
  }
  return step("How will you open your diary?", [
    h("p", {}, "You can open it with a passkey, or by typing your passphrase each time."),
    h(
      "ul",
      {},
      h("li", {}, "A passkey is this phone's fingerprint, face or screen lock."),
      h("li", {}, "Passkeys are kept in the phone's Google or Apple account, and work wherever that account is used."),
      h("li", {}, h("strong", {}, "If the other person knows this phone's PIN, or uses the same Google or Apple account, choose the passphrase only.")),
    ),
    $passkey,
    $skip,
    $error,
    $status,
    h("p", { class: "hint" }, "You can add or remove a passkey later in settings."),
  ]);
}

/**
 * The last step of set-up: keep the code and look first (a vault must never exist without
 * its way in), then make the vault; once it exists, wear the disguise and open the diary.
 * @param {number} startedAt lockEpoch() at the tap: a quick exit since then stops it all
 * @param {() => Promise<void>} makeVault
 * @param {() => void} done
 */
async function keepAndOpen(startedAt, makeVault, done) {
  await prefs.setCode(state.code);
  prefs.setLook(state.look);
  await makeVault();
  await grant.keep().catch(() => {}); // a copy can be turned on later without the code
  forget();
  if (keys.lockEpoch() !== startedAt) return;
  wear(prefs.look() || "calculator");
  persist().catch(() => false);
  done();
}

/**
 * Restore a diary from a backup file onto this phone, after choosing its disguise and code.
 * @param {() => void} done
 */
function restoreStep(done) {
  return {
    title: "Restore your diary",
    async render() {
      // Loaded only here: the disguise and set-up stay small.
      const [{ restore }, { backupForm }] = await Promise.all([import("../formats/backup/restore.js"), import("./backup.js")]);
      const $form = backupForm({
        submit: "Restore my diary",
        busyText: "Restoring…",
        hint: "Your recovery passphrase when the backup was made, or the passphrase chosen for the file. From now on it unlocks the diary on this phone.",
        run: (file, passphrase, progress) => {
          const startedAt = keys.lockEpoch();
          return keepAndOpen(startedAt, () => restore(file, passphrase, { startedAt, progress }), done);
        },
        then: () => {},
      });
      return step("Restore your diary", [
        h("p", {}, "Choose your backup file, then type the passphrase that protects it. Everything in it is checked before anything is kept."),
        $form,
      ]);
    },
  };
}

/**
 * Restore the diary from the encrypted copy on the server, after choosing its disguise and
 * code: sign in with the passkey, download, then open it with the passkey or the passphrase.
 * @param {() => void} done
 */
function serverRestoreStep(done) {
  return {
    title: "Restore from the server copy",
    /** @param {unknown} _ @param {import("../router.js").Show} show */
    async render(_, show) {
      // Loaded only here: the disguise and set-up stay small.
      const { restoreFromServer } = await import("./server-copy.js");
      return restoreFromServer((startedAt, makeVault) => keepAndOpen(startedAt, makeVault, done), keys.lockEpoch).render(undefined, show);
    },
  };
}
