// @ts-check
// The inbox: what was kept while the diary was locked (a photo, a file, a line of text),
// each with when it was kept and its SHA-256, to become a new incident, join one, or be
// thrown away. Filing is diary/filing.js's; pictures are shown from blob: URLs that are
// revoked on leaving and on lock.
import { h } from "../dom.js";
import * as filing from "../diary/filing.js";
import * as model from "../diary/model.js";
import { formatSize } from "../diary/evidence.js";
import { plainWords } from "../errors.js";
import * as inbox from "../inbox/open.js";
import { lockEpoch } from "../vault/keys.js";
import { objectUrl, revoke } from "../vault/lock.js";
import { firstWords, happened, longDateTime, shortDate } from "./format.js";
import { ask, busy, button, errorBox, field } from "./ui.js";

/** @typedef {import("../diary/filing.js").Item} Item */
/** @typedef {import("../diary/filing.js").Unreadable} Unreadable */

// Pictures up to this size are shown in the list (each is decrypted whole to be shown).
const PREVIEW_BYTES = 8 * 1024 * 1024;

/** How a capture came, in words. @param {string | undefined} via */
const came = (via) => (via === "share" ? "shared from another app" : "from the disguise");

/** Items, in words: "1 item", "3 items". @param {number} n */
const itemsWord = (n) => `${n} ${n === 1 ? "item" : "items"}`;

/**
 * The way into the inbox from the diary's first screen, with how many captures wait there;
 * null when none do (or the inbox cannot be read: it then says so inside).
 * @param {() => void} onOpen
 * @returns {Promise<HTMLElement | null>}
 */
export async function inboxLink(onOpen) {
  const [count, lost] = await Promise.all([filing.waiting().then((list) => list.length, () => 0), inbox.missed().catch(() => 0)]);
  const $link =
    count > 0
      ? h(
          "button",
          { type: "button", class: "button block inbox-link", onclick: onOpen },
          h("span", {}, "Inbox"),
          h("span", { class: "inbox-count" }, `${itemsWord(count)} kept while locked`),
        )
      : null;
  if (!lost) return $link;
  // Shares that could not be kept while locked (no inbox key yet, a full phone): said once.
  const $missed = h(
    "div",
    { class: "notice inbox-missed", role: "status" },
    h("p", {}, `${lost === 1 ? "1 thing" : `${lost} things`} shared into this app while it was locked could not be kept. Share ${lost === 1 ? "it" : "them"} again now, or add ${lost === 1 ? "it" : "them"} to an entry.`),
    button("OK", () => {
      void inbox.toldMissed();
      $missed.remove();
    }, "button secondary"),
  );
  return h("div", { class: "stack" }, $missed, $link);
}

/** A picture's preview, decrypted in the background. @param {Item} capture @param {(url: string) => void} keep */
function preview(capture, keep) {
  if (capture.kind !== "file" || !capture.type?.startsWith("image/") || capture.size > PREVIEW_BYTES) return null;
  const $img = h("img", { class: "inbox-preview", alt: `The picture ${capture.name || "kept"}`, hidden: true });
  const epoch = lockEpoch();
  (async () => {
    /** @type {BlobPart[]} */
    const parts = [];
    const reader = inbox.read(capture.item).getReader();
    for (let next = await reader.read(); !next.done; next = await reader.read()) parts.push(next.value);
    if (epoch !== lockEpoch()) return; // locked meanwhile: no URL may outlive the lock
    const url = objectUrl(new Blob(parts, { type: capture.type }));
    keep(url);
    $img.src = url;
    $img.hidden = false;
  })().catch(() => $img.remove());
  return $img;
}

/**
 * One capture: what it is, when it was kept, its fingerprint, and what can be done with it.
 * @param {Item} capture
 * @param {{ onNew: (capture: Item) => Promise<void>, onAddTo: (capture: Item) => void, onGone: ($el: HTMLElement, said: string) => void,
 *   keep: (url: string) => void }} actions
 */
function captureCard(capture, { onNew, onAddTo, onGone, keep }) {
  const note = capture.kind === "note";
  const title = note ? "A note" : capture.name || "A file";
  const $error = errorBox();
  const $discard = button("Discard", (/** @type {Event} */ event) => {
    ask(/** @type {HTMLElement} */ (event.currentTarget), { question: `Throw “${firstWords(title, 40)}” away? It is not in the diary, and this cannot be undone.`, yes: "Yes, discard it" }, async () => {
      try {
        await filing.discard(capture.item);
      } catch (error) {
        $error.textContent = `It could not be discarded: ${plainWords(error)}`;
        return;
      }
      onGone($card, "Discarded.");
    });
  }, "button secondary");
  const $new = button("Make a new incident", async (/** @type {Event} */ event) => {
    $error.textContent = "";
    try {
      await busy(/** @type {HTMLButtonElement} */ (event.currentTarget), "Opening…", () => onNew(capture));
    } catch (error) {
      $error.textContent = plainWords(error);
    }
  }, "button");
  const $card = h(
    "li",
    { class: "inbox-item stack" },
    h("h2", {}, title),
    h("p", {}, `Kept ${longDateTime(capture.at)}, ${came(capture.via)}.`),
    note ? h("p", { class: "inbox-words" }, capture.text || "") : h("p", { class: "hint" }, [capture.type || "A file", formatSize(capture.size)].join(", ")),
    note ? null : preview(capture, keep),
    h(
      "details",
      { class: "inbox-hash" },
      h("summary", {}, `SHA-256 ${capture.sha256.slice(0, 12)}…`),
      h("p", { class: "hash" }, capture.sha256),
      h("p", { class: "hint" }, "Taken from it when it was kept. Filing it checks that it still matches."),
    ),
    $error,
    h("div", { class: "row-buttons" }, $new, button("Add to an incident", () => onAddTo(capture), "button secondary"), $discard),
  );
  return $card;
}

/** A capture that does not open: it can only be discarded. @param {Unreadable} capture @param {($el: HTMLElement, said: string) => void} onGone */
function unreadableCard(capture, onGone) {
  const $error = errorBox();
  const $card = h(
    "li",
    { class: "inbox-item stack" },
    h("h2", {}, "Something that cannot be opened"),
    h("p", {}, "This was changed after it was kept, or it was kept for another diary, so it cannot be read or filed. All you can do is discard it."),
    $error,
    button("Discard", (/** @type {Event} */ event) => {
      ask(/** @type {HTMLElement} */ (event.currentTarget), { question: "Throw it away? This cannot be undone.", yes: "Yes, discard it" }, async () => {
        try {
          await filing.discard(capture.item);
        } catch (error) {
          $error.textContent = `It could not be discarded: ${plainWords(error)}`;
          return;
        }
        onGone($card, "Discarded.");
      });
    }, "button secondary"),
  );
  return $card;
}

/**
 * The inbox's screen.
 * @param {{ onBack: () => void, onNew: (capture: Item) => Promise<void>, onAddTo: (capture: Item) => void }} actions
 */
export function inboxView(actions) {
  /** @type {string[]} */
  let urls = [];
  return {
    title: "Inbox",
    leave() {
      for (const url of urls) revoke(url);
      urls = [];
    },
    /** @param {unknown} _ @param {import("../router.js").Show} show */
    async render(_, show) {
      const $heading = h("h1", { tabindex: "-1" }, "Inbox");
      const $count = h("p", { class: "count" });
      const $list = h("ul", { class: "list inbox-list" });
      let left = 0;
      const counted = () => {
        $count.textContent = left
          ? `${itemsWord(left)} kept while the diary was locked, oldest first. Make each one a new incident, add it to one, or discard it.`
          : "Nothing is waiting. What you keep while the diary is locked comes here.";
      };
      try {
        const waiting = await filing.waiting();
        left = waiting.length;
        /** @param {HTMLElement} $card @param {string} said */
        const onGone = ($card, said) => {
          $card.remove();
          left -= 1;
          counted();
          $heading.focus();
          show.say(said);
        };
        const keep = (/** @type {string} */ url) => urls.push(url);
        $list.append(...waiting.map((c) => ("unreadable" in c ? unreadableCard(c, onGone) : captureCard(c, { ...actions, onGone, keep }))));
        counted();
      } catch (error) {
        $count.textContent = `The inbox could not be opened: ${plainWords(error)}`;
      }
      return h("section", { class: "stack" }, $heading, $count, $list, button("Back", actions.onBack, "button block secondary"));
    },
  };
}

/**
 * Choose the incident a capture joins: newest first, with a search.
 * @param {Item} capture
 * @param {{ onBack: () => void, onDone: (id: string) => void }} actions
 */
export function chooseIncident(capture, actions) {
  return {
    title: "Add to an incident",
    /** @param {unknown} _ @param {import("../router.js").Show} show */
    async render(_, show) {
      const { incidents } = await model.load();
      const $error = errorBox();
      const $query = h("input", { type: "search", autocomplete: "off", enterkeyhint: "search" });
      const $list = h("ul", { class: "list" });
      const what = capture.kind === "note" ? `the note kept ${longDateTime(capture.at)}` : `${capture.name || "the file"}, kept ${longDateTime(capture.at)}`;
      /** @param {model.Incident} incident @param {HTMLButtonElement} $row */
      const choose = async (incident, $row) => {
        $error.textContent = "";
        const $rows = [...$list.querySelectorAll("button")];
        for (const $b of $rows) $b.disabled = true; // one tap files it once
        $row.setAttribute("aria-busy", "true");
        try {
          await filing.addTo(capture, incident.id);
        } catch (error) {
          $error.textContent = `It was not added: ${plainWords(error)}`;
          return;
        } finally {
          for (const $b of $rows) $b.disabled = false;
          $row.removeAttribute("aria-busy");
        }
        show.say(`Added to the incident of ${happened(incident.fields)}.`);
        actions.onDone(incident.id);
      };
      const fill = () => {
        const shown = model.select(incidents, { query: $query.value.trim() }).slice(0, 50);
        $list.replaceChildren(
          ...shown.map((incident) => {
            const $row = /** @type {HTMLButtonElement} */ (
              h(
                "button",
                { type: "button", class: "incident-row" },
                h("span", { class: "incident-date" }, shortDate(incident.happenedAt), incident.fields.happened.time ? ` ${incident.fields.happened.time}` : ""),
                incident.fields.what ? h("span", { class: "incident-words" }, firstWords(incident.fields.what)) : null,
              )
            );
            $row.addEventListener("click", () => choose(incident, $row));
            return h("li", {}, $row);
          }),
        );
        if (!shown.length) $list.append(h("li", { class: "hint" }, $query.value.trim() ? "No incident has those words." : "There are no incidents yet: go back and make a new one."));
      };
      $query.addEventListener("input", fill);
      fill();
      return h(
        "section",
        { class: "stack" },
        h("h1", {}, "Add to an incident"),
        h("p", {}, `Choose the incident to add ${what} to. It is added as a file, with the time it was kept.`),
        $error,
        field("Find an incident by its words", $query),
        $list,
        button("Back", actions.onBack, "button block secondary"),
      );
    },
  };
}
