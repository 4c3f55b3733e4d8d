// @ts-check
// The "Record audio" button: a visible timer while recording, and Stop.
import { announce, h } from "../dom.js";
import { recordAudio } from "../diary/recorder.js";
import { button } from "./ui.js";

/**
 * @param {{ onAdded: (item: any) => void, onError: (error: Error) => void }} options
 */
export function recordAudioButton({ onAdded, onError }) {
  const $timer = h("span", { class: "record-clock", role: "timer", "aria-live": "off" }, "0:00");
  /** @type {Awaited<ReturnType<typeof recordAudio>> | null} */
  let recording = null;
  /** @type {ReturnType<typeof setInterval> | undefined} */
  let ticking;
  const $button = button("Record audio", async () => {
    if (recording) {
      const current = recording;
      recording = null;
      clearInterval(ticking);
      $button.disabled = true;
      $button.textContent = "Saving the recording…";
      try {
        onAdded(await current.stop());
      } catch (error) {
        onError(/** @type {Error} */ (error));
      } finally {
        $button.disabled = false;
        $button.textContent = "Record audio";
        $button.classList.remove("recording");
        $timer.hidden = true;
      }
      return;
    }
    try {
      recording = await recordAudio();
    } catch (error) {
      onError(/** @type {Error} */ (error));
      return;
    }
    $button.textContent = "Stop recording";
    $button.classList.add("recording");
    $timer.hidden = false;
    $timer.textContent = "0:00";
    announce("Recording.");
    ticking = setInterval(() => {
      if (!recording || !$timer.isConnected) return clearInterval(ticking);
      const s = recording.seconds();
      $timer.textContent = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
    }, 250);
  }, "button secondary");
  $timer.hidden = true;
  return Object.assign(h("span", { class: "recorder" }, $button, $timer), {
    /** Stop a recording under way (the form is being left); resolves with what was stored. */
    async finish() {
      if (!recording) return null;
      const current = recording;
      recording = null;
      clearInterval(ticking);
      return current.stop().catch(() => null);
    },
  });
}
