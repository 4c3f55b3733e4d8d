// @ts-check
// Caching strategy: the first screen's files are fetched and checked against their hashes at
// install; the rest of the app is fetched the same way only when the page asks for it (and
// again by each new version once it was asked), then everything is served cache-first.
// Nothing else is ever cached: what the user writes never touches a cache.

const PREFIX = "shell-";

/** @param {string} version */
const cacheName = (version) => PREFIX + version;

/**
 * Fetch each file, check it against its Subresource Integrity hash, and store it.
 * @param {Cache} cache
 * @param {[string, string][]} files  [url, integrity]
 */
async function store(cache, files) {
  await Promise.all(
    files.map(async ([url, integrity]) => {
      const response = await fetch(url, { cache: "no-cache", integrity, credentials: "same-origin" });
      if (!response.ok) throw new Error(`precache ${url}: ${response.status}`);
      await cache.put(url, response);
    }),
  );
}

/**
 * Store the first screen's files; where an older version had been asked for the rest, the
 * rest too. A file that does not match fails the install, so a half-deployed shell is never used.
 * @param {string} version
 * @param {[string, string][]} precache
 * @param {[string, string]} rest  the list of the other files: its URL and integrity
 */
export async function install(version, precache, rest) {
  const cache = await caches.open(cacheName(version));
  // The list of the rest is stored last, so a cache holding it holds everything.
  const wanted = Boolean(await caches.match(rest[0]));
  await store(cache, precache);
  if (wanted) await keepRest(version, rest);
}

/** @type {Map<string, Promise<void>>} */
const keeping = new Map();

/**
 * Fetch the list of the rest (checked against its hash and this version), then every file
 * on it (each checked against its hash), into this version's cache.
 * @param {string} version
 * @param {[string, string]} rest
 */
export function keepRest(version, [url, integrity]) {
  let job = keeping.get(version);
  if (!job) {
    job = (async () => {
      const cache = await caches.open(cacheName(version));
      if (await cache.match(url)) return;
      const response = await fetch(url, { cache: "no-cache", integrity, credentials: "same-origin" });
      if (!response.ok) throw new Error(`precache ${url}: ${response.status}`);
      const list = /** @type {{ version: string, files: [string, string][] }} */ (await response.clone().json());
      if (list.version !== version) throw new Error(`precache ${url}: version ${list.version}, not ${version}`);
      await store(cache, list.files);
      await cache.put(url, response);
    })();
    keeping.set(version, job);
    job.catch(() => keeping.delete(version));
  }
  return job;
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
