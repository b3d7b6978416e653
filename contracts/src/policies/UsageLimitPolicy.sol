// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {PackedUserOperation} from "account-abstraction/interfaces/PackedUserOperation.sol";
import {IUserOpPolicy, IActionPolicy} from "../interfaces/IPolicy.sol";
import {PolicyBase} from "./PolicyBase.sol";

/// @title UsageLimitPolicy
/// @notice Limits how many times a session (userOp policy) or an action (action policy) is used.
/// Init data: `abi.encodePacked(uint128 limit)` (16 bytes, non-zero). Re-initializing resets the
/// count to 0.
/// @dev State: `{uint128 limit, uint128 used}` in one slot per (configId, multiplexer, account),
/// account last (ERC-7562 associated storage). A use that would exceed the limit returns 1 (fail)
/// without counting.
contract UsageLimitPolicy is PolicyBase, IUserOpPolicy, IActionPolicy {
    error InvalidLimit();

    struct UsageLimitConfig {
        uint128 limit;
        uint128 used;
    }

    mapping(bytes32 id => mapping(address multiplexer => mapping(address account => UsageLimitConfig))) public
        usageLimitConfigs;

    function initializeWithMultiplexer(address account, bytes32 configId, bytes calldata initData) external {
        uint128 limit = uint128(bytes16(initData[0:16]));
        if (limit == 0) revert InvalidLimit();
        usageLimitConfigs[configId][msg.sender][account] = UsageLimitConfig({limit: limit, used: 0});
    }

    function checkUserOpPolicy(bytes32 id, PackedUserOperation calldata userOp) external returns (uint256) {
        return _use(id, userOp.sender);
    }

    function checkAction(bytes32 id, address account, address, uint256, bytes calldata) external returns (uint256) {
        return _use(id, account);
    }

    function _use(bytes32 id, address account) private returns (uint256) {
        UsageLimitConfig storage c = usageLimitConfigs[id][msg.sender][account];
        uint128 limit = c.limit;
        if (limit == 0) revert PolicyNotInitialized(id, msg.sender, account);
        uint128 used = c.used + 1;
        if (used > limit) return 1;
        c.used = used;
        return 0;
    }

    function _supports(bytes4 id) internal pure override returns (bool) {
        return id == type(IUserOpPolicy).interfaceId || id == type(IActionPolicy).interfaceId;
    }
}
