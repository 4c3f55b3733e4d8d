// @ts-check
// The inbox, from the unlocked side: its key pair, and the captures kept while the diary was
// locked (inbox/seal.js), opened with the private key. The private key is a record under the
// data key like everything else; its public half sits in the clear "meta" store, where a
// capture made while locked (or shared in by the worker) finds it.
import { equalBytes, fromBase64url, fromUtf8 } from "../bytes.js";
import { TamperedError } from "../vault/crypto.js";
import { req, tx } from "../vault/idb.js";
import { readMeta, writeMeta } from "../vault/meta.js";
import * as records from "../vault/records.js";
import { MISSED, WRITING, headAd, itemKey, partAd } from "./seal.js";

/** @typedef {import("./seal.js").Head} Head */
/** @typedef {import("./seal.js").InboxRow} InboxRow */
/** @typedef {Head & { item: string }} Item */

/** The inbox's private key, as a record (kind and id), holding `{ jwk }`. */
export const KEY = { kind: "inbox-key", id: "inbox-key" };
const ECDH = { name: "ECDH", namedCurve: "P-256" };

/**
 * The public key's raw point (65 bytes) from the private key's JWK.
 * @param {JsonWebKey} jwk
 */
function publicRaw(jwk) {
  const x = fromBase64url(/** @type {string} */ (jwk.x));
  const y = fromBase64url(/** @type {string} */ (jwk.y));
  const raw = new Uint8Array(65);
  raw[0] = 4;
  raw.set(x, 1);
  raw.set(y, 33);
  return raw;
}

/**
 * Make sure the diary has an inbox key pair and its public key is where captures look for it.
 * Called at every unlock: a vault made before the inbox gets its pair, a restored phone puts
 * back the public key. Two tabs unlocking at once make one pair: the record is written only
 * if none exists, and the public key always comes from the record that was kept.
 */
export async function ensureKey() {
  /** @type {{ jwk: JsonWebKey } | undefined} */
  let kept = await records.get(KEY.kind, KEY.id);
  if (!kept) {
    const pair = /** @type {CryptoKeyPair} */ (await crypto.subtle.generateKey(ECDH, true, ["deriveBits"]));
    const jwk = await crypto.subtle.exportKey("jwk", pair.privateKey);
    try {
      await records.putAll([{ kind: KEY.kind, id: KEY.id, value: { jwk }, expect: 0 }]);
      kept = { jwk };
    } catch (error) {
      if (!(error instanceof records.ConflictError)) throw error;
      kept = await records.get(KEY.kind, KEY.id); // another tab made it first
    }
  }
  if (!kept) throw new Error("The inbox key was not kept.");
  const raw = publicRaw(kept.jwk);
  const there = await readMeta("inbox");
  if (!there || !equalBytes(there, raw)) await writeMeta("inbox", raw);
}

/** The private key, for opening captures. */
async function privateKey() {
  /** @type {{ jwk: JsonWebKey } | undefined} */
  const kept = await records.get(KEY.kind, KEY.id);
  if (!kept) throw new TamperedError("The inbox key");
  return crypto.subtle.importKey("jwk", kept.jwk, ECDH, false, ["deriveBits"]);
}

/**
 * One capture's key, from its head row.
 * @param {CryptoKey} own  the inbox's private key
 * @param {InboxRow} head
 */
async function keyOf(own, head) {
  const epk = /** @type {import("../bytes.js").Bytes} */ (head.epk);
  const theirs = await crypto.subtle.importKey("raw", epk, ECDH, false, []).catch(() => {
    throw new TamperedError("A capture");
  });
  return itemKey(theirs, own, epk);
}

/**
 * @param {CryptoKey} key
 * @param {{ iv: import("../bytes.js").Bytes, ct: import("../bytes.js").Bytes }} box
 * @param {import("../bytes.js").Bytes} additionalData
 * @param {string} what
 */
async function decrypt(key, box, additionalData, what) {
  try {
    return new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv: box.iv, additionalData }, key, box.ct));
  } catch {
    throw new TamperedError(what);
  }
}

/** How many captures could not be kept since the person was last told (seal.noteMissed). */
export async function missed() {
  return Number(await readMeta(MISSED)) || 0;
}

/** The person has been told of the captures that could not be kept. */
export async function toldMissed() {
  await tx("meta", "readwrite", (t) => void t.objectStore("meta").delete(MISSED), { quiet: true });
}

/** Every head row in the inbox (its parts are not read). @returns {Promise<InboxRow[]>} */
async function heads() {
  return tx("inbox", "readonly", async (t) => {
    const store = t.objectStore("inbox");
    const keys = /** @type {[string, number][]} */ (await req(store.getAllKeys()));
    const found = keys.filter(([, index]) => index === 0);
    return Promise.all(found.map((key) => req(store.get(key))));
  });
}

/**
 * Every capture waiting in the inbox, opened, oldest first. One that does not open (altered,
 * or sealed to a key this diary does not hold) is listed with `unreadable: true`.
 * @returns {Promise<(Item | { item: string, unreadable: true })[]>}
 */
export async function items() {
  const rows = await heads();
  if (!rows.length) return [];
  const own = await privateKey();
  const opened = await Promise.all(
    rows.map(async (row) => {
      try {
        const key = await keyOf(own, row);
        const head = JSON.parse(fromUtf8(await decrypt(key, row, headAd(row.item), "A capture")));
        return /** @type {Item} */ ({ ...head, item: row.item });
      } catch {
        return { item: row.item, unreadable: /** @type {const} */ (true) };
      }
    }),
  );
  return opened.sort((a, b) => ("at" in a ? a.at : 0) - ("at" in b ? b.at : 0));
}

/**
 * A captured file's bytes, decrypted part by part, checking order and completeness.
 * @param {string} item
 * @returns {ReadableStream<import("../bytes.js").Bytes>}
 */
export function read(item) {
  /** @type {CryptoKey | null} */
  let key = null;
  let index = 1;
  let finished = false;
  return new ReadableStream({
    async pull(controller) {
      try {
        if (finished) return controller.close();
        if (!key) {
          const head = await tx("inbox", "readonly", (t) => req(t.objectStore("inbox").get([item, 0])));
          if (!head) throw new TamperedError("A capture is missing, and it");
          key = await keyOf(await privateKey(), head);
        }
        /** @type {InboxRow | undefined} */
        const row = await tx("inbox", "readonly", (t) => req(t.objectStore("inbox").get([item, index])));
        if (!row) throw new TamperedError(`Capture ${item} is incomplete: a part is missing, and it`);
        controller.enqueue(await decrypt(key, row, partAd(item, index, Boolean(row.final)), `Part ${index} of capture ${item}`));
        index += 1;
        if (row.final) {
          finished = true;
          controller.close();
        }
      } catch (error) {
        controller.error(error);
      }
    },
  });
}

/** Remove a capture: its head and every part, together. @param {string} item */
export async function discard(item) {
  await tx("inbox", "readwrite", (t) => void t.objectStore("inbox").delete(IDBKeyRange.bound([item, 0], [item, Infinity])), { quiet: true });
}

/**
 * Remove the parts of captures that never got their head (the phone stopped mid-capture),
 * unless a capture is being kept right now (a shared Web Lock, held by every writer). Needs no
 * key: item ids are in clear. Resolves with how many captures' parts went.
 */
export async function reclaim() {
  if (!navigator.locks) return 0;
  return navigator.locks.request(WRITING, { ifAvailable: true }, async (lock) => {
    if (!lock) return 0;
    return tx(
      "inbox",
      "readwrite",
      async (t) => {
        const store = t.objectStore("inbox");
        const keys = /** @type {[string, number][]} */ (await req(store.getAllKeys()));
        const headed = new Set(keys.filter(([, index]) => index === 0).map(([item]) => item));
        const orphans = [...new Set(keys.map(([item]) => item))].filter((item) => !headed.has(item));
        for (const item of orphans) store.delete(IDBKeyRange.bound([item, 0], [item, Infinity]));
        return orphans.length;
      },
      { quiet: true },
    );
  });
}
