// The SDK benchmark side by side: the Rust SDK (criterion, crates/sdk/benches/sdk.rs) and the
// TypeScript SDK (@biconomy/abstractjs 1.2.3, sdk.mjs) on the same inputs (inputs.json).
//
// Runs both, checks once that they produced the same outputs (the session USE exec body equal
// up to hex letter case and key order, with a byte-identical quote signature; the multichain
// digest and owner signature byte-identical), and prints a table with the ratio TS / Rust of
// the medians.
//
// Usage: node tests/compat/bench/run.mjs [--iterations N] [--skip-rust]
//   --skip-rust  reuse the last criterion results in <target>/criterion
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "../../..");
const target = resolve(root, process.env.CARGO_TARGET_DIR ?? "target");
const args = process.argv.slice(2);
const iterations = args.includes("--iterations") ? args[args.indexOf("--iterations") + 1] : "2000";
const OPERATIONS = {
  session_use_sign: "session USE: sign canned quote + sessionDetails rewrite + exec body",
  enable_4_chains: "4-chain enable digest + owner signature",
};

const run = (command, commandArgs, options = {}) => {
  console.error(`$ ${command} ${commandArgs.join(" ")}`);
  const result = spawnSync(command, commandArgs, { stdio: "inherit", cwd: root, ...options });
  if (result.status !== 0) throw new Error(`${command} failed with ${result.status ?? result.signal}`);
};

if (!args.includes("--skip-rust")) {
  run(process.env.CARGO ?? "cargo", ["bench", "-p", "mee-sdk", "--bench", "sdk"]);
}
run(process.execPath, [join(here, "sdk.mjs"), iterations]);

const json = (path) => JSON.parse(readFileSync(path, "utf8"));
const rust = json(join(target, "bench/sdk-rust-outputs.json"));
const ts = json(join(target, "bench/sdk-ts-outputs.json"));

// ---- same work: compare the outputs ---------------------------------------------------------

const lowerHex = (value) => {
  if (typeof value === "string" && value.startsWith("0x")) return value.toLowerCase();
  if (Array.isArray(value)) return value.map(lowerHex);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, lowerHex(v)]));
  return value;
};
const check = (ok, what) => {
  if (!ok) throw new Error(`Rust and TypeScript outputs differ: ${what}`);
};
check(rust.sessionUse.execBody.signature === ts.outputs.sessionUse.execBody.signature, "session USE quote signature");
check(isDeepStrictEqual(lowerHex(rust.sessionUse.execBody), lowerHex(ts.outputs.sessionUse.execBody)), "session USE exec body");
check(rust.enable.multichainDigest === ts.outputs.enable.multichainDigest, "multichain enable digest");
check(rust.enable.signature === ts.outputs.enable.signature, "owner enable signature");
console.log("outputs: identical (quote signature, exec body up to hex case and key order, enable digest and signature)\n");

// ---- timings --------------------------------------------------------------------------------

/** Criterion's median and the p99 of its per-sample means, in ns. */
const criterion = (name) => {
  const dir = join(target, "criterion", name, "new");
  const estimates = json(join(dir, "estimates.json"));
  const sample = json(join(dir, "sample.json"));
  const means = sample.iters.map((n, i) => sample.times[i] / n).sort((a, b) => a - b);
  const p99 = means[Math.min(means.length - 1, Math.floor(0.99 * means.length))];
  return { median_ns: estimates.median.point_estimate, p99_ns: p99, samples: means.length };
};

const us = (ns) => (ns / 1000).toFixed(ns < 10_000 ? 2 : 1);
console.log(`Node ${ts.node}; TypeScript: ${ts.results.session_use_sign.iterations} timed iterations after ${ts.results.session_use_sign.warmup} warm-up`);
console.log("| operation | Rust median µs | Rust p99 µs | TS median µs | TS p99 µs | TS / Rust (median) |");
console.log("|---|---:|---:|---:|---:|---:|");
for (const [name, label] of Object.entries(OPERATIONS)) {
  const r = criterion(name);
  const t = ts.results[name];
  console.log(`| ${label} | ${us(r.median_ns)} | ${us(r.p99_ns)} | ${us(t.median_ns)} | ${us(t.p99_ns)} | ${(t.median_ns / r.median_ns).toFixed(1)}× |`);
}
console.log("\nRust p99: the 99th percentile of criterion's per-sample means; TS p99: of single timed calls.");
