// @ts-check
// Start the app: register the worker, show set-up or unlock, and say when it is ready.
import * as bridge from "./sw-bridge.js";
import { clear, show } from "./router.js";
import * as keys from "./vault/keys.js";
import * as lockPolicy from "./vault/lock.js";
import * as records from "./vault/records.js";
import { home } from "./views/home.js";
import { setup } from "./views/setup.js";
import { unlock } from "./views/unlock.js";

async function opened() {
  lockPolicy.unlocked();
  const saved = await records.get(lockPolicy.SETTINGS.kind, lockPolicy.SETTINGS.id).catch(() => undefined);
  lockPolicy.configure({ ...lockPolicy.DEFAULTS, ...(saved || {}) });
  await show(diaryHome);
}

// Settings load only when opened.
const diaryHome = home({
  onSettings: async () => {
    const { settings } = await import("./views/settings.js");
    await show(settings({ onBack: () => show(diaryHome) }));
  },
  onLock: () => keys.lock(),
});

async function locked() {
  // Drop every decrypted view at once, before anything slow.
  clear();
  if (await keys.hasVault()) await show(unlock(opened));
  else await show(setup(opened));
}

async function main() {
  lockPolicy.watch();
  keys.onLock(() => void locked());
  await locked();
  document.documentElement.dataset.ready = "true";
  performance.mark("app-ready");
  // Registration waits for first paint: the app is usable before the worker is.
  bridge.start().catch((error) => console.warn("service worker:", error.name));
}

main();
