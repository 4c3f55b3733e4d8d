// @ts-check
// The pattern at a glance: how many, over how long, how often (a chart drawn as inline SVG),
// which kinds; and a check that the record has not been altered.
import { h } from "../dom.js";
import * as log from "../diary/log.js";
import * as model from "../diary/model.js";
import { shortDate } from "./format.js";
import { busy, button, terms } from "./ui.js";

const SVG = "http://www.w3.org/2000/svg";

/**
 * @param {string} tag
 * @param {Record<string, string | number>} attrs
 * @param {...Node} children
 */
function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  el.append(...children);
  return el;
}

// Short enough for a label under a bar: "2 Oct".
const dayMonth = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" });

/**
 * Incidents per week as bars, labelled for paper: the count on each bar, counts up the side,
 * the week each bar begins along the bottom (every few weeks when there are many). The
 * text alternative says the same in words.
 * @param {{ start: number, count: number }[]} weeks
 */
export function weekChart(weeks) {
  const [left, top, plotW, plotH] = [34, 12, 320, 120];
  const width = left + plotW + 8;
  const height = top + plotH + 40;
  const base = top + plotH;
  const max = Math.max(1, ...weeks.map((w) => w.count));
  const bar = plotW / Math.max(1, weeks.length);
  const y = (/** @type {number} */ n) => base - (n / max) * plotH;
  // A count that still fits over a narrow bar.
  const countSize = Math.min(11, Math.max(5, bar * 0.9));
  const every = Math.ceil(weeks.length / 5);
  const ticks = [...new Set([0, Math.round(max / 2), max])];
  const title = document.createElementNS(SVG, "title");
  const busiest = weeks.reduce((a, b) => (b.count > a.count ? b : a), weeks[0]);
  title.textContent = `Incidents per week over ${weeks.length} ${weeks.length === 1 ? "week" : "weeks"}. The most in one week: ${busiest?.count || 0}, the week of ${busiest ? shortDate(busiest.start) : ""}.`;
  const text = (/** @type {Record<string, string | number>} */ attrs, /** @type {string} */ words) => svg("text", attrs, document.createTextNode(words));
  return svg(
    "svg",
    { viewBox: `0 0 ${width} ${height}`, role: "img", class: "chart", "aria-labelledby": "chart-title" },
    Object.assign(title, { id: "chart-title" }),
    svg("line", { x1: left, y1: base, x2: left + plotW, y2: base, class: "axis" }),
    svg("line", { x1: left, y1: top, x2: left, y2: base, class: "axis" }),
    ...ticks.map((n) => text({ x: left - 4, y: y(n) + 4, class: "label", "text-anchor": "end" }, String(n))),
    text({ x: 10, y: top + plotH / 2, class: "label", "text-anchor": "middle", transform: `rotate(-90 10 ${top + plotH / 2})` }, "Incidents"),
    ...weeks.map((w, i) => {
      const hgt = (w.count / max) * plotH;
      return svg("rect", { x: left + i * bar + bar * 0.1, y: base - hgt, width: Math.max(1, bar * 0.8), height: hgt, class: "bar" });
    }),
    ...weeks.flatMap((w, i) => (w.count ? [text({ x: left + (i + 0.5) * bar, y: y(w.count) - 2, class: "count", "text-anchor": "middle", "font-size": countSize }, String(w.count))] : [])),
    ...weeks.flatMap((w, i) => (i % every === 0 ? [text({ x: left + (i + 0.5) * bar, y: base + 14, class: "label", "text-anchor": i === 0 && bar < 40 ? "start" : "middle" }, dayMonth.format(w.start))] : [])),
    text({ x: left + plotW / 2, y: base + 32, class: "label", "text-anchor": "middle" }, "Week beginning"),
  );
}

/** "13 entries", "1 entry (and 1 withdrawn)": what the person thinks of as entries, not events. @param {model.Incident[]} list */
function entriesIn(list) {
  const live = list.filter((i) => !i.withdrawn).length;
  const gone = list.length - live;
  return `${live} ${live === 1 ? "entry" : "entries"}${gone ? ` (and ${gone} withdrawn)` : ""}`;
}

/** The most incidents put down to any one person (chosen under "Who did it"). @param {model.Incident[]} list */
function mostByOnePerson(list) {
  /** @type {Map<string, number>} */
  const counts = new Map();
  for (const i of list) if (!i.withdrawn && i.fields.personId) counts.set(i.fields.personId, (counts.get(i.fields.personId) || 0) + 1);
  return Math.max(0, ...counts.values());
}

/**
 * What the count means in law, said only as far as it is true: the police can act on a
 * course of conduct, which needs two or more incidents by the same person.
 * @param {number} count @param {number} most
 */
function patternNote(count, most) {
  if (most >= 2) {
    const whose = most === count ? "all by the same person" : `${most} of them by the same person`;
    return `You have recorded ${count} incidents, ${whose}. Two or more incidents by the same person make a "course of conduct": the pattern the law on stalking and harassment recognises, and one the police can act on.`;
  }
  return `You have recorded ${count} incidents. The law on stalking and harassment looks for a "course of conduct": two or more incidents by the same person. If you know or think one person is behind some of them, choose them under "Who did it" in each, so the pattern shows.`;
}

/** @param {{ onBack: () => void, onReport: () => void }} actions */
export function summaryView(actions) {
  return {
    title: "Summary",
    async render() {
      const { incidents } = await model.load();
      const s = model.summarise([...incidents.values()]);
      const $check = h("div", { role: "status", class: "check-result" });
      const $verify = button("Check the record", async () => {
        await busy($verify, "Checking every entry…", async () => {
          const result = await log.verify();
          const all = [...(await model.load()).incidents.values()];
          $check.replaceChildren(
            result.ok
              ? h(
                  "p",
                  { class: "ok" },
                  all.length
                    ? `The record checks out: ${entriesIn(all)}, with every change and file, just as ${all.length === 1 ? "it was" : "they were"} recorded.`
                    : "The record checks out: nothing in it has changed since it was recorded.",
                )
              : h(
                  "div",
                  {},
                  h("p", { class: "error" }, `The record does not check out. ${result.problems.length} ${result.problems.length === 1 ? "problem" : "problems"} found:`),
                  h("ul", {}, result.problems.map((p) => h("li", {}, `${p.where[0].toUpperCase()}${p.where.slice(1)} ${p.what}`))),
                ),
            h("p", { class: "hint hash" }, `Fingerprint of the whole record: ${result.head}`),
          );
        });
      }, "button block secondary");
      return h(
        "section",
        { class: "stack" },
        h("h1", {}, "Summary"),
        button("Make a report for the police", actions.onReport, "button block"),
        s.count === 0
          ? h("p", {}, "Nothing recorded yet.")
          : [
              terms("details stats", [
                ["Incidents", String(s.count)],
                ["First", shortDate(/** @type {number} */ (s.first))],
                ["Latest", shortDate(/** @type {number} */ (s.latest))],
                ["Days spanned", String(s.days)],
              ]),
              s.count >= 2 ? h("p", { class: "notice" }, patternNote(s.count, mostByOnePerson([...incidents.values()]))) : null,
              h("h2", {}, "Incidents per week"),
              weekChart(s.weeks),
              h("h2", {}, "By kind"),
              h(
                "ul",
                { class: "list counts" },
                s.byBehaviour.map(([b, n]) => h("li", { class: "row" }, h("span", {}, model.behaviourLabel.get(b) || b), h("strong", {}, String(n)))),
              ),
            ],
        h("h2", {}, "Is the record intact?"),
        h("p", { class: "hint" }, "Each entry is sealed with a fingerprint of the one before it, so changing, removing or back-dating one shows up here."),
        $verify,
        $check,
        button("Back", actions.onBack, "button block secondary"),
      );
    },
  };
}
