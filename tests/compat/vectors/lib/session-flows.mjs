// Runs the SDK's session-enabling flows once on the mock chain and caches the
// results for the sections that record them.
import { parseUnits } from "viem";
import {
  prepareEnableSessions,
  grantMeePermissionPersonalSign,
  grantMeePermissionTypedDataSign,
  SMART_SESSIONS_ADDRESS,
  getSudoPolicy,
} from "@biconomy/abstractjs";
import { makeAccount } from "./accounts.mjs";
import { resetDeterminism } from "./determinism.mjs";
import * as F from "./fixtures.mjs";

const cache = new Map();
const once = (key, fn) => {
  if (!cache.has(key)) cache.set(key, fn());
  return cache.get(key);
};

export const USDC_BY_CHAIN = {
  [F.BASE]: F.USDC_BASE,
  [F.OPTIMISM]: F.USDC_OPTIMISM,
  [F.ARBITRUM]: F.USDC_ARBITRUM,
  [F.POLYGON]: F.USDC_POLYGON,
};

/** The session actions used by the PREPARE cases: a limited USDC transfer and
 * a sudo counter call on Base. */
export const prepareActions = (account, chainIds = [F.BASE]) =>
  chainIds.flatMap((chainId) => [
    ...account.buildSessionAction({
      type: "transfer",
      data: {
        chainIds: [chainId],
        contractAddress: USDC_BY_CHAIN[chainId],
        recipientAddress: F.ALICE,
        amountLimitPerAction: parseUnits("10", 6),
        maxAmountLimit: parseUnits("100", 6),
      },
    }),
    ...account.buildSessionAction({
      type: "custom",
      data: { chainIds: [chainId], contractAddress: F.COUNTER, functionSignature: "0x273ea3e3" },
    }),
  ]);

export const PREPARE_CASES = {
  single_chain_fee_token_default_max_payment_batched: {
    chainIds: [F.BASE],
    batchActions: true,
    feeToken: { address: F.USDC_BASE, chainId: F.BASE },
    maxPaymentAmount: undefined,
  },
  single_chain_fee_token_unbatched: {
    chainIds: [F.BASE],
    batchActions: false,
    feeToken: { address: F.USDC_BASE, chainId: F.BASE },
    maxPaymentAmount: undefined,
  },
  two_chains_fee_on_base_custom_max_payment: {
    chainIds: [F.BASE, F.OPTIMISM],
    batchActions: true,
    feeToken: { address: F.USDC_BASE, chainId: F.BASE },
    maxPaymentAmount: parseUnits("2", 6),
  },
  single_chain_sponsored_no_fee_token: {
    chainIds: [F.BASE],
    batchActions: true,
    feeToken: undefined,
    maxPaymentAmount: undefined,
  },
};

/** prepareEnableSessions (the PREPARE half of getSessionQuote /
 * prepareForPermissions) for one named case. */
export const runPrepare = (name) =>
  once(`prepare:${name}`, async () => {
    const c = PREPARE_CASES[name];
    resetDeterminism(`prepare:${name}`, F.T0_MS);
    const account = await makeAccount({ signer: F.owner, chainIds: c.chainIds });
    const actions = prepareActions(account, c.chainIds);
    const enableSession = {
      redeemer: F.sessionSigner.address,
      actions,
      batchActions: c.batchActions,
      ...(c.maxPaymentAmount === undefined ? {} : { maxPaymentAmount: c.maxPaymentAmount }),
    };
    const result = await prepareEnableSessions({ account }, enableSession, SMART_SESSIONS_ADDRESS, c.feeToken);
    return { case: c, account, actions, enableSession, result };
  });

export const GRANT_CASES = {
  // Personal and typed variants share their RNG seed, so they grant the same
  // sessions and differ only in the signature.
  two_chains_personal_sign: { chainIds: [F.BASE, F.OPTIMISM], mode: "PERSONAL_SIGN", seed: "grant:two_chains" },
  two_chains_typed_data_sign: { chainIds: [F.BASE, F.OPTIMISM], mode: "TYPED_DATA_SIGN", seed: "grant:two_chains" },
  four_chains_personal_sign: { chainIds: [F.BASE, F.OPTIMISM, F.ARBITRUM, F.POLYGON], mode: "PERSONAL_SIGN", seed: "grant:four_chains" },
  four_chains_typed_data_sign: { chainIds: [F.BASE, F.OPTIMISM, F.ARBITRUM, F.POLYGON], mode: "TYPED_DATA_SIGN", seed: "grant:four_chains" },
};

/** grantMeePermission{PersonalSign,TypedDataSign}: the ENABLE_AND_USE grant,
 * fee token USDC on Base with the default 5-token payment cap. The actions
 * are the raw grant form {actionTarget, actionTargetSelector, actionPolicies,
 * chainId} documented for grantPermission. */
export const runGrant = (name) =>
  once(`grant:${name}`, async () => {
    const c = GRANT_CASES[name];
    resetDeterminism(c.seed, F.T0_MS);
    const account = await makeAccount({ signer: F.owner, chainIds: c.chainIds });
    const actions = c.chainIds.map((chainId) => ({
      chainId,
      actionTarget: F.COUNTER,
      actionTargetSelector: "0x273ea3e3",
      actionPolicies: [getSudoPolicy()],
    }));
    const params = {
      redeemer: F.sessionSigner.address,
      actions,
      feeToken: { address: F.USDC_BASE, chainId: F.BASE },
    };
    const grant = c.mode === "PERSONAL_SIGN" ? grantMeePermissionPersonalSign : grantMeePermissionTypedDataSign;
    const sessionDetails = await grant({ account }, params);
    return { case: c, account, params, sessionDetails };
  });
