// @ts-check
// Passkeys with the WebAuthn PRF extension. Unlocking is entirely on the phone: the
// challenge is made here, and the GCM tag on unwrapping the data key is the proof. The same
// passkey can also sign in to the server (createForServer, signIn); what goes there passes
// through forServer(), which strips the PRF output.
import { PlainError } from "../errors.js";
import { equalBytes, fromBase64url, random, toBase64url, view } from "./bytes.js";

/** @typedef {import("./bytes.js").Bytes} Bytes */

// What the phone's passkey list shows. Neutral on purpose: it must not say what this is.
const RP_NAME = "Notebook";
const USER_NAME = "Notebook";

export class NoPrfError extends PlainError {
  constructor() {
    super("This phone's passkeys can't unlock the diary here (they don't support the PRF feature this needs). You will unlock with your passphrase instead.");
    this.name = "NoPrfError";
  }
}

export class PasskeyCancelledError extends PlainError {
  constructor() {
    super("The passkey was not used. Try again, or use your passphrase.");
    this.name = "PasskeyCancelledError";
  }
}

/** Whether this browser has the passkey API at all (not whether this phone can make one). */
export function supported() {
  return typeof PublicKeyCredential !== "undefined" && Boolean(navigator.credentials?.create);
}

// How long the browser may take to say what its passkeys can do before a screen goes on
// without them: a screen never waits on it for long.
const ASK_MS = 1500;

/**
 * @typedef {object} Abilities
 * @property {boolean} platform  this phone can make and use a passkey itself (its
 *   fingerprint, face or screen lock); false where the browser says not, or is slow to say
 * @property {boolean} prf  false only where the browser says it has no PRF, which a passkey
 *   needs to unlock the diary (otherwise the ceremony finds out)
 */

/**
 * What passkeys can do here, as the browser says: getClientCapabilities() where it has it,
 * else isUserVerifyingPlatformAuthenticatorAvailable(). Without a platform authenticator a
 * passkey request waits for a security key (Firefox on a computer, a phone with no screen
 * lock), so a screen offers one to make only where `platform`.
 * @returns {Promise<Abilities>}
 */
export async function abilities() {
  if (!supported()) return { platform: false, prf: false };
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  /** @type {Promise<Abilities>} */
  const late = new Promise((resolve) => {
    timer = setTimeout(() => resolve({ platform: false, prf: true }), ASK_MS);
  });
  try {
    return await Promise.race([ask(), late]);
  } catch {
    return { platform: false, prf: true };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Why no passkey that unlocks the diary can be made here, in plain words; "" where one can.
 * @param {Abilities} can
 */
export function whyNoPasskey(can) {
  if (!can.platform) return "This phone can't make a passkey in this browser: a passkey needs the phone's fingerprint, face or screen lock, and this browser has none it can use.";
  if (!can.prf) return "This browser's passkeys can't unlock the diary (they don't support the PRF feature this needs).";
  return "";
}

/** @returns {Promise<Abilities>} */
async function ask() {
  // Older browsers have no getClientCapabilities(); a capability it leaves out is one the
  // browser does not know about, so the platform authenticator is then asked the older way.
  /** @type {Record<string, boolean | undefined>} */
  const capabilities = (await PublicKeyCredential.getClientCapabilities?.().catch(() => null)) ?? {};
  const platform =
    capabilities.userVerifyingPlatformAuthenticator ?? (await PublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable?.());
  return { platform: platform === true, prf: capabilities["extension:prf"] !== false };
}

/** @param {unknown} error */
function translate(error) {
  const e = /** @type {DOMException} */ (error);
  if (e && (e.name === "NotAllowedError" || e.name === "AbortError")) return new PasskeyCancelledError();
  return error;
}

/**
 * @param {PublicKeyCredentialRequestOptions} publicKey
 * @returns {Promise<PublicKeyCredential>}
 */
async function get(publicKey) {
  try {
    const credential = await navigator.credentials.get({ publicKey });
    if (!credential) throw new PasskeyCancelledError();
    return /** @type {PublicKeyCredential} */ (credential);
  } catch (error) {
    throw translate(error);
  }
}

/** @param {PublicKeyCredential} credential */
function prfResults(credential) {
  const ext = /** @type {any} */ (credential.getClientExtensionResults());
  return ext.prf?.results || null;
}

/**
 * @param {PublicKeyCredentialCreationOptions} publicKey
 * @returns {Promise<PublicKeyCredential>}
 */
async function create(publicKey) {
  try {
    const created = await navigator.credentials.create({ publicKey });
    if (!created) throw new PasskeyCancelledError();
    return /** @type {PublicKeyCredential} */ (created);
  } catch (error) {
    throw translate(error);
  }
}

/**
 * Create a passkey and get its PRF output for a new random salt, checked twice.
 * @returns {Promise<{ credentialId: string, salt: Bytes, prfOutput: Bytes }>}
 * @throws {NoPrfError | PasskeyCancelledError}
 */
export async function createWithPrf() {
  const salt = random(32);
  const credential = await create({
    challenge: random(32),
    rp: { name: RP_NAME, id: location.hostname },
    user: { id: random(16), name: USER_NAME, displayName: USER_NAME },
    pubKeyCredParams: [
      { type: "public-key", alg: -7 },
      { type: "public-key", alg: -8 },
      { type: "public-key", alg: -257 },
    ],
    authenticatorSelection: { residentKey: "required", requireResidentKey: true, userVerification: "required" },
    attestation: "none",
    timeout: 120_000,
    extensions: /** @type {any} */ ({ prf: { eval: { first: salt } } }),
  });
  return prfProof(credential, salt);
}

/**
 * Create a passkey from a server's registration options (it signs in to the server), asking
 * for its PRF output too, so the same passkey can unlock the diary.
 * @param {PublicKeyCredentialCreationOptionsJSON} options as the server sent them
 * @returns {Promise<{ credential: PublicKeyCredential, proof: { credentialId: string, salt: Bytes, prfOutput: Bytes } | null }>}
 *   proof: null where the phone's passkeys have no PRF (the passkey still signs in)
 * @throws {PasskeyCancelledError}
 */
export async function createForServer(options) {
  const salt = random(32);
  const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(options);
  publicKey.extensions = /** @type {any} */ ({ ...publicKey.extensions, prf: { eval: { first: salt } } });
  const credential = await create(publicKey);
  try {
    return { credential, proof: await prfProof(credential, salt) };
  } catch (error) {
    if (error instanceof NoPrfError) return { credential, proof: null };
    throw error;
  }
}

/**
 * Sign in to the server with a passkey the phone picks (discoverable), from the server's
 * options. Send the result with forServer().
 * @param {PublicKeyCredentialRequestOptionsJSON} options
 * @returns {Promise<PublicKeyCredential>}
 * @throws {PasskeyCancelledError}
 */
export function signIn(options) {
  return get(PublicKeyCredential.parseRequestOptionsFromJSON(options));
}

/**
 * The PRF output of a new credential for `salt`, seen to come out the same twice.
 * @param {PublicKeyCredential} credential
 * @param {Bytes} salt
 * @throws {NoPrfError | PasskeyCancelledError}
 */
async function prfProof(credential, salt) {
  const ext = /** @type {any} */ (credential.getClientExtensionResults());
  if (!ext.prf || ext.prf.enabled === false) throw new NoPrfError();
  const credentialId = toBase64url(credential.rawId);
  const fromCreate = ext.prf.results?.first;

  // Never seal anything with a PRF output that has not been seen to come out the same twice.
  const check = await get({
    challenge: random(32),
    rpId: location.hostname,
    allowCredentials: [{ type: "public-key", id: credential.rawId }],
    userVerification: "required",
    timeout: 120_000,
    extensions: /** @type {any} */ ({ prf: { eval: fromCreate ? { first: salt } : { first: salt, second: salt } } }),
  });
  const results = prfResults(check);
  if (!results?.first) throw new NoPrfError();
  const a = view(fromCreate || results.first);
  const b = view(fromCreate ? results.first : results.second);
  if (a.length !== 32 || !b || !equalBytes(a, b)) throw new NoPrfError();
  return { credentialId, salt, prfOutput: new Uint8Array(a) };
}

/**
 * Ask for one of the diary's passkeys and return which one and its PRF output.
 * @param {{ credentialId: string, salt: Bytes }[]} slots
 * @returns {Promise<{ credentialId: string, prfOutput: Bytes }>}
 * @throws {NoPrfError | PasskeyCancelledError}
 */
export async function getPrf(slots) {
  /** @type {Record<string, { first: Bytes }>} */
  const evalByCredential = {};
  for (const slot of slots) evalByCredential[slot.credentialId] = { first: slot.salt };
  const credential = await get({
    challenge: random(32),
    rpId: location.hostname,
    allowCredentials: slots.map((s) => ({ type: "public-key", id: fromBase64url(s.credentialId) })),
    userVerification: "required",
    timeout: 120_000,
    extensions: /** @type {any} */ ({ prf: { evalByCredential } }),
  });
  const results = prfResults(credential);
  if (!results?.first) throw new NoPrfError();
  return { credentialId: toBase64url(credential.rawId), prfOutput: new Uint8Array(view(results.first)) };
}

/**
 * The credential as JSON for a server, with the client extension results (which carry the
 * PRF output) removed.
 * @param {PublicKeyCredential} credential
 */
export function forServer(credential) {
  const json = /** @type {any} */ (credential).toJSON();
  delete json.clientExtensionResults;
  json.clientExtensionResults = {};
  return json;
}
