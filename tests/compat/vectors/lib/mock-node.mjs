// In-process stand-in for the MEE node HTTP API (`info`, `quote`, `exec`),
// installed as a globalThis.fetch stub. It records every request exactly as
// the SDK sent it (body text, path, method, headers) and answers with a
// deterministic quote so the SDK can continue to sign and execute. The
// quote's gas numbers, paymaster and node address are this stub's own
// inventions; only the recorded REQUESTS are SDK output.
import { keccak256, encodeAbiParameters, concatHex, numberToHex, pad } from "viem";
import { getUserOperationHash } from "viem/account-abstraction";
import { privateKeyToAccount } from "viem/accounts";
import { createMerkleTree } from "@biconomy/abstractjs";

export const MOCK_NODE_URL = "http://mee-node.test/v1";
export const MOCK_API_KEY = "mee_test_key";
export const nodeSigner = privateKeyToAccount(`0x${"44".repeat(32)}`);
export const NODE_PAYMASTER = "0x00000000000000000000000000000000000b0b00";
export const FEE_BENEFICIARY = "0x00000000000000000000000000000000000fee00";

export const httpLog = [];

const meeUserOpHash = (h, lower, upper) =>
  keccak256(keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "uint256" }, { type: "uint256" }], [h, BigInt(lower), BigInt(upper)])));

const INFO = (chainIds, tokens) => ({
  version: "1.0.0",
  node: nodeSigner.address,
  supportedChains: chainIds.map((c) => ({ chainId: String(c), name: `chain-${c}` })),
  supportedGasTokens: chainIds.map((c) => ({
    chainId: String(c),
    isArbitraryFeeTokensSupported: false,
    paymentTokens: tokens[c] ? [{ name: "USD Coin", address: tokens[c], symbol: "USDC", decimals: 6, permitEnabled: true }] : [],
  })),
  supported_wallet_providers: [],
});

const buildQuote = async (req) => {
  const pi = req.paymentInfo;
  const reqOps = req.userOps;
  const lower = Math.min(...reqOps.map((u) => u.lowerBoundTimestamp));
  const upper = Math.max(...reqOps.map((u) => u.upperBoundTimestamp));
  const payment = {
    sender: pi.sender,
    nonce: pi.nonce,
    initCode: pi.initCode ?? "0x",
    callGasLimit: pi.callGasLimit,
    verificationGasLimit: pi.verificationGasLimit,
    chainId: pi.chainId,
    lowerBoundTimestamp: lower,
    upperBoundTimestamp: upper,
    shortEncoding: pi.shortEncoding ?? false,
    sessionDetails: pi.sessionDetails,
    callData: "0xe9ae5c53",
  };
  const all = [payment, ...reqOps];
  const userOps = all.map((u) => {
    const initCode = u.initCode ?? "0x";
    const userOp = {
      sender: u.sender,
      nonce: u.nonce,
      initCode,
      callData: u.callData,
      callGasLimit: u.callGasLimit,
      verificationGasLimit: u.verificationGasLimit ?? "500000",
      maxFeePerGas: "1000000000",
      maxPriorityFeePerGas: "1000000",
      paymasterAndData: concatHex([NODE_PAYMASTER, pad(numberToHex(60000), { size: 16 }), pad(numberToHex(60000), { size: 16 }), "0x170de0009ee4ce01"]),
      preVerificationGas: "60000",
    };
    const userOpHash = getUserOperationHash({
      chainId: Number(u.chainId),
      entryPointAddress: "0x0000000071727De22E5E9d8BAf0edAc6f37da032",
      entryPointVersion: "0.7",
      userOperation: {
        sender: userOp.sender,
        nonce: BigInt(userOp.nonce),
        ...(initCode !== "0x" ? { factory: initCode.slice(0, 42), factoryData: `0x${initCode.slice(42)}` } : {}),
        callData: userOp.callData,
        callGasLimit: BigInt(userOp.callGasLimit),
        verificationGasLimit: BigInt(userOp.verificationGasLimit),
        preVerificationGas: 60000n,
        maxFeePerGas: 1000000000n,
        maxPriorityFeePerGas: 1000000n,
        paymaster: NODE_PAYMASTER,
        paymasterVerificationGasLimit: 60000n,
        paymasterPostOpGasLimit: 60000n,
        paymasterData: "0x170de0009ee4ce01",
        signature: "0x",
      },
    });
    return {
      userOp,
      userOpHash,
      meeUserOpHash: meeUserOpHash(userOpHash, u.lowerBoundTimestamp, u.upperBoundTimestamp),
      lowerBoundTimestamp: String(u.lowerBoundTimestamp),
      upperBoundTimestamp: String(u.upperBoundTimestamp),
      maxGasLimit: "2000000",
      maxFeePerGas: "1000000000",
      chainId: String(u.chainId),
      isCleanUpUserOp: u.isCleanUpUserOp ?? false,
      shortEncoding: u.shortEncoding ?? false,
      ...(u.sessionDetails ? { sessionDetails: u.sessionDetails } : {}),
    };
  });
  const leaves = userOps.map((u) => (u.shortEncoding ? u.userOpHash : u.meeUserOpHash));
  const hash = createMerkleTree(leaves).root;
  return {
    hash,
    node: nodeSigner.address,
    commitment: await nodeSigner.signMessage({ message: { raw: hash } }),
    quoteType: req.quoteType,
    paymentInfo: { ...pi, tokenAmount: "0.01", tokenWeiAmount: "10000", tokenValue: "0.01" },
    userOps,
  };
};

/** Install the fetch stub. `chainIds` and `tokens` ({chainId: token}) shape
 * the `info` answer. */
export const installMockNode = ({ chainIds, tokens }) => {
  globalThis.fetch = async (url, init = {}) => {
    const u = String(url);
    const path = u.startsWith(MOCK_NODE_URL) ? u.slice(MOCK_NODE_URL.length) : u;
    const method = init.method ?? "GET";
    const entry = { method, path, headers: init.headers ?? {}, bodyText: init.body ?? null };
    httpLog.push(entry);
    let status = 200;
    let json;
    if (method === "GET" && path === "/info") {
      json = INFO(chainIds, tokens);
    } else if (method === "POST" && (path === "/quote" || path === "/quote-permit" || path === "//quote-permit")) {
      json = await buildQuote(JSON.parse(init.body));
    } else if (method === "POST" && path === "/exec") {
      json = { hash: JSON.parse(init.body).hash };
    } else {
      status = 404;
      json = { error: `mock node: no route ${method} ${path}` };
    }
    return new Response(JSON.stringify(json), { status, headers: { "content-type": "application/json" } });
  };
};
