// Builds SDK multichain Nexus accounts (MEE 2.0.0) on the mock chain.
import { toMultichainNexusAccount, getMEEVersion, MEEVersion } from "@biconomy/abstractjs";
import { base, optimism, arbitrum, polygon } from "viem/chains";
import { mockTransport } from "./mock-chain.mjs";
import { ACCOUNT } from "./fixtures.mjs";

export const CHAINS = { 8453: base, 10: optimism, 42161: arbitrum, 137: polygon };
export const V200 = getMEEVersion(MEEVersion.V2_0_0);

/**
 * @param signer      LocalAccount (owner or session signer)
 * @param chainIds    chains to configure
 * @param accountAddress  fixed account address (no factory lookup), or null to
 *                    let the SDK ask the factory (not supported by the mock)
 * @param chainOpts   options for mockTransport, applied to every chain
 * @param index       account index (factory salt)
 */
export const makeAccount = async ({ signer, chainIds, accountAddress = ACCOUNT, chainOpts = {}, index }) =>
  toMultichainNexusAccount({
    signer,
    ...(index === undefined ? {} : { index }),
    chainConfigurations: chainIds.map((id) => ({
      chain: CHAINS[id],
      transport: mockTransport(id, chainOpts),
      version: V200,
      accountAddress,
    })),
  });
