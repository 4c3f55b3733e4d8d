// @ts-check
// Start the app: register the worker, show set-up or unlock, and say when it is ready.
import * as bridge from "./sw-bridge.js";
import { clear, setFallback, show } from "./router.js";
import * as keys from "./vault/keys.js";
import * as lockPolicy from "./vault/lock.js";
import * as records from "./vault/records.js";
import { setup } from "./views/setup.js";
import { unlock } from "./views/unlock.js";

async function opened() {
  let saved;
  try {
    saved = await records.get(lockPolicy.SETTINGS.kind, lockPolicy.SETTINGS.id);
  } catch (error) {
    if (!keys.isUnlocked()) return; // locked meanwhile: the unlock screen is already up
    console.warn("lock settings:", /** @type {Error} */ (error).name);
  }
  lockPolicy.configure({ ...lockPolicy.DEFAULTS, ...(saved || {}) });
  lockPolicy.unlocked();
  const { go } = await diary();
  if (keys.isUnlocked()) await go.home();
}

/** The diary's screens load after start-up (from the worker's cache, offline too), so the
 * first screen needs only the vault and the unlock. */
const diary = () => import("./views/navigate.js");

async function locked() {
  // Drop every decrypted view at once, before anything slow.
  clear();
  if (await keys.hasVault()) await show(unlock(opened));
  else await show(setup(opened));
}

async function main() {
  lockPolicy.watch();
  setFallback(() => void diary().then(({ go }) => go.home()));
  keys.onLock(() => void locked());
  await locked();
  document.documentElement.dataset.ready = "true";
  performance.mark("app-ready");
  // Registration waits for first paint: the app is usable before the worker is.
  bridge.start().catch((error) => console.warn("service worker:", error.name));
  // Fetch the diary's code while the person types: it is ready when they have unlocked.
  setTimeout(() => void diary().catch(() => {}), 0);
}

main();
