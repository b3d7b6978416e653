// What every compatibility test shares: the devnet description, the node URL, viem clients on the
// devnet chains, and small on-chain helpers (USDC transfers and balances, a counter contract).
//
// The launcher (tests/compat/run-suite.mjs) starts the devnet and the node and passes:
//   COMPAT_DEVNET    path of the JSON document printed by `mee devnet --json`
//   COMPAT_NODE_URL  the node's API base, including /v1
//   COMPAT_API_KEY   the API key sent as x-api-key
import { readFileSync } from "node:fs";
import {
  createPublicClient,
  createWalletClient,
  encodeFunctionData,
  erc20Abi,
  getAddress,
  getContractAddress,
  http,
  keccak256,
  parseAbi,
  stringToHex,
  concat,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { arbitrum, base, optimism, polygon } from "viem/chains";
import { getMEEVersion, getMultichainContract, MEEVersion } from "@biconomy/abstractjs";

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(
      `${name} is not set: run the suite through tests/compat/run-suite.mjs, which starts the devnet and the node`,
    );
  }
  return value;
}

/** The devnet as printed by `mee devnet --json`. */
export const devnet = JSON.parse(readFileSync(required("COMPAT_DEVNET"), "utf8"));
/** The node's API base, e.g. http://127.0.0.1:41234/v1 (what the SDK calls `url`). */
export const NODE_URL = required("COMPAT_NODE_URL");
export const API_KEY = process.env.COMPAT_API_KEY || "mee_compat_suite";

/** USDC: one address on every devnet chain. */
export const USDC = getAddress(devnet.usdc);

/** viem's chain definitions, in the order of the docs' examples. */
export const CHAINS = [optimism, base, arbitrum, polygon];
const CHAIN_BY_ID = new Map(CHAINS.map((chain) => [chain.id, chain]));

/** The devnet RPC URL of a chain. */
export function rpcUrl(chainId) {
  const chain = devnet.chains.find((c) => Number(c.chain_id) === chainId);
  if (!chain) throw new Error(`the devnet does not run chain ${chainId}`);
  return chain.rpc_url;
}

export const V2_0_0 = getMEEVersion(MEEVersion.V2_0_0);
export const V2_1_0 = getMEEVersion(MEEVersion.V2_1_0);

/**
 * `chainConfigurations` for toMultichainNexusAccount: viem's chain definitions with the devnet RPC
 * URLs as transports. Only the transport differs from the docs.
 */
export function chainConfigurations({ chains = CHAINS, version = V2_0_0, accountAddress } = {}) {
  return chains.map((chain) => ({
    chain,
    transport: http(rpcUrl(chain.id)),
    version,
    ...(accountAddress ? { accountAddress } : {}),
  }));
}

/** USDC as a multichain contract: the same address on every chain. */
export const mcUSDC = getMultichainContract({
  abi: erc20Abi,
  deployments: CHAINS.map((chain) => [USDC, chain.id]),
});

/** The funded test keys of the devnet (anvil's public keys), as viem accounts. */
export function testAccount(index) {
  const key = devnet.test_keys[index];
  if (!key) throw new Error(`the devnet has no test key ${index}`);
  return privateKeyToAccount(key.private_key);
}

const publicClients = new Map();
export function publicClient(chainId) {
  if (!publicClients.has(chainId)) {
    publicClients.set(
      chainId,
      createPublicClient({ chain: CHAIN_BY_ID.get(chainId), transport: http(rpcUrl(chainId)) }),
    );
  }
  return publicClients.get(chainId);
}

export function walletClient(account, chainId) {
  return createWalletClient({ account, chain: CHAIN_BY_ID.get(chainId), transport: http(rpcUrl(chainId)) });
}

export async function usdcBalance(chainId, holder) {
  return publicClient(chainId).readContract({
    address: USDC,
    abi: erc20Abi,
    functionName: "balanceOf",
    args: [holder],
  });
}

/** Sends USDC from an EOA (a plain transaction, not through the node) and waits for it. */
export async function sendUsdc(from, chainId, to, amount) {
  const hash = await walletClient(from, chainId).writeContract({
    address: USDC,
    abi: erc20Abi,
    functionName: "transfer",
    args: [to, amount],
  });
  const receipt = await publicClient(chainId).waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`USDC funding transfer failed on chain ${chainId}`);
}

// ------------------------------------------------------------------------------------------------
// Counter: `incrementNumber()` (0x273ea3e3, the selector of the docs' examples) adds one to the
// caller's count; `numberOf(address)` reads it; anything else reverts. Hand-assembled runtime:
//
//   00 PUSH1 0 CALLDATALOAD PUSH1 0xe0 SHR          selector
//   06 DUP1 PUSH4 0x273ea3e3 EQ PUSH1 0x1d JUMPI    -> increment
//   10 PUSH4 numberOf EQ PUSH1 0x26 JUMPI           -> read
//   19 PUSH1 0 DUP1 REVERT
//   1d JUMPDEST CALLER SLOAD PUSH1 1 ADD CALLER SSTORE STOP
//   26 JUMPDEST PUSH1 4 CALLDATALOAD SLOAD PUSH1 0 MSTORE PUSH1 0x20 PUSH1 0 RETURN
//
// It is created through the deterministic deployer (0x4e59…956C), so it has one address on every
// chain.
export const counterAbi = parseAbi([
  "function incrementNumber()",
  "function numberOf(address who) view returns (uint256)",
]);
export const INCREMENT_SELECTOR = "0x273ea3e3";
const NUMBER_OF_SELECTOR = keccak256(stringToHex("numberOf(address)")).slice(2, 10);
const COUNTER_RUNTIME =
  "0x600035" + "60e01c" + "80" + "63273ea3e3" + "14" + "601d" + "57" +
  "63" + NUMBER_OF_SELECTOR + "14" + "6026" + "57" +
  "600080fd" +
  "5b" + "33" + "54" + "600101" + "33" + "55" + "00" +
  "5b" + "600435" + "54" + "600052" + "6020" + "6000" + "f3";
const RUNTIME_LENGTH = (COUNTER_RUNTIME.length - 2) / 2;
// PUSH1 len DUP1 PUSH1 0x0b PUSH1 0 CODECOPY PUSH1 0 RETURN, then the runtime.
const COUNTER_INITCODE = `0x60${RUNTIME_LENGTH.toString(16).padStart(2, "0")}80600b6000396000f3${COUNTER_RUNTIME.slice(2)}`;
const DETERMINISTIC_DEPLOYER = "0x4e59b44847b379578588920cA78FbF26c0B4956C";
const COUNTER_SALT = keccak256(stringToHex("mee compat suite counter"));
export const COUNTER = getContractAddress({
  opcode: "CREATE2",
  from: DETERMINISTIC_DEPLOYER,
  salt: COUNTER_SALT,
  bytecode: COUNTER_INITCODE,
});

/** Creates the counter on every chain where it is missing (any funded EOA pays). */
export async function ensureCounter(deployer) {
  await Promise.all(
    CHAINS.map(async (chain) => {
      const client = publicClient(chain.id);
      const code = await client.getCode({ address: COUNTER });
      if (code && code !== "0x") return;
      const hash = await walletClient(deployer, chain.id).sendTransaction({
        to: DETERMINISTIC_DEPLOYER,
        data: concat([COUNTER_SALT, COUNTER_INITCODE]),
      });
      const receipt = await client.waitForTransactionReceipt({ hash });
      const deployed = await client.getCode({ address: COUNTER });
      if (receipt.status !== "success" || !deployed || deployed === "0x") {
        throw new Error(`could not create the counter on chain ${chain.id}`);
      }
    }),
  );
}

export async function counterOf(chainId, who) {
  return publicClient(chainId).readContract({
    address: COUNTER,
    abi: counterAbi,
    functionName: "numberOf",
    args: [who],
  });
}

export const incrementCall = { to: COUNTER, data: encodeFunctionData({ abi: counterAbi, functionName: "incrementNumber" }) };

/**
 * waitForSupertransactionReceipt has no timeout of its own (it polls until the node reports a
 * final state); this bounds it so a stuck supertransaction fails the test instead of hanging it.
 */
export async function within(ms, what, promise) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** How long one supertransaction may take from exec to MINED_SUCCESS on the devnet. */
export const RECEIPT_TIMEOUT_MS = 45_000;
