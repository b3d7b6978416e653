// Fusion exec signatures (MEE 2.0.0): the SDK's permit payload (signPermitQuote's
// formatSignedPermitQuotePayload after viem signTypedData of the EIP-2612 Permit under USDC's
// domain, deadline = quote hash) and the on-chain trigger (prepareExecutableOnChainQuotePayload's
// approve ‖ hash calldata, formatSignedOnChainQuotePayload's 0x177eee01 ‖ (txHash, chainId)).
// The token reads (nonces, DOMAIN_SEPARATOR) are fixed inputs instead of RPC answers.
import { domainSeparator } from "viem";
import {
  formatSignedOnChainQuotePayload,
  formatSignedPermitQuotePayload,
  getMEEVersion,
  MEEVersion,
  prepareExecutableOnChainQuotePayload,
} from "@biconomy/abstractjs";
import * as F from "../lib/fixtures.mjs";

const QUOTE_HASH = `0x${"ab".repeat(32)}`;
const SPENDER = F.ALICE;
const meeVersions = [{ chainId: F.BASE, version: getMEEVersion(MEEVersion.V2_0_0) }];

export default async function fusion() {
  const domain = { name: "USD Coin", version: "2", chainId: F.BASE, verifyingContract: F.USDC_BASE };
  const separator = domainSeparator({ domain });
  const permits = [];
  for (const [name, amount, nonce, approvalAmount] of [
    ["amount_plus_fee", 3_010_000n, 0n, undefined],
    ["approval_amount_and_nonce", 3_010_000n, 7n, 50_000_000n],
  ]) {
    const value = approvalAmount ?? amount;
    const signature = await F.owner.signTypedData({
      domain,
      types: {
        Permit: [
          { name: "owner", type: "address" },
          { name: "spender", type: "address" },
          { name: "value", type: "uint256" },
          { name: "nonce", type: "uint256" },
          { name: "deadline", type: "uint256" },
        ],
      },
      primaryType: "Permit",
      message: { owner: F.owner.address, spender: SPENDER, value, nonce, deadline: BigInt(QUOTE_HASH) },
    });
    const trigger = { tokenAddress: F.USDC_BASE, chainId: F.BASE, amount, ...(approvalAmount ? { approvalAmount } : {}) };
    const metadata = { nonce, name: domain.name, version: domain.version, domainSeparator: separator, owner: F.owner.address, spender: SPENDER, amount: value };
    const signed = formatSignedPermitQuotePayload(meeVersions, { quote: { hash: QUOTE_HASH }, trigger }, metadata, signature);
    permits.push({
      name,
      ownerPrivateKey: F.OWNER_PK,
      owner: F.owner.address,
      token: F.USDC_BASE,
      chainId: F.BASE,
      spender: SPENDER,
      amount,
      approvalAmount,
      nonce,
      quoteHash: QUOTE_HASH,
      domainSeparator: separator,
      sdkFunction: "signTypedData(Permit) + formatSignedPermitQuotePayload (MEE 2.0.0)",
      signature: signed.signature,
    });
  }
  const onChain = [];
  for (const [name, amount, approvalAmount] of [
    ["approve_amount_plus_fee", 2_005_000n, undefined],
    ["approve_approval_amount", 2_005_000n, 9_000_000n],
  ]) {
    const trigger = { tokenAddress: F.USDC_BASE, chainId: F.BASE, amount, ...(approvalAmount ? { approvalAmount } : {}) };
    const { executablePayload } = await prepareExecutableOnChainQuotePayload({ quote: { hash: QUOTE_HASH }, trigger }, SPENDER, SPENDER, meeVersions[0].version);
    const txHash = `0x${"cd".repeat(32)}`;
    const signed = formatSignedOnChainQuotePayload({ quote: { hash: QUOTE_HASH }, trigger }, {}, txHash);
    onChain.push({
      name,
      token: F.USDC_BASE,
      chainId: F.BASE,
      spender: SPENDER,
      amount,
      approvalAmount,
      quoteHash: QUOTE_HASH,
      to: executablePayload.to,
      callData: executablePayload.data,
      txHash,
      sdkFunction: "prepareExecutableOnChainQuotePayload + formatSignedOnChainQuotePayload",
      signature: signed.signature,
    });
  }
  return {
    description:
      "Fusion exec signatures for MEE < 3.0.0. permit: 0x177eee02 || abi.encode(token, spender, domainSeparator, PERMIT_TYPEHASH, amount, chainId, nonce, uint256 v, r, s), the Permit signed under USDC's domain on Base with deadline = quote hash and value = approvalAmount ?? amount. onChain: the trigger call approve(spender, approvalAmount ?? amount) || quoteHash and 0x177eee01 || abi.encode(txHash, chainId).",
    permits,
    onChain,
  };
}
