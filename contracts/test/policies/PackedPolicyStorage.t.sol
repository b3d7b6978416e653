// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test} from "../lib/Test.sol";
import {ERC20SpendingLimitPolicy} from "../../src/policies/ERC20SpendingLimitPolicy.sol";
import {
    UniActionPolicy, ActionConfig, ParamRule, ParamCondition, LimitUsage
} from "../../src/policies/UniActionPolicy.sol";

/// @notice The packed storage of the spending-limit and universal-action policies: narrow and wide
/// values, views, re-initialization and the boundaries between the packed and the wide forms.
contract PackedPolicyStorageTest is Test {
    bytes32 internal constant ID = keccak256("config");
    address internal constant ACCOUNT = address(0xA11CE);
    address internal constant TOKEN = address(0x70C3);
    address internal constant TOKEN2 = address(0x70C4);
    bytes4 internal constant TRANSFER = 0xa9059cbb;
    bytes4 internal constant APPROVE = 0x095ea7b3;

    ERC20SpendingLimitPolicy spending = new ERC20SpendingLimitPolicy();
    UniActionPolicy uni = new UniActionPolicy();

    // ---------------------------------------------------------------- spending limit

    function _initSpending(address[] memory tokens, uint256[] memory limits) internal {
        spending.initializeWithMultiplexer(ACCOUNT, ID, abi.encode(tokens, limits));
    }

    function _one(address t, uint256 limit) internal {
        address[] memory tokens = new address[](1);
        tokens[0] = t;
        uint256[] memory limits = new uint256[](1);
        limits[0] = limit;
        _initSpending(tokens, limits);
    }

    function _spend(address t, bytes4 sel, uint256 amount) internal returns (uint256) {
        return spending.checkAction(ID, ACCOUNT, t, 0, abi.encodeWithSelector(sel, address(1), amount));
    }

    /// Fuzz over the limit on both sides of the packed/wide boundary: spent + approved never
    /// exceeds the limit, and the view splits the running total back into its parts.
    function testFuzz_spending_packedAndWide(uint256 limit, uint256[6] memory amounts, uint8 approvals) public {
        limit = bound(limit, 1, type(uint256).max);
        if (approvals & 1 == 0) limit = bound(limit, (1 << 127) - 3, (1 << 127) + 3);
        _one(TOKEN, limit);
        uint256 spent;
        uint256 approved;
        for (uint256 i; i < 6; ++i) {
            uint256 a = amounts[i] % (limit / 2 + 2);
            bool isApproval = (approvals >> (i % 8)) & 2 != 0;
            bool fits = a <= limit - spent - approved;
            vm.assertEq(_spend(TOKEN, isApproval ? APPROVE : TRANSFER, a), fits ? 0 : 1);
            if (fits) {
                if (isApproval) approved += a;
                else spent += a;
            }
            (uint256 l, uint256 s, uint256 ap) = spending.getPolicyData(ID, address(this), TOKEN, ACCOUNT);
            vm.assertEq(l, limit);
            vm.assertEq(s, spent);
            vm.assertEq(ap, approved);
        }
    }

    /// Re-initializing wipes usage of a wide token and of a narrow one, and switching a token
    /// between the two forms keeps nothing stale.
    function test_spending_reinitAcrossForms() public {
        uint256 wide = type(uint256).max;
        _one(TOKEN, wide);
        vm.assertEq(_spend(TOKEN, TRANSFER, 1e30), 0);
        vm.assertEq(_spend(TOKEN, APPROVE, 5), 0);
        _one(TOKEN, 100);
        (uint256 l, uint256 s, uint256 ap) = spending.getPolicyData(ID, address(this), TOKEN, ACCOUNT);
        vm.assertEq(l, 100);
        vm.assertEq(s, 0);
        vm.assertEq(ap, 0);
        vm.assertEq(_spend(TOKEN, TRANSFER, 60), 0);
        vm.assertEq(_spend(TOKEN, TRANSFER, 41), 1);
        _one(TOKEN, wide);
        (l, s, ap) = spending.getPolicyData(ID, address(this), TOKEN, ACCOUNT);
        vm.assertEq(l, wide);
        vm.assertEq(s, 0);
        vm.assertEq(ap, 0);
        // a token dropped from the config has limit 0 again
        _one(TOKEN2, 7);
        (l, s,) = spending.getPolicyData(ID, address(this), TOKEN, ACCOUNT);
        vm.assertEq(l, 0);
        vm.assertEq(s, 0);
        vm.assertEq(_spend(TOKEN, TRANSFER, 1), 1);
        vm.assertEq(_spend(TOKEN2, TRANSFER, 7), 0);
    }

    // ---------------------------------------------------------------- universal action

    function _rule(ParamCondition c, uint64 offset, bytes32 ref, bool limited, uint256 limit, uint256 used)
        internal
        pure
        returns (ParamRule memory)
    {
        return ParamRule({condition: c, offset: offset, isLimited: limited, ref: ref, usage: LimitUsage(limit, used)});
    }

    /// The view gives back every stored field, with narrow and wide references, limited and
    /// plain rules, and a non-zero value cap.
    function testFuzz_uni_viewRoundTrip(bytes32[4] memory refs, uint64[4] memory offsets, uint8 flags, uint256 cap)
        public
    {
        ActionConfig memory c;
        c.valueLimitPerUse = cap;
        c.paramRules.length = 4;
        for (uint256 i; i < 4; ++i) {
            bytes32 ref = (flags >> i) & 1 != 0 ? bytes32(uint256(refs[i]) >> 80) : refs[i];
            bool limited = (flags >> (i + 4)) & 1 != 0;
            c.paramRules.rules[i] = _rule(ParamCondition(i % 7), offsets[i], ref, limited, limited ? i + 10 : 0, limited ? i : 0);
        }
        uni.initializeWithMultiplexer(ACCOUNT, ID, abi.encode(c));
        ActionConfig memory got = uni.actionConfigs(ID, address(this), ACCOUNT);
        vm.assertEq(keccak256(abi.encode(got)), keccak256(abi.encode(c)), "view differs from init");
    }

    /// Re-initializing with fewer rules drops the old ones from checks and from the view.
    function test_uni_reinitWithFewerRules() public {
        ActionConfig memory c;
        c.paramRules.length = 3;
        c.paramRules.rules[0] = _rule(ParamCondition.EQUAL, 0, bytes32(uint256(1)), false, 0, 0);
        c.paramRules.rules[1] = _rule(ParamCondition.EQUAL, 32, bytes32(type(uint256).max), false, 0, 0);
        c.paramRules.rules[2] = _rule(ParamCondition.LESS_THAN_OR_EQUAL, 32, bytes32(uint256(9)), true, 9, 0);
        uni.initializeWithMultiplexer(ACCOUNT, ID, abi.encode(c));
        bytes memory call = abi.encodeWithSelector(TRANSFER, address(1), 5);
        vm.assertEq(uni.checkAction(ID, ACCOUNT, TOKEN, 0, call), 1);
        c.paramRules.length = 1;
        uni.initializeWithMultiplexer(ACCOUNT, ID, abi.encode(c));
        vm.assertEq(uni.checkAction(ID, ACCOUNT, TOKEN, 0, call), 0);
        ActionConfig memory got = uni.actionConfigs(ID, address(this), ACCOUNT);
        vm.assertEq(got.paramRules.length, 1);
        vm.assertEq(got.paramRules.rules[1].ref, bytes32(0));
        vm.assertEq(got.paramRules.rules[2].usage.limit, 0);
    }

    /// The value cap is still enforced when rules pass; a zero value never reads it.
    function test_uni_valueCap() public {
        ActionConfig memory c;
        c.valueLimitPerUse = 3;
        c.paramRules.length = 1;
        c.paramRules.rules[0] = _rule(ParamCondition.GREATER_THAN_OR_EQUAL, 0, 0, false, 0, 0);
        uni.initializeWithMultiplexer(ACCOUNT, ID, abi.encode(c));
        bytes memory call = abi.encodeWithSelector(TRANSFER, address(1), 5);
        vm.assertEq(uni.checkAction(ID, ACCOUNT, TOKEN, 3, call), 0);
        vm.assertEq(uni.checkAction(ID, ACCOUNT, TOKEN, 0, call), 0);
        vm.expectRevert(abi.encodeWithSelector(UniActionPolicy.ValueLimitExceeded.selector, ID, 4, 3));
        uni.checkAction(ID, ACCOUNT, TOKEN, 4, call);
    }

    /// An out-of-range condition in the init data is rejected, as the ABI decoder rejects it.
    function test_uni_badEnumRejected() public {
        ActionConfig memory c;
        c.paramRules.length = 1;
        bytes memory data = abi.encode(c);
        // rules[0].condition is the third word
        assembly {
            mstore(add(data, 0x60), 7)
        }
        vm.expectRevert();
        uni.initializeWithMultiplexer(ACCOUNT, ID, data);
    }
}
