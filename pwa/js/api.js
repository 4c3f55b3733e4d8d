// @ts-check
// Calls to Cairn's server API: JSON in and out, the CSRF token on every state-changing call.

export class ApiError extends Error {
  /** @param {string} message @param {number} status */
  constructor(message, status) {
    super(message);
    this.name = "ApiError";
    this.status = status;
  }
}

/** @type {Promise<string> | null} */
let token = null;

async function csrfToken() {
  token ??= fetch("/api/csrf", { credentials: "same-origin" })
    .then((r) => r.json())
    .then((body) => String(body.token))
    .catch((error) => {
      token = null;
      throw error;
    });
  return token;
}

/**
 * Call the API. Throws ApiError with the server's plain message on any 4xx/5xx.
 * @param {string} path  e.g. "/api/backup"
 * @param {{ method?: string, body?: unknown, signal?: AbortSignal }} [options]
 */
export async function api(path, { method = "GET", body, signal } = {}) {
  /** @type {Record<string, string>} */
  const headers = { Accept: "application/json" };
  if (method !== "GET" && method !== "HEAD") headers["X-CSRFToken"] = await csrfToken();
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    if (response.status === 400 && /token/i.test(data.error || "")) token = null;
    throw new ApiError(data.error || `The server answered ${response.status}.`, response.status);
  }
  return data;
}
