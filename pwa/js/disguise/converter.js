// @ts-check
// The unit converter disguise: length, weight, temperature, volume and speed, converted
// as the number is typed. Its secret entry is the code typed as the amount and then
// "Convert" (or Enter); a wrong code is converted like any other number. The code as the
// amount and then "Swap" is the second way in (to keep something without unlocking); a wrong
// one simply swaps the units.
import { h } from "../dom.js";
import { isCode } from "./prefs.js";
import { display } from "./calculator.js";

/** @typedef {"Length" | "Weight" | "Volume" | "Speed" | "Temperature"} Kind */
/** @typedef {[label: string, factor: number, symbol: string]} Unit */

/**
 * Each unit as [label, factor to the base unit, symbol] (temperature is handled apart).
 * @type {Record<Kind, Unit[]>}
 */
export const UNITS = {
  Length: [["Millimetres", 0.001, "mm"], ["Centimetres", 0.01, "cm"], ["Metres", 1, "m"], ["Kilometres", 1000, "km"], ["Inches", 0.0254, "in"], ["Feet", 0.3048, "ft"], ["Yards", 0.9144, "yd"], ["Miles", 1609.344, "mi"]],
  Weight: [["Grams", 1, "g"], ["Kilograms", 1000, "kg"], ["Ounces", 28.349523125, "oz"], ["Pounds", 453.59237, "lb"], ["Stones", 6350.29318, "st"]],
  Volume: [["Millilitres", 0.001, "ml"], ["Litres", 1, "l"], ["Teaspoons", 0.00591939, "tsp"], ["Tablespoons", 0.0177582, "tbsp"], ["Cups", 0.284131, "cups"], ["Pints", 0.56826125, "pt"], ["Gallons", 4.54609, "gal"]],
  Speed: [["Metres a second", 1, "m/s"], ["Kilometres an hour", 1 / 3.6, "km/h"], ["Miles an hour", 0.44704, "mph"], ["Knots", 0.514444, "kn"]],
  Temperature: [["Celsius", 0, "°C"], ["Fahrenheit", 0, "°F"], ["Kelvin", 0, "K"]],
};

/** @param {Kind} kind @param {string} label */
const symbol = (kind, label) => UNITS[kind].find(([l]) => l === label)?.[2] ?? label;

/** @param {number} value @param {string} from @param {string} to */
function temperature(value, from, to) {
  const c = from === "Fahrenheit" ? ((value - 32) * 5) / 9 : from === "Kelvin" ? value - 273.15 : value;
  return to === "Fahrenheit" ? (c * 9) / 5 + 32 : to === "Kelvin" ? c + 273.15 : c;
}

/**
 * Convert `value` between two units of one kind.
 * @param {Kind} kind @param {number} value @param {string} from @param {string} to
 */
export function convert(kind, value, from, to) {
  if (kind === "Temperature") return temperature(value, from, to);
  const units = new Map(UNITS[kind].map(([label, factor]) => [label, factor]));
  return (value * /** @type {number} */ (units.get(from))) / /** @type {number} */ (units.get(to));
}

/** @param {(code: string, way?: "capture") => void} entry */
export function converter(entry) {
  return {
    title: "Converter",
    render() {
      const $kind = h("select", { class: "input", name: "kind", id: "conv-kind" }, Object.keys(UNITS).map((k) => h("option", { value: k }, k)));
      const $amount = h("input", { class: "input", name: "amount", id: "conv-amount", inputmode: "decimal", autocomplete: "off", enterkeyhint: "go", value: "1" });
      const $from = h("select", { class: "input", name: "from", id: "conv-from" });
      const $to = h("select", { class: "input", name: "to", id: "conv-to" });
      const $result = h("output", { class: "conv-result", for: "conv-amount conv-from conv-to", "aria-live": "polite" });
      const units = () => {
        const list = UNITS[/** @type {Kind} */ ($kind.value)].map(([label]) => label);
        $from.replaceChildren(...list.map((u) => h("option", { value: u }, u)));
        $to.replaceChildren(...list.map((u) => h("option", { value: u }, u)));
        $to.value = list[1];
        update();
      };
      const update = () => {
        const text = $amount.value.trim().replace(",", ".");
        const value = Number(text);
        if (!text || !Number.isFinite(value)) {
          $result.textContent = text ? "Type a number" : "";
          return;
        }
        const kind = /** @type {Kind} */ ($kind.value);
        const out = convert(kind, value, $from.value, $to.value);
        $result.textContent = `${display(value)} ${symbol(kind, $from.value)} = ${display(out)} ${symbol(kind, $to.value)}`;
      };
      $kind.addEventListener("change", units);
      for (const $el of [$amount, $from, $to]) $el.addEventListener("input", update);
      const $swap = h("button", { type: "button", class: "button secondary", onclick: () => {
        [$from.value, $to.value] = [$to.value, $from.value];
        update();
        const typed = $amount.value.trim();
        if (isCode(typed)) entry(typed, "capture");
      } }, "Swap");
      const $form = h(
        "form",
        { class: "stack", novalidate: true },
        label("What to convert", $kind),
        label("Amount", $amount),
        label("From", $from),
        label("To", $to),
        $swap,
        h("button", { type: "submit", class: "button block disguise-action" }, "Convert"),
        $result,
      );
      $form.addEventListener("submit", (event) => {
        event.preventDefault();
        update();
        const typed = $amount.value.trim();
        if (isCode(typed)) entry(typed);
      });
      units();
      return h("section", { class: "disguise converter" }, h("h1", { class: "disguise-title" }, "Converter"), $form);
    },
  };
}

/** @param {string} text @param {HTMLElement} control */
function label(text, control) {
  return h("div", { class: "field" }, h("label", { for: control.id }, text), control);
}
