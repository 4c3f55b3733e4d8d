// @ts-check
// Caching strategy: the whole shell is fetched and checked against its hash at install,
// then served cache-first; nothing else is ever cached (the diary never touches a cache).

const PREFIX = "shell-";

/** @param {string} version */
const cacheName = (version) => PREFIX + version;

/**
 * Fetch every app file, check it against its Subresource Integrity hash, and store it.
 * A file that does not match fails the install, so a half-deployed shell is never used.
 * @param {string} version
 * @param {[string, string][]} precache
 */
export async function install(version, precache) {
  const cache = await caches.open(cacheName(version));
  await Promise.all(
    precache.map(async ([url, integrity]) => {
      const response = await fetch(url, { cache: "no-cache", integrity, credentials: "same-origin" });
      if (!response.ok) throw new Error(`precache ${url}: ${response.status}`);
      await cache.put(url, response);
    }),
  );
}

/**
 * Remove the caches of older versions.
 * @param {string} version
 */
export async function activate(version) {
  const keep = cacheName(version);
  const names = await caches.keys();
  await Promise.all(names.filter((n) => n.startsWith(PREFIX) && n !== keep).map((n) => caches.delete(n)));
}

/**
 * Answer a request from the shell cache, or return null to let the network have it.
 * Navigations to the app's own page get the cached shell; the API always goes to the network.
 * @param {string} version
 * @param {Request} request
 * @returns {Promise<Response> | null}
 */
export function respond(version, request) {
  if (request.method !== "GET") return null;
  const url = new URL(request.url);
  if (url.origin !== location.origin || url.pathname.startsWith("/api/")) return null;
  const key = request.mode === "navigate" && url.pathname === "/" ? "/" : url.pathname;
  return caches.open(cacheName(version)).then(async (cache) => {
    const hit = await cache.match(key);
    if (hit) return hit;
    try {
      return await fetch(request);
    } catch (error) {
      // Offline and not part of the shell: a navigation still gets the app.
      if (request.mode === "navigate") {
        const shell = await cache.match("/");
        if (shell) return shell;
      }
      throw error;
    }
  });
}
