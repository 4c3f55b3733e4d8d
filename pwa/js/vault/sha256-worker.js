// @ts-check
// A dedicated worker that takes the SHA-256 of a file's bytes as they are stored, on its own
// thread, so the page can encrypt and write while it hashes (vault/hashing.js posts to it).
// Messages in: { state } to carry on a hash the page began (or {} to start afresh), { bytes }
// to add, { end: true } to finish; out: { ready }, { added } after each, then { digest }.
import { Sha256 } from "./sha256.js";

const scope = /** @type {any} */ (self);
let hasher = new Sha256();

scope.onmessage = (/** @type {MessageEvent} */ event) => {
  const { bytes, end, state } = event.data;
  if (bytes) {
    hasher.update(bytes);
    scope.postMessage({ added: bytes.length });
  } else if (end) {
    const digest = hasher.digest();
    hasher = new Sha256();
    scope.postMessage({ digest }, [digest.buffer]);
  } else {
    hasher = state ? Sha256.resume(state) : new Sha256();
    scope.postMessage({ ready: true });
  }
};
