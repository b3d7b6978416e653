// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {PackedUserOperation} from "account-abstraction/interfaces/PackedUserOperation.sol";
import {IUserOpPolicy, IActionPolicy} from "../interfaces/IPolicy.sol";
import {PolicyBase} from "./PolicyBase.sol";
import {ExecutionDecoder} from "../sessions/lib/ExecutionDecoder.sol";

/// @title ValueLimitPolicy
/// @notice Caps the cumulative native value a session sends. Init data: `abi.encode(uint256 limit)`
/// (non-zero); re-initializing resets the spent amount.
/// @dev As a userOp policy it sums the values of an `execute` (single or batch, default exec type),
/// rejects (reverts on) other call types, and lets non-`execute` calls through with value 0. As an
/// action policy it adds the action's `value`. Exceeding the limit returns 1 without recording.
/// State per (configId, multiplexer, account), account last.
contract ValueLimitPolicy is PolicyBase, IUserOpPolicy, IActionPolicy {
    error InvalidLimit();
    error UnsupportedCallType(bytes1 callType);

    bytes4 internal constant EXECUTE_SELECTOR = 0xe9ae5c53;

    struct ValueLimitConfig {
        uint256 valueLimit;
        uint256 limitUsed;
    }

    mapping(bytes32 id => mapping(address multiplexer => mapping(address account => ValueLimitConfig))) public
        valueLimitConfigs;

    function initializeWithMultiplexer(address account, bytes32 configId, bytes calldata initData) external {
        uint256 limit = uint256(bytes32(initData[0:32]));
        if (limit == 0) revert InvalidLimit();
        valueLimitConfigs[configId][msg.sender][account] = ValueLimitConfig({valueLimit: limit, limitUsed: 0});
    }

    function checkUserOpPolicy(bytes32 id, PackedUserOperation calldata userOp) external returns (uint256) {
        bytes calldata cd = userOp.callData;
        uint256 total;
        if (cd.length >= 4 && bytes4(cd[0:4]) == EXECUTE_SELECTOR) {
            (bytes1 callType,, bytes calldata ec) = ExecutionDecoder.decodeExecute(cd);
            if (callType == 0x00) {
                (, total,) = ExecutionDecoder.decodeSingle(ec);
            } else if (callType == 0x01) {
                (uint256 n, uint256 start) = ExecutionDecoder.batchLength(ec);
                for (uint256 i; i < n; ++i) {
                    (, uint256 v,) = ExecutionDecoder.batchAt(ec, start, i);
                    total += v;
                }
            } else {
                revert UnsupportedCallType(callType);
            }
        }
        return _spend(id, userOp.sender, total);
    }

    function checkAction(bytes32 id, address account, address, uint256 value, bytes calldata)
        external
        returns (uint256)
    {
        return _spend(id, account, value);
    }

    function _spend(bytes32 id, address account, uint256 value) private returns (uint256) {
        ValueLimitConfig storage c = valueLimitConfigs[id][msg.sender][account];
        uint256 limit = c.valueLimit;
        if (limit == 0) revert PolicyNotInitialized(id, msg.sender, account);
        uint256 used = c.limitUsed;
        if (value > limit - used) return 1;
        c.limitUsed = used + value;
        return 0;
    }

    function _supports(bytes4 id) internal pure override returns (bool) {
        return id == type(IUserOpPolicy).interfaceId || id == type(IActionPolicy).interfaceId;
    }
}
