// @ts-check
// Record audio inside the app. What the microphone gives is encrypted as it arrives: the
// recorder's pieces flow straight into the vault, never collected in memory first.
import { PlainError } from "../errors.js";
import { holdDuring } from "../vault/lock.js";
import { onLock } from "../vault/keys.js";
import { store } from "./evidence.js";

/** Raised when the microphone cannot be used. */
export class NoMicrophoneError extends PlainError {
  constructor() {
    super("The microphone could not be used. Check that this app may use it in the phone's settings.");
    this.name = "NoMicrophoneError";
  }
}

const TYPES = ["audio/webm;codecs=opus", "audio/mp4", "audio/ogg;codecs=opus", "audio/webm"];

/**
 * Start recording. Returns controls: `stop()` resolves with the stored evidence; `seconds()`
 * says how long it has run. If the vault locks while recording, the recording is dropped.
 */
export async function recordAudio() {
  let media;
  try {
    media = await navigator.mediaDevices.getUserMedia({ audio: true });
  } catch {
    throw new NoMicrophoneError();
  }
  const mimeType = TYPES.find((t) => MediaRecorder.isTypeSupported(t)) || "";
  const recorder = new MediaRecorder(media, mimeType ? { mimeType } : {});
  const type = (recorder.mimeType || mimeType || "audio/webm").split(";")[0];
  /** @type {ReadableStreamDefaultController<import("../vault/bytes.js").Bytes>} */
  let controller;
  const stream = new ReadableStream({
    start(c) {
      controller = c;
    },
  });
  let pending = Promise.resolve();
  recorder.ondataavailable = (event) => {
    // Keep the pieces in order: each waits for the one before.
    pending = pending
      .then(async () => {
        if (event.data.size) controller.enqueue(new Uint8Array(await event.data.arrayBuffer()));
      })
      .catch(() => {}); // the stream already failed (locked): stop() still finishes
  };
  const started = Date.now();
  const name = `recording-${new Date(started).toISOString().slice(0, 19).replace(/[:T]/g, "-")}.${type.split("/")[1]}`;
  /** @type {() => void} */
  let finish = () => {};
  const finished = new Promise((resolve) => {
    finish = () => resolve(undefined);
  });
  recorder.onstop = () => {
    media.getTracks().forEach((t) => t.stop());
    pending.then(() => {
      try {
        controller.close();
      } catch {
        // already errored (locked)
      }
      finish();
    });
  };
  const stopOnLock = onLock(() => {
    try {
      controller.error(new Error("locked"));
    } catch {
      // already closed
    }
    if (recorder.state !== "inactive") recorder.stop();
  });
  // Recording holds off the idle lock (no taps while speaking); quick exit still locks.
  const saved = holdDuring(() => store({ source: stream, name, type, kind: "audio" }), 3600).finally(stopOnLock);
  saved.catch(() => {}); // the caller hears of a failure through stop()
  recorder.start(1000);
  return {
    seconds: () => Math.floor((Date.now() - started) / 1000),
    async stop() {
      if (recorder.state !== "inactive") recorder.stop();
      await finished;
      return saved;
    },
    saved,
  };
}
