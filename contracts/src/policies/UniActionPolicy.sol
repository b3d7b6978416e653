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
/// cap. Init data: `abi.encode(ActionConfig)`; only `rules[0..length)` are used and stored.
/// Re-initializing overwrites the whole configuration, usage included.
/// @dev Storage per (configId, multiplexer, account), account last (`PackedConfig`, offsets ≤ 65, so
/// every slot is associated with the account, ERC-7562). Each rule is one 248-bit word: condition
/// (bits 0..2), isLimited (bit 3), wide-ref flag (bit 4), offset (bits 8..71) and, when it fits in
/// 176 bits, the reference value (bits 72..247); a wider reference lives in `refs[i]`. Rule 0 shares
/// the head slot with the rule count, so the common one- and two-rule configs cost one or two
/// storage words to write and to read. The value cap is read only for calls with value, and the
/// usage pair only for limited rules, where the running sum is written back on every successful
/// check.
contract UniActionPolicy is PolicyBase, IActionPolicy {
    error ValueLimitExceeded(bytes32 id, uint256 value, uint256 limit);
    error TooManyRules(uint256 length);
    error InvalidInitDataLength(uint256 length);

    uint256 private constant LIMITED = 1 << 3;
    uint256 private constant WIDE = 1 << 4;

    struct PackedConfig {
        /// count (bits 0..7) | rule 0 word << 8
        uint256 head;
        uint256 valueLimitPerUse;
        /// rule words of rules 1..15 (index 0 unused)
        uint256[16] rules;
        bytes32[16] refs;
        uint256[16] limits;
        uint256[16] used;
    }

    mapping(bytes32 id => mapping(address multiplexer => mapping(address account => PackedConfig))) internal
        $configs;

    function initializeWithMultiplexer(address account, bytes32 configId, bytes calldata initData) external {
        ActionConfig calldata config;
        if (initData.length < 3136) revert InvalidInitDataLength(initData.length);
        assembly ("memory-safe") {
            config := initData.offset
        }
        uint256 length = config.paramRules.length;
        if (length > 16) revert TooManyRules(length);
        PackedConfig storage $c = $configs[configId][msg.sender][account];
        $c.valueLimitPerUse = config.valueLimitPerUse;
        uint256 head = length;
        for (uint256 i; i < length; ++i) {
            ParamRule calldata r = config.paramRules.rules[i];
            // the accessors reject an out-of-range enum, bool or uint64 as the ABI decoder does
            uint256 w = uint256(uint8(r.condition)) | (uint256(r.offset) << 8);
            bytes32 ref = r.ref;
            if (uint256(ref) >> 176 == 0) {
                w |= uint256(ref) << 72;
            } else {
                w |= WIDE;
                $c.refs[i] = ref;
            }
            if (r.isLimited) {
                w |= LIMITED;
                $c.limits[i] = r.usage.limit;
                $c.used[i] = r.usage.used;
            }
            if (i == 0) head |= w << 8;
            else $c.rules[i] = w;
        }
        $c.head = head;
        emit PolicySet(configId, msg.sender, account);
    }

    function checkAction(bytes32 id, address account, address, uint256 value, bytes calldata data)
        external
        returns (uint256)
    {
        PackedConfig storage $c = $configs[id][msg.sender][account];
        uint256 head = $c.head;
        uint256 length = head & 0xff;
        if (length == 0) revert PolicyNotInitialized(id, msg.sender, account);
        if (value != 0) {
            uint256 valueLimit = $c.valueLimitPerUse;
            if (value > valueLimit) revert ValueLimitExceeded(id, value, valueLimit);
        }
        for (uint256 i; i < length; ++i) {
            if (!_check($c, i, i == 0 ? head >> 8 : $c.rules[i], data)) return 1;
        }
        return 0;
    }

    /// @notice The stored configuration; rules past `length`, and the usage of rules that are not
    /// limited, read as zero.
    function actionConfigs(bytes32 id, address multiplexer, address account)
        external
        view
        returns (ActionConfig memory config)
    {
        PackedConfig storage $c = $configs[id][multiplexer][account];
        uint256 head = $c.head;
        uint256 length = head & 0xff;
        config.valueLimitPerUse = $c.valueLimitPerUse;
        config.paramRules.length = length;
        for (uint256 i; i < length; ++i) {
            uint256 w = i == 0 ? head >> 8 : $c.rules[i];
            ParamRule memory r = config.paramRules.rules[i];
            r.condition = ParamCondition(w & 7);
            r.offset = uint64(w >> 8);
            r.isLimited = w & LIMITED != 0;
            r.ref = w & WIDE != 0 ? $c.refs[i] : bytes32(w >> 72);
            if (r.isLimited) r.usage = LimitUsage($c.limits[i], $c.used[i]);
        }
    }

    function _check(PackedConfig storage $c, uint256 i, uint256 w, bytes calldata data) private returns (bool) {
        uint256 start = 4 + uint256(uint64(w >> 8));
        bytes32 param = bytes32(data[start:start + 32]);
        bytes32 ref = w & WIDE != 0 ? $c.refs[i] : bytes32(w >> 72);
        uint256 c = w & 7;
        if (c == uint256(ParamCondition.EQUAL)) {
            if (param != ref) return false;
        } else if (c == uint256(ParamCondition.GREATER_THAN)) {
            if (param <= ref) return false;
        } else if (c == uint256(ParamCondition.LESS_THAN)) {
            if (param >= ref) return false;
        } else if (c == uint256(ParamCondition.GREATER_THAN_OR_EQUAL)) {
            if (param < ref) return false;
        } else if (c == uint256(ParamCondition.LESS_THAN_OR_EQUAL)) {
            if (param > ref) return false;
        } else if (c == uint256(ParamCondition.NOT_EQUAL)) {
            if (param == ref) return false;
        } else {
            uint256 p = uint256(param);
            if (p < uint256(ref) >> 128 || p > uint256(uint128(uint256(ref)))) return false;
        }
        if (w & LIMITED != 0) {
            uint256 used = $c.used[i];
            uint256 limit = $c.limits[i];
            if (used > limit || uint256(param) > limit - used) return false;
            $c.used[i] = used + uint256(param);
        }
        return true;
    }

    function _supports(bytes4 id) internal pure override returns (bool) {
        return id == type(IActionPolicy).interfaceId;
    }
}
