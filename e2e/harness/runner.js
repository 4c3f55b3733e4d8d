// @ts-check
// Runs one JS test module in the real browser (real WebCrypto, real IndexedDB) and leaves
// the results on window.__harness for pytest to read. Each exported `test*` function is a
// test; it passes unless it throws or rejects.

const params = new URLSearchParams(location.search);
const modulePath = params.get("module");
const only = params.get("only");

/** @type {{done: boolean, results: {name: string, ok: boolean, error?: string}[], error?: string}} */
const state = { done: false, results: [] };
Object.assign(window, { __harness: state });

async function run() {
  if (!modulePath || !modulePath.startsWith("/_harness/js/")) throw new Error("no test module named");
  const mod = await import(modulePath);
  for (const [name, fn] of Object.entries(mod)) {
    if (!name.startsWith("test") || typeof fn !== "function") continue;
    if (only && name !== only) continue;
    try {
      await fn();
      state.results.push({ name, ok: true });
    } catch (error) {
      const e = /** @type {Error} */ (error);
      state.results.push({ name, ok: false, error: `${e.name}: ${e.message}\n${e.stack || ""}` });
    }
    const li = document.createElement("li");
    const last = state.results[state.results.length - 1];
    li.textContent = `${last.ok ? "ok" : "FAIL"} ${name}`;
    document.getElementById("results")?.append(li);
  }
}

run()
  .catch((error) => {
    state.error = `${error.name}: ${error.message}`;
  })
  .finally(() => {
    state.done = true;
  });
