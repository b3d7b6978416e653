// MEE node request bodies (POST quote, POST exec) exactly as the SDK sends
// them, captured by the in-process fetch stub (lib/mock-node.mjs).
import { encodeFunctionData, erc20Abi, parseUnits } from "viem";
import { createMeeClient, meeSessionActions } from "@biconomy/abstractjs";
import { makeAccount } from "../lib/accounts.mjs";
import { resetDeterminism } from "../lib/determinism.mjs";
import { installMockNode, httpLog, MOCK_NODE_URL, MOCK_API_KEY } from "../lib/mock-node.mjs";
import { runPrepare, runGrant } from "../lib/session-flows.mjs";
import * as F from "../lib/fixtures.mjs";

const transferIx = (chainId, token) => ({
  chainId,
  calls: [{ to: token, data: encodeFunctionData({ abi: erc20Abi, functionName: "transfer", args: [F.ALICE, parseUnits("1", 6)] }) }],
});
const counterIx = (chainId) => ({ chainId, calls: [{ to: F.COUNTER, data: "0x273ea3e3" }] });

const capture = async (name, description, run) => {
  resetDeterminism(`quote:${name}`, F.T0_MS);
  const start = httpLog.length;
  await run();
  const requests = httpLog.slice(start).map((r) => ({
    method: r.method,
    path: r.path,
    headers: r.headers,
    ...(r.bodyText ? { bodyVerbatim: JSON.parse(r.bodyText) } : {}),
  }));
  return { name, description, clockMs: F.T0_MS, requests };
};

export default async function quoteRequests() {
  installMockNode({ chainIds: [F.BASE, F.OPTIMISM], tokens: { [F.BASE]: F.USDC_BASE, [F.OPTIMISM]: F.USDC_OPTIMISM } });
  const feeToken = { address: F.USDC_BASE, chainId: F.BASE };
  const cases = [];

  cases.push(
    await capture("simple_undeployed_fee_token", "owner client, account not deployed, one transfer instruction on Base, fee in USDC on Base: getQuote + signQuote + exec (client.execute)", async () => {
      const account = await makeAccount({ signer: F.owner, chainIds: [F.BASE] });
      const client = await createMeeClient({ account, url: MOCK_NODE_URL, apiKey: MOCK_API_KEY });
      await client.execute({ instructions: [transferIx(F.BASE, F.USDC_BASE)], feeToken });
    }),
  );
  cases.push(
    await capture("simple_deployed_two_chains_batched", "owner client, account deployed, two instructions on Base (batched into one userOp) and one on Optimism", async () => {
      const account = await makeAccount({ signer: F.owner, chainIds: [F.BASE, F.OPTIMISM], chainOpts: { deployed: [F.ACCOUNT] } });
      const client = await createMeeClient({ account, url: MOCK_NODE_URL, apiKey: MOCK_API_KEY });
      await client.execute({ instructions: [transferIx(F.BASE, F.USDC_BASE), counterIx(F.BASE), counterIx(F.OPTIMISM)], feeToken });
    }),
  );
  cases.push(
    await capture("simple_sponsored", "owner client, account deployed, trusted sponsorship (default gas tank, default URL)", async () => {
      const account = await makeAccount({ signer: F.owner, chainIds: [F.BASE], chainOpts: { deployed: [F.ACCOUNT] } });
      const client = await createMeeClient({ account, url: MOCK_NODE_URL, apiKey: MOCK_API_KEY });
      await client.execute({ instructions: [counterIx(F.BASE)], sponsorship: true });
    }),
  );

  const prepared = await runPrepare("single_chain_fee_token_default_max_payment_batched");
  const prepareDetails = prepared.result.map((r) => r.sessionDetails);
  cases.push(
    await capture("session_use_fee_token", "session signer client on the owner's (deployed, SS installed) account: usePermission mode USE with PREPARE sessionDetails, fee in USDC on Base", async () => {
      const account = await makeAccount({ signer: F.sessionSigner, chainIds: [F.BASE], chainOpts: { deployed: [F.ACCOUNT], installedSS: [F.ACCOUNT] } });
      const client = (await createMeeClient({ account, url: MOCK_NODE_URL, apiKey: MOCK_API_KEY })).extend(meeSessionActions);
      await client.usePermission({ sessionDetails: prepareDetails, mode: "USE", instructions: [transferIx(F.BASE, F.USDC_BASE)], feeToken });
    }),
  );
  cases.push(
    await capture("session_use_sponsored", "as session_use_fee_token, sponsored", async () => {
      const account = await makeAccount({ signer: F.sessionSigner, chainIds: [F.BASE], chainOpts: { deployed: [F.ACCOUNT], installedSS: [F.ACCOUNT] } });
      const client = (await createMeeClient({ account, url: MOCK_NODE_URL, apiKey: MOCK_API_KEY })).extend(meeSessionActions);
      await client.usePermission({ sessionDetails: prepareDetails, mode: "USE", instructions: [counterIx(F.BASE)], sponsorship: true });
    }),
  );
  cases.push(
    await capture("session_get_session_quote_use", "getSessionQuote mode USE (quote only, then executeSessionQuote)", async () => {
      const account = await makeAccount({ signer: F.sessionSigner, chainIds: [F.BASE], chainOpts: { deployed: [F.ACCOUNT], installedSS: [F.ACCOUNT] } });
      const client = (await createMeeClient({ account, url: MOCK_NODE_URL, apiKey: MOCK_API_KEY })).extend(meeSessionActions);
      const q = await client.getSessionQuote({ mode: "USE", sessionDetails: prepareDetails, instructions: [counterIx(F.BASE)], feeToken });
      await client.executeSessionQuote(q);
    }),
  );
  const grant = await runGrant("two_chains_personal_sign");
  cases.push(
    await capture("session_enable_and_use_two_chains", "session signer: usePermission mode ENABLE_AND_USE with grantMeePermissionPersonalSign sessionDetails (Base + Optimism), fee in USDC on Base", async () => {
      const account = await makeAccount({ signer: F.sessionSigner, chainIds: [F.BASE, F.OPTIMISM], chainOpts: { deployed: [F.ACCOUNT], installedSS: [F.ACCOUNT] } });
      const client = (await createMeeClient({ account, url: MOCK_NODE_URL, apiKey: MOCK_API_KEY })).extend(meeSessionActions);
      await client.usePermission({
        sessionDetails: grant.sessionDetails,
        mode: "ENABLE_AND_USE",
        instructions: [counterIx(F.BASE), counterIx(F.OPTIMISM)],
        feeToken,
      });
    }),
  );
  cases.push(
    await capture("session_prepare_undeployed", "owner client, account undeployed: getSessionQuote mode PREPARE (install SS + addSafeSender + enableSessions) then executeSessionQuote", async () => {
      const account = await makeAccount({ signer: F.owner, chainIds: [F.BASE] });
      const client = (await createMeeClient({ account, url: MOCK_NODE_URL, apiKey: MOCK_API_KEY })).extend(meeSessionActions);
      const actions = account.buildSessionAction({ type: "custom", data: { chainIds: [F.BASE], contractAddress: F.COUNTER, functionSignature: "0x273ea3e3" } });
      const q = await client.getSessionQuote({
        mode: "PREPARE",
        enableSession: { redeemer: F.sessionSigner.address, actions },
        feeToken,
      });
      await client.executeSessionQuote(q);
    }),
  );
  return {
    description:
      "Node request bodies as sent by the SDK (bodyVerbatim = JSON.parse of the exact body text; key order and checksummed addresses preserved). The mock node's responses are not SDK output and are not recorded; exec bodies echo them back, so their quote fields (hash, userOps[].userOp, gas numbers, paymaster 0x...0b0b00, node address) are the mock's. The signature in exec bodies is the SDK's real signQuote output over that hash.",
    mockNodeUrl: MOCK_NODE_URL,
    cases,
  };
}
