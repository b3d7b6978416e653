// Stable JSON output helpers.
// Convention for every value the generator records itself:
//   * byte strings (hashes, calldata, addresses, signatures): lowercase 0x-hex;
//   * integers (amounts, chain ids, timestamps, nonces): decimal strings;
//   * booleans stay booleans.
// Objects keep the insertion order the generator gives them, which is fixed,
// so regenerating yields byte-identical files.
// Payloads the SDK serialises itself (request bodies, sessionDetails) are
// stored verbatim under keys ending in "Verbatim" and are NOT normalised.
import { writeFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";

const HEX = /^0x[0-9a-fA-F]*$/;

export const norm = (value, key = "") => {
  if (key.endsWith("Verbatim")) return value;
  if (typeof value === "bigint") return value.toString(10);
  if (typeof value === "number") return value;
  if (typeof value === "string") return HEX.test(value) ? value.toLowerCase() : value;
  if (Array.isArray(value)) return value.map((v) => norm(v));
  if (value && typeof value === "object") {
    const out = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      out[k] = norm(v, k);
    }
    return out;
  }
  return value;
};

/** Turns SDK objects containing bigints into plain JSON values without any
 * other change (what JSON.parse(viem.stringify(x)) gives). */
export const plain = (value) =>
  JSON.parse(JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : v)));

export const writeVectorFile = (path, doc) => {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(norm(doc), null, 2)}\n`);
};
