// @ts-check
// The inbox's format pinned in the browser: fixed inbox and ephemeral keys, item id and IVs
// give exactly these ciphertexts (first computed with Python's `cryptography` from
// docs/vault-format.md alone; e2e/test_vault_format.py checks the same in Python).
import { fromHex, toHex, utf8 } from "/js/bytes.js";
import { headAd, itemKey, partAd } from "/js/inbox/seal.js";
import { equal } from "./assert.js";

const INBOX = {
  kty: "EC",
  crv: "P-256",
  d: "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA",
  x: "UVw9brnjlrkE0_7Kf1T9zQzB6Ze_N13KUVrQpsO0A18",
  y: "RTa-OlDzGPv5pUdZAqIhUCvvDVfgjFOyzApW8X2fk1Q",
};
const EPHEMERAL = {
  kty: "EC",
  crv: "P-256",
  d: "ISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0-P0A",
  x: "HxQBRr-xslH4T03b4NTNz9d6_ZhKlSDjV5QCH4MSu54",
  y: "7JlaCLH6dwTfPcwLUKlmUmP7dxH5X5-KRJxQluR8iSs",
};
const EPK = "041f140146bfb1b251f84f4ddbe0d4cdcfd77afd984a9520e35794021f8312bb9eec995a08b1fa7704df3dcc0b50a9665263fb7711f95f9f8a449c5096e47c892b";
const ITEM = "AAECAwQFBgcICQoLDA0ODw";
const TEXT = "café ✓ outside";
const HEAD = {
  v: 1,
  kind: "note",
  at: 1764400000000,
  size: 17,
  sha256: "",
  parts: 0,
  text: TEXT,
  via: "capture",
};
const IV_HEAD = "404142434445464748494a4b";
const IV_PART = "4c4d4e4f5051525354555657";
const HEAD_CT =
  "c6f706b5809e710eedefd67f3850ca5477ccc541a9c9afb2f1b961ed68574fe0dc0a9c63b2c15068fe48251f5518ffc14252282bfe269b7e5305a053f2c8ddd85023a2e395fed8773f0648882d72f70970ed365f0439ccc077d4cc6d78a27255a6b996e020d1013c52c106b909d697e2df1a1867e3c0d5a4fae58879d2723c305b6fc5a05c58a3ec084e97792edb69b447299fce6382842d538130888d52533762c757eddd3f3bbdb8910ad6508efcb059c5330a5c499fbe825c9137c06f22e92b8ed8";
const PART_CT = "624d26530c8f4370c852752444703f9e6e0e54271f72f45e8eeb277bb4b1";

const ECDH = { name: "ECDH", namedCurve: "P-256" };
/** @param {JsonWebKey} jwk */
const privateKey = (jwk) => crypto.subtle.importKey("jwk", jwk, ECDH, false, ["deriveBits"]);
/** @param {JsonWebKey} jwk */
const publicKey = (jwk) => crypto.subtle.importKey("jwk", { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, ECDH, true, []);

export async function testFixedKeysAndIvsSealACaptureToThePinnedCiphertexts() {
  const epk = new Uint8Array(await crypto.subtle.exportKey("raw", await publicKey(EPHEMERAL)));
  equal(toHex(epk), EPK);
  const sha256 = toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", utf8(TEXT))));
  const head = utf8(JSON.stringify({ ...HEAD, sha256 }));
  // Sealing: the inbox's public key and the ephemeral private key.
  const key = await itemKey(await publicKey(INBOX), await privateKey(EPHEMERAL), epk);
  const headCt = await crypto.subtle.encrypt({ name: "AES-GCM", iv: fromHex(IV_HEAD), additionalData: headAd(ITEM) }, key, head);
  equal(toHex(new Uint8Array(headCt)), HEAD_CT);
  const partCt = await crypto.subtle.encrypt({ name: "AES-GCM", iv: fromHex(IV_PART), additionalData: partAd(ITEM, 1, true) }, key, utf8("part one bytes"));
  equal(toHex(new Uint8Array(partCt)), PART_CT);
  // Opening: the inbox's private key and the ephemeral public key give the same key.
  const imported = await crypto.subtle.importKey("raw", epk, ECDH, false, []);
  const opening = await itemKey(imported, await privateKey(INBOX), epk);
  const opened = await crypto.subtle.decrypt({ name: "AES-GCM", iv: fromHex(IV_HEAD), additionalData: headAd(ITEM) }, opening, fromHex(HEAD_CT));
  equal(JSON.parse(new TextDecoder().decode(opened)), { ...HEAD, sha256 });
}
