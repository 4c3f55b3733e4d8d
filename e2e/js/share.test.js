// @ts-check
// The worker's share handler (sw/share.js), run in the page against the real database: what a
// share holds is sealed before the disguise is answered, unless sealing takes long.
import * as inbox from "/js/inbox/open.js";
import { PART_BYTES } from "/js/inbox/seal.js";
import { tx, req } from "/js/vault/idb.js";
import * as keys from "/js/vault/keys.js";
import { receive, wordsOf } from "/sw/share.js";
import { equal, ok } from "./assert.js";
import { fresh } from "./vault.js";

const PASS = "test passphrase for sharing";

async function lockedWithInbox() {
  await fresh();
  await keys.createVault({ passphrase: PASS });
  await inbox.ensureKey();
  keys.lock();
}

/** @param {Record<string, string>} fields @param {File[]} files */
function share(fields, files = []) {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  for (const file of files) form.append("files", file);
  return new Request("/calculator/share", { method: "POST", body: form });
}

/** @returns {Promise<number>} */
const rows = () => tx("inbox", "readonly", (t) => req(t.objectStore("inbox").count()));

export async function testAShareIsSealedBeforeTheDisguiseIsAnswered() {
  await lockedWithInbox();
  const file = new File([new Uint8Array(PART_BYTES + 10)], "clip.mp4", { type: "video/mp4" });
  const { answer, kept } = receive(share({ text: "words", url: "https://example.com/" }, [file]), "/calculator/");
  const response = await answer;
  equal(await rows(), 4, "the note's head, and the file's head and two parts, before the answer");
  equal(response.status, 303);
  equal(new URL(/** @type {string} */ (response.headers.get("Location"))).pathname, "/calculator/");
  equal(await kept, 2);
}

export async function testALongShareIsAnsweredInTimeAndStillSealedWhole() {
  await lockedWithInbox();
  const file = new File([new Uint8Array(PART_BYTES * 12)], "long.mp4", { type: "video/mp4" });
  /** @type {string[]} */
  const order = [];
  const { answer, kept } = receive(share({}, [file]), "/calculator/", 0);
  await Promise.all([answer.then(() => order.push("answer")), kept.then(() => order.push("kept"))]);
  equal(order, ["answer", "kept"]);
  equal(await rows(), 13);
  await keys.unlockWithPassphrase(PASS);
  const [item] = await inbox.items();
  equal(["kind" in item && item.kind, "size" in item && item.size], ["file", PART_BYTES * 12]);
}

export async function testABodyThatIsNotAFormKeepsNothingAndStillAnswers() {
  await lockedWithInbox();
  const request = new Request("/calculator/share", {
    method: "POST",
    headers: { "Content-Type": "multipart/form-data; boundary=x" },
    body: "--x\r\nnot a form",
  });
  const { answer, kept } = receive(request, "/calculator/");
  equal((await answer).status, 303);
  equal(await kept, 0);
  equal(await rows(), 0);
}

export async function testTheWordsOfAShareAreOneNoteEachOnce() {
  const form = new FormData();
  form.append("title", " https://x.example/a ");
  form.append("text", "Look at this\nhttps://x.example/a");
  form.append("url", "https://x.example/a");
  equal(wordsOf(form), "https://x.example/a\nLook at this\nhttps://x.example/a");
  ok(wordsOf(new FormData()) === "");
}
