// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test} from "../lib/Test.sol";
import {PackedUserOperation} from "account-abstraction/interfaces/PackedUserOperation.sol";
import {IPolicy, IUserOpPolicy, IActionPolicy, I1271Policy} from "../../src/interfaces/IPolicy.sol";
import {SudoPolicy} from "../../src/policies/SudoPolicy.sol";
import {TimeFramePolicy} from "../../src/policies/TimeFramePolicy.sol";
import {UsageLimitPolicy} from "../../src/policies/UsageLimitPolicy.sol";
import {ValueLimitPolicy} from "../../src/policies/ValueLimitPolicy.sol";
import {ERC20SpendingLimitPolicy} from "../../src/policies/ERC20SpendingLimitPolicy.sol";
import {
    UniActionPolicy, ActionConfig, ParamRule, ParamCondition, LimitUsage
} from "../../src/policies/UniActionPolicy.sol";

contract PoliciesTest is Test {
    bytes32 internal constant ID = keccak256("config");
    address internal constant ACCOUNT = address(0xA11CE);
    address internal constant TOKEN = address(0x70C3);

    SudoPolicy sudo = new SudoPolicy();
    TimeFramePolicy tf = new TimeFramePolicy();
    UsageLimitPolicy usage = new UsageLimitPolicy();
    ValueLimitPolicy valueLimit = new ValueLimitPolicy();
    ERC20SpendingLimitPolicy spending = new ERC20SpendingLimitPolicy();
    UniActionPolicy uni = new UniActionPolicy();

    function _op(address sender, bytes memory callData) internal pure returns (PackedUserOperation memory op) {
        op.sender = sender;
        op.callData = callData;
    }

    function test_erc165() public view {
        vm.assertTrue(sudo.supportsInterface(type(IUserOpPolicy).interfaceId));
        vm.assertTrue(sudo.supportsInterface(type(I1271Policy).interfaceId));
        vm.assertTrue(tf.supportsInterface(type(IActionPolicy).interfaceId));
        vm.assertFalse(usage.supportsInterface(type(I1271Policy).interfaceId));
        vm.assertFalse(spending.supportsInterface(type(IUserOpPolicy).interfaceId));
        vm.assertTrue(uni.supportsInterface(type(IActionPolicy).interfaceId));
        vm.assertFalse(uni.supportsInterface(0xffffffff));
        vm.assertTrue(valueLimit.supportsInterface(0x01ffc9a7));
    }

    function test_sudo() public {
        sudo.initializeWithMultiplexer(ACCOUNT, ID, "");
        vm.assertEq(sudo.checkAction(ID, ACCOUNT, TOKEN, 5, ""), 0);
        vm.assertEq(sudo.checkUserOpPolicy(ID, _op(ACCOUNT, "")), 0);
        vm.assertTrue(sudo.check1271SignedAction(ID, address(0), ACCOUNT, bytes32(0), ""));
    }

    function test_timeFrame_returnsWindowWithoutTimestamp() public {
        tf.initializeWithMultiplexer(ACCOUNT, ID, abi.encodePacked(uint48(2000), uint48(1000)));
        uint256 vd = tf.checkAction(ID, ACCOUNT, TOKEN, 0, "");
        vm.assertEq(vd, (uint256(2000) << 160) | (uint256(1000) << 208));
        vm.assertEq(tf.checkUserOpPolicy(ID, _op(ACCOUNT, "")), vd);
        vm.warp(999);
        vm.assertFalse(tf.check1271SignedAction(ID, address(0), ACCOUNT, bytes32(0), ""));
        vm.warp(1000);
        vm.assertTrue(tf.check1271SignedAction(ID, address(0), ACCOUNT, bytes32(0), ""));
        vm.warp(2000);
        vm.assertFalse(tf.check1271SignedAction(ID, address(0), ACCOUNT, bytes32(0), ""));
        vm.expectRevert(abi.encodeWithSelector(TimeFramePolicy.InvalidTimeFrame.selector, uint48(10), uint48(20)));
        tf.initializeWithMultiplexer(ACCOUNT, ID, abi.encodePacked(uint48(10), uint48(20)));
        vm.expectRevert(abi.encodeWithSelector(IPolicy.PolicyNotInitialized.selector, ID, address(this), address(0xBEEF)));
        tf.checkAction(ID, address(0xBEEF), TOKEN, 0, "");
    }

    function test_usageLimit() public {
        usage.initializeWithMultiplexer(ACCOUNT, ID, abi.encodePacked(uint128(2)));
        vm.assertEq(usage.checkAction(ID, ACCOUNT, TOKEN, 0, ""), 0);
        vm.assertEq(usage.checkUserOpPolicy(ID, _op(ACCOUNT, "")), 0);
        vm.assertEq(usage.checkAction(ID, ACCOUNT, TOKEN, 0, ""), 1);
        usage.initializeWithMultiplexer(ACCOUNT, ID, abi.encodePacked(uint128(2)));
        vm.assertEq(usage.checkAction(ID, ACCOUNT, TOKEN, 0, ""), 0);
        // another multiplexer has its own state
        vm.prank(address(0x9));
        vm.expectRevert();
        usage.checkAction(ID, ACCOUNT, TOKEN, 0, "");
        vm.expectRevert(UsageLimitPolicy.InvalidLimit.selector);
        usage.initializeWithMultiplexer(ACCOUNT, ID, abi.encodePacked(uint128(0)));
    }

    function test_valueLimit() public {
        valueLimit.initializeWithMultiplexer(ACCOUNT, ID, abi.encode(uint256(10)));
        vm.assertEq(valueLimit.checkAction(ID, ACCOUNT, TOKEN, 6, ""), 0);
        vm.assertEq(valueLimit.checkAction(ID, ACCOUNT, TOKEN, 5, ""), 1);
        bytes memory single = abi.encodeWithSelector(0xe9ae5c53, bytes32(0), abi.encodePacked(TOKEN, uint256(4), ""));
        vm.assertEq(valueLimit.checkUserOpPolicy(ID, _op(ACCOUNT, single)), 0);
        vm.assertEq(valueLimit.checkUserOpPolicy(ID, _op(ACCOUNT, single)), 1);
        vm.assertEq(valueLimit.checkUserOpPolicy(ID, _op(ACCOUNT, hex"12345678")), 0);
    }

    function test_spendingLimit_allSelectors() public {
        address[] memory tokens = new address[](1);
        tokens[0] = TOKEN;
        uint256[] memory limits = new uint256[](1);
        limits[0] = 100;
        spending.initializeWithMultiplexer(ACCOUNT, ID, abi.encode(tokens, limits));
        vm.assertEq(spending.checkAction(ID, ACCOUNT, TOKEN, 0, abi.encodeWithSelector(0xa9059cbb, address(1), 30)), 0);
        vm.assertEq(spending.checkAction(ID, ACCOUNT, TOKEN, 0, abi.encodeWithSelector(0x095ea7b3, address(1), 30)), 0);
        vm.assertEq(spending.checkAction(ID, ACCOUNT, TOKEN, 0, abi.encodeWithSelector(0x39509351, address(1), 20)), 0);
        // transferFrom into the account counts 0
        vm.assertEq(spending.checkAction(ID, ACCOUNT, TOKEN, 0, abi.encodeWithSelector(0x23b872dd, address(1), ACCOUNT, 1000)), 0);
        vm.assertEq(spending.checkAction(ID, ACCOUNT, TOKEN, 0, abi.encodeWithSelector(0x23b872dd, address(1), address(2), 21)), 1);
        vm.assertEq(spending.checkAction(ID, ACCOUNT, TOKEN, 0, abi.encodeWithSelector(0x23b872dd, address(1), address(2), 20)), 0);
        (uint256 lim, uint256 spent, uint256 approved) = spending.getPolicyData(ID, address(this), TOKEN, ACCOUNT);
        vm.assertEq(lim, 100);
        vm.assertEq(spent, 50);
        vm.assertEq(approved, 50);
        vm.assertEq(spending.checkAction(ID, ACCOUNT, TOKEN, 1, abi.encodeWithSelector(0xa9059cbb, address(1), 0)), 1);
        vm.assertEq(spending.checkAction(ID, ACCOUNT, TOKEN, 0, abi.encodeWithSelector(0x12345678, address(1), 0)), 1);
        vm.assertEq(spending.checkAction(ID, ACCOUNT, address(0x999), 0, abi.encodeWithSelector(0xa9059cbb, address(1), 1)), 1);
        vm.assertEq(spending.checkAction(ID, ACCOUNT, address(0x999), 0, abi.encodeWithSelector(0xa9059cbb, address(1), 0)), 0);
    }

    // ---------------------------------------------------------------- UniActionPolicy

    function _config(ParamCondition c, uint64 offset, bytes32 ref, bool limited, uint256 limit)
        internal
        pure
        returns (ActionConfig memory cfg)
    {
        cfg.valueLimitPerUse = 1 ether;
        cfg.paramRules.length = 1;
        cfg.paramRules.rules[0] =
            ParamRule({condition: c, offset: offset, isLimited: limited, ref: ref, usage: LimitUsage(limit, 0)});
        for (uint256 i = 1; i < 16; ++i) {
            cfg.paramRules.rules[i].condition = ParamCondition.GREATER_THAN;
        }
    }

    function test_uni_initDataIs3136StaticBytes() public pure {
        vm.assertEq(abi.encode(_config(ParamCondition.EQUAL, 0, 0, false, 0)).length, 3136);
    }

    function test_uni_limitedRule_usagePersists() public {
        uni.initializeWithMultiplexer(ACCOUNT, ID, abi.encode(_config(ParamCondition.LESS_THAN_OR_EQUAL, 32, bytes32(uint256(50)), true, 100)));
        bytes memory call = abi.encodeWithSelector(0xa9059cbb, address(1), 50);
        vm.assertEq(uni.checkAction(ID, ACCOUNT, TOKEN, 0, call), 0);
        vm.assertEq(uni.checkAction(ID, ACCOUNT, TOKEN, 0, call), 0);
        vm.assertEq(uni.checkAction(ID, ACCOUNT, TOKEN, 0, abi.encodeWithSelector(0xa9059cbb, address(1), 1)), 1);
        vm.assertEq(uni.actionConfigs(ID, address(this), ACCOUNT).paramRules.rules[0].usage.used, 100);
    }

    function test_uni_valueLimitAndUninitialized() public {
        vm.expectRevert(abi.encodeWithSelector(IPolicy.PolicyNotInitialized.selector, ID, address(this), ACCOUNT));
        uni.checkAction(ID, ACCOUNT, TOKEN, 0, hex"00000000");
        uni.initializeWithMultiplexer(ACCOUNT, ID, abi.encode(_config(ParamCondition.EQUAL, 0, 0, false, 0)));
        vm.expectRevert(abi.encodeWithSelector(UniActionPolicy.ValueLimitExceeded.selector, ID, 2 ether, 1 ether));
        uni.checkAction(ID, ACCOUNT, TOKEN, 2 ether, abi.encodeWithSelector(0xa9059cbb, uint256(0)));
    }

    /// Fuzz: every condition matches a direct evaluation of the rule.
    function testFuzz_uni_conditions(uint8 cond, uint256 param, uint256 ref, uint64 offsetWords) public {
        ParamCondition c = ParamCondition(bound(cond, 0, 6));
        uint64 offset = uint64(bound(offsetWords, 0, 3)) * 32;
        uni.initializeWithMultiplexer(ACCOUNT, ID, abi.encode(_config(c, offset, bytes32(ref), false, 0)));
        bytes memory data = new bytes(4 + 4 * 32);
        assembly {
            mstore(add(add(data, 0x24), offset), param)
        }
        bool expected;
        if (c == ParamCondition.EQUAL) expected = param == ref;
        else if (c == ParamCondition.GREATER_THAN) expected = param > ref;
        else if (c == ParamCondition.LESS_THAN) expected = param < ref;
        else if (c == ParamCondition.GREATER_THAN_OR_EQUAL) expected = param >= ref;
        else if (c == ParamCondition.LESS_THAN_OR_EQUAL) expected = param <= ref;
        else if (c == ParamCondition.NOT_EQUAL) expected = param != ref;
        else expected = param >= (ref >> 128) && param <= uint128(ref);
        vm.assertEq(uni.checkAction(ID, ACCOUNT, TOKEN, 0, data), expected ? 0 : 1);
    }

    /// Fuzz: a limited rule never lets the running sum exceed its limit.
    function testFuzz_uni_limitNeverExceeded(uint256 limit, uint256[8] memory amounts) public {
        limit = bound(limit, 1, type(uint128).max);
        uni.initializeWithMultiplexer(ACCOUNT, ID, abi.encode(_config(ParamCondition.GREATER_THAN_OR_EQUAL, 32, 0, true, limit)));
        uint256 total;
        for (uint256 i; i < 8; ++i) {
            uint256 a = amounts[i] % (limit + 1);
            uint256 r = uni.checkAction(ID, ACCOUNT, TOKEN, 0, abi.encodeWithSelector(0xa9059cbb, address(1), a));
            if (r == 0) total += a;
            vm.assertEq(r == 0, total <= limit && (r == 0));
            vm.assertLe(total, limit);
        }
        vm.assertEq(uni.actionConfigs(ID, address(this), ACCOUNT).paramRules.rules[0].usage.used, total);
    }

    function test_uni_outOfBoundsOffsetReverts() public {
        uni.initializeWithMultiplexer(ACCOUNT, ID, abi.encode(_config(ParamCondition.EQUAL, 64, 0, false, 0)));
        vm.expectRevert();
        uni.checkAction(ID, ACCOUNT, TOKEN, 0, abi.encodeWithSelector(0xa9059cbb, address(1), 1));
    }
}
