// @ts-check
import * as copy from "/js/sync/copy.js";
import * as keys from "/js/vault/keys.js";
import { equal, ok } from "./assert.js";
import { fresh } from "./vault.js";

const held = (/** @type {object} */ more) => ({ diary: null, slots: null, records: {}, chunks: {}, ...more });

export async function testAVaultKeepsOneDiaryIdFromItsMaking() {
  await fresh();
  equal(await keys.diaryId(), null);
  await keys.createVault({ passphrase: "river candle orbit maple" });
  const id = await keys.diaryId();
  ok(typeof id === "string" && /^[A-Za-z0-9_-]{22}$/.test(id));
  equal(await keys.diaryId(), id);
}

export async function testOnlyThisDiarysCopyIsOurs() {
  await fresh();
  await keys.createVault({ passphrase: "river candle orbit maple" });
  const mine = /** @type {string} */ (await keys.diaryId());
  const [slot] = await keys.slots();
  ok(await copy.ours(held({ diary: mine }), mine));
  ok(!(await copy.ours(held({ diary: keys.newDiaryId() }), mine)));
  // A copy made before copies knew their diary: ours when empty, or sharing a key slot.
  ok(await copy.ours(held({}), mine));
  ok(await copy.ours(held({ slots: [{ id: "pw-elsewhere" }, { id: slot.id }] }), mine));
  ok(!(await copy.ours(held({ slots: [{ id: "pw-elsewhere" }, { type: "passkey" }] }), mine)));
}
