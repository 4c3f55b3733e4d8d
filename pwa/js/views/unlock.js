// @ts-check
// Unlock: one button for the passkey, "use my passphrase instead" below it, where a passkey
// made or used on this phone can work here; otherwise the passphrase first, and any passkey
// (from another phone, which may be synced here) as a second button.
import { h } from "../dom.js";
import * as prefs from "../disguise/prefs.js";
import { plainWords } from "../errors.js";
import * as keys from "../vault/keys.js";
import { abilities, getPrf } from "../vault/passkey.js";
import { busy, button, errorBox, field, passphraseInput } from "./ui.js";

/**
 * Nothing on this screen says what is behind it: it is shown before the unlock.
 * @param {() => void} done called once unlocked
 * @param {() => void} cancel back to the disguise
 */
export function unlock(done, cancel) {
  /** @type {ReturnType<typeof setInterval> | undefined} */
  let countdown;
  return {
    title: "Unlock",
    async render() {
      const [passkeys, can] = await Promise.all([keys.passkeySlots(), abilities()]);
      const offered = can.prf ? passkeys : [];
      // After a restore the passkeys came from another phone: a tap would most likely fail.
      const first = can.platform && offered.some((s) => s.here);
      const $error = errorBox();
      const $input = passphraseInput({ name: "passphrase" });
      const $submit = h("button", { type: "submit", class: "button block" }, "Unlock");
      const $form = h(
        "form",
        { class: "stack", novalidate: true, hidden: first },
        field("Recovery passphrase", $input),
        $submit,
      );

      const waitThenAllow = async () => {
        clearInterval(countdown);
        const tick = async () => {
          const left = await keys.waitSeconds();
          $submit.disabled = left > 0;
          $submit.textContent = left > 0 ? `Wait ${keys.formatWait(left)}` : "Unlock";
          if (left <= 0) clearInterval(countdown);
        };
        await tick();
        countdown = setInterval(tick, 1000);
      };

      $form.addEventListener("submit", async (event) => {
        event.preventDefault();
        if ($submit.disabled) return;
        $error.textContent = "";
        if (!$input.value.trim()) {
          $error.textContent = "Type your recovery passphrase.";
          $input.focus();
          return;
        }
        try {
          await busy($submit, "Unlocking…", () => keys.unlockWithPassphrase($input.value));
        } catch (error) {
          $error.textContent = plainWords(error);
          if (/** @type {Error} */ (error).name === "WipedError") {
            // Whoever was guessing learns nothing: the phone is as new, showing its disguise,
            // and only the start code sets it up again.
            prefs.forgetCode();
            cancel();
            return;
          }
          $input.select();
          await waitThenAllow();
          return;
        }
        $input.value = "";
        done();
      });

      const $passkey = button("Unlock with passkey", async () => {
        $error.textContent = "";
        try {
          await busy($passkey, "Waiting for your passkey…", async () => {
            const startedAt = keys.lockEpoch();
            const { credentialId, prfOutput } = await getPrf(offered);
            await keys.unlockWithPrf(credentialId, prfOutput, startedAt);
          });
        } catch (error) {
          const e = /** @type {Error} */ (error);
          $error.textContent =
            e.name === "TamperedError" ? "That passkey does not unlock this. Use your passphrase instead." : plainWords(e);
          return;
        }
        done();
      }, first ? "button block" : "button block secondary");
      const $other = button(
        "Use my passphrase instead",
        () => {
          $form.hidden = false;
          $other.hidden = true;
          $input.focus();
        },
        "button block secondary",
      );

      await waitThenAllow();
      const $close = button("Close", cancel, "button block secondary");
      if (first) return h("section", { class: "stack" }, h("h1", {}, "Unlock"), $passkey, $error, $form, $other, $close);
      const elsewhere = offered.length > 0 && !offered.some((s) => s.here);
      return h(
        "section",
        { class: "stack" },
        h("h1", {}, "Unlock"),
        $error,
        $form,
        offered.length ? $passkey : null,
        elsewhere ? h("p", { class: "hint" }, "Your passkey is from another phone: it works here only if it is saved to an account this phone uses.") : null,
        $close,
      );
    },
    leave() {
      clearInterval(countdown);
    },
  };
}
