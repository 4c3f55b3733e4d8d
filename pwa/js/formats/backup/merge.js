// @ts-check
// Merging a backup into the open diary: its entries and files, leaving out what is already
// here, re-encrypted under this diary's key.
import { fromBase64url, utf8 } from "../../vault/bytes.js";
import * as changes from "../../vault/changes.js";
import { open, seal } from "../../vault/crypto.js";
import { req, storable, tx } from "../../vault/idb.js";
import * as keys from "../../vault/keys.js";
import { whileWriting } from "../../vault/orphans.js";
import * as records from "../../vault/records.js";
import * as log from "../../diary/log.js";
import { check } from "./check.js";
import { body } from "./format.js";

/**
 * What ties the backup's chain to a time, kept so its receipts and time-stamps still count
 * after the merge: its chain as headers and hashes only (no content: the merged events carry
 * that), and its anchors. Its events have new places in this chain, so the anchors are
 * checked against this copy of the backup's chain, and `cairn verify` matches each event to
 * the merged one by kind, subject, time and content hash. Null when it has no anchors.
 * @param {import("./check.js").Checked} checked
 * @returns {log.Origin | null}
 */
function originOf({ events, head, made, anchors }) {
  const upTo = events.at(-1)?.seq ?? 0;
  const receipts = anchors.receipts.filter((r) => r.seq <= upTo);
  const timestamps = anchors.timestamps.filter((t) => t.seq <= upTo);
  if (!receipts.length && !timestamps.length) return null;
  return {
    head,
    made,
    // A merge's own payload (which backup, when, how many events) comes too: a backup merged
    // into this one is named by it.
    events: events.map(({ seq, prev, type, subject, at, payloadHash, hash, payload }) => ({
      seq, prev, type, subject, at, payloadHash, hash, payload: type === "backup.merged" ? payload : null,
    })),
    receipts: receipts.map(({ seq, hash, receipt }) => ({ seq, hash, receipt })),
    receiptKeys: anchors.receiptKeys.map(({ alg, kid, publicKey }) => ({ alg, kid, publicKey })),
    timestamps: timestamps.map(({ seq, hash, token }) => ({ seq, hash, token })),
    tsaCertificates: [...new Set(anchors.authorities.flatMap((a) => a.certificates || []))],
  };
}

/**
 * Add a backup's entries and files to the open diary, leaving out what is already here.
 * Files are re-encrypted under this diary's key; the events are added in one step, so a
 * failure leaves the diary as it was.
 * @param {Blob} file
 * @param {string} passphrase
 * @param {{ progress?: (stage: "checking" | "adding", fraction: number) => void }} [options]
 * @returns {Promise<{ entries: number, files: number }>} how many were added (entries: incidents,
 *   people, checklists…, whatever the new events are about)
 * @throws {import("./format.js").BackupError | import("../../vault/idb.js").StorageFullError}
 */
export async function merge(file, passphrase, { progress } = {}) {
  const checked = await check(file, passphrase, { progress: (f) => progress?.("checking", f) });
  const key = keys.dataKey();
  const have = new Set(await tx("records", "readonly", (t) => req(t.objectStore("records").index("kind").getAllKeys("file"))));
  // Only files the entries name (not those of an unfinished draft in the backup).
  const named = new Set();
  for (const e of checked.events) {
    const payload = e.type === "evidence.added" ? log.payloadOf(e) : null;
    if (payload?.file) named.add(payload.file);
    if (payload?.thumb) named.add(payload.thumb);
  }
  const fileRows = checked.rows.filter((f) => f.head.kind === "file" && named.has(f.head.id) && !have.has(f.head.id));
  const total = fileRows.reduce((n, f) => n + (checked.parts.get(f.head.id) || []).reduce((m, p) => m + p.n, 0), 0);
  let done = 0;
  /** @type {string[]} */
  const added = [];
  try {
    // Under the file writers' lock: an unlock in another tab must not take these parts for
    // an interrupted file's before their record is written (vault/orphans.js).
    await whileWriting(async () => {
      for (const f of fileRows) {
        const h = f.head;
        added.push(h.id);
        for (const p of checked.parts.get(h.id) || []) {
          const c = p.head;
          const plain = await open(checked.key, { iv: fromBase64url(c.iv), ct: await body(file, p) }, records.chunkAd(c.file, c.index, c.final));
          const again = await seal(key, plain, records.chunkAd(c.file, c.index, c.final));
          const kept = await storable(again.ct);
          await tx("chunks", "readwrite", (t) => void t.objectStore("chunks").put({ file: c.file, index: c.index, final: c.final, iv: again.iv, ct: kept }), {
            durability: "relaxed",
          });
          done += p.n;
          progress?.("adding", total ? done / total : 1);
        }
        const record = await seal(key, utf8(JSON.stringify(checked.files.get(h.id))), records.recordAd("file", h.id, h.version));
        await tx(["records", "changes"], "readwrite", async (t) => {
          t.objectStore("records").put({ id: h.id, kind: "file", version: h.version, ...record });
          await changes.note(t, [h.id]); // for the server copy, with the record
        });
      }
    });
    const made = await log.merge(checked.events, { head: checked.head, made: checked.made }, [
      ...[originOf(checked)].filter(Boolean),
      ...checked.anchors.origins,
    ].map((value) => ({ kind: "origin", value })));
    progress?.("adding", 1);
    return { entries: new Set(made.slice(1).map((e) => e.subject)).size, files: added.length };
  } catch (error) {
    for (const id of added) await records.removeFile(id).catch(() => {});
    throw error;
  }
}
