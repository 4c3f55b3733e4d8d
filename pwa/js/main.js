// @ts-check
// Start, and the one place the page is wired together: wear the disguise and show it.
// Nothing else loads before the first paint. The rest (app.js) comes afterwards on a phone
// where a code has been right before, and otherwise only when a right code is typed (the
// gate calls the loader below only then): a stranger's browser never fetches it. No module
// imports this one, and none imports what started it: each is handed what it needs here.
import * as bridge from "./sw-bridge.js";
import { showDisguise } from "./disguise/index.js";
import { gate, inside } from "./gate.js";

/**
 * What a code typed into the disguise leads to, and the way to load what lies behind it.
 * @type {ReturnType<typeof gate>}
 */
const door = gate(async () => {
  const rest = await import("./app.js");
  // After every lock, the same disguise with the same way in.
  rest.start({ showDisguise: () => showDisguise(door.enter) });
  return rest;
});

async function main() {
  await showDisguise(door.enter);
  document.documentElement.dataset.ready = "true";
  performance.mark("app-ready");
  // Registration waits for first paint: the disguise is usable before the worker is.
  bridge.start().catch((error) => console.warn("service worker:", error.name));
  if (inside()) setTimeout(() => void door.letIn().catch(() => {}), 0);
}

main();
