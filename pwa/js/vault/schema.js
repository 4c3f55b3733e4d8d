// @ts-check
// The phone's one database: its stores, made by one upgrade per version. Both the page's
// store (idb.js) and what keeps a capture while everything else is shut (inbox/seal.js,
// which the worker loads too) open it through this list, so whichever opens it first after
// an update brings it to the same shape. Kept free of any word that would say what the
// stores hold: the worker's files are fetched by every visitor.

/**
 * Schema upgrades, one per version: each moves the database one version on.
 * @type {((db: IDBDatabase, tx: IDBTransaction) => void)[]}
 */
export const UPGRADES = [
  (db) => {
    db.createObjectStore("meta"); // clear: key slots, failed-attempt counter, wipe setting (MetaValues)
    const records = db.createObjectStore("records", { keyPath: "id" }); // RecordRow
    records.createIndex("kind", "kind");
    db.createObjectStore("chunks", { keyPath: ["file", "index"] }); // ChunkRow
  },
  (db) => {
    db.createObjectStore("inbox", { keyPath: ["item", "index"] }); // InboxRow: captures sealed to the inbox key
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
