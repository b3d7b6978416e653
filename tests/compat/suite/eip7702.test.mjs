// Flow "eip7702": the SDK's EIP-7702 mode (`delegate: true`) with MEE 2.1.0. The user's EOA is the
// account on every chain: the SDK signs an authorization to the 2.1.0 implementation, the quote
// carries it instead of an initCode, and the node sends it in type-4 handleOps transactions.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseUnits } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { base, optimism } from "viem/chains";
import { createMeeClient, toMultichainNexusAccount } from "@biconomy/abstractjs";
import {
  API_KEY,
  NODE_URL,
  USDC,
  V2_1_0,
  chainConfigurations,
  publicClient,
  sendUsdc,
  testAccount,
  usdcBalance,
} from "./lib/env.mjs";
import { feeToken, waitSuccess } from "./lib/flows.mjs";

test("EIP-7702 (delegate: true, multichain7702Auth, MEE 2.1.0): an EOA runs a supertransaction on Base and Optimism as its own account", async () => {
  const funder = testAccount(5);
  const eoa = privateKeyToAccount(generatePrivateKey());
  const chains = [base, optimism];
  const account = await toMultichainNexusAccount({
    signer: eoa,
    chainConfigurations: chainConfigurations({ chains, version: V2_1_0, accountAddress: eoa.address }),
  });
  assert.equal(account.addressOn(base.id, true), eoa.address);
  const client = await createMeeClient({ account, url: NODE_URL, apiKey: API_KEY });
  await sendUsdc(funder, base.id, eoa.address, parseUnits("10", 6));
  await sendUsdc(funder, optimism.id, eoa.address, parseUnits("1", 6));
  const recipient = privateKeyToAccount(generatePrivateKey()).address;
  const amount = parseUnits("0.5", 6);

  const quote = await client.getQuote({
    instructions: [
      await account.build({ type: "transfer", data: { chainId: optimism.id, tokenAddress: USDC, amount, recipient } }),
    ],
    feeToken,
    delegate: true,
    multichain7702Auth: true,
  });
  assert.ok(quote.userOps[0].eip7702Auth, "the payment userOp carries the authorization");
  assert.ok(quote.userOps[1].eip7702Auth, "so does the first userOp on Optimism");
  const { hash } = await client.executeQuote({ quote });
  await waitSuccess(client, hash);

  const designator = `0xef0100${V2_1_0.implementationAddress.slice(2).toLowerCase()}`;
  for (const chain of chains) {
    const code = await publicClient(chain.id).getCode({ address: eoa.address });
    assert.equal(code?.toLowerCase(), designator, `delegated on chain ${chain.id}`);
  }
  assert.equal(await usdcBalance(optimism.id, recipient), amount);
});
