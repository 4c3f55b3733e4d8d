// @ts-check
// Settings: ways to unlock (passkeys, the passphrase), locking, erase after wrong tries,
// and hiding (the disguise, quick exit: views/hiding.js; erasing everything: views/erase.js).
import { h } from "../dom.js";
import { plainWords } from "../errors.js";
import * as keys from "../vault/keys.js";
import * as lockPolicy from "../vault/lock.js";
import { NoPrfError, abilities, createWithPrf, whyNoPasskey } from "../vault/passkey.js";
import * as records from "../vault/records.js";
import { backupView } from "./backup.js";
import { hidingSettings } from "./hiding.js";
import { newPassphraseForm } from "./passphrase-form.js";
import { serverCopySettings } from "./server-copy.js";
import { ask, busy, button, errorBox, field } from "./ui.js";


/** @typedef {Awaited<ReturnType<typeof keys.slots>>[number]} Way  one way to unlock, as listed */

const GRACE = [
  [0, "Straight away"],
  [15, "After 15 seconds"],
  [60, "After 1 minute"],
  [300, "After 5 minutes"],
];
const IDLE = [
  [2, "After 2 minutes"],
  [5, "After 5 minutes"],
  [15, "After 15 minutes"],
];
const WIPE = [
  [0, "Never"],
  [5, "After 5 wrong tries"],
  [10, "After 10 wrong tries"],
  [20, "After 20 wrong tries"],
];

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });

/**
 * @param {[number, string][]} options
 * @param {number} value
 */
function select(options, value) {
  return h("select", {}, options.map(([v, label]) => h("option", { value: String(v), selected: v === value }, label)));
}

/** @param {number} n  bytes */
const mb = (n) => (n >= 1_073_741_824 ? `${(n / 1_073_741_824).toFixed(1)} GB` : `${(n / 1_048_576).toFixed(1)} MB`);

/** @param {{ onBack: () => void }} actions */
export function settings({ onBack }) {
  /** @type {(() => void) | null} */
  let stopCopy = null;
  const view = {
    title: "Settings",
    leave() {
      stopCopy?.();
      stopCopy = null;
    },
    /** @param {unknown} _ @param {import("../router.js").Show} show */
    async render(_, show) {
      const $error = errorBox();
      const [slots, can] = await Promise.all([keys.slots(), abilities()]);
      const ways = waysPart(slots, { view, $error, show, cannot: whyNoPasskey(can) });
      const policy = lockPolicy.current();
      const locking = lockingPart(policy, await keys.wipeAfter(), { $error, show });
      const storage = storagePart(await records.usage());
      stopCopy?.();
      const serverCopy = serverCopySettings(show, { canSignIn: can.platform });
      stopCopy = serverCopy.stop;

      return h(
        "section",
        { class: "stack" },
        h("h1", {}, "Settings"),
        $error,
        ways.$el,
        locking.$el,
        hidingSettings(view, $error, show),
        storage.$el,
        backupPart(view, show).$el,
        serverCopy.$el,
        button("Back", onBack, "button block secondary"),
      );
    },
  };
  return view;
}

/**
 * Ways to unlock: the passkeys (each can be removed; those of another phone, restored from
 * a backup or the server copy, named as such) and the passphrase, adding a passkey where this
 * phone can make one, changing the passphrase. Settings is shown again after a change, to
 * list what is there now.
 * @param {Way[]} slots
 * @param {{ view: import("../router.js").View, $error: HTMLElement, show: import("../router.js").Show, cannot: string }} options
 *   view: the settings screen; cannot: why this phone can make no passkey, or ""
 */
function waysPart(slots, { view, $error, show, cannot }) {
  const ownPasskeys = slots.filter((s) => s.type === "passkey" && s.here).length;
  const $ways = h("ul", { class: "list" }, slots.map((slot) => slotRow(slot, { view, $error, show })));

  const $add = button(ownPasskeys ? "Add another passkey" : "Add a passkey", async () => {
    $error.textContent = "";
    try {
      await busy($add, "Waiting for your passkey…", async () => {
        await keys.addPasskey(await createWithPrf());
      });
    } catch (error) {
      $error.textContent = plainWords(error);
      if (error instanceof NoPrfError) $add.hidden = true;
      return;
    }
    show.say("Passkey added.");
    show(view);
  });

  return {
    $el: [
      h("h2", {}, "Ways to unlock"),
      $ways,
      cannot ? h("p", { class: "hint" }, cannot) : $add,
      button("Change my passphrase", () => show(changePassphrase(view)), "button block secondary"),
    ],
  };
}

/**
 * One way to unlock in the list; a passkey has a Remove button (after asking).
 * @param {Way} slot
 * @param {{ view: import("../router.js").View, $error: HTMLElement, show: import("../router.js").Show }} options
 */
function slotRow(slot, { view, $error, show }) {
  return h(
    "li",
    { class: "row" },
    h("span", {}, slot.type === "passkey" ? `${slot.here ? "This phone's passkey" : "A passkey from another phone"}, added ${dateFormat.format(slot.added)}` : "Recovery passphrase"),
    slot.type === "passkey"
      ? button(
          "Remove",
          (/** @type {Event} */ event) => {
            const question = "Remove this passkey? You can still unlock with your passphrase.";
            ask(/** @type {HTMLElement} */ (event.currentTarget), { question, yes: "Yes, remove it" }, async () => {
              try {
                await keys.removeSlot(slot.id);
                show.say("Passkey removed.");
                show(view);
              } catch (error) {
                $error.textContent = plainWords(error);
              }
            });
          },
          "button secondary",
        )
      : null,
  );
}

/**
 * When to lock, and erasing after wrong passphrases; each saved as soon as it is changed.
 * @param {ReturnType<typeof lockPolicy.current>} policy
 * @param {number} wipeAfter  wrong tries before erasing; 0 for never
 * @param {{ $error: HTMLElement, show: import("../router.js").Show }} options
 */
function lockingPart({ hiddenGraceSeconds, idleMinutes }, wipeAfter, { $error, show }) {
  const $grace = select(/** @type {[number, string][]} */ (GRACE), hiddenGraceSeconds);
  const $idle = select(/** @type {[number, string][]} */ (IDLE), idleMinutes);
  const $wipe = select(/** @type {[number, string][]} */ (WIPE), wipeAfter);
  const saveLock = async () => {
    const next = { hiddenGraceSeconds: Number($grace.value), idleMinutes: Number($idle.value) };
    try {
      await records.put(lockPolicy.SETTINGS.kind, lockPolicy.SETTINGS.id, next);
      lockPolicy.configure(next);
      show.say("Saved.");
    } catch (error) {
      $error.textContent = plainWords(error);
    }
  };
  $grace.addEventListener("change", saveLock);
  $idle.addEventListener("change", saveLock);
  $wipe.addEventListener("change", async () => {
    await keys.setWipeAfter(Number($wipe.value));
    show.say(Number($wipe.value) ? "Saved. Keep your passphrase safe." : "Saved.");
  });

  return {
    $el: [
      h("h2", {}, "Locking"),
      field("Lock when I leave the app", $grace),
      field("Lock when I stop using it", $idle),
      h("h2", {}, "Wrong passphrases"),
      field(
        "Erase everything on this phone",
        $wipe,
        "If someone keeps guessing your passphrase, the diary is erased. You would lose it too, unless you have a copy.",
      ),
    ],
  };
}

/**
 * How much the diary takes on this phone, and whether the phone may clear it.
 * @param {{ used: number, quota: number, persisted: boolean }} usage
 */
function storagePart({ used, quota, persisted }) {
  return {
    $el: [
      h("h2", {}, "Storage"),
      h(
        "p",
        {},
        `Using ${mb(used)} of ${mb(quota)} available.`,
        persisted ? " The phone will keep this data even when space runs low." : " The phone may clear this data if space runs very low.",
      ),
    ],
  };
}

/**
 * The way to the backup file.
 * @param {import("../router.js").View} view  the settings screen, to come back to
 * @param {import("../router.js").Show} show
 */
function backupPart(view, show) {
  return {
    $el: [
      h("h2", {}, "Backup"),
      h("p", {}, "Keep a copy of your diary in an encrypted file, for if this phone is lost, taken or broken."),
      button("Backup file", () => show(backupView(view)), "button block secondary"),
    ],
  };
}

/** @param {import("../router.js").View} back */
function changePassphrase(back) {
  return {
    title: "Change your passphrase",
    /** @param {unknown} _ @param {import("../router.js").Show} show */
    render(_, show) {
      const { $form, $submit } = newPassphraseForm(
        {
          label: "New passphrase",
          hint: "Write it down and keep it somewhere safe.",
          submit: "Save new passphrase",
          async onValid(passphrase) {
            await busy($submit, "Saving…", () => keys.changePassphrase(passphrase));
            show.say("Your passphrase was changed.");
            show(back);
          },
        },
        button("Cancel", () => show(back), "button block secondary"),
      );
      return h("section", { class: "stack" }, h("h1", {}, "Change your passphrase"), $form);
    },
  };
}
