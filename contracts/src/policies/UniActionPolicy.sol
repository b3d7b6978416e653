// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IActionPolicy} from "../interfaces/IPolicy.sol";
import {PolicyBase} from "./PolicyBase.sol";

/// @notice Comparison of one 32-byte calldata argument with a reference, as an unsigned bytes32.
enum ParamCondition {
    EQUAL,
    GREATER_THAN,
    LESS_THAN,
    GREATER_THAN_OR_EQUAL,
    LESS_THAN_OR_EQUAL,
    NOT_EQUAL,
    IN_RANGE
}

struct LimitUsage {
    uint256 limit;
    uint256 used;
}

/// @notice `offset` is a byte offset after the 4-byte selector; for `IN_RANGE`, `ref` is
/// `min << 128 | max` (inclusive). A limited rule also caps the running sum of the argument.
struct ParamRule {
    ParamCondition condition;
    uint64 offset;
    bool isLimited;
    bytes32 ref;
    LimitUsage usage;
}

struct ParamRules {
    uint256 length;
    ParamRule[16] rules;
}

/// @notice Fully static: `abi.encode(ActionConfig)` is 3136 bytes with no offset head.
struct ActionConfig {
    uint256 valueLimitPerUse;
    ParamRules paramRules;
}

/// @title UniActionPolicy
/// @notice Universal action policy: per-argument rules on the call's calldata plus a per-call value
/// cap. Init data: `abi.encode(ActionConfig)`; only `rules[0..length)` are used and stored,
/// including each rule's `usage.used` (re-initializing overwrites usage).
/// @dev Storage per (configId, multiplexer, account), account last: one `ActionConfig` of 66 slots
/// (offsets ≤ 65), so every slot is associated with the account (ERC-7562). Usage of limited rules is
/// written back to storage on every successful check.
contract UniActionPolicy is PolicyBase, IActionPolicy {
    error ValueLimitExceeded(bytes32 id, uint256 value, uint256 limit);
    error TooManyRules(uint256 length);
    error InvalidInitDataLength(uint256 length);

    mapping(bytes32 id => mapping(address multiplexer => mapping(address account => ActionConfig))) internal
        $configs;

    function initializeWithMultiplexer(address account, bytes32 configId, bytes calldata initData) external {
        ActionConfig calldata config;
        if (initData.length < 3136) revert InvalidInitDataLength(initData.length);
        assembly ("memory-safe") {
            config := initData.offset
        }
        uint256 length = config.paramRules.length;
        if (length > 16) revert TooManyRules(length);
        ActionConfig storage $c = $configs[configId][msg.sender][account];
        $c.valueLimitPerUse = config.valueLimitPerUse;
        $c.paramRules.length = length;
        for (uint256 i; i < length; ++i) {
            $c.paramRules.rules[i] = config.paramRules.rules[i];
        }
        emit PolicySet(configId, msg.sender, account);
    }

    function checkAction(bytes32 id, address account, address, uint256 value, bytes calldata data)
        external
        returns (uint256)
    {
        ActionConfig storage $c = $configs[id][msg.sender][account];
        uint256 length = $c.paramRules.length;
        if (length == 0) revert PolicyNotInitialized(id, msg.sender, account);
        uint256 valueLimit = $c.valueLimitPerUse;
        if (value > valueLimit) revert ValueLimitExceeded(id, value, valueLimit);
        for (uint256 i; i < length; ++i) {
            if (!_check($c.paramRules.rules[i], data)) return 1;
        }
        return 0;
    }

    /// @notice The stored configuration.
    function actionConfigs(bytes32 id, address multiplexer, address account)
        external
        view
        returns (ActionConfig memory)
    {
        return $configs[id][multiplexer][account];
    }

    function _check(ParamRule storage rule, bytes calldata data) private returns (bool) {
        uint256 start = 4 + uint256(rule.offset);
        bytes32 param = bytes32(data[start:start + 32]);
        bytes32 ref = rule.ref;
        ParamCondition c = rule.condition;
        if (c == ParamCondition.EQUAL) {
            if (param != ref) return false;
        } else if (c == ParamCondition.GREATER_THAN) {
            if (param <= ref) return false;
        } else if (c == ParamCondition.LESS_THAN) {
            if (param >= ref) return false;
        } else if (c == ParamCondition.GREATER_THAN_OR_EQUAL) {
            if (param < ref) return false;
        } else if (c == ParamCondition.LESS_THAN_OR_EQUAL) {
            if (param > ref) return false;
        } else if (c == ParamCondition.NOT_EQUAL) {
            if (param == ref) return false;
        } else {
            uint256 p = uint256(param);
            if (p < uint256(ref) >> 128 || p > uint256(uint128(uint256(ref)))) return false;
        }
        if (rule.isLimited) {
            uint256 used = rule.usage.used;
            uint256 limit = rule.usage.limit;
            if (used > limit || uint256(param) > limit - used) return false;
            rule.usage.used = used + uint256(param);
        }
        return true;
    }

    function _supports(bytes4 id) internal pure override returns (bool) {
        return id == type(IActionPolicy).interfaceId;
    }
}
