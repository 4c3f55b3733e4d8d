// @ts-check
import { h } from "/js/dom.js";
import { equal, ok } from "./assert.js";

export function testTextIsNeverParsedAsMarkup() {
  const el = h("p", {}, "<img src=x onerror=alert(1)>");
  equal(el.children.length, 0);
  equal(el.textContent, "<img src=x onerror=alert(1)>");
}

export function testAttributesListenersAndNestedChildren() {
  let clicked = 0;
  const el = h("button", { type: "button", class: "button", disabled: false, onclick: () => clicked++ }, [
    "a",
    ["b", null, false],
    h("span", {}, 1),
  ]);
  equal(el.className, "button");
  ok(!el.hasAttribute("disabled"));
  equal(el.textContent, "ab1");
  el.click();
  equal(clicked, 1);
}
