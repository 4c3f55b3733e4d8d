// @ts-check
// Start the app: register the worker, show the first view, and say when it is ready.
import * as bridge from "./sw-bridge.js";
import { show } from "./router.js";
import { welcome } from "./views/welcome.js";

async function main() {
  await show(welcome);
  document.documentElement.dataset.ready = "true";
  performance.mark("app-ready");
  // Registration waits for first paint: the app is usable before the worker is.
  bridge.start().catch((error) => console.warn("service worker:", error.name));
}

main();
