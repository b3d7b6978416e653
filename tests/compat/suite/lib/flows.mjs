// Steps the flows share: waiting for a supertransaction, the session signer's client, and
// on-chain checks of Smart Sessions.
import assert from "node:assert/strict";
import { parseAbi, parseUnits } from "viem";
import { base } from "viem/chains";
import { createMeeClient, meeSessionActions, SMART_SESSIONS_ADDRESS, toMultichainNexusAccount } from "@biconomy/abstractjs";
import { API_KEY, NODE_URL, RECEIPT_TIMEOUT_MS, USDC, chainConfigurations, publicClient, within } from "./env.mjs";

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
