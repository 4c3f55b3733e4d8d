// @ts-check
// Making the encrypted backup file: the vault's records and file parts exactly as stored
// (still encrypted under the data key), the data key wrapped for a passphrase (and the
// passkey slots), and a sealed ending. Making one decrypts and reads nothing.
import { toBase64url, toHex, utf8 } from "../../vault/bytes.js";
import { seal } from "../../vault/crypto.js";
import { partBody, partSize, req, tx } from "../../vault/idb.js";
import * as keys from "../../vault/keys.js";
import { LOCAL_KINDS } from "../../vault/records.js";
import { Sha256 } from "../../vault/sha256.js";
import { END_AD, FORMAT, MAGIC, framing } from "./format.js";

/**
 * Make the backup file of the whole vault: every record and every file, as stored.
 * @param {{ passphrase?: string, progress?: (done: number, total: number) => void }} [options]
 *   passphrase: a separate one for this file; without it the recovery passphrase opens it
 * @returns {Promise<Blob>}
 */
export async function makeBackup({ passphrase, progress } = {}) {
  const key = keys.dataKey();
  const slots = await keys.backupSlots(passphrase);
  // One read of both stores: the file is one moment's vault, even if another window writes.
  // File parts come as Blobs on disk (bytes where Blobs are refused); the file is put
  // together from them without reading them.
  const { rows, parts } = await tx(["records", "chunks"], "readonly", async (t) => {
    const [all, parts] = await Promise.all([req(t.objectStore("records").getAll()), req(t.objectStore("chunks").getAll())]);
    // What only caches the log here (the diary's snapshot) is made again from it after a restore.
    return { rows: all.filter((r) => !LOCAL_KINDS.has(r.kind)), parts };
  });
  const files = new Set(rows.filter((r) => r.kind === "file").map((r) => r.id));
  const kept = parts.filter((p) => files.has(p.file)); // parts of a file never finished are left out
  // A part kept in the private file system goes in as a Blob of its place there, unread: so
  // the file must be saved (downloaded, shared) before that file is removed from the diary.
  const bodies = await Promise.all(kept.map((p) => partBody(p.ct)));
  const total = rows.reduce((sum, r) => sum + r.ct.length, 0) + kept.reduce((sum, p) => sum + partSize(p.ct), 0);
  let done = 0;

  /** @type {BlobPart[]} */
  const out = [MAGIC];
  // The ending seals the hash of every frame's length and description. Each description
  // names its body's IV, and each body opens only under the data key with that IV and its
  // own additional data, so the bodies need no hash of their own: making the file reads none.
  const hasher = new Sha256();
  let count = 0;
  /** @param {object} head @param {import("../../bytes.js").Bytes | Blob} [body] */
  const frame = (head, body) => {
    const size = body ? partSize(body) : 0;
    const f = framing({ ...head, n: size });
    hasher.update(f);
    count += 1;
    out.push(f);
    if (body) out.push(body); // a stored Blob goes in as itself: its bytes stay on disk
    done += size;
    if (count % 200 === 0) progress?.(done, total);
  };

  const diary = await keys.diaryId();
  frame({ t: "header", format: FORMAT, made: Date.now(), slots: slots.map(keys.slotToJson), ...(diary ? { id: diary } : {}) });
  for (const r of rows) frame({ t: "record", id: r.id, kind: r.kind, version: r.version, iv: toBase64url(r.iv) }, r.ct);
  kept.forEach((p, i) => frame({ t: "chunk", file: p.file, index: p.index, final: p.final, iv: toBase64url(p.iv) }, bodies[i]));
  const digest = toHex(hasher.digest());
  const sealed = await seal(key, utf8(JSON.stringify({ frames: count, digest })), END_AD);
  out.push(framing({ t: "end", iv: toBase64url(sealed.iv), n: sealed.ct.length }), sealed.ct);
  progress?.(total, total);
  return new Blob(out, { type: "application/octet-stream" });
}
