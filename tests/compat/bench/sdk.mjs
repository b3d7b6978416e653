// The TypeScript SDK's (@biconomy/abstractjs 1.2.3) side of the SDK benchmark: the same two
// local operations as crates/sdk/benches/sdk.rs, on the same inputs (inputs.json).
//
//   session_use_sign  the session signer's part of usePermission once the node has answered:
//                     signQuote with the session key, the per-userOp sessionDetails rewrite
//                     (the loop of useMeePermission, which the SDK does not export, copied
//                     verbatim), and the exec body as the SDK's HTTP client serialises it
//                     (viem stringify).
//   enable_4_chains   the owner's part of grantMeePermissionPersonalSign over four chains:
//                     module-sdk hashChainSessions (the multichain EIP-712 digest over the full
//                     session tree, what the SDK signs) and the owner's personal signature.
//
// Each operation is run WARMUP times, then timed ITERATIONS times one by one
// (process.hrtime); the median, p99 and mean are written with one run's outputs to
// <target>/bench/sdk-ts-outputs.json. Usage: node sdk.mjs [iterations]
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { signQuote, SmartSessionMode, SMART_SESSIONS_ADDRESS } from "@biconomy/abstractjs";
// hashChainSessions is what grantMeePermission* call; abstractjs takes it from module-sdk.
import { hashChainSessions } from "@rhinestone/module-sdk";
import { makeAccount } from "../vectors/lib/accounts.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "../../..");
const target = resolve(root, process.env.CARGO_TARGET_DIR ?? "target");
const ITERATIONS = Number(process.argv[2] ?? 2000);
const WARMUP = Math.max(200, Math.floor(ITERATIONS / 5));

const inputs = JSON.parse(readFileSync(join(here, "inputs.json"), "utf8"));

// ---- session USE: sign the canned quote, rewrite sessionDetails, serialise ------------------

const use = inputs.sessionUse;
const sessionSigner = privateKeyToAccount(use.sessionPrivateKey);
const sessionAccount = await makeAccount({
  signer: sessionSigner,
  chainIds: use.chainIds,
  accountAddress: use.account,
  chainOpts: { deployed: [use.account], installedSS: [use.account] },
});
// The SDK holds session details in memory with bigint chain ids.
const sessionDetailsArray = use.sessionDetails.map((d) => {
  const details = structuredClone(d);
  const enable = details.enableSessionData.enableSession;
  enable.sessionToEnable.chainId = BigInt(enable.sessionToEnable.chainId);
  enable.hashesAndChainIds = enable.hashesAndChainIds.map((h) => ({ ...h, chainId: BigInt(h.chainId) }));
  return details;
});
const quote = use.quote;

const sessionUseSign = async () => {
  const signedQuote = await signQuote({ account: sessionAccount }, { quote });
  // From useMeePermission (mode USE).
  const mode = SmartSessionMode.USE;
  const processedChains = new Set();
  const startIndex = signedQuote.paymentInfo.sponsored ? 1 : 0;
  for (const [index, userOpEntry] of signedQuote.userOps.entries()) {
    if (index < startIndex) continue;
    const chainId = String(userOpEntry.chainId);
    const isFirstTimeForChain = !processedChains.has(chainId);
    const relevantIndex = sessionDetailsArray.findIndex(
      ({ enableSessionData }) => enableSessionData?.enableSession?.sessionToEnable?.chainId === BigInt(userOpEntry.chainId),
    );
    if (relevantIndex === -1) throw new Error(`No session details found for chainId ${userOpEntry.chainId}`);
    const dynamicMode = isFirstTimeForChain ? mode : SmartSessionMode.USE;
    userOpEntry.sessionDetails = { ...sessionDetailsArray[relevantIndex], mode: dynamicMode };
    processedChains.add(chainId);
  }
  return stringify(signedQuote);
};

// ---- four-chain enable digest + owner signature ---------------------------------------------

const en = inputs.enable;
const owner = privateKeyToAccount(en.ownerPrivateKey);
// The ChainSession list exactly as grantMeePermission builds it.
const chainSessions = en.sessions.map((s) => ({
  chainId: BigInt(s.chainId),
  session: {
    ...s,
    permissions: {
      permitGenericPolicy: false,
      permitAdminAccess: false,
      ignoreSecurityAttestations: true,
      permitERC4337Paymaster: s.permitERC4337Paymaster,
      userOpPolicies: s.userOpPolicies,
      erc7739Policies: s.erc7739Policies,
      actions: s.actions,
    },
    account: en.account,
    smartSession: SMART_SESSIONS_ADDRESS,
    nonce: BigInt(en.sessionNonce),
  },
}));

const enable4Chains = async () => {
  const multichainDigest = hashChainSessions(chainSessions);
  const signature = await owner.signMessage({ message: { raw: multichainDigest } });
  return { multichainDigest, signature };
};

// ---- timing ---------------------------------------------------------------------------------

const measure = async (fn) => {
  for (let i = 0; i < WARMUP; i++) await fn();
  const times = new Float64Array(ITERATIONS);
  for (let i = 0; i < ITERATIONS; i++) {
    const start = process.hrtime.bigint();
    await fn();
    times[i] = Number(process.hrtime.bigint() - start);
  }
  times.sort();
  const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  return { iterations: ITERATIONS, warmup: WARMUP, median_ns: at(0.5), p99_ns: at(0.99), mean_ns: mean };
};

const outputs = {
  sessionUse: { execBody: JSON.parse(await sessionUseSign()) },
  enable: await enable4Chains(),
};
const results = {
  session_use_sign: await measure(sessionUseSign),
  enable_4_chains: await measure(enable4Chains),
};
mkdirSync(join(target, "bench"), { recursive: true });
writeFileSync(
  join(target, "bench/sdk-ts-outputs.json"),
  JSON.stringify({ node: process.version, results, outputs }, null, 1),
);
for (const [name, r] of Object.entries(results)) {
  console.log(`${name}: median ${(r.median_ns / 1000).toFixed(1)} µs, p99 ${(r.p99_ns / 1000).toFixed(1)} µs (${r.iterations} iterations)`);
}
