#!/usr/bin/env node
// Runs the compatibility suite: the unchanged TypeScript SDK (@biconomy/abstractjs 1.2.3) against
// our node and contracts on the local devnet.
//
//   cargo build --bin mee                  # prerequisite (or pass --build)
//   npm --prefix tests/compat ci           # once
//   npm --prefix tests/compat test         # every flow
//   node tests/compat/run-suite.mjs --flows accounts,supertx
//   COMPAT_FLOWS=accounts npm --prefix tests/compat test
//
// What it does: starts `mee devnet --json` and reads its first JSON document (chains, RPC URLs,
// keys), checks every chain answers, writes a node configuration for those chains, starts
// `mee node`, waits until GET /v1/info answers, runs `node --test` on the chosen flows with the
// URLs in the environment, and stops both children (also on failure, ctrl-c or SIGTERM).
//
// Options (flag or environment variable):
//   --flows a,b | COMPAT_FLOWS   flows to run (default: all); --list prints them
//   --build                      run `cargo build --bin mee` once before starting
//   --serve                      start the devnet and the node, print the test environment, and
//                                keep them running until ctrl-c (to run single test files by hand)
//   MEE_BIN                      the mee binary (default: <repo>/target/debug/mee)
//   COMPAT_TIMEOUT_S             hard limit for the whole run (default 300)
//   COMPAT_KEEP_LOGS=1           keep the temporary directory (logs, configs) after a passing run
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const COMPAT_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = join(COMPAT_DIR, "..", "..");

/** Flow name → test file (under suite/), in the order they run. */
const FLOWS = {
  accounts: "suite/accounts.test.mjs",
  supertx: "suite/supertx.test.mjs",
  fusion: "suite/fusion.test.mjs",
  sessions: "suite/sessions.test.mjs",
  "large-enable": "suite/large-enable.test.mjs",
  grant: "suite/grant.test.mjs",
  sponsored: "suite/sponsored.test.mjs",
  eip7702: "suite/eip7702.test.mjs",
};

const API_KEY = "mee_compat_suite";
const DEVNET_TIMEOUT_MS = 120_000;
const NODE_TIMEOUT_MS = 60_000;

function log(message) {
  process.stderr.write(`[compat] ${message}\n`);
}

function parseArgs(argv) {
  const options = { flows: process.env.COMPAT_FLOWS || "all", build: false, list: false, serve: false };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === "--flows") options.flows = argv[++i] ?? "";
    else if (arg.startsWith("--flows=")) options.flows = arg.slice("--flows=".length);
    else if (arg === "--build") options.build = true;
    else if (arg === "--list") options.list = true;
    else if (arg === "--serve") options.serve = true;
    else throw new Error(`unknown argument ${arg} (expected --flows a,b, --build, --list or --serve)`);
  }
  const names = options.flows === "all" ? Object.keys(FLOWS) : options.flows.split(",").map((s) => s.trim()).filter(Boolean);
  for (const name of names) {
    if (!FLOWS[name]) throw new Error(`unknown flow "${name}"; flows: ${Object.keys(FLOWS).join(", ")}`);
  }
  if (names.length === 0) throw new Error("no flow selected");
  options.flows = names;
  return options;
}

// ---------------------------------------------------------------------------------------------
// Children: every process we start is recorded and stopped on the way out.

const children = new Set();

function track(name, child) {
  const entry = { name, child, exited: false, code: null, signal: null };
  entry.done = new Promise((resolve) => {
    child.on("exit", (code, signal) => {
      entry.exited = true;
      entry.code = code;
      entry.signal = signal;
      children.delete(entry);
      resolve();
    });
  });
  child.on("error", (err) => log(`${name}: ${err.message}`));
  children.add(entry);
  return entry;
}

async function stop(entry, graceMs = 10_000) {
  if (entry.exited) return;
  entry.child.kill("SIGTERM");
  const timer = setTimeout(() => {
    if (!entry.exited) {
      log(`${entry.name} did not stop within ${graceMs / 1000} s; killing it`);
      entry.child.kill("SIGKILL");
    }
  }, graceMs);
  await entry.done;
  clearTimeout(timer);
}

let stopping = null;
function stopAll() {
  // Stop in reverse start order: tests, then the node, then the devnet (which stops its anvils).
  stopping ??= (async () => {
    for (const entry of [...children].reverse()) await stop(entry);
  })();
  return stopping;
}

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    log(`${signal}: stopping the devnet and the node`);
    stopAll().finally(() => process.exit(130));
  });
}
// Last resort if we leave without stopAll (e.g. an exception): no process outlives us.
process.on("exit", () => {
  for (const entry of children) {
    if (!entry.exited) entry.child.kill("SIGKILL");
  }
});

// ---------------------------------------------------------------------------------------------

function tail(path, lines = 30) {
  try {
    return readFileSync(path, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no output)";
  }
}

/** The first complete top-level JSON object in `text`, or null. */
function firstJsonDocument(text) {
  const start = text.indexOf("{");
  if (start < 0) return null;
  let depth = 0;
  let inString = false;
  let escaped = false;
  for (let i = start; i < text.length; i += 1) {
    const ch = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === "\\") escaped = true;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === "{") depth += 1;
    else if (ch === "}") {
      depth -= 1;
      if (depth === 0) return JSON.parse(text.slice(start, i + 1));
    }
  }
  return null;
}

async function startDevnet(bin, workDir) {
  const logPath = join(workDir, "devnet.log");
  const child = spawn(bin, ["devnet", "--json"], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", openSync(logPath, "w")],
  });
  const entry = track("devnet", child);
  let stdout = "";
  const info = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the devnet printed no JSON within ${DEVNET_TIMEOUT_MS / 1000} s`)), DEVNET_TIMEOUT_MS);
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      try {
        const doc = firstJsonDocument(stdout);
        if (doc) {
          clearTimeout(timer);
          resolve(doc);
        }
      } catch (err) {
        clearTimeout(timer);
        reject(new Error(`the devnet printed invalid JSON: ${err.message}`));
      }
    });
    entry.done.then(() => {
      clearTimeout(timer);
      reject(new Error(`the devnet exited (code ${entry.code}, signal ${entry.signal}) before printing its JSON:\n${tail(logPath)}`));
    });
  });
  // Keep draining stdout so the devnet never blocks on a full pipe.
  child.stdout.resume();
  return { entry, info, logPath };
}

async function rpc(url, method, params = []) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = await response.json();
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

async function checkChains(info) {
  for (const chain of info.chains) {
    const id = Number(BigInt(await rpc(chain.rpc_url, "eth_chainId")));
    if (id !== Number(chain.chain_id)) throw new Error(`${chain.rpc_url} reports chain ${id}, expected ${chain.chain_id}`);
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const CHAIN_NAMES = { 10: "OP Mainnet", 8453: "Base", 42161: "Arbitrum One", 137: "Polygon" };

/** The node's TOML configuration for the devnet (format: crates/node/src/config.rs). */
function nodeConfig(info, port, workDir) {
  const lines = [
    `listen = "127.0.0.1:${port}"`,
    `node_key = "${info.node_key.private_key}"`,
    `node_paymaster = "${info.node_paymaster}"`,
    `database_url = "sqlite://${join(workDir, "node.db")}"`,
    "",
  ];
  for (const chain of info.chains) {
    lines.push(
      "[[chains]]",
      `chain_id = ${chain.chain_id}`,
      `name = "${CHAIN_NAMES[chain.chain_id] ?? `Chain ${chain.chain_id}`}"`,
      `rpc_url = "${chain.rpc_url}"`,
      // Devnet ether is worthless; a low price keeps fees in cents of USDC.
      "native_usd_price = 10.0",
      "",
      "[[chains.fee_tokens]]",
      `address = "${info.usdc}"`,
      'name = "USD Coin"',
      'symbol = "USDC"',
      "decimals = 6",
      "usd_price = 1.0",
      "permit_enabled = true",
      "",
    );
  }
  // Sponsorship: the devnet's gas tanks on Base (the SDK's default tank address, where the devnet
  // places our account, and the self-hosted one), owned by the devnet's gas-tank key.
  if (info.gas_tanks && info.chains.some((chain) => Number(chain.chain_id) === 8453)) {
    for (const address of [info.gas_tanks.sdk_default, info.gas_tanks.self_hosted]) {
      lines.push(
        "[[gas_tanks]]",
        "chain_id = 8453",
        `address = "${address}"`,
        `token = "${info.gas_tanks.token}"`,
        `owner_key = "${info.gas_tank_key.private_key}"`,
        "",
      );
    }
  }
  return lines.join("\n");
}

async function startNode(bin, info, workDir) {
  const port = await freePort();
  const configPath = join(workDir, "node.toml");
  writeFileSync(configPath, nodeConfig(info, port, workDir));
  const logPath = join(workDir, "node.log");
  const out = openSync(logPath, "w");
  const child = spawn(bin, ["node", "--config", configPath], {
    cwd: ROOT,
    stdio: ["ignore", out, out],
    env: { RUST_LOG: "info", ...process.env },
  });
  const entry = track("node", child);
  const url = `http://127.0.0.1:${port}/v1`;
  const deadline = Date.now() + NODE_TIMEOUT_MS;
  let lastError = "no answer yet";
  while (Date.now() < deadline) {
    if (entry.exited) {
      return { entry, url, logPath, error: `the node exited (code ${entry.code}, signal ${entry.signal}):\n${tail(logPath)}` };
    }
    try {
      const response = await fetch(`${url}/info`, { headers: { "x-api-key": API_KEY } });
      const body = await response.json();
      if (response.ok && Array.isArray(body.supportedChains)) return { entry, url, logPath, error: null };
      lastError = `GET /v1/info: ${response.status} ${JSON.stringify(body).slice(0, 200)}`;
    } catch (err) {
      lastError = err.cause?.code ?? err.message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { entry, url, logPath, error: `GET /v1/info did not answer within ${NODE_TIMEOUT_MS / 1000} s (${lastError}):\n${tail(logPath)}` };
}

function runTests(files, env) {
  const child = spawn(
    process.execPath,
    ["--test", "--test-concurrency=1", "--test-force-exit", "--test-timeout=120000", "--test-reporter=spec", ...files],
    { cwd: COMPAT_DIR, stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, ...env } },
  );
  const entry = track("tests", child);
  return entry.done.then(() => entry.code ?? 1);
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.list) {
    for (const [name, file] of Object.entries(FLOWS)) process.stdout.write(`${name}\t${file}\n`);
    return 0;
  }
  const bin = process.env.MEE_BIN || join(ROOT, "target", "debug", "mee");
  if (options.build) {
    log("cargo build --bin mee");
    const built = spawnSync("cargo", ["build", "--bin", "mee"], { cwd: ROOT, stdio: "inherit" });
    if (built.status !== 0) throw new Error("cargo build --bin mee failed");
  }
  if (!existsSync(bin)) {
    throw new Error(`${bin} not found: run \`cargo build --bin mee\` at the repository root (or pass --build, or set MEE_BIN)`);
  }
  if (!existsSync(join(COMPAT_DIR, "node_modules", "@biconomy", "abstractjs"))) {
    throw new Error("the SDK is not installed: run `npm --prefix tests/compat ci`");
  }

  const limitS = Number(process.env.COMPAT_TIMEOUT_S || 300);
  const hardLimit = setTimeout(() => {
    log(`the run exceeded ${limitS} s; stopping everything`);
    stopAll().finally(() => process.exit(124));
  }, limitS * 1000);
  hardLimit.unref();

  const workDir = mkdtempSync(join(tmpdir(), "mee-compat-"));
  let code = 1;
  try {
    const started = Date.now();
    log(`flows: ${options.flows.join(", ")}; logs in ${workDir}`);
    const devnet = await startDevnet(bin, workDir);
    await checkChains(devnet.info);
    const devnetPath = join(workDir, "devnet.json");
    writeFileSync(devnetPath, JSON.stringify(devnet.info, null, 2));
    log(`devnet up in ${((Date.now() - started) / 1000).toFixed(1)} s: ${devnet.info.chains.map((c) => `${c.chain_id}@${c.rpc_url}`).join(" ")}`);

    const node = await startNode(bin, devnet.info, workDir);
    if (node.error) {
      // The tests still run: the ones that need the node fail and say why.
      log(`THE NODE IS NOT READY, tests that need it will fail: ${node.error}`);
    } else {
      log(`node up at ${node.url}`);
    }

    const testEnv = { COMPAT_DEVNET: devnetPath, COMPAT_NODE_URL: node.url, COMPAT_API_KEY: API_KEY };
    if (options.serve) {
      hardLimit.unref();
      clearTimeout(hardLimit);
      const exports = Object.entries(testEnv).map(([k, v]) => `export ${k}=${v}`).join("\n");
      process.stdout.write(`${exports}\n# then: node --test ${FLOWS[options.flows[0]]} (in tests/compat); ctrl-c stops\n`);
      await new Promise(() => {});
    }
    const files = options.flows.map((name) => FLOWS[name]);
    const testCode = await runTests(files, testEnv);
    code = testCode === 0 && !node.error ? 0 : testCode || 1;
    log(`finished in ${((Date.now() - started) / 1000).toFixed(1)} s: ${code === 0 ? "all passed" : "FAILED"}`);
  } finally {
    await stopAll();
    if (code === 0 && !process.env.COMPAT_KEEP_LOGS) rmSync(workDir, { recursive: true, force: true });
    else log(`logs kept in ${workDir}`);
  }
  return code;
}

main().then(
  (code) => process.exit(code),
  async (err) => {
    log(`error: ${err.message}`);
    await stopAll();
    process.exit(1);
  },
);
