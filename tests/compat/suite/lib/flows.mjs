// Steps the flows share: waiting for a supertransaction, the session signer's client, and
// on-chain checks of Smart Sessions.
import assert from "node:assert/strict";
import { parseAbi, parseUnits } from "viem";
import { base, optimism } from "viem/chains";
import {
  calldataArgument,
  createMeeClient,
  getSudoPolicy,
  meeSessionActions,
  SMART_SESSIONS_ADDRESS,
  toMultichainNexusAccount,
} from "@biconomy/abstractjs";
import {
  API_KEY,
  COUNTER,
  INCREMENT_SELECTOR,
  NODE_URL,
  RECEIPT_TIMEOUT_MS,
  USDC,
  chainConfigurations,
  publicClient,
  within,
} from "./env.mjs";

/** USDC amounts in base units (6 decimals). */
export const usdc = (n) => parseUnits(String(n), 6);

/** The fee token of every flow: USDC on Base. */
export const feeToken = { address: USDC, chainId: base.id };

/** Waits (bounded) for the supertransaction and checks every userOp succeeded. */
export async function waitSuccess(client, hash) {
  const receipt = await within(
    RECEIPT_TIMEOUT_MS,
    "waitForSupertransactionReceipt",
    client.waitForSupertransactionReceipt({ hash }),
  );
  assert.equal(receipt.transactionStatus, "MINED_SUCCESS");
  for (const r of receipt.receipts) assert.equal(r.status, "success");
  return receipt;
}

const accountAbi = parseAbi([
  "function isModuleInstalled(uint256 moduleTypeId, address module, bytes additionalContext) view returns (bool)",
]);

/** Smart Sessions is installed as a validator on the account on that chain (read with viem). */
export async function ssInstalled(chainId, address) {
  return publicClient(chainId).readContract({
    address,
    abi: accountAbi,
    functionName: "isModuleInstalled",
    args: [1n, SMART_SESSIONS_ADDRESS, "0x"],
  });
}

/**
 * The dapp's side (docs step 5): the owner's account address, the session signer as signer, its own
 * MEE client extended with meeSessionActions.
 */
export async function sessionSignerClient({ sessionSigner, accountAddress, chains }) {
  const userOwnedOrchestratorWithSessionSigner = await toMultichainNexusAccount({
    signer: sessionSigner,
    chainConfigurations: chainConfigurations({ chains, accountAddress }),
  });
  const sessionSignerMeeClient = await createMeeClient({
    account: userOwnedOrchestratorWithSessionSigner,
    url: NODE_URL,
    apiKey: API_KEY,
  });
  return sessionSignerMeeClient.extend(meeSessionActions);
}

/** checkEnabledPermissions' {permissionId: {chainId: bool}} as a flat list. */
export function permissionsOf(checked) {
  return Object.entries(checked).flatMap(([id, byChain]) =>
    Object.entries(byChain).map(([chain, on]) => ({ id, chain, on })),
  );
}

/** The chain id a sessionDetails entry is for. */
export const chainOf = (detail) => Number(detail.enableSessionData.enableSession.sessionToEnable.chainId);

/**
 * The session of the main flow: every policy type of the docs, on two chains.
 * Base: the counter (sudo) and USDC approvals of at most 2 USDC in all (spending limit); the SDK
 * adds the fee payment (a USDC transfer of at most maxPaymentAmount) to Base, the fee chain.
 * Optimism: the counter inside a time frame, at most 10 times; USDC transfers to one recipient only,
 * at most 1 USDC each and 3 USDC in all (universal policy), 3 times (usage limit), for an hour
 * (time frame).
 */
export function mainSessionActions(account, now, allowedRecipient) {
  return [
    account.buildSessionAction({
      type: "custom",
      data: { chainIds: [base.id], contractAddress: COUNTER, functionSignature: INCREMENT_SELECTOR, policies: [getSudoPolicy()] },
    }),
    account.buildSessionAction({
      type: "approve",
      data: { chainIds: [base.id], contractAddress: USDC, policies: [{ type: "spendingLimits", tokenLimits: [{ limit: usdc(2) }] }] },
    }),
    account.buildSessionAction({
      type: "custom",
      data: {
        chainIds: [optimism.id],
        contractAddress: COUNTER,
        functionSignature: INCREMENT_SELECTOR,
        policies: [
          { type: "timeframe", validAfter: now - 60, validUntil: now + 3600 },
          { type: "usageLimit", limit: 10n },
        ],
      },
    }),
    account.buildSessionAction({
      type: "transfer",
      data: {
        chainIds: [optimism.id],
        contractAddress: USDC,
        policies: [
          account.buildActionPolicy({
            type: "universal",
            rules: [
              { condition: "equal", calldataOffset: calldataArgument(1), comparisonValue: allowedRecipient },
              {
                condition: "lessThanOrEqual",
                calldataOffset: calldataArgument(2),
                comparisonValue: usdc(1),
                isLimited: true,
                usage: { limit: usdc(3), used: 0n },
              },
            ],
          }),
          { type: "usageLimit", limit: 3n },
          { type: "timeframe", validAfter: now - 60, validUntil: now + 3600 },
        ],
      },
    }),
  ];
}
