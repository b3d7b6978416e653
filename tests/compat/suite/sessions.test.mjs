// Flow "sessions": the docs' recommended Smart Sessions flow. The owner prepares the account
// (prepareForPermissions), enables permissions on-chain (getSessionQuote PREPARE), and the session
// signer uses them (usePermission USE), paying in USDC. Every step is checked on-chain.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { erc20Abi, keccak256, stringToHex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { base, optimism } from "viem/chains";
import {
  createMeeClient,
  meeSessionActions,
  toMultichainNexusAccount,
  toSmartSessionsModule,
} from "@biconomy/abstractjs";
import {
  API_KEY,
  CHAINS,
  COUNTER,
  INCREMENT_SELECTOR,
  NODE_URL,
  RECEIPT_TIMEOUT_MS,
  USDC,
  chainConfigurations,
  counterOf,
  ensureCounter,
  incrementCall,
  mcUSDC,
  publicClient,
  sendUsdc,
  testAccount,
  usdcBalance,
  within,
} from "./lib/env.mjs";
import {
  chainOf,
  feeToken,
  mainSessionActions,
  permissionsOf,
  sessionSignerClient,
  ssInstalled,
  usdc,
  waitSuccess,
} from "./lib/flows.mjs";

// The user (owner) and the session signer of the docs.
const eoa = testAccount(3);
const sessionSigner = privateKeyToAccount(generatePrivateKey());
const ssValidator = toSmartSessionsModule({ signer: sessionSigner });
// Who the session may pay, and who it may not.
const allowedRecipient = privateKeyToAccount(generatePrivateKey()).address;
const otherRecipient = privateKeyToAccount(generatePrivateKey()).address;

/** Results of earlier tests that later ones build on. */
const state = {};
function needs(key, what) {
  if (!state[key]) throw new Error(`needs "${what}", which did not pass`);
  return state[key];
}

let orchestrator;
let meeClient;
let sessionsMeeClient;

before(async () => {
  await ensureCounter(testAccount(7));
  orchestrator = await toMultichainNexusAccount({
    signer: eoa,
    chainConfigurations: chainConfigurations(),
  });
});

test("createMeeClient + meeSessionActions for the owner's orchestrator account on four chains", async () => {
  meeClient = await createMeeClient({ account: orchestrator, url: NODE_URL, apiKey: API_KEY });
  sessionsMeeClient = meeClient.extend(meeSessionActions);
  for (const name of ["prepareForPermissions", "usePermission", "isPermissionEnabled", "checkEnabledPermissions"]) {
    assert.equal(typeof sessionsMeeClient[name], "function", name);
  }
  state.client = true;
});

test("prepareForPermissions: deploys on four chains, installs Smart Sessions, fee in USDC on Base", async () => {
  needs("client", "createMeeClient");
  const sca = orchestrator.addressOn(base.id, true);
  // "Fund the SCA": a plain USDC transfer from the EOA to the counterfactual address.
  await sendUsdc(eoa, base.id, sca, usdc(20));

  const payload = await sessionsMeeClient.prepareForPermissions({
    smartSessionsValidator: ssValidator,
    feeToken,
  });
  assert.ok(payload, "an undeployed account has something to prepare");
  await waitSuccess(meeClient, payload.hash);

  for (const chain of CHAINS) {
    const deployment = orchestrator.deploymentOn(chain.id, true);
    assert.equal(await deployment.isDeployed(), true, `deployed on chain ${chain.id}`);
    assert.equal(await ssInstalled(chain.id, deployment.address), true, `Smart Sessions installed on chain ${chain.id}`);
  }
  const fee = usdc(20) - (await usdcBalance(base.id, sca));
  assert.ok(fee > 0n && fee < usdc(5), `a fee in USDC was paid on Base (${fee})`);

  // Prepared once: a second call finds nothing to do.
  const again = await sessionsMeeClient.prepareForPermissions({ smartSessionsValidator: ssValidator, feeToken });
  assert.equal(again, undefined, "nothing left to prepare");
  state.prepared = true;
});

test("getSessionQuote PREPARE (batchActions true): actions on Base and Optimism with sudo, universal, time frame, spending limit and usage limit policies, maxPaymentAmount 2 USDC", async () => {
  needs("prepared", "prepareForPermissions");
  const sca = orchestrator.addressOn(base.id, true);
  // Fund the account on Optimism for the session's USDC transfers.
  await sendUsdc(eoa, optimism.id, sca, usdc(10));
  const actions = mainSessionActions(orchestrator, Math.floor(Date.now() / 1000), allowedRecipient);

  const prepared = await meeClient.getSessionQuote({
    mode: "PREPARE",
    enableSession: { redeemer: sessionSigner.address, actions, maxPaymentAmount: usdc(2), batchActions: true },
    feeToken,
  });
  assert.ok(prepared, "there are permissions to enable");
  assert.equal(prepared.sessionDetails.length, 2, "one session per chain");
  // Smart Sessions is installed already: one enable op per chain, plus the payment op.
  assert.equal(prepared.quote.userOps.length, 3);

  const { hash } = await meeClient.executeSessionQuote(prepared);
  await waitSuccess(meeClient, hash);
  state.sessionDetails = prepared.sessionDetails;
});

test("isPermissionEnabled and checkEnabledPermissions report the enabled permissions", async () => {
  const sessionDetails = needs("sessionDetails", "getSessionQuote PREPARE (batchActions true)");
  for (const detail of sessionDetails) {
    const chainId = chainOf(detail);
    assert.equal(
      await sessionsMeeClient.isPermissionEnabled({ permissionId: detail.permissionId, chainId }),
      true,
      `permission enabled on chain ${chainId}`,
    );
  }
  const unknown = keccak256(stringToHex("a permission nobody enabled"));
  assert.equal(await sessionsMeeClient.isPermissionEnabled({ permissionId: unknown, chainId: base.id }), false);

  const enabled = permissionsOf(await sessionsMeeClient.checkEnabledPermissions(sessionDetails));
  assert.deepEqual(
    enabled.map((p) => [p.id, Number(p.chain)]).sort(),
    sessionDetails.map((d) => [d.permissionId, chainOf(d)]).sort(),
    "one entry per granted permission and chain",
  );
  for (const p of enabled) assert.equal(p.on, true, `${p.id} on chain ${p.chain}`);
});

test("usePermission USE across Base and Optimism: counter on both, USDC approve on Base, USDC transfer on Optimism, fee in USDC on Base", async () => {
  const sessionDetails = needs("sessionDetails", "getSessionQuote PREPARE (batchActions true)");
  const sca = orchestrator.addressOn(base.id, true);
  const dapp = await sessionSignerClient({ sessionSigner, accountAddress: orchestrator.addressOn(base.id, true) });
  const before = {
    counterBase: await counterOf(base.id, sca),
    counterOp: await counterOf(optimism.id, sca),
    scaBase: await usdcBalance(base.id, sca),
    scaOp: await usdcBalance(optimism.id, sca),
    recipientOp: await usdcBalance(optimism.id, allowedRecipient),
  };

  const executionPayload = await dapp.usePermission({
    sessionDetails,
    mode: "USE",
    feeToken,
    instructions: [
      { chainId: base.id, calls: [incrementCall] },
      mcUSDC.on(base.id).approve({ args: [allowedRecipient, usdc(2)], gasLimit: 100_000n }),
      { chainId: optimism.id, calls: [incrementCall] },
      mcUSDC.on(optimism.id).transfer({ args: [allowedRecipient, usdc(1)], gasLimit: 100_000n }),
    ],
  });
  await waitSuccess(meeClient, executionPayload.hash);

  const allowance = await publicClient(base.id).readContract({
    address: USDC,
    abi: erc20Abi,
    functionName: "allowance",
    args: [sca, allowedRecipient],
  });
  assert.equal(allowance, usdc(2), "approve within the spending limit");

  assert.equal(await counterOf(base.id, sca), before.counterBase + 1n);
  assert.equal(await counterOf(optimism.id, sca), before.counterOp + 1n);
  assert.equal(await usdcBalance(optimism.id, allowedRecipient), before.recipientOp + usdc(1));
  assert.equal(await usdcBalance(optimism.id, sca), before.scaOp - usdc(1));
  const fee = before.scaBase - (await usdcBalance(base.id, sca));
  assert.ok(fee > 0n && fee <= usdc(2), `fee ${fee} paid in USDC within maxPaymentAmount`);
  state.used = true;
});

test("a call outside the grant (USDC transfer to another recipient) fails with the error surfaced by the SDK", async (t) => {
  const sessionDetails = needs("sessionDetails", "getSessionQuote PREPARE (batchActions true)");
  // Only meaningful if the same session can make the allowed transfer.
  needs("used", "usePermission USE across Base and Optimism");
  const sca = orchestrator.addressOn(base.id, true);
  const dapp = await sessionSignerClient({ sessionSigner, accountAddress: orchestrator.addressOn(base.id, true) });
  const scaOpBefore = await usdcBalance(optimism.id, sca);
  const scaBaseBefore = await usdcBalance(base.id, sca);

  let error;
  try {
    const payload = await dapp.usePermission({
      sessionDetails,
      mode: "USE",
      feeToken,
      instructions: [mcUSDC.on(optimism.id).transfer({ args: [otherRecipient, usdc(1)], gasLimit: 100_000n })],
    });
    await within(RECEIPT_TIMEOUT_MS, "waitForSupertransactionReceipt", meeClient.waitForSupertransactionReceipt({ hash: payload.hash }));
  } catch (err) {
    error = err;
  }
  assert.ok(error instanceof Error, "the SDK throws");
  assert.ok(!(error instanceof TypeError), `not a transport failure: ${error?.message}`);
  assert.ok(!/no result within/.test(error.message), error.message);
  assert.ok(error.message.length > 0);
  t.diagnostic(`SDK error: ${error.message.split("\n")[0]}`);
  t.diagnostic(`fee taken on Base for the refused supertransaction: ${scaBaseBefore - (await usdcBalance(base.id, sca))}`);

  assert.equal(await usdcBalance(optimism.id, otherRecipient), 0n, "nothing reached the other recipient");
  assert.equal(await usdcBalance(optimism.id, sca), scaOpBefore, "the account kept its USDC on Optimism");
});

test("getSessionQuote PREPARE with batchActions false on a fresh account (deploy + install + one enable per action group), then USE of the second group", async () => {
  await ensureCounter(testAccount(7));
  const owner = testAccount(5);
  const chains = [base, optimism];
  const account = await toMultichainNexusAccount({ signer: owner, chainConfigurations: chainConfigurations({ chains }) });
  const client = await createMeeClient({ account, url: NODE_URL, apiKey: API_KEY });
  const sca = account.addressOn(base.id, true);
  await sendUsdc(owner, base.id, sca, usdc(20));

  const actions = [
    account.buildSessionAction({
      type: "custom",
      data: { chainIds: [base.id], contractAddress: COUNTER, functionSignature: INCREMENT_SELECTOR },
    }),
    account.buildSessionAction({
      type: "approve",
      data: { chainIds: [base.id], contractAddress: USDC, recipientAddress: allowedRecipient, amountLimitPerAction: usdc(5) },
    }),
    account.buildSessionAction({
      type: "custom",
      data: { chainIds: [optimism.id], contractAddress: COUNTER, functionSignature: INCREMENT_SELECTOR },
    }),
  ];
  // No maxPaymentAmount: the SDK reads USDC's decimals from the chain and allows 5 USDC.
  const prepared = await client.getSessionQuote({
    mode: "PREPARE",
    enableSession: { redeemer: sessionSigner.address, actions, batchActions: false },
    feeToken,
  });
  assert.ok(prepared);
  assert.equal(prepared.sessionDetails.length, 2);
  const { hash } = await client.executeSessionQuote(prepared);
  await waitSuccess(client, hash);
  for (const chain of chains) {
    assert.equal(await account.deploymentOn(chain.id, true).isDeployed(), true, `deployed on chain ${chain.id}`);
  }

  // The approve action was enabled by its own enableSessions call: using it proves it.
  const dapp = await sessionSignerClient({ sessionSigner, accountAddress: sca, chains });
  const counterBefore = await counterOf(optimism.id, sca);
  const payload = await dapp.usePermission({
    sessionDetails: prepared.sessionDetails,
    mode: "USE",
    feeToken,
    instructions: [
      mcUSDC.on(base.id).approve({ args: [allowedRecipient, usdc(4)], gasLimit: 100_000n }),
      { chainId: optimism.id, calls: [incrementCall] },
    ],
  });
  await waitSuccess(client, payload.hash);
  const allowance = await publicClient(base.id).readContract({
    address: USDC,
    abi: erc20Abi,
    functionName: "allowance",
    args: [sca, allowedRecipient],
  });
  assert.equal(allowance, usdc(4));
  assert.equal(await counterOf(optimism.id, sca), counterBefore + 1n);
});
