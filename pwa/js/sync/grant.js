// @ts-check
// The grant for a new copy: the server keeps one only for someone who typed its start code,
// or an invitation the operator made for them. The grant the start code answered with at
// set-up is kept encrypted in the vault (never outside: its being there would say what this
// phone holds) and sent when the copy is turned on. A diary set up before grants, or after
// the operator changed the code, is asked for the code or an invitation.
import { PlainError } from "../errors.js";
import { sendStartCode, startGrant } from "../api.js";
import * as records from "../vault/records.js";
import { checkInvitation } from "./client.js";

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
 * Ask the server for a grant with the start code or invitation typed now, and keep it.
 * @param {string} typed  digits: the start code; letters too: an invitation
 * @throws {PlainError} neither
 */
export async function fromCode(typed) {
  const code = typed.trim();
  const answer = /^\d+$/.test(code) ? await sendStartCode(code) : await checkInvitation(code);
  if (!answer.ok || !answer.grant) {
    throw new PlainError("That is not this server's start code or one of its invitations, or the invitation has been used. Check it with whoever gave it to you, and try again.");
  }
  await records.put(KIND, ID, { grant: answer.grant });
}
