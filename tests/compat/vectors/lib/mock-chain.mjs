// In-process EIP-1193 stand-in for a JSON-RPC endpoint, used as a viem
// `custom` transport so the SDK's account and session code can run with no
// network. It answers exactly the calls the SDK makes for MEE 2.0.0 and
// records each of them (see `rpcLog`), which is how the notes on "where the
// SDK calls the chain" were obtained. Unknown calls throw, so a new SDK call
// cannot slip by silently.
import {
  custom,
  decodeFunctionData,
  encodeFunctionResult,
  parseAbi,
  toFunctionSelector,
  hashStruct,
  keccak256,
  stringToHex,
  getAddress,
  zeroAddress,
  numberToHex,
} from "viem";
import {
  SmartSessionAbi,
  SMART_SESSIONS_ADDRESS,
  ENTRY_POINT_ADDRESS,
  getMEEVersion,
  MEEVersion,
} from "@biconomy/abstractjs";

const V200 = getMEEVersion(MEEVersion.V2_0_0);

const entryPointAbi = parseAbi(["function getNonce(address sender, uint192 key) view returns (uint256)"]);
const erc20Abi = parseAbi(["function decimals() view returns (uint8)"]);
const implAbi = parseAbi(["function accountId() view returns (string)"]);
const accountAbi = parseAbi([
  "function isModuleInstalled(uint256 moduleTypeId, address module, bytes additionalContext) view returns (bool)",
]);

// EIP-712 types of the SignedSession struct, identical to the type list the
// SDK (module-sdk hashChainSessions / abstractjs grantPermission) signs.
export const SESSION_EIP712_TYPES = {
  PolicyData: [
    { name: "policy", type: "address" },
    { name: "initData", type: "bytes" },
  ],
  ActionData: [
    { name: "actionTargetSelector", type: "bytes4" },
    { name: "actionTarget", type: "address" },
    { name: "actionPolicies", type: "PolicyData[]" },
  ],
  ERC7739Context: [
    { name: "appDomainSeparator", type: "bytes32" },
    { name: "contentName", type: "string[]" },
  ],
  ERC7739Data: [
    { name: "allowedERC7739Content", type: "ERC7739Context[]" },
    { name: "erc1271Policies", type: "PolicyData[]" },
  ],
  SignedPermissions: [
    { name: "permitGenericPolicy", type: "bool" },
    { name: "permitAdminAccess", type: "bool" },
    { name: "ignoreSecurityAttestations", type: "bool" },
    { name: "permitERC4337Paymaster", type: "bool" },
    { name: "userOpPolicies", type: "PolicyData[]" },
    { name: "erc7739Policies", type: "ERC7739Data" },
    { name: "actions", type: "ActionData[]" },
  ],
  SignedSession: [
    { name: "account", type: "address" },
    { name: "permissions", type: "SignedPermissions" },
    { name: "sessionValidator", type: "address" },
    { name: "sessionValidatorInitData", type: "bytes" },
    { name: "salt", type: "bytes32" },
    { name: "smartSession", type: "address" },
    { name: "nonce", type: "uint256" },
  ],
};

const FALLBACK_TARGET = "0x0000000000000000000000000000000000000001";

/** The contract's getSessionDigest(permissionId, account, session, mode)
 * computed offline: hashStruct(SignedSession) with the flags derived the way
 * SmartSession derives them (generic/admin from FALLBACK actions,
 * ignoreSecurityAttestations = mode == UNSAFE_ENABLE). */
export const offlineSessionDigest = ({ account, session, mode, nonce }) => {
  const has = (sel) =>
    session.actions.some(
      (a) => a.actionTarget.toLowerCase() === FALLBACK_TARGET && a.actionTargetSelector.toLowerCase() === sel,
    );
  return hashStruct({
    types: SESSION_EIP712_TYPES,
    primaryType: "SignedSession",
    data: {
      account,
      permissions: {
        permitGenericPolicy: has("0x00000001"),
        permitAdminAccess: has("0x00000002"),
        ignoreSecurityAttestations: Number(mode) === 2,
        permitERC4337Paymaster: session.permitERC4337Paymaster,
        userOpPolicies: session.userOpPolicies,
        erc7739Policies: {
          allowedERC7739Content: session.erc7739Policies.allowedERC7739Content.map((c) => ({
            appDomainSeparator: c.appDomainSeparator,
            contentName: c.contentNames ?? c.contentName,
          })),
          erc1271Policies: session.erc7739Policies.erc1271Policies,
        },
        actions: session.actions,
      },
      sessionValidator: session.sessionValidator,
      sessionValidatorInitData: session.sessionValidatorInitData,
      salt: session.salt,
      smartSession: SMART_SESSIONS_ADDRESS,
      nonce,
    },
  });
};

export const rpcLog = [];

const sel = (sig) => toFunctionSelector(sig);
const SELECTORS = {
  [sel("getNonce(address,uint192)")]: "EntryPoint.getNonce(address,uint192)",
  [sel("getNonce(bytes32,address)")]: "SmartSession.getNonce(bytes32,address)",
  [sel("decimals()")]: "ERC20.decimals()",
  [sel("accountId()")]: "Nexus.accountId()",
  [sel("isModuleInstalled(uint256,address,bytes)")]: "Nexus.isModuleInstalled(uint256,address,bytes)",
  [sel("isPermissionEnabled(bytes32,address)")]: "SmartSession.isPermissionEnabled(bytes32,address)",
  "0x05defba6": "SmartSession.getSessionDigest(bytes32,address,Session,uint8)",
};

/**
 * @param chainId  chain the transport serves
 * @param opts.deployed      lowercase addresses of deployed Nexus accounts
 * @param opts.installedSS   lowercase addresses with Smart Sessions installed
 * @param opts.entryPointSeq sequence number returned by EntryPoint.getNonce
 * @param opts.sessionNonce  value returned by SmartSession.getNonce
 * @param opts.decimals      ERC-20 decimals for every token
 */
export const mockTransport = (chainId, opts = {}) => {
  const {
    deployed = [],
    installedSS = [],
    entryPointSeq = 0n,
    sessionNonce = 0n,
    decimals = 6,
  } = opts;
  const contracts = new Set(
    [
      V200.factoryAddress,
      V200.bootStrapAddress,
      V200.implementationAddress,
      V200.validatorAddress,
      SMART_SESSIONS_ADDRESS,
      ENTRY_POINT_ADDRESS,
    ].map((a) => a.toLowerCase()),
  );
  const isDeployed = (a) => deployed.map((d) => d.toLowerCase()).includes(a.toLowerCase());

  const ethCall = ({ to, data }) => {
    const target = to.toLowerCase();
    const selector = data.slice(0, 10);
    rpcLog.push({ chainId, method: "eth_call", to: getAddress(target), fn: SELECTORS[selector] ?? selector });
    if (target === ENTRY_POINT_ADDRESS.toLowerCase()) {
      const { args } = decodeFunctionData({ abi: entryPointAbi, data });
      const nonce = (args[1] << 64n) | entryPointSeq;
      return encodeFunctionResult({ abi: entryPointAbi, functionName: "getNonce", result: nonce });
    }
    if (target === SMART_SESSIONS_ADDRESS.toLowerCase()) {
      const { functionName, args } = decodeFunctionData({ abi: SmartSessionAbi, data });
      if (functionName === "getNonce") {
        return encodeFunctionResult({ abi: SmartSessionAbi, functionName, result: sessionNonce });
      }
      if (functionName === "getSessionDigest") {
        const [, account, session, mode] = args;
        const digest = offlineSessionDigest({ account, session, mode, nonce: sessionNonce });
        return encodeFunctionResult({ abi: SmartSessionAbi, functionName, result: digest });
      }
      if (functionName === "isPermissionEnabled") {
        return encodeFunctionResult({ abi: SmartSessionAbi, functionName, result: false });
      }
      throw new Error(`mock chain: unexpected SmartSession.${functionName}`);
    }
    if (target === V200.implementationAddress.toLowerCase() && selector === sel("accountId()")) {
      return encodeFunctionResult({ abi: implAbi, functionName: "accountId", result: V200.accountId });
    }
    if (selector === sel("decimals()")) {
      return encodeFunctionResult({ abi: erc20Abi, functionName: "decimals", result: decimals });
    }
    if (selector === sel("isModuleInstalled(uint256,address,bytes)") && isDeployed(target)) {
      const { args } = decodeFunctionData({ abi: accountAbi, data });
      const yes =
        args[0] === 1n &&
        args[1].toLowerCase() === SMART_SESSIONS_ADDRESS.toLowerCase() &&
        installedSS.map((a) => a.toLowerCase()).includes(target);
      return encodeFunctionResult({ abi: accountAbi, functionName: "isModuleInstalled", result: yes });
    }
    throw new Error(`mock chain ${chainId}: unexpected eth_call to ${to} selector ${selector}`);
  };

  return custom({
    async request({ method, params }) {
      switch (method) {
        case "eth_chainId":
          return numberToHex(chainId);
        case "eth_getCode": {
          const [address] = params;
          const a = address.toLowerCase();
          rpcLog.push({ chainId, method, to: getAddress(a) });
          if (contracts.has(a) || isDeployed(a)) return "0x6080604052";
          return "0x";
        }
        case "eth_call":
          return ethCall(params[0]);
        case "eth_getBlockByNumber":
          rpcLog.push({ chainId, method });
          return { number: "0x1", timestamp: numberToHex(1735689600), blobGasUsed: "0x0", baseFeePerGas: "0x1" };
        default:
          throw new Error(`mock chain ${chainId}: unexpected ${method}`);
      }
    },
  });
};

export { zeroAddress, keccak256, stringToHex };
