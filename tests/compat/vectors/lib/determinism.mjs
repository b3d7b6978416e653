// Deterministic replacements for the two sources of non-determinism the SDK
// uses internally:
//   * Date.now()               - nonce-key timestamps (getDefaultNonceKey),
//                                time-frame policy defaults (buildSessionAction),
//                                quote time bounds (getQuote).
//   * crypto.getRandomValues() - session salts (generateSalt).
// Both are replaced process-wide before the SDK runs. Every vector case calls
// `resetDeterminism(label, ms)` first, so a case's output depends only on its
// own label and clock, never on the order in which cases run.
import { keccak256, stringToHex, concatHex, numberToHex, hexToBytes } from "viem";

let clockMs = 0;
let rngSeed = keccak256(stringToHex("vectors"));
let rngCounter = 0;

const realNow = Date.now;

/** Fixed clock: each call returns the current value and then advances it by
 * one millisecond (the SDK's nonce manager relies on successive calls being
 * different milliseconds). */
Date.now = () => {
  const v = clockMs;
  clockMs += 1;
  return v;
};

const fillDeterministic = (array) => {
  const out = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  let filled = 0;
  while (filled < out.length) {
    const block = hexToBytes(
      keccak256(concatHex([rngSeed, numberToHex(rngCounter, { size: 32 })])),
    );
    rngCounter += 1;
    const n = Math.min(block.length, out.length - filled);
    out.set(block.subarray(0, n), filled);
    filled += n;
  }
  return array;
};

Object.defineProperty(globalThis.crypto, "getRandomValues", {
  value: fillDeterministic,
  configurable: true,
  writable: true,
});

/** Start a vector case: seed the random stream from `label` and set the
 * clock to `ms` (unix milliseconds). */
export const resetDeterminism = (label, ms) => {
  rngSeed = keccak256(stringToHex(`vectors:${label}`));
  rngCounter = 0;
  clockMs = ms;
};

/** The value Date.now() will return next (does not advance the clock). */
export const peekClock = () => clockMs;

/** The first 32 bytes the stubbed RNG yields for `label` (what generateSalt
 * returns as the first salt of a case seeded with that label). */
export const firstRandom32 = (label) =>
  keccak256(
    concatHex([keccak256(stringToHex(`vectors:${label}`)), numberToHex(0, { size: 32 })]),
  );

export { realNow };
