// @ts-check
// One evidence file, opened inside the app (never handed to another app): images, audio and
// video play here; text shows as text; anything else shows its details. The decrypted copy
// lives in a blob: URL that is revoked on leaving and on lock.
import { h } from "../dom.js";
import * as evidence from "../diary/evidence.js";
import { plainWords } from "../errors.js";
import { objectUrl, revoke } from "../vault/lock.js";
import { longDateTime } from "./format.js";
import { button, terms } from "./ui.js";

/**
 * @param {import("../diary/model.js").Evidence} item
 * @param {{ onBack: () => void }} actions
 */
export function evidenceView(item, actions) {
  /** @type {string | null} */
  let url = null;
  return {
    title: item.name,
    leave() {
      if (url) revoke(url);
      url = null;
    },
    async render() {
      /** @type {Node} */
      let $content;
      try {
        const blob = await evidence.blob(item.file, item.type);
        if (item.type.startsWith("image/")) {
          url = objectUrl(blob);
          $content = h("img", { src: url, alt: `The picture ${item.name}`, class: "evidence-full" });
        } else if (item.type.startsWith("audio/")) {
          url = objectUrl(blob);
          $content = h("audio", { src: url, controls: true, class: "evidence-full" });
        } else if (item.type.startsWith("video/")) {
          url = objectUrl(blob);
          $content = h("video", { src: url, controls: true, playsinline: true, class: "evidence-full" });
        } else if (item.type.startsWith("text/") && blob.size < 1_048_576) {
          $content = h("pre", { class: "evidence-text-full" }, await blob.text());
        } else {
          $content = h("p", {}, "This kind of file cannot be shown inside the app. It is kept safely, and goes into your report and exports.");
        }
      } catch (error) {
        $content = h("p", { class: "error", role: "alert" }, plainWords(error));
      }
      return h(
        "section",
        { class: "stack" },
        h("h1", {}, item.name),
        $content,
        terms("details", [
          ["Kind of file", item.type],
          ["Size", evidence.formatSize(item.size)],
          ["Captured", item.captured ? `${longDateTime(item.captured)} (kept in the inbox before it was filed)` : ""],
          ["Added", longDateTime(item.at)],
          ["SHA-256 fingerprint", item.sha256, { class: "hash" }],
        ]),
        h("p", { class: "hint" }, "The fingerprint was taken from the file as it was added. Anyone can recompute it to show the file was not changed."),
        button("Back", actions.onBack, "button block secondary"),
      );
    },
  };
}
