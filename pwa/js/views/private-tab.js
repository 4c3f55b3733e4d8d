// @ts-check
// A private tab forgets everything when it closes. Where the browser shows that it is one
// (WebKit's private browsing, as in Safari, refuses Blobs in IndexedDB), the diary's first
// screen says so, plainly, until the person has read it. It names nothing from the diary.
import { h } from "../dom.js";
import { blobsRefused } from "../vault/idb.js";
import { readMeta, writeMeta } from "../vault/meta.js";
import { button } from "./ui.js";

const TOLD = "privateTabTold";

/**
 * The notice, or null where it is not needed or has been read.
 * @param {{ $next: HTMLElement }} options  $next: where focus goes once it is put away
 * @returns {Promise<HTMLElement | null>}
 */
export async function privateTabNotice({ $next }) {
  const refused = await blobsRefused().catch(() => false);
  if (!refused || (await readMeta(TOLD).catch(() => false))) return null;
  const $box = h(
    "div",
    { class: "notice", role: "region", "aria-label": "Private tab" },
    h("p", {}, "This is a private tab. When it is closed, this phone forgets everything kept here: every entry, photo and file."),
    h(
      "p",
      {},
      "To keep them, add this app to your home screen, or open this address in a normal tab and set up there. Until then, make a backup file before you close this tab.",
    ),
    button("I understand", async () => {
      await writeMeta(TOLD, true).catch(() => {});
      $box.remove();
      $next.focus();
    }, "button"),
  );
  return $box;
}
