// @ts-check
// A table of incidents for an advocate's spreadsheet: one row each, the main fields, and
// the number of the event that recorded it (the chain's order, whatever the phone's clock said).
import { behaviourLabel, feelingLabel } from "../diary/model.js";

const COLUMNS = [
  "Number", "Date", "Time", "Approximate", "Until", "Recorded", "Event number", "Kinds",
  "What happened", "Where", "Who", "What they looked like", "Vehicle", "Registration", "Witnesses",
  "How it made me feel", "What it changed", "Reported to police", "Date reported", "Officer",
  "Crime reference", "App, site or service", "Sender's account or number", "Link", "Date sent",
  "Time sent", "Files", "Files kept in the inbox first", "Versions", "Withdrawn",
];

/**
 * One cell: quoted when it must be, and never read by a spreadsheet as a formula.
 * @param {string | number} value
 */
export function cell(value) {
  let text = String(value ?? "");
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A time as the phone shows it, and as a spreadsheet reads it: 2026-11-14 21:40. @param {number} t */
const stamp = (t) => {
  const d = new Date(t);
  const p = (/** @type {number} */ n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
};

/** A row with only these columns filled in. @param {Record<string, string | number>} cells */
const only = (cells) => COLUMNS.map((column) => cells[column] ?? "");

/**
 * The CSV text (UTF-8, with a byte order mark so spreadsheets read accents right).
 * @param {import("../diary/model.js").Incident[]} incidents  oldest first
 * @param {Map<string, import("../diary/model.js").Person>} people
 */
export function incidentsCsv(incidents, people) {
  const lines = [COLUMNS.map(cell).join(",")];
  incidents.forEach((incident, i) => {
    const f = incident.fields;
    const row = incident.withdrawn
      ? only({ Number: i + 1, Recorded: stamp(incident.recordedAt), "Event number": incident.seqs[0], Withdrawn: stamp(incident.withdrawn.at) })
      : [
          i + 1,
          f.happened.date,
          f.happened.time,
          f.happened.about ? "yes" : "",
          f.happened.endTime,
          stamp(incident.recordedAt),
          incident.seqs[0],
          f.behaviours.map((b) => behaviourLabel.get(b) || b).join("; "),
          f.what,
          f.where,
          f.personId ? people.get(f.personId)?.fields.name || "" : "",
          f.looks,
          f.vehicle,
          f.registration,
          f.witnesses.filter((w) => w.name || w.contact).map((w) => [w.name, w.contact].filter(Boolean).join(", ")).join("; "),
          f.feelings.map((x) => feelingLabel.get(x) || x).join("; "),
          f.impact,
          f.police.reported,
          f.police.date,
          f.police.officer,
          f.police.reference,
          f.online.platform,
          f.online.sender,
          f.online.link,
          f.online.sent.date,
          f.online.sent.time,
          incident.evidence.length,
          incident.evidence
            .filter((e) => e.captured)
            .map((e) => `${e.name}: captured at ${stamp(/** @type {number} */ (e.captured))} (kept in the inbox before it was filed)`)
            .join("; "),
          incident.revisions.length,
          "",
        ];
    lines.push(row.map(cell).join(","));
  });
  return "\ufeff" + lines.join("\r\n") + "\r\n";
}
