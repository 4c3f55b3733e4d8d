// @ts-check
/// <reference lib="webworker" />
// What the phone's share sheet sends to the installed app (the manifest's share_target: a
// POST of title, text, url and files to /<app>/share). Each file and the words are sealed at
// once (js/inbox/seal.js), whether or not anything is open, and the answer is the app's own
// page, which opens as it always does. Nothing of it goes to the network. On a browser where
// nothing can be kept, nothing is kept, and the answer is the same. Loaded by every visitor
// with the worker: it names nothing.
import { CannotKeepError, keepFile, keepNote, noteMissed } from "../js/inbox/seal.js";

const ACTION = /^\/([a-z][a-z0-9-]*)\/share$/;
// A photo is sealed in well under this; a long video may take longer, and then the page shows
// while the worker carries on (kept alive by waitUntil) rather than leave a blank screen.
export const ANSWER_WITHIN_MS = 3000;
const WORDS = ["title", "text", "url"];

/**
 * Each app's page ("/calculator/", …), from the worker's list of files: where a share to that
 * app is answered.
 * @param {[string, string][]} precache
 */
export function pagesOf(precache) {
  return new Set(precache.map(([url]) => url).filter((url) => /^\/[^/]+\/$/.test(url)));
}

/**
 * The page a share to this request's address answers with (`/calculator/`), or null when the
 * request is not a share to one of `pages` (each app's page, e.g. "/calculator/").
 * @param {Request} request
 * @param {Set<string>} pages
 */
export function shareTo(request, pages) {
  if (request.method !== "POST") return null;
  const url = new URL(request.url);
  if (url.origin !== location.origin) return null;
  const match = ACTION.exec(url.pathname);
  const page = match && `/${match[1]}/`;
  return page && pages.has(page) ? page : null;
}

/**
 * The words of a share (title, text, link) as one note: each once, in that order.
 * @param {FormData} form
 */
export function wordsOf(form) {
  const words = WORDS.map((name) => form.get(name))
    .map((value) => (typeof value === "string" ? value.trim() : ""))
    .filter(Boolean);
  return [...new Set(words)].join("\n");
}

/**
 * Seal everything the share holds; resolve with how many captures were kept. A body that is
 * not a form keeps nothing; on a browser with nowhere to keep anything, nothing is kept. One
 * file that cannot be kept does not stop the others.
 * @param {Request} request
 * @returns {Promise<number>}
 */
export async function keepShared(request) {
  /** @type {FormData} */
  let form;
  try {
    form = await request.formData();
  } catch (error) {
    console.warn("share:", /** @type {Error} */ (error).name);
    return 0;
  }
  const at = Date.now();
  const words = wordsOf(form);
  /** @type {(() => Promise<unknown>)[]} */
  const jobs = [];
  if (words) jobs.push(() => keepNote(words, { at, via: "share" }));
  for (const file of form.getAll("files")) {
    if (typeof file === "string" || (!file.name && !file.size)) continue; // an empty file field
    jobs.push(() => keepFile(file, { name: file.name, type: file.type, at, via: "share" }));
  }
  let kept = 0;
  let missed = 0;
  for (const job of jobs) {
    try {
      await job();
      kept++;
    } catch (error) {
      missed++;
      if (error instanceof CannotKeepError) {
        missed = jobs.length - kept;
        break;
      }
      // Only the kind of failure: a message could carry something that was shared.
      console.warn("share:", /** @type {Error} */ (error).name);
    }
  }
  // Said after the next unlock (where there is a database at all): never lost unknown.
  if (missed) await noteMissed(missed);
  return kept;
}

/**
 * Answer a share: `kept` settles once everything is sealed (for waitUntil); `answer` is a 303
 * to the app's page, once sealed or after ANSWER_WITHIN_MS, whichever comes first.
 * @param {Request} request
 * @param {string} page  e.g. "/calculator/"
 * @param {number} [within]
 */
export function receive(request, page, within = ANSWER_WITHIN_MS) {
  const kept = keepShared(request).catch(() => 0);
  /** @type {Promise<void>} */
  const waited = new Promise((resolve) => setTimeout(resolve, within));
  const answer = Promise.race([kept, waited]).then(() => Response.redirect(new URL(page, location.href).href, 303));
  return { answer, kept };
}
