// @ts-check
/// <reference lib="webworker" />
// The service worker only wires events; the strategy and the precache list live in sw/.
// The server stamps this file with the shell's version, so any changed app file changes it.
import { VERSION, PRECACHE, REST } from "./sw/precache.js";
import { install, activate, respond, keepRest } from "./sw/strategy.js";
import { pagesOf, receive, shareTo } from "./sw/share.js";

const worker = /** @type {ServiceWorkerGlobalScope} */ (/** @type {unknown} */ (self));
const PAGES = pagesOf(PRECACHE);

worker.addEventListener("install", (event) => {
  event.waitUntil(install(VERSION, PRECACHE, REST));
});

worker.addEventListener("activate", (event) => {
  event.waitUntil(activate(VERSION).then(() => worker.clients.claim()));
});

worker.addEventListener("fetch", (event) => {
  const page = shareTo(event.request, PAGES);
  if (page) {
    const { answer, kept } = receive(event.request, page);
    event.waitUntil(kept);
    event.respondWith(answer);
    return;
  }
  const response = respond(VERSION, event.request);
  if (response) event.respondWith(response);
});

worker.addEventListener("message", (event) => {
  // The page sends this only when the user has chosen to update.
  if (event.data && event.data.type === "apply-update") worker.skipWaiting();
  // The page sends this when every file is wanted offline, not only the first screen's.
  if (event.data && event.data.type === "keep-all") event.waitUntil(keepRest(VERSION, REST));
});
