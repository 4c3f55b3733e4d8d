// @ts-check
// Bytes helpers: random, UTF-8, base64url, comparison.

/**
 * Bytes on an ordinary ArrayBuffer: what WebCrypto, Blob and fetch take as a BufferSource.
 * (A bare Uint8Array may sit on a SharedArrayBuffer, which they refuse; the app makes none.)
 * @typedef {Uint8Array<ArrayBuffer>} Bytes
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** @param {number} n */
export function random(n) {
  return crypto.getRandomValues(new Uint8Array(n));
}

/** @param {string} text */
export function utf8(text) {
  return encoder.encode(text);
}

/** @param {BufferSource} bytes */
export function fromUtf8(bytes) {
  return decoder.decode(bytes);
}

/**
 * The same bytes as a Uint8Array on the same buffer, without copying.
 * @template {ArrayBufferLike} B
 * @param {B | ArrayBufferView<B>} bytes
 * @returns {Uint8Array<B>}
 */
export function view(bytes) {
  return ArrayBuffer.isView(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : new Uint8Array(bytes);
}

/** @param {ArrayBuffer | ArrayBufferView} bytes */
export function toBase64url(bytes) {
  let binary = "";
  for (const b of view(bytes)) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** @param {string} text */
export function fromBase64url(text) {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** @param {ArrayBuffer | ArrayBufferView} bytes */
export function toHex(bytes) {
  return Array.from(view(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** @param {string} hex */
export function fromHex(hex) {
  return Uint8Array.from(hex.match(/../g) || [], (h) => parseInt(h, 16));
}

/** Compare two byte strings in time independent of where they differ. */
export function equalBytes(/** @type {ArrayBuffer | ArrayBufferView} */ a, /** @type {ArrayBuffer | ArrayBufferView} */ b) {
  const x = view(a);
  const y = view(b);
  if (x.length !== y.length) return false;
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i] ^ y[i];
  return diff === 0;
}
