// @ts-check
// A message, call or post, recorded the way the police ask for it: the app or site, the
// sender's account or number, the link, and when it was sent (not only when it was seen),
// with what to do before blocking or reporting. Shown in the incident form only while a
// kind that comes by phone or online is chosen (`model.ONLINE_KINDS`).
import { h } from "../dom.js";
import * as model from "../diary/model.js";
import { BEFORE_YOU_BLOCK } from "../help/guides.js";
import { field } from "./ui.js";

let counter = 0;

/**
 * The fields, filled from `online`. `show` says which kinds are chosen now; `read` gives what
 * the fields hold, or empty fields while no such kind is chosen (what was typed stays in the
 * controls, so choosing the kind again brings it back).
 * @param {model.Online} online
 * @param {string[]} behaviours  the kinds chosen when the form opens
 */
export function messagePart(online, behaviours) {
  const id = `before-block-${++counter}`;
  const $platform = h("input", { type: "text", value: online.platform, autocapitalize: "words" });
  const $sender = h("input", { type: "text", value: online.sender, autocapitalize: "none", autocorrect: "off", spellcheck: "false" });
  const $link = h("input", { type: "url", inputmode: "url", value: online.link, autocapitalize: "none", autocorrect: "off", spellcheck: "false" });
  const $date = h("input", { type: "date", value: online.sent.date });
  const $time = h("input", { type: "time", value: online.sent.time });
  const $el = h(
    "fieldset",
    { class: "stack message-fields" },
    h("legend", {}, "The message, call or post"),
    h("p", { class: "hint" }, "The police ask for these. \"When it happened\" above can be when you saw it."),
    field("App, site or service", $platform, "For example WhatsApp, Instagram, Facebook, a text, an email, a phone call."),
    field("Their account, username, number or email", $sender, "Exactly as it shows, for example @name or 07700 900123."),
    field("Link to the message, post or profile", $link, "Most apps can copy it: look for Share or Copy link."),
    h("div", { class: "pair" }, field("Date it was sent", $date), field("Time it was sent", $time)),
    h(
      "div",
      { class: "notice" },
      h("p", { id }, h("strong", {}, "Before you block or report them")),
      h("ol", { "aria-labelledby": id }, BEFORE_YOU_BLOCK.map((step) => h("li", {}, step))),
    ),
  );
  let shown = false;
  /** @param {string[]} chosen */
  const show = (chosen) => {
    shown = model.isOnline(chosen);
    $el.hidden = !shown;
  };
  show(behaviours);
  return {
    $el,
    show,
    /** @returns {model.Online} */
    read: () =>
      shown
        ? { platform: $platform.value, sender: $sender.value, link: $link.value.trim(), sent: { date: $date.value, time: $time.value } }
        : model.emptyIncident().online,
  };
}
