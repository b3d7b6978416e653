// Flow "grant": the docs' "Granting Permissions" path. The owner signs one EIP-712 grant for two
// chains off-chain (grantPermissionTypedDataSign); the session signer's first use enables it on
// both chains (usePermission ENABLE_AND_USE), paid in USDC.
import { before, test } from "node:test";
import assert from "node:assert/strict";
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
  USDC,
  chainConfigurations,
  counterOf,
  ensureCounter,
  incrementCall,
  sendUsdc,
  testAccount,
  usdcBalance,
} from "./lib/env.mjs";
import { chainOf, feeToken, permissionsOf, sessionSignerClient, usdc, waitSuccess } from "./lib/flows.mjs";

const chains = [base, optimism];
const eoa = testAccount(4);

let orchestrator;
let meeClient;
let sessionsMeeClient;
let prepared = false;

function counterActions() {
  return chains.map((chain) => ({
    chainId: chain.id,
    actionTarget: COUNTER,
    actionTargetSelector: INCREMENT_SELECTOR,
    actionPolicies: [getSudoPolicy()],
  }));
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
  const dapp = await sessionSignerClient({ sessionSigner, accountAddress: sca, chains });
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
    const chainId = chainOf(detail);
    assert.equal(await sessionsMeeClient.isPermissionEnabled({ permissionId: detail.permissionId, chainId }), true);
  }
});
