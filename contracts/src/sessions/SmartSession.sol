// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {PackedUserOperation} from "account-abstraction/interfaces/PackedUserOperation.sol";
import {ERC165Checker} from "@openzeppelin/contracts/utils/introspection/ERC165Checker.sol";

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

interface IERC1271Account {
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4);
}


import {SmartSessionStorage, SessionValidatorConfig} from "./SmartSessionStorage.sol";

/// @title SmartSession
/// @notice ERC-7579 validator for session keys, wire-compatible with Smart Sessions v1: same ABI,
/// permission/action/config ids, signature modes (USE, ENABLE, UNSAFE_ENABLE), EIP-712 enable digests
/// and policy interfaces.
/// @dev Installed on an account as a validator (type 1). The account routes a userOp here when the
/// nonce's validator field names this module; `userOp.signature` is `mode(1) ‖ …` (see
/// `validateUserOp`).
///
/// Storage and ERC-7562. Validation only touches slots associated with the account (STO-021): every
/// per-account mapping has the account as its LAST key, so the slot is `keccak256(account ‖ x) + n`
/// with `n ≤ 127`:
/// - policy lists (`AddressList`: count packed with the first policy, no index slots): per
///   permissionId the userOp and ERC-1271 policies, per (actionId, permissionId) the action policies;
/// - plain lists (`AssociatedList`): enabled permissionIds per account, enabled actionIds per
///   permissionId;
/// - indexed sets (`AssociatedSet`): per permissionId the ERC-7739 domains, per (permissionId,
///   appDomain) the ERC-7739 content hashes (looked up on the ERC-1271 path);
/// - `$sessionValidators[permissionId][account]`: one header slot with the validator address,
///   paymaster flag, the session's index in the enabled list (its "enabled" flag), the data length
///   and the enable-signature nonce, then the validator's init data stored flat (no `bytes`
///   storage, whose data would live at `keccak(slot)`); the canonical MEE validator's 20-byte
///   signer is kept inline in the header (see `SessionValidatorConfig`).
/// Policies key their state the same way. The module reads no banned opcode during validation and
/// forwards gas to policies only as `call(gas(), …)`.
///
/// Deployment. One immutable (`VIEWS`), no constructor-set storage: the runtime code may be copied to
/// any address (the devnet places it at the canonical address with `anvil_setCode`). The module's own address,
/// which enable digests commit to and which calls must not target, is always `address(this)`.
contract SmartSession is SmartSessionStorage {
    using AssociatedSetLib for AssociatedSet;
    using AssociatedListLib for AssociatedList;
    using AddressListLib for AddressList;

    /// @notice The `SmartSessionViews` deployment serving the read functions and ERC-1271 by
    /// delegatecall. An immutable, not storage: copying this runtime code elsewhere keeps it.
    address public immutable VIEWS;

    constructor(address views) {
        VIEWS = views;
    }

    /// @dev Every selector not implemented here (views, `isValidSignatureWithSender`) runs in
    /// `SmartSessionViews` on this contract's storage.
    fallback() external {
        address target = VIEWS;
        assembly ("memory-safe") {
            calldatacopy(0x00, 0x00, calldatasize())
            let ok := delegatecall(gas(), target, 0x00, calldatasize(), 0x00, 0x00)
            returndatacopy(0x00, 0x00, returndatasize())
            if iszero(ok) { revert(0x00, returndatasize()) }
            return(0x00, returndatasize())
        }
    }

    /// @notice Selectors are answered here or by `VIEWS`; the full surface is `ISmartSession`.

    /// @dev Policy changes on a permission require it enabled before and after (an initializer that
    /// re-enters and removes the session cannot leave half-configured state behind).
    modifier enabledAround(bytes32 permissionId) {
        _requireEnabled(permissionId, msg.sender);
        _;
        _requireEnabled(permissionId, msg.sender);
    }

    modifier enabledBefore(bytes32 permissionId) {
        _requireEnabled(permissionId, msg.sender);
        _;
    }

    /*//////////////////////////////////////////////////////////////
                              ERC-4337
    //////////////////////////////////////////////////////////////*/

    /// @notice Validates a session userOp for the calling account.
    /// @dev `userOp.signature`:
    /// - USE (0x00): `0x00 ‖ permissionId(32) ‖ sessionValidatorSig`;
    /// - ENABLE (0x01) / UNSAFE_ENABLE (0x02): `mode ‖ flzCompress(abi.encode(EnableSession, bytes sig))`;
    ///   the permissionId is derived from `sessionToEnable`, so the payload cannot be re-targeted.
    /// Returns the intersection of all policy time windows, or 1 when the session key's signature
    /// is invalid. A failing or reverting policy reverts.
    function validateUserOp(PackedUserOperation calldata userOp, bytes32 userOpHash) external returns (uint256) {
        address account = userOp.sender;
        if (account != msg.sender) revert InvalidUserOpSender(account);
        bytes calldata sig = userOp.signature;
        if (sig.length == 0) revert InvalidData();
        uint8 mode = uint8(sig[0]);
        if (mode == uint8(SmartSessionMode.USE)) {
            if (sig.length < 33) revert InvalidData();
            return _enforce(bytes32(sig[1:33]), userOpHash, userOp, sig[33:], account);
        }
        if (mode == uint8(SmartSessionMode.ENABLE) || mode == uint8(SmartSessionMode.UNSAFE_ENABLE)) {
            (EnableSession memory enableData, bytes memory useSig) = EnableDecoder.decode(sig[1:]);
            bytes32 permissionId = IdLib.permissionIdMemory(enableData.sessionToEnable);
            _enableWithSignature(enableData, permissionId, account, SmartSessionMode(mode));
            return _enforceMemorySig(permissionId, userOpHash, userOp, useSig, account);
        }
        revert UnsupportedSmartSessionMode(mode);
    }

    function _enableWithSignature(
        EnableSession memory enableData,
        bytes32 permissionId,
        address account,
        SmartSessionMode mode
    ) internal {
        uint256 nonce = $sessionValidators[permissionId][account].nonce++;
        bytes32 computed =
            HashLib.sessionDigest(enableData.sessionToEnable, account, address(this), mode, nonce);
        uint256 index = enableData.chainDigestIndex;
        if (index >= enableData.hashesAndChainIds.length) revert HashIndexOutOfBounds(index);
        ChainDigest memory provided = enableData.hashesAndChainIds[index];
        if (provided.chainId != block.chainid) revert ChainIdMismatch(provided.chainId);
        if (provided.sessionDigest != computed) revert HashMismatch(provided.sessionDigest, computed);
        bytes32 digest = HashLib.multichainDigest(enableData.hashesAndChainIds);
        // The account's own ERC-1271 decides (its owner validator). This module refuses to answer for
        // requests it sends itself, so a session can never authorize another session.
        if (IERC1271Account(account).isValidSignature(digest, enableData.permissionEnableSig) != EIP1271_SUCCESS) {
            revert InvalidEnableSignature(account, digest);
        }
        _enableSession(enableData.sessionToEnable, permissionId, account);
    }

    function _enforceMemorySig(
        bytes32 permissionId,
        bytes32 userOpHash,
        PackedUserOperation calldata userOp,
        bytes memory sig,
        address account
    ) internal returns (uint256 vd) {
        vd = _checkPolicies(permissionId, userOp, account);
        if (!_isValidSessionSignature(permissionId, account, userOpHash, sig)) return VALIDATION_FAILED;
    }

    function _enforce(
        bytes32 permissionId,
        bytes32 userOpHash,
        PackedUserOperation calldata userOp,
        bytes calldata sig,
        address account
    ) internal returns (uint256 vd) {
        vd = _checkPolicies(permissionId, userOp, account);
        if (!_isValidSessionSignature(permissionId, account, userOpHash, sig)) return VALIDATION_FAILED;
    }

    function _checkPolicies(bytes32 permissionId, PackedUserOperation calldata userOp, address account)
        internal
        returns (uint256 vd)
    {
        if (!_isEnabled(permissionId, account)) revert InvalidPermissionId(permissionId);

        // userOp policies; a paymaster needs the session's opt-in and at least one userOp policy
        {
            uint256 minPolicies;
            if (userOp.paymasterAndData.length != 0) {
                if ($sessionValidators[permissionId][account].flags & FLAG_PAYMASTER == 0) {
                    revert PaymasterValidationNotEnabled(permissionId);
                }
                minPolicies = 1;
            }
            AddressList storage set = $userOpPolicies[permissionId];
            uint256 n = set.length(account);
            if (n < minPolicies) revert NoPoliciesSet(permissionId);
            // a lone SudoPolicy allows every userOp: nothing to call, nothing to encode
            if (n != 0 && (n != 1 || set.at(account, 0) != bytes32(uint256(uint160(SUDO_POLICY))))) {
                vd = _runPolicies(
                    set,
                    permissionId,
                    account,
                    minPolicies,
                    _userOpPolicyCall(IdLib.userOpConfigId(permissionId, account), userOp)
                );
            }
        }

        bytes calldata callData = userOp.callData;
        if (callData.length < 4) revert InvalidData();
        bytes4 selector = bytes4(callData[0:4]);
        if (selector == EXECUTE_SELECTOR) {
            vd = ValidationDataLib.intersect(vd, _checkExecute(permissionId, account, callData));
        } else if (selector == EXECUTE_USER_OP_SELECTOR) {
            revert UnsupportedExecutionType();
        } else {
            vd = ValidationDataLib.intersect(vd, _checkAccountCall(permissionId, account, selector, callData));
        }
    }

    /// @dev Any other account function is an action on the account itself (target = account, value 0,
    /// data = the whole callData); it needs its own policies.
    function _checkAccountCall(bytes32 permissionId, address account, bytes4 selector, bytes calldata callData)
        internal
        returns (uint256)
    {
        bytes32 actionId = IdLib.actionId(account, selector);
        return _runPolicies(
            $actionPolicies[actionId][permissionId],
            permissionId,
            account,
            1,
            abi.encodeCall(
                IActionPolicy.checkAction,
                (IdLib.actionConfigId(permissionId, actionId, account), account, account, 0, callData)
            )
        );
    }

    /// @dev `execute(mode, executionCalldata)`: default exec type only; single or non-empty batch.
    function _checkExecute(bytes32 permissionId, address account, bytes calldata callData)
        internal
        returns (uint256 vd)
    {
        (bytes1 callType, bytes1 execType, bytes calldata ec) = ExecutionDecoder.decodeExecute(callData);
        if (execType != 0x00) revert UnsupportedExecutionType();
        if (callType == 0x01) return _checkBatch(permissionId, account, ec);
        if (callType != 0x00) revert UnsupportedCallType(callType);
        (address target, uint256 value, bytes calldata data) = ExecutionDecoder.decodeSingle(ec);
        return _checkAction(permissionId, account, target, value, data);
    }

    function _checkBatch(bytes32 permissionId, address account, bytes calldata ec) internal returns (uint256 vd) {
        (uint256 count, uint256 contentStart) = ExecutionDecoder.batchLength(ec);
        if (count == 0) revert NoExecutionsInBatch();
        for (uint256 i; i < count; ++i) {
            (address target, uint256 value, bytes calldata data) = ExecutionDecoder.batchAt(ec, contentStart, i);
            vd = ValidationDataLib.intersect(vd, _checkAction(permissionId, account, target, value, data));
        }
    }

    /// @dev Policies of one call: its own action, else the FALLBACK action; calls to this module
    /// only ever use FALLBACK_ACTIONID_SMARTSESSION_CALL.
    function _checkAction(bytes32 permissionId, address account, address target, uint256 value, bytes calldata data)
        internal
        returns (uint256)
    {
        bytes4 selector = data.length < 4 ? VALUE_SELECTOR : bytes4(data[0:4]);
        if (
            target == account
                && (
                    selector == EXECUTE_SELECTOR || selector == EXECUTE_USER_OP_SELECTOR
                        || selector == EXECUTE_COMPOSABLE_SELECTOR
                )
        ) revert InvalidSelfCall();
        if (target == FALLBACK_TARGET_FLAG) revert InvalidTarget();

        bytes32 actionId = _resolveActionId(permissionId, account, target, selector);
        return _runPolicies(
            $actionPolicies[actionId][permissionId],
            permissionId,
            account,
            1,
            abi.encodeCall(
                IActionPolicy.checkAction,
                (IdLib.actionConfigId(permissionId, actionId, account), account, target, value, data)
            )
        );
    }

    function _resolveActionId(bytes32 permissionId, address account, address target, bytes4 selector)
        internal
        view
        returns (bytes32 actionId)
    {
        if (target == address(this)) return FALLBACK_ACTIONID_SMARTSESSION_CALL;
        actionId = IdLib.actionId(target, selector);
        if ($actionPolicies[actionId][permissionId].length(account) == 0) actionId = FALLBACK_ACTIONID;
    }

    /// @dev Calls every policy of `set` with `callOnPolicy` and intersects the windows. A revert
    /// becomes `PolicyCheckReverted(first word of the revert data)`; any non-zero low 160 bits (or a
    /// short answer) become `PolicyViolation`.
    function _runPolicies(
        AddressList storage set,
        bytes32 permissionId,
        address account,
        uint256 minPolicies,
        bytes memory callOnPolicy
    ) internal returns (uint256 vd) {
        uint256 n = set.length(account);
        if (n < minPolicies) revert NoPoliciesSet(permissionId);
        for (uint256 i; i < n; ++i) {
            address policy = address(uint160(uint256(set.at(account, i))));
            // SudoPolicy answers 0 to every check, which leaves the intersection unchanged
            if (policy == SUDO_POLICY) continue;
            bool success;
            uint256 result;
            uint256 size;
            assembly ("memory-safe") {
                mstore(0x00, 0)
                success := call(gas(), policy, 0, add(callOnPolicy, 0x20), mload(callOnPolicy), 0x00, 0x20)
                size := returndatasize()
                result := mload(0x00)
            }
            if (!success) revert PolicyCheckReverted(bytes32(result));
            if (size < 32 || result & ValidationDataLib.ADDRESS_MASK != 0) {
                revert PolicyViolation(permissionId, policy);
            }
            vd = ValidationDataLib.intersect(vd, result);
        }
    }

    /// @dev `checkUserOpPolicy(configId, userOp)` without re-encoding the userOp: the head is
    /// `selector ‖ configId ‖ 0x40` and the tail is this call's calldata from the userOp's tuple to
    /// the end. Every offset inside the tuple is relative to the tuple's start and points past
    /// it, so the policy decodes exactly the userOp this module was given.
    function _userOpPolicyCall(bytes32 configId, PackedUserOperation calldata userOp)
        internal
        pure
        returns (bytes memory callOnPolicy)
    {
        bytes4 selector = IUserOpPolicy.checkUserOpPolicy.selector;
        assembly ("memory-safe") {
            let len := sub(calldatasize(), userOp)
            callOnPolicy := mload(0x40)
            mstore(callOnPolicy, add(0x44, len))
            mstore(add(callOnPolicy, 0x20), selector)
            mstore(add(callOnPolicy, 0x24), configId)
            mstore(add(callOnPolicy, 0x44), 0x40)
            calldatacopy(add(callOnPolicy, 0x64), userOp, len)
            mstore(0x40, and(add(add(callOnPolicy, add(0x64, len)), 31), not(31)))
        }
    }

    /*//////////////////////////////////////////////////////////////
                          SESSION MANAGEMENT
    //////////////////////////////////////////////////////////////*/

    /// @notice Enables sessions for the calling account, without an owner signature (the account
    /// itself is calling).
    function enableSessions(Session[] calldata) external returns (bytes32[] memory permissionIds) {
        return _enableSessions(abi.decode(_args(), (Session[])));
    }

    function _enableSessions(Session[] memory sessions) internal returns (bytes32[] memory permissionIds) {
        uint256 n = sessions.length;
        if (n == 0) revert InvalidData();
        permissionIds = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            bytes32 permissionId = IdLib.permissionIdMemory(sessions[i]);
            _enableSession(sessions[i], permissionId, msg.sender);
            permissionIds[i] = permissionId;
            emit SessionCreated(permissionId, msg.sender);
        }
    }

    function _enableSession(Session memory session, bytes32 permissionId, address account) internal {
        _enablePolicies(
            $userOpPolicies[permissionId],
            PolicyType.USER_OP,
            permissionId,
            IdLib.userOpConfigId(permissionId, account),
            session.userOpPolicies,
            account
        );
        _enableERC7739(permissionId, account, session.erc7739Policies);
        _enableActions(permissionId, account, session.actions);
        _setPaymasterPermit(permissionId, account, session.permitERC4337Paymaster);
        _addEnabled(permissionId, account);
        // an existing validator is kept: re-enabling only adds or re-configures policies
        if (_validatorOf($sessionValidators[permissionId][account]) == address(0)) {
            _setSessionValidator(permissionId, account, session.sessionValidator, session.sessionValidatorInitData);
        }
    }

    function _enablePolicies(
        AddressList storage set,
        PolicyType policyType,
        bytes32 permissionId,
        bytes32 configId,
        PolicyData[] memory policies,
        address account
    ) internal {
        bytes4 interfaceId = policyType == PolicyType.USER_OP
            ? type(IUserOpPolicy).interfaceId
            : policyType == PolicyType.ACTION ? type(IActionPolicy).interfaceId : type(I1271Policy).interfaceId;
        for (uint256 i; i < policies.length; ++i) {
            address policy = policies[i].policy;
            if (!ERC165Checker.supportsERC165InterfaceUnchecked(policy, interfaceId)) revert UnsupportedPolicy(policy);
            set.add(account, bytes32(uint256(uint160(policy))));
            IPolicy(policy).initializeWithMultiplexer(account, configId, policies[i].initData);
            emit PolicyEnabled(permissionId, policyType, policy, account);
        }
    }

    function _enableActions(bytes32 permissionId, address account, ActionData[] memory actions) internal {
        for (uint256 i; i < actions.length; ++i) {
            ActionData memory action = actions[i];
            // a session must never be able to configure sessions: no action may target this module
            if (action.actionTarget == address(0) || action.actionTarget == address(this)) revert InvalidActionId();
            bytes32 actionId = IdLib.actionId(action.actionTarget, action.actionTargetSelector);
            $enabledActionIds[permissionId].add(account, actionId);
            _enablePolicies(
                $actionPolicies[actionId][permissionId],
                PolicyType.ACTION,
                permissionId,
                IdLib.actionConfigId(permissionId, actionId, account),
                action.actionPolicies,
                account
            );
        }
    }

    function _enableERC7739(bytes32 permissionId, address account, ERC7739Data memory data) internal {
        for (uint256 i; i < data.allowedERC7739Content.length; ++i) {
            ERC7739Context memory ctx = data.allowedERC7739Content[i];
            $enabledDomains[permissionId].add(account, ctx.appDomainSeparator);
            AssociatedSet storage contents = $enabledContents[permissionId][ctx.appDomainSeparator];
            for (uint256 j; j < ctx.contentNames.length; ++j) {
                contents.add(account, keccak256(bytes(ctx.contentNames[j])));
            }
        }
        _enablePolicies(
            $erc1271Policies[permissionId],
            PolicyType.ERC1271,
            permissionId,
            IdLib.erc1271ConfigId(permissionId, account),
            data.erc1271Policies,
            account
        );
    }

    function _setSessionValidator(bytes32 permissionId, address account, address validator, bytes memory data)
        internal
    {
        (bool ok, bytes memory ret) =
            validator.staticcall(abi.encodeWithSelector(0xecd05961, MODULE_TYPE_STATELESS_VALIDATOR));
        if (validator == address(0) || !ok || ret.length < 32 || abi.decode(ret, (uint256)) != 1) {
            revert InvalidISessionValidator(validator);
        }
        if (data.length > MAX_VALIDATOR_DATA) revert SessionValidatorDataTooLong(data.length);
        SessionValidatorConfig storage conf = $sessionValidators[permissionId][account];
        if (validator == MEE_K1_VALIDATOR && data.length == 20 && bytes20(data) != bytes20(0)) {
            conf.validator = address(bytes20(data));
            conf.flags |= FLAG_INLINE_SIGNER;
            conf.dataLength = 20;
        } else {
            conf.validator = validator;
            conf.dataLength = uint16(data.length);
            uint256 words = (data.length + 31) / 32;
            for (uint256 i; i < words; ++i) {
                bytes32 w;
                assembly ("memory-safe") {
                    w := mload(add(add(data, 0x20), shl(5, i)))
                }
                // zero the bytes past the end in the last word
                if (i == words - 1 && data.length % 32 != 0) {
                    w &= bytes32(type(uint256).max << (256 - 8 * (data.length % 32)));
                }
                conf.data[i] = w;
            }
        }
        emit SessionValidatorEnabled(permissionId, validator, account);
    }

    function _clearSessionValidator(bytes32 permissionId, address account) internal {
        SessionValidatorConfig storage conf = $sessionValidators[permissionId][account];
        emit SessionValidatorDisabled(permissionId, _validatorOf(conf), account);
        if (conf.flags & FLAG_INLINE_SIGNER == 0) {
            uint256 words = (uint256(conf.dataLength) + 31) / 32;
            for (uint256 i; i < words; ++i) {
                conf.data[i] = bytes32(0);
            }
        }
        // the nonce stays; `position` is cleared by `_removeEnabled`
        conf.validator = address(0);
        conf.flags = 0;
        conf.dataLength = 0;
    }

    function _setPaymasterPermit(bytes32 permissionId, address account, bool enabled) internal {
        SessionValidatorConfig storage conf = $sessionValidators[permissionId][account];
        conf.flags = enabled ? conf.flags | FLAG_PAYMASTER : conf.flags & ~FLAG_PAYMASTER;
        emit PermissionIdPermit4337Paymaster(permissionId, account, enabled);
    }

    /// @notice Removes a session of the calling account: every policy, action, ERC-7739 content,
    /// the session validator, the paymaster permit and the enabled flag. The enable nonce stays, so
    /// an old enable signature cannot bring the session back.
    function removeSession(bytes32 permissionId) public {
        if (permissionId == bytes32(0)) revert InvalidSession(permissionId);
        address account = msg.sender;
        $userOpPolicies[permissionId].clear(account);
        $erc1271Policies[permissionId].clear(account);
        AssociatedList storage actionIds = $enabledActionIds[permissionId];
        uint256 n = actionIds.length(account);
        for (uint256 i; i < n; ++i) {
            $actionPolicies[actionIds.at(account, i)][permissionId].clear(account);
        }
        actionIds.clear(account);
        AssociatedSet storage domains = $enabledDomains[permissionId];
        n = domains.length(account);
        for (uint256 i; i < n; ++i) {
            $enabledContents[permissionId][domains.at(account, i)].clear(account);
        }
        domains.clear(account);
        _clearSessionValidator(permissionId, account);
        _removeEnabled(permissionId, account);
        emit SessionRemoved(permissionId, account);
    }

    /// @notice Invalidates every enable signature made for the current nonce of `permissionId`.
    function revokeEnableSignature(bytes32 permissionId) external {
        uint256 nonce = ++$sessionValidators[permissionId][msg.sender].nonce;
        emit NonceIterated(permissionId, msg.sender, nonce);
    }

    function enableUserOpPolicies(bytes32 permissionId, PolicyData[] calldata)
        external
        enabledAround(permissionId)
    {
        (, PolicyData[] memory userOpPolicies) = abi.decode(_args(), (bytes32, PolicyData[]));
        _enablePolicies(
            $userOpPolicies[permissionId],
            PolicyType.USER_OP,
            permissionId,
            IdLib.userOpConfigId(permissionId, msg.sender),
            userOpPolicies,
            msg.sender
        );
    }

    function disableUserOpPolicies(bytes32 permissionId, address[] calldata policies)
        external
        enabledBefore(permissionId)
    {
        _disablePolicies($userOpPolicies[permissionId], PolicyType.USER_OP, permissionId, policies);
    }

    function enableActionPolicies(bytes32 permissionId, ActionData[] calldata)
        external
        enabledAround(permissionId)
    {
        (, ActionData[] memory actionPolicies) = abi.decode(_args(), (bytes32, ActionData[]));
        _enableActions(permissionId, msg.sender, actionPolicies);
    }

    function disableActionPolicies(bytes32 permissionId, bytes32 actionId, address[] calldata policies)
        external
        enabledBefore(permissionId)
    {
        AddressList storage set = $actionPolicies[actionId][permissionId];
        _disablePolicies(set, PolicyType.ACTION, permissionId, policies);
        if (set.length(msg.sender) == 0) {
            $enabledActionIds[permissionId].remove(msg.sender, actionId);
            emit ActionIdDisabled(permissionId, actionId, msg.sender);
        }
    }

    function disableActionId(bytes32 permissionId, bytes32 actionId) external enabledBefore(permissionId) {
        $actionPolicies[actionId][permissionId].clear(msg.sender);
        $enabledActionIds[permissionId].remove(msg.sender, actionId);
        emit ActionIdDisabled(permissionId, actionId, msg.sender);
    }

    function enableERC1271Policies(bytes32 permissionId, ERC7739Data calldata)
        external
        enabledAround(permissionId)
    {
        (, ERC7739Data memory erc1271Policies) = abi.decode(_args(), (bytes32, ERC7739Data));
        _enableERC7739(permissionId, msg.sender, erc1271Policies);
    }

    function disableERC1271Policies(bytes32 permissionId, address[] calldata policies, ERC7739Context[] calldata)
        external
        enabledBefore(permissionId)
    {
        (,, ERC7739Context[] memory contexts) = abi.decode(_args(), (bytes32, address[], ERC7739Context[]));
        for (uint256 i; i < contexts.length; ++i) {
            bytes32 domain = contexts[i].appDomainSeparator;
            AssociatedSet storage contents = $enabledContents[permissionId][domain];
            for (uint256 j; j < contexts[i].contentNames.length; ++j) {
                contents.remove(msg.sender, keccak256(bytes(contexts[i].contentNames[j])));
            }
            if (contents.length(msg.sender) == 0) $enabledDomains[permissionId].remove(msg.sender, domain);
        }
        _disablePolicies($erc1271Policies[permissionId], PolicyType.ERC1271, permissionId, policies);
    }

    function setPermit4337Paymaster(bytes32 permissionId, bool enabled) external enabledBefore(permissionId) {
        _setPaymasterPermit(permissionId, msg.sender, enabled);
    }

    function _disablePolicies(
        AddressList storage set,
        PolicyType policyType,
        bytes32 permissionId,
        address[] calldata policies
    ) internal {
        for (uint256 i; i < policies.length; ++i) {
            set.remove(msg.sender, bytes32(uint256(uint160(policies[i]))));
            emit PolicyDisabled(permissionId, policyType, policies[i], msg.sender);
        }
    }

    /*//////////////////////////////////////////////////////////////
                              ERC-7579
    //////////////////////////////////////////////////////////////*/

    /// @notice `data` empty, or `mode(1: ENABLE or 2: UNSAFE_ENABLE) ‖ abi.encode(Session[])`: the
    /// sessions are enabled without a signature (the account is installing). Reverts while any
    /// session of the account is still enabled, so stale sessions cannot come back to life.
    function onInstall(bytes calldata data) external payable {
        if ($enabledSessions.length(msg.sender) != 0) revert SmartSessionModuleAlreadyInstalled(msg.sender);
        if (data.length == 0) return;
        uint8 mode = uint8(data[0]);
        if (mode != uint8(SmartSessionMode.ENABLE) && mode != uint8(SmartSessionMode.UNSAFE_ENABLE)) {
            revert InvalidMode();
        }
        bytes memory encoded = data[1:];
        _enableSessions(abi.decode(encoded, (Session[])));
    }

    /// @notice Removes every session of the calling account.
    function onUninstall(bytes calldata) external payable {
        uint256 n = $enabledSessions.length(msg.sender);
        while (n != 0) {
            removeSession($enabledSessions.at(msg.sender, n - 1));
            n = $enabledSessions.length(msg.sender);
        }
    }

    function isInitialized(address smartAccount) external view returns (bool) {
        return $enabledSessions.length(smartAccount) != 0;
    }

    function isModuleType(uint256 typeId) external pure returns (bool) {
        return typeId == MODULE_TYPE_VALIDATOR;
    }

    /*//////////////////////////////////////////////////////////////
                                VIEWS
    //////////////////////////////////////////////////////////////*/

    function getNonce(bytes32 permissionId, address account) external view returns (uint256) {
        return $sessionValidators[permissionId][account].nonce;
    }

    /// @notice hashStruct(SignedSession) that the owner signs (inside a MultiChainSession) to enable
    /// `data` on `account` in `mode`, at the account's current nonce.
    function getSessionDigest(bytes32 permissionId, address account, Session calldata, SmartSessionMode mode)
        external
        view
        returns (bytes32)
    {
        (,, Session memory data,) = abi.decode(_args(), (bytes32, address, Session, uint8));
        return HashLib.sessionDigest(data, account, address(this), mode, $sessionValidators[permissionId][account].nonce);
    }

    function getPermissionId(Session calldata session) external pure returns (bytes32) {
        return IdLib.permissionId(session);
    }

    function isPermissionEnabled(bytes32 permissionId, address account) external view returns (bool) {
        return _isEnabled(permissionId, account);
    }

    function getPermissionIDs(address account) external view returns (bytes32[] memory) {
        return $enabledSessions.values(account);
    }
}
