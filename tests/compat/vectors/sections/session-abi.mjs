// Session struct ABI encodings, enableSessions calldata and the RPC calldata
// the SDK sends for getSessionDigest / getNonce.
import { encodeAbiParameters, encodeFunctionData, toFunctionSelector } from "viem";
import { SmartSessionAbi, smartSessionCalls, getPermissionId } from "@biconomy/abstractjs";
import { runPrepare } from "../lib/session-flows.mjs";
import { plain } from "../lib/json.mjs";
import * as F from "../lib/fixtures.mjs";

// Canonical ABI type string of a parameter (tuples expanded).
const abiType = (p) =>
  p.type.startsWith("tuple") ? `(${p.components.map(abiType).join(",")})${p.type.slice(5)}` : p.type;

const enableSessionsItem = SmartSessionAbi.find((x) => x.type === "function" && x.name === "enableSessions");
const sessionTupleParam = { ...enableSessionsItem.inputs[0], type: "tuple" };

// The on-chain Session struct has no chainId; the SDK's objects carry one.
const onchain = (s) => ({
  sessionValidator: s.sessionValidator,
  sessionValidatorInitData: s.sessionValidatorInitData,
  salt: s.salt,
  userOpPolicies: s.userOpPolicies.map(({ policy, initData }) => ({ policy, initData })),
  erc7739Policies: s.erc7739Policies,
  actions: s.actions.map(({ actionTargetSelector, actionTarget, actionPolicies }) => ({
    actionTargetSelector,
    actionTarget,
    actionPolicies: actionPolicies.map(({ policy, initData }) => ({ policy, initData })),
  })),
  permitERC4337Paymaster: s.permitERC4337Paymaster,
});

export default async function sessionAbi() {
  const batched = await runPrepare("single_chain_fee_token_default_max_payment_batched");
  const twoChains = await runPrepare("two_chains_fee_on_base_custom_max_payment");
  const s1 = batched.result[0].sessionDetails.enableSessionData.enableSession.sessionToEnable;
  const s2 = twoChains.result[1].sessionDetails.enableSessionData.enableSession.sessionToEnable;

  const [call1] = await smartSessionCalls.toEnableSessionsCalls(undefined, { sessions: [s1] });
  const [call2] = await smartSessionCalls.toEnableSessionsCalls(undefined, { sessions: [s1, s2] });

  const sessionCase = (name, s) => ({
    name,
    session: onchain(s),
    sdkChainId: s.chainId,
    abiEncodedSession: encodeAbiParameters([sessionTupleParam], [s]),
    permissionId: getPermissionId({ session: s }),
    getPermissionIdCalldata: encodeFunctionData({ abi: SmartSessionAbi, functionName: "getPermissionId", args: [s] }),
    getSessionDigestCalldataUnsafeEnable: encodeFunctionData({
      abi: SmartSessionAbi,
      functionName: "getSessionDigest",
      args: [getPermissionId({ session: s }), F.ACCOUNT, s, 2],
    }),
    getNonceCalldata: encodeFunctionData({
      abi: SmartSessionAbi,
      functionName: "getNonce",
      args: [getPermissionId({ session: s }), F.ACCOUNT],
    }),
  });

  return {
    description:
      "Smart Sessions Session struct encodings. Sessions come from prepareEnableSessions (salts from the stubbed RNG). abiEncodedSession = abi.encode(Session) as a single tuple; enableSessions calldata from smartSessionCalls.toEnableSessionsCalls (module-sdk getEnableSessionsAction).",
    sessionAbiType: abiType(sessionTupleParam),
    enableSessionsSignature: `enableSessions(${abiType(enableSessionsItem.inputs[0])})`,
    enableSessionsSelector: toFunctionSelector(enableSessionsItem),
    sessions: [
      sessionCase("base_transfer_counter_and_payment_transfer", s1),
      sessionCase("optimism_transfer_counter", s2),
    ],
    enableSessions: [
      { name: "one_session", sessions: ["base_transfer_counter_and_payment_transfer"], to: call1.to, value: call1.value, calldata: call1.data },
      {
        name: "two_sessions",
        sessions: ["base_transfer_counter_and_payment_transfer", "optimism_transfer_counter"],
        to: call2.to,
        value: call2.value,
        calldata: call2.data,
      },
    ],
  };
}
