// @ts-check
// What the vault refuses with, in words for the person: locked, wrong passphrase, wait, erased.
import { PlainError } from "../errors.js";

export class LockedError extends PlainError {
  constructor() {
    super("The diary is locked.");
    this.name = "LockedError";
  }
}

export class WrongPassphraseError extends PlainError {
  /** @param {number} failures @param {number} waitSeconds */
  constructor(failures, waitSeconds) {
    super(
      waitSeconds > 0
        ? `That passphrase is not right. Wait ${formatWait(waitSeconds)} before trying again.`
        : "That passphrase is not right. Check it and try again.",
    );
    this.name = "WrongPassphraseError";
    this.failures = failures;
    this.waitSeconds = waitSeconds;
  }
}

export class ThrottledError extends PlainError {
  /** @param {number} waitSeconds */
  constructor(waitSeconds) {
    super(`Too many wrong tries. Wait ${formatWait(waitSeconds)} before trying again.`);
    this.name = "ThrottledError";
    this.waitSeconds = waitSeconds;
  }
}

export class WipedError extends PlainError {
  constructor() {
    super("Too many wrong tries: as you chose, everything was erased.");
    this.name = "WipedError";
  }
}

/** @param {number} seconds */
export function formatWait(seconds) {
  const s = Math.ceil(seconds);
  if (s < 60) return `${s} second${s === 1 ? "" : "s"}`;
  const m = Math.ceil(s / 60);
  return `${m} minute${m === 1 ? "" : "s"}`;
}

