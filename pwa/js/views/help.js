// @ts-check
// Get help: who to call (tap to call), and short guides. Everything here is in the app's
// own files, so it opens with no network.
import { h } from "../dom.js";
import { GUIDES } from "../help/guides.js";
import { HELPLINES, POLICE, STALKING_HELPLINE, telHref } from "../help/helplines.js";
import { button } from "./ui.js";

/** @typedef {import("../help/helplines.js").Line} Line */

/** A big "Call …" link; its spoken name starts with what it shows (for voice control). @param {Line} line @param {string} [cls] */
export function callLink(line, cls = "button block") {
  return h("a", { class: cls, href: telHref(line.number), "aria-label": `Call ${line.number}, ${line.name}` }, `Call ${line.number}`);
}

/** The numbers to call now: the police, and the National Stalking Helpline. */
export function helpNow() {
  const stalking = STALKING_HELPLINE;
  return h(
    "div",
    { class: "notice urgent stack", role: "region", "aria-label": "Help now" },
    POLICE.map((line) => h("div", {}, h("p", { class: "call-what" }, h("strong", {}, line.name), ": ", line.what), callLink(line))),
    h("div", {}, h("p", { class: "call-what" }, h("strong", {}, stalking.name), ": free, confidential advice."), callLink(stalking, "button block secondary")),
  );
}

/** One helpline: what it does, when it is open, and a button to call it. @param {Line} line */
function helpline(line) {
  return h(
    "li",
    { class: "helpline" },
    h("h4", {}, line.name),
    h("p", {}, line.what),
    line.hours ? h("p", { class: "hint" }, `Open ${line.hours}.`) : null,
    line.number ? callLink(line, "button block secondary") : null,
  );
}

/**
 * @param {{ onBack: () => void, onChecklist: () => void, guide?: string }} actions
 *   `guide` opens that guide
 */
export function helpView({ onBack, onChecklist, guide }) {
  return {
    title: "Get help",
    render() {
      return h(
        "section",
        { class: "stack help" },
        h("h1", {}, "Get help"),
        h("p", { class: "lead" }, "If you are in danger now, or the person is still there, call 999."),
        helpNow(),
        h("p", { class: "hint" }, "A call shows in your phone's call list, and may show on a phone bill or on other devices signed in to the same account."),
        h("h2", {}, "Helplines"),
        HELPLINES.map(({ nation, lines }) => h("section", { class: "nation" }, h("h3", {}, nation), h("ul", { class: "list helplines" }, lines.map(helpline)))),
        h("h2", {}, "Guides"),
        h("div", { class: "stack" }, GUIDES.map((g) => h("details", { class: "more", id: `guide-${g.id}`, open: g.id === guide }, h("summary", {}, g.title), h("div", { class: "more-body" }, g.blocks.map(block))))),
        h("h2", {}, "The risk checklist"),
        h("p", {}, "Police ask eleven questions to judge how much danger you may be in. Answering them here keeps your answers with your diary, to take to the police or a helpline."),
        button("Answer the risk checklist", onChecklist, "button block secondary"),
        h("div", { class: "actions" }, button("Back", onBack, "button block secondary")),
      );
    },
  };
}

/** @param {string | string[]} b */
function block(b) {
  return Array.isArray(b) ? h("ul", {}, b.map((item) => h("li", {}, item))) : h("p", {}, b);
}
