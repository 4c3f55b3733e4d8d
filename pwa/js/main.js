// @ts-check
// Start: wear the disguise and show it. Nothing else loads before the first paint. The rest
// (app.js) comes afterwards on a phone where a code has been right before, and otherwise only
// when a right code is typed (gate.js): a stranger's browser never fetches it.
import * as bridge from "./sw-bridge.js";
import { showDisguise } from "./disguise/index.js";
import * as gate from "./gate.js";

async function main() {
  await showDisguise();
  document.documentElement.dataset.ready = "true";
  performance.mark("app-ready");
  // Registration waits for first paint: the disguise is usable before the worker is.
  bridge.start().catch((error) => console.warn("service worker:", error.name));
  if (gate.inside()) setTimeout(() => void gate.letIn().catch(() => {}), 0);
}

main();
