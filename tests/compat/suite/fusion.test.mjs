// Flow "fusion": supertransactions started by the EOA's token trigger (an EIP-2612 permit of USDC),
// on their own and as the funding step of prepareForPermissions (docs step 2).
import { test } from "node:test";
import assert from "node:assert/strict";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { base, optimism } from "viem/chains";
import { createMeeClient, meeSessionActions, toMultichainNexusAccount, toSmartSessionsModule } from "@biconomy/abstractjs";
import { API_KEY, NODE_URL, USDC, V2_0_0, chainConfigurations, publicClient, testAccount, usdcBalance } from "./lib/env.mjs";
import { feeToken, ssInstalled, usdc, waitSuccess } from "./lib/flows.mjs";

const owner = testAccount(2);

test("fusion supertransaction: getFusionQuote with a USDC permit trigger on Base, executeFusionQuote", async () => {
  const account = await toMultichainNexusAccount({
    signer: owner,
    chainConfigurations: chainConfigurations({ version: V2_0_0, chains: [base] }),
  });
  const meeClient = await createMeeClient({ account, url: NODE_URL, apiKey: API_KEY });
  const sca = account.addressOn(base.id, true);
  const recipient = privateKeyToAccount(generatePrivateKey()).address;
  const amount = usdc(3);
  const eoaBefore = await usdcBalance(base.id, owner.address);

  // The account holds nothing: the trigger pulls the amount plus the fee from the EOA by permit.
  const fusionQuote = await meeClient.getFusionQuote({
    trigger: { tokenAddress: USDC, chainId: base.id, amount },
    instructions: [
      await account.build({ type: "transfer", data: { chainId: base.id, tokenAddress: USDC, amount, recipient } }),
    ],
    feeToken,
  });
  assert.equal(fusionQuote.quote.quoteType, "permit", "USDC has permit, so the SDK chose a permit quote");
  const fee = BigInt(fusionQuote.quote.paymentInfo.tokenWeiAmount);
  assert.equal(fusionQuote.trigger.amount, amount + fee, "trigger amount includes the fee");

  const { hash } = await meeClient.executeFusionQuote({ fusionQuote });
  await waitSuccess(meeClient, hash);

  const code = await publicClient(base.id).getCode({ address: sca });
  assert.ok(code && code !== "0x", "account deployed on Base");
  assert.equal(await usdcBalance(base.id, recipient), amount);
  assert.equal(await usdcBalance(base.id, owner.address), eoaBefore - amount - fee, "EOA paid the amount and the fee");
  assert.equal(await usdcBalance(base.id, sca), 0n, "nothing left in the account");
});

test("prepareForPermissions with a permit trigger (docs step 2): 10 USDC pulled from the EOA pays the fee and funds the account", async () => {
  const chains = [base, optimism];
  const account = await toMultichainNexusAccount({
    signer: owner,
    index: 1n,
    chainConfigurations: chainConfigurations({ chains }),
  });
  const client = (await createMeeClient({ account, url: NODE_URL, apiKey: API_KEY })).extend(meeSessionActions);
  const sca = account.addressOn(base.id, true);
  const eoaBefore = await usdcBalance(base.id, owner.address);

  const payload = await client.prepareForPermissions({
    smartSessionsValidator: toSmartSessionsModule({ signer: privateKeyToAccount(generatePrivateKey()) }),
    feeToken,
    trigger: { tokenAddress: USDC, chainId: base.id, amount: usdc(10) },
  });
  assert.ok(payload, "an undeployed account has something to prepare");
  await waitSuccess(client, payload.hash);

  for (const chain of chains) {
    assert.equal(await ssInstalled(chain.id, sca), true, `Smart Sessions installed on chain ${chain.id}`);
  }
  assert.equal(await usdcBalance(base.id, sca), usdc(10), "the account keeps exactly the trigger amount");
  const paid = eoaBefore - (await usdcBalance(base.id, owner.address));
  assert.ok(paid > usdc(10), `the EOA paid 10 USDC plus the fee (${paid})`);
});

test("on-chain trigger: getOnChainQuote + executeFusionQuote (the EOA sends approve ‖ hash and waits for 2 confirmations)", async () => {
  const account = await toMultichainNexusAccount({
    signer: owner,
    index: 2n,
    chainConfigurations: chainConfigurations({ version: V2_0_0, chains: [base] }),
  });
  const meeClient = await createMeeClient({ account, url: NODE_URL, apiKey: API_KEY });
  const recipient = privateKeyToAccount(generatePrivateKey()).address;
  const amount = usdc(2);
  const eoaBefore = await usdcBalance(base.id, owner.address);

  const fusionQuote = await meeClient.getOnChainQuote({
    trigger: { tokenAddress: USDC, chainId: base.id, amount },
    instructions: [
      await account.build({ type: "transfer", data: { chainId: base.id, tokenAddress: USDC, amount, recipient } }),
    ],
    feeToken,
  });
  assert.equal(fusionQuote.quote.quoteType, "onchain");
  const fee = BigInt(fusionQuote.quote.paymentInfo.tokenWeiAmount);
  assert.equal(fusionQuote.trigger.amount, amount + fee, "trigger amount includes the fee");

  // The devnet mines only on demand; a live chain keeps producing blocks. Mine one every 300 ms
  // so the SDK's two confirmations of the trigger transaction arrive.
  const chain = publicClient(base.id);
  const miner = setInterval(() => chain.request({ method: "evm_mine", params: [] }).catch(() => {}), 300);
  try {
    const { hash } = await meeClient.executeFusionQuote({ fusionQuote });
    await waitSuccess(meeClient, hash);
  } finally {
    clearInterval(miner);
  }
  assert.equal(await usdcBalance(base.id, recipient), amount);
  assert.equal(await usdcBalance(base.id, owner.address), eoaBefore - amount - fee, "EOA paid the amount and the fee");
});
