// @ts-check
// The notes disguise: plain notes kept on this phone (in localStorage, in clear: they are
// the disguise's own). Its secret entry is the code typed into the search box
// and sent with the keyboard's search (Enter) key; a wrong code is an ordinary search. The
// code in the search box and then "New note" is the second way in (to keep something without
// unlocking); a wrong one simply starts a new note.
import { h } from "../dom.js";
import { isCode } from "./prefs.js";

const KEY = "notes";

/** @typedef {{ id: string, text: string, at: number }} Note */

/** @returns {Note[]} */
export function allNotes() {
  try {
    const notes = JSON.parse(localStorage.getItem(KEY) || "[]");
    return Array.isArray(notes) ? notes : [];
  } catch {
    return [];
  }
}

/** @param {Note[]} notes */
function saveNotes(notes) {
  localStorage.setItem(KEY, JSON.stringify(notes));
}

/** @param {string} text */
const firstLine = (text) => text.trim().split("\n")[0].slice(0, 60) || "Empty note";

/** @param {(code: string, way?: "capture") => void} entry */
export function notes(entry) {
  /** @type {HTMLElement} */
  let $root;
  let query = "";

  const list = () => {
    const $search = h("input", { type: "search", name: "q", class: "input", value: query, autocomplete: "off", enterkeyhint: "search", "aria-label": "Search notes", placeholder: "Search notes" });
    $search.addEventListener("input", () => {
      query = $search.value;
      $results.replaceChildren(...results());
    });
    const $form = h("form", { role: "search", class: "notes-search" }, $search);
    $form.addEventListener("submit", (event) => {
      event.preventDefault();
      query = $search.value;
      $results.replaceChildren(...results());
      const typed = query.trim();
      if (isCode(typed)) entry(typed);
    });
    const results = () => {
      const found = allNotes()
        .filter((note) => !query || note.text.toLowerCase().includes(query.toLowerCase()))
        .sort((a, b) => b.at - a.at);
      if (!found.length) return [h("p", { class: "notes-empty" }, query ? "No notes found." : "No notes yet.")];
      return [
        h("ul", { class: "notes-list" }, found.map((note) =>
          h("li", {}, h("button", { type: "button", class: "notes-item", onclick: () => edit(note.id) },
            h("span", { class: "notes-title" }, firstLine(note.text)),
            h("span", { class: "notes-date" }, new Date(note.at).toLocaleDateString("en-GB", { day: "numeric", month: "short" })),
          )),
        )),
      ];
    };
    const $results = h("div", {}, ...results());
    $root.replaceChildren(
      h("h1", { class: "disguise-title" }, "Notes"),
      $form,
      $results,
      h("button", { type: "button", class: "button block disguise-action", onclick: () => {
        const typed = $search.value.trim();
        edit(null);
        if (isCode(typed)) entry(typed, "capture");
      } }, "New note"),
    );
  };

  /** @param {string | null} id */
  const edit = (id) => {
    const note = allNotes().find((n) => n.id === id);
    const noteId = note ? note.id : crypto.randomUUID();
    const $text = h("textarea", { class: "input notes-text", name: "note", rows: 12, autocomplete: "off", "aria-label": "Note" }, note ? note.text : "");
    const keep = () => {
      const others = allNotes().filter((n) => n.id !== noteId);
      if ($text.value.trim()) others.push({ id: noteId, text: $text.value, at: Date.now() });
      saveNotes(others);
    };
    $text.addEventListener("input", keep);
    $root.replaceChildren(
      h("h1", { class: "disguise-title" }, note ? "Edit note" : "New note"),
      $text,
      h("div", { class: "actions" },
        h("button", { type: "button", class: "button block", onclick: () => { keep(); list(); } }, "Done"),
        note ? h("button", { type: "button", class: "button block secondary", onclick: () => {
          saveNotes(allNotes().filter((n) => n.id !== noteId));
          list();
        } }, "Delete note") : null,
      ),
    );
    $text.focus();
  };

  return {
    title: "Notes",
    render() {
      $root = h("section", { class: "disguise notes" });
      list();
      return $root;
    },
  };
}
