// @ts-check
// Start: wear the disguise and show it. Nothing else loads before the first paint; the
// unlock, set-up and diary code (app.js) is fetched afterwards, or when a code is typed.
import * as bridge from "./sw-bridge.js";
import { showDisguise } from "./disguise/index.js";

async function main() {
  // A version left waiting last time takes over first, out of sight: the page reloads.
  if (await bridge.takeWaiting().catch(() => false)) return;
  await showDisguise();
  document.documentElement.dataset.ready = "true";
  performance.mark("app-ready");
  // Registration waits for first paint: the disguise is usable before the worker is.
  bridge.start().catch((error) => console.warn("service worker:", error.name));
  setTimeout(() => void import("./app.js").catch(() => {}), 0);
}

main();
