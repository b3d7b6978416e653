// Multichain enable digests (MultiChainSession EIP-712) and the owner's
// permissionEnableSig in personal-sign and typed-data form.
import {
  concatHex,
  encodeAbiParameters,
  hashMessage,
  keccak256,
  recoverAddress,
  recoverMessageAddress,
  stringToHex,
  hashDomain,
} from "viem";
import { SMART_SESSIONS_ADDRESS } from "@biconomy/abstractjs";
// hashChainSessions is not re-exported by abstractjs; abstractjs's
// grantPermission imports it from its peer dependency module-sdk.
import { hashChainSessions } from "@rhinestone/module-sdk";
import { offlineSessionDigest } from "../lib/mock-chain.mjs";
import { runGrant, GRANT_CASES } from "../lib/session-flows.mjs";
import * as F from "../lib/fixtures.mjs";

const th = (s) => keccak256(stringToHex(s));
const POLICY = "PolicyData(address policy,bytes initData)";
const ACTION = `ActionData(bytes4 actionTargetSelector,address actionTarget,PolicyData[] actionPolicies)${POLICY}`;
const CTX = "ERC7739Context(bytes32 appDomainSeparator,string[] contentName)";
const DATA = `ERC7739Data(ERC7739Context[] allowedERC7739Content,PolicyData[] erc1271Policies)${CTX}${POLICY}`;
const PERMS_HEAD =
  "SignedPermissions(bool permitGenericPolicy,bool permitAdminAccess,bool ignoreSecurityAttestations,bool permitERC4337Paymaster,PolicyData[] userOpPolicies,ERC7739Data erc7739Policies,ActionData[] actions)";
const PERMS = `${PERMS_HEAD}ActionData(bytes4 actionTargetSelector,address actionTarget,PolicyData[] actionPolicies)${CTX}ERC7739Data(ERC7739Context[] allowedERC7739Content,PolicyData[] erc1271Policies)${POLICY}`;
const SESSION_HEAD =
  "SignedSession(address account,SignedPermissions permissions,address sessionValidator,bytes sessionValidatorInitData,bytes32 salt,address smartSession,uint256 nonce)";
const DEPS = `ActionData(bytes4 actionTargetSelector,address actionTarget,PolicyData[] actionPolicies)${CTX}ERC7739Data(ERC7739Context[] allowedERC7739Content,PolicyData[] erc1271Policies)${POLICY}${PERMS_HEAD}`;
const SESSION = `${SESSION_HEAD}${DEPS}`;
const CHAIN = `ChainSession(uint64 chainId,SignedSession session)${DEPS}${SESSION_HEAD}`;
const MULTI = `MultiChainSession(ChainSession[] sessionsAndChainIds)ActionData(bytes4 actionTargetSelector,address actionTarget,PolicyData[] actionPolicies)ChainSession(uint64 chainId,SignedSession session)${CTX}ERC7739Data(ERC7739Context[] allowedERC7739Content,PolicyData[] erc1271Policies)${POLICY}${PERMS_HEAD}${SESSION_HEAD}`;

// Expected values from onchain-formats.md §3.5; the generator refuses to
// write vectors if the type strings above do not hash to them.
const EXPECTED = {
  POLICY_DATA_TYPEHASH: [POLICY, "0xdddac12cd8b10a071bea04226e97ac9490698394e19224abc47a5cfeeeb6ee97"],
  ACTION_DATA_TYPEHASH: [ACTION, "0x35809859dccf8877c407a59527c2f00fb81ca9c198ebcb0c832c3deaa38d3502"],
  ERC7739_CONTEXT_TYPEHASH: [CTX, "0x006166b2b3a1edaf1da1ce02715d02d4979a4ab93755bff9ec054b0e6a96a1da"],
  ERC7739_DATA_TYPEHASH: [DATA, "0xdfd9b5718eebaa2484740b4ea6939e96189024c15848f16ccce901118114e152"],
  SIGNED_PERMISSIONS_TYPEHASH: [PERMS, "0x871289c05e426554eb0f843c9aa542f9c2bc4eba7742ada6a5c014d3568674d4"],
  SESSION_TYPEHASH: [SESSION, "0xd44896e3cb83d70abc949a38dd6f9f75e675dc329dfe958617f066f79ff88f05"],
  CHAIN_SESSION_TYPEHASH: [CHAIN, "0x1ea7e4bc398fa0ccd68d92b5d8931a3fd93eebe1cf0391b4ba28935801af7c80"],
  MULTICHAIN_SESSION_TYPEHASH: [MULTI, "0x0c9d02fb89a1da34d66ea2088dc9ee6a58efee71cef6f1bb849ed74fc6003d98"],
};

const DOMAIN = { name: "SmartSession", version: "1" };

/** The digest from per-chain session digests alone (what the contract
 * computes in _enablePolicies, step 5). */
const multichainFromDigests = (chainDigests) => {
  const items = chainDigests.map(({ chainId, sessionDigest }) =>
    keccak256(
      encodeAbiParameters(
        [{ type: "bytes32" }, { type: "uint64" }, { type: "bytes32" }],
        [EXPECTED.CHAIN_SESSION_TYPEHASH[1], BigInt(chainId), sessionDigest],
      ),
    ),
  );
  const structHash = keccak256(
    encodeAbiParameters([{ type: "bytes32" }, { type: "bytes32" }], [EXPECTED.MULTICHAIN_SESSION_TYPEHASH[1], keccak256(concatHex(items))]),
  );
  return keccak256(concatHex(["0x1901", hashDomain({ domain: DOMAIN, types: { EIP712Domain: [{ name: "name", type: "string" }, { name: "version", type: "string" }] } }), structHash]));
};

export default async function enableDigests() {
  const typehashes = {};
  for (const [name, [type, expected]] of Object.entries(EXPECTED)) {
    const got = th(type);
    if (got !== expected) throw new Error(`${name}: ${got} != ${expected}`);
    typehashes[name] = { type, hash: got };
  }
  const domainSeparator = hashDomain({
    domain: DOMAIN,
    types: { EIP712Domain: [{ name: "name", type: "string" }, { name: "version", type: "string" }] },
  });
  if (domainSeparator !== "0x057501e891776d1482927e5f094ae44049a4d893ba2d7b334dd7db8d38d3a0e1") {
    throw new Error(`domain separator ${domainSeparator}`);
  }

  const cases = [];
  for (const name of Object.keys(GRANT_CASES)) {
    const r = await runGrant(name);
    const entries = r.sessionDetails;
    const enableSig = entries[0].enableSessionData.enableSession.permissionEnableSig;
    const chainDigests = entries[0].enableSessionData.enableSession.hashesAndChainIds;
    const perChain = entries.map((e, i) => {
      const session = e.enableSessionData.enableSession.sessionToEnable;
      const digest = offlineSessionDigest({ account: F.ACCOUNT, session, mode: 2, nonce: 0n });
      if (digest !== chainDigests[i].sessionDigest) throw new Error("per-chain digest mismatch");
      return {
        chainId: session.chainId,
        chainDigestIndex: e.enableSessionData.enableSession.chainDigestIndex,
        permissionId: e.permissionId,
        account: F.ACCOUNT,
        sessionNonce: 0n,
        mode: 2,
        sessionDigest: digest,
      };
    });
    // Rebuild the ChainSession list exactly as grantPermission does and hash
    // it with the SDK's own hashChainSessions.
    const chainSessions = entries.map((e) => {
      const s = e.enableSessionData.enableSession.sessionToEnable;
      return {
        chainId: s.chainId,
        session: {
          ...s,
          permissions: {
            permitGenericPolicy: false,
            permitAdminAccess: false,
            ignoreSecurityAttestations: true,
            permitERC4337Paymaster: s.permitERC4337Paymaster,
            userOpPolicies: s.userOpPolicies,
            erc7739Policies: s.erc7739Policies,
            actions: s.actions,
          },
          account: F.ACCOUNT,
          smartSession: SMART_SESSIONS_ADDRESS,
          nonce: 0n,
        },
      };
    });
    const multichainDigest = hashChainSessions(chainSessions);
    if (multichainDigest !== multichainFromDigests(chainDigests)) throw new Error("multichain digest formula mismatch");
    const personal = GRANT_CASES[name].mode === "PERSONAL_SIGN";
    const recovered = personal
      ? await recoverMessageAddress({ message: { raw: multichainDigest }, signature: enableSig })
      : await recoverAddress({ hash: multichainDigest, signature: enableSig });
    if (recovered !== F.owner.address) throw new Error(`${name}: signature recovers to ${recovered}`);
    cases.push({
      name,
      sdkFunction: personal ? "grantMeePermissionPersonalSign" : "grantMeePermissionTypedDataSign",
      signerPrivateKey: F.OWNER_PK,
      signer: F.owner.address,
      perChain,
      multichainDigest,
      signedHash: personal ? hashMessage({ raw: multichainDigest }) : multichainDigest,
      permissionEnableSig: enableSig,
      permissionEnableSigWithValidator: concatHex([entries[0].enableSessionData.validator, enableSig]),
    });
  }
  return {
    description:
      "Enable digests. perChain.sessionDigest is what SmartSession.getSessionDigest(permissionId, account, session, UNSAFE_ENABLE=2) returns; the SDK obtains it by eth_call, here it is computed offline with viem hashStruct over the SDK's own SignedSession EIP-712 types (derived flags: permitGenericPolicy/permitAdminAccess from FALLBACK actions, ignoreSecurityAttestations = mode==2). multichainDigest = module-sdk hashChainSessions (what the SDK signs), checked against the contract formula over the per-chain digests. Personal-sign signs EIP-191 of the 32-byte digest; typed-data signs the digest itself. permissionEnableSigWithValidator = validator(20 bytes, 0 = Nexus default validator) || sig, the form placed in EnableSession.permissionEnableSig on chain.",
    domain: DOMAIN,
    domainSeparator,
    typehashes,
    cases,
  };
}
