// Golden-vector generator. Runs the real @biconomy/abstractjs@1.2.3 (MEE
// 2.0.0, its default) offline and writes JSON vectors to tests/vectors/.
//
//   npm --prefix tests/compat run vectors
//
// Determinism: Date.now() and crypto.getRandomValues() are replaced before
// the SDK is loaded (lib/determinism.mjs); RPC is answered in-process
// (lib/mock-chain.mjs); the MEE node HTTP API is answered in-process by a
// fetch stub (lib/mock-node.mjs). Nothing touches the network.
import "./lib/determinism.mjs";
import { fileURLToPath } from "node:url";
import { dirname, resolve } from "node:path";
import { writeVectorFile } from "./lib/json.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const outDir = resolve(here, "../../vectors");

const SECTIONS = [
  ["ids.json", "./sections/ids.mjs"],
  ["policies.json", "./sections/policies.mjs"],
  ["session-actions.json", "./sections/session-actions.mjs"],
  ["session-abi.json", "./sections/session-abi.mjs"],
  ["session-details.json", "./sections/session-details.mjs"],
  ["enable-digests.json", "./sections/enable-digests.mjs"],
  ["calldata.json", "./sections/calldata.mjs"],
  ["init-code.json", "./sections/init-code.mjs"],
  ["nonces.json", "./sections/nonces.mjs"],
  ["userop-hash.json", "./sections/userop-hash.mjs"],
  ["mee-signatures.json", "./sections/mee-signatures.mjs"],
  ["quote-requests.json", "./sections/quote-requests.mjs"],
  ["fusion.json", "./sections/fusion.mjs"],
];

const only = process.argv.slice(2);
for (const [file, modPath] of SECTIONS) {
  if (only.length && !only.includes(file)) continue;
  const { default: build } = await import(modPath);
  const doc = await build();
  writeVectorFile(resolve(outDir, file), {
    generator: "tests/compat/vectors/generate.mjs",
    sdk: "@biconomy/abstractjs@1.2.3 (MEE 2.0.0)",
    ...doc,
  });
  console.log(`wrote tests/vectors/${file}`);
}
