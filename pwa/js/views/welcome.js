// @ts-check
import { h } from "../dom.js";

/** @type {import("../router.js").View} */
export const welcome = {
  title: "Cairn",
  render() {
    return h(
      "section",
      { class: "stack", "aria-labelledby": "welcome-title" },
      h("h1", { id: "welcome-title" }, "Cairn"),
      h(
        "p",
        { class: "lead" },
        "A private diary for keeping a record of what is happening to you, kept encrypted on this phone.",
      ),
      h("p", {}, "It works without a connection once it has loaded."),
    );
  },
};
