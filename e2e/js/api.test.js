// @ts-check
import { ApiError, api } from "/js/api.js";
import { equal, ok, rejects } from "./assert.js";

export async function testGetReturnsTheJsonBody() {
  equal(await api("/api/health"), { ok: true });
}

export async function testAnErrorCarriesTheServersPlainMessage() {
  const error = await rejects(api("/api/no-such-thing", { method: "POST", body: { a: 1 } }));
  ok(error instanceof ApiError);
  equal(error.status, 404);
  equal(error.message, "There is nothing at this address.");
}

export async function testStateChangingCallsFetchTheTokenOnce() {
  const seen = [];
  const original = window.fetch;
  window.fetch = (input, init) => {
    seen.push([String(input), init?.headers ? /** @type {any} */ (init.headers)["X-CSRFToken"] : undefined]);
    return original(input, init);
  };
  try {
    await rejects(api("/api/a", { method: "POST", body: {} }));
    await rejects(api("/api/b", { method: "DELETE" }));
  } finally {
    window.fetch = original;
  }
  const tokenCalls = seen.filter(([url]) => url === "/api/csrf");
  ok(tokenCalls.length <= 1, `token fetched ${tokenCalls.length} times`);
  const sent = seen.filter(([url]) => url !== "/api/csrf").map(([, token]) => token);
  ok(sent.every((t) => typeof t === "string" && t.length > 20), JSON.stringify(sent));
}
