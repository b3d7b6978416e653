// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {PackedUserOperation} from "account-abstraction/interfaces/PackedUserOperation.sol";

import {IValidator, IStatelessValidator, MODULE_TYPE_VALIDATOR, MODULE_TYPE_STATELESS_VALIDATOR} from
    "../interfaces/IERC7579Module.sol";

import {IPolicy, IUserOpPolicy, IActionPolicy, I1271Policy} from "../interfaces/IPolicy.sol";
import {
    Session,
    PolicyData,
    ActionData,
    ERC7739Data,
    ERC7739Context,
    ERC7739ContextHashes,
    EnableSession,
    ChainDigest,
    SmartSessionMode,
    PolicyType,
    FALLBACK_TARGET_FLAG,
    FALLBACK_ACTIONID,
    FALLBACK_ACTIONID_SMARTSESSION_CALL,
    VALUE_SELECTOR
} from "./DataTypes.sol";
import {AssociatedSet, AssociatedSetLib} from "./lib/AssociatedSet.sol";
import {AssociatedList, AssociatedListLib, AddressList, AddressListLib} from "./lib/AssociatedList.sol";
import {IdLib} from "./lib/IdLib.sol";
import {HashLib} from "./lib/HashLib.sol";
import {EnableDecoder} from "./lib/EnableDecoder.sol";
import {ExecutionDecoder} from "./lib/ExecutionDecoder.sol";
import {ValidationDataLib} from "./lib/ValidationDataLib.sol";



import {SmartSessionStorage, SessionValidatorConfig} from "./SmartSessionStorage.sol";

/// @title SmartSessionViews
/// @notice Read functions and the ERC-1271 (ERC-7739) path of `SmartSession`, reached through
/// `SmartSession`'s fallback by `delegatecall`, so they run on the module's storage and at the
/// module's address. Split out only to keep `SmartSession` under the EIP-170 code-size limit.
/// Called directly, it only sees its own (empty) storage.
contract SmartSessionViews is SmartSessionStorage {
    using AssociatedSetLib for AssociatedSet;
    using AssociatedListLib for AssociatedList;
    using AddressListLib for AddressList;

    /*//////////////////////////////////////////////////////////////
                              ERC-1271
    //////////////////////////////////////////////////////////////*/

    /// @notice ERC-1271 for session keys, ERC-7739 nested typed data (TypedDataSign) only.
    /// @dev `signature` (after an optional ERC-6492 unwrap) = `permissionId(32) ‖ validatorSig ‖
    /// appDomainSeparator(32) ‖ contentsHash(32) ‖ contentsDescription ‖ uint16(len(contentsDescription))`.
    /// Requests sent by this module itself are refused, so a session key can never produce the owner
    /// signature that enables another session.
    function isValidSignatureWithSender(address sender, bytes32 hash, bytes calldata signature)
        external
        view
        returns (bytes4)
    {
        if (hash == 0x7739773977397739773977397739773977397739773977397739773977397739) return bytes4(0x77390001);
        if (sender == address(this)) return EIP1271_FAILED;
        return _isValidNested(sender, hash, _unwrap6492(signature)) ? EIP1271_SUCCESS : EIP1271_FAILED;
    }

    function _unwrap6492(bytes calldata sig) internal pure returns (bytes calldata) {
        uint256 len = sig.length;
        if (len >= 32 && bytes32(sig[len - 32:]) == 0x6492649264926492649264926492649264926492649264926492649264926492) {
            // abi.encode(address factory, bytes factoryCalldata, bytes signature) ‖ magic
            bytes calldata body = sig[:len - 32];
            if (body.length < 96) return sig[0:0];
            uint256 rel = uint256(bytes32(body[64:96]));
            if (rel > body.length - 32) return sig[0:0];
            uint256 l = uint256(bytes32(body[rel:rel + 32]));
            if (l > body.length - rel - 32) return sig[0:0];
            return body[rel + 32:rel + 32 + l];
        }
        return sig;
    }

    function _isValidNested(address sender, bytes32 hash, bytes calldata sig) internal view returns (bool) {
        if (sig.length < 32 + 66) return false;
        uint256 c = uint16(bytes2(sig[sig.length - 2:]));
        if (c == 0 || sig.length < 32 + 66 + c) return false;
        uint256 o = sig.length - 66 - c;
        bytes32 appDomain = bytes32(sig[o:o + 32]);
        bytes32 contents = bytes32(sig[o + 32:o + 64]);
        bytes calldata description = sig[o + 64:o + 64 + c];
        if (keccak256(abi.encodePacked(hex"1901", appDomain, contents)) != hash) return false;

        (bool okName, bytes32 finalHash) = _typedDataSignHash(appDomain, contents, description);
        if (!okName) return false;

        bytes32 permissionId = bytes32(sig[0:32]);
        if (!_isEnabled(permissionId, msg.sender)) return false;
        if (!$enabledContents[permissionId][appDomain].contains(msg.sender, keccak256(description))) return false;
        return _check1271Session(sender, permissionId, finalHash, sig[32:o]);
    }

    /// @dev All ERC-1271 policies (at least one) must accept, then the session validator decides.
    function _check1271Session(address sender, bytes32 permissionId, bytes32 finalHash, bytes calldata validatorSig)
        internal
        view
        returns (bool)
    {
        address account = msg.sender;
        AddressList storage set = $erc1271Policies[permissionId];
        uint256 n = set.length(account);
        if (n == 0) return false;
        bytes32 configId = IdLib.erc1271ConfigId(permissionId, account);
        for (uint256 i; i < n; ++i) {
            address policy = address(uint160(uint256(set.at(account, i))));
            if (!I1271Policy(policy).check1271SignedAction(configId, sender, account, finalHash, validatorSig)) {
                return false;
            }
        }
        return _isValidSessionSignature(permissionId, account, finalHash, validatorSig);
    }

    /// @dev keccak256(0x1901 ‖ appDomain ‖ hashStruct(TypedDataSign{contents, account's name,
    /// version, chainId, verifyingContract, salt})), the domain fields read from the account's
    /// `eip712Domain()`.
    function _typedDataSignHash(bytes32 appDomain, bytes32 contents, bytes calldata description)
        internal
        view
        returns (bool ok, bytes32 finalHash)
    {
        (bool okName, bytes calldata contentsName, bytes calldata contentsType) = _splitDescription(description);
        if (!okName) return (false, bytes32(0));
        bytes32 typeHash = keccak256(
            abi.encodePacked(
                "TypedDataSign(",
                contentsName,
                " contents,string name,string version,uint256 chainId,address verifyingContract,bytes32 salt)",
                contentsType
            )
        );
        bytes32 structHash = keccak256(abi.encodePacked(typeHash, contents, _accountDomainFields()));
        return (true, keccak256(abi.encodePacked(hex"1901", appDomain, structHash)));
    }

    /// @dev `abi.encode(keccak256(name), keccak256(version), chainId, verifyingContract, salt)` from the
    /// calling account's `eip712Domain()` (ERC-5267), read straight from the return data with every
    /// offset bounds-checked.
    function _accountDomainFields() internal view returns (bytes memory out) {
        out = new bytes(160);
        assembly ("memory-safe") {
            mstore(0x00, 0x84b0196e)
            let ok := staticcall(gas(), caller(), 0x1c, 0x04, 0x00, 0x00)
            let rs := returndatasize()
            if or(iszero(ok), lt(rs, 0xe0)) { revert(0x00, 0x00) }
            let m := mload(0x40)
            returndatacopy(m, 0x00, rs)
            mstore(0x40, add(m, add(rs, 0x20)))
            // name and version: offsets at 0x20 / 0x40 of the head
            for { let i := 0 } lt(i, 2) { i := add(i, 1) } {
                let o := mload(add(m, add(0x20, shl(5, i))))
                if gt(o, sub(rs, 0x20)) { revert(0x00, 0x00) }
                let l := mload(add(m, o))
                if gt(l, sub(sub(rs, o), 0x20)) { revert(0x00, 0x00) }
                mstore(add(out, add(0x20, shl(5, i))), keccak256(add(add(m, o), 0x20), l))
            }
            mstore(add(out, 0x60), mload(add(m, 0x60))) // chainId
            mstore(add(out, 0x80), and(mload(add(m, 0x80)), 0xffffffffffffffffffffffffffffffffffffffff))
            mstore(add(out, 0xa0), mload(add(m, 0xa0))) // salt
        }
    }

    /// @dev ERC-7739 contents description: implicit `Name(...)…` (ends with ')') or explicit
    /// `Type(...)…Name`. The name must be non-empty, must not start with `a-z` or '(' and must not
    /// contain ", )(" or NUL.
    function _splitDescription(bytes calldata d)
        internal
        pure
        returns (bool ok, bytes calldata name, bytes calldata contentsType)
    {
        uint256 len = d.length;
        if (d[len - 1] == ")") {
            contentsType = d;
            uint256 i;
            while (i < len && d[i] != "(") ++i;
            name = d[0:i];
        } else {
            uint256 k = len;
            while (k != 0 && d[k - 1] != ")") --k;
            if (k == 0) return (false, d[0:0], d[0:0]);
            contentsType = d[0:k];
            name = d[k:];
        }
        if (name.length == 0) return (false, name, contentsType);
        bytes1 first = name[0];
        if ((first >= "a" && first <= "z") || first == "(") return (false, name, contentsType);
        for (uint256 j; j < name.length; ++j) {
            bytes1 ch = name[j];
            if (ch == "," || ch == " " || ch == ")" || ch == "(" || ch == 0x00) return (false, name, contentsType);
        }
        ok = true;
    }

    function getEnabledActions(address account, bytes32 permissionId) external view returns (bytes32[] memory) {
        return $enabledActionIds[permissionId].values(account);
    }

    function getUserOpPolicies(address account, bytes32 permissionId) external view returns (address[] memory) {
        return $userOpPolicies[permissionId].addressValues(account);
    }

    function getActionPolicies(address account, bytes32 permissionId, bytes32 actionId)
        external
        view
        returns (address[] memory)
    {
        return $actionPolicies[actionId][permissionId].addressValues(account);
    }

    function getERC1271Policies(address account, bytes32 permissionId) external view returns (address[] memory) {
        return $erc1271Policies[permissionId].addressValues(account);
    }

    function getEnabledERC7739Content(address account, bytes32 permissionId)
        external
        view
        returns (ERC7739ContextHashes[] memory out)
    {
        AssociatedSet storage domains = $enabledDomains[permissionId];
        uint256 n = domains.length(account);
        out = new ERC7739ContextHashes[](n);
        for (uint256 i; i < n; ++i) {
            bytes32 d = domains.at(account, i);
            out[i].appDomainSeparator = d;
            out[i].contentNameHashes = $enabledContents[permissionId][d].values(account);
        }
    }

    function getSessionValidatorAndConfig(address account, bytes32 permissionId)
        external
        view
        returns (address sessionValidator, bytes memory sessionValidatorData)
    {
        (sessionValidator, sessionValidatorData) = _loadValidator($sessionValidators[permissionId][account]);
    }

    function isISessionValidatorSet(bytes32 permissionId, address account) external view returns (bool) {
        return _validatorOf($sessionValidators[permissionId][account]) != address(0);
    }

    function isUserOpPolicyEnabled(address account, bytes32 permissionId, address policy) external view returns (bool) {
        return $userOpPolicies[permissionId].contains(account, bytes32(uint256(uint160(policy))));
    }

    function isActionPolicyEnabled(address account, bytes32 permissionId, bytes32 actionId, address policy)
        external
        view
        returns (bool)
    {
        return $actionPolicies[actionId][permissionId].contains(account, bytes32(uint256(uint160(policy))));
    }

    function isERC1271PolicyEnabled(address account, bytes32 permissionId, address policy)
        external
        view
        returns (bool)
    {
        return $erc1271Policies[permissionId].contains(account, bytes32(uint256(uint160(policy))));
    }

    function isActionIdEnabled(address account, bytes32 permissionId, bytes32 actionId) external view returns (bool) {
        return $enabledActionIds[permissionId].contains(account, actionId);
    }

    function isERC7739ContentEnabled(
        address account,
        bytes32 permissionId,
        bytes32 appDomainSeparator,
        string calldata content
    ) external view returns (bool) {
        return $enabledContents[permissionId][appDomainSeparator].contains(account, keccak256(bytes(content)));
    }

    function areActionsEnabled(address account, bytes32 permissionId, ActionData[] calldata)
        external
        view
        returns (bool)
    {
        (,, ActionData[] memory actions) = abi.decode(_args(), (address, bytes32, ActionData[]));
        for (uint256 i; i < actions.length; ++i) {
            bytes32 actionId = IdLib.actionId(actions[i].actionTarget, actions[i].actionTargetSelector);
            if (!_allIn($actionPolicies[actionId][permissionId], account, actions[i].actionPolicies)) return false;
        }
        return true;
    }

    function areUserOpPoliciesEnabled(address account, bytes32 permissionId, PolicyData[] calldata)
        external
        view
        returns (bool)
    {
        return _allIn($userOpPolicies[permissionId], account, _policyDataArg());
    }

    function areERC1271PoliciesEnabled(address account, bytes32 permissionId, PolicyData[] calldata)
        external
        view
        returns (bool)
    {
        return _allIn($erc1271Policies[permissionId], account, _policyDataArg());
    }

    function _policyDataArg() internal pure returns (PolicyData[] memory policies) {
        (,, policies) = abi.decode(_args(), (address, bytes32, PolicyData[]));
    }

    function _allIn(AddressList storage set, address account, PolicyData[] memory policies)
        internal
        view
        returns (bool)
    {
        for (uint256 i; i < policies.length; ++i) {
            if (!set.contains(account, bytes32(uint256(uint160(policies[i].policy))))) return false;
        }
        return true;
    }
}
