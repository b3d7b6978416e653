// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {PackedUserOperation} from "account-abstraction/interfaces/PackedUserOperation.sol";

/// @dev ERC-7579 module type ids, plus the ids Nexus and Smart Sessions add.
uint256 constant MODULE_TYPE_MULTI = 0;
uint256 constant MODULE_TYPE_VALIDATOR = 1;
uint256 constant MODULE_TYPE_EXECUTOR = 2;
uint256 constant MODULE_TYPE_FALLBACK = 3;
uint256 constant MODULE_TYPE_HOOK = 4;
uint256 constant MODULE_TYPE_STATELESS_VALIDATOR = 7;
uint256 constant MODULE_TYPE_PREVALIDATION_HOOK_ERC1271 = 8;
uint256 constant MODULE_TYPE_PREVALIDATION_HOOK_ERC4337 = 9;

/// @dev ERC-4337 validation results.
uint256 constant VALIDATION_SUCCESS = 0;
uint256 constant VALIDATION_FAILED = 1;

/// @dev ERC-1271 results.
bytes4 constant ERC1271_MAGICVALUE = 0x1626ba7e;
bytes4 constant ERC1271_INVALID = 0xffffffff;

/// @title IModule
/// @notice The base of every ERC-7579 module.
interface IModule {
    /// @notice Thrown by `onInstall` when the module is already initialized for the account.
    error AlreadyInitialized(address smartAccount);
    /// @notice Thrown by `onUninstall` (or a call needing state) when the account never installed it.
    error NotInitialized(address smartAccount);

    /// @notice Called by the account when the module is installed.
    function onInstall(bytes calldata data) external payable;

    /// @notice Called by the account when the module is uninstalled.
    function onUninstall(bytes calldata data) external payable;

    /// @notice Whether the module is of the given type id.
    function isModuleType(uint256 moduleTypeId) external view returns (bool);

    /// @notice Whether the module is initialized for `smartAccount`.
    function isInitialized(address smartAccount) external view returns (bool);
}

/// @title IValidator
/// @notice An ERC-7579 validator (type 1).
interface IValidator is IModule {
    /// @notice Validates a userOp for the calling account; returns ERC-4337 validation data.
    function validateUserOp(PackedUserOperation calldata userOp, bytes32 userOpHash) external returns (uint256);

    /// @notice ERC-1271 check on behalf of the calling account, for a request from `sender`.
    function isValidSignatureWithSender(address sender, bytes32 hash, bytes calldata data)
        external
        view
        returns (bytes4);
}

/// @title IStatelessValidator
/// @notice A validator that checks a signature against configuration passed in (type 7); Smart
/// Sessions calls its session validators through this interface.
interface IStatelessValidator {
    /// @notice Whether `signature` over `hash` is valid under the configuration `data`.
    function validateSignatureWithData(bytes32 hash, bytes calldata signature, bytes calldata data)
        external
        view
        returns (bool);
}

/// @title IExecutor
/// @notice An ERC-7579 executor (type 2): may call `executeFromExecutor` on accounts that install it.
interface IExecutor is IModule {}

/// @title IFallback
/// @notice An ERC-7579 fallback handler (type 3).
interface IFallback is IModule {}

/// @title IHook
/// @notice An ERC-7579 hook (type 4): runs before and after executions.
interface IHook is IModule {
    /// @notice Runs before an execution; the returned data is handed to `postCheck`.
    function preCheck(address msgSender, uint256 msgValue, bytes calldata msgData)
        external
        payable
        returns (bytes memory hookData);

    /// @notice Runs after an execution.
    function postCheck(bytes calldata hookData) external payable;
}

/// @title IPreValidationHookERC1271
/// @notice Nexus's pre-validation hook for ERC-1271 (type 8): may rewrite the hash and signature.
interface IPreValidationHookERC1271 is IModule {
    function preValidationHookERC1271(address sender, bytes32 hash, bytes calldata data)
        external
        view
        returns (bytes32 hookHash, bytes memory hookSignature);
}

/// @title IPreValidationHookERC4337
/// @notice Nexus's pre-validation hook for ERC-4337 (type 9): may rewrite the hash and signature.
interface IPreValidationHookERC4337 is IModule {
    function preValidationHookERC4337(PackedUserOperation calldata userOp, uint256 missingAccountFunds, bytes32 userOpHash)
        external
        returns (bytes32 hookHash, bytes memory hookSignature);
}
