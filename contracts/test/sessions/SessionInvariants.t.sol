// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import "./SessionTestBase.sol";
import {IdLib} from "../../src/sessions/lib/IdLib.sol";

/// @notice Drives validateUserOp (as the account) with random single / batch transfers, removals
/// and revocations.
contract SessionHandler is SessionTestBase {
    bytes32 public pid;
    uint256 public accepted; // sum of amounts of ops that validated
    bool public removed;
    bool public removedThenValidated;

    bool internal ready;

    /// @dev Fixture setup runs once; the fuzzer calling it (or `init`) again is refused.
    function setUp() public override {
        if (ready) revert("ready");
        super.setUp();
    }

    function init() external {
        setUp();
        ready = true;
        Session memory s = _standardSession(bytes32(uint256(42)));
        // large usage limit so the spending limit is what binds
        s.actions[0].actionPolicies[0].initData = abi.encodePacked(uint128(1_000_000));
        pid = _enable(s);
    }

    function single(uint256 amount) external {
        amount = bound(amount, 0, 60e6);
        _try(_transferCall(recipient, amount), amount);
    }

    function batch(uint256 a, uint256 b) external {
        a = bound(a, 0, 60e6);
        b = bound(b, 0, 60e6);
        Execution[] memory execs = new Execution[](2);
        execs[0] = Execution(address(usdc), 0, abi.encodeCall(usdc.transfer, (recipient, a)));
        execs[1] = Execution(address(usdc), 0, abi.encodeCall(usdc.transfer, (recipient, b)));
        _try(_batch(execs), a + b);
    }

    function remove(uint256 coin) external {
        if (coin % 8 != 0 || removed) return;
        vm.prank(address(account));
        ss.removeSession(pid);
        removed = true;
    }

    function _try(bytes memory callData, uint256 amount) internal {
        PackedUserOperation memory op = _op(callData);
        op.signature = _useSig(pid, keccak256("h"));
        vm.prank(address(account));
        try ssImpl.validateUserOp(op, keccak256("h")) returns (uint256 vd) {
            if (vd == 0) {
                accepted += amount;
                if (removed) removedThenValidated = true;
            }
        } catch {}
    }

    function spentOnChain() external view returns (uint256 spent) {
        bytes32 cfg = IdLib.actionConfigId(pid, IdLib.actionId(address(usdc), usdc.transfer.selector), address(account));
        (, spent,) = spending.getPolicyData(cfg, address(ss), address(usdc), address(account));
    }
}

contract SessionInvariantsTest is Test {
    SessionHandler internal handler;

    function setUp() public {
        handler = new SessionHandler();
        handler.init();
        targetContract(address(handler));
    }

    /// Cumulative spend never exceeds the 100 USDC limit over any sequence of single / batch ops.
    function invariant_cumulativeSpendWithinLimit() public view {
        vm.assertLe(handler.accepted(), 100e6);
        vm.assertLe(handler.spentOnChain(), 100e6);
    }

    /// A removed session never validates again.
    function invariant_removedSessionNeverValidates() public view {
        vm.assertFalse(handler.removedThenValidated());
    }
}
