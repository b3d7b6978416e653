// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {PackedUserOperation} from "account-abstraction/interfaces/PackedUserOperation.sol";
import {
    Session,
    PolicyData,
    ActionData,
    ERC7739Data,
    ERC7739Context,
    ERC7739ContextHashes,
    SmartSessionMode,
    PolicyType
} from "../sessions/DataTypes.sol";

/// @title ISmartSessionTypes
/// @notice Errors and events of Smart Sessions v1.
interface ISmartSessionTypes {
    // ---- errors ----
    error ChainIdMismatch(uint64 providedChainId);
    error HashMismatch(bytes32 providedHash, bytes32 computedHash);
    error InvalidData();
    error InvalidActionId();
    error NoExecutionsInBatch();
    error InvalidTarget();
    error InvalidEnableSignature(address account, bytes32 hash);
    error InvalidISessionValidator(address sessionValidator);
    error InvalidSelfCall();
    error InvalidSession(bytes32 permissionId);
    error SmartSessionModuleAlreadyInstalled(address account);
    error InvalidPermissionId(bytes32 permissionId);
    error InvalidMode();
    error InvalidUserOpSender(address sender);
    error NoPoliciesSet(bytes32 permissionId);
    error PolicyViolation(bytes32 permissionId, address policy);
    error PolicyCheckReverted(bytes32 revertData);
    error SignerNotFound(bytes32 permissionId, address account);
    error UnsupportedCallType(bytes1 callType);
    error UnsupportedExecutionType();
    error UnsupportedPolicy(address policy);
    error UnsupportedSmartSessionMode(uint8 mode);
    error PaymasterValidationNotEnabled(bytes32 permissionId);
    /// @notice An associated set (policies of one kind, actions, sessions) is full.
    error TooManyEntries();
    /// @notice Session validator data longer than the flat storage area.
    error SessionValidatorDataTooLong(uint256 length);
    error HashIndexOutOfBounds(uint256 index);

    // ---- events ----
    event NonceIterated(bytes32 permissionId, address account, uint256 newValue);
    event SessionValidatorEnabled(bytes32 permissionId, address sessionValidator, address smartAccount);
    event SessionValidatorDisabled(bytes32 permissionId, address sessionValidator, address smartAccount);
    event PolicyDisabled(bytes32 permissionId, PolicyType policyType, address policy, address smartAccount);
    event ActionIdDisabled(bytes32 permissionId, bytes32 actionId, address smartAccount);
    event PolicyEnabled(bytes32 permissionId, PolicyType policyType, address policy, address smartAccount);
    event SessionCreated(bytes32 permissionId, address account);
    event SessionRemoved(bytes32 permissionId, address smartAccount);
    event PermissionIdPermit4337Paymaster(bytes32 permissionId, address smartAccount, bool enabled);

}

/// @title ISmartSession
/// @notice The Smart Sessions v1 validator surface (selectors identical to the deployed module).
interface ISmartSession is ISmartSessionTypes {
    // ---- management (msg.sender is the account) ----
    function enableSessions(Session[] calldata sessions) external returns (bytes32[] memory permissionIds);
    function removeSession(bytes32 permissionId) external;
    function enableUserOpPolicies(bytes32 permissionId, PolicyData[] calldata userOpPolicies) external;
    function disableUserOpPolicies(bytes32 permissionId, address[] calldata policies) external;
    function enableActionPolicies(bytes32 permissionId, ActionData[] calldata actionPolicies) external;
    function disableActionPolicies(bytes32 permissionId, bytes32 actionId, address[] calldata policies) external;
    function disableActionId(bytes32 permissionId, bytes32 actionId) external;
    function enableERC1271Policies(bytes32 permissionId, ERC7739Data calldata erc1271Policies) external;
    function disableERC1271Policies(bytes32 permissionId, address[] calldata policies, ERC7739Context[] calldata contexts)
        external;
    function setPermit4337Paymaster(bytes32 permissionId, bool enabled) external;
    function revokeEnableSignature(bytes32 permissionId) external;

    // ---- views ----
    function getNonce(bytes32 permissionId, address account) external view returns (uint256);
    function getSessionDigest(bytes32 permissionId, address account, Session calldata data, SmartSessionMode mode)
        external
        view
        returns (bytes32);
    function getPermissionId(Session calldata session) external pure returns (bytes32);
    function isPermissionEnabled(bytes32 permissionId, address account) external view returns (bool);
    function getPermissionIDs(address account) external view returns (bytes32[] memory);
    function getEnabledActions(address account, bytes32 permissionId) external view returns (bytes32[] memory);
    function getUserOpPolicies(address account, bytes32 permissionId) external view returns (address[] memory);
    function getActionPolicies(address account, bytes32 permissionId, bytes32 actionId)
        external
        view
        returns (address[] memory);
    function getERC1271Policies(address account, bytes32 permissionId) external view returns (address[] memory);
    function getEnabledERC7739Content(address account, bytes32 permissionId)
        external
        view
        returns (ERC7739ContextHashes[] memory);
    function getSessionValidatorAndConfig(address account, bytes32 permissionId)
        external
        view
        returns (address sessionValidator, bytes memory sessionValidatorData);
    function isISessionValidatorSet(bytes32 permissionId, address account) external view returns (bool);
    function isUserOpPolicyEnabled(address account, bytes32 permissionId, address policy) external view returns (bool);
    function isActionPolicyEnabled(address account, bytes32 permissionId, bytes32 actionId, address policy)
        external
        view
        returns (bool);
    function isERC1271PolicyEnabled(address account, bytes32 permissionId, address policy)
        external
        view
        returns (bool);
    function isActionIdEnabled(address account, bytes32 permissionId, bytes32 actionId) external view returns (bool);
    function isERC7739ContentEnabled(
        address account,
        bytes32 permissionId,
        bytes32 appDomainSeparator,
        string calldata content
    ) external view returns (bool);
    function areActionsEnabled(address account, bytes32 permissionId, ActionData[] calldata actions)
        external
        view
        returns (bool);
    function areUserOpPoliciesEnabled(address account, bytes32 permissionId, PolicyData[] calldata userOpPolicies)
        external
        view
        returns (bool);
    function areERC1271PoliciesEnabled(address account, bytes32 permissionId, PolicyData[] calldata erc1271Policies)
        external
        view
        returns (bool);

    // ---- ERC-7579 validator ----
    function onInstall(bytes calldata data) external payable;
    function onUninstall(bytes calldata data) external payable;
    function isInitialized(address smartAccount) external view returns (bool);
    function isModuleType(uint256 typeId) external view returns (bool);
    function validateUserOp(PackedUserOperation calldata userOp, bytes32 userOpHash) external returns (uint256);
    function isValidSignatureWithSender(address sender, bytes32 hash, bytes calldata signature)
        external
        view
        returns (bytes4);
}
