// @ts-check
// Evidence in the views: lists with thumbnails, picking files (camera, screenshots, any
// file), and opening a file inside the app.
import { h } from "../dom.js";
import * as evidence from "../diary/evidence.js";
import { holdDuring } from "../vault/lock.js";
import { button } from "./ui.js";

const ICON = /** @type {Record<string, string>} */ ({ audio: "♪", video: "▶", file: "▤" });

/**
 * A list of evidence items, each with its thumbnail or icon, name and size. The SHA-256
 * fingerprint is for the police, not for the list: it shows when a file is opened, and in the report.
 * @param {Omit<import("../diary/model.js").Evidence, "at" | "seq">[]} items
 * @param {(item: any) => (() => void) | null} [action] a remove action for an item, if any
 * @param {(item: any) => void} [onOpen]
 */
export function evidenceList(items, action = () => null, onOpen) {
  if (!items.length) return h("p", { class: "hint" }, "Nothing added yet.");
  return h(
    "ul",
    { class: "list evidence" },
    items.map((item) => {
      const remove = action(item);
      const $thumb = h("span", { class: "thumb", "aria-hidden": "true" }, item.thumb ? "" : ICON[item.kind] || ICON.file);
      if (item.thumb) {
        evidence.thumbUrl(item.thumb).then(
          (url) => $thumb.append(h("img", { src: url, alt: "" })),
          () => ($thumb.textContent = "?"),
        );
      }
      const label = h("span", { class: "evidence-text" }, h("span", { class: "evidence-name" }, item.name), h("span", { class: "hint" }, evidence.formatSize(item.size)));
      return h(
        "li",
        { class: "row" },
        onOpen ? h("button", { type: "button", class: "evidence-open", onclick: () => onOpen(item) }, $thumb, label) : h("span", { class: "evidence-open" }, $thumb, label),
        remove ? button("Remove", remove, "button secondary") : null,
      );
    }),
  );
}

/**
 * Let the user pick files (or take a photo or video with the camera) and store each one.
 * The vault stays unlocked while the picker or camera hides the page.
 * @param {{ accept: string, capture?: string, how: string, progress: HTMLElement,
 *   onAdded: (item: any) => void, onError: (error: Error) => void }} options
 */
export async function pickFiles({ accept, capture, how, progress, onAdded, onError }) {
  const $input = h("input", { type: "file", accept: accept || null, capture: capture || null, multiple: !capture, hidden: true });
  // A long video takes a while to store: a bar beside the words, which change only every
  // tenth so a screen reader is not flooded.
  const $bar = h("progress", { class: "store-progress", max: 100, value: 0, "aria-label": "Stored so far" });
  document.body.append($input);
  try {
    // The camera or picker hides the page, and storing a long video takes a while: the vault
    // stays unlocked for both (quick exit still locks).
    await holdDuring(async () => {
      /** @type {File[]} */
      const files = await new Promise((resolve) => {
        $input.addEventListener("change", () => resolve([...($input.files || [])]), { once: true });
        $input.addEventListener("cancel", () => resolve([]), { once: true });
        $input.click();
      });
      await storeAll(files);
    }, 900);
  } finally {
    progress.textContent = "";
    $bar.remove();
    $input.remove();
  }

  /** @param {File[]} files */
  async function storeAll(files) {
    for (const file of files) {
      const kind = how === "file" ? (file.type.startsWith("image/") ? "image" : evidence.kindOf(file.type)) : how;
      progress.textContent = `Storing ${file.name}…`;
      $bar.value = 0;
      progress.after($bar);
      let said = -1;
      try {
        const item = await evidence.storeFile(file, kind, (n) => {
          const percent = Math.min(100, Math.floor((100 * n) / (file.size || 1)));
          $bar.value = percent;
          if (Math.floor(percent / 10) === said) return;
          said = Math.floor(percent / 10);
          progress.textContent = `Storing ${file.name}… ${said * 10}%`;
        });
        onAdded(item);
      } catch (error) {
        onError(/** @type {Error} */ (error));
      }
    }
  }
}
