// @ts-check
// Start, and the one place the page is wired together: wear the disguise and show it.
// Nothing else loads before the first paint. The rest (app.js) comes afterwards on a phone
// where a code has been right before, and otherwise only when a right code is typed (the
// gate calls the loader below only then): a stranger's browser never fetches it. No module
// imports this one, and none imports what started it: each is handed what it needs here.
import * as bridge from "./sw-bridge.js";
import { current, showDisguise } from "./disguise/index.js";
import * as prefs from "./disguise/prefs.js";
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
  const lost = !prefs.hasCode();
  await showDisguise(door.enter);
  document.documentElement.dataset.ready = "true";
  performance.mark("app-ready");
  // Registration waits for first paint: the disguise is usable before the worker is.
  bridge.start().catch((error) => console.warn("service worker:", error.name));
  // The prefs' two copies brought together, after the paint, so a stranger's visit waits for
  // nothing (it only finds there is no database). With no code here, a crash may have lost
  // localStorage's late write while the vault kept its copy: then the code is back (a code
  // typed meanwhile waits for it, see gate.js) and the chosen disguise is worn at once. With a
  // code, a look changed in the other copy shows from the next lock on.
  const settling = prefs.settle();
  if (lost && (await settling) && current() !== document.documentElement.dataset.disguise) await showDisguise(door.enter);
  if (inside()) setTimeout(() => void door.letIn().catch(() => {}), 0);
}

main();
