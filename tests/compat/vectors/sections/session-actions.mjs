// buildSessionAction outputs and the fee-token payment-policy merge.
import { decodeAbiParameters, parseUnits } from "viem";
import {
  buildSessionAction,
  buildActionPolicy,
  calldataArgument,
  addPaymentPolicyForActions,
  getUsageLimitPolicy,
  UniversalPolicyAbi,
  UNIVERSAL_ACTION_POLICY_ADDRESS,
} from "@biconomy/abstractjs";
import { plain } from "../lib/json.mjs";
import { resetDeterminism } from "../lib/determinism.mjs";
import * as F from "../lib/fixtures.mjs";

// Adds the decoded universal ActionConfig next to each universal policy so a
// reader can see the rules without decoding 3136 bytes by hand.
const explain = (sessionActions) =>
  plain(sessionActions).map((sa) => ({
    ...sa,
    actions: sa.actions.map((a) => ({
      ...a,
      actionPolicies: a.actionPolicies.map((p) =>
        p.policy.toLowerCase() === UNIVERSAL_ACTION_POLICY_ADDRESS.toLowerCase()
          ? { ...p, decodedUniversal: plain(decodeAbiParameters(UniversalPolicyAbi, p.initData)[0]) }
          : p,
      ),
    })),
  }));

const build = (name, params, note) => {
  resetDeterminism(`session-actions:${name}`, F.T0_MS);
  const out = buildSessionAction(params);
  return { name, clockMs: F.T0_MS, params: plain(params), output: explain(out), ...(note ? { note } : {}) };
};

export default async function sessionActions() {
  const usdc = F.USDC_BASE;
  const base = [F.BASE];
  const builders = [
    build("transfer_no_options_is_sudo", { type: "transfer", data: { chainIds: base, contractAddress: usdc } }),
    build("transfer_recipient_only", { type: "transfer", data: { chainIds: base, contractAddress: usdc, recipientAddress: F.ALICE } }),
    build("transfer_amount_per_action_only", {
      type: "transfer",
      data: { chainIds: base, contractAddress: usdc, amountLimitPerAction: parseUnits("10", 6) },
    }),
    build("transfer_max_amount_only", {
      type: "transfer",
      data: { chainIds: base, contractAddress: usdc, maxAmountLimit: parseUnits("100", 6) },
    }, "ref = maxAmountLimit when amountLimitPerAction is absent; isLimited with usage.limit = maxAmountLimit"),
    build("transfer_all_options", {
      type: "transfer",
      data: {
        chainIds: base,
        contractAddress: usdc,
        recipientAddress: F.ALICE,
        amountLimitPerAction: parseUnits("10", 6),
        maxAmountLimit: parseUnits("100", 6),
        usageLimit: 5n,
        validAfter: F.T0,
        validUntil: F.T0 + 3600,
      },
    }, "policy order: universal, usageLimit, timeframe"),
    build("transfer_valid_after_only_default_until_plus_1_day", {
      type: "transfer",
      data: { chainIds: base, contractAddress: usdc, validAfter: F.T0 + 60 },
    }),
    build("transfer_valid_until_only_default_after_now", {
      type: "transfer",
      data: { chainIds: base, contractAddress: usdc, validUntil: F.T0 + 7200 },
    }, "validAfter defaults to floor(Date.now()/1000) (stubbed clock = clockMs)"),
    build("approve_spender_and_amount", {
      type: "approve",
      data: { chainIds: base, contractAddress: usdc, recipientAddress: F.BOB, amountLimitPerAction: parseUnits("50", 6) },
    }),
    build("transfer_from_recipient_and_max_amount", {
      type: "transferFrom",
      data: { chainIds: base, contractAddress: usdc, recipientAddress: F.BOB, maxAmountLimit: parseUnits("75", 6) },
    }, "transferFrom: recipient is argument 2 (offset 32), amount is argument 3 (offset 64)"),
    build("transfer_explicit_policies", {
      type: "transfer",
      data: {
        chainIds: base,
        contractAddress: usdc,
        recipientAddress: F.ALICE,
        policies: [
          { type: "spendingLimits", tokenLimits: [{ token: F.WETH_BASE, limit: parseUnits("20", 6) }] },
          getUsageLimitPolicy({ limit: 3n }),
          { type: "usageLimit", limit: 9n },
        ],
      },
    }, "explicit policies win over every other option; spendingLimits token is forced to contractAddress"),
    build("transfer_two_chains", {
      type: "transfer",
      data: { chainIds: [F.BASE, F.OPTIMISM], contractAddress: usdc, amountLimitPerAction: 1n },
    }, "one SessionAction per chain id, same policies"),
    build("custom_selector_default_sudo", {
      type: "custom",
      data: { chainIds: base, contractAddress: F.COUNTER, functionSignature: "0x273ea3e3" },
    }),
    build("custom_selector_universal_policy", {
      type: "custom",
      data: {
        chainIds: base,
        contractAddress: F.COUNTER,
        functionSignature: "0x12345678",
        policies: [
          {
            type: "universal",
            valueLimitPerUse: 0n,
            rules: [{ condition: "greaterThanOrEqual", calldataOffset: calldataArgument(1), comparisonValue: 3n }],
          },
        ],
      },
    }),
  ];
  {
    resetDeterminism("session-actions:batch", F.T0_MS);
    const a = buildSessionAction({ type: "transfer", data: { chainIds: base, contractAddress: usdc } });
    const b = buildSessionAction({ type: "custom", data: { chainIds: base, contractAddress: F.COUNTER, functionSignature: "0x273ea3e3" } });
    const params = { type: "batch", data: { actions: [...a, ...b] } };
    builders.push({ name: "batch_two_actions_same_chain", clockMs: F.T0_MS, params: plain(params), output: explain(buildSessionAction(params)) });
  }

  // Fee-token payment policy merge (getSessionQuote/grantMeePermission call
  // addPaymentPolicyForActions for the fee chain). The default
  // maxPaymentAmount is parseUnits("5", decimals) with decimals read over RPC;
  // 5_000_000 below is that default for a 6-decimals token.
  const feeToken = { address: usdc, chainId: F.BASE };
  const DEFAULT_5 = parseUnits("5", 6);
  const merge = (name, sessionActions, maxPaymentAmount, note) => {
    resetDeterminism(`payment-merge:${name}`, F.T0_MS);
    return {
      name,
      feeToken,
      maxPaymentAmount,
      input: explain(sessionActions),
      output: explain(addPaymentPolicyForActions(sessionActions, feeToken, maxPaymentAmount)),
      ...(note ? { note } : {}),
    };
  };
  const counterOnly = buildSessionAction({ type: "custom", data: { chainIds: base, contractAddress: F.COUNTER, functionSignature: "0x273ea3e3" } });
  const sudoTransfer = buildSessionAction({ type: "transfer", data: { chainIds: base, contractAddress: usdc } });
  const limitedTransfer = buildSessionAction({
    type: "transfer",
    data: { chainIds: base, contractAddress: usdc, amountLimitPerAction: 100n, maxAmountLimit: 1000n },
  });
  const recipientOnly = buildSessionAction({ type: "transfer", data: { chainIds: base, contractAddress: usdc, recipientAddress: F.ALICE } });
  const gtRule = [
    {
      chainId: F.BASE,
      actions: [
        {
          actionTarget: usdc,
          actionTargetSelector: "0xa9059cbb",
          actionPolicies: [
            buildActionPolicy({
              type: "universal",
              rules: [{ condition: "greaterThan", calldataOffset: calldataArgument(2), comparisonValue: 10n }],
            }),
          ],
        },
      ],
    },
  ];
  const otherChain = buildSessionAction({ type: "transfer", data: { chainIds: [F.OPTIMISM], contractAddress: F.USDC_OPTIMISM } });
  const payment = [
    merge("no_fee_token_action_appends_payment_transfer_default_5", counterOnly, DEFAULT_5),
    merge("sudo_transfer_on_fee_token_gets_second_action", sudoTransfer, DEFAULT_5),
    merge("limited_transfer_ref_and_limit_raised", limitedTransfer, 5000000n, "ref 100 -> 5000100, usage.limit 1000 -> 5001000"),
    merge("recipient_only_transfer_gets_new_amount_rule", recipientOnly, DEFAULT_5, "new LTE rule at index `length`, length + 1"),
    merge("greater_than_amount_rule_left_alone", gtRule, DEFAULT_5, "an offset-32 rule exists, so no rule is added and GT is not raised"),
    merge("custom_max_payment_amount_2", counterOnly, parseUnits("2", 6)),
    merge("fee_token_on_other_chain_untouched", otherChain, DEFAULT_5,
      "the SessionAction is on chain 10, not the fee chain: nothing merged, nothing appended (no SessionAction on the fee chain)"),
  ];

  return {
    description:
      "buildSessionAction({type,data}) outputs (SessionAction[] = [{actions:[{actionTarget,actionTargetSelector,actionPolicies}],chainId}]) and addPaymentPolicyForActions merges. decodedUniversal is added by the generator for reading; it is not SDK output.",
    builders,
    paymentPolicyMerge: payment,
  };
}
