// @ts-check
// The report for police, a solicitor or a court: a cover, the pattern, the risk checklist,
// then every incident in time order with every field, when it happened and when it was
// recorded (with the number of the event that recorded it), its revisions, and its evidence
// with each file's SHA-256; last, how to check that nothing was altered, and where the
// phone's clock went back. It is a page in the app that the phone's print ("Save as PDF")
// turns into a clean document.
import { h } from "../dom.js";
import * as checklist from "../diary/checklist.js";
import * as evidence from "../diary/evidence.js";
import * as log from "../diary/log.js";
import { inRun, timesGoingBack } from "../diary/times.js";
import { makeBundle } from "../formats/bundle.js";
import { marginProperties } from "../formats/margins.js";
import { onLock } from "../vault/keys.js";
import * as receipts from "../sync/receipts.js";
import * as timestamps from "../sync/timestamps.js";
import { incidentsCsv } from "../formats/csv.js";
import * as model from "../diary/model.js";
import { plainWords } from "../errors.js";
import { details } from "./incident.js";
import { dayName, firstWords, happened, longDateTime, shortDate } from "./format.js";
import { weekChart } from "./summary.js";
import { ask, busy, button, errorBox, field, handOver, more, neutralName, terms } from "./ui.js";

/** Said before every export that is not encrypted. */
const READABLE = "It is not encrypted: anyone who opens the file can read it. Its name does not say what it is.";

/** @typedef {{ from?: string, to?: string, behaviour?: string, personId?: string }} Range */
/** What is left out of the report, the table and the bundle. @typedef {import("../formats/bundle.js").LeftOut} LeftOut */
/**
 * What the cover says about the diary as an exhibit, and what is left out of it.
 * @typedef {{ keptBy?: string, exhibit?: string, leftOut?: LeftOut }} Cover
 */

// The name and exhibit reference typed for the cover, and what is left out, are kept in
// memory only, so going back to change the range does not lose them; they are never stored,
// and lock drops them.
/** @type {Cover} */
let typed = {};
onLock(() => (typed = {}));

/**
 * The incidents a range covers, oldest first; withdrawn ones too, to be shown as withdrawn.
 * @param {Map<string, model.Incident>} incidents
 * @param {Range} range
 */
const covered = (incidents, range) => model.select(incidents, { ...range, withdrawn: true }).reverse();

/**
 * The incidents without what the person left out; how many entries and files that was (an
 * entry's files with it); and what the bundle's manifest says was left out.
 * @param {model.Incident[]} list
 * @param {LeftOut} leftOut
 */
export function leaveOut(list, leftOut) {
  const entries = new Set(leftOut.entries);
  const files = new Set(leftOut.files);
  const dropped = list.filter((i) => !i.withdrawn && entries.has(i.id));
  /** @type {Map<string, number>} files left out of each entry that stays */
  const filesLeft = new Map();
  /** @type {number[]} */
  const singleFiles = [];
  const kept = list
    .filter((i) => !dropped.includes(i))
    .map((i) => {
      if (i.withdrawn) return i;
      const left = i.evidence.filter((e) => files.has(e.seq));
      if (!left.length) return i;
      filesLeft.set(i.id, left.length);
      singleFiles.push(...left.map((e) => e.seq));
      return { ...i, evidence: i.evidence.filter((e) => !files.has(e.seq)) };
    });
  return {
    kept,
    filesLeft,
    count: { entries: dropped.length, files: dropped.reduce((n, i) => n + i.evidence.length, 0) + singleFiles.length },
    /** @type {LeftOut} */
    declared: { entries: dropped.map((i) => i.id), files: singleFiles },
  };
}

/** "2 entries and 3 files", or "" when nothing. @param {{ entries: number, files: number }} count */
export function leftOutWords({ entries, files }) {
  const say = (/** @type {number} */ n, /** @type {string} */ one, /** @type {string} */ many) => (n ? `${n} ${n === 1 ? one : many}` : "");
  return [say(entries, "entry", "entries"), say(files, "file", "files")].filter(Boolean).join(" and ");
}

/**
 * A tick box for each entry in the range, and one for each of its files: what to leave out.
 * The choices live in ``leaving`` and last while the range changes.
 * @param {model.Incident[]} list
 * @param {{ entries: Set<string>, files: Set<number> }} leaving
 */
function leaveOutChoices(list, leaving) {
  const live = list.filter((i) => !i.withdrawn);
  if (!live.length) return h("p", { class: "hint" }, "There are no incidents in these dates.");
  /**
   * @template T
   * @param {string} label @param {Set<T>} set @param {T} value @param {() => void} [then]
   */
  const toggle = (label, set, value, then) => {
    const $box = h("input", { type: "checkbox", checked: set.has(value) });
    $box.addEventListener("change", () => {
      if ($box.checked) set.add(value);
      else set.delete(value);
      then?.();
    });
    return h("label", { class: "choice" }, $box, h("span", {}, label));
  };
  return h(
    "ul",
    { class: "list leave-out" },
    live.map((incident) => {
      const $files = incident.evidence.map((item) => toggle(`Only the file ${item.name}`, leaving.files, item.seq));
      // A whole entry left out takes its files with it.
      const withEntry = () => {
        for (const $label of $files) $label.querySelector("input")?.toggleAttribute("disabled", leaving.entries.has(incident.id));
      };
      withEntry();
      const what = firstWords(incident.fields.what, 60) || "(nothing written)";
      return h(
        "li",
        {},
        toggle(`${happened(incident.fields)}: ${what}`, leaving.entries, incident.id, withEntry),
        $files.length ? h("div", { class: "leave-out-files" }, $files) : null,
      );
    }),
  );
}

/** Choose what the report covers. @param {{ onBack: () => void, onReport: (range: Range, cover: Cover) => void }} actions */
export function reportChooser({ onBack, onReport }) {
  return {
    title: "Make a report",
    async render() {
      const { incidents, people } = await model.load();
      const $from = h("input", { type: "date" });
      const $to = h("input", { type: "date" });
      const $behaviour = h("select", {}, [["", "Every kind"], ...model.BEHAVIOURS].map(([v, l]) => h("option", { value: v }, l)));
      const $person = h(
        "select",
        {},
        [["", "Everyone"], ...[...people.values()].filter((p) => !p.withdrawn).map((p) => [p.id, p.fields.name || "Unnamed"])].map(([v, l]) => h("option", { value: v }, l)),
      );
      const $keptBy = h("input", { type: "text", value: typed.keptBy || "" });
      const $exhibit = h("input", { type: "text", value: typed.exhibit || "" });
      const range = () => ({ from: $from.value, to: $to.value, behaviour: $behaviour.value, personId: $person.value });
      // What to leave out: chosen from the incidents in the range, redrawn when it changes.
      const leaving = { entries: new Set(typed.leftOut?.entries), files: new Set(typed.leftOut?.files) };
      const $leaveOut = h("div", {});
      const showLeaveOut = () => $leaveOut.replaceChildren(leaveOutChoices(covered(incidents, range()), leaving));
      for (const $input of [$from, $to, $behaviour, $person]) $input.addEventListener("change", showLeaveOut);
      showLeaveOut();
      const leftOut = () => leaveOut(covered(incidents, range()), { entries: [...leaving.entries], files: [...leaving.files] }).declared;
      // A spreadsheet for an advocate: one row per incident, the main fields. What it holds
      // is said first, and it is shared (or downloaded) under a name that says nothing.
      const $tableOut = h("div", { class: "stack" });
      const $table = button("Make a table (CSV)", () =>
        ask(
          $table,
          {
            question: `The table holds the date, time, place and what happened for each incident you chose, and who was involved. ${READABLE}`,
            yes: "Make the table",
            no: "Not now",
          },
          async () => {
            const { incidents, people: everyone } = await model.load();
            const { kept: chosen } = leaveOut(covered(incidents, range()), leftOut());
            handOver($tableOut, new Blob([incidentsCsv(chosen, everyone)], { type: "text/csv" }), neutralName("csv"), { readable: true });
          },
        ), "button block secondary");
      const $form = h(
        "form",
        { class: "stack", novalidate: true },
        h("div", { class: "pair" }, field("From", $from), field("To", $to)),
        field("Kind of thing", $behaviour),
        field("Person", $person),
        more(
          "Leave something out",
          leaving.entries.size + leaving.files.size > 0,
          h("p", { class: "hint" }, "Tick an entry or a file to keep it out of the report, the table and the bundle: an intimate picture, say, or a new address. The report and the bundle say how many entries and files you left out, and their fingerprints stay in the record, so it still checks."),
          $leaveOut,
        ),
        h(
          "fieldset",
          { class: "stack" },
          h("legend", {}, "On the cover (you can leave these empty)"),
          field("Your name, as the person who kept the diary", $keptBy, "Printed on the cover and by the signature line. It is not saved."),
          field("Exhibit reference", $exhibit, "If the police or your solicitor gave you one. Otherwise they can write it in."),
        ),
        h("button", { type: "submit", class: "button block" }, "Show the report"),
        $table,
        $tableOut,
      );
      $form.addEventListener("submit", (event) => {
        event.preventDefault();
        typed = { keptBy: $keptBy.value.trim(), exhibit: $exhibit.value.trim(), leftOut: leftOut() };
        onReport(range(), typed);
      });
      return h(
        "section",
        { class: "stack" },
        h("h1", {}, "Make a report"),
        h("p", {}, "A clear record for the police, a solicitor or a court: every incident with every detail, its files and their fingerprints, and how to check nothing was changed. Leave the dates empty for everything."),
        $form,
        button("Back", onBack, "button block secondary"),
      );
    },
  };
}

/**
 * The report itself, ready to print.
 * @param {Range} range
 * @param {{ onBack: () => void }} actions
 * @param {Cover} [cover]
 */
export function reportView(range, { onBack }, { keptBy = "", exhibit = "", leftOut = { entries: [], files: [] } } = {}) {
  const root = document.documentElement.style;
  return {
    title: "Report",
    leave() {
      for (const [name] of marginProperties({ head: "" })) root.removeProperty(name);
    },
    async render() {
      const [{ incidents, people }, answers, check, back, stamped] = await Promise.all([
        model.load(),
        checklist.history(),
        log.verify(),
        log.events().then(timesGoingBack),
        // A receipt record that does not open must not stop the report: the page says so.
        Promise.all([log.events().then(receipts.review), receipts.keys()]).catch((error) => /** @type {Error} */ (error)),
      ]);
      const stamps = await Promise.all([timestamps.list(), timestamps.authority()]).catch((error) => /** @type {Error} */ (error));
      const origins = await log.origins().catch(() => []);
      const { kept: chosen, filesLeft, count: left, declared } = leaveOut(covered(incidents, range), leftOut);
      const live = chosen.filter((i) => !i.withdrawn);
      const s = model.summarise(live);
      const involved = new Set(live.map((i) => i.fields.personId).filter(Boolean));
      const names = [...involved].map((id) => people.get(id)?.fields.name || "Unnamed");
      const files = live.reduce((n, i) => n + i.evidence.length, 0);
      // Every printed page's margin: the exhibit reference and the record's fingerprint.
      for (const [name, value] of marginProperties({ head: check.head, exhibit })) root.setProperty(name, value);
      const span = range.from || range.to ? `${range.from ? dayName(range.from) : "the first entry"} to ${range.to ? dayName(range.to) : "the latest entry"}` : live.length ? `${shortDate(/** @type {number} */ (s.first))} to ${shortDate(/** @type {number} */ (s.latest))}` : "everything";

      const $progress = h("p", { class: "hint", "aria-live": "polite" });
      const $error = errorBox();
      const $bundleOut = h("div", { class: "stack" });
      const $bundle = button("Make the evidence bundle (zip)", () =>
        ask(
          $bundle,
          {
            question: `The bundle is one zip file holding this report, every photo and file in it as it was recorded, and the fingerprints that show nothing was changed. ${READABLE}`,
            yes: "Make the bundle",
            no: "Not now",
          },
          async () => {
            $error.textContent = "";
            try {
              const blob = await makeBundle({
                incidents: chosen.filter((i) => !i.withdrawn),
                leftOut: declared,
                report: $report,
                progress: (done, total) => ($progress.textContent = total ? `Files: ${done} of ${total}` : ""),
              });
              $progress.textContent = "";
              handOver($bundleOut, new Blob([blob], { type: "application/zip" }), neutralName("zip"), { readable: true });
            } catch (error) {
              $progress.textContent = "";
              $error.textContent = `The bundle could not be made: ${plainWords(error)}`;
            }
          },
        ), "button block secondary");
      // Printing waits for the pictures: a thumbnail still loading would print as a blank box.
      const $print = button("Print or save as PDF", () =>
        ask(
          $print,
          {
            question: "Printed, or saved as a PDF, the report shows every incident in it to anyone who sees the paper or opens the file. A saved PDF stays in your downloads until you delete it; its name does not say what it is.",
            yes: "Print or save",
            no: "Not now",
          },
          async () => {
            await picturesReady($report);
            printNeutrally();
          },
        ), "button block");
      const $report = h(
        "section",
        { class: "report", "data-head": check.head, "data-exhibit": exhibit },
        h(
          "div",
          { class: "no-print actions" },
          $print,
          $bundle,
          $progress,
          $bundleOut,
          $error,
          button("Back", onBack, "button block secondary"),
        ),
        h(
          "header",
          { class: "report-cover" },
          h("h1", {}, "Incident diary"),
          h("p", { class: "report-subtitle" }, "A record of incidents, kept at the time by the person they happened to"),
          terms("report-terms", [
            ["Kept by", keptBy || h("span", { class: "blank" }, "Not given")],
            ["Exhibit reference", exhibit || h("span", { class: "blank" }, "To be filled in")],
            ["Covering", span],
            ["Incidents", String(live.length) + (chosen.length > live.length ? ` (and ${chosen.length - live.length} withdrawn)` : "")],
            ["Files", String(files)],
            ["Left out", leftOutWords(left) ? `${leftOutWords(left)}, by the person who kept the diary (see Integrity)` : "Nothing"],
            ["People involved", names.join(", ") || "Not named"],
            ["Produced", longDateTime(Date.now())],
            ["Record fingerprint", check.head, { class: "hash" }],
          ]),
          h("p", {}, "Each incident shows when it happened, when it was recorded on the phone and the number of the event that recorded it: the diary's events are numbered in the order the phone wrote them, whatever its clock said (see Integrity). Entries are never overwritten: a change is kept as a new version, and both are shown. Every file is listed with its SHA-256 fingerprint, taken when it was added. The record fingerprint is that of the last event in the diary's chain (see Integrity, at the end); every page carries its first 16 characters."),
        ),
        h(
          "section",
          { class: "report-summary" },
          h("h2", {}, "Summary"),
          live.length
            ? [
                terms("report-terms", [
                  ["First incident", shortDate(/** @type {number} */ (s.first))],
                  ["Latest incident", shortDate(/** @type {number} */ (s.latest))],
                  ["Days spanned", String(s.days)],
                ]),
                h("h3", {}, "Incidents per week"),
                weekChart(s.weeks),
                h("h3", {}, "By kind"),
                h("ul", {}, s.byBehaviour.map(([b, n]) => h("li", {}, `${model.behaviourLabel.get(b) || b}: ${n}`))),
              ]
            : h("p", {}, "No incidents in this range."),
          answers.length ? riskAnswers(answers) : null,
        ),
        h(
          "section",
          { class: "report-incidents" },
          h("h2", {}, "Incidents"),
          chosen.map((incident, n) => incidentBlock(incident, n + 1, people, filesLeft.get(incident.id) || 0, inRun(back))),
        ),
        integrity(check, back, stamped, stamps, left, origins),
        signature(keptBy),
      );
      return $report;
    },
  };
}

/** The risk checklist: the latest answers in full, and when it was answered before. @param {checklist.Filled[]} answers */
function riskAnswers(answers) {
  const [latest, ...before] = answers;
  return h(
    "div",
    { class: "report-risk" },
    h("h3", {}, "Stalking risk checklist (S-DASH)"),
    h("p", {}, `Answered ${longDateTime(latest.at)}: yes to ${latest.yes} of 11.`),
    h(
      "ol",
      {},
      checklist.QUESTIONS.map((q, i) => {
        const a = latest.answers[i];
        const said = checklist.answerLabel.get(a.answer) || "Not answered";
        return h("li", {}, `${q} `, h("strong", {}, said), a.note ? ` (${a.note})` : "");
      }),
    ),
    before.length ? h("p", {}, `Answered before: ${before.map((f) => `${shortDate(f.at)} (yes to ${f.yes})`).join("; ")}.`) : null,
  );
}

/**
 * One incident with everything known about it.
 * @param {model.Incident} incident
 * @param {number} n
 * @param {Map<string, model.Person>} people
 * @param {number} filesLeft  how many of its files the person left out
 * @param {(seq: number) => boolean} wentBack  whether an event was recorded after the phone's clock went back
 */
function incidentBlock(incident, n, people, filesLeft, wentBack) {
  const heading = `${n}. ${incident.withdrawn ? "Withdrawn entry" : shortDate(incident.happenedAt)}`;
  if (incident.withdrawn) {
    return h(
      "article",
      { class: "report-incident withdrawn" },
      h("h3", {}, heading),
      h("p", {}, `First recorded ${longDateTime(incident.recordedAt)} (event ${incident.seqs[0]}). Withdrawn by the diary's owner ${longDateTime(incident.withdrawn.at)} (event ${incident.withdrawn.seq}): its words and files were removed, and its place in the record is kept.`),
    );
  }
  const [first, ...later] = incident.revisions;
  const latest = incident.revisions.at(-1);
  // Said where the reader meets the times, so a recorded time is not read as more than the
  // phone's clock: one that had gone back, or was behind when the person saved anyway.
  const clock = [
    wentBack(incident.seqs[0])
      ? "The phone's clock had gone back when this was recorded (see Integrity)."
      : incident.seqs.some(wentBack)
        ? "The phone's clock had gone back when part of this entry was recorded (see Integrity)."
        : "",
    latest && model.happenedAt(latest.fields) > latest.at + model.CLOCK_GRACE_MS
      ? "The phone's clock was behind when this was saved: it was recorded before the time given for when it happened, and the person, asked, kept that time."
      : "",
  ].filter(Boolean);
  return h(
    "article",
    { class: "report-incident" },
    h("h3", {}, heading),
    h("p", { class: "recorded" }, `Recorded ${longDateTime(first?.at ?? incident.recordedAt)} (event ${first?.seq ?? incident.seqs[0]}).`, clock.length ? ` ${clock.join(" ")}` : ""),
    later.length
      ? h(
          "div",
          { class: "revisions" },
          h("p", {}, h("strong", {}, `Revised ${later.length === 1 ? "once" : `${later.length} times`}:`)),
          h(
            "ul",
            {},
            later.map((r) => h("li", {}, `Version ${incident.revisions.indexOf(r) + 1}, ${longDateTime(r.at)} (event ${r.seq}): changed ${r.changed.join(", ") || "nothing but evidence"}.`)),
          ),
          h(
            "details",
            { class: "more", open: true },
            h("summary", {}, "The first version, as recorded"),
            h("div", { class: "more-body" }, details(first.fields, people)),
          ),
          h("p", {}, h("strong", {}, "As it stands now:")),
        )
      : null,
    details(incident.fields, people),
    incident.evidence.length ? evidenceTable(incident.evidence) : null,
    filesLeft
      ? h("p", { class: "left-out" }, `${leftOutWords({ entries: 0, files: filesLeft })} of this entry ${filesLeft === 1 ? "was" : "were"} left out of this report by the person who kept the diary.`)
      : null,
  );
}

/** Where the diarist signs and dates the printed report (on paper only). @param {string} keptBy */
function signature(keptBy) {
  return h(
    "section",
    { class: "report-signature print-only" },
    h("h2", {}, "Signature"),
    h("p", {}, "Signed by the person who kept this diary."),
    h("p", { class: "sign-line" }, "Signed ………………………………………… Date ………………………"),
    h("p", { class: "sign-line" }, keptBy ? `Name: ${keptBy}` : "Name ……………………………………………"),
  );
}

/**
 * Print with a page title that says nothing: the phone offers it as the PDF's file name, and
 * the disguise's own title ("Calculator") would be an odd one. The title is put back after,
 * unless something else (the disguise, on quick exit) has set it meanwhile.
 */
function printNeutrally() {
  const before = document.title;
  const title = neutralName("pdf").replace(/\.pdf$/, "");
  document.title = title;
  const restore = () => {
    removeEventListener("afterprint", restore);
    if (document.title === title) document.title = before;
  };
  addEventListener("afterprint", restore);
  // Some phones return from print() at once and print later: afterprint says when it is done.
  setTimeout(restore, 60_000);
  window.print();
}

/** Each thumbnail's loading, so printing can wait for every picture. @type {WeakMap<HTMLImageElement, Promise<void>>} */
const pictures = new WeakMap();

/** Resolves when every picture in the report is showing (or was left out). @param {HTMLElement} $report */
export async function picturesReady($report) {
  await Promise.all([...$report.querySelectorAll("img")].map((img) => pictures.get(img)));
}

/** Each file: a thumbnail for images, its name, type, size, when it was added and SHA-256. @param {model.Evidence[]} items */
function evidenceTable(items) {
  return h(
    "div",
    { class: "report-evidence" },
    h("h4", {}, items.length === 1 ? "Evidence: 1 file" : `Evidence: ${items.length} files`),
    h(
      "ul",
      { class: "list" },
      items.map((item) => {
        // The picture itself, not its thumbnail: printed full width, a number plate in it must
        // be readable. (A thumbnail means the phone could draw the file as a picture.)
        const $thumb = item.thumb ? h("img", { alt: `Picture: ${item.name}`, width: 96, height: 96, "data-file": item.file }) : null;
        if ($thumb) {
          const loaded = evidence.thumbUrl(item.file, item.type).then(
            (url) => {
              $thumb.src = url;
              return $thumb.decode().catch(() => {});
            },
            () => $thumb.remove(),
          );
          pictures.set($thumb, loaded);
        }
        return h(
          "li",
          { class: "report-file" },
          $thumb,
          h(
            "div",
            {},
            h("strong", {}, item.name),
            h("div", {}, `${item.type || "unknown type"}, ${evidence.formatSize(item.size)}, added ${longDateTime(item.at)} (event ${item.seq})`),
            item.captured ? h("div", {}, `Captured at ${longDateTime(item.captured)} (kept in the inbox before it was filed${item.via === "share" ? "; shared from another app" : ""}).`) : null,
            h("div", { class: "hash" }, `SHA-256: ${item.sha256}`),
          ),
        );
      }),
    ),
  );
}

/**
 * The last page: the chain's head and count, whether it checked out, where the phone's clock
 * went back, how to check it, and the server's time receipts.
 * @param {Awaited<ReturnType<typeof log.verify>>} check
 * @param {import("../diary/times.js").GoingBack[]} back  recorded times that go backwards
 * @param {[Awaited<ReturnType<typeof receipts.review>>, receipts.PublicKey[]] | Error} stamped
 * @param {[timestamps.Stored[], timestamps.Authority | undefined] | Error} stamps
 * @param {{ entries: number, files: number }} left  what the person left out
 * @param {log.Origin[]} origins  backups merged in, with their own receipts and time-stamps
 */
function integrity(check, back, stamped, stamps, left, origins) {
  return h(
    "section",
    { class: "report-integrity" },
    h("h2", {}, "Integrity"),
    h("p", {}, "Every entry, change, file and withdrawal in this diary is an event in a chain. Each event holds the SHA-256 fingerprint of its content and of the event before it, so changing, removing, inserting or back-dating any one of them breaks the chain from that point."),
    h("p", {}, "What that proves, and what it does not: the fingerprints show the record has not been changed by accident, and that nothing was changed since a fingerprint was noted by someone else. On their own they do not show when anything was recorded: anyone holding the diary could rebuild every fingerprint. The time receipts below, when there are any, are what tie the record to a time: a receipt shows the chain up to that event existed by the time it gives."),
    terms("report-terms", [
      ["Events in the chain", String(check.count)],
      ["Fingerprint of the last event (the chain's head)", check.head],
      ["Checked on the phone when this report was made", check.ok ? "Intact: every event is as it was recorded." : `Not intact: ${check.problems.map((p) => `${p.where} ${p.what}`).join(" ")}`],
    ]),
    back.length ? clockWentBack(back) : null,
    leftOutWords(left)
      ? h("p", { class: "left-out" }, `Left out by the person who kept the diary: ${leftOutWords(left)}. Their events stay in the chain with their fingerprints, so the chain still checks from the first event to the last, but what they hold is not in this report or its bundle. cairn verify counts them too.`)
      : null,
    h("p", {}, "To check it independently, ask for the evidence bundle (one zip file holding this report, every file as it was recorded and the chain), and run cairn verify on it: it recomputes every fingerprint, says for each file and event whether it is as recorded, and says what anchors the record in time (or that it is internally consistent only). Note the head fingerprint above: a later copy of the diary must contain this event unchanged (cairn verify --head checks it)."),
    stamped instanceof Error ? h("p", {}, `The time receipts could not be read: ${plainWords(stamped)}`) : receiptList(...stamped),
    stamps instanceof Error ? h("p", {}, `The time-stamps could not be read: ${plainWords(stamps)}`) : stampList(...stamps),
    origins.length ? mergedAnchors(origins) : null,
  );
}

/**
 * Where the phone's clock went back: each run of events that says it was recorded before an
 * event ahead of it in the chain. Said plainly and blaming no one: a phone's clock may simply
 * have been wrong, and put right.
 * @param {import("../diary/times.js").GoingBack[]} back
 */
function clockWentBack(back) {
  const span = (/** @type {number} */ from, /** @type {number} */ to) =>
    longDateTime(from) === longDateTime(to) ? longDateTime(from) : `from ${longDateTime(from)} to ${longDateTime(to)}`;
  const run = (/** @type {import("../diary/times.js").GoingBack} */ b) =>
    b.first === b.last
      ? `Event ${b.first} says it was recorded ${longDateTime(b.from)}, earlier than event ${b.after.seq} before it (${longDateTime(b.after.at)}).`
      : `Events ${b.first} to ${b.last} say they were recorded ${span(b.from, b.to)}, earlier than event ${b.after.seq} before them (${longDateTime(b.after.at)}).`;
  return h(
    "div",
    { class: "report-clock" },
    h("h3", {}, "Recorded times that go back"),
    h("p", {}, "The phone's clock went back while this diary was kept: it may have been changed, or put right after it was wrong."),
    h("ul", {}, back.map((b) => h("li", {}, run(b)))),
    h("p", {}, "The events are numbered in the order the phone wrote them, and that order cannot change without breaking the chain; the time recorded with each is what the phone's clock said then. When each incident happened is what was typed for it, and is not changed by this. cairn verify flags the same events."),
  );
}

/**
 * The receipts and time-stamps of backups merged into this diary: they were made for the
 * backup's own chain, which the diary keeps as fingerprints, so they still show when those
 * entries existed. cairn verify checks them and names the events they cover.
 * @param {log.Origin[]} origins
 */
function mergedAnchors(origins) {
  return h(
    "div",
    { class: "report-origins" },
    h("h3", {}, "Entries merged from a backup"),
    h("p", {}, "Entries added from a backup keep the times they were first recorded, and the backup's own receipts and time-stamps are kept with the diary and carried in the evidence bundle. They are not checked on this phone: cairn verify checks them, and names the events they cover."),
    h(
      "ul",
      {},
      origins.map((o) =>
        h("li", {}, `A backup made ${longDateTime(o.made)}, whose chain ended at ${o.head}: ${o.receipts.length} ${o.receipts.length === 1 ? "receipt" : "receipts"} and ${o.timestamps.length} ${o.timestamps.length === 1 ? "time-stamp" : "time-stamps"}.`),
      ),
    ),
  );
}

/**
 * The RFC 3161 time-stamps: for each, the event, the head's fingerprint and the authority's
 * time. They are checked outside the phone (cairn verify, or openssl ts -verify).
 * @param {timestamps.Stored[]} list
 * @param {timestamps.Authority | undefined} authority
 */
function stampList(list, authority) {
  return h(
    "div",
    { class: "report-stamps" },
    h("h3", {}, "Time-stamps from an independent authority"),
    h("p", {}, `A time-stamp is a time-stamping authority's signed statement (RFC 3161) that the chain ending at that event existed at the time shown${authority ? `; the authority here is ${authority.name}` : ""}. Only the fingerprint of the chain's head was sent to it. Each one is in the evidence bundle, where cairn verify checks it, and can be checked on its own with openssl ts -verify -digest <the fingerprint> against the authority's certificate.`),
    list.length
      ? h(
          "div",
          { class: "table-scroll", tabindex: 0, role: "region", "aria-label": "Time-stamps" },
          h(
            "table",
            { class: "receipts" },
            h("thead", {}, h("tr", {}, ["Event", "Fingerprint of the chain's head", "Authority's time"].map((t) => h("th", { scope: "col" }, t)))),
            h("tbody", {}, list.map((s) => h("tr", {}, h("td", {}, String(s.seq)), h("td", {}, fingerprint(s.hash)), h("td", {}, longDateTime(s.time))))),
          ),
        )
      : h("p", {}, "This diary has no time-stamps yet. The phone asks for one after each change while it is online, if the server it came from has a time-stamping authority."),
  );
}

/** A long fingerprint, shortened on screen and whole when printed. @param {string} hash @param {number} [n] */
const fingerprint = (hash, n = 12) => h("span", { class: "hash" }, h("span", { class: "hash-short" }, `${hash.slice(0, n)}…`), h("span", { class: "hash-full" }, hash));

/**
 * The server's time receipts: for each, the event, the head's fingerprint, the server's
 * time, its key, and whether it matches the chain and its signature checks.
 * @param {Awaited<ReturnType<typeof receipts.review>>} list
 * @param {receipts.PublicKey[]} keys
 */
function receiptList(list, keys) {
  /** @param {(typeof list)[number]} r */
  const verdict = (r) =>
    [
      r.matches ? `Matches: event ${r.seq} has this fingerprint.` : `Does not match: event ${r.seq} in this diary has a different fingerprint.`,
      r.signed === true ? "Signature checked." : r.signed === false ? "The signature does not check." : "Signature not checked on this phone.",
    ].join(" ");
  return h(
    "div",
    { class: "report-receipts" },
    h("h3", {}, "Time receipts from the server"),
    h("p", {}, "A time receipt is the server's signed statement that it saw the diary in the state ending at that event no later than the time shown, without seeing any of it: the phone sends the server only the fingerprint of the chain's head. So everything up to that event existed by then, and a later copy of the diary must still contain it unchanged."),
    list.length
      ? h(
          "div",
          { class: "table-scroll", tabindex: 0, role: "region", "aria-label": "Time receipts" },
          h(
            "table",
            { class: "receipts" },
            h("thead", {}, h("tr", {}, ["Event", "Fingerprint of the chain's head", "Server's time", "Key", "Checked"].map((t) => h("th", { scope: "col" }, t)))),
            h(
              "tbody",
              {},
              list.map((r) =>
                h(
                  "tr",
                  { class: r.matches && r.signed !== false ? null : "mismatch" },
                  h("td", {}, String(r.seq)),
                  h("td", {}, fingerprint(r.hash)),
                  h("td", {}, longDateTime(r.receipt.time)),
                  h("td", {}, fingerprint(r.receipt.kid, 8)),
                  h("td", {}, verdict(r)),
                ),
              ),
            ),
          ),
        )
      : h("p", {}, "This diary has no time receipts yet. The phone asks the server for one when it copies the diary there."),
    keys.length
      ? [
          h("p", {}, keys.length === 1 ? "The receipts are signed with the server's key (Ed25519):" : "The receipts are signed with these keys of the server (Ed25519):"),
          terms(
            "report-terms",
            keys.flatMap((k) => [
              ["Key id", k.kid, { class: "hash" }],
              ["Public key", k.publicKey, { class: "hash" }],
            ]),
          ),
          h("p", {}, "The evidence bundle carries the receipts and this key. To check them independently, run cairn verify on the bundle with --key set to the key the server publishes at /api/receipts/key: the two must be the same."),
        ]
      : null,
  );
}
