// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {PackedUserOperation} from "account-abstraction/interfaces/PackedUserOperation.sol";

/// @title IERC165Policy
/// @notice ERC-165 detection as every policy answers it.
interface IERC165Policy {
    function supportsInterface(bytes4 interfaceId) external view returns (bool);
}

/// @title IPolicy
/// @notice Base of every Smart Sessions policy. Interface id `0x989c9e46`.
/// @dev A policy keys all of its state by `(configId, multiplexer = msg.sender, account)`, so one
/// deployment serves every multiplexer and every account without cross-talk, and every slot it
/// touches during validation is associated with the account (ERC-7562 STO-021).
interface IPolicy is IERC165Policy {
    /// @notice Emitted by policies that announce a (re)configuration.
    event PolicySet(bytes32 id, address multiplexer, address account);

    /// @notice Thrown by a check on a config that was never initialized.
    error PolicyNotInitialized(bytes32 id, address multiplexer, address account);

    /// @notice (Re)configures `configId` for `account` under the calling multiplexer. Overwrites any
    /// earlier state of that config, including usage counters.
    function initializeWithMultiplexer(address account, bytes32 configId, bytes calldata initData) external;
}

/// @title IUserOpPolicy
/// @notice A policy over the whole userOp. Interface id `0x7129edce`.
interface IUserOpPolicy is IPolicy {
    /// @notice Returns ERC-4337 validation data: `0` passes, any non-zero low 160 bits fail,
    /// bits 160.. carry `validUntil` / `validAfter`.
    function checkUserOpPolicy(bytes32 id, PackedUserOperation calldata userOp) external returns (uint256);
}

/// @title IActionPolicy
/// @notice A policy over one call the account would make. Interface id `0x05c00895`.
interface IActionPolicy is IPolicy {
    function checkAction(bytes32 id, address account, address target, uint256 value, bytes calldata data)
        external
        returns (uint256);
}

/// @title I1271Policy
/// @notice A policy over an ERC-1271 request signed by a session key. Interface id `0xcbf34505`.
interface I1271Policy is IPolicy {
    function check1271SignedAction(
        bytes32 id,
        address requestSender,
        address account,
        bytes32 hash,
        bytes calldata signature
    ) external view returns (bool);
}
