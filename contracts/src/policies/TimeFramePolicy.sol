// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {PackedUserOperation} from "account-abstraction/interfaces/PackedUserOperation.sol";
import {IUserOpPolicy, IActionPolicy, I1271Policy} from "../interfaces/IPolicy.sol";
import {PolicyBase} from "./PolicyBase.sol";

/// @title TimeFramePolicy
/// @notice Limits a session to a time window. Init data: `abi.encodePacked(uint48 validUntil,
/// uint48 validAfter)` (12 bytes, validUntil first; `validUntil == 0` means no end).
/// @dev The userOp and action checks never read `block.timestamp` (banned in ERC-4337 validation):
/// they return the window as validation data and the EntryPoint enforces it. Only the ERC-1271
/// check, which runs outside validation, compares with the current time.
/// State: `uint96 (validUntil << 48 | validAfter)` per (configId, multiplexer, account), account last.
contract TimeFramePolicy is PolicyBase, IUserOpPolicy, IActionPolicy, I1271Policy {
    error InvalidTimeFrame(uint48 validUntil, uint48 validAfter);

    mapping(bytes32 id => mapping(address multiplexer => mapping(address account => uint256))) internal $frames;

    function initializeWithMultiplexer(address account, bytes32 configId, bytes calldata initData) external {
        uint48 validUntil = uint48(bytes6(initData[0:6]));
        uint48 validAfter = uint48(bytes6(initData[6:12]));
        if (validUntil != 0 && validAfter > validUntil) revert InvalidTimeFrame(validUntil, validAfter);
        $frames[configId][msg.sender][account] = (uint256(validUntil) << 48) | validAfter;
        emit PolicySet(configId, msg.sender, account);
    }

    /// @notice The stored window of a config.
    function timeFrameConfig(bytes32 id, address multiplexer, address account)
        external
        view
        returns (uint48 validUntil, uint48 validAfter)
    {
        uint256 f = $frames[id][multiplexer][account];
        return (uint48(f >> 48), uint48(f));
    }

    function checkUserOpPolicy(bytes32 id, PackedUserOperation calldata userOp) external view returns (uint256) {
        return _window(id, msg.sender, userOp.sender);
    }

    function checkAction(bytes32 id, address account, address, uint256, bytes calldata)
        external
        view
        returns (uint256)
    {
        return _window(id, msg.sender, account);
    }

    function check1271SignedAction(bytes32 id, address, address account, bytes32, bytes calldata)
        external
        view
        returns (bool)
    {
        uint256 f = $frames[id][msg.sender][account];
        if (f == 0) revert PolicyNotInitialized(id, msg.sender, account);
        uint256 validUntil = uint48(f >> 48);
        uint256 validAfter = uint48(f);
        return (validUntil == 0 || block.timestamp < validUntil) && block.timestamp >= validAfter;
    }

    function _window(bytes32 id, address multiplexer, address account) private view returns (uint256) {
        uint256 f = $frames[id][multiplexer][account];
        if (f == 0) revert PolicyNotInitialized(id, multiplexer, account);
        // validationData: validUntil at bits 160..207, validAfter at 208..255, no failure bit
        return ((f >> 48) << 160) | (uint256(uint48(f)) << 208);
    }

    function _supports(bytes4 id) internal pure override returns (bool) {
        return id == type(IUserOpPolicy).interfaceId || id == type(IActionPolicy).interfaceId
            || id == type(I1271Policy).interfaceId;
    }
}
