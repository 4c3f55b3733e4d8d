// The shape of /sw/precache.js, which the server generates at start-up from the files in
// pwa/ (server/precache.py, Shell.precache_module); it is never a file. jsconfig.worker.json
// lays this folder over pwa/ (rootDirs), so the worker's "./sw/precache.js" finds it.

/** The shell's version: a hash over every app file. */
export const VERSION: string;
/** The first screen's files: [url, Subresource Integrity hash]. */
export const PRECACHE: [string, string][];
/** The list of the other files: its URL and its integrity hash. */
export const REST: [string, string];
