// @ts-check
// The start code's grant: the server keeps a new copy only for someone who typed its start
// code. The grant it answered with at set-up is kept encrypted in the vault (never outside:
// its being there would say what this phone holds) and sent when the copy is turned on. A
// diary set up before grants, or after the operator changed the code, is asked for the code.
import { PlainError } from "../errors.js";
import { sendStartCode, startGrant } from "../api.js";
import * as records from "../vault/records.js";

const KIND = "grant";
const ID = "grant";

/** After set-up made the vault: keep the grant the start code brought, if any. */
export async function keep() {
  const grant = startGrant();
  if (grant) await records.put(KIND, ID, { grant });
}

/** The grant to send, or null. @returns {Promise<string | null>} */
export async function current() {
  /** @type {{ grant?: string } | undefined} */
  const kept = await records.get(KIND, ID).catch(() => undefined);
  return kept?.grant || startGrant();
}

/**
 * Ask the server for a grant with the start code typed now, and keep it.
 * @param {string} code
 * @throws {PlainError} not this server's start code
 */
export async function fromCode(code) {
  const answer = await sendStartCode(code.trim());
  if (!answer.ok || !answer.grant) throw new PlainError("That is not this server's start code. Check it with whoever gave it to you, and try again.");
  await records.put(KIND, ID, { grant: answer.grant });
}
