// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {
    Session,
    PolicyData,
    ActionData,
    ERC7739Data,
    ERC7739Context,
    ChainDigest,
    EnableSession,
    SmartSessionMode,
    FALLBACK_TARGET_FLAG,
    FALLBACK_TARGET_SELECTOR_FLAG,
    FALLBACK_TARGET_SELECTOR_FLAG_PERMITTED_TO_CALL_SMARTSESSION
} from "../DataTypes.sol";

/// @dev keccak256("PolicyData(address policy,bytes initData)").
bytes32 constant POLICY_DATA_TYPEHASH = 0xdddac12cd8b10a071bea04226e97ac9490698394e19224abc47a5cfeeeb6ee97;
/// @dev ActionData(bytes4 actionTargetSelector,address actionTarget,PolicyData[] actionPolicies)PolicyData(…).
bytes32 constant ACTION_DATA_TYPEHASH = 0x35809859dccf8877c407a59527c2f00fb81ca9c198ebcb0c832c3deaa38d3502;
/// @dev keccak256("ERC7739Context(bytes32 appDomainSeparator,string[] contentName)").
bytes32 constant ERC7739_CONTEXT_TYPEHASH = 0x006166b2b3a1edaf1da1ce02715d02d4979a4ab93755bff9ec054b0e6a96a1da;
/// @dev ERC7739Data(ERC7739Context[] allowedERC7739Content,PolicyData[] erc1271Policies)+deps.
bytes32 constant ERC7739_DATA_TYPEHASH = 0xdfd9b5718eebaa2484740b4ea6939e96189024c15848f16ccce901118114e152;
/// @dev SignedPermissions(bool permitGenericPolicy,bool permitAdminAccess,bool ignoreSecurityAttestations,
/// bool permitERC4337Paymaster,PolicyData[] userOpPolicies,ERC7739Data erc7739Policies,ActionData[] actions)+deps.
bytes32 constant SIGNED_PERMISSIONS_TYPEHASH = 0x871289c05e426554eb0f843c9aa542f9c2bc4eba7742ada6a5c014d3568674d4;
/// @dev SignedSession(address account,SignedPermissions permissions,address sessionValidator,
/// bytes sessionValidatorInitData,bytes32 salt,address smartSession,uint256 nonce)+deps.
bytes32 constant SESSION_TYPEHASH = 0xd44896e3cb83d70abc949a38dd6f9f75e675dc329dfe958617f066f79ff88f05;
/// @dev ChainSession(uint64 chainId,SignedSession session)+deps.
bytes32 constant CHAIN_SESSION_TYPEHASH = 0x1ea7e4bc398fa0ccd68d92b5d8931a3fd93eebe1cf0391b4ba28935801af7c80;
/// @dev MultiChainSession(ChainSession[] sessionsAndChainIds)+deps.
bytes32 constant MULTICHAIN_SESSION_TYPEHASH = 0x0c9d02fb89a1da34d66ea2088dc9ee6a58efee71cef6f1bb849ed74fc6003d98;
/// @dev keccak256("EIP712Domain(string name,string version)").
bytes32 constant MULTICHAIN_DOMAIN_TYPEHASH = 0xb03948446334eb9b2196d5eb166f69b9d49403eb4a12f36de8d3f9f3cb8e15c3;
/// @dev Domain {name: "SmartSession", version: "1"}: no chainId or verifyingContract, since the
/// signed struct binds the chain, the account and the module address itself.
bytes32 constant MULTICHAIN_DOMAIN_SEPARATOR = 0x057501e891776d1482927e5f094ae44049a4d893ba2d7b334dd7db8d38d3a0e1;

/// @notice EIP-712 hashing of sessions, identical to `eth_signTypedData_v4` over the same tree.
library HashLib {
    /// @notice hashStruct(SignedSession) for `account`, the module at `smartSession`, `mode` and `nonce`.
    function sessionDigest(
        Session memory session,
        address account,
        address smartSession,
        SmartSessionMode mode,
        uint256 nonce
    ) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(
                SESSION_TYPEHASH,
                account,
                hashPermissions(session, mode == SmartSessionMode.UNSAFE_ENABLE),
                session.sessionValidator,
                keccak256(session.sessionValidatorInitData),
                session.salt,
                smartSession,
                nonce
            )
        );
    }

    /// @notice hashStruct(SignedPermissions). `permitGenericPolicy` / `permitAdminAccess` are derived
    /// from the FALLBACK actions present, never taken from the signer.
    function hashPermissions(Session memory session, bool ignoreSecurityAttestations) internal pure returns (bytes32) {
        (bool permitGeneric, bool permitAdmin, bytes32 actionsHash) = hashActionDataArray(session.actions);
        return keccak256(
            abi.encode(
                SIGNED_PERMISSIONS_TYPEHASH,
                permitGeneric,
                permitAdmin,
                ignoreSecurityAttestations,
                session.permitERC4337Paymaster,
                hashPolicyDataArray(session.userOpPolicies),
                hashERC7739Data(session.erc7739Policies),
                actionsHash
            )
        );
    }

    function hashPolicyData(PolicyData memory p) internal pure returns (bytes32) {
        return keccak256(abi.encode(POLICY_DATA_TYPEHASH, p.policy, keccak256(p.initData)));
    }

    function hashPolicyDataArray(PolicyData[] memory ps) internal pure returns (bytes32) {
        bytes32[] memory h = new bytes32[](ps.length);
        for (uint256 i; i < ps.length; ++i) {
            h[i] = hashPolicyData(ps[i]);
        }
        return keccak256(abi.encodePacked(h));
    }

    function hashActionData(ActionData memory a) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(ACTION_DATA_TYPEHASH, a.actionTargetSelector, a.actionTarget, hashPolicyDataArray(a.actionPolicies))
        );
    }

    function hashActionDataArray(ActionData[] memory as_)
        internal
        pure
        returns (bool permitGeneric, bool permitAdmin, bytes32 hash)
    {
        bytes32[] memory h = new bytes32[](as_.length);
        for (uint256 i; i < as_.length; ++i) {
            ActionData memory a = as_[i];
            if (a.actionTarget == FALLBACK_TARGET_FLAG) {
                if (a.actionTargetSelector == FALLBACK_TARGET_SELECTOR_FLAG) permitGeneric = true;
                if (a.actionTargetSelector == FALLBACK_TARGET_SELECTOR_FLAG_PERMITTED_TO_CALL_SMARTSESSION) {
                    permitAdmin = true;
                }
            }
            h[i] = hashActionData(a);
        }
        hash = keccak256(abi.encodePacked(h));
    }

    function hashStringArray(string[] memory ss) internal pure returns (bytes32) {
        bytes32[] memory h = new bytes32[](ss.length);
        for (uint256 i; i < ss.length; ++i) {
            h[i] = keccak256(bytes(ss[i]));
        }
        return keccak256(abi.encodePacked(h));
    }

    function hashERC7739Context(ERC7739Context memory c) internal pure returns (bytes32) {
        return keccak256(abi.encode(ERC7739_CONTEXT_TYPEHASH, c.appDomainSeparator, hashStringArray(c.contentNames)));
    }

    function hashERC7739Data(ERC7739Data memory d) internal pure returns (bytes32) {
        bytes32[] memory h = new bytes32[](d.allowedERC7739Content.length);
        for (uint256 i; i < h.length; ++i) {
            h[i] = hashERC7739Context(d.allowedERC7739Content[i]);
        }
        return keccak256(
            abi.encode(ERC7739_DATA_TYPEHASH, keccak256(abi.encodePacked(h)), hashPolicyDataArray(d.erc1271Policies))
        );
    }

    /// @notice The EIP-712 digest of `MultiChainSession{sessionsAndChainIds}` under the SmartSession
    /// domain, built from per-chain session digests.
    function multichainDigest(ChainDigest[] memory cs) internal pure returns (bytes32) {
        bytes32[] memory h = new bytes32[](cs.length);
        for (uint256 i; i < cs.length; ++i) {
            h[i] = keccak256(abi.encode(CHAIN_SESSION_TYPEHASH, cs[i].chainId, cs[i].sessionDigest));
        }
        bytes32 structHash = keccak256(abi.encode(MULTICHAIN_SESSION_TYPEHASH, keccak256(abi.encodePacked(h))));
        return keccak256(abi.encodePacked(hex"1901", MULTICHAIN_DOMAIN_SEPARATOR, structHash));
    }
}
