// @ts-check
// One base for the app's errors, and one place that turns any error into words for the screen.
import { ApiError, OfflineError } from "/js/api.js";
import { FULL, GENERIC, OFFLINE, PlainError, STOPPED, plainWords } from "/js/errors.js";
import { BackupError } from "/js/formats/backup/format.js";
import { TamperedError } from "/js/vault/crypto.js";
import { StorageFullError, tx } from "/js/vault/idb.js";
import * as keys from "/js/vault/keys.js";
import { NoPrfError, PasskeyCancelledError } from "/js/vault/passkey.js";
import { ConflictError } from "/js/vault/records.js";
import { equal, ok, rejects } from "./assert.js";

export function testEveryAppErrorIsAPlainErrorAndKeepsItsOwnName() {
  const made = [
    new ApiError("The server said no.", 400),
    new OfflineError(),
    new BackupError("altered", "Changed."),
    new TamperedError(),
    new StorageFullError(),
    new keys.LockedError(),
    new keys.WrongPassphraseError(3, 5),
    new keys.ThrottledError(5),
    new keys.WipedError(),
    new NoPrfError(),
    new PasskeyCancelledError(),
    new ConflictError(),
  ];
  for (const error of made) {
    ok(error instanceof PlainError, `${error.name} is not a PlainError`);
    ok(error instanceof Error);
    ok(error.name !== "PlainError" && error.name !== "Error", `${error.constructor.name} lost its name`);
    equal(plainWords(error), error.message, error.name);
  }
}

export function testABrowsersOwnErrorNeverReachesTheScreen() {
  const raw = new DOMException("Failed to execute 'put' on 'IDBObjectStore': #<Object> could not be cloned.", "DataCloneError");
  equal(plainWords(raw), GENERIC);
  equal(plainWords(new Error("missing element: #x")), GENERIC);
  equal(plainWords(new TypeError("Cannot read properties of undefined (reading 'seq')")), GENERIC);
  equal(plainWords("a string"), GENERIC);
  equal(plainWords(undefined), GENERIC);
  equal(plainWords(null), GENERIC);
}

export function testWhatTheBrowserRaisesIsNamedWhenItIsKnown() {
  equal(plainWords(new DOMException("The quota has been exceeded.", "QuotaExceededError")), FULL);
  equal(plainWords(new TypeError("Failed to fetch")), OFFLINE);
  equal(plainWords(new TypeError("NetworkError when attempting to fetch resource.")), OFFLINE);
  equal(plainWords(new DOMException("The operation was aborted.", "AbortError")), STOPPED);
  equal(plainWords(new DOMException("The operation timed out.", "TimeoutError")), STOPPED);
}

export async function testTheVaultsRefusalsArePlainWords() {
  await keys.createVault({ passphrase: "correct horse battery staple" });
  const error = await rejects(keys.createVault({ passphrase: "another one entirely" }));
  ok(error instanceof PlainError);
  equal(plainWords(error), "This phone already has a diary.");
  // A raw IndexedDB failure underneath is turned into calm words, not shown as it is.
  const raw = await rejects(tx("meta", "readwrite", (t) => void t.objectStore("meta").put({ f: () => 1 }, "x")));
  ok(!(raw instanceof PlainError));
  equal(plainWords(raw), GENERIC);
}
