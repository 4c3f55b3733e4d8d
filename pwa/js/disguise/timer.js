// @ts-check
// The timer disguise: type the time like on a microwave (digits fill from the right:
// 130 is 1:30, 12000 is 1:20:00), then Start. Its secret entry is the code typed as the
// time and then Start; a wrong code simply starts a timer. The code as the time and then
// "Clear" is the second way in (to keep something without unlocking); a wrong one is cleared.
import { h } from "../dom.js";
import { isCode } from "./prefs.js";

/** Digits → seconds, e.g. "130" → 90, "12000" → 4800. @param {string} digits */
export function secondsOf(digits) {
  const padded = digits.padStart(6, "0").slice(-6);
  const [hh, mm, ss] = [padded.slice(0, 2), padded.slice(2, 4), padded.slice(4, 6)].map(Number);
  return hh * 3600 + mm * 60 + ss;
}

/** @param {number} seconds */
export function clock(seconds) {
  const s = Math.max(0, Math.ceil(seconds));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  const two = (/** @type {number} */ n) => String(n).padStart(2, "0");
  return hh ? `${hh}:${two(mm)}:${two(ss)}` : `${mm}:${two(ss)}`;
}

/** @param {(code: string, way?: "capture") => void} entry */
export function timer(entry) {
  /** @type {ReturnType<typeof setInterval> | undefined} */
  let ticking;
  let endsAt = 0;

  const stop = () => {
    clearInterval(ticking);
    ticking = undefined;
  };

  return {
    title: "Timer",
    render() {
      const $time = h("input", { class: "input timer-input", id: "timer-time", name: "time", inputmode: "numeric", autocomplete: "off", enterkeyhint: "go", maxlength: 6, placeholder: "000" });
      const $shown = h("p", { class: "timer-clock", role: "timer", "aria-live": "off" }, "0:00");
      const $status = h("p", { class: "timer-status", role: "status" });
      const $start = h("button", { type: "submit", class: "button block disguise-action" }, "Start");
      const $stop = h("button", { type: "button", class: "button block secondary", hidden: true }, "Stop");
      const $clear = h("button", { type: "button", class: "button block secondary" }, "Clear");
      $time.addEventListener("input", () => {
        $time.value = $time.value.replace(/[^0-9]/g, "").slice(0, 6);
        if (!ticking) $shown.textContent = clock(secondsOf($time.value));
      });
      const tick = () => {
        const left = (endsAt - Date.now()) / 1000;
        $shown.textContent = clock(left);
        if (left <= 0) {
          stop();
          $stop.hidden = true;
          $start.hidden = false;
          $status.textContent = "Time's up.";
          beep();
        }
      };
      $clear.addEventListener("click", () => {
        const typed = $time.value;
        $time.value = "";
        if (!ticking) $shown.textContent = clock(0);
        if (isCode(typed)) entry(typed, "capture");
      });
      $stop.addEventListener("click", () => {
        stop();
        $stop.hidden = true;
        $start.hidden = false;
        $status.textContent = "Stopped.";
      });
      const $form = h("form", { class: "stack", novalidate: true },
        h("div", { class: "field" }, h("label", { for: "timer-time" }, "Time: type the digits, like 130 for 1:30"), $time),
        $start,
        $clear,
      );
      $form.addEventListener("submit", (event) => {
        event.preventDefault();
        const typed = $time.value;
        const seconds = secondsOf(typed);
        if (seconds > 0) {
          endsAt = Date.now() + seconds * 1000;
          stop();
          ticking = setInterval(tick, 250);
          tick();
          $start.hidden = true;
          $stop.hidden = false;
          $status.textContent = "Started.";
        }
        if (isCode(typed)) entry(typed);
      });
      return h("section", { class: "disguise timer" }, h("h1", { class: "disguise-title" }, "Timer"), $shown, $form, $stop, $status);
    },
    leave: stop,
  };
}

/** A short tone through Web Audio (no sound file, nothing fetched). */
function beep() {
  try {
    const audio = new AudioContext();
    const tone = audio.createOscillator();
    tone.frequency.value = 880;
    tone.connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.6);
    tone.onended = () => void audio.close();
  } catch {
    // No sound available: the screen already says so.
  }
  navigator.vibrate?.([200, 100, 200]);
}
