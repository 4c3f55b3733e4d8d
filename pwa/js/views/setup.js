// @ts-check
// First run: a recovery passphrase (generated or chosen, then confirmed), then a passkey
// with PRF if the phone has one. Everything here works offline.
import { h } from "../dom.js";
import { show } from "../router.js";
import * as keys from "../vault/keys.js";
import { NoPrfError, createWithPrf, supported } from "../vault/passkey.js";
import { generate } from "../vault/passphrase.js";
import { newPassphraseForm } from "./passphrase-form.js";
import { persist } from "../vault/records.js";
import { busy, button, errorBox, field, passphraseInput } from "./ui.js";

/** @type {{ passphrase: string }} */
const state = { passphrase: "" };

/** @param {() => void} done called once the vault exists and is unlocked */
export function setup(done) {
  state.passphrase = "";
  return {
    title: "Set up your private diary",
    render: () => intro(done),
    leave() {
      state.passphrase = "";
    },
  };
}

/** @param {string} title @param {(Node | string | null)[]} body */
function step(title, body) {
  return h("section", { class: "stack" }, h("h1", {}, title), ...body);
}

/** @param {() => void} done */
function intro(done) {
  return step("Set up your private diary", [
    h("p", { class: "lead" }, "Cairn keeps a diary of what is happening to you, encrypted on this phone. Nobody can read it without your passkey or your recovery passphrase."),
    h("p", {}, "It takes two steps: a recovery passphrase that you write down, then your fingerprint, face or screen lock."),
    button("Start", () => show({ title: "Your recovery passphrase", render: () => generated(done) })),
  ]);
}

/** @param {() => void} done */
function generated(done) {
  state.passphrase = generate();
  const $words = h("p", { class: "passphrase", id: "generated-passphrase" }, state.passphrase);
  return step("Your recovery passphrase", [
    h("p", {}, "If you lose this phone's passkey, this passphrase is the only way back into your diary. Write it down on paper and keep it somewhere safe, away from anyone who might look."),
    h("p", { class: "hint" }, "Your passphrase:"),
    $words,
    button("I have written it down", () => show({ title: "Check your passphrase", render: () => confirm(done) })),
    button("Show different words", () => {
      state.passphrase = generate();
      $words.textContent = state.passphrase;
    }, "button block secondary"),
    button("I'd rather choose my own", () => show({ title: "Choose your passphrase", render: () => choose(done) }), "button block secondary"),
  ]);
}

/** @param {() => void} done */
function confirm(done) {
  const $input = passphraseInput({ type: "text" });
  const $error = errorBox();
  const form = h(
    "form",
    { class: "stack", novalidate: true },
    field("Type your passphrase", $input, "Type it from what you wrote down, to check you have it right."),
    $error,
    h("button", { type: "submit", class: "button block" }, "Check"),
    button("Show it again", () => show({ title: "Your recovery passphrase", render: () => shown(done) }), "button block secondary"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const typed = $input.value.normalize("NFKC").trim().replace(/\s+/g, " ").toLowerCase();
    if (typed !== state.passphrase) {
      $error.textContent = "That does not match. Look at what you wrote down and try again.";
      $input.focus();
      return;
    }
    show({ title: "Unlock with your fingerprint or face", render: () => passkeyStep(done) });
  });
  return step("Check your passphrase", [form]);
}

/** The same passphrase again, for someone who did not write it down in time. @param {() => void} done */
function shown(done) {
  return step("Your recovery passphrase", [
    h("p", { class: "passphrase" }, state.passphrase),
    button("I have written it down", () => show({ title: "Check your passphrase", render: () => confirm(done) })),
  ]);
}

/** @param {() => void} done */
function choose(done) {
  const { $form } = newPassphraseForm(
    {
      label: "Your passphrase",
      hint: "Four or more words you will remember, that nobody could guess.",
      submit: "Use this passphrase",
      onValid(passphrase) {
        state.passphrase = passphrase;
        show({ title: "Unlock with your fingerprint or face", render: () => passkeyStep(done) });
      },
    },
    button("Give me random words instead", () => show({ title: "Your recovery passphrase", render: () => generated(done) }), "button block secondary"),
  );
  return step("Choose your passphrase", [$form]);
}

/** @param {() => void} done */
function passkeyStep(done) {
  const $error = errorBox();
  const $status = h("p", { role: "status" });
  /** @param {import("../vault/keys.js").PasskeyProof} [passkey] */
  const finish = async (passkey) => {
    try {
      await keys.createVault({ passphrase: state.passphrase, passkey });
    } catch (error) {
      $status.textContent = "";
      $error.textContent = /** @type {Error} */ (error).message;
      return;
    }
    state.passphrase = "";
    persist().catch(() => false);
    done();
  };
  const $passkey = button("Use fingerprint, face or screen lock", async () => {
    $error.textContent = "";
    await busy($passkey, "Waiting for your passkey…", async () => {
      let proof;
      try {
        proof = await createWithPrf();
      } catch (error) {
        if (error instanceof NoPrfError) {
          $passkey.hidden = true;
          $skip.textContent = "Continue with my passphrase";
          $skip.className = "button block";
        }
        $error.textContent = /** @type {Error} */ (error).message;
        return;
      }
      $status.textContent = "Setting up your diary…";
      await finish(proof);
    });
  });
  const $skip = button("Skip: unlock with my passphrase only", async () => {
    await busy($skip, "Setting up your diary…", () => finish());
  }, "button block secondary");
  if (!supported()) {
    $passkey.hidden = true;
    $error.textContent = "This browser cannot use passkeys. You will unlock with your passphrase; you can add a passkey later from settings.";
  }
  return step("Unlock with your fingerprint or face", [
    h("p", {}, "A passkey lets you open your diary with your fingerprint, face or screen lock, without typing your passphrase."),
    $passkey,
    $error,
    $status,
    $skip,
  ]);
}
