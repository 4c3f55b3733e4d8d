// @ts-check
// The calculator disguise: a real calculator (× and ÷ before + and −, like a phone's).
// Its secret entry is the code typed on its own and then "=": the display shows the number,
// as any calculator would, and the code is checked quietly.
import { h } from "../dom.js";
import { isCode } from "./prefs.js";

const OPS = { "+": 1, "−": 1, "×": 2, "÷": 2 };
const MAX_DIGITS = 15;

/**
 * Work out an expression of numbers and + − × ÷ (already split into tokens).
 * @param {string[]} tokens e.g. ["2", "+", "3", "×", "4"]
 * @returns {number}
 */
export function evaluate(tokens) {
  /** @type {number[]} */
  const values = [];
  /** @type {string[]} */
  const ops = [];
  const apply = () => {
    const b = /** @type {number} */ (values.pop());
    const a = /** @type {number} */ (values.pop());
    const op = ops.pop();
    values.push(op === "+" ? a + b : op === "−" ? a - b : op === "×" ? a * b : a / b);
  };
  for (const token of tokens) {
    if (token in OPS) {
      while (ops.length && OPS[/** @type {keyof typeof OPS} */ (ops[ops.length - 1])] >= OPS[/** @type {keyof typeof OPS} */ (token)]) apply();
      ops.push(token);
    } else {
      values.push(Number(token));
    }
  }
  while (ops.length) apply();
  return values[0] ?? 0;
}

/** Show a result the way a calculator does: no float noise, "Error" for ÷ 0. @param {number} n */
export function display(n) {
  if (!Number.isFinite(n)) return "Error";
  const rounded = Number.parseFloat(n.toPrecision(12));
  const text = String(rounded);
  return text.length > MAX_DIGITS ? rounded.toExponential(8).replace(/\.?0+e/, "e") : text;
}

/** @param {(code: string) => void} entry */
export function calculator(entry) {
  /** @type {string[]} */
  let tokens = [];
  let current = "";
  // The keys pressed for the number being typed, as typed: "0427" shows as 427, but a
  // code may start with 0.
  let typed = "";
  let justEvaluated = false;
  /** @type {HTMLOutputElement} */
  let $display;
  /** @type {HTMLElement} */
  let $expression;

  const expressionText = () => [...tokens, current].join(" ");
  const refresh = (shown = current || tokens.filter((t) => !(t in OPS)).at(-1) || "0") => {
    $expression.textContent = expressionText();
    $display.value = shown;
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
      justEvaluated = false;
      typed = "";
      if (current) {
        tokens.push(current);
        current = "";
      }
      if (!tokens.length) tokens.push("0");
      if (tokens[tokens.length - 1] in OPS) tokens[tokens.length - 1] = key;
      else tokens.push(key);
    } else if (key === "±") {
      if (current) current = current.startsWith("-") ? current.slice(1) : "-" + current;
      typed += key;
    } else if (key === "%") {
      // As phone calculators do: 200 + 10 % is 200 + 20; on its own, 10 % is 0.1.
      const op = tokens[tokens.length - 1];
      const base = (op === "+" || op === "−") && tokens.length > 1 ? evaluate(tokens.slice(0, -1)) : 1;
      if (current) current = display((base * Number(current)) / 100);
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
    refresh("0");
  };

  const equals = () => {
    const all = [...tokens, current].filter(Boolean);
    if (all.length && all[all.length - 1] in OPS) all.pop();
    if (!all.length) return;
    const code = all.length === 1 ? typed : "";
    const result = display(evaluate(all));
    $expression.textContent = all.join(" ") + " =";
    $display.value = result;
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
