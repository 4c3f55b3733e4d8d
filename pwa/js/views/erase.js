// @ts-check
// Erasing everything on this phone, from Settings: after a countdown a tap cancels. With the
// server copy on, erasing first asks whether to delete that copy too or only sign out.
import { OfflineError } from "../api.js";
import * as account from "../sync/account.js";
import * as copy from "../sync/copy.js";
import * as prefs from "../disguise/prefs.js";
import { h } from "../dom.js";
import { plainWords } from "../errors.js";
import * as keys from "../vault/keys.js";
import { button, errorBox } from "./ui.js";

/** @typedef {"delete" | "sign-out" | null} ServerChoice  null: there is no server copy */

const ERASE_SECONDS = 5;

/**
 * Erasing everything on this phone: what it cannot remove, and the button that starts the
 * countdown (asking first, with the server copy on, what happens to that copy).
 * @param {import("../router.js").View} back @param {import("../router.js").Show} show
 */
export function eraseSection(back, show) {
  const $erase = button("Erase everything on this phone", async () => {
    const { on } = await copy.saved().catch(() => ({ on: false }));
    if (on) askAboutCopy($erase, (choice) => show(erasing(back, choice)));
    else show(erasing(back, null));
  }, "button block danger");
  return {
    $el: [
      h("h2", {}, "Erase"),
      h(
        "div",
        { class: "danger-zone stack" },
        h("p", {}, "Erase every entry, file, draft and key on this phone. It cannot be undone. The disguise stays and still works."),
        h("p", {}, "Erasing cannot remove:"),
        h(
          "ul",
          {},
          h("li", {}, "the icon on your home screen: press and hold it to remove it;"),
          h("li", {}, "files you already saved or shared, such as reports, tables, bundles and backup files: look in your downloads;"),
          h("li", {}, "your passkey: the phone may still list it with its passwords and passkeys; delete it there."),
        ),
        $erase,
      ),
    ],
  };
}

/**
 * With the server copy on: ask, in the page, what happens to it (deleting it is the
 * default), in place of the erase button; focus goes to "Keep everything", Escape means no.
 * @param {HTMLButtonElement} $from
 * @param {(choice: ServerChoice) => void} go
 */
function askAboutCopy($from, go) {
  const $delete = h("input", { type: "radio", name: "server-copy", value: "delete", checked: true });
  const $signOut = h("input", { type: "radio", name: "server-copy", value: "sign-out" });
  const close = () => {
    $box.remove();
    $from.hidden = false;
    $from.focus();
  };
  const $keep = button("Keep everything", close, "button secondary");
  const $box = h(
    "div",
    { class: "ask stack", role: "group", "aria-labelledby": "erase-copy-q" },
    h("p", { id: "erase-copy-q" }, "You also keep an encrypted copy of your diary on the server. What should happen to it?"),
    h(
      "fieldset",
      { class: "choices" },
      h("legend", {}, "The copy on the server"),
      h("label", { class: "choice" }, $delete, "Delete it too. Nothing can bring the diary back."),
      h("label", { class: "choice" }, $signOut, "Keep it, and only sign this phone out. Your passkey can bring the diary back from it."),
    ),
    h(
      "div",
      { class: "row-buttons" },
      button("Erase everything", () => go($signOut.checked ? "sign-out" : "delete"), "button danger"),
      $keep,
    ),
  );
  $box.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.stopPropagation();
      close();
    }
  });
  $from.hidden = true;
  $from.after($box);
  $keep.focus();
}

/**
 * Tell the phone's passkey manager that these passkeys are gone, so it can stop offering
 * them, where the browser can (Chrome's signalUnknownCredential). Never fails.
 * @param {string[]} credentialIds
 */
function forgetPasskeys(credentialIds) {
  const signal = /** @type {any} */ (globalThis.PublicKeyCredential)?.signalUnknownCredential;
  if (typeof signal !== "function") return;
  for (const credentialId of credentialIds) {
    try {
      Promise.resolve(signal.call(PublicKeyCredential, { rpId: location.hostname, credentialId })).catch(() => {});
    } catch {
      // Refused (not allowed here, say): the erase is done all the same.
    }
  }
}

/**
 * The countdown: any tap stops it; at zero everything is erased (`eraseAll`).
 * @param {import("../router.js").View} back
 * @param {ServerChoice} serverCopy
 */
function erasing(back, serverCopy) {
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
      const cancel = () => {
        stop();
        show.say("Stopped. Nothing was erased.");
        show(back);
      };
      const screen = countdownScreen(left, cancel);

      // A tap anywhere on the screen stops it (the Stop button and Quick exit included).
      onTap = (event) => {
        event.preventDefault();
        cancel();
      };
      document.addEventListener("pointerdown", onTap, true);
      timer = setInterval(async () => {
        left -= 1;
        screen.$count.textContent = String(Math.max(left, 0));
        if (left > 0) return;
        stop();
        await eraseAll(serverCopy, screen, () => show(back));
      }, 1000);
      return screen.$el;
    },
    leave: stop,
  };
}

/**
 * The countdown screen: the seconds left, how to stop, what is being done, what failed,
 * and a place for the choices when the server copy cannot be dealt with.
 * @param {number} seconds @param {() => void} onStop
 */
function countdownScreen(seconds, onStop) {
  const $count = h("p", { class: "countdown", role: "timer", "aria-live": "assertive" }, String(seconds));
  const $status = h("p", { role: "status" });
  const $error = errorBox();
  const $stop = h("button", { type: "button", class: "button block", onclick: onStop }, "Stop, don't erase");
  const $lead = h("p", { class: "lead" }, "Tap anywhere on the screen to stop.");
  const $choices = h("div", { class: "stack" });
  const $el = h(
    "section",
    { class: "stack erase-countdown" },
    h("h1", {}, "Erasing everything on this phone"),
    $count,
    $lead,
    $stop,
    $status,
    $error,
    $choices,
  );
  return { $el, $count, $lead, $stop, $status, $error, $choices };
}

/** @typedef {ReturnType<typeof countdownScreen>} Countdown */

/**
 * At zero: the server copy is dealt with as chosen (this phone is signed out either way),
 * then everything on this phone is erased.
 * @param {ServerChoice} serverCopy @param {Countdown} screen @param {() => void} goBack
 */
async function eraseAll(serverCopy, screen, goBack) {
  if (serverCopy) {
    screen.$status.textContent = serverCopy === "delete" ? "Deleting the copy on the server…" : "Signing out of the server copy…";
    try {
      await account.leave(serverCopy);
    } catch (error) {
      cannotReach(error, serverCopy, screen, goBack);
      return;
    }
  }
  screen.$status.textContent = "Erasing…";
  await erasePhone(serverCopy, screen);
}

/**
 * Erase everything on this phone, and tell the passkey manager its passkeys are gone.
 * @param {ServerChoice} serverCopy @param {Countdown} screen
 */
async function erasePhone(serverCopy, { $status, $error }) {
  // The vault's passkeys, read before they are deleted. Kept on purpose when the server
  // copy stays: they are the way back into it.
  const passkeys = serverCopy === "sign-out" ? [] : (await keys.passkeySlots().catch(() => [])).map((s) => s.credentialId);
  try {
    // Deleted first, then locked: if deleting fails, the person is still here to see it.
    await keys.eraseEverything();
    prefs.forgetCode();
  } catch (error) {
    $status.textContent = "";
    $error.textContent = `Nothing on this phone was erased: ${plainWords(error)} Try again.`;
    return;
  }
  forgetPasskeys(passkeys);
}

/**
 * The server could not be reached or refused: say what that means, and let them choose.
 * @param {unknown} error @param {"delete" | "sign-out"} how @param {Countdown} screen @param {() => void} goBack
 */
function cannotReach(error, how, screen, goBack) {
  const { $status, $error, $lead, $stop, $choices } = screen;
  $status.textContent = "";
  $error.textContent =
    error instanceof OfflineError
      ? `The server copy could not be reached, so ${how === "delete" ? "it was not deleted, and " : ""}this phone is still signed in to it. Until it is reached, whoever has this phone could bring your diary back from it with your passkey.`
      : `${how === "delete" ? "The copy on the server was not deleted" : "This phone could not sign out of the server copy"}: ${plainWords(error)}`;
  $lead.hidden = true;
  $stop.hidden = true;
  $choices.replaceChildren(
    h("p", {}, `If you erase this phone now, it will ${how === "delete" ? "delete the copy and sign out" : "sign out"} by itself the next time the app is opened with a connection.`),
    button("Erase this phone now", async () => {
      $choices.replaceChildren();
      copy.finishLater(how);
      $status.textContent = "Erasing…";
      await erasePhone(how, screen);
    }, "button block danger"),
    button("Stop, don't erase", goBack, "button block secondary"),
  );
}
