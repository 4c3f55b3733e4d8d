"""What the phone holds, read from the page by the browser tests: the diary's events and
files as a snapshot to compare, how much is stored, and the forms a secret could take in
what is stored or sent."""

from __future__ import annotations

import base64

# The diary's events and each file's name, size and SHA-256, and whether the chain verifies.
SNAPSHOT = """async () => {
    const log = await import('/js/diary/log.js');
    const records = await import('/js/vault/records.js');
    const hex = (b) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, '0')).join('');
    const events = (await log.events()).map((e) =>
        [e.seq, e.type, e.subject, e.at, e.payloadHash, e.payload, e.hash]);
    const files = {};
    for (const f of await records.list('file')) {
        const bytes = await new Response(records.readFile(f.id)).arrayBuffer();
        const digest = await crypto.subtle.digest('SHA-256', bytes);
        files[f.id] = [f.value.name, f.value.size, hex(digest)];
    }
    const check = await log.verify();
    return { events, files, ok: check.ok, problems: check.problems };
}"""

# How many records and file parts are stored, whether there is a vault at all, and how many
# files' parts are kept in the private file system (large files, stored by a worker).
STORED = """async () => {
    const onDisk = (await (await import('/js/vault/opfs.js')).names()).length;
    const names = (await indexedDB.databases()).map((d) => d.name);
    if (!names.includes('app')) return { records: 0, chunks: 0, vault: false, onDisk };
    const { tx, req } = await import('/js/vault/idb.js');
    return tx(['records', 'chunks', 'meta'], 'readonly', async (t) => ({
        records: await req(t.objectStore('records').count()),
        chunks: await req(t.objectStore('chunks').count()),
        vault: Boolean(await req(t.objectStore('meta').get('vault'))),
        onDisk,
    }));
}"""


# Everything the phone stores, whatever it is: every IndexedDB database's keys and values,
# the private file system's files, local and session storage, every cache entry, the
# cookies, each as strings or hex bytes.
DUMP_EVERYTHING = """async () => {
    const hex = (buffer) => Array.from(new Uint8Array(buffer),
        (b) => b.toString(16).padStart(2, '0')).join('');
    const out = { strings: [], hexes: [] };
    const blobs = [];
    const walk = (v) => {
        if (v == null) return;
        if (v instanceof Blob) { blobs.push(v); return; }
        if (typeof v === 'string') out.strings.push(v);
        else if (typeof v === 'number' || typeof v === 'boolean') out.strings.push(String(v));
        else if (v instanceof ArrayBuffer) out.hexes.push(hex(v));
        else if (ArrayBuffer.isView(v)) out.hexes.push(hex(v.buffer.slice(v.byteOffset,
            v.byteOffset + v.byteLength)));
        else if (Array.isArray(v)) v.forEach(walk);
        else if (typeof v === 'object') for (const [k, x] of Object.entries(v)) {
            out.strings.push(k); walk(x); }
    };
    for (const info of await indexedDB.databases()) {
        const db = await new Promise((resolve, reject) => {
            const r = indexedDB.open(info.name);
            r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error);
        });
        for (const name of db.objectStoreNames) {
            const t = db.transaction(name);
            const store = t.objectStore(name);
            const [keys, values] = await Promise.all([store.getAllKeys(), store.getAll()].map(
                (r) => new Promise((resolve) => { r.onsuccess = () => resolve(r.result); })));
            walk(keys); walk(values);
        }
        db.close();
    }
    for (const storage of [localStorage, sessionStorage])
        for (let i = 0; i < storage.length; i++) {
            out.strings.push(storage.key(i)); out.strings.push(storage.getItem(storage.key(i)));
        }
    for (const name of await caches.keys()) {
        out.strings.push(name);
        const cache = await caches.open(name);
        for (const request of await cache.keys()) {
            out.strings.push(request.url);
            out.hexes.push(hex(await (await cache.match(request)).arrayBuffer()));
        }
    }
    // The origin's private file system (large files' parts), every folder and file.
    const walkFolder = async (folder) => {
        for await (const [name, handle] of folder.entries()) {
            out.strings.push(name);
            if (handle.kind === 'directory') await walkFolder(handle);
            else out.hexes.push(hex(await (await handle.getFile()).arrayBuffer()));
        }
    };
    if (navigator.storage?.getDirectory) await walkFolder(await navigator.storage.getDirectory());
    out.strings.push(document.cookie);
    out.blobs = blobs.length;
    for (const blob of blobs) out.hexes.push(hex(await blob.arrayBuffer()));
    return out;
}"""


# The diary's id, as its vault keeps it (null before one is made).
DIARY_ID = """async () => (await (await import('/js/vault/meta.js')).vaultMeta())?.id ?? null"""


def encodings(secret: bytes) -> list[str]:
    """The ways a secret could be written down: raw text, hex, base64, base64url."""
    b64 = base64.b64encode(secret).decode()
    return [
        secret.decode("latin-1"),
        secret.hex(),
        b64.rstrip("="),
        base64.urlsafe_b64encode(secret).decode().rstrip("="),
    ]


# The phone stops writing at the moment an entry is saved, as if the browser were killed
# there: "before", the transaction that records the entry's events is aborted; "after", it
# completes (on disk: the app's writes are strict) and then nothing more is written. Either
# way every later write in this page fails; close the page and open another to see what a
# relaunch finds.
CUT_OFF_AT_SAVE = """(when) => {
    const open = IDBDatabase.prototype.transaction;
    const put = IDBObjectStore.prototype.put;
    const recording = new WeakSet();
    window.__cutOff = false;
    IDBObjectStore.prototype.put = function (value, key) {
        const request = put.call(this, value, key);
        if (this.name === 'records' && value?.kind === 'event') {
            recording.add(this.transaction);
            if (when === 'before') {
                window.__cutOff = true;
                this.transaction.abort();
            }
        }
        return request;
    };
    IDBDatabase.prototype.transaction = function (stores, mode, options) {
        if (window.__cutOff && mode === 'readwrite') throw new DOMException('Killed', 'AbortError');
        const t = open.call(this, stores, mode, options);
        // Registered before the app's own oncomplete: the cut-off comes first.
        t.addEventListener('complete', () => {
            if (recording.has(t)) window.__cutOff = true;
        });
        return t;
    };
}"""

# From the page's first script on, IndexedDB refuses Blob values, as WebKit does with
# ephemeral storage (Safari's Private Browsing); there the transaction aborts afterwards,
# here the put throws at once, which the app takes the same way. The private file system is
# refused too, as Safari's private browsing refuses it.
REFUSE_BLOBS = """(() => {
    StorageManager.prototype.getDirectory = () => Promise.reject(new DOMException(
        'The operation failed for an unknown transient reason (e.g. out of memory).',
        'UnknownError'));
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (value, key) {
        if (value && value.ct instanceof Blob) {
            throw new DOMException('Error preparing Blob/File data to be stored', 'DataCloneError');
        }
        return put.call(this, value, key);
    };
})()"""

# The kinds of value the stored file parts' ciphertexts are ("Blob", "Uint8Array").
PART_KINDS = """async () => {
    const { tx, req } = await import('/js/vault/idb.js');
    const parts = await tx('chunks', 'readonly', (t) => req(t.objectStore('chunks').getAll()));
    return [...new Set(parts.map((p) => p.ct.constructor.name))];
}"""
