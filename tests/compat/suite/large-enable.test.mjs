// Flow "large-enable": the docs' default batching (every action of a chain in one enableSessions
// call) for a session larger than the main flow's, on an account that has Smart Sessions installed
// already, with the gas limits the SDK asks for.
import { test } from "node:test";
import assert from "node:assert/strict";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { base, optimism } from "viem/chains";
import { createMeeClient, meeSessionActions, toMultichainNexusAccount, toSmartSessionsModule } from "@biconomy/abstractjs";
import { API_KEY, NODE_URL, USDC, chainConfigurations, sendUsdc, testAccount } from "./lib/env.mjs";
import { chainOf, feeToken, mainSessionActions, ssInstalled, usdc, waitSuccess } from "./lib/flows.mjs";

const sessionSigner = privateKeyToAccount(generatePrivateKey());
const allowedRecipient = privateKeyToAccount(generatePrivateKey()).address;

test("getSessionQuote PREPARE (batchActions true) with three actions and six action policies on Optimism in one enableSessions call (the SDK's default 700,000 call gas)", async () => {
  // The docs' default: every action of a chain in one enableSessions call, on an account that has
  // Smart Sessions installed already. The SDK asks for 700,000 gas for that call; the node must make
  // the enable fit (or the SDK user gets an out-of-gas MINED_FAIL).
  const owner = testAccount(6);
  const chains = [base, optimism];
  const account = await toMultichainNexusAccount({
    signer: owner,
    index: 1n,
    chainConfigurations: chainConfigurations({ chains }),
  });
  const client = (await createMeeClient({ account, url: NODE_URL, apiKey: API_KEY })).extend(meeSessionActions);
  const sca = account.addressOn(base.id, true);
  await sendUsdc(owner, base.id, sca, usdc(20));
  // Install first, as the docs recommend, so the enable is a call of its own.
  const installed = await client.prepareForPermissions({
    smartSessionsValidator: toSmartSessionsModule({ signer: sessionSigner }),
    feeToken,
  });
  if (installed) await waitSuccess(client, installed.hash);
  for (const chain of chains) assert.equal(await ssInstalled(chain.id, sca), true);

  const now = Math.floor(Date.now() / 1000);
  const actions = [
    ...mainSessionActions(account, now, allowedRecipient),
    account.buildSessionAction({
      type: "approve",
      data: { chainIds: [optimism.id], contractAddress: USDC, policies: [{ type: "spendingLimits", tokenLimits: [{ limit: usdc(2) }] }] },
    }),
  ];
  const prepared = await client.getSessionQuote({
    mode: "PREPARE",
    enableSession: { redeemer: sessionSigner.address, actions, maxPaymentAmount: usdc(2), batchActions: true },
    feeToken,
  });
  const { hash } = await client.executeSessionQuote(prepared);
  await waitSuccess(client, hash);
  for (const detail of prepared.sessionDetails) {
    const chainId = chainOf(detail);
    assert.equal(await client.isPermissionEnabled({ permissionId: detail.permissionId, chainId }), true, `enabled on chain ${chainId}`);
  }
});
