// @ts-check
// A dedicated worker that takes the SHA-256 of a file's bytes as they are stored, on its own
// thread, so the page can encrypt and write while it hashes (vault/hashing.js posts to it).
// Messages in: { bytes } to add, { end: true } to finish; out: { added } after each, then
// { digest } (32 bytes).
import { Sha256 } from "./sha256.js";

const scope = /** @type {any} */ (self);
let hasher = new Sha256();

scope.onmessage = (/** @type {MessageEvent} */ event) => {
  const { bytes, end } = event.data;
  if (bytes) {
    hasher.update(bytes);
    scope.postMessage({ added: bytes.length });
  } else if (end) {
    const digest = hasher.digest();
    hasher = new Sha256();
    scope.postMessage({ digest }, [digest.buffer]);
  } else {
    scope.postMessage({ ready: true });
  }
};
