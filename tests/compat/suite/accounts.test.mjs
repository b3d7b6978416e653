// Flow "accounts": the multichain account and the MEE client, as in the docs' "Setup & Boilerplate".
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseAbi, zeroAddress } from "viem";
import { createMeeClient, toMultichainNexusAccount } from "@biconomy/abstractjs";
import {
  API_KEY,
  CHAINS,
  NODE_URL,
  USDC,
  V2_0_0,
  V2_1_0,
  chainConfigurations,
  publicClient,
  testAccount,
} from "./lib/env.mjs";

const owner = testAccount(0);
const CHAIN_IDS = CHAINS.map((c) => c.id);
const implementationAbi = parseAbi(["function accountId() view returns (string)"]);

for (const version of [V2_0_0, V2_1_0]) {
  test(`toMultichainNexusAccount on chains 10, 8453, 42161, 137 (MEE ${version.version})`, async () => {
    const account = await toMultichainNexusAccount({
      signer: owner,
      chainConfigurations: chainConfigurations({ version }),
    });

    assert.deepEqual(
      account.deployments.map((d) => d.client.chain.id),
      CHAIN_IDS,
    );
    const address = account.addressOn(8453, true);
    assert.notEqual(address, zeroAddress);
    for (const chainId of CHAIN_IDS) {
      const deployment = account.deploymentOn(chainId, true);
      // Same factory and init data everywhere, so the same counterfactual address on every chain.
      assert.equal(account.addressOn(chainId, true), address, `address on chain ${chainId}`);
      assert.equal(deployment.version.version, version.version);

      // The SDK's init code, run against the devnet factory, creates exactly the address the SDK
      // reports: the factory, bootstrap and implementation agree with the SDK's encoding.
      const { factory, factoryData } = await deployment.getFactoryArgs();
      assert.equal(factory.toLowerCase(), version.factoryAddress.toLowerCase());
      const { data } = await publicClient(chainId).call({ to: factory, data: factoryData });
      assert.equal(`0x${data.slice(26)}`.toLowerCase(), address.toLowerCase(), `createAccount on chain ${chainId}`);

      const accountId = await publicClient(chainId).readContract({
        address: version.implementationAddress,
        abi: implementationAbi,
        functionName: "accountId",
      });
      assert.equal(accountId, version.accountId);
    }
  });

  test(`createMeeClient against the node: GET /v1/info lists the chains and USDC (MEE ${version.version})`, async () => {
    const account = await toMultichainNexusAccount({
      signer: owner,
      chainConfigurations: chainConfigurations({ version }),
    });
    // Exactly the docs' call, with the node URL and API key of this node.
    const meeClient = await createMeeClient({ account, url: NODE_URL, apiKey: API_KEY });

    const info = meeClient.info;
    const supported = info.supportedChains.map((c) => Number(c.chainId));
    for (const chainId of CHAIN_IDS) {
      assert.ok(supported.includes(chainId), `chain ${chainId} in supportedChains`);
    }
    const baseTokens = info.supportedGasTokens.find((g) => Number(g.chainId) === 8453);
    assert.ok(baseTokens, "Base in supportedGasTokens");
    assert.ok(Array.isArray(baseTokens.paymentTokens), "paymentTokens is an array");
    const usdc = baseTokens.paymentTokens.find((t) => t.address.toLowerCase() === USDC.toLowerCase());
    assert.ok(usdc, "USDC is a payment token on Base");
    assert.equal(Number(usdc.decimals), 6);
    assert.equal(usdc.permitEnabled, true, "USDC has EIP-2612 permit on the devnet");
    for (const gasTokens of info.supportedGasTokens) {
      assert.ok(Array.isArray(gasTokens.paymentTokens), `paymentTokens of chain ${gasTokens.chainId}`);
    }
  });
}
