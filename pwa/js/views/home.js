// @ts-check
// The unlocked diary's first screen. The diary itself (logging, timeline) builds on this.
import { h } from "../dom.js";
import { button } from "./ui.js";

/** @param {{ onSettings: () => void, onLock: () => void }} actions */
export function home({ onSettings, onLock }) {
  return {
    title: "Your diary",
    render() {
      return h(
        "section",
        { class: "stack" },
        h("h1", {}, "Your diary"),
        h("p", { role: "status" }, "Your diary is unlocked. Everything in it is encrypted on this phone."),
        button("Settings", onSettings, "button block secondary"),
        button("Lock now", onLock, "button block"),
      );
    },
  };
}
