// @ts-check
// Calls to the server's API: JSON in and out, the CSRF token on every state-changing call.
// The page makes two requests before a code is right, and both are here: the token
// (/api/csrf) and the start code (/api/start). Every other path is named in sync/client.js,
// which is fetched only after a right code, so a browser that never had one learns no more.
import { PlainError } from "./errors.js";

export class ApiError extends PlainError {
  /** @param {string} message @param {number} status @param {number} [retryAfter] seconds, for 429 */
  constructor(message, status, retryAfter = 0) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

/** The server could not be reached: no connection, or it dropped on the way. */
export class OfflineError extends PlainError {
  constructor() {
    super("The server could not be reached. Check that the phone is online, then try again. Nothing was lost.");
    this.name = "OfflineError";
  }
}

/**
 * fetch(), with a failure to reach the server as an OfflineError (an abort stays an abort).
 * @param {string} path @param {RequestInit} [init]
 */
async function reach(path, init) {
  try {
    return await fetch(path, init);
  } catch (error) {
    if (/** @type {Error} */ (error).name === "AbortError" || /** @type {Error} */ (error).name === "TimeoutError") throw error;
    throw new OfflineError();
  }
}

/** @type {Promise<string> | null} */
let token = null;

async function csrfToken() {
  token ??= reach("/api/csrf", { credentials: "same-origin" })
    .then((r) => r.json())
    .then((body) => String(body.token))
    .catch((error) => {
      token = null;
      throw error;
    });
  return token;
}

/**
 * Call the API. Throws ApiError with the server's plain message on any 4xx/5xx, and
 * OfflineError when the server cannot be reached.
 * @param {string} path  e.g. "/api/backup"
 * @param {{ method?: string, body?: unknown, bytes?: Blob | import("./bytes.js").Bytes, signal?: AbortSignal }} [options]
 *   body: sent as JSON; bytes: sent as they are (application/octet-stream)
 */
export async function api(path, { method = "GET", body, bytes, signal } = {}) {
  /** @type {Record<string, string>} */
  const headers = { Accept: "application/json" };
  if (method !== "GET" && method !== "HEAD") headers["X-CSRFToken"] = await csrfToken();
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (bytes !== undefined) headers["Content-Type"] = "application/octet-stream";
  const response = await reach(path, {
    method,
    headers,
    credentials: "same-origin",
    body: bytes ?? (body === undefined ? undefined : JSON.stringify(body)),
    signal,
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    if (response.status === 400 && /token/i.test(data.error || "")) token = null;
    throw new ApiError(data.error || `The server answered ${response.status}.`, response.status, retryAfter(response));
  }
  return data;
}

/** What the server gave for the start code typed on this page: it lets a server copy be
 * made later. Memory only, until set-up keeps it in the vault (sync/grant.js). */
let grant = /** @type {string | null} */ (null);
export const startGrant = () => grant;

/**
 * Send a code typed on a phone without its own code to the server, which answers { ok }
 * (and, when it is right, a grant).
 * @param {string} code @param {AbortSignal} [signal]
 * @returns {Promise<{ ok?: boolean, grant?: string }>}
 */
export async function sendStartCode(code, signal) {
  const answer = /** @type {{ ok?: boolean, grant?: string }} */ (await api("/api/start", { method: "POST", body: { code }, signal }));
  if (answer.ok && typeof answer.grant === "string") grant = answer.grant;
  return answer;
}

/**
 * Download a large answer as a Blob, telling `progress` how far it is (the server sets
 * Content-Length). Throws like api(); an answer cut short is an ApiError with status 0.
 * @param {string} path
 * @param {(fraction: number) => void} [progress]
 * @returns {Promise<Blob>}
 */
export async function download(path, progress) {
  const response = await reach(path, { credentials: "same-origin" });
  if (!response.ok || !response.body) {
    const data = await response.json().catch(() => ({}));
    throw new ApiError(data.error || `The server answered ${response.status}.`, response.status, retryAfter(response));
  }
  const total = Number(response.headers.get("Content-Length")) || 0;
  const reader = response.body.getReader();
  // Gathered into Blobs every few MB, so the bytes can leave the page's memory as they come.
  /** @type {Blob[]} */
  const blobs = [];
  /** @type {import("./bytes.js").Bytes[]} */
  let pending = [];
  let waiting = 0;
  let received = 0;
  for (;;) {
    /** @type {ReadableStreamReadResult<import("./bytes.js").Bytes>} */
    let read;
    try {
      read = await reader.read();
    } catch {
      throw new OfflineError(); // the connection dropped midway
    }
    const { done, value } = read;
    if (done) break;
    pending.push(value);
    waiting += value.length;
    received += value.length;
    if (waiting >= 4 * 1024 * 1024) {
      blobs.push(new Blob(pending));
      pending = [];
      waiting = 0;
    }
    if (total) progress?.(received / total);
  }
  blobs.push(new Blob(pending));
  if (total && received !== total) throw new ApiError("The download was cut short. Try again when the connection is better.", 0);
  return new Blob(blobs, { type: "application/octet-stream" });
}

/** Seconds the server asked us to wait (429), if it said. @param {Response} response */
function retryAfter(response) {
  const seconds = Number(response.headers.get("Retry-After"));
  return Number.isFinite(seconds) && seconds > 0 ? seconds : 0;
}
