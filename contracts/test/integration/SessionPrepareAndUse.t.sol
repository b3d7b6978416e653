// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import "./MeeFixture.sol";

/// @notice The MEE "prepare" flow with the real account, validator, Smart Sessions and policies: one
/// owner userOp installs Smart Sessions, registers it as a safe sender of the MEE validator and
/// enables a session; the redeemer's session userOps then run through the node paymaster.
contract SessionPrepareAndUseTest is MeeFixture {
    address internal account;
    address internal constant PAYEE = address(0xFEE0);
    bytes32 internal pid;

    function setUp() public override {
        super.setUp();
        account = _deployAccount(owner);
        usdc.mint(account, 1_000e6);
        Session[] memory sessions = new Session[](1);
        sessions[0] = _meeSession(PAYEE, keccak256("salt-1"));
        pid = ss.getPermissionId(sessions[0]);
        _submit(_ownerOp(account, _prepareCall(account, sessions)));
    }

    function _use(uint256 amount) internal view returns (PackedUserOperation memory) {
        return _signUse(_sessionOp(account, 0, _transfer(PAYEE, amount), 250_000), pid);
    }

    function test_prepare_installsAndEnables() public view {
        SmartAccount acct = SmartAccount(payable(account));
        vm.assertTrue(acct.isModuleInstalled(1, SMART_SESSION, ""));
        vm.assertTrue(k1.isSafeSender(SMART_SESSION, account));
        vm.assertTrue(ss.isPermissionEnabled(pid, account));
        (address v, bytes memory data) = ss.getSessionValidatorAndConfig(account, pid);
        vm.assertEq(v, K1_VALIDATOR);
        vm.assertEq(data, abi.encodePacked(redeemer));
        address[] memory ups = ss.getUserOpPolicies(account, pid);
        vm.assertEq(ups.length, 1);
        vm.assertEq(ups[0], SUDO);
        bytes32 actionId = keccak256(abi.encodePacked(address(usdc), usdc.transfer.selector));
        address[] memory aps = ss.getActionPolicies(account, pid, actionId);
        vm.assertEq(aps.length, 3);
        vm.assertEq(aps[0], UNI_ACTION);
        vm.assertEq(aps[1], USAGE_LIMIT);
        vm.assertEq(aps[2], SPENDING_LIMIT);
    }

    function test_use_transfersWithNodePaymaster() public {
        uint256 pmDeposit = ep.balanceOf(address(pm));
        _submit(_use(10e6));
        vm.assertEq(usdc.balanceOf(PAYEE), 10e6);
        vm.assertLt(ep.balanceOf(address(pm)), pmDeposit);
        vm.assertEq(ep.getNonce(account, _nonceKey(SMART_SESSION)), (uint256(_nonceKey(SMART_SESSION)) << 64) | 1);
    }

    /// Two session ops in one bundle share one redeemer-signed root (short leaves).
    function test_use_twoOpsOneRoot() public {
        PackedUserOperation[] memory ops = new PackedUserOperation[](2);
        ops[0] = _sessionOp(account, 0, _transfer(PAYEE, 10e6), 250_000);
        ops[1] = _sessionOp(account, 1, _transfer(PAYEE, 15e6), 250_000);
        _signUse(ops, pid);
        _submit(ops);
        vm.assertEq(usdc.balanceOf(PAYEE), 25e6);
    }

    function test_use_wrongRedeemerKey_AA24() public {
        PackedUserOperation memory op = _sessionOp(account, 0, _transfer(PAYEE, 10e6), 250_000);
        bytes32 h = ep.getUserOpHash(op);
        bytes32[] memory leaves = new bytes32[](1);
        leaves[0] = h;
        (bytes32 root, bytes32[] memory proof) = _merkle(leaves, 0);
        op.signature = abi.encodePacked(uint8(0), pid, _simpleShort(root, proof, _signRoot(ownerKey, root)));
        _submitExpect(op, _failedOp("AA24 signature error"));
    }

    /// A call outside the grant (USDC approve has no policies and there is no fallback action).
    function test_reject_callOutsideGrant() public {
        PackedUserOperation memory op = _signUse(
            _sessionOp(account, 0, _execSingle(address(usdc), 0, abi.encodeCall(usdc.approve, (PAYEE, 1e6))), 250_000),
            pid
        );
        _submitExpect(
            op,
            _failedOpWithRevert("AA23 reverted", abi.encodeWithSelector(ISmartSessionTypes.NoPoliciesSet.selector, pid))
        );
    }

    /// A transfer to someone other than the payee breaks the UniAction EQUAL rule.
    function test_reject_otherRecipient() public {
        PackedUserOperation memory op = _signUse(_sessionOp(account, 0, _transfer(address(0xBAD), 1e6), 250_000), pid);
        _submitExpect(op, _policyViolation(UNI_ACTION));
    }

    /// More than 50 USDC in one use breaks the UniAction LTE rule.
    function test_reject_overPerUseLimit() public {
        _submitExpect(_use(50e6 + 1), _policyViolation(UNI_ACTION));
        _submit(_use(50e6));
        vm.assertEq(usdc.balanceOf(PAYEE), 50e6);
    }

    /// The cumulative ERC-20 limit (100 USDC) binds on the third use.
    function test_reject_overSpendingLimit() public {
        _submit(_use(50e6));
        _submit(_use(50e6));
        _submitExpect(_use(1), _policyViolation(SPENDING_LIMIT));
        vm.assertEq(usdc.balanceOf(PAYEE), 100e6);
    }

    /// A fourth use under a 3-use limit.
    function test_reject_fourthUse() public {
        _submit(_use(1e6));
        _submit(_use(1e6));
        _submit(_use(1e6));
        _submitExpect(_use(1e6), _policyViolation(USAGE_LIMIT));
        vm.assertEq(usdc.balanceOf(PAYEE), 3e6);
    }

    /// After the owner removes the session, its ops are rejected.
    function test_reject_afterRemoveSession() public {
        _submit(_use(1e6));
        _submit(_ownerOp(account, _execSingle(SMART_SESSION, 0, abi.encodeCall(ISmartSession.removeSession, (pid)))));
        vm.assertFalse(ss.isPermissionEnabled(pid, account));
        _submitExpect(
            _use(1e6),
            _failedOpWithRevert(
                "AA23 reverted", abi.encodeWithSelector(ISmartSessionTypes.InvalidPermissionId.selector, pid)
            )
        );
    }

    /// A session op that names a paymaster needs the session's paymaster permit.
    function test_reject_paymasterNotPermitted() public {
        _submit(
            _ownerOp(account, _execSingle(SMART_SESSION, 0, abi.encodeCall(ISmartSession.setPermit4337Paymaster, (pid, false))))
        );
        _submitExpect(
            _use(1e6),
            _failedOpWithRevert(
                "AA23 reverted",
                abi.encodeWithSelector(ISmartSessionTypes.PaymasterValidationNotEnabled.selector, pid)
            )
        );
    }

    function _policyViolation(address policy) internal view returns (bytes memory) {
        return _failedOpWithRevert(
            "AA23 reverted", abi.encodeWithSelector(ISmartSessionTypes.PolicyViolation.selector, pid, policy)
        );
    }
}
