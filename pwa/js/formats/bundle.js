// @ts-check
// The evidence bundle: one zip to hand over, holding the report as a page with no script,
// every evidence file as its original bytes, and manifest.json with the SHA-256 of every
// other entry (the report's too) and the diary's chain. `cairn verify` checks it outside
// the phone: every entry must be listed, and each file must match the event that added it.
//
// The chain is whole (every event's header and hashes) so it verifies from the first event
// to the head; payloads are included only for what the report covers, and a file's only
// when the file itself is in the bundle. The others keep their payloadHash, as a withdrawn
// entry does, so nothing outside the report is handed over. What the person chose to leave
// out is listed by id and event number only (leftOut).
// The server's time receipts (hashes and times only) and its public key come too, and the
// RFC 3161 time-stamps with their authority's certificates, and those of every backup merged
// into the diary (origins: each backup's chain as hashes, and its anchors).
import { toHex, utf8 } from "../vault/bytes.js";
import * as records from "../vault/records.js";
import * as log from "../diary/log.js";
import * as receipts from "../sync/receipts.js";
import * as timestamps from "../sync/timestamps.js";
import { marginProperties } from "./margins.js";
import { ZipWriter } from "./zip.js";

export const FORMAT = "cairn-bundle/2";

/**
 * What the person chose to leave out: whole entries by id, and single files by the number
 * of the event that added them.
 * @typedef {{ entries: string[], files: number[] }} LeftOut
 */
const STAMP_WAIT_MS = 5000;

/** @param {ReadableStream<import("../vault/bytes.js").Bytes>} stream */
async function* chunksOf(stream) {
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    yield value;
  }
}

/** A file name safe in any archive tool and file system. @param {string} name */
const safe = (name) => name.replace(/[^\p{L}\p{N}._ -]+/gu, "_").slice(0, 80) || "file";

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#000}
dl{display:grid;grid-template-columns:minmax(8rem,max-content) 1fr;gap:.2rem 1rem}dt{font-weight:600}dd{margin:0;white-space:pre-wrap;overflow-wrap:anywhere}
.report-incident{border-top:2px solid #999;margin-top:1.5rem}.report-file{display:flex;gap:.75rem;padding:.5rem 0;border-bottom:1px solid #ccc;list-style:none}
.report-file img{width:96px;height:96px;object-fit:cover}ul.list{padding:0}.hash{font-family:monospace;overflow-wrap:anywhere}
.hash-short{display:none}.print-only{display:none}.blank{font-style:italic;color:#555}table{border-collapse:collapse}th,td{text-align:left;vertical-align:top;padding:.3rem .5rem .3rem 0;border-bottom:1px solid #ccc}.chart{max-width:30rem}.chart .bar{fill:#1f3a3d}.chart .axis{stroke:#999}.chart .label{font-size:11px;fill:#333}.chart .count{font-weight:600}.withdrawn{color:#555}
@media print{@page{margin:16mm 14mm}@page report{@top-left{content:var(--report-exhibit,"");font:8pt sans-serif}@top-right{content:var(--report-head,"");font:8pt monospace}@bottom-center{content:"Page " counter(page) " of " counter(pages);font:9pt sans-serif}}
body{max-width:none;margin:0;padding:0;font-size:10.5pt}.report{page:report}.report-summary,.report-incidents,.report-integrity{break-before:page}h2,h3,h4{break-after:avoid}
.report-cover{min-height:235mm;display:flex;flex-direction:column;justify-content:space-between}.report-cover h1{font-size:30pt}.report-cover dl{font-size:13pt;gap:4mm 8mm}
.report-file{display:block;break-inside:avoid}.report-file img{display:block;width:100%;height:auto;max-height:200mm;object-fit:contain}.chart{max-width:140mm}
.print-only{display:block}.report-signature{break-inside:avoid;margin-top:12mm}.sign-line{margin-top:12mm;font-size:12pt}.hash-full{display:inline}}`;

/**
 * The report as a page of its own: a copy of the one on screen, its pictures pointing at
 * the files beside it, no buttons, no script.
 * @param {HTMLElement} $report
 * @param {Map<string, string>} paths  vault file id → path in the bundle
 */
function reportPage($report, paths) {
  const $copy = /** @type {HTMLElement} */ ($report.cloneNode(true));
  for (const $el of $copy.querySelectorAll(".no-print, script")) $el.remove();
  for (const $img of $copy.querySelectorAll("img")) {
    const path = paths.get($img.dataset.file || "");
    if (path) $img.setAttribute("src", path);
    else $img.remove();
    $img.removeAttribute("data-file");
  }
  // Each page's margin: the exhibit reference and the record's fingerprint, as on the phone.
  const margins = marginProperties({ head: $report.dataset.head || "", exhibit: $report.dataset.exhibit });
  const root = `:root{${margins.map(([name, value]) => `${name}:${value}`).join(";")}}`;
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>Incident diary</title><style>${root}\n${STYLE}</style></head><body>${$copy.outerHTML}</body></html>\n`;
}

/**
 * Make the bundle for the incidents a report covers. ``leftOut`` says what the person chose
 * to leave out (those incidents are not in ``incidents``, those files not in their evidence):
 * `cairn verify` counts them, and fails anything else missing.
 * @param {{ incidents: import("../diary/model.js").Incident[], report: HTMLElement, leftOut?: LeftOut, progress?: (done: number, total: number) => void }} what
 * @returns {Promise<Blob>}
 */
export async function makeBundle({ incidents, report, leftOut = { entries: [], files: [] }, progress = () => {} }) {
  // A time-stamp of the head as it is now, if the phone is online (at most a few seconds).
  await timestamps.stampWithin(STAMP_WAIT_MS);
  const [events, stamped, keys, stamps, authority, origins] = await Promise.all([
    log.events(),
    receipts.list(),
    receipts.keys(),
    timestamps.list(),
    timestamps.authority(),
    log.origins(),
  ]);
  const covered = new Set(incidents.map((i) => i.id));
  for (const i of incidents) if (i.fields.personId) covered.add(i.fields.personId);
  for (const e of events) if (e.type === "checklist.answered") covered.add(e.subject); // in the report too
  // A person's photos are not in the report: their events keep only their hashes.
  // A merge's own event says only which chain was merged, and when: it is always shown.
  const shown = (/** @type {log.Event} */ e) =>
    e.type === "backup.merged" || (covered.has(e.subject) && (e.type !== "evidence.added" || included.has(e.seq)));

  const zip = new ZipWriter();
  /** @type {{ path: string, name: string, type: string, size: number, sha256: string, subject: string, event: number }[]} */
  const files = [];
  /** @type {Set<number>} the evidence events whose files are in the bundle */
  const included = new Set();
  /** @type {Map<string, string>} */
  const paths = new Map();
  const all = incidents.flatMap((incident) => incident.evidence.map((item) => ({ incident, item })));
  for (const [n, { incident, item }] of all.entries()) {
    progress(n, all.length);
    const path = `files/${String(n + 1).padStart(3, "0")}-${safe(item.name)}`;
    await zip.add(path, chunksOf(records.readFile(item.file)));
    files.push({ path, name: item.name, type: item.type, size: item.size, sha256: item.sha256, subject: incident.id, event: item.seq });
    included.add(item.seq);
    paths.set(item.file, path);
    if (item.thumb) paths.set(item.thumb, path); // the report shows the picture itself
  }
  progress(all.length, all.length);
  const page = utf8(reportPage(report, paths));
  await zip.add("report.html", [page]);

  const manifest = {
    format: FORMAT,
    produced: new Date().toISOString(),
    head: events.at(-1)?.hash || log.GENESIS,
    count: events.length,
    leftOut,
    report: { path: "report.html", sha256: toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", page))) },
    files,
    events: events.map((e) => ({
      seq: e.seq,
      prev: e.prev,
      type: e.type,
      subject: e.subject,
      at: e.at,
      payloadHash: e.payloadHash,
      hash: e.hash,
      payload: shown(e) ? e.payload : null,
    })),
    receipts: stamped.map(({ seq, hash, receipt }) => ({ seq, hash, receipt })),
    receiptKeys: keys.map(({ alg, kid, publicKey }) => ({ alg, kid, publicKey })),
    timestamps: stamps.map(({ seq, hash, token }) => ({ seq, hash, token })),
    tsaCertificates: authority?.certificates || [],
    origins,
  };
  await zip.add("manifest.json", [utf8(JSON.stringify(manifest, null, 1))]);
  return zip.blob();
}
