// @ts-check
// Evidence files: encrypted as they arrive, the SHA-256 taken from the original bytes on the
// way in, a small encrypted thumbnail for lists. Opened only inside the app, through blob:
// URLs that are revoked when the vault locks.
import { PlainError } from "../errors.js";
import { LockedError, lockEpoch, onLock } from "../vault/keys.js";
import { objectUrl } from "../vault/lock.js";
import * as records from "../vault/records.js";

const THUMB_PX = 160;

/** Raised when the phone cannot read a file that was picked. */
export class UnreadableFileError extends PlainError {
  constructor(/** @type {string} */ name) {
    super(`"${name}" could not be read from this phone, so it was not added. Everything you typed is still here.`);
    this.name = "UnreadableFileError";
  }
}

/** What sort of evidence a file is, from its type and how it was added. @param {string} type @param {string} [how] */
export function kindOf(type, how) {
  if (how) return how;
  if (type.startsWith("image/")) return "image";
  if (type.startsWith("audio/")) return "audio";
  if (type.startsWith("video/")) return "video";
  return "file";
}

/**
 * Store a file (or a stream) in the vault as evidence. A picked file goes in as itself, so a
 * large one can be stored off the page (records.putFile).
 * @param {{ source: ReadableStream<import("../vault/bytes.js").Bytes> | Blob, name: string, type: string, kind: string, thumbnailFrom?: Blob }} source
 * @param {(bytes: number) => void} [progress]
 * @returns {Promise<Omit<import("./model.js").Evidence, "at" | "seq">>}
 * @throws {UnreadableFileError | import("../vault/idb.js").StorageFullError}
 */
export async function store({ source, name, type, kind, thumbnailFrom }, progress) {
  let stored;
  try {
    stored = await records.putFile(source, { name, type }, progress, { hash: true });
  } catch (error) {
    const e = /** @type {Error} */ (error);
    if (e.name === "StorageFullError" || e.name === "LockedError") throw error;
    throw new UnreadableFileError(name);
  }
  let thumb;
  if (thumbnailFrom) thumb = await thumbnail(thumbnailFrom).catch(() => undefined);
  return { file: stored.id, name, type, kind, size: stored.size, sha256: /** @type {string} */ (stored.sha256), ...(thumb ? { thumb } : {}) };
}

/**
 * Store a file picked from the phone.
 * @param {File} file
 * @param {string} [how] photo, screenshot, video, …
 * @param {(bytes: number) => void} [progress]
 */
export function storeFile(file, how, progress) {
  const type = file.type || "application/octet-stream";
  return store(
    { source: file, name: file.name || "file", type, kind: kindOf(type, how), thumbnailFrom: type.startsWith("image/") ? file : undefined },
    progress,
  );
}

/**
 * Make a small JPEG of an image and store it, encrypted. Returns its file id.
 * @param {Blob} image
 */
export async function thumbnail(image) {
  const bitmap = await createImageBitmap(image);
  const scale = Math.min(1, THUMB_PX / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  const canvas = new OffscreenCanvas(width, height);
  const context = /** @type {OffscreenCanvasRenderingContext2D} */ (canvas.getContext("2d"));
  context.drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  const blob = await canvas.convertToBlob({ type: "image/jpeg", quality: 0.7 });
  const stored = await records.putFile(blob.stream(), { name: "thumbnail", type: "image/jpeg" });
  return stored.id;
}

/**
 * Decrypt a stored file into a Blob (in memory only while it is shown).
 * @param {string} id
 * @param {string} type
 */
export async function blob(id, type) {
  const reader = records.readFile(id).getReader();
  /** @type {import("../vault/bytes.js").Bytes[]} */
  const parts = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
  }
  return new Blob(parts, { type });
}

/** @type {Map<string, Promise<string>>} */
const thumbUrls = new Map();
onLock(() => thumbUrls.clear()); // the URLs themselves are revoked by lock.js

/**
 * A blob: URL for a picture (a thumbnail, or the report's full-size file), kept while
 * unlocked and revoked on lock.
 * @param {string} id
 * @param {string} type
 */
export function thumbUrl(id, type = "image/jpeg") {
  let made = thumbUrls.get(id);
  if (!made) {
    const epoch = lockEpoch();
    made = blob(id, type).then((b) => {
      if (epoch !== lockEpoch()) throw new LockedError(); // no URL may outlive the lock
      return objectUrl(b);
    });
    made.catch(() => thumbUrls.delete(id));
    thumbUrls.set(id, made);
  }
  return made;
}

/** Delete files that were added to a draft that was then thrown away. @param {string[]} ids */
export async function discard(ids) {
  for (const id of ids) await records.removeFile(id).catch(() => {});
}

/** Sizes as people say them. @param {number} bytes */
export function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1_048_576) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1_048_576).toFixed(1)} MB`;
}
