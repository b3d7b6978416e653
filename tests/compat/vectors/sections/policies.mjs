// Policy init data for every AJS builder and option.
import { decodeAbiParameters, parseUnits } from "viem";
import {
  buildActionPolicy,
  calldataArgument,
  getSudoPolicy,
  getUsageLimitPolicy,
  getValueLimitPolicy,
  getSpendingLimitsPolicy,
  getTimeFramePolicy,
  UniversalPolicyAbi,
  ParamCondition,
  SUDO_POLICY_ADDRESS,
  UNIVERSAL_ACTION_POLICY_ADDRESS,
  TIME_FRAME_POLICY_ADDRESS,
  USAGE_LIMIT_POLICY_ADDRESS,
  VALUE_LIMIT_POLICY_ADDRESS,
  SPENDING_LIMITS_POLICY_ADDRESS,
} from "@biconomy/abstractjs";
import { plain } from "../lib/json.mjs";
import * as F from "../lib/fixtures.mjs";

const decodeUniversal = (initData) => {
  const [cfg] = decodeAbiParameters(UniversalPolicyAbi, initData);
  return plain(cfg);
};

const policyCase = (name, builder, params, result, extra = {}) => ({
  name,
  builder,
  params: plain(params),
  policy: result.policy,
  address: result.address,
  initData: result.initData,
  initDataLength: (result.initData.length - 2) / 2,
  ...extra,
});

export default async function policies() {
  const cases = [];

  cases.push(policyCase("sudo_builder", 'buildActionPolicy({type:"sudo"})', {}, buildActionPolicy({ type: "sudo" })));
  cases.push(policyCase("sudo_direct", "getSudoPolicy()", {}, getSudoPolicy()));

  // Universal action policy: one rule for each condition the AJS type allows.
  const conditions = ["equal", "greaterThan", "lessThan", "greaterThanOrEqual", "lessThanOrEqual", "notEqual"];
  for (const [i, condition] of conditions.entries()) {
    const params = {
      type: "universal",
      rules: [{ condition, calldataOffset: calldataArgument(2), comparisonValue: 1000n + BigInt(i) }],
    };
    const r = buildActionPolicy(params);
    cases.push(
      policyCase(`universal_${condition}_arg2`, "buildActionPolicy universal", params, r, {
        decoded: decodeUniversal(r.initData),
      }),
    );
  }
  {
    const params = {
      type: "universal",
      valueLimitPerUse: 10n ** 17n,
      rules: [
        { condition: "equal", calldataOffset: calldataArgument(1), comparisonValue: F.ALICE },
        {
          condition: "lessThanOrEqual",
          calldataOffset: calldataArgument(2),
          comparisonValue: parseUnits("100", 6),
          isLimited: true,
          usage: { limit: parseUnits("1000", 6), used: 0n },
        },
        { condition: "notEqual", calldataOffset: calldataArgument(3), comparisonValue: "0x1234" },
        { condition: "greaterThan", calldataOffset: calldataArgument(4), comparisonValue: 7 },
      ],
    };
    const r = buildActionPolicy(params);
    cases.push(
      policyCase("universal_mixed_address_limited_hex_number_value_limit", "buildActionPolicy universal", params, r, {
        decoded: decodeUniversal(r.initData),
        note: "comparisonValue is padded with toBytes32: address/hex left-padded to 32 bytes, bigint/number as uint256",
      }),
    );
  }
  {
    const params = {
      type: "universal",
      rules: [
        {
          condition: "lessThanOrEqual",
          calldataOffset: calldataArgument(2),
          comparisonValue: 5n,
          isLimited: true,
          usage: { limit: 50n, used: 3n },
        },
      ],
    };
    const r = buildActionPolicy(params);
    cases.push(
      policyCase("universal_limited_with_nonzero_used", "buildActionPolicy universal", params, r, {
        decoded: decodeUniversal(r.initData),
        note: "usage.used is copied into init data as given (the contract copies it too)",
      }),
    );
  }
  {
    const params = { type: "universal", rules: [] };
    const r = buildActionPolicy(params);
    cases.push(
      policyCase("universal_zero_rules", "buildActionPolicy universal", params, r, {
        decoded: decodeUniversal(r.initData),
        note: "length 0: the contract reverts PolicyNotInitialized on check; the SDK does not reject it",
      }),
    );
  }
  {
    const rules = Array.from({ length: 16 }, (_, i) => ({
      condition: conditions[i % 6],
      calldataOffset: calldataArgument(i + 1),
      comparisonValue: BigInt(i + 1),
    }));
    const params = { type: "universal", rules };
    const r = buildActionPolicy(params);
    cases.push(
      policyCase("universal_sixteen_rules_full", "buildActionPolicy universal", params, r, {
        decoded: decodeUniversal(r.initData),
      }),
    );
  }

  cases.push(
    policyCase(
      "timeframe",
      'buildActionPolicy({type:"timeframe"})',
      { type: "timeframe", validAfter: F.T0, validUntil: F.T0 + 86400 },
      buildActionPolicy({ type: "timeframe", validAfter: F.T0, validUntil: F.T0 + 86400 }),
      { note: "encodePacked(uint48 validUntil, uint48 validAfter): validUntil first" },
    ),
  );
  cases.push(
    policyCase(
      "timeframe_open_ended",
      "getTimeFramePolicy",
      { validAfter: F.T0, validUntil: 0 },
      getTimeFramePolicy({ validAfter: F.T0, validUntil: 0 }),
    ),
  );
  cases.push(
    policyCase("usage_limit_10", 'buildActionPolicy({type:"usageLimit"})', { type: "usageLimit", limit: 10n },
      buildActionPolicy({ type: "usageLimit", limit: 10n })),
  );
  cases.push(
    policyCase("usage_limit_max_uint128", "getUsageLimitPolicy", { limit: 2n ** 128n - 1n },
      getUsageLimitPolicy({ limit: 2n ** 128n - 1n })),
  );
  const oneToken = [{ token: F.USDC_BASE, limit: parseUnits("250", 6) }];
  cases.push(
    policyCase("spending_limits_one_token", 'buildActionPolicy({type:"spendingLimits"})',
      { type: "spendingLimits", tokenLimits: oneToken },
      buildActionPolicy({ type: "spendingLimits", tokenLimits: oneToken })),
  );
  const twoTokens = [
    { token: F.USDC_BASE, limit: parseUnits("250", 6) },
    { token: F.WETH_BASE, limit: parseUnits("0.5", 18) },
  ];
  cases.push(
    policyCase("spending_limits_two_tokens", "getSpendingLimitsPolicy", twoTokens, getSpendingLimitsPolicy(twoTokens), {
      note: "abi.encode(address[] tokens, uint256[] limits) in the given order (no sorting)",
    }),
  );
  cases.push(
    policyCase("value_limit_1_ether", "getValueLimitPolicy", { limit: 10n ** 18n }, getValueLimitPolicy({ limit: 10n ** 18n }), {
      note: "no buildActionPolicy type exists for it; re-exported module-sdk helper",
    }),
  );

  return {
    description:
      "Policy {policy,address,initData} objects as the SDK builds them. 'address' duplicates 'policy' and is part of the SDK's JSON.",
    addresses: {
      sudo: SUDO_POLICY_ADDRESS,
      universalAction: UNIVERSAL_ACTION_POLICY_ADDRESS,
      timeFrame: TIME_FRAME_POLICY_ADDRESS,
      usageLimit: USAGE_LIMIT_POLICY_ADDRESS,
      valueLimit: VALUE_LIMIT_POLICY_ADDRESS,
      spendingLimits: SPENDING_LIMITS_POLICY_ADDRESS,
    },
    paramCondition: Object.fromEntries(Object.entries(ParamCondition).filter(([, v]) => typeof v === "number")),
    calldataArgument: [1, 2, 3, 4, 5].map((n) => ({ n, offset: calldataArgument(n) })),
    defaultUnusedRule: {
      note: "slots length..15 of a universal policy are filled with this rule",
      condition: ParamCondition.GREATER_THAN,
      offset: 0n,
      isLimited: false,
      ref: `0x${"00".repeat(32)}`,
      usage: { limit: 0n, used: 0n },
    },
    cases,
  };
}
