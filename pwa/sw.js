// @ts-check
/// <reference lib="webworker" />
// The service worker only wires events; the strategy and the precache list live in sw/.
// The server stamps this file with the shell's version, so any changed app file changes it.
import { VERSION, PRECACHE } from "./sw/precache.js";
import { install, activate, respond } from "./sw/strategy.js";

const worker = /** @type {ServiceWorkerGlobalScope} */ (/** @type {unknown} */ (self));

worker.addEventListener("install", (event) => {
  event.waitUntil(install(VERSION, PRECACHE));
});

worker.addEventListener("activate", (event) => {
  event.waitUntil(activate(VERSION).then(() => worker.clients.claim()));
});

worker.addEventListener("fetch", (event) => {
  const response = respond(VERSION, event.request);
  if (response) event.respondWith(response);
});

worker.addEventListener("message", (event) => {
  // The page sends this only when the user has chosen to update.
  if (event.data && event.data.type === "apply-update") worker.skipWaiting();
});
