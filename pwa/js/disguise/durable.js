// @ts-check
// A second copy of what prefs.js keeps, where a write reaches the disk when it is made: the
// clear "meta" store of the phone's one database, beside the key slots (vault/meta.js).
// localStorage is written out late (a second or more after the change), so a phone stopped
// just after set-up kept its vault but forgot its code and look; this copy brings them back
// at the next start. The copy is written with the vault (in the transaction that makes it)
// and after every change once the vault exists; it is never what creates the database: on a
// stranger's browser there is none, and nothing here makes one.

/** The phone's one database (vault/idb.js opens it, and re-exports this name). */
export const DB_NAME = "app";
/** The copy's key in "meta" (vault/idb.js's MetaValues names it too). */
export const ENTRY = "prefs";

/**
 * Open the database if it exists, at whatever version it is; null if it does not. An open
 * that would create it is undone before anything is made (and none is tried where the
 * browser can list its databases and this one is not among them).
 * @returns {Promise<IDBDatabase | null>}
 */
async function openExisting() {
  const names = await indexedDB.databases?.().then(
    (list) => list.map((d) => d.name),
    () => null,
  );
  if (names && !names.includes(DB_NAME)) return null;
  return new Promise((resolve) => {
    const request = indexedDB.open(DB_NAME);
    // Only a database that did not exist is upgraded by an open without a version.
    request.onupgradeneeded = () => request.transaction?.abort();
    request.onsuccess = () => {
      const db = request.result;
      db.onversionchange = () => db.close(); // an upgrade or an erase elsewhere goes first
      resolve(db);
    };
    request.onerror = (event) => {
      event.preventDefault();
      resolve(null);
    };
    request.onblocked = () => resolve(null);
  });
}

/**
 * Read the copy and bring one side up to date, in one transaction of "meta": the newer of
 * the two (the one written more often: each write counts, see prefs.js) wins. With no vault
 * there is nothing to do. Resolves with the copy when it is newer than `local`, for the
 * caller to keep, else with null.
 * @template {{ rev?: number }} P
 * @param {() => P} local  this page's prefs, read at the moment they are compared
 * @returns {Promise<P | null>}
 */
export async function settle(local) {
  const db = await openExisting();
  if (!db) return null;
  try {
    return await new Promise((resolve, reject) => {
      /** @type {P | null} */
      let newer = null;
      const t = db.transaction("meta", "readwrite", { durability: "strict" });
      const store = t.objectStore("meta");
      const vault = store.get("vault");
      const kept = store.get(ENTRY);
      kept.onsuccess = () => {
        if (!vault.result) return; // no vault: nothing to keep the way into
        const mine = local();
        /** @type {P | undefined} */
        const copy = kept.result;
        if (copy && (copy.rev || 0) > (mine.rev || 0)) newer = copy;
        else if (!copy || JSON.stringify(copy) !== JSON.stringify(mine)) store.put(mine, ENTRY);
      };
      t.oncomplete = () => resolve(newer);
      t.onabort = () => reject(t.error);
    });
  } finally {
    db.close();
  }
}
