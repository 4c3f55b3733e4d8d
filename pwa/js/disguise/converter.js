// @ts-check
// The unit converter disguise: length, weight, temperature, volume and speed, converted
// as the number is typed. Its secret entry is the code typed as the amount and then
// "Convert" (or Enter); a wrong code is converted like any other number.
import { h } from "../dom.js";
import { display } from "./calculator.js";

/** Each unit as [label, factor to the base unit] (temperature is handled apart). */
export const UNITS = {
  Length: [["Millimetres", 0.001], ["Centimetres", 0.01], ["Metres", 1], ["Kilometres", 1000], ["Inches", 0.0254], ["Feet", 0.3048], ["Yards", 0.9144], ["Miles", 1609.344]],
  Weight: [["Grams", 1], ["Kilograms", 1000], ["Ounces", 28.349523125], ["Pounds", 453.59237], ["Stones", 6350.29318]],
  Volume: [["Millilitres", 0.001], ["Litres", 1], ["Teaspoons", 0.00591939], ["Tablespoons", 0.0177582], ["Cups", 0.284131], ["Pints", 0.56826125], ["Gallons", 4.54609]],
  Speed: [["Metres a second", 1], ["Kilometres an hour", 1 / 3.6], ["Miles an hour", 0.44704], ["Knots", 0.514444]],
  Temperature: [["Celsius", 0], ["Fahrenheit", 0], ["Kelvin", 0]],
};

/** @param {number} value @param {string} from @param {string} to */
function temperature(value, from, to) {
  const c = from === "Fahrenheit" ? ((value - 32) * 5) / 9 : from === "Kelvin" ? value - 273.15 : value;
  return to === "Fahrenheit" ? (c * 9) / 5 + 32 : to === "Kelvin" ? c + 273.15 : c;
}

/**
 * Convert `value` between two units of one kind.
 * @param {keyof UNITS} kind @param {number} value @param {string} from @param {string} to
 */
export function convert(kind, value, from, to) {
  if (kind === "Temperature") return temperature(value, from, to);
  const units = new Map(UNITS[kind].map(([label, factor]) => [String(label), Number(factor)]));
  return (value * /** @type {number} */ (units.get(from))) / /** @type {number} */ (units.get(to));
}

/** @param {(code: string) => void} entry */
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
        const list = UNITS[/** @type {keyof UNITS} */ ($kind.value)].map(([label]) => String(label));
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
        const out = convert(/** @type {keyof UNITS} */ ($kind.value), value, $from.value, $to.value);
        $result.textContent = `${display(value)} ${$from.value.toLowerCase()} = ${display(out)} ${$to.value.toLowerCase()}`;
      };
      $kind.addEventListener("change", units);
      for (const $el of [$amount, $from, $to]) $el.addEventListener("input", update);
      const $swap = h("button", { type: "button", class: "button secondary", onclick: () => {
        [$from.value, $to.value] = [$to.value, $from.value];
        update();
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
        if (/^[0-9]{4,6}$/.test(typed)) entry(typed);
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
