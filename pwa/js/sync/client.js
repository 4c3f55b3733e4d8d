// @ts-check
// Every path of the server's API the app behind the code calls, each behind a named function
// (the server's side is in docs/server-api.md). Two requests are not here, on purpose: the
// CSRF token (/api/csrf) and the start code (/api/start) are made by the disguise itself, in a
// stranger's browser too, so they live in api.js, which that browser fetches; this module is
// fetched only once a code was right, and a stranger's browser must not learn of the rest.
import { api, download } from "../api.js";

/**
 * What the server holds of the copy (GET /api/backup): the diary it belongs to (null: none
 * named yet), the key slots (null: no copy), each record's version by id, and each file's
 * parts by file id.
 * @typedef {{ diary?: string | null, slots: object[] | null, records: Record<string, number>, chunks: Record<string, number[]> }} Held
 */

/** A record as the server takes it: the store's row with its bytes in base64url.
 * @typedef {{ id: string, kind: string, version: number, iv: string, ct: string }} WireRecord */

// --- the account: its passkeys and this phone's session --------------------------------------

/**
 * Whether the server made this invitation and it is still unused; when it is, the grant a
 * new account needs. (Wrong ones count with wrong start codes.)
 * @param {string} code
 * @returns {Promise<{ ok?: boolean, grant?: string }>}
 */
export const checkInvitation = async (code) => /** @type {{ ok?: boolean, grant?: string }} */ (await api("/api/invitation", { method: "POST", body: { code } }));

/** Options for making a new account's passkey; a new account needs the start code's grant. @param {string | null} grant */
export const registerOptions = (grant) => api("/api/passkeys/register/options", { method: "POST", body: grant ? { grant } : {} });

/** Make the account with the passkey just created (already through forServer()). @param {unknown} credential */
export const register = (credential) => api("/api/passkeys/register", { method: "POST", body: { credential } });

/** Options for signing in with one of the account's passkeys. */
export const signInOptions = () => api("/api/session/options", { method: "POST", body: {} });

/**
 * Start a session with the passkey's answer (already through forServer()); the answer says
 * which diary the account's copy belongs to.
 * @param {unknown} credential
 * @returns {Promise<{ account: { diary?: string | null } }>}
 */
export const startSession = async (credential) => /** @type {{ account: { diary?: string | null } }} */ (await api("/api/session", { method: "POST", body: { credential } }));

/** End this phone's session on the server. */
export const endSession = () => api("/api/session", { method: "DELETE" });

/**
 * Where this account is signed in: each sign-in's start, last use and kind of device.
 * @typedef {{ created: number, lastUsed: number, device: string, current: boolean }} SignIn
 * @returns {Promise<{ sessions: SignIn[] }>}
 */
export const signIns = async () => /** @type {{ sessions: SignIn[] }} */ (await api("/api/sessions"));

/** End every sign-in of this account but this phone's. @returns {Promise<{ ended: number }>} */
export const endOtherSignIns = async () => /** @type {{ ended: number }} */ (await api("/api/sessions/end-others", { method: "POST", body: {} }));

/** Delete the account and everything stored for it. */
export const deleteAccount = () => api("/api/account", { method: "DELETE" });

// --- the encrypted copy -----------------------------------------------------------------------

/** What the server holds. @returns {Promise<Held>} */
export const held = async () => /** @type {Held} */ (await api("/api/backup"));

/**
 * The whole copy as one backup file.
 * @param {(fraction: number) => void} [progress]
 */
export const downloadCopy = (progress) => download("/api/backup/file", progress);

/** Tie the copy to this diary (once; 409 if it is another diary's). @param {string} diary */
export const bindDiary = (diary) => api("/api/backup/diary", { method: "PUT", body: { diary } });

/** Replace the key slots. @param {object[]} slots */
export const putSlots = (slots) => api("/api/backup/slots", { method: "PUT", body: { slots } });

/** Add or replace records (their ciphertexts as they are stored). @param {WireRecord[]} records */
export const putRecords = (records) => api("/api/backup/records", { method: "POST", body: { records } });

/**
 * Add one part of a file.
 * @param {string} file @param {number} index
 * @param {{ iv: string, final: boolean }} part  iv in base64url; final: the file's last part
 * @param {import("../vault/idb.js").StoredPart} bytes  the part's ciphertext, as stored
 */
export function putChunk(file, index, { iv, final }, bytes) {
  const query = `iv=${iv}&final=${final ? 1 : 0}`;
  return api(`/api/backup/chunks/${encodeURIComponent(file)}/${index}?${query}`, { method: "PUT", bytes });
}

/** Remove records by id and whole files (every part) by file id. @param {{ records?: string[], files?: string[] }} what */
export const remove = ({ records = [], files = [] }) => api("/api/backup/remove", { method: "POST", body: { records, files } });

// --- time receipts ----------------------------------------------------------------------------

/** The server's published receipt key, as it says it (checked by the caller). */
export const receiptKey = () => api("/api/receipts/key");

/** Ask for a signed time receipt for a chain head's hash (nothing else leaves the phone). @param {string} hash */
export const requestReceipt = (hash) => api("/api/receipts", { method: "POST", body: { hash } });

// --- RFC 3161 time-stamps ---------------------------------------------------------------------

/** Ask for an authority's time-stamp of a chain head's hash (nothing else leaves the phone). @param {string} hash */
export const requestTimestamp = (hash) => api("/api/timestamp", { method: "POST", body: { hash } });

/** Who stamps, and the certificates a checker can use (as the server says it). */
export const timestampAuthority = () => api("/api/timestamp/authority");
