// @ts-check
// The vault's cryptography, on WebCrypto only. The format is pinned by golden vectors
// (e2e/js/crypto.test.js against e2e/test_vault_vectors.py) and written down in
// docs/vault-format.md. Change nothing here without a new format version.
import { PlainError } from "../errors.js";
import { random, utf8 } from "./bytes.js";

/** @typedef {import("./bytes.js").Bytes} Bytes */

export const PBKDF2_ITERATIONS = 600_000;
export const IV_BYTES = 12;
const KEK_INFO = utf8("cairn/kek/v1");

/** Raised when a ciphertext does not open: wrong key, or altered, swapped or replayed data. */
export class TamperedError extends PlainError {
  constructor(what = "This data") {
    super(`${what} could not be decrypted: it was altered, moved, or the key is wrong.`);
    this.name = "TamperedError";
  }
}

/**
 * Additional data: a label and fields joined by NUL, binding a ciphertext to its place.
 * @param {string} label  e.g. "cairn/record/v1"
 * @param {...(string | number)} fields
 */
export function ad(label, ...fields) {
  return utf8([label, ...fields.map(String)].join("\0"));
}

/**
 * A file part's additional data: which file, which part, and whether it is the last, so a
 * part cannot be moved, reordered, or passed off as the end of a file cut short.
 * @param {string} file @param {number} index @param {boolean} final
 */
export const chunkAd = (file, index, final) => ad("cairn/chunk/v1", file, index, final ? 1 : 0);

/** Normalise a passphrase as it is typed on any keyboard: NFKC, single spaces, trimmed. */
export function normalisePassphrase(/** @type {string} */ passphrase) {
  return passphrase.normalize("NFKC").trim().replace(/\s+/g, " ");
}

/**
 * Derive the passphrase slot's wrapping key: PBKDF2-HMAC-SHA256 → AES-256-GCM.
 * @param {string} passphrase
 * @param {Bytes} salt 16 random bytes
 * @param {number} iterations
 * @returns {Promise<CryptoKey>}
 */
export async function passphraseKek(passphrase, salt, iterations = PBKDF2_ITERATIONS) {
  const base = await crypto.subtle.importKey("raw", utf8(normalisePassphrase(passphrase)), "PBKDF2", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations },
    base,
    { name: "AES-GCM", length: 256 },
    false,
    ["wrapKey", "unwrapKey"],
  );
}

/**
 * Derive the passkey slot's wrapping key: HKDF-SHA256 of the 32-byte PRF output
 * (empty salt, info "cairn/kek/v1") → AES-256-GCM.
 * @param {BufferSource} prfOutput
 * @returns {Promise<CryptoKey>}
 */
export async function prfKek(prfOutput) {
  const base = await crypto.subtle.importKey("raw", prfOutput, "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: KEK_INFO },
    base,
    { name: "AES-GCM", length: 256 },
    false,
    ["wrapKey", "unwrapKey"],
  );
}

/** Make a new random 256-bit data key (extractable only so it can be wrapped into slots). */
export function newDataKey() {
  return crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, true, ["encrypt", "decrypt"]);
}

/**
 * Wrap the data key into a slot: AES-GCM(kek, iv, raw key, ad("cairn/slot/v1", slotId)).
 * @param {CryptoKey} dataKey extractable
 * @param {CryptoKey} kek
 * @param {string} slotId
 * @param {Bytes} [iv] fixed only by the golden-vector tests
 */
export async function wrapDataKey(dataKey, kek, slotId, iv = random(IV_BYTES)) {
  const wrapped = await crypto.subtle.wrapKey("raw", dataKey, kek, {
    name: "AES-GCM",
    iv,
    additionalData: ad("cairn/slot/v1", slotId),
  });
  return { iv, wrapped: new Uint8Array(wrapped) };
}

/**
 * Unwrap the data key from a slot. Non-extractable unless a new slot is being made.
 * @param {{ id: string, iv: Bytes, wrapped: Bytes }} slot
 * @param {CryptoKey} kek
 * @param {boolean} [extractable]
 * @returns {Promise<CryptoKey>}
 * @throws {TamperedError} wrong passphrase or passkey, or an altered slot
 */
export async function unwrapDataKey(slot, kek, extractable = false) {
  try {
    return await crypto.subtle.unwrapKey(
      "raw",
      slot.wrapped,
      kek,
      { name: "AES-GCM", iv: slot.iv, additionalData: ad("cairn/slot/v1", slot.id) },
      { name: "AES-GCM", length: 256 },
      extractable,
      ["encrypt", "decrypt"],
    );
  } catch {
    throw new TamperedError("The key");
  }
}

/**
 * Encrypt bytes under the data key with additional data. Returns a fresh IV and the ciphertext.
 * @param {CryptoKey} key
 * @param {BufferSource} plaintext
 * @param {Bytes} additionalData
 * @param {Bytes} [iv] fixed only by the golden-vector tests
 */
export async function seal(key, plaintext, additionalData, iv = random(IV_BYTES)) {
  const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData }, key, plaintext);
  return { iv, ct: new Uint8Array(ct) };
}

/**
 * Decrypt what seal() made, with the same additional data.
 * @param {CryptoKey} key
 * @param {{ iv: Bytes, ct: BufferSource }} box
 * @param {Bytes} additionalData
 * @param {string} [what] named in the error
 * @throws {TamperedError}
 */
export async function open(key, box, additionalData, what) {
  try {
    return new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv: box.iv, additionalData }, key, box.ct));
  } catch {
    throw new TamperedError(what);
  }
}

/** SHA-256 of bytes. @param {BufferSource} bytes */
export async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}
