// @ts-check
// The calculator disguise: a real calculator (× and ÷ before + and −, like a phone's).
// Its secret entry is the code typed on its own and then "=": the display shows the number,
// as any calculator would, and the code is checked quietly. The code then "×" is the second
// way in (to keep something without unlocking); a wrong one simply multiplies.
import { h } from "../dom.js";
import { isCode } from "./prefs.js";

const OPS = { "+": 1, "−": 1, "×": 2, "÷": 2 };
const MAX_DIGITS = 15;
// The smaller font sizes a long result may step down through (base.css).
const SIZES = 4;

// Phones' calculators count in decimal, not in binary fractions: 0.1 + 0.2 is 0.3 and
// 123456789012345 + 1 keeps every digit. So does this one: a number is held exactly as
// digits × 10^power, and rounded to KEEP significant digits between steps (as IEEE decimal128).
const KEEP = 34;
// Beyond 10^999 is an overflow ("Error"); below 10^-999, zero.
const LIMIT = 999;

/** @typedef {{ n: bigint, e: number }} Decimal  the number n × 10^e */

/** @param {bigint} n */
const length = (n) => (n < 0n ? -n : n).toString().length;
/** The power of ten of a number's first digit: 2 for 123, -2 for 0.0123. @param {Decimal} d */
const magnitude = (d) => length(d.n) - 1 + d.e;

/** @param {Decimal} d @returns {Decimal | null} */
function tidy({ n, e }) {
  if (n === 0n) return { n, e: 0 };
  while (n % 10n === 0n) {
    n /= 10n;
    e += 1;
  }
  const m = length(n) - 1 + e;
  return m > LIMIT ? null : m < -LIMIT ? { n: 0n, e: 0 } : { n, e };
}

/** Round to a multiple of 10^at, halves away from zero. @param {Decimal} d @param {number} at */
function roundAt(d, at) {
  if (d.e >= at) return d;
  const p = 10n ** BigInt(at - d.e);
  const size = d.n < 0n ? -d.n : d.n;
  const q = size / p + ((size % p) * 2n >= p ? 1n : 0n);
  return /** @type {Decimal} */ (tidy({ n: d.n < 0n ? -q : q, e: at }));
}

/** @param {Decimal} d @param {number} digits */
const roundTo = (d, digits) => roundAt(d, d.e + Math.max(0, length(d.n) - digits));

/** A number as typed or shown ("12", "-0.5", "0.", "1.2e17"); null if it is none. @param {string} text */
export function decimal(text) {
  const m = /^(-?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i.exec(text.trim());
  if (!m || !(m[2] || m[3])) return null;
  const fraction = m[3] || "";
  return tidy({ n: BigInt(`${m[1]}${m[2] || "0"}${fraction}`), e: Number(m[4] || 0) - fraction.length });
}

/** One step of arithmetic, exact to KEEP significant digits; null for ÷ 0 or an overflow.
 * @param {Decimal} a @param {string} op @param {Decimal} b @returns {Decimal | null} */
function step(a, op, b) {
  if (op === "×") return tidy(roundTo({ n: a.n * b.n, e: a.e + b.e }, KEEP));
  if (op === "÷") {
    if (b.n === 0n) return null;
    // Enough digits for KEEP significant ones and a little over, then rounded.
    const shift = Math.max(0, KEEP + 2 + length(b.n) - length(a.n));
    return tidy(roundTo({ n: (a.n * 10n ** BigInt(shift)) / b.n, e: a.e - b.e - shift }, KEEP));
  }
  const e = Math.min(a.e, b.e);
  const x = a.n * 10n ** BigInt(a.e - e);
  const y = b.n * 10n ** BigInt(b.e - e);
  return tidy(roundTo({ n: op === "+" ? x + y : x - y, e }, KEEP));
}

/**
 * Work out an expression of numbers and + − × ÷ (already split into tokens).
 * @param {string[]} tokens e.g. ["2", "+", "3", "×", "4"]
 * @returns {Decimal | null} null when it cannot be worked out (÷ 0, an overflow)
 */
export function evaluate(tokens) {
  /** @type {(Decimal | null)[]} */
  const values = [];
  /** @type {string[]} */
  const ops = [];
  const apply = () => {
    const b = values.pop();
    const a = values.pop();
    const op = /** @type {string} */ (ops.pop());
    values.push(a && b ? step(a, op, b) : null);
  };
  for (const token of tokens) {
    if (token in OPS) {
      while (ops.length && OPS[/** @type {keyof typeof OPS} */ (ops[ops.length - 1])] >= OPS[/** @type {keyof typeof OPS} */ (token)]) apply();
      ops.push(token);
    } else {
      values.push(decimal(token));
    }
  }
  while (ops.length) apply();
  return values.length ? values[0] : { n: 0n, e: 0 };
}

const ONE = { n: 1n, e: 0 };

/** What the % key makes of `b` after `a` +: a × b ÷ 100. @param {Decimal | null} a @param {Decimal | null} b */
function percent(a, b) {
  const product = a && b && step(a, "×", b);
  return product && step(product, "÷", { n: 100n, e: 0 });
}

/** @param {Decimal} d e.g. "-0.025" */
function plain({ n, e }) {
  const sign = n < 0n ? "-" : "";
  const digits = (n < 0n ? -n : n).toString();
  if (e >= 0) return sign + digits + "0".repeat(e);
  const whole = digits.padStart(1 - e, "0");
  return `${sign}${whole.slice(0, e)}.${whole.slice(e)}`;
}

// What Android's calculators (Google's and Samsung's) show plainly: up to 15 digits, and
// a fraction down to 0.000000001 — never an exponent before that. A result rounds to the
// 15 digits that fit (0.333333333333333); past those it is shown as 1.23456789012e15.
const SHOWN = 15;
const SMALLEST = -9;

/**
 * Show a result the way a phone's calculator does: no float noise, "Error" for ÷ 0.
 * A plain JS number (the converter's) is first rounded to 12 significant digits, which
 * drops binary noise such as 0.30000000000000004.
 * @param {Decimal | number | null} value
 */
export function display(value) {
  if (typeof value === "number") {
    const exact = Number.isFinite(value) ? decimal(String(value)) : null;
    value = exact && roundTo(exact, 12);
  }
  if (!value) return "Error";
  if (value.n === 0n) return "0";
  const m = magnitude(value);
  if (m >= SMALLEST && m < SHOWN) {
    const rounded = roundAt(value, Math.max(m, -1) - (SHOWN - 1));
    if (magnitude(rounded) < SHOWN) return plain(rounded);
  }
  const short = roundTo(value, 12);
  const power = magnitude(short);
  return `${plain({ n: short.n, e: short.e - power })}e${power}`;
}

/** @param {(code: string, way?: "capture") => void} entry */
export function calculator(entry) {
  /** @type {string[]} */
  let tokens = [];
  let current = "";
  // The keys pressed for the number being typed, as typed: "0427" shows as 427, but a
  // code may start with 0.
  let typed = "";
  let justEvaluated = false;
  // What "=" does again straight after "=": the last operation, e.g. ["+", "3"] (2 + 3 = = = is 11).
  /** @type {string[] | null} */
  let again = null;
  /** @type {HTMLOutputElement} */
  let $display;
  /** @type {HTMLElement} */
  let $expression;

  const expressionText = () => [...tokens, current].join(" ");
  const shown = () => current || tokens.filter((t) => !(t in OPS)).at(-1) || "0";
  /** @param {string} text */
  const show = (text) => {
    $display.value = text;
    // A long number never wraps: the font steps down until it fits, as on a phone.
    let size = 0;
    $display.dataset.size = "0";
    while ($display.scrollWidth > $display.clientWidth && size < SIZES) $display.dataset.size = String(++size);
  };
  const refresh = (text = shown()) => {
    $expression.textContent = expressionText();
    show(text);
  };

  /** @param {string} key */
  const press = (key) => {
    if (/^[0-9]$/.test(key)) {
      if (justEvaluated) clear();
      if (current.replace(/[-.]/g, "").length >= MAX_DIGITS) return;
      current = current === "0" ? key : current + key;
      typed += key;
    } else if (key === ".") {
      if (justEvaluated) clear();
      if (!current.includes(".")) current = (current || "0") + ".";
      typed += key;
    } else if (key in OPS) {
      // The second way in: a code typed on its own, then "×" (it multiplies all the same).
      const code = key === "×" && !tokens.length && !justEvaluated ? typed : "";
      justEvaluated = false;
      typed = "";
      if (current) {
        tokens.push(current);
        current = "";
      }
      if (!tokens.length) tokens.push("0");
      if (tokens[tokens.length - 1] in OPS) tokens[tokens.length - 1] = key;
      else tokens.push(key);
      if (isCode(code)) {
        refresh();
        return entry(code, "capture");
      }
    } else if (key === "±") {
      if (current) current = current.startsWith("-") ? current.slice(1) : "-" + current;
      typed += key;
    } else if (key === "%") {
      // As phone calculators do: 200 + 10 % is 200 + 20; on its own, 10 % is 0.1.
      const op = tokens[tokens.length - 1];
      const base = (op === "+" || op === "−") && tokens.length > 1 ? evaluate(tokens.slice(0, -1)) : ONE;
      if (current) current = display(percent(base, decimal(current)));
      typed += key;
    } else if (key === "⌫") {
      if (justEvaluated) return clear();
      current = current.slice(0, -1);
      typed = typed.slice(0, -1);
      if (current === "-") current = "";
    } else if (key === "C") {
      return clear();
    } else if (key === "=") {
      return equals();
    }
    refresh();
  };

  const clear = () => {
    tokens = [];
    current = "";
    typed = "";
    justEvaluated = false;
    again = null;
    refresh("0");
  };

  const equals = () => {
    const all = [...tokens, current].filter(Boolean);
    // As on a phone: "=" again repeats the last operation, and a missing number is the one
    // shown (10 − = is 0; 10 × = is 100).
    if (justEvaluated && again && all.length === 1) all.push(...again);
    else if (all.length && all[all.length - 1] in OPS) all.push(shown());
    if (!all.length) return;
    const code = all.length === 1 ? typed : "";
    const result = display(evaluate(all));
    again = all.length > 1 ? all.slice(-2) : null;
    $expression.textContent = all.join(" ") + " =";
    show(result);
    tokens = [];
    current = result === "Error" ? "" : result;
    typed = "";
    justEvaluated = true;
    // The secret entry: a code on its own, then "=". The display already shows the number.
    if (isCode(code)) entry(code);
  };

  /** @param {KeyboardEvent} event */
  const onKey = (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    /** @type {Record<string, string | undefined>} */
    const map = { "*": "×", x: "×", "/": "÷", "-": "−", Enter: "=", Backspace: "⌫", Escape: "C", Delete: "C", ",": "." };
    const key = map[event.key] ?? event.key;
    if (!/^[0-9.=%C⌫+−×÷]$/.test(key)) return;
    const target = /** @type {HTMLElement} */ (event.target);
    if (target.closest && target.closest("input, textarea, select")) return;
    event.preventDefault();
    press(key);
  };

  const KEYS = [
    ["C", "fn", "Clear"], ["±", "fn", "Plus or minus"], ["%", "fn", "Percent"], ["÷", "op", "Divide"],
    ["7"], ["8"], ["9"], ["×", "op", "Multiply"],
    ["4"], ["5"], ["6"], ["−", "op", "Minus"],
    ["1"], ["2"], ["3"], ["+", "op", "Plus"],
    ["0"], ["."  , "", "Point"], ["⌫", "fn", "Delete"], ["=", "eq", "Equals"],
  ];

  return {
    title: "Calculator",
    render() {
      $expression = h("p", { class: "calc-expression", "aria-hidden": "true" });
      $display = h("output", { class: "calc-display", "aria-live": "polite", "aria-label": "Result" }, "0");
      const $keys = h(
        "div",
        { class: "calc-keys" },
        KEYS.map(([key, kind = "", label]) =>
          h("button", { type: "button", class: `calc-key ${kind}`, "data-key": key, "aria-label": label || null, onclick: () => press(key) }, key),
        ),
      );
      document.addEventListener("keydown", onKey);
      const $root = h("section", { class: "disguise calc" }, h("h1", { class: "visually-hidden" }, "Calculator"), $expression, $display, $keys);
      clear();
      return $root;
    },
    leave() {
      document.removeEventListener("keydown", onKey);
    },
  };
}
