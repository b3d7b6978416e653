// Flow "sponsored": the session signer's supertransactions paid by the sponsor (sponsorship: true),
// for a permission enabled on-chain beforehand (USE, by the SDK's default tank and by a self-hosted
// tank with the node as sponsorship backend) and for an off-chain grant (ENABLE_AND_USE, the docs'
// sponsored example). The account's USDC must stay untouched.
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
  devnet,
  counterOf,
  ensureCounter,
  incrementCall,
  sendUsdc,
  testAccount,
  usdcBalance,
} from "./lib/env.mjs";
import { feeToken, permissionsOf, sessionSignerClient, usdc, waitSuccess } from "./lib/flows.mjs";

const chains = [base, optimism];
const eoa = testAccount(7);
const sessionSigner = privateKeyToAccount(generatePrivateKey());

let orchestrator;
let sca;
let sessionsMeeClient;
let meeClient;
let sessionDetails;

const counterSessionActions = () =>
  chains.map((chain) => ({
    chainId: chain.id,
    actionTarget: COUNTER,
    actionTargetSelector: INCREMENT_SELECTOR,
    actionPolicies: [getSudoPolicy()],
  }));

async function balances() {
  return [await usdcBalance(base.id, sca), await usdcBalance(optimism.id, sca)];
}
async function counters() {
  return [await counterOf(base.id, sca), await counterOf(optimism.id, sca)];
}

// The owner's part, paid in USDC: deploy, install Smart Sessions and enable the counter on both
// chains for the session signer.
before(async () => {
  await ensureCounter(testAccount(7));
  orchestrator = await toMultichainNexusAccount({ signer: eoa, chainConfigurations: chainConfigurations({ chains }) });
  sca = orchestrator.addressOn(base.id, true);
  meeClient = await createMeeClient({ account: orchestrator, url: NODE_URL, apiKey: API_KEY });
  sessionsMeeClient = meeClient.extend(meeSessionActions);
  await sendUsdc(eoa, base.id, sca, usdc(20));
  const prepared = await sessionsMeeClient.prepareForPermissions({
    smartSessionsValidator: toSmartSessionsModule({ signer: sessionSigner }),
    redeemer: sessionSigner.address,
    actions: chains.map((chain) =>
      orchestrator.buildSessionAction({
        type: "custom",
        data: { chainIds: [chain.id], contractAddress: COUNTER, functionSignature: INCREMENT_SELECTOR },
      }),
    ),
    feeToken,
  });
  await waitSuccess(meeClient, prepared.hash);
  sessionDetails = prepared.sessionDetails;
});

test("usePermission USE sponsored: counter on Base and Optimism, no fee taken from the account", async () => {
  const dapp = await sessionSignerClient({ sessionSigner, accountAddress: sca, chains });
  const [countersBefore, balancesBefore] = [await counters(), await balances()];

  const payload = await dapp.usePermission({
    sponsorship: true,
    sessionDetails,
    mode: "USE",
    instructions: chains.map((chain) => ({ chainId: chain.id, calls: [incrementCall] })),
  });
  await waitSuccess(meeClient, payload.hash);

  assert.deepEqual(await counters(), countersBefore.map((n) => n + 1n));
  assert.deepEqual(await balances(), balancesBefore, "the sponsor paid");
});

test("usePermission USE sponsored by a self-hosted gas tank: sponsorshipOptions with the node as sponsorship backend (nonce and sign endpoints)", async () => {
  const dapp = await sessionSignerClient({ sessionSigner, accountAddress: sca, chains });
  const tank = devnet.gas_tanks.self_hosted;
  const [countersBefore, balancesBefore] = [await counters(), await balances()];
  const tankBefore = await usdcBalance(base.id, tank);

  const payload = await dapp.usePermission({
    sponsorship: true,
    sponsorshipOptions: { url: NODE_URL, gasTank: { address: tank, token: USDC, chainId: base.id } },
    sessionDetails,
    mode: "USE",
    instructions: chains.map((chain) => ({ chainId: chain.id, calls: [incrementCall] })),
  });
  await waitSuccess(meeClient, payload.hash);

  assert.deepEqual(await counters(), countersBefore.map((n) => n + 1n));
  assert.deepEqual(await balances(), balancesBefore, "the sponsor paid");
  assert.ok((await usdcBalance(base.id, tank)) < tankBefore, "the self-hosted tank paid the fee");
});

test("grantPermissionTypedDataSign, then sponsored usePermission ENABLE_AND_USE on Base and Optimism (the docs' sponsored example)", async () => {
  const grantee = privateKeyToAccount(generatePrivateKey());
  const granted = await sessionsMeeClient.grantPermissionTypedDataSign({
    redeemer: grantee.address,
    actions: counterSessionActions(),
  });
  const [countersBefore, balancesBefore] = [await counters(), await balances()];

  const dappSessionClient = await sessionSignerClient({ sessionSigner: grantee, accountAddress: sca, chains });
  const usePermissionPayload = await dappSessionClient.usePermission({
    sponsorship: true,
    sessionDetails: granted,
    mode: "ENABLE_AND_USE",
    instructions: chains.map((chain) => ({ chainId: chain.id, calls: [incrementCall] })),
  });
  await waitSuccess(meeClient, usePermissionPayload.hash);

  assert.deepEqual(await counters(), countersBefore.map((n) => n + 1n));
  assert.deepEqual(await balances(), balancesBefore, "the sponsor paid");
  const enabled = permissionsOf(await sessionsMeeClient.checkEnabledPermissions(granted));
  assert.equal(enabled.length, 2);
  for (const p of enabled) assert.equal(p.on, true, `${p.id} enabled on chain ${p.chain}`);
});
