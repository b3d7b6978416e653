// Flow "grant": the docs' "Granting Permissions" path. The owner signs one EIP-712 grant for two
// chains off-chain (grantPermissionTypedDataSign); the session signer's first use enables it on
// both chains (usePermission ENABLE_AND_USE), paid in USDC, and again sponsored.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { parseUnits } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { base, optimism } from "viem/chains";
import {
  createMeeClient,
  getSudoPolicy,
  meeSessionActions,
  toMultichainNexusAccount,
  toSmartSessionsModule,
} from "@biconomy/abstractjs";
import {
  API_KEY,
  COUNTER,
  INCREMENT_SELECTOR,
  NODE_URL,
  RECEIPT_TIMEOUT_MS,
  USDC,
  chainConfigurations,
  counterOf,
  ensureCounter,
  incrementCall,
  sendUsdc,
  testAccount,
  usdcBalance,
  within,
} from "./lib/env.mjs";

const feeToken = { address: USDC, chainId: base.id };
const usdc = (n) => parseUnits(String(n), 6);
const chains = [base, optimism];
const eoa = testAccount(4);

let orchestrator;
let meeClient;
let sessionsMeeClient;
let prepared = false;

async function waitSuccess(client, hash) {
  const receipt = await within(
    RECEIPT_TIMEOUT_MS,
    "waitForSupertransactionReceipt",
    client.waitForSupertransactionReceipt({ hash }),
  );
  assert.equal(receipt.transactionStatus, "MINED_SUCCESS");
  for (const r of receipt.receipts) assert.equal(r.status, "success");
}

/** The session signer's client on the owner's account (docs step 5). */
async function sessionSignerClient(sessionSigner) {
  const account = await toMultichainNexusAccount({
    signer: sessionSigner,
    chainConfigurations: chainConfigurations({ chains, accountAddress: orchestrator.addressOn(base.id, true) }),
  });
  const client = await createMeeClient({ account, url: NODE_URL, apiKey: API_KEY });
  return client.extend(meeSessionActions);
}

function counterActions() {
  return chains.map((chain) => ({
    chainId: chain.id,
    actionTarget: COUNTER,
    actionTargetSelector: INCREMENT_SELECTOR,
    actionPolicies: [getSudoPolicy()],
  }));
}

function permissionsOf(checked) {
  return Object.entries(checked).flatMap(([id, byChain]) => Object.entries(byChain).map(([chain, on]) => ({ id, chain, on })));
}

before(async () => {
  await ensureCounter(testAccount(7));
  orchestrator = await toMultichainNexusAccount({ signer: eoa, chainConfigurations: chainConfigurations({ chains }) });
});

test("prepareForPermissions without permissions: deploy and install Smart Sessions on Base and Optimism", async () => {
  meeClient = await createMeeClient({ account: orchestrator, url: NODE_URL, apiKey: API_KEY });
  sessionsMeeClient = meeClient.extend(meeSessionActions);
  const sca = orchestrator.addressOn(base.id, true);
  await sendUsdc(eoa, base.id, sca, usdc(20));
  const anySigner = privateKeyToAccount(generatePrivateKey());
  const payload = await sessionsMeeClient.prepareForPermissions({
    smartSessionsValidator: toSmartSessionsModule({ signer: anySigner }),
    feeToken,
  });
  assert.ok(payload);
  await waitSuccess(meeClient, payload.hash);
  for (const chain of chains) {
    assert.equal(await orchestrator.deploymentOn(chain.id, true).isDeployed(), true, `deployed on chain ${chain.id}`);
  }
  prepared = true;
});

test("grantPermissionTypedDataSign on Base and Optimism, then usePermission ENABLE_AND_USE on both chains with the fee in USDC", async () => {
  assert.ok(prepared, 'needs "prepareForPermissions without permissions", which did not pass');
  const sessionSigner = privateKeyToAccount(generatePrivateKey());
  const sca = orchestrator.addressOn(base.id, true);

  const sessionDetails = await sessionsMeeClient.grantPermissionTypedDataSign({
    redeemer: sessionSigner.address,
    feeToken,
    actions: counterActions(),
    maxPaymentAmount: usdc(2),
  });
  assert.equal(sessionDetails.length, 2);
  for (const detail of sessionDetails) assert.equal(detail.mode, "0x02");
  const before = permissionsOf(await sessionsMeeClient.checkEnabledPermissions(sessionDetails));
  assert.equal(before.length, 2);
  for (const p of before) assert.equal(p.on, false, `${p.id} not enabled yet on chain ${p.chain}`);

  const counters = [await counterOf(base.id, sca), await counterOf(optimism.id, sca)];
  const scaBase = await usdcBalance(base.id, sca);
  const dapp = await sessionSignerClient(sessionSigner);
  const executionPayload = await dapp.usePermission({
    sessionDetails,
    mode: "ENABLE_AND_USE",
    feeToken,
    instructions: chains.map((chain) => ({ chainId: chain.id, calls: [incrementCall] })),
  });
  await waitSuccess(meeClient, executionPayload.hash);

  assert.deepEqual([await counterOf(base.id, sca), await counterOf(optimism.id, sca)], [counters[0] + 1n, counters[1] + 1n]);
  const fee = scaBase - (await usdcBalance(base.id, sca));
  assert.ok(fee > 0n && fee <= usdc(2), `fee ${fee} within maxPaymentAmount`);
  const after = permissionsOf(await sessionsMeeClient.checkEnabledPermissions(sessionDetails));
  for (const p of after) assert.equal(p.on, true, `${p.id} enabled on chain ${p.chain}`);
  for (const detail of sessionDetails) {
    const chainId = Number(detail.enableSessionData.enableSession.sessionToEnable.chainId);
    assert.equal(await sessionsMeeClient.isPermissionEnabled({ permissionId: detail.permissionId, chainId }), true);
  }
});

test("grantPermissionTypedDataSign, then sponsored usePermission ENABLE_AND_USE on Base and Optimism (the docs' sponsored example)", async () => {
  assert.ok(prepared, 'needs "prepareForPermissions without permissions", which did not pass');
  const sessionSigner = privateKeyToAccount(generatePrivateKey());
  const sca = orchestrator.addressOn(base.id, true);
  const sessionDetails = await sessionsMeeClient.grantPermissionTypedDataSign({
    redeemer: sessionSigner.address,
    actions: counterActions(),
  });
  const counters = [await counterOf(base.id, sca), await counterOf(optimism.id, sca)];
  const scaBase = await usdcBalance(base.id, sca);

  const dapp = await sessionSignerClient(sessionSigner);
  const usePermissionPayload = await dapp.usePermission({
    sponsorship: true,
    sessionDetails,
    mode: "ENABLE_AND_USE",
    instructions: chains.map((chain) => ({ chainId: chain.id, calls: [incrementCall] })),
  });
  await waitSuccess(meeClient, usePermissionPayload.hash);

  assert.deepEqual([await counterOf(base.id, sca), await counterOf(optimism.id, sca)], [counters[0] + 1n, counters[1] + 1n]);
  assert.equal(await usdcBalance(base.id, sca), scaBase, "the sponsor paid");
  const enabled = permissionsOf(await sessionsMeeClient.checkEnabledPermissions(sessionDetails));
  assert.equal(enabled.length, 2);
  for (const p of enabled) assert.equal(p.on, true);
});
