// @ts-check
// The page's one database: its stores, made by one upgrade per version. idb.js and
// inbox/seal.js (which the worker loads too) both open it through this list, so whichever
// opens it first after an update brings it to the same shape. The worker's files are fetched
// by every visitor, so this file says nothing of what the stores hold; idb.js does.

/**
 * Schema upgrades, one per version: each moves the database one version on.
 * @type {((db: IDBDatabase, tx: IDBTransaction) => void)[]}
 */
export const UPGRADES = [
  (db) => {
    db.createObjectStore("meta"); // MetaValues (idb.js)
    const records = db.createObjectStore("records", { keyPath: "id" }); // RecordRow
    records.createIndex("kind", "kind");
    db.createObjectStore("chunks", { keyPath: ["file", "index"] }); // ChunkRow
  },
  (db) => {
    db.createObjectStore("inbox", { keyPath: ["item", "index"] }); // InboxRow (inbox/seal.js)
  },
  (db) => {
    db.createObjectStore("changes"); // ChangeList (vault/changes.js)
  },
];

export const DB_VERSION = UPGRADES.length;

/**
 * Bring an open request's database up to DB_VERSION (for `onupgradeneeded`).
 * @param {IDBOpenDBRequest} request
 * @param {IDBVersionChangeEvent} event
 */
export function upgrade(request, event) {
  const tx = /** @type {IDBTransaction} */ (request.transaction);
  for (let v = event.oldVersion; v < DB_VERSION; v++) UPGRADES[v](request.result, tx);
}
