// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import "./SessionTestBase.sol";

contract SmartSessionE2ETest is SessionTestBase {
    function test_use_transferThroughHandleOps() public {
        bytes32 pid = _enable(_standardSession(bytes32(uint256(1))));
        PackedUserOperation memory op = _signUse(_op(_transferCall(recipient, 10e6)), pid);
        _handle(op);
        vm.assertEq(usdc.balanceOf(recipient), 10e6);
    }

    function test_enableMode_unsafeEnable_thenUse() public {
        Session memory s = _standardSession(bytes32(uint256(2)));
        bytes32 pid = ss.getPermissionId(s);
        vm.assertFalse(ss.isPermissionEnabled(pid, address(account)));
        _handle(_signEnable(_op(_transferCall(recipient, 5e6)), s, SmartSessionMode.UNSAFE_ENABLE));
        vm.assertTrue(ss.isPermissionEnabled(pid, address(account)));
        vm.assertEq(usdc.balanceOf(recipient), 5e6);
        vm.assertEq(ss.getNonce(pid, address(account)), 1);
        _handle(_signUse(_op(_transferCall(recipient, 5e6)), pid));
        vm.assertEq(usdc.balanceOf(recipient), 10e6);
    }

    function test_enableMode_enable() public {
        Session memory s = _standardSession(bytes32(uint256(3)));
        _handle(_signEnable(_op(_transferCall(recipient, 1e6)), s, SmartSessionMode.ENABLE));
        vm.assertTrue(ss.isPermissionEnabled(ss.getPermissionId(s), address(account)));
        vm.assertEq(usdc.balanceOf(recipient), 1e6);
    }
}
