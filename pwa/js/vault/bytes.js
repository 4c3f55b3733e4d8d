// @ts-check
// The vault's byte helpers live one level up, where the start screen can load them alone.
export * from "../bytes.js";
