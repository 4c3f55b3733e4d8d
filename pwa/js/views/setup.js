// @ts-check
// First run, after the start code: what Cairn is, the disguise and its secret code, a
// recovery passphrase (generated or chosen, then confirmed), then an equal choice: a passkey
// with PRF, or the passphrase only (what a passkey really is, said plainly); where this phone
// cannot make a passkey, the passphrase alone. Each step says where the person is ("Step 2
// of 4") and has a way back to the one before, keeping what was chosen. Nothing is kept until
// the last step makes the diary, and that is where set-up ends: there is no step past it to
// come back from. Everything here works offline.
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

/**
 * What is being chosen; `chosen` says the passphrase was typed by the person (not generated).
 * @type {{ passphrase: string, chosen: boolean, look: string, code: string, startCode: string }}
 */
const state = { passphrase: "", chosen: false, look: "calculator", code: "", startCode: "" };

/** @typedef {import("../router.js").View} View */
/**
 * Where a screen is in its set-up: its step, of how many, and the screen before it.
 * @typedef {{ at: number, of: number, back?: View }} Place
 */

/** Steps to a new diary: how it looks, the code, the passphrase, how it opens. */
const NEW = 4;
/** Steps to a restored one: how it looks, the code, the backup. */
const RESTORED = 3;

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
  return introView(done, cancel);
}

/** @param {() => void} done @param {() => void} cancel @returns {View} */
function introView(done, cancel) {
  return { title: "Set up your private diary", render: (_, show) => intro(show, done, cancel) };
}

/** Drop the passphrase and code being chosen: when set-up ends, or is hidden midway. */
export function forget() {
  state.passphrase = "";
  state.chosen = false;
  state.code = "";
  state.startCode = "";
}

let counter = 0;

/**
 * A screen of set-up: where it is ("Step 2 of 4", read with the heading), and a way back to
 * the screen before, not taken while something is being done (the diary being made).
 * @param {string} title
 * @param {(Node | string | null)[]} body
 * @param {Place} [place]
 * @param {import("../router.js").Show} [show]
 */
function step(title, body, place, show) {
  const id = `step${++counter}`;
  const $section = h(
    "section",
    { class: "stack" },
    place ? h("p", { class: "step-count", id }, `Step ${place.at} of ${place.of}`) : null,
    h("h1", { "aria-describedby": place ? id : null }, title),
    ...body,
  );
  const back = place?.back;
  if (back && show) {
    $section.append(
      button("Back", () => {
        if (!$section.querySelector("[aria-busy=true]")) show(back);
      }, "button block secondary step-back"),
    );
  }
  return $section;
}

/** @param {import("../router.js").Show} show @param {() => void} done @param {() => void} cancel */
function intro(show, done, cancel) {
  return step("Set up your private diary", [
    h("p", { class: "lead" }, "Cairn keeps a diary of what is happening to you, encrypted on this phone. Nobody can read it without your passkey or your recovery passphrase."),
    h("p", {}, "To anyone else it looks like an ordinary app. You choose which one, and a secret code that opens the diary from it."),
    button("Start", () => show(chooseLookAndCode(show, introView(done, cancel), NEW, (code) => passphraseView(done, code)))),
    button("Restore from a backup file", () => show(chooseLookAndCode(show, introView(done, cancel), RESTORED, (code) => restoreStep(done, code))), "button block secondary"),
    button("Restore from the server copy", () => show(chooseLookAndCode(show, introView(done, cancel), RESTORED, (code) => serverRestoreStep(done, code))), "button block secondary"),
    button("What the disguise does not hide", () => show(safetyView(() => show(introView(done, cancel)))), "button block secondary"),
    button("Not now", cancel, "button block secondary"),
  ]);
}

/**
 * Steps 1 and 2: the disguise, then the code; then the screen `after` makes (handed the code
 * step, the screen to go back to).
 * @param {import("../router.js").Show} show
 * @param {View} back  before step 1
 * @param {number} of  steps in all
 * @param {(code: View) => View} after
 */
function chooseLookAndCode(show, back, of, after) {
  const look = lookStep(() => show(code), { at: 1, of, back });
  const code = codeStep(() => show(after(code)), { at: 2, of, back: look });
  return look;
}

/**
 * Choose the disguise: the app's icon, name and look on this phone.
 * @param {() => void} next
 * @param {Place} place
 * @returns {View}
 */
function lookStep(next, place) {
  return {
    title: "Choose how it looks",
    /** @param {unknown} _ @param {import("../router.js").Show} show */
    render(_, show) {
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
      return step("Choose how it looks", [$form], place, show);
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
 * @param {Place} place
 * @returns {View}
 */
function codeStep(next, place) {
  return {
    title: "Choose your secret code",
    /** @param {unknown} _ @param {import("../router.js").Show} show */
    render(_, show) {
      const { $form } = codeForm({
        look: state.look,
        refuse: state.startCode,
        value: state.code,
        submit: "Next",
        onValid(code) {
          state.code = code;
          next();
        },
      });
      return step("Choose your secret code", [$form], place, show);
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
  const look = lookStep(() => show(code), { at: 1, of: 2 });
  const code = codeStep(
    async () => {
      await prefs.setCode(state.code);
      prefs.setLook(state.look);
      wear(state.look);
      forget();
      done();
    },
    { at: 2, of: 2, back: look },
  );
  return {
    ...look,
    /** @param {unknown} _ @param {import("../router.js").Show} handed */
    render(_, handed) {
      show = handed;
      return look.render(_, handed);
    },
  };
}

/**
 * A code typed twice, with how it is used in the chosen disguise.
 * @param {{ look: string, submit: string, refuse?: string, value?: string, onValid: (code: string) => void | Promise<void> }} options
 *   value: the code chosen before, when the person comes back to change it
 */
export function codeForm({ look, submit, refuse = "", value = "", onValid }) {
  const input = (/** @type {string} */ name) =>
    // Text shown as dots (not a password field, which password managers offer to save).
    h("input", { class: "input secret-digits", name, type: "text", inputmode: "numeric", pattern: "[0-9]*", maxlength: 6, autocomplete: "off", spellcheck: "false", value: value || null });
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

/**
 * Step 3: the recovery passphrase, as the person last had it (the words they wrote down, or
 * their own to type again).
 * @param {() => void} done @param {View} code  the step before
 * @returns {View}
 */
function passphraseView(done, code) {
  return state.chosen ? chooseView(done, code) : generatedView(done, code);
}

/** @param {() => void} done @param {View} code @returns {View} */
function generatedView(done, code) {
  return { title: "Your recovery passphrase", render: (_, show) => generated(show, done, code) };
}

/** @param {() => void} done @param {View} code @returns {View} */
function chooseView(done, code) {
  return { title: "Choose your passphrase", render: (_, show) => choose(show, done, code) };
}

/** @param {() => void} done @param {View} back @returns {View} */
function passkeyView(done, back) {
  return { title: "How will you open your diary?", render: (_, show) => passkeyStep(show, done, back) };
}

/** @param {import("../router.js").Show} show @param {() => void} done @param {View} code */
function generated(show, done, code) {
  // Coming back keeps the words already shown: they may be written down by now.
  if (!state.passphrase || state.chosen) {
    state.passphrase = generate();
    state.chosen = false;
  }
  const $words = h("p", { class: "passphrase", id: "generated-passphrase" }, state.passphrase);
  return step(
    "Your recovery passphrase",
    [
      h("p", {}, "If you lose this phone's passkey, this passphrase is the only way back into your diary. Write it down on paper and keep it somewhere safe, away from anyone who might look."),
      h("p", { class: "hint" }, "Your passphrase:"),
      $words,
      button("I have written it down", () => show({ title: "Check your passphrase", render: (_, show) => confirm(show, done, code) })),
      button("Show different words", () => {
        state.passphrase = generate();
        $words.textContent = state.passphrase;
      }, "button block secondary"),
      button("I'd rather choose my own", () => show(chooseView(done, code)), "button block secondary"),
    ],
    { at: 3, of: NEW, back: code },
    show,
  );
}

/** @param {import("../router.js").Show} show @param {() => void} done @param {View} code */
function confirm(show, done, code) {
  const $input = passphraseInput({ type: "text" });
  const $error = errorBox();
  const form = h(
    "form",
    { class: "stack", novalidate: true },
    field("Type your passphrase", $input, "Type it from what you wrote down, to check you have it right."),
    $error,
    h("button", { type: "submit", class: "button block" }, "Check"),
    button("Show it again", () => show({ title: "Your recovery passphrase", render: (_, show) => shown(show, done, code) }), "button block secondary"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const typed = $input.value.normalize("NFKC").trim().replace(/\s+/g, " ").toLowerCase();
    if (typed !== state.passphrase) {
      $error.textContent = "That does not match. Look at what you wrote down and try again.";
      $input.focus();
      return;
    }
    show(passkeyView(done, generatedView(done, code)));
  });
  return step("Check your passphrase", [form], { at: 3, of: NEW, back: generatedView(done, code) }, show);
}

/**
 * The same passphrase again, for someone who did not write it down in time.
 * @param {import("../router.js").Show} show @param {() => void} done @param {View} code
 */
function shown(show, done, code) {
  return step(
    "Your recovery passphrase",
    [
      h("p", { class: "passphrase" }, state.passphrase),
      button("I have written it down", () => show({ title: "Check your passphrase", render: (_, show) => confirm(show, done, code) })),
    ],
    { at: 3, of: NEW },
  );
}

/** @param {import("../router.js").Show} show @param {() => void} done @param {View} code */
function choose(show, done, code) {
  const { $form } = newPassphraseForm(
    {
      label: "Your passphrase",
      hint: "Four or more words you will remember, that nobody could guess.",
      submit: "Use this passphrase",
      onValid(passphrase) {
        state.passphrase = passphrase;
        state.chosen = true;
        show(passkeyView(done, chooseView(done, code)));
      },
    },
    button("Give me random words instead", () => show(generatedView(done, code)), "button block secondary"),
  );
  return step("Choose your passphrase", [$form], { at: 3, of: NEW, back: code }, show);
}

/**
 * Step 4, the last: the diary is made here, so it says so, and Back is only before that.
 * @param {import("../router.js").Show} show @param {() => void} done @param {View} back
 */
async function passkeyStep(show, done, back) {
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
  const place = { at: NEW, of: NEW, back };
  const $final = h("p", { class: "hint" }, "Your diary is made as soon as you choose. There is no going back through these steps after that: the passphrase and passkey can be changed in settings.");
  if (cannot) {
    // Asking for one here would wait for a security key the person does not have.
    $skip.textContent = "Continue with my passphrase";
    return step(
      "How will you open your diary?",
      [
        h("p", {}, "You will open it by typing your passphrase each time."),
        h("p", { class: "hint" }, `${cannot} If that changes, you can add a passkey later in settings.`),
        $final,
        $skip,
        $error,
        $status,
      ],
      place,
      show,
    );
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
    $final,
    $passkey,
    $skip,
    $error,
    $status,
  ], place, show);
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
 * @param {View} code  the step before
 * @returns {View}
 */
function restoreStep(done, code) {
  return {
    title: "Restore your diary",
    /** @param {unknown} _ @param {import("../router.js").Show} show */
    async render(_, show) {
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
      return step(
        "Restore your diary",
        [h("p", {}, "Choose your backup file, then type the passphrase that protects it. Everything in it is checked before anything is kept."), $form],
        { at: RESTORED, of: RESTORED, back: code },
        show,
      );
    },
  };
}

/**
 * Restore the diary from the encrypted copy on the server, after choosing its disguise and
 * code: sign in with the passkey, download, then open it with the passkey or the passphrase.
 * @param {() => void} done
 * @param {View} code  the step before
 * @returns {View}
 */
function serverRestoreStep(done, code) {
  return {
    title: "Restore from the server copy",
    /** @param {unknown} _ @param {import("../router.js").Show} show */
    async render(_, show) {
      // Loaded only here: the disguise and set-up stay small.
      const { restoreFromServer } = await import("./server-copy.js");
      const signIn = restoreFromServer((startedAt, makeVault) => keepAndOpen(startedAt, makeVault, done), keys.lockEpoch);
      const $screen = /** @type {HTMLElement} */ (await signIn.render(undefined, show));
      // Its screen, with this step's place and way back (Back waits while it signs in).
      const $heading = /** @type {HTMLElement} */ ($screen.querySelector("h1"));
      const rest = [...$screen.childNodes].filter((n) => n !== $heading);
      return step($heading.textContent || "", rest, { at: RESTORED, of: RESTORED, back: code }, show);
    },
  };
}
