// @ts-check
// The diary's first screen: log an incident (or a quick note), unfinished drafts, and every incident, newest
// first, grouped by month, with search and filters. Rows are rendered as they scroll into
// reach, so ten thousand incidents cost no more to open than forty.
import { h } from "../dom.js";
import * as drafts from "../diary/drafts.js";
import * as model from "../diary/model.js";
import { plainWords } from "../errors.js";
import { backupReminder } from "./backup-reminder.js";
import { onLock } from "../vault/keys.js";
import { firstWords, happened, longDateTime, monthName, shortDate } from "./format.js";
import { privateTabNotice } from "./private-tab.js";
import { inboxLink } from "./inbox.js";
import { homeLine } from "./server-copy.js";
import { ask, button, field } from "./ui.js";

const PAGE = 40;

/** The filter the user last set; it holds words from the diary, so it goes on lock. */
/** @type {model.Filter} */
let filter = {};
onLock(() => {
  filter = {};
});

/**
 * @param {{ onLog: (id?: string, draft?: string) => void, onQuickNote: () => void, onOpen: (id: string) => void, onSummary: () => void,
 *   onPeople: () => void, onSettings: () => void, onHelp: () => void, onChecklist: () => void,
 *   onInbox: () => void, onLock: () => void, onBackup: () => void }} actions
 */
export function timeline(actions) {
  /** @type {IntersectionObserver | null} */
  let observer = null;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let typing;
  /** @type {ReturnType<typeof homeLine> | null} */
  let copyLine = null;
  /** Rises when the view is left: the whole diary, come late, is not shown in a screen gone. */
  let visit = 0;
  return {
    title: "Your diary",
    leave() {
      visit += 1;
      observer?.disconnect();
      copyLine?.stop();
      copyLine = null;
      clearTimeout(typing); // a search must not run on diary text after a lock
    },
    async render(/** @type {unknown} */ _, /** @type {import("../router.js").Show} */ show) {
      const mine = visit;
      let [first, unfinished] = await Promise.all([model.loadFirst(), drafts.all()]);
      // An unfinished change to an incident the first part does not hold is named by its date:
      // wait for the whole diary (rare: the first part is the newest incidents).
      if (first.whole && unfinished.some((d) => d.target !== "new" && !first.diary.incidents.has(d.target))) {
        first.begin();
        const diary = await first.whole;
        first = { ...first, diary, whole: null };
      }
      const { incidents, people } = first.diary;
      const $log = button("Log an incident", () => actions.onLog(), "button block primary-action");
      const notices = unfinishedPart(unfinished, incidents, { onCarryOn: actions.onLog, $log, show });
      const $private = await privateTabNotice({ $next: $log });
      // Unreadable (altered), the home still opens: only the reminder is missing.
      const $backup = await backupReminder({ recorded: first.recorded, onBackup: actions.onBackup, $after: $log, show }).catch(() => null);
      const $inbox = await inboxLink(actions.onInbox);
      const list = listPart(incidents, people, actions.onOpen, first.whole ? first.total : null);
      const bar = filterPart(filter, people, {
        onType: () => {
          clearTimeout(typing);
          typing = setTimeout(refresh, 60);
        },
        onChange: () => refresh(),
      });
      const refresh = () => {
        filter = bar.read();
        list.fill(filter);
      };
      refresh();

      observer = new IntersectionObserver((entries) => {
        if (entries.some((e) => e.isIntersecting)) list.more();
      }, { rootMargin: "800px 0px" });
      observer.observe(list.$more);
      // Painted from the first part: the rest comes in under the rows already shown, read
      // once they are on the screen (the frame that shows them, then a task).
      const { begin } = first;
      requestAnimationFrame(() => setTimeout(begin));
      first.whole?.then(
        (whole) => {
          if (mine !== visit) return;
          list.whole(whole.incidents, filter);
          observer?.unobserve(list.$more);
          observer?.observe(list.$more); // asks again whether the end is in reach
        },
        () => {}, // locked meanwhile: nothing to show
      );

      copyLine?.stop();
      copyLine = homeLine();
      return h(
        "section",
        { class: "stack" },
        h("h1", {}, "Your diary"),
        $private,
        notices.$el,
        $inbox,
        $log,
        button("Quick note", actions.onQuickNote, "button block secondary"),
        navPart(actions).$el,
        $backup,
        bar.$el,
        list.$el,
        copyLine.$status,
      );
    },
  };
}

/**
 * The unfinished entries (one per form left unsaved, in any tab), newest first, a notice
 * each with its first words: carry on with it, or throw it away (after asking).
 * @param {drafts.Draft[]} unfinished
 * @param {Map<string, model.Incident>} incidents
 * @param {{ onCarryOn: (id: string | undefined, draft: string) => void, $log: HTMLElement, show: import("../router.js").Show }} options
 *   $log: where focus goes once a notice is gone
 */
function unfinishedPart(unfinished, incidents, { onCarryOn, $log, show }) {
  const one = unfinished.length === 1;
  let left = unfinished.length;
  const count = () => (left > 1 ? `You have ${left} unfinished entries, the newest first.` : "");
  const $count = left > 1 ? h("p", {}, count()) : null;
  return {
    $el: h(
      "div",
      { class: "stack" },
      $count,
      unfinished.map((d, i) => {
        const editing = incidents.get(d.target);
        const what = editing ? `changes to the incident of ${happened(editing.fields)}` : "a new incident";
        const kept = `${what}, last kept ${longDateTime(d.saved)}.`;
        const words = firstWords(d.fields.what, 60);
        const files = d.evidence?.length || 0;
        const $box = h(
          "div",
          { class: "notice", role: "region", "aria-label": one ? "Unfinished entry" : `Unfinished entry ${i + 1} of ${unfinished.length}` },
          h("p", {}, one ? `You have an unfinished entry: ${kept}` : kept.charAt(0).toUpperCase() + kept.slice(1)),
          words ? h("p", { class: "incident-words" }, `“${words}”`) : files ? h("p", { class: "hint" }, `No words yet; ${files} ${files === 1 ? "file" : "files"}.`) : null,
          h(
            "div",
            { class: "row-buttons" },
            button("Carry on", () => onCarryOn(d.target === "new" ? undefined : d.target, d.id), "button"),
            button("Discard it", (/** @type {Event} */ event) => {
              const $button = /** @type {HTMLElement} */ (event.currentTarget);
              ask($button, { question: "Throw this unfinished entry away?", yes: "Yes, throw it away" }, async () => {
                try {
                  await drafts.drop(d.id);
                } catch (error) {
                  show.say(`It could not be discarded: ${plainWords(error)}`);
                  return;
                }
                $box.remove();
                left -= 1;
                if ($count) $count.textContent = count();
                $log.focus();
                show.say("Unfinished entry discarded.");
              });
            }, "button secondary"),
          ),
        );
        return $box;
      }),
    ),
  };
}

/**
 * The buttons to the diary's other screens.
 * @param {{ onSummary: () => void, onPeople: () => void, onHelp: () => void, onChecklist: () => void,
 *   onSettings: () => void, onLock: () => void }} actions
 */
function navPart(actions) {
  return {
    $el: h(
      "nav",
      { class: "nav-grid", "aria-label": "Diary" },
      button("Summary", actions.onSummary, "button secondary"),
      button("People", actions.onPeople, "button secondary"),
      button("Get help", actions.onHelp, "button secondary"),
      button("Risk checklist", actions.onChecklist, "button secondary"),
      button("Settings", actions.onSettings, "button secondary"),
      button("Lock now", actions.onLock, "button secondary"),
    ),
  };
}

/**
 * @param {string} value
 * @param {[string, string][]} options  value and label
 */
function menu(value, options) {
  return h("select", {}, options.map(([v, label]) => h("option", { value: v, selected: v === value }, label)));
}

/**
 * Search and filters, filled from `from`; the filters start open when one of them is set.
 * `read` gives the filter they say now.
 * @param {model.Filter} from
 * @param {Map<string, model.Person>} people
 * @param {{ onType: () => void, onChange: () => void }} on  typing in the search; changing a filter
 */
function filterPart(from, people, { onType, onChange }) {
  const $query = h("input", { type: "search", value: from.query || "", autocomplete: "off", enterkeyhint: "search" });
  const $behaviour = menu(from.behaviour || "", [["", "Any kind"], ...model.BEHAVIOURS.map(([v, l]) => /** @type {[string, string]} */ ([v, l]))]);
  const $person = menu(from.personId || "", [
    ["", "Anyone"],
    ...[...people.values()].filter((p) => !p.withdrawn).map((p) => /** @type {[string, string]} */ ([p.id, p.fields.name || "Unnamed"])),
  ]);
  const $from = h("input", { type: "date", value: from.from || "" });
  const $to = h("input", { type: "date", value: from.to || "" });
  const $reported = menu(from.reported || "", [["", "Reported or not"], ["yes", "Reported to police"], ["no", "Not reported"]]);
  $query.addEventListener("input", onType);
  for (const $f of [$behaviour, $person, $from, $to, $reported]) $f.addEventListener("change", onChange);

  /** @returns {model.Filter} */
  const read = () => ({
    query: $query.value.trim(),
    behaviour: $behaviour.value,
    personId: $person.value,
    from: $from.value,
    to: $to.value,
    reported: /** @type {any} */ ($reported.value),
  });
  // What the controls hold, not `from`: a filter on someone since withdrawn is no filter.
  const now = read();
  const filtering = Boolean(now.behaviour || now.personId || now.from || now.to || now.reported);
  return {
    read,
    $el: h(
      "search",
      { class: "stack" },
      field("Search everything you wrote", $query),
      h(
        "details",
        { class: "more", open: filtering },
        h("summary", {}, "Filter"),
        h(
          "div",
          { class: "more-body" },
          field("Kind of thing", $behaviour),
          field("Person", $person),
          h("div", { class: "pair" }, field("From", $from), field("To", $to)),
          field("Police", $reported),
        ),
      ),
    ),
  };
}

/**
 * The count and the incidents that match, grouped by month. Rows are added PAGE at a time:
 * `more` adds the next page (when `$more`, the sentinel at the end, comes into reach).
 * Given the diary's first part (`partOf`: how many incidents the whole holds), it lists
 * what that holds until `whole` brings the rest, which goes on under the rows shown.
 * @param {Map<string, model.Incident>} incidents
 * @param {Map<string, model.Person>} people
 * @param {(id: string) => void} onOpen
 * @param {number | null} [partOf]
 */
function listPart(incidents, people, onOpen, partOf = null) {
  const $count = h("p", { class: "count", role: "status" });
  const $list = h("div", { class: "timeline" });
  const $more = h("div", { class: "sentinel", "aria-hidden": "true" });

  /** @type {model.Incident[]} */
  let shown = [];
  let rendered = 0;
  let lastMonth = "";
  /** @type {HTMLElement | null} */
  let $month = null;
  const more = () => {
    const end = Math.min(shown.length, rendered + PAGE);
    for (; rendered < end; rendered++) {
      const incident = shown[rendered];
      const key = monthName(incident.happenedAt);
      if (key !== lastMonth || !$month) {
        lastMonth = key;
        $month = h("ul", { class: "list" });
        $list.append(h("section", { class: "month" }, h("h2", {}, key), $month));
      }
      $month.append(h("li", {}, row(incident, people, () => onOpen(incident.id))));
    }
    $more.hidden = rendered >= shown.length && partOf === null;
  };
  /** Show, from the top, the incidents `filter` lets through. @param {model.Filter} filter */
  const fill = (filter) => {
    // The first part holds the newest incidents, not all that match: a search waits for the whole.
    const waiting = partOf !== null && Object.values(filter).some(Boolean);
    shown = waiting ? [] : model.select(incidents, filter);
    rendered = 0;
    lastMonth = "";
    $month = null;
    $list.replaceChildren();
    const total = partOf ?? [...incidents.values()].filter((i) => !i.withdrawn).length;
    const matches = partOf ?? shown.length;
    $count.textContent =
      total === 0
        ? "Nothing recorded yet. When something happens, tap \"Log an incident\"."
        : waiting
          ? `Searching all ${total} incidents…`
          : matches === total
            ? `${total} ${total === 1 ? "incident" : "incidents"}.`
            : `${matches} of ${total} incidents match.`;
    more();
  };
  /**
   * The whole diary, in place of the first part: the rows shown stay as they are when the
   * whole lists the same incidents first (it was folded at the same head), and the list goes
   * on from there; otherwise (a save came in between, or a search was typed) it is listed
   * again from the top.
   * @param {Map<string, model.Incident>} all @param {model.Filter} filter
   */
  const whole = (all, filter) => {
    const total = partOf;
    incidents = all;
    partOf = null;
    const next = model.select(all, filter);
    const same =
      !Object.values(filter).some(Boolean) &&
      next.length === total &&
      next.length >= rendered &&
      shown.slice(0, rendered).every((i, n) => next[n].id === i.id && next[n].seqs.length === i.seqs.length);
    if (!same) return fill(filter);
    shown = next;
    $more.hidden = rendered >= shown.length;
  };
  return { $el: [$count, $list, $more], $more, more, fill, whole };
}

/**
 * One incident in the list: the date, the kinds of behaviour, the first words, evidence.
 * @param {model.Incident} incident
 * @param {Map<string, model.Person>} people
 * @param {() => void} onOpen
 */
function row(incident, people, onOpen) {
  const f = incident.fields;
  const kinds = f.behaviours.map((b) => model.behaviourLabel.get(b)).filter(Boolean).join(", ");
  const first = firstWords(f.what);
  const person = people.get(f.personId)?.fields.name;
  const files = incident.evidence.length;
  const extras = [
    person,
    files ? `${files} ${files === 1 ? "file" : "files"}` : "",
    f.police.reported === "yes" ? "reported" : "",
    incident.revisions.length > 1 ? "edited" : "",
  ].filter(Boolean);
  return h(
    "button",
    { type: "button", class: "incident-row", onclick: onOpen },
    h("span", { class: "incident-date" }, shortDate(incident.happenedAt), f.happened.time ? ` ${f.happened.about ? "about " : ""}${f.happened.time}` : ""),
    kinds ? h("span", { class: "incident-kinds" }, kinds) : null,
    first ? h("span", { class: "incident-words" }, first) : null,
    extras.length ? h("span", { class: "hint" }, extras.join(" · ")) : null,
  );
}
