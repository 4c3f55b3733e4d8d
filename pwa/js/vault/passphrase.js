// @ts-check
// Recovery passphrases: generated ones (random words, easy to write down) and honest
// feedback on ones the user chooses. The estimate assumes an attacker with a copy of the
// phone's storage and many graphics cards, against PBKDF2 at 600,000 iterations.
import { normalisePassphrase } from "./crypto.js";
import { WORDS } from "./words.js";

export const GENERATED_WORDS = 6;
const GUESSES_PER_SECOND = 1e6;
const COMMON = new Set([
  "password", "passw0rd", "123456", "1234567", "12345678", "123456789", "1234567890", "qwerty",
  "qwertyuiop", "letmein", "iloveyou", "welcome", "monkey", "dragon", "football", "baseball",
  "sunshine", "princess", "abc123", "111111", "000000", "trustno1", "password1", "qwerty123",
]);

/** A passphrase of `count` random words (10 bits each, no bias). */
export function generate(count = GENERATED_WORDS) {
  const bits = Math.log2(WORDS.length);
  if (!Number.isInteger(bits)) throw new Error("the word list must have a power-of-two length");
  const picks = crypto.getRandomValues(new Uint16Array(count));
  return Array.from(picks, (n) => WORDS[n & (WORDS.length - 1)]).join(" ");
}

/**
 * @typedef {{ bits: number, level: "too-short" | "weak" | "fair" | "strong", ok: boolean, message: string }} Strength
 */

/**
 * Estimate how hard a chosen passphrase is to guess, and say it plainly.
 * @param {string} input
 * @returns {Strength}
 */
export function strength(input) {
  const text = normalisePassphrase(input);
  if (text.length < 10) {
    return { bits: 0, level: "too-short", ok: false, message: "Too short. Use at least 10 characters; four or more words is best." };
  }
  const lower = text.toLowerCase();
  if (COMMON.has(lower.replace(/\s/g, "")) || /^(.)\1+$/.test(lower.replace(/\s/g, ""))) {
    return { bits: 0, level: "weak", ok: false, message: "Weak: this is one of the first things anyone would try." };
  }
  const words = text.split(" ").filter((w) => w.length >= 3);
  // Words a person picks are far from random: count about 11 bits each.
  const wordBits = words.length >= 3 ? words.length * 11 : 0;
  let pool = 0;
  if (/[a-z]/.test(text)) pool += 26;
  if (/[A-Z]/.test(text)) pool += 26;
  if (/[0-9]/.test(text)) pool += 10;
  if (/[^a-zA-Z0-9]/.test(text)) pool += 33;
  const distinct = new Set(text).size;
  // Characters a person picks: count half of what random ones would give.
  const charBits = 0.5 * Math.min(text.length, distinct * 2) * Math.log2(Math.max(pool, 2));
  const bits = Math.round(Math.max(wordBits, charBits));
  const time = describeSeconds(2 ** bits / GUESSES_PER_SECOND);
  if (bits < 40) {
    return { bits, level: "weak", ok: false, message: `Weak: someone with a copy of this phone could guess it in ${time}. Add more words.` };
  }
  if (bits < 55) {
    return { bits, level: "fair", ok: true, message: `Fair: guessing it would take ${time}. More words would make it stronger.` };
  }
  return { bits, level: "strong", ok: true, message: `Strong: guessing it would take ${time}.` };
}

/** @param {number} seconds */
function describeSeconds(seconds) {
  const units = [
    ["year", 31_557_600],
    ["month", 2_629_800],
    ["day", 86_400],
    ["hour", 3_600],
    ["minute", 60],
  ];
  if (seconds > 1000 * 31_557_600) return "more than a thousand years";
  for (const [name, size] of units) {
    const n = Math.floor(seconds / /** @type {number} */ (size));
    if (n >= 1) return `about ${n} ${name}${n === 1 ? "" : "s"}`;
  }
  return "under a minute";
}
