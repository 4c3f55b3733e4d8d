// @ts-check
// What the disguise does not hide, said plainly, so nobody relies on it for more than it does.
import { h } from "../dom.js";

/** @param {() => void} back */
export function safetyView(back) {
  return {
    title: "What the disguise does not hide",
    render: () =>
      h(
        "section",
        { class: "stack prose" },
        h("h1", {}, "What the disguise does not hide"),
        h("p", { class: "lead" }, "The disguise makes Cairn look like an ordinary app. It cannot hide everything. Someone who looks closely may still find:"),
        h(
          "ul",
          {},
          h("li", {}, h("strong", {}, "The phone's Settings. "), "The list of apps shows the disguise's name and icon, but its details show this website's address."),
          h("li", {}, h("strong", {}, "Browser history. "), "If you open Cairn in a browser tab, the site's address stays in the browser's history. Use the app from your home screen, or clear the history."),
          h(
            "li",
            {},
            h("strong", {}, "Your screen lock. "),
            "Anyone who knows your phone's PIN or pattern can open the disguise. If you use a passkey, they can open your diary too: the passkey is that same fingerprint, face or screen lock. Only your secret code is then in their way, and it can be seen as you type it. If they know your PIN, use your passphrase only: remove the passkey in Settings.",
          ),
          h("li", {}, h("strong", {}, "Someone watching. "), "Your secret code can be seen as you type it. Cover the screen if you can."),
          h(
            "li",
            {},
            h("strong", {}, "Passkeys. "),
            "Passkeys are kept in your phone's Google or Apple account. Anyone who uses that account, on any phone or computer, can use your passkey: open your diary, or sign in to the copy on the server. If they share that account, use your passphrase only. Your phone's list of passkeys shows one called “Notebook” with this website's address.",
          ),
          h("li", {}, h("strong", {}, "Calls. "), "Calls made with the 999 and 101 buttons in Cairn show in the phone's call log, like any other call."),
          h(
            "li",
            {},
            h("strong", {}, "Files you saved or shared. "),
            "Reports, tables and evidence bundles are not encrypted: anyone who opens them can read them, and erasing the diary does not remove them. Delete them from your downloads once you have handed them over. A backup file is encrypted, but shows that you keep something.",
          ),
          h("li", {}, h("strong", {}, "Spying apps. "), "If you think someone has put tracking or spying software on your phone, it may see your screen. Keep your diary on a phone they have never had."),
          h("li", {}, h("strong", {}, "The disguise's own notes. "), "Notes written in the notes disguise are ordinary notes that anyone opening it can read."),
        ),
        h("p", {}, "Quick exit covers the screen and locks the diary at once, and Back does not bring it back. An icon already on your home screen keeps its old look until you remove it and add it again."),
        h("button", { type: "button", class: "button block secondary", onclick: back }, "Back"),
      ),
  };
}
