// @ts-check
import * as keys from "/js/vault/keys.js";
import * as records from "/js/vault/records.js";
import { equal, ok, rejects } from "./assert.js";
import { fresh, rawRow, writeRaw } from "./vault.js";

const PASS = "river candle orbit maple";

export async function testPassphraseUnlocksAfterLock() {
  await fresh();
  ok(!(await keys.hasVault()));
  await keys.createVault({ passphrase: PASS });
  ok(await keys.hasVault());
  await records.put("note", "n", { text: "kept" });
  keys.lock();
  ok(!keys.isUnlocked());
  await keys.unlockWithPassphrase("  river candle  orbit maple ");
  equal(await records.get("note", "n"), { text: "kept" });
}

export async function testWrongPassphraseSaysSoAndSlowsDown() {
  await fresh();
  await keys.createVault({ passphrase: PASS });
  keys.lock();
  for (let i = 1; i <= 2; i++) {
    const error = await rejects(keys.unlockWithPassphrase("wrong"));
    equal(error.name, "WrongPassphraseError");
    ok(/not right/.test(error.message));
    equal(error.waitSeconds, 0);
  }
  const third = await rejects(keys.unlockWithPassphrase("wrong"));
  equal(third.waitSeconds, 5);
  // Even the right one must wait now.
  const waiting = await rejects(keys.unlockWithPassphrase(PASS));
  equal(waiting.name, "ThrottledError");
  ok((await keys.waitSeconds()) > 4);
  ok(!keys.isUnlocked());
}

export async function testTheDelayGrows() {
  equal([0, 1, 2, 3, 4, 5, 6, 20].map(keys.delayAfter), [0, 0, 0, 5, 10, 20, 40, 900]);
}

export async function testTheWaitIsKeptInStorage() {
  await fresh();
  await keys.createVault({ passphrase: PASS });
  keys.lock();
  await writeRaw("meta", { failures: 4, until: Date.now() + 60_000 }, "throttle");
  ok((await keys.waitSeconds()) > 50);
  equal((await rejects(keys.unlockWithPassphrase(PASS))).name, "ThrottledError");
}

export async function testEraseAfterNFailuresWhenChosen() {
  await fresh();
  await keys.createVault({ passphrase: PASS });
  await records.put("note", "n", { text: "gone" });
  await keys.setWipeAfter(2);
  keys.lock();
  equal((await rejects(keys.unlockWithPassphrase("wrong"))).name, "WrongPassphraseError");
  equal((await rejects(keys.unlockWithPassphrase("wrong"))).name, "WipedError");
  ok(!(await keys.hasVault()));
}

export async function testSuccessResetsTheCount() {
  await fresh();
  await keys.createVault({ passphrase: PASS });
  keys.lock();
  await rejects(keys.unlockWithPassphrase("wrong"));
  await rejects(keys.unlockWithPassphrase("wrong"));
  await keys.unlockWithPassphrase(PASS);
  keys.lock();
  equal((await rejects(keys.unlockWithPassphrase("wrong"))).waitSeconds, 0);
}

const PRF_A = new Uint8Array(32).fill(7);
const PRF_B = new Uint8Array(32).fill(9);

export async function testPasskeySlotsAddUnlockAndRemove() {
  await fresh();
  const salt = new Uint8Array(32).fill(1);
  await keys.createVault({ passphrase: PASS, passkey: { credentialId: "cred-a", salt, prfOutput: PRF_A } });
  await records.put("note", "n", { text: "both ways" });
  keys.lock();
  await keys.unlockWithPrf("cred-a", PRF_A);
  const id = await keys.addPasskey({ credentialId: "cred-b", salt, prfOutput: PRF_B });
  equal((await keys.slots()).map((s) => s.type).sort(), ["passkey", "passkey", "passphrase"]);
  keys.lock();
  await keys.unlockWithPrf("cred-b", PRF_B);
  equal(await records.get("note", "n"), { text: "both ways" });
  await keys.removeSlot(id);
  keys.lock();
  equal((await rejects(keys.unlockWithPrf("cred-b", PRF_B))).name, "TamperedError");
  equal((await rejects(keys.unlockWithPrf("cred-a", PRF_B))).name, "TamperedError");
}

export async function testThePassphraseSlotCanNeverBeRemoved() {
  await fresh();
  await keys.createVault({ passphrase: PASS });
  const [slot] = await keys.slots();
  const error = await rejects(keys.removeSlot(slot.id));
  ok(/cannot be removed/.test(error.message));
  equal((await keys.slots()).length, 1);
}

export async function testChangingThePassphraseReencryptsNothing() {
  await fresh();
  await keys.createVault({ passphrase: PASS });
  await records.put("note", "n", { text: "same ciphertext" });
  const { tx, req } = await import("/js/vault/idb.js");
  const before = await tx("records", "readonly", (t) => req(t.objectStore("records").get("n")));
  await keys.changePassphrase("a brand new passphrase");
  const after = await tx("records", "readonly", (t) => req(t.objectStore("records").get("n")));
  equal(Array.from(after.ct), Array.from(before.ct));
  keys.lock();
  equal((await rejects(keys.unlockWithPassphrase(PASS))).name, "WrongPassphraseError");
  await keys.unlockWithPassphrase("a brand new passphrase");
  equal(await records.get("note", "n"), { text: "same ciphertext" });
}

export async function testTheDataKeyCannotBeExported() {
  await fresh();
  await keys.createVault({ passphrase: PASS });
  const key = keys.dataKey();
  equal(key.extractable, false);
  await rejects(crypto.subtle.exportKey("raw", key));
}

export async function testLockTellsListeners() {
  await fresh();
  await keys.createVault({ passphrase: PASS });
  let told = 0;
  const off = keys.onLock(() => told++);
  keys.lock();
  keys.lock();
  off();
  equal(told, 1);
}

export async function testWrongTriesAtTheSameTimeEachCount() {
  await fresh();
  await keys.createVault({ passphrase: PASS });
  keys.lock();
  const results = await Promise.allSettled(Array.from({ length: 5 }, () => keys.unlockWithPassphrase("wrong")));
  const names = results.map((r) => (r.status === "rejected" ? r.reason.name : "unlocked"));
  ok(names.includes("ThrottledError"), names.join());
  ok((await keys.waitSeconds()) > 0, "no wait after five wrong tries");
}

export async function testAnUnlockUnderWayWhenTheVaultLocksIsThrownAway() {
  await fresh();
  await keys.createVault({ passphrase: PASS });
  keys.lock();
  const unlocking = keys.unlockWithPassphrase(PASS);
  keys.lock(); // the app is hidden while the passphrase is being checked
  equal((await rejects(unlocking)).name, "LockedError");
  ok(!keys.isUnlocked());
}

export async function testASecondSetUpCannotReplaceTheFirst() {
  await fresh();
  const both = await Promise.allSettled([
    keys.createVault({ passphrase: PASS }),
    keys.createVault({ passphrase: "another passphrase entirely" }),
  ]);
  equal(both.filter((r) => r.status === "fulfilled").length, 1);
  ok(/already has a diary/.test(String(both.find((r) => r.status === "rejected")?.reason?.message)));
}

export async function testThePhoneKnowsWhichPasskeysAreItsOwn() {
  await fresh();
  const salt = new Uint8Array(32).fill(1);
  const own = async () => (await keys.passkeySlots()).map((s) => `${s.credentialId}:${s.here}`);
  // Made here: this phone's.
  await keys.createVault({ passphrase: PASS, passkey: { credentialId: "cred-a", salt, prfOutput: PRF_A } });
  equal(await own(), ["cred-a:true"]);
  equal((await keys.slots()).map((s) => `${s.type}:${s.here}`), ["passphrase:true", "passkey:true"]);
  const { extractableKey } = await import("/js/vault/session.js");
  const key = await extractableKey();
  const passkeys = (await keys.backupSlots()).filter((s) => s.type === "passkey");

  // Restored on a new phone: the backup's passkey came from another phone...
  await fresh();
  await keys.adoptVault({ key, passphrase: PASS, passkeys });
  equal(await own(), ["cred-a:false"]);
  equal((await rawRow("meta", "vault")).here, []);
  // ...until it unlocks the diary here (synced to this phone, say).
  keys.lock();
  await keys.unlockWithPrf("cred-a", PRF_A);
  equal(await own(), ["cred-a:true"]);

  // One added here is this phone's; removed, it is forgotten.
  const id = await keys.addPasskey({ credentialId: "cred-b", salt, prfOutput: PRF_B });
  equal(await own(), ["cred-a:true", "cred-b:true"]);
  await keys.removeSlot(id);
  equal((await rawRow("meta", "vault")).here, ["cred-a"]);

  // A vault made before phones kept track: every passkey counts as this phone's.
  const { here, ...older } = await rawRow("meta", "vault");
  await writeRaw("meta", { ...older, slots: [...older.slots, { ...older.slots[1], id: "pk-old", credentialId: "cred-c" }] }, "vault");
  equal(await own(), ["cred-a:true", "cred-c:true"]);
}
