// Flow "supertx": plain supertransactions with the fee paid in USDC on Base.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseUnits } from "viem";
import { privateKeyToAccount, generatePrivateKey } from "viem/accounts";
import { createMeeClient, toMultichainNexusAccount } from "@biconomy/abstractjs";
import {
  API_KEY,
  NODE_URL,
  RECEIPT_TIMEOUT_MS,
  USDC,
  V2_0_0,
  V2_1_0,
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
import { arbitrum, base, optimism } from "viem/chains";

const feeToken = { address: USDC, chainId: base.id };

/** A fresh account (random index) of a funded owner, and its MEE client. */
async function accountAndClient(owner, version, chains) {
  const account = await toMultichainNexusAccount({
    signer: owner,
    index: BigInt(Date.now()),
    chainConfigurations: chainConfigurations({ version, chains }),
  });
  const meeClient = await createMeeClient({ account, url: NODE_URL, apiKey: API_KEY });
  return { account, meeClient };
}

async function expectDeployed(account, chainIds) {
  for (const chainId of chainIds) {
    const code = await publicClient(chainId).getCode({ address: account.addressOn(chainId, true) });
    assert.ok(code && code !== "0x", `account deployed on chain ${chainId}`);
  }
}

test("plain supertransaction (MEE 2.0.0): getQuote with USDC fee on Base, signQuote, executeSignedQuote, transfers on Base and Optimism", async (t) => {
  const owner = testAccount(1);
  const { account, meeClient } = await accountAndClient(owner, V2_0_0, [optimism, base]);
  const sca = account.addressOn(base.id, true);
  const recipient = privateKeyToAccount(generatePrivateKey()).address;
  const amount = parseUnits("1", 6);

  // Fund the (undeployed) account: 10 USDC on Base for the transfer and the fee, 1 on Optimism.
  await sendUsdc(owner, base.id, sca, parseUnits("10", 6));
  await sendUsdc(owner, optimism.id, sca, amount);

  const quote = await meeClient.getQuote({
    instructions: [
      mcUSDC.on(base.id).transfer({ args: [recipient, amount], gasLimit: 100_000n }),
      await account.build({
        type: "transfer",
        data: { chainId: optimism.id, tokenAddress: USDC, amount, recipient },
      }),
    ],
    feeToken,
  });
  assert.equal(quote.userOps.length, 3, "payment op + one op per chain");
  assert.equal(quote.paymentInfo.sponsored, false);
  const fee = BigInt(quote.paymentInfo.tokenWeiAmount);
  assert.ok(fee > 0n, "a fee is quoted");
  assert.ok(fee < parseUnits("5", 6), `fee ${fee} below 5 USDC`);
  t.diagnostic(`quoted fee: ${quote.paymentInfo.tokenAmount} USDC for ${quote.userOps.length} userOps`);

  const signedQuote = await meeClient.signQuote({ quote });
  const { hash } = await meeClient.executeSignedQuote({ signedQuote });
  assert.equal(hash.toLowerCase(), quote.hash.toLowerCase(), "exec answers with the supertransaction hash");

  const receipt = await within(RECEIPT_TIMEOUT_MS, "waitForSupertransactionReceipt", meeClient.waitForSupertransactionReceipt({ hash }));
  assert.equal(receipt.transactionStatus, "MINED_SUCCESS");
  for (const r of receipt.receipts) assert.equal(r.status, "success");

  await expectDeployed(account, [base.id, optimism.id]);
  assert.equal(await usdcBalance(base.id, recipient), amount);
  assert.equal(await usdcBalance(optimism.id, recipient), amount);
  assert.equal(await usdcBalance(base.id, sca), parseUnits("10", 6) - amount - fee, "Base: transfer and exactly the quoted fee");
  assert.equal(await usdcBalance(optimism.id, sca), 0n);
});

test("plain supertransaction (MEE 2.1.0): executeQuote of a USDC transfer on Base", async () => {
  const owner = testAccount(1);
  const { account, meeClient } = await accountAndClient(owner, V2_1_0, [base]);
  const sca = account.addressOn(base.id, true);
  const recipient = privateKeyToAccount(generatePrivateKey()).address;
  const amount = parseUnits("2", 6);
  await sendUsdc(owner, base.id, sca, parseUnits("10", 6));

  const quote = await meeClient.getQuote({
    instructions: [
      await account.build({ type: "transfer", data: { chainId: base.id, tokenAddress: USDC, amount, recipient } }),
    ],
    feeToken,
  });
  const fee = BigInt(quote.paymentInfo.tokenWeiAmount);
  const { hash } = await meeClient.executeQuote({ quote });
  const receipt = await within(RECEIPT_TIMEOUT_MS, "waitForSupertransactionReceipt", meeClient.waitForSupertransactionReceipt({ hash }));
  assert.equal(receipt.transactionStatus, "MINED_SUCCESS");

  await expectDeployed(account, [base.id]);
  assert.equal(await usdcBalance(base.id, recipient), amount);
  assert.equal(await usdcBalance(base.id, sca), parseUnits("10", 6) - amount - fee);
});

test("plain supertransaction on a chain idle for two seconds (Arbitrum): the quote's lower bound is later than the chain's last block", async () => {
  // On a live chain the newest block is usually older than "now", the SDK's default lower bound; a
  // node must execute such a userOp in the next block rather than refuse it.
  const owner = testAccount(1);
  const { account, meeClient } = await accountAndClient(owner, V2_0_0, [base, arbitrum]);
  const sca = account.addressOn(arbitrum.id, true);
  await ensureCounter(testAccount(7));
  await sendUsdc(owner, base.id, sca, parseUnits("10", 6));
  const head = await publicClient(arbitrum.id).getBlock();
  const idleUntil = (Number(head.timestamp) + 2) * 1000;
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, idleUntil - Date.now())));

  const quote = await meeClient.getQuote({ instructions: [{ chainId: arbitrum.id, calls: [incrementCall] }], feeToken });
  const { hash } = await meeClient.executeQuote({ quote });
  const receipt = await within(RECEIPT_TIMEOUT_MS, "waitForSupertransactionReceipt", meeClient.waitForSupertransactionReceipt({ hash }));
  assert.equal(receipt.transactionStatus, "MINED_SUCCESS");
  assert.equal(await counterOf(arbitrum.id, sca), 1n);
});
