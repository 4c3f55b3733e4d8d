// @ts-check
// Restoring a backup onto a phone that has no diary: check it all, clear what an interrupted
// restore left, then write every record and file part exactly as stored, then the key slots
// (the diary exists only from then on: a restore stopped before is as if never started).
import { PlainError } from "../../errors.js";
import { fromBase64url } from "../../vault/bytes.js";
import { destroy, storable, tx } from "../../vault/idb.js";
import * as backups from "../../diary/backups.js";
import * as keys from "../../vault/keys.js";
import { check } from "./check.js";
import { body } from "./format.js";

/**
 * @typedef {import("./check.js").KeyOpener} KeyOpener
 * @typedef {import("./check.js").RecordFrame} RecordFrame
 * @typedef {import("./check.js").ChunkFrame} ChunkFrame
 * @typedef {(fraction: number) => void} Progress
 */

/**
 * Restore a backup onto a phone that has no diary: check it all, clear what an earlier restore
 * left behind, then write every record and file part as it is, then the key slots. If
 * anything fails, nothing is left behind; if the phone stops midway, the next set-up or
 * restore clears what was written.
 * @param {Blob} file
 * @param {string | KeyOpener} passphrase  or an opener (a passkey's)
 * @param {{ progress?: (stage: "checking" | "restoring", fraction: number) => void, startedAt?: number, sealed?: boolean, keepSlots?: boolean }} [options]
 *   sealed: false for the server's copy (see check); keepSlots: keep the backup's slots
 *   exactly as they were (the server copy's, which are the vault's own), instead of a new
 *   passphrase slot for the passphrase that opened a file (which may be the file's own)
 * @throws {import("./format.js").BackupError | import("../../vault/idb.js").StorageFullError | import("../../vault/keys.js").LockedError}
 */
export async function restore(file, passphrase, { progress, startedAt = keys.lockEpoch(), sealed = true, keepSlots = false } = {}) {
  if (await keys.hasVault()) throw new PlainError("This phone already has a diary. Use “Add entries from a backup” in its settings.");
  if (!keepSlots && typeof passphrase !== "string") throw new TypeError("A new passphrase slot needs the passphrase.");
  const checked = await check(file, passphrase, { extractable: !keepSlots, sealed, progress: (f) => progress?.("checking", f) });
  /** @type {Progress} */
  const restoring = (fraction) => progress?.("restoring", fraction);
  // Outside the try: a phone that has a diary meanwhile must keep it.
  await keys.startClean();
  try {
    await writeRecords(file, checked.rows, restoring);
    await writeParts(file, [...checked.parts.values()].flat(), restoring);
    const { diary } = checked;
    if (keepSlots) await keys.adoptSlots({ slots: checked.slots, opened: checked.opened, diary, startedAt });
    else await keys.adoptVault({ key: checked.key, passphrase: /** @type {string} */ (passphrase), passkeys: checked.passkeys, diary, startedAt });
  } catch (error) {
    await destroy().catch(() => {});
    throw error;
  }
  // Everything in the diary now is in the backup it came from: the home counts from when
  // that was made. The diary is restored whatever happens to this note.
  const made = Number.isFinite(checked.made) ? checked.made : Date.now();
  await backups.restored(made, sealed ? "file" : "copy").catch(() => {});
  progress?.("restoring", 1);
}

/**
 * Write the records as they are, 200 to a transaction.
 * @param {Blob} file @param {RecordFrame[]} rows @param {Progress} progress
 */
async function writeRecords(file, rows, progress) {
  for (let i = 0; i < rows.length; i += 200) {
    const batch = await Promise.all(
      rows.slice(i, i + 200).map(async (f) => {
        const h = f.head;
        return { id: h.id, kind: h.kind, version: h.version, iv: fromBase64url(h.iv), ct: await body(file, f) };
      }),
    );
    await tx("records", "readwrite", (t) => {
      for (const row of batch) t.objectStore("records").put(row);
    });
    progress(rows[Math.min(i + 200, rows.length) - 1].start / file.size);
  }
}

/**
 * Write the file parts, each read out of the file into a Blob of its own (or kept as bytes
 * where Blobs are refused). Not as slices of the file: WebKit (2.50) stores a slice of a
 * chosen file with the right size, but once the file has left the page's memory reads it
 * back as the whole file, and every restored file would fail to open. A few parts to a
 * transaction: one each cost a second for 1,000 small thumbnails.
 * @param {Blob} file @param {ChunkFrame[]} parts @param {Progress} progress
 */
async function writeParts(file, parts, progress) {
  /** @type {ChunkFrame[]} */
  let batch = [];
  let size = 0;
  const flush = async () => {
    const rows = await Promise.all(
      batch.map(async (f) => {
        const h = f.head;
        const bytes = new Uint8Array(await file.slice(f.start, f.start + f.n).arrayBuffer());
        return { file: h.file, index: h.index, final: h.final, iv: fromBase64url(h.iv), ct: await storable(bytes) };
      }),
    );
    await tx("chunks", "readwrite", (t) => rows.forEach((row) => t.objectStore("chunks").put(row)), { durability: "relaxed" });
    const last = batch[batch.length - 1];
    if (last) progress((last.start + last.n) / file.size);
    batch = [];
    size = 0;
  };
  for (const f of parts) {
    batch.push(f);
    size += f.n;
    if (batch.length >= 64 || size >= 8 * 1024 * 1024) await flush();
  }
  await flush();
}
