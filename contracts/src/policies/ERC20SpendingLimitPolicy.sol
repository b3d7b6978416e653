// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IActionPolicy} from "../interfaces/IPolicy.sol";
import {PolicyBase} from "./PolicyBase.sol";

/// @title ERC20SpendingLimitPolicy
/// @notice Caps what a session may move out of the account per ERC-20 token, cumulatively.
/// Init data: `abi.encode(address[] tokens, uint256[] limits)` (equal lengths, no zero token, no zero
/// limit). Re-initializing first wipes every token of the previous configuration.
/// @dev Action policy; the action's target is the token. Only calls with `value == 0` and these
/// selectors pass: `transfer` / `transferFrom` add their amount to `alreadySpent` (`transferFrom` to
/// the account itself counts 0), `approve` / `increaseAllowance` add theirs to `approvedAmount`; the
/// check is `alreadySpent + approvedAmount ≤ limit`. A token not configured has limit 0.
/// Storage, all per (configId, multiplexer, …, account) with the account as last key: the token
/// list (count packed with the first token, up to 127 entries at offsets ≤ 126) and per-token usage
/// (`TokenUsage`, offsets ≤ 3; limit and running total share one slot for limits below 2^127).
contract ERC20SpendingLimitPolicy is PolicyBase, IActionPolicy {
    error InvalidInitData();
    error InvalidTokenAddress(address token);
    error InvalidLimit(uint256 limit);

    event TokenSpent(bytes32 id, address multiplexer, address token, address account, uint256 amount, uint256 remaining);

    bytes4 internal constant TRANSFER = 0xa9059cbb;
    bytes4 internal constant TRANSFER_FROM = 0x23b872dd;
    bytes4 internal constant APPROVE = 0x095ea7b3;
    bytes4 internal constant INCREASE_ALLOWANCE = 0x39509351;
    uint256 internal constant MAX_TOKENS = 127;

    /// @dev Usage of one token. A limit below 2^127 is packed with the running total
    /// `used = alreadySpent + approvedAmount` in `packed` (`limit | used << 128`), so a transfer
    /// reads and writes one slot; a larger limit sets `WIDE` in `packed` and keeps limit and total
    /// in `wideLimit` / `wideUsed`. `approved` is written by approvals only; `alreadySpent` is
    /// `used - approved`. All zero for a token that is not configured (limit 0).
    struct TokenUsage {
        uint256 packed;
        uint256 approved;
        uint256 wideLimit;
        uint256 wideUsed;
    }

    uint256 private constant WIDE = 1 << 127;
    uint256 private constant LIMIT_MASK = WIDE - 1;

    mapping(bytes32 id => mapping(address multiplexer => mapping(address token => mapping(address account => TokenUsage))))
        internal $usage;
    /// @dev The configured tokens: `[0] = count << 160 | first token`, `[i] = i-th token`.
    mapping(bytes32 id => mapping(address multiplexer => mapping(address account => bytes32[MAX_TOKENS]))) internal
        $tokens;

    function initializeWithMultiplexer(address account, bytes32 configId, bytes calldata initData) external {
        (address[] memory tokens, uint256[] memory limits) = abi.decode(initData, (address[], uint256[]));
        if (tokens.length != limits.length || tokens.length > MAX_TOKENS) revert InvalidInitData();
        bytes32[MAX_TOKENS] storage list = $tokens[configId][msg.sender][account];
        uint256 head = uint256(list[0]);
        uint256 old = head >> 160;
        for (uint256 i; i < old; ++i) {
            address t = address(uint160(i == 0 ? head : uint256(list[i])));
            TokenUsage storage u = $usage[configId][msg.sender][t][account];
            if (u.packed & WIDE != 0) {
                u.wideLimit = 0;
                u.wideUsed = 0;
            }
            u.packed = 0;
            u.approved = 0;
        }
        // Every token's usage is zero now: only configured tokens ever record a non-zero amount
        // (an unconfigured token has limit 0), and those were just deleted.
        for (uint256 i; i < tokens.length; ++i) {
            if (tokens[i] == address(0)) revert InvalidTokenAddress(tokens[i]);
            if (limits[i] == 0) revert InvalidLimit(limits[i]);
            TokenUsage storage u = $usage[configId][msg.sender][tokens[i]][account];
            if (limits[i] < WIDE) {
                u.packed = limits[i];
            } else {
                u.packed = WIDE;
                u.wideLimit = limits[i];
            }
            if (i != 0) list[i] = bytes32(uint256(uint160(tokens[i])));
        }
        list[0] = tokens.length == 0 ? bytes32(0) : bytes32((tokens.length << 160) | uint160(tokens[0]));
        emit PolicySet(configId, msg.sender, account);
    }

    function checkAction(bytes32 id, address account, address target, uint256 value, bytes calldata data)
        external
        returns (uint256)
    {
        if (value != 0) return 1;
        (bool ok, uint256 amount, bool isApproval) = _parse(account, data);
        if (!ok) return 1;
        return _record($usage[id][msg.sender][target][account], id, target, account, amount, isApproval);
    }

    function _record(TokenUsage storage u, bytes32 id, address token, address account, uint256 amount, bool isApproval)
        private
        returns (uint256)
    {
        uint256 p = u.packed;
        bool wide = p & WIDE != 0;
        (uint256 limit, uint256 used) = wide ? (u.wideLimit, u.wideUsed) : (p & LIMIT_MASK, p >> 128);
        // overflow-safe form of `alreadySpent + approvedAmount + amount > limit`
        if (used > limit || amount > limit - used) return 1;
        used += amount;
        if (wide) u.wideUsed = used;
        else u.packed = (used << 128) | limit;
        // approved ≤ used ≤ limit: cannot overflow
        if (isApproval) u.approved += amount;
        emit TokenSpent(id, msg.sender, token, account, amount, limit - used);
        return 0;
    }

    /// @dev The amount a supported ERC-20 call moves (or approves), and whether it is an approval.
    function _parse(address account, bytes calldata data)
        private
        pure
        returns (bool ok, uint256 amount, bool isApproval)
    {
        if (data.length < 4) return (false, 0, false);
        bytes4 selector = bytes4(data[0:4]);
        if (selector == TRANSFER || selector == APPROVE || selector == INCREASE_ALLOWANCE) {
            if (data.length < 68) return (false, 0, false);
            return (true, uint256(bytes32(data[36:68])), selector != TRANSFER);
        }
        if (selector == TRANSFER_FROM) {
            if (data.length < 100) return (false, 0, false);
            address to = address(uint160(uint256(bytes32(data[36:68]))));
            return (true, to == account ? 0 : uint256(bytes32(data[68:100])), false);
        }
        return (false, 0, false);
    }

    /// @notice Usage of `token` under a config.
    function getPolicyData(bytes32 id, address multiplexer, address token, address account)
        external
        view
        returns (uint256 spendingLimit, uint256 alreadySpent, uint256 approvedAmount)
    {
        TokenUsage storage u = $usage[id][multiplexer][token][account];
        uint256 p = u.packed;
        (uint256 limit, uint256 used) = p & WIDE != 0 ? (u.wideLimit, u.wideUsed) : (p & LIMIT_MASK, p >> 128);
        approvedAmount = u.approved;
        return (limit, used - approvedAmount, approvedAmount);
    }

    function _supports(bytes4 id) internal pure override returns (bool) {
        return id == type(IActionPolicy).interfaceId;
    }
}
