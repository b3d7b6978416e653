// ERC-7579 account callData: execute single / batch and executeComposable
// (composability 1.0.0, the MEE 2.0.0 version).
import { encodeFunctionData, erc20Abi, parseAbi, parseUnits, decodeFunctionData } from "viem";
import {
  runtimeERC20BalanceOf,
  runtimeERC20AllowanceOf,
  runtimeNonceOf,
  runtimeParamViaCustomStaticCall,
  greaterThanOrEqualTo,
  lessThanOrEqualTo,
  equalTo,
  createCondition,
  ConditionType,
  InputParamFetcherType,
  ConstraintType,
  OutputParamFetcherType,
  COMPOSABILITY_MODULE_ABI_V1_0_0,
  EXECUTE_SINGLE,
  EXECUTE_BATCH,
} from "@biconomy/abstractjs";
import { makeAccount } from "../lib/accounts.mjs";
import { resetDeterminism } from "../lib/determinism.mjs";
import { plain } from "../lib/json.mjs";
import * as F from "../lib/fixtures.mjs";

const counterAbi = parseAbi(["function setNumber(uint256 n)", "function increment()"]);

export default async function calldata() {
  resetDeterminism("calldata", F.T0_MS);
  const account = await makeAccount({ signer: F.owner, chainIds: [F.BASE] });
  const d = account.deploymentOn(F.BASE, true);
  const transferData = encodeFunctionData({ abi: erc20Abi, functionName: "transfer", args: [F.ALICE, parseUnits("1", 6)] });

  const single = [];
  for (const [name, call] of [
    ["erc20_transfer", { to: F.USDC_BASE, value: 0n, data: transferData }],
    ["native_value_no_data", { to: F.ALICE, value: 10n ** 16n }],
    ["counter_increment_with_value", { to: F.COUNTER, value: 1n, data: "0x273ea3e3" }],
  ]) {
    single.push({ name, calls: [call], sdkFunction: "deployment.encodeExecute(call) (account.encodeCalls with 1 call)", callData: await d.encodeExecute(call) });
  }
  const batch = [];
  for (const [name, calls] of [
    [
      "two_calls",
      [
        { to: F.USDC_BASE, value: 0n, data: transferData },
        { to: F.COUNTER, value: 0n, data: "0x273ea3e3" },
      ],
    ],
    [
      "three_calls_with_native_value",
      [
        { to: F.USDC_BASE, value: 0n, data: transferData },
        { to: F.ALICE, value: 5n },
        { to: F.COUNTER, value: 0n, data: encodeFunctionData({ abi: counterAbi, functionName: "setNumber", args: [42n] }) },
      ],
    ],
  ]) {
    batch.push({ name, calls, sdkFunction: "deployment.encodeExecuteBatch(calls) (account.encodeCalls with >1 call)", callData: await d.encodeExecuteBatch(calls) });
  }

  // Composable: every input-param fetcher and constraint type the SDK emits
  // for composability 1.0.0.
  const composableCase = async (name, params, note) => {
    const instructions = await account.buildComposable(params);
    const calls = instructions.flatMap((i) => i.calls);
    const callData = await d.encodeExecuteComposable(calls);
    const decoded = decodeFunctionData({ abi: COMPOSABILITY_MODULE_ABI_V1_0_0, data: callData });
    return {
      name,
      params: plain(params),
      composableCalls: plain(calls),
      callData,
      decodedArgs: plain(decoded.args),
      ...(note ? { note } : {}),
    };
  };
  const composable = [];
  composable.push(
    await composableCase("static_args_raw_bytes", {
      type: "default",
      data: { abi: erc20Abi, functionName: "transfer", args: [F.ALICE, parseUnits("1", 6)], to: F.USDC_BASE, chainId: F.BASE },
    }, "all-static args: one RAW_BYTES input param (efficientMode merges adjacent raw params)"),
  );
  composable.push(
    await composableCase("erc20_balance_gte_constraint", {
      type: "default",
      data: {
        abi: erc20Abi,
        functionName: "transfer",
        args: [
          F.ALICE,
          runtimeERC20BalanceOf({ targetAddress: F.ACCOUNT, tokenAddress: F.USDC_BASE, constraints: [greaterThanOrEqualTo(1n)] }),
        ],
        to: F.USDC_BASE,
        chainId: F.BASE,
      },
    }, "BALANCE fetcher is rewritten to STATIC_CALL balanceOf(target) for composability 1.0.0"),
  );
  composable.push(
    await composableCase("erc20_allowance_lte_constraint", {
      type: "default",
      data: {
        abi: erc20Abi,
        functionName: "transferFrom",
        args: [
          F.BOB,
          F.ALICE,
          runtimeERC20AllowanceOf({ owner: F.BOB, spender: F.ACCOUNT, tokenAddress: F.USDC_BASE, constraints: [lessThanOrEqualTo(parseUnits("500", 6))] }),
        ],
        to: F.USDC_BASE,
        chainId: F.BASE,
      },
    }),
  );
  composable.push(
    await composableCase("entrypoint_nonce_eq_constraint", {
      type: "default",
      data: {
        abi: counterAbi,
        functionName: "setNumber",
        args: [runtimeNonceOf({ smartAccountAddress: F.ACCOUNT, nonceKey: 7n, constraints: [equalTo(0n)] })],
        to: F.COUNTER,
        chainId: F.BASE,
      },
    }),
  );
  composable.push(
    await composableCase("custom_static_call_no_constraint", {
      type: "default",
      data: {
        abi: counterAbi,
        functionName: "setNumber",
        args: [
          runtimeParamViaCustomStaticCall({
            targetContractAddress: F.USDC_BASE,
            functionAbi: erc20Abi,
            functionName: "balanceOf",
            args: [F.ACCOUNT],
          }),
        ],
        to: F.COUNTER,
        chainId: F.BASE,
        value: 3n,
      },
    }),
  );
  composable.push(
    await composableCase("condition_appended_input_param", {
      type: "default",
      data: {
        abi: counterAbi,
        functionName: "setNumber",
        args: [9n],
        to: F.COUNTER,
        chainId: F.BASE,
        conditions: [
          createCondition({
            targetContract: F.USDC_BASE,
            functionAbi: erc20Abi,
            functionName: "balanceOf",
            args: [F.ACCOUNT],
            value: parseUnits("1", 6),
            type: ConditionType.GTE,
          }),
        ],
      },
    }, "conditions become extra STATIC_CALL input params appended after the call's own params"),
  );
  composable.push(
    await composableCase("raw_calldata", {
      type: "rawCalldata",
      data: { to: F.COUNTER, calldata: "0x273ea3e3", chainId: F.BASE },
    }),
  );
  {
    const a = await account.buildComposable({
      type: "default",
      data: { abi: erc20Abi, functionName: "transfer", args: [F.ALICE, 5n], to: F.USDC_BASE, chainId: F.BASE },
    });
    const b = await account.buildComposable({ type: "rawCalldata", data: { to: F.COUNTER, calldata: "0x273ea3e3", chainId: F.BASE } });
    const calls = [...a, ...b].flatMap((i) => i.calls);
    const callData = await d.encodeExecuteComposable(calls);
    composable.push({ name: "two_composable_calls_one_userop", composableCalls: plain(calls), callData });
  }

  return {
    description:
      "Nexus callData. execute(bytes32 mode, bytes executionCalldata) 0xe9ae5c53: single = encodePacked(target, uint256 value, data), batch = abi.encode((address,uint256,bytes)[]). executeComposable 0xea5a6d91 (composability 1.0.0): ((address to,uint256 value,bytes4 functionSig,(uint8 fetcherType,bytes paramData,(uint8 constraintType,bytes referenceData)[] constraints)[] inputParams,(uint8 fetcherType,bytes paramData)[] outputParams)[]).",
    modes: { EXECUTE_SINGLE, EXECUTE_BATCH },
    enums: {
      InputParamFetcherType: plain(InputParamFetcherType),
      OutputParamFetcherType: plain(OutputParamFetcherType),
      ConstraintType: plain(ConstraintType),
    },
    single,
    batch,
    composable,
  };
}
