// @ts-check
// The encrypted copy on the server, as the person sees it: turning it on, how the backing up
// is going, signing out and in, deleting it (in settings), a calm line on the diary's home,
// and getting the diary back from it on a new phone (in set-up).
import { PlainError, plainWords } from "../errors.js";
import { ApiError, OfflineError } from "../api.js";
import * as account from "../sync/account.js";
import * as client from "../sync/client.js";
import * as copy from "../sync/copy.js";
import * as grant from "../sync/grant.js";
import { h } from "../dom.js";
import { BackupError } from "../formats/backup/format.js";
import { restore } from "../formats/backup/restore.js";
import { prfKek } from "../vault/crypto.js";
import * as keys from "../vault/keys.js";
import { holdDuring } from "../vault/lock.js";
import { NoPrfError, PasskeyCancelledError, getPrf, supported } from "../vault/passkey.js";
import { progressBar } from "./backup.js";
import { longDateTime, shortDate } from "./format.js";
import { ask, busy, button, errorBox, field, passphraseInput } from "./ui.js";

/**
 * What went wrong, in plain words; nothing is ever lost by these.
 * @param {unknown} error
 */
export function plainError(error) {
  const e = /** @type {Error} */ (error);
  if (e instanceof ApiError) {
    if (e.status === 401) return "You are signed out of the server copy. Sign in again to carry on. Nothing on this phone was lost.";
    if (e.status === 413) return "The server copy is full. Everything is still on this phone.";
    if (e.status === 429) return "Too many tries in a short time. Wait a minute, then try again.";
    return e.message;
  }
  if (e instanceof OfflineError) return e.message;
  return plainWords(error);
}

/** A status line that follows the copy, with its time kept fresh. @param {string} cls */
function statusLine(cls) {
  const $status = h("p", { class: cls, role: "status" });
  /** @type {copy.Status} */
  let last = { phase: "off", last: null, fraction: 0, pending: null, message: "" };
  const say = () => {
    const text = copy.describe(last);
    if ($status.textContent !== text) $status.textContent = text;
    $status.hidden = !text;
  };
  const stopStatus = copy.onStatus((s) => {
    last = s;
    say();
  });
  const tick = setInterval(say, 30_000);
  return {
    $status,
    get: () => last,
    stop() {
      stopStatus();
      clearInterval(tick);
    },
  };
}

/** The calm line on the diary's home: only there when the copy is on. */
export function homeLine() {
  return statusLine("hint copy-status");
}

/**
 * Settings → the copy on the server. Its buttons change with the copy's state.
 * @param {import("../router.js").Show} show  the settings screen's, for what it says later
 * @param {{ canSignIn: boolean }} options  canSignIn: this phone can make a passkey, which
 *   a new copy signs in with (without one, asking waits for a security key)
 * @returns {{ $el: HTMLElement, stop: () => void }}
 */
export function serverCopySettings(show, { canSignIn }) {
  const line = statusLine("");
  const $bar = h("progress", { max: 100, value: 0, "aria-label": "Backing up", hidden: true });
  const $error = errorBox();
  const $note = h("p", { class: "hint" });
  const $body = h("div", { class: "stack" });
  /** @type {string} */
  let shown = "";

  /** @param {HTMLButtonElement} $button @param {string} busyText @param {() => Promise<void>} work */
  const act = async ($button, busyText, work) => {
    $error.textContent = "";
    try {
      await busy($button, busyText, work);
    } catch (error) {
      if (error instanceof PasskeyCancelledError) $error.textContent = "The passkey was not used. Nothing was changed.";
      else $error.textContent = plainError(error);
    }
  };

  // A diary set up before the server asked for its start code here, or since the operator
  // changed it, or a person the operator invited: the server keeps a new copy only with the
  // code, or an invitation, typed here.
  const $code = h("input", { type: "text", autocomplete: "off", autocapitalize: "characters", spellcheck: "false" });
  const $useCode = button("Use this code", () =>
    act($useCode, "Checking…", async () => {
      await grant.fromCode($code.value);
      $code.value = "";
      $codeForm.hidden = true;
      $note.textContent = "Thank you. Now tap “Keep an encrypted copy on the server” again.";
    }),
  );
  const $codeForm = h(
    "div",
    { class: "stack", hidden: true },
    field("The start code or invitation you were given", $code, "Whoever gave you this app's address gave you a start code with it, or an invitation (letters and numbers). The server keeps copies only for people who have one."),
    $useCode,
  );
  const $turnOn = button("Keep an encrypted copy on the server", () =>
    act($turnOn, "Waiting for your passkey…", async () => {
      const { unlocks } = await account.turnOn().catch((error) => {
        if (error instanceof ApiError && error.status === 403) $codeForm.hidden = false;
        throw error;
      });
      $note.textContent = unlocks
        ? "Your new passkey signs you in to the server copy and unlocks your diary."
        : "Your passkey signs you in to the server copy. This phone's passkeys can't unlock the diary, so the diary itself stays on your passphrase.";
      show.say("The copy on the server is on.");
      void copy.run();
    }),
  );
  const $now = button("Back up now", () => void copy.run(), "button block secondary");
  const $signOut = button("Sign out", () => act($signOut, "Signing out…", () => account.signOut()), "button block secondary");
  const $signIn = button("Sign in with my passkey", () => act($signIn, "Waiting for your passkey…", () => account.signInAgain()));
  const $delete = button(
    "Delete the server copy",
    () =>
      ask($delete, { question: "Delete the copy on the server? Your diary stays on this phone.", yes: "Yes, delete the server copy" }, async () => {
        $error.textContent = "";
        try {
          await account.deleteCopy();
          show.say("The copy on the server was deleted.");
        } catch (error) {
          $error.textContent = plainError(error);
        }
      }),
    "button block secondary",
  );

  // Where the copy is signed in: a passkey synced to a shared Google or Apple account signs
  // in from the other person's devices too, so the owner can see each sign-in and end them.
  const $signIns = h("div", { class: "stack" });
  const $others = button(
    "Sign out everywhere else",
    () =>
      act($others, "Signing out…", async () => {
        const { ended } = await client.endOtherSignIns();
        show.say(ended ? `Signed out of ${ended === 1 ? "1 other device" : `${ended} other devices`}.` : "There were no other sign-ins.");
        await listSignIns();
      }),
    "button block secondary",
  );
  const listSignIns = async () => {
    const { sessions } = await client.signIns();
    const others = sessions.filter((s) => !s.current).length;
    $signIns.replaceChildren(
      h("h3", {}, "Where the copy is signed in"),
      h(
        "ul",
        { class: "list sign-ins" },
        sessions.map((s) =>
          h("li", {}, h("strong", {}, s.current ? "This phone" : `Another device: ${s.device}`), h("div", { class: "hint" }, `Signed in ${longDateTime(s.created)}, last used ${shortDate(s.lastUsed)}`)),
        ),
      ),
      ...(others
        ? [
            h("p", {}, "If one of these is not yours, sign out everywhere else. Someone with your passkey can sign in again: a passkey saved to a Google or Apple account you share works on their devices too."),
            $others,
          ]
        : []),
    );
  };

  /** @param {copy.Phase} phase */
  const render = (phase) => {
    const kind = phase === "off" ? "off" : phase === "signed-out" ? "signed-out" : "on";
    if (kind === shown) return;
    shown = kind;
    if (kind === "off") {
      $body.replaceChildren(
        h("p", {}, "Keep an encrypted copy of your diary on the server. The server cannot read it, and if this phone is lost, taken or broken you can get your diary back on another phone."),
        $turnOn,
        $codeForm,
      );
      $turnOn.hidden = !canSignIn;
      if (!canSignIn) $note.textContent = "The server copy signs in with a passkey, and this phone can't make one in this browser (it needs the phone's fingerprint, face or screen lock). A backup file keeps a copy instead.";
    } else if (kind === "signed-out") {
      $body.replaceChildren(
        h("p", {}, "Signed out: this phone is not backing up. The copy stays on the server."),
        $signIn,
        $delete,
      );
    } else {
      $body.replaceChildren(
        h("p", {}, "An encrypted copy of your diary is kept on the server and updated by itself. The server cannot read it."),
        $now,
        $signOut,
        $delete,
        $signIns,
      );
      // Offline, or the list cannot be read: the rest of the screen works without it.
      listSignIns().catch(() => $signIns.replaceChildren());
    }
  };

  const stop = copy.onStatus((s) => {
    render(s.phase);
    $bar.hidden = s.phase !== "syncing";
    $bar.value = Math.floor(100 * s.fraction);
    $now.disabled = s.phase === "syncing";
  });
  void copy.refresh({ run: false });
  return {
    $el: h("div", { class: "stack" }, h("h2", {}, "Copy on the server"), line.$status, $bar, $body, $note, $error),
    stop() {
      stop();
      line.stop();
    },
  };
}

// --- restoring on a new phone ---------------------------------------------------------------

/** A passkey the server does not know: a phone may hold several for the site. */
const NO_COPY_FOR_PASSKEY = "That passkey has no copy on this server. If you have more than one passkey here, sign in with the one you used for the copy.";

/**
 * Set-up → restore from the server copy: sign in, download, then open it with the passkey or
 * the recovery passphrase. The copy's key slots are kept exactly as they were.
 * @param {(startedAt: number, makeVault: () => Promise<void>) => Promise<void>} keep
 *   set-up's last step: keeps the code and look, makes the vault, opens the diary
 * @param {() => number} lockEpoch
 */
export function restoreFromServer(keep, lockEpoch) {
  return {
    title: "Restore from the server copy",
    /** @param {unknown} _ @param {import("../router.js").Show} show */
    render(_, show) {
      const $error = errorBox();
      const progress = progressBar();
      const $signIn = button("Sign in with my passkey", async () => {
        $error.textContent = "";
        try {
          const file = await busy($signIn, "Signing in…", () =>
            holdDuring(async () => {
              await account.signIn().catch((error) => {
                // A passkey this server does not know (a phone may hold several for the site).
                if (error instanceof ApiError && error.status === 401) throw new PlainError(NO_COPY_FOR_PASSKEY);
                throw error;
              });
              const held = await client.held();
              if (!held.slots) throw new PlainError("There is no copy on the server for this passkey.");
              // A copy made before copies knew their diary: tie it to the diary restored
              // here now, so the download's header carries the id (an old phone of the
              // same diary, still running, must not tie it to its own first).
              if (!held.diary) await client.bindDiary(keys.newDiaryId()).catch(() => {});
              const passkeys = held.slots.filter((/** @type {any} */ s) => s.type === "passkey").length;
              const blob = await client.downloadCopy((f) => progress.set("Downloading:", f));
              return { blob, passkeys };
            }, 3600),
          );
          progress.done();
          show(openCopy(file.blob, file.passkeys > 0 && supported(), keep, lockEpoch));
        } catch (error) {
          progress.done();
          $error.textContent = error instanceof PasskeyCancelledError ? "The passkey was not used. Try again." : plainError(error);
        }
      });
      if (!supported()) {
        $signIn.disabled = true;
        $error.textContent = "This browser cannot use passkeys, which the server copy needs. Restore from a backup file instead.";
      }
      return h(
        "section",
        { class: "stack" },
        h("h1", {}, "Restore from the server copy"),
        h("p", {}, "Sign in with the passkey you used for the copy. Your diary is downloaded, checked, and then opened with that passkey or with your recovery passphrase."),
        $signIn,
        progress.$el,
        $error,
      );
    },
  };
}

const STAGES = { checking: "Checking the copy:", restoring: "Restoring:" };

/**
 * The downloaded copy: open it with the passkey or the recovery passphrase.
 * @param {Blob} blob
 * @param {boolean} withPasskey
 * @param {(startedAt: number, makeVault: () => Promise<void>) => Promise<void>} keep
 * @param {() => number} lockEpoch
 */
function openCopy(blob, withPasskey, keep, lockEpoch) {
  return {
    title: "Open your diary",
    render() {
      const $error = errorBox();
      const progress = progressBar();
      const $passphrase = passphraseInput();
      const $submit = h("button", { type: "submit", class: "button block" }, "Restore my diary");
      const $form = h("form", { class: "stack", novalidate: true, hidden: withPasskey }, field("Recovery passphrase", $passphrase), $submit);

      /** @param {string | import("../formats/backup/check.js").KeyOpener} opener */
      const run = (opener) => {
        const startedAt = lockEpoch();
        return holdDuring(
          () =>
            keep(startedAt, async () => {
              await restore(blob, opener, { startedAt, sealed: false, keepSlots: true, progress: (stage, f) => progress.set(STAGES[stage], f) });
              await copy.signedIn(); // the phone stays signed in and backing up
            }),
          3600,
        );
      };
      /** @param {unknown} error */
      const said = (error) => {
        progress.done();
        if (error instanceof BackupError && (error.reason === "altered" || error.reason === "incomplete" || error.reason === "not-backup")) {
          return "The copy on the server did not check out, so nothing was restored. Try again; if it happens again, use a backup file.";
        }
        if (error instanceof NoPrfError) return "This passkey can't unlock the diary on this phone. Use your recovery passphrase.";
        return plainWords(error);
      };

      const $passkey = button("Unlock with passkey", async () => {
        $error.textContent = "";
        try {
          await busy($passkey, "Waiting for your passkey…", () =>
            run(async (slots) => {
              const passkeys = slots.filter((s) => s.type === "passkey");
              const { credentialId, prfOutput } = await getPrf(/** @type {{ credentialId: string, salt: import("../vault/bytes.js").Bytes }[]} */ (passkeys));
              const slot = passkeys.find((s) => s.credentialId === credentialId);
              if (!slot) throw new BackupError("wrong-key", "That passkey does not open this copy. Use your recovery passphrase instead. Nothing was changed.");
              return { slot, kek: await prfKek(prfOutput) };
            }),
          );
        } catch (error) {
          $error.textContent = said(error);
          if (!(error instanceof PasskeyCancelledError)) showForm();
        }
      });
      const $other = button("Use my passphrase instead", () => showForm(), "button block secondary");
      const showForm = () => {
        $form.hidden = false;
        $other.hidden = true;
        $passphrase.focus();
      };
      $form.addEventListener("submit", async (event) => {
        event.preventDefault();
        $error.textContent = "";
        if (!$passphrase.value.trim()) {
          $error.textContent = "Type your recovery passphrase.";
          $passphrase.focus();
          return;
        }
        try {
          await busy($submit, "Restoring…", () => run($passphrase.value));
        } catch (error) {
          $error.textContent = said(error);
          $passphrase.select();
          return;
        }
        $passphrase.value = "";
      });
      return h(
        "section",
        { class: "stack" },
        h("h1", {}, "Open your diary"),
        h("p", {}, "Your copy is on this phone now. Everything in it is checked before anything is kept."),
        withPasskey ? $passkey : null,
        $form,
        withPasskey ? $other : null,
        progress.$el,
        $error,
      );
    },
  };
}
