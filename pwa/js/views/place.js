// @ts-check
// Where an incident happened is what the person writes. The phone's position is something
// else: where the phone is at the moment "I am there now" is pressed. It is kept apart, with
// the time it was taken, so an entry written at home about yesterday never carries the
// home's coordinates unless the person asked for them, and a report never passes the
// phone's position off as the place.
import { h } from "../dom.js";
import { longDateTime } from "./format.js";
import { button } from "./ui.js";

/** @typedef {import("../diary/model.js").PhonePosition} PhonePosition */

const ASK = { enableHighAccuracy: true, timeout: 20_000, maximumAge: 0 };

/** "within about 12 m" / "within about 2 km". @param {number} metres */
const within = (metres) => (metres >= 1000 ? `within about ${Math.round(metres / 1000)} km` : `within about ${Math.round(metres)} m`);

/** The coordinates as read aloud and printed: "55.95330, -3.18830 (within about 12 m)". @param {PhonePosition} p */
const coordinates = (p) => `${p.latitude.toFixed(5)}, ${p.longitude.toFixed(5)} (${within(p.accuracy)})`;

/**
 * Where the phone was, for the incident page and the report. Entries from before the time
 * was kept say so instead of a time.
 * @param {PhonePosition} p
 */
export function phoneWas(p) {
  const when = typeof p.at === "number" ? `at ${longDateTime(p.at)}` : "while this entry was being written (the time was not noted)";
  return `${coordinates(p)}, recorded by the phone ${when}`;
}

/**
 * The "I am there now" control: a button, what it does in one line, and its messages right
 * beside it (a live region), with a way to remove what it recorded before saving.
 * @param {{ position: PhonePosition | null, keptBefore: boolean, onChange: () => void }} options
 *   keptBefore: an earlier saved version of this entry has a position (its history keeps it)
 */
export function hereNow({ position, keptBefore, onChange }) {
  let current = position;
  const $about = h("span", { class: "hint", id: "here-now-hint" }, "Only if you are at the place now: this records where this phone is at this moment, not where it was earlier.");
  const $status = h("p", { class: "here-now-status", "aria-live": "polite" });
  /** @param {string} text @param {boolean} [problem] */
  const say = (text, problem = false) => {
    $status.textContent = text;
    $status.classList.toggle("error", problem);
    // The message belongs with the button: keep both in sight on a small screen.
    $status.scrollIntoView?.({ block: "nearest" });
  };
  // "I am there now" stays: pressing it again replaces the position (focus never lost).
  const show = () => {
    $remove.hidden = !current;
  };
  const $here = button("I am there now", async () => {
    if (!navigator.geolocation) {
      say("This phone cannot tell where it is, so nothing was recorded. What you write above is enough.", true);
      return;
    }
    $here.disabled = true;
    $here.setAttribute("aria-busy", "true");
    say("Finding where this phone is now… This can take up to 20 seconds.");
    try {
      const found = /** @type {GeolocationPosition} */ (
        await new Promise((resolve, reject) => navigator.geolocation.getCurrentPosition(resolve, reject, ASK))
      );
      if (!$status.isConnected) return; // the form was left meanwhile (quick exit, lock)
      const { latitude, longitude, accuracy } = found.coords;
      // The time it was recorded (maximumAge 0 asks for a fresh fix; some browsers stamp
      // an emulated or cached one with an older time).
      const at = Date.now();
      current = { latitude, longitude, accuracy, at };
      say(`Recorded where this phone is now: ${coordinates(current)}, at ${longDateTime(at)}. If that is not where it happened, remove it before saving: once saved, it stays in this entry's history.`);
      onChange();
    } catch (error) {
      if (!$status.isConnected) return;
      const denied = /** @type {GeolocationPositionError} */ (error).code === 1;
      say(
        denied
          ? "This phone is not allowing its location to be used, so nothing was recorded. What you write above is enough. (You can allow it in the browser's settings for this site.)"
          : "This phone could not find where it is just now, so nothing was recorded. What you write above is enough, or try again in a moment.",
        true,
      );
    } finally {
      $here.disabled = false;
      $here.removeAttribute("aria-busy");
      show();
    }
  }, "button secondary");
  $here.setAttribute("aria-describedby", "here-now-hint");
  const $remove = button("Remove where the phone was", () => {
    current = null;
    show();
    $here.focus();
    say(keptBefore
      ? "Removed from this version. The versions saved before keep what they recorded."
      : "Removed. Only what you write above will be saved.");
    onChange();
  }, "button secondary");
  if (current) $status.textContent = `Recorded where this phone was: ${phoneWas(current)}.`;
  show();
  return {
    $el: h("div", { class: "here-now stack" }, $about, h("div", { class: "row-buttons" }, $here, $remove), $status),
    /** What will be saved: where the phone was, or null. */
    value: () => current,
  };
}
