// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import "./SessionTestBase.sol";
import {ISmartSessionTypes} from "../../src/interfaces/ISmartSession.sol";
import {MockWindowPolicy, NoInterfacePolicy} from "./mocks/MockPolicies.sol";
import {NotASessionValidator} from "./mocks/MockSessionValidator.sol";
import {ExecutionDecoder} from "../../src/sessions/lib/ExecutionDecoder.sol";
import {EnableDecoder} from "../../src/sessions/lib/EnableDecoder.sol";
import {IdLib} from "../../src/sessions/lib/IdLib.sol";
import {FALLBACK_TARGET_FLAG} from "../../src/sessions/DataTypes.sol";

/// @notice validateUserOp rules (§3.6) called directly as the account, plus one regression test per
/// audit finding / exploit class (named after it).
contract SmartSessionValidationTest is SessionTestBase {
    bytes32 internal constant HASH = keccak256("userOpHash");
    MockWindowPolicy internal window;

    function setUp() public override {
        super.setUp();
        window = new MockWindowPolicy();
    }

    function _sudoFallbackSession(bytes32 salt) internal view returns (Session memory) {
        ActionData[] memory actions = new ActionData[](1);
        actions[0] = _action(address(1), 0x00000001, _one(_policy(address(sudo), "")));
        return _session(new PolicyData[](0), actions, salt);
    }

    function _useOp(bytes memory callData, bytes32 pid) internal view returns (PackedUserOperation memory op) {
        op = _op(callData);
        op.signature = _useSig(pid, HASH);
    }

    // ---------------------------------------------------------------- basics

    function test_use_validSignatureReturnsZero() public {
        bytes32 pid = _enable(_standardSession(bytes32(uint256(1))));
        vm.assertEq(_validate(_useOp(_transferCall(recipient, 1), pid), HASH), 0);
    }

    function test_use_wrongSessionKeyReturnsOne() public {
        bytes32 pid = _enable(_standardSession(bytes32(uint256(1))));
        PackedUserOperation memory op = _op(_transferCall(recipient, 1));
        (, uint256 otherKey) = makeKey("other");
        op.signature = abi.encodePacked(uint8(0), pid, signPacked(otherKey, HASH));
        vm.assertEq(_validate(op, HASH), 1);
    }

    function test_use_senderMustBeCaller() public {
        bytes32 pid = _enable(_standardSession(bytes32(uint256(1))));
        PackedUserOperation memory op = _useOp(_transferCall(recipient, 1), pid);
        vm.expectRevert(abi.encodeWithSelector(ISmartSessionTypes.InvalidUserOpSender.selector, address(account)));
        ssImpl.validateUserOp(op, HASH);
    }

    function test_use_unknownPermissionReverts() public {
        PackedUserOperation memory op = _useOp(_transferCall(recipient, 1), bytes32(uint256(7)));
        vm.prank(address(account));
        vm.expectRevert(abi.encodeWithSelector(ISmartSessionTypes.InvalidPermissionId.selector, bytes32(uint256(7))));
        ssImpl.validateUserOp(op, HASH);
    }

    function test_unsupportedModeReverts() public {
        PackedUserOperation memory op = _op(_transferCall(recipient, 1));
        op.signature = abi.encodePacked(uint8(3), bytes32(0));
        vm.prank(address(account));
        vm.expectRevert(abi.encodeWithSelector(ISmartSessionTypes.UnsupportedSmartSessionMode.selector, uint8(3)));
        ssImpl.validateUserOp(op, HASH);
    }

    function test_valueSelector_forPlainTransfer() public {
        ActionData[] memory actions = new ActionData[](1);
        actions[0] = _action(recipient, 0xFFFFFFFF, _one(_policy(address(sudo), "")));
        bytes32 pid = _enable(_session(new PolicyData[](0), actions, bytes32(0)));
        vm.assertEq(_validate(_useOp(_single(recipient, 1 ether, ""), pid), HASH), 0);
        // a 3-byte callData is still a "value" call
        vm.assertEq(_validate(_useOp(_single(recipient, 1, hex"aabbcc"), pid), HASH), 0);
    }

    function test_fallbackAction_guardsUnlistedCalls() public {
        bytes32 pid = _enable(_sudoFallbackSession(bytes32(0)));
        vm.assertEq(_validate(_useOp(_single(address(target), 0, abi.encodeCall(Target.ping, (1))), pid), HASH), 0);
    }

    function test_noPolicies_reverts() public {
        bytes32 pid = _enable(_standardSession(bytes32(uint256(1))));
        PackedUserOperation memory op = _useOp(_single(address(0xDEAD), 0, hex"12345678"), pid);
        vm.prank(address(account));
        vm.expectRevert(abi.encodeWithSelector(ISmartSessionTypes.NoPoliciesSet.selector, pid));
        ssImpl.validateUserOp(op, HASH);
    }

    function test_nonExecuteSelector_usesAccountAction() public {
        ActionData[] memory actions = new ActionData[](1);
        actions[0] = _action(address(account), bytes4(0x12345678), _one(_policy(address(sudo), "")));
        bytes32 pid = _enable(_session(new PolicyData[](0), actions, bytes32(0)));
        vm.assertEq(_validate(_useOp(abi.encodeWithSelector(0x12345678, uint256(1)), pid), HASH), 0);
        PackedUserOperation memory op = _useOp(abi.encodeWithSelector(0x87654321), pid);
        vm.prank(address(account));
        vm.expectRevert(abi.encodeWithSelector(ISmartSessionTypes.NoPoliciesSet.selector, pid));
        ssImpl.validateUserOp(op, HASH);
    }

    function test_batch_checksEveryItem() public {
        bytes32 pid = _enable(_standardSession(bytes32(uint256(1))));
        Execution[] memory execs = new Execution[](2);
        execs[0] = Execution(address(usdc), 0, abi.encodeCall(usdc.transfer, (recipient, 1)));
        execs[1] = Execution(address(target), 0, abi.encodeCall(Target.ping, (1)));
        vm.assertEq(_validate(_useOp(_batch(execs), pid), HASH), 0);
        execs[1] = Execution(address(0xDEAD), 0, "");
        PackedUserOperation memory op = _useOp(_batch(execs), pid);
        vm.prank(address(account));
        vm.expectRevert(abi.encodeWithSelector(ISmartSessionTypes.NoPoliciesSet.selector, pid));
        ssImpl.validateUserOp(op, HASH);
    }

    function test_policyViolation_reverts() public {
        ActionData[] memory actions = new ActionData[](1);
        actions[0] = _action(address(target), Target.ping.selector, _one(_policy(address(window), "")));
        bytes32 pid = _enable(_session(new PolicyData[](0), actions, bytes32(0)));
        window.set(1, false);
        PackedUserOperation memory op = _useOp(_single(address(target), 0, abi.encodeCall(Target.ping, (1))), pid);
        vm.prank(address(account));
        vm.expectRevert(abi.encodeWithSelector(ISmartSessionTypes.PolicyViolation.selector, pid, address(window)));
        ssImpl.validateUserOp(op, HASH);
    }

    function test_policyRevert_becomesPolicyCheckReverted() public {
        ActionData[] memory actions = new ActionData[](1);
        actions[0] = _action(address(target), Target.ping.selector, _one(_policy(address(window), "")));
        bytes32 pid = _enable(_session(new PolicyData[](0), actions, bytes32(0)));
        window.set(0, true);
        PackedUserOperation memory op = _useOp(_single(address(target), 0, abi.encodeCall(Target.ping, (1))), pid);
        vm.prank(address(account));
        // first word of Error(string) revert data: selector 0x08c379a0 then the offset's head bytes
        vm.expectRevert(
            abi.encodeWithSelector(
                ISmartSessionTypes.PolicyCheckReverted.selector, bytes32(abi.encodeWithSignature("Error(string)", "policy-reverted"))
            )
        );
        ssImpl.validateUserOp(op, HASH);
    }

    function test_paymaster_requiresPermitAndUserOpPolicy() public {
        Session memory s = _standardSession(bytes32(uint256(1)));
        s.permitERC4337Paymaster = false;
        bytes32 pid = _enable(s);
        PackedUserOperation memory op = _useOp(_transferCall(recipient, 1), pid);
        op.paymasterAndData = abi.encodePacked(address(0x9999), uint128(1), uint128(1));
        vm.prank(address(account));
        vm.expectRevert(abi.encodeWithSelector(ISmartSessionTypes.PaymasterValidationNotEnabled.selector, pid));
        ssImpl.validateUserOp(op, HASH);

        vm.prank(address(account));
        ss.setPermit4337Paymaster(pid, true);
        vm.assertEq(_validate(op, HASH), 0);

        // permitted but no userOp policy: at least one is required
        vm.prank(address(account));
        address[] memory rm = new address[](1);
        rm[0] = address(sudo);
        ss.disableUserOpPolicies(pid, rm);
        vm.prank(address(account));
        vm.expectRevert(abi.encodeWithSelector(ISmartSessionTypes.NoPoliciesSet.selector, pid));
        ssImpl.validateUserOp(op, HASH);
    }

    function test_timeWindows_areIntersected() public {
        MockWindowPolicy w2 = new MockWindowPolicy();
        ActionData[] memory actions = new ActionData[](1);
        actions[0] = _action(address(target), Target.ping.selector, _two(_policy(address(window), ""), _policy(address(w2), "")));
        bytes32 pid = _enable(_session(_one(_policy(address(timeframe), abi.encodePacked(uint48(5000), uint48(100)))), actions, bytes32(0)));
        window.set((uint256(3000) << 160) | (uint256(50) << 208), false);
        w2.set((uint256(0) << 160) | (uint256(200) << 208), false);
        uint256 vd = _validate(_useOp(_single(address(target), 0, abi.encodeCall(Target.ping, (1))), pid), HASH);
        vm.assertEq(vd, (uint256(3000) << 160) | (uint256(200) << 208));
    }

    function test_missingValidatorSignatureBytes_failsCleanly() public {
        bytes32 pid = _enable(_standardSession(bytes32(uint256(1))));
        PackedUserOperation memory op = _op(_transferCall(recipient, 1));
        op.signature = abi.encodePacked(uint8(0), pid);
        vm.assertEq(_validate(op, HASH), 1);
        op.signature = abi.encodePacked(uint8(0), bytes16(pid));
        vm.prank(address(account));
        vm.expectRevert(ISmartSessionTypes.InvalidData.selector);
        ssImpl.validateUserOp(op, HASH);
    }

    // ---------------------------------------------------------------- enable-time checks

    function test_enableSessions_rejectsEmptyArray() public {
        vm.prank(address(account));
        vm.expectRevert(ISmartSessionTypes.InvalidData.selector);
        ss.enableSessions(new Session[](0));
    }

    function test_enableSessions_rejectsNonType7Validator() public {
        Session memory s = _standardSession(bytes32(0));
        NotASessionValidator bad = new NotASessionValidator();
        s.sessionValidator = address(bad);
        Session[] memory arr = new Session[](1);
        arr[0] = s;
        vm.prank(address(account));
        vm.expectRevert(abi.encodeWithSelector(ISmartSessionTypes.InvalidISessionValidator.selector, address(bad)));
        ss.enableSessions(arr);
    }

    function test_enableSessions_rejectsPolicyWithoutInterface() public {
        NoInterfacePolicy bad = new NoInterfacePolicy();
        Session memory s = _session(_one(_policy(address(bad), "")), new ActionData[](0), bytes32(0));
        Session[] memory arr = new Session[](1);
        arr[0] = s;
        vm.prank(address(account));
        vm.expectRevert(abi.encodeWithSelector(ISmartSessionTypes.UnsupportedPolicy.selector, address(bad)));
        ss.enableSessions(arr);
        // a policy of the wrong kind is refused too (ERC20SpendingLimit is action-only)
        arr[0] = _session(_one(_policy(address(spending), "")), new ActionData[](0), bytes32(0));
        vm.prank(address(account));
        vm.expectRevert(abi.encodeWithSelector(ISmartSessionTypes.UnsupportedPolicy.selector, address(spending)));
        ss.enableSessions(arr);
    }

    function test_enableSessions_rejectsZeroTarget() public {
        ActionData[] memory actions = new ActionData[](1);
        actions[0] = _action(address(0), 0x12345678, _one(_policy(address(sudo), "")));
        Session[] memory arr = new Session[](1);
        arr[0] = _session(new PolicyData[](0), actions, bytes32(0));
        vm.prank(address(account));
        vm.expectRevert(ISmartSessionTypes.InvalidActionId.selector);
        ss.enableSessions(arr);
    }

    // ================================================================ audit regressions (§4a/§4b)

    /// Cantina core: ValidationData from several policies overwritten instead of intersected.
    function test_regression_Cantina_validationDataIntersectedNotOverwritten() public {
        test_timeWindows_areIntersected();
    }

    /// Cantina core: ENABLE payload not bound to permissionId (front-runner re-targets policies).
    /// The permissionId is derived from sessionToEnable; a tampered session changes the digest.
    function test_regression_Cantina_enablePayloadBoundToPermissionId() public {
        Session memory s = _standardSession(bytes32(uint256(9)));
        PackedUserOperation memory op = _signEnable(_op(_transferCall(recipient, 1)), s, SmartSessionMode.UNSAFE_ENABLE);
        // attacker swaps in a sudo fallback action but keeps the owner's signature / digests
        Session memory evil = _sudoFallbackSession(bytes32(uint256(9)));
        ChainDigest[] memory cds = _digests(s, SmartSessionMode.UNSAFE_ENABLE, 0);
        bytes memory ownerSig = abi.encodePacked(address(0), signPacked(ownerKey, HashLib.multichainDigest(cds)));
        EnableSession memory e = EnableSession(0, cds, evil, ownerSig);
        op.signature = abi.encodePacked(uint8(2), LibZip.flzCompress(abi.encode(e, signPacked(sessionKey, HASH))));
        vm.prank(address(account));
        vm.expectRevert();
        ssImpl.validateUserOp(op, HASH);
        vm.assertFalse(ss.isPermissionEnabled(ss.getPermissionId(evil), address(account)));
    }

    /// Cantina core: removeSession leaves policy state. Re-enabling re-initializes every policy.
    function test_regression_Cantina_removeSessionPolicyStateDoesNotSurvive() public {
        Session memory s = _standardSession(bytes32(uint256(1)));
        bytes32 pid = _enable(s);
        for (uint256 i; i < 3; ++i) {
            vm.assertEq(_validate(_useOp(_transferCall(recipient, 10e6), pid), HASH), 0);
        }
        vm.prank(address(account));
        ss.removeSession(pid);
        vm.assertFalse(ss.isPermissionEnabled(pid, address(account)));
        vm.assertEq(ss.getEnabledActions(address(account), pid).length, 0);
        vm.assertEq(ss.getUserOpPolicies(address(account), pid).length, 0);
        (address v,) = ss.getSessionValidatorAndConfig(address(account), pid);
        vm.assertEq(v, address(0));
        _enable(s);
        bytes32 cfg = IdLib.actionConfigId(pid, IdLib.actionId(address(usdc), usdc.transfer.selector), address(account));
        (uint128 limit, uint128 used) = usage.usageLimitConfigs(cfg, address(ss), address(account));
        vm.assertEq(uint256(limit), 3);
        vm.assertEq(uint256(used), 0);
        (, uint256 spent,) = spending.getPolicyData(cfg, address(ss), address(usdc), address(account));
        vm.assertEq(spent, 0);
    }

    /// Cantina core: empty batch accepted.
    function test_regression_Cantina_emptyBatchRejected() public {
        bytes32 pid = _enable(_sudoFallbackSession(bytes32(0)));
        PackedUserOperation memory op = _useOp(_batch(new Execution[](0)), pid);
        vm.prank(address(account));
        vm.expectRevert(ISmartSessionTypes.NoExecutionsInBatch.selector);
        ssImpl.validateUserOp(op, HASH);
    }

    /// Cantina core: FALLBACK_ACTIONID usable directly (target address(1)).
    function test_regression_Cantina_fallbackActionIdNotUsableDirectly() public {
        bytes32 pid = _enable(_sudoFallbackSession(bytes32(0)));
        PackedUserOperation memory op = _useOp(_single(FALLBACK_TARGET_FLAG, 0, hex"00000001"), pid);
        vm.prank(address(account));
        vm.expectRevert(ISmartSessionTypes.InvalidTarget.selector);
        ssImpl.validateUserOp(op, HASH);
    }

    /// Cantina core: array clearing while iterating; onUninstall must remove every session.
    function test_regression_Cantina_uninstallClearsAllSessions() public {
        for (uint256 i; i < 5; ++i) {
            _enable(_standardSession(bytes32(i)));
        }
        vm.assertEq(ss.getPermissionIDs(address(account)).length, 5);
        vm.prank(owner);
        account.uninstallModule(1, address(ss), "");
        vm.assertEq(ss.getPermissionIDs(address(account)).length, 0);
        vm.assertFalse(ss.isInitialized(address(account)));
    }

    /// Cantina core: install reentrancy / stale sessions: onInstall refuses while sessions remain.
    function test_regression_Cantina_onInstallRefusesStaleSessions() public {
        _enable(_standardSession(bytes32(0)));
        vm.prank(address(account));
        vm.expectRevert(abi.encodeWithSelector(ISmartSessionTypes.SmartSessionModuleAlreadyInstalled.selector, address(account)));
        ssImpl.onInstall("");
    }

    /// Renascence v1: fallback action lets a session call the SmartSession module itself.
    function test_regression_Renascence_sessionCannotCallSmartSession() public {
        bytes32 pid = _enable(_sudoFallbackSession(bytes32(0)));
        bytes memory call = abi.encodeCall(ISmartSession.removeSession, (pid));
        PackedUserOperation memory op = _useOp(_single(address(ss), 0, call), pid);
        vm.prank(address(account));
        vm.expectRevert(abi.encodeWithSelector(ISmartSessionTypes.NoPoliciesSet.selector, pid));
        ssImpl.validateUserOp(op, HASH);
        // also inside a batch
        Execution[] memory execs = new Execution[](1);
        execs[0] = Execution(address(ss), 0, call);
        op = _useOp(_batch(execs), pid);
        vm.prank(address(account));
        vm.expectRevert(abi.encodeWithSelector(ISmartSessionTypes.NoPoliciesSet.selector, pid));
        ssImpl.validateUserOp(op, HASH);
        // and an action naming the module is refused at enable time
        ActionData[] memory actions = new ActionData[](1);
        actions[0] = _action(address(ss), ISmartSession.removeSession.selector, _one(_policy(address(sudo), "")));
        Session[] memory arr = new Session[](1);
        arr[0] = _session(new PolicyData[](0), actions, bytes32(uint256(77)));
        vm.prank(address(account));
        vm.expectRevert(ISmartSessionTypes.InvalidActionId.selector);
        ss.enableSessions(arr);
    }

    /// Renascence v1: too many policies ⇒ OOG DoS; sets are capped.
    function test_regression_Renascence_policyCountCapped() public {
        PolicyData[] memory many = new PolicyData[](128);
        for (uint256 i; i < 128; ++i) {
            many[i] = _policy(address(new MockWindowPolicy()), "");
        }
        Session[] memory arr = new Session[](1);
        arr[0] = _session(many, new ActionData[](0), bytes32(0));
        vm.prank(address(account));
        vm.expectRevert(ISmartSessionTypes.TooManyEntries.selector);
        ss.enableSessions(arr);
    }

    /// Renascence v2: hand-written decoder missing bounds checks (short callData).
    function test_regression_Renascence_shortCallDataRejected() public {
        bytes32 pid = _enable(_sudoFallbackSession(bytes32(0)));
        // execute with single mode but executionCalldata shorter than target+value
        bytes memory cd = abi.encodeWithSelector(0xe9ae5c53, MODE_SINGLE, abi.encodePacked(address(target), uint8(1)));
        PackedUserOperation memory op = _useOp(cd, pid);
        vm.prank(address(account));
        vm.expectRevert(ExecutionDecoder.DecodingError.selector);
        ssImpl.validateUserOp(op, HASH);
        // execute calldata cut before the bytes length
        op = _useOp(abi.encodePacked(bytes4(0xe9ae5c53), MODE_SINGLE, uint256(0x40)), pid);
        vm.prank(address(account));
        vm.expectRevert(ExecutionDecoder.DecodingError.selector);
        ssImpl.validateUserOp(op, HASH);
    }

    /// Renascence v2: malformed batch not rejected (offset past the end).
    function test_regression_Renascence_malformedBatchRejected() public {
        bytes32 pid = _enable(_sudoFallbackSession(bytes32(0)));
        bytes memory ec = abi.encode(uint256(0x20), uint256(1), uint256(0x1000));
        PackedUserOperation memory op = _useOp(abi.encodeWithSelector(0xe9ae5c53, MODE_BATCH, ec), pid);
        vm.prank(address(account));
        vm.expectRevert(ExecutionDecoder.DecodingError.selector);
        ssImpl.validateUserOp(op, HASH);
    }

    /// Renascence v2: session digest identical for USE and ENABLE. Here the digest commits to
    /// the mode (ignoreSecurityAttestations), so an UNSAFE_ENABLE signature fails under ENABLE.
    function test_regression_Renascence_digestDependsOnMode() public {
        Session memory s = _standardSession(bytes32(uint256(5)));
        bytes32 dUnsafe = HashLib.sessionDigest(s, address(account), address(ss), SmartSessionMode.UNSAFE_ENABLE, 0);
        bytes32 dSafe = HashLib.sessionDigest(s, address(account), address(ss), SmartSessionMode.ENABLE, 0);
        vm.assertNotEq(dUnsafe, dSafe);
        bytes32 pid = ss.getPermissionId(s);
        vm.assertEq(ss.getSessionDigest(pid, address(account), s, SmartSessionMode.ENABLE), dSafe);
        PackedUserOperation memory op = _op(_transferCall(recipient, 1));
        bytes memory payload = _enablePayload(s, SmartSessionMode.UNSAFE_ENABLE, 0, signPacked(sessionKey, HASH));
        payload[0] = bytes1(uint8(1)); // replay as ENABLE
        op.signature = payload;
        vm.prank(address(account));
        vm.expectRevert(abi.encodeWithSelector(ISmartSessionTypes.HashMismatch.selector, dUnsafe, dSafe));
        ssImpl.validateUserOp(op, HASH);
    }

    /// Nexus Cantina / CodeHawks / Smart Sessions Cantina 3.1.2: signatures outside userOpHash
    /// need chainId + account + nonce binding (cross-chain replay).
    function test_regression_CrossChainReplay_chainIdBound() public {
        Session memory s = _standardSession(bytes32(uint256(6)));
        PackedUserOperation memory op = _signEnable(_op(_transferCall(recipient, 1)), s, SmartSessionMode.UNSAFE_ENABLE);
        vm.chainId(8453);
        vm.prank(address(account));
        vm.expectRevert();
        ssImpl.validateUserOp(op, HASH);
    }

    /// Cross-account replay: the digest commits to the account.
    function test_regression_CrossAccountReplay_accountBound() public {
        Session memory s = _standardSession(bytes32(uint256(6)));
        bytes memory payload = _enablePayload(s, SmartSessionMode.UNSAFE_ENABLE, 0, signPacked(sessionKey, HASH));
        MockAccount other = new MockAccount(address(ep), owner);
        vm.prank(owner);
        other.installModule(1, address(ss), "");
        PackedUserOperation memory op = _op(_transferCall(recipient, 1));
        op.sender = address(other);
        op.signature = payload;
        vm.prank(address(other));
        vm.expectRevert();
        ssImpl.validateUserOp(op, HASH);
    }

    /// Nonce replay: an enable signature is single-use (nonce post-increment).
    function test_regression_EnableSignatureReplay_nonceConsumed() public {
        Session memory s = _standardSession(bytes32(uint256(6)));
        bytes memory payload = _enablePayload(s, SmartSessionMode.UNSAFE_ENABLE, 0, signPacked(sessionKey, HASH));
        PackedUserOperation memory op = _op(_transferCall(recipient, 1));
        op.signature = payload;
        vm.assertEq(_validate(op, HASH), 0);
        vm.prank(address(account));
        vm.expectRevert();
        ssImpl.validateUserOp(op, HASH);
    }

    /// revokeEnableSignature: a signed-but-unused enable payload can be killed.
    function test_regression_RevokedEnableSignatureNeverEnables() public {
        Session memory s = _standardSession(bytes32(uint256(6)));
        bytes32 pid = ss.getPermissionId(s);
        bytes memory payload = _enablePayload(s, SmartSessionMode.UNSAFE_ENABLE, 0, signPacked(sessionKey, HASH));
        vm.prank(address(account));
        ss.revokeEnableSignature(pid);
        vm.assertEq(ss.getNonce(pid, address(account)), 1);
        PackedUserOperation memory op = _op(_transferCall(recipient, 1));
        op.signature = payload;
        vm.prank(address(account));
        vm.expectRevert();
        ssImpl.validateUserOp(op, HASH);
        vm.assertFalse(ss.isPermissionEnabled(pid, address(account)));
    }

    /// A session can never produce the owner's enable signature (SmartSession refuses 1271
    /// requests sent by itself).
    function test_regression_SessionCannotAuthorizeSession() public {
        vm.assertEq(uint32(ss.isValidSignatureWithSender(address(ss), keccak256("x"), hex"00")), 0xffffffff);
        Session memory s = _standardSession(bytes32(uint256(8)));
        ChainDigest[] memory cds = _digests(s, SmartSessionMode.UNSAFE_ENABLE, 0);
        EnableSession memory e = EnableSession(0, cds, s, abi.encodePacked(address(ss), bytes32(0)));
        PackedUserOperation memory op = _op(_transferCall(recipient, 1));
        op.signature = abi.encodePacked(uint8(2), LibZip.flzCompress(abi.encode(e, signPacked(sessionKey, HASH))));
        vm.prank(address(account));
        vm.expectPartialRevert(ISmartSessionTypes.InvalidEnableSignature.selector);
        ssImpl.validateUserOp(op, HASH);
    }

    /// Exploit class "self-target bypass" (base/eip-8130, Kernel batch): a session may not make
    /// the account call its own execute, single or batch.
    function test_regression_SelfTargetBypass_selfExecuteRejected() public {
        bytes32 pid = _enable(_sudoFallbackSession(bytes32(0)));
        bytes memory inner = _single(address(usdc), 0, abi.encodeCall(usdc.transfer, (recipient, 1)));
        PackedUserOperation memory op = _useOp(_single(address(account), 0, inner), pid);
        vm.prank(address(account));
        vm.expectRevert(ISmartSessionTypes.InvalidSelfCall.selector);
        ssImpl.validateUserOp(op, HASH);
        Execution[] memory execs = new Execution[](1);
        execs[0] = Execution(address(account), 0, inner);
        op = _useOp(_batch(execs), pid);
        vm.prank(address(account));
        vm.expectRevert(ISmartSessionTypes.InvalidSelfCall.selector);
        ssImpl.validateUserOp(op, HASH);
    }

    /// Batch/calldata bypass class: every batch item is checked, not only the first.
    function test_regression_BatchBypass_secondItemChecked() public {
        test_batch_checksEveryItem();
    }

    /// Unsupported execution modes: delegatecall, try, executeUserOp.
    function test_regression_UnsupportedModes() public {
        bytes32 pid = _enable(_sudoFallbackSession(bytes32(0)));
        PackedUserOperation memory op =
            _useOp(abi.encodeWithSelector(0xe9ae5c53, bytes32(uint256(0xFF) << 248), abi.encodePacked(address(target), hex"")), pid);
        vm.prank(address(account));
        vm.expectRevert(abi.encodeWithSelector(ISmartSessionTypes.UnsupportedCallType.selector, bytes1(0xFF)));
        ssImpl.validateUserOp(op, HASH);
        op = _useOp(abi.encodeWithSelector(0xe9ae5c53, bytes32(uint256(1) << 240), abi.encodePacked(address(target), uint256(0))), pid);
        vm.prank(address(account));
        vm.expectRevert(ISmartSessionTypes.UnsupportedExecutionType.selector);
        ssImpl.validateUserOp(op, HASH);
        op = _useOp(abi.encodeWithSelector(0x8dd7712f, bytes32(0)), pid);
        vm.prank(address(account));
        vm.expectRevert(ISmartSessionTypes.UnsupportedExecutionType.selector);
        ssImpl.validateUserOp(op, HASH);
    }

    /// Sodium wallet: validation must check the session grant, not only "signer == session key".
    function test_regression_Sodium_signerWithoutGrantRejected() public {
        Session memory s = _standardSession(bytes32(uint256(1)));
        bytes32 pid = ss.getPermissionId(s); // never enabled, signed by the right key
        PackedUserOperation memory op = _useOp(_transferCall(recipient, 1), pid);
        vm.prank(address(account));
        vm.expectRevert(abi.encodeWithSelector(ISmartSessionTypes.InvalidPermissionId.selector, pid));
        ssImpl.validateUserOp(op, HASH);
    }

    /// Zenith (Nexus K1): recover()==0 on a malformed sig must not equal an unset signer.
    function test_regression_Zenith_malformedSigDoesNotMatchZeroSigner() public {
        Session memory s = _standardSession(bytes32(uint256(1)));
        s.sessionValidatorInitData = abi.encodePacked(address(0));
        bytes32 pid = _enable(s);
        PackedUserOperation memory op = _op(_transferCall(recipient, 1));
        op.signature = abi.encodePacked(uint8(0), pid, new bytes(65));
        vm.assertEq(_validate(op, HASH), 1);
    }

    /// Cantina external policies: UniActionPolicy usage limits persisted across uses.
    function test_regression_CantinaExternal_uniActionUsagePersisted() public {
        // covered in UniActionPolicyTest.test_limitedRule_usagePersists; here end to end
        ActionData[] memory actions = new ActionData[](1);
        actions[0] = _action(address(usdc), usdc.transfer.selector, _one(_policy(address(uni), _uniLimitAmount(25))));
        bytes32 pid = _enable(_session(new PolicyData[](0), actions, bytes32(0)));
        vm.assertEq(_validate(_useOp(_transferCall(recipient, 20), pid), HASH), 0);
        PackedUserOperation memory op = _useOp(_transferCall(recipient, 6), pid);
        vm.prank(address(account));
        vm.expectPartialRevert(ISmartSessionTypes.PolicyViolation.selector);
        ssImpl.validateUserOp(op, HASH);
        vm.assertEq(_validate(_useOp(_transferCall(recipient, 5), pid), HASH), 0);
    }

    function _uniLimitAmount(uint256 limit) internal pure returns (bytes memory) {
        bytes memory cfg = new bytes(3136);
        // valueLimitPerUse = 0, length = 1, rule 0: LESS_THAN_OR_EQUAL(4) at offset 32, limited, ref = max
        assembly {
            mstore(add(cfg, 0x40), 1)
            mstore(add(cfg, 0x60), 4)
            mstore(add(cfg, 0x80), 32)
            mstore(add(cfg, 0xa0), 1)
            mstore(add(cfg, 0xc0), not(0))
            mstore(add(cfg, 0xe0), limit)
        }
        return cfg;
    }

    /// ChainLight: ValueLimitPolicy call-type mismatch (delegatecall must not pass as value 0).
    function test_regression_ChainLight_valueLimitRejectsOtherCallTypes() public {
        bytes32 id = keccak256("cfg");
        valueLimit.initializeWithMultiplexer(address(account), id, abi.encode(uint256(1 ether)));
        PackedUserOperation memory op = _op(abi.encodeWithSelector(0xe9ae5c53, bytes32(uint256(0xFF) << 248), abi.encodePacked(address(target), hex"")));
        vm.expectRevert(abi.encodeWithSelector(ValueLimitPolicy.UnsupportedCallType.selector, bytes1(0xFF)));
        valueLimit.checkUserOpPolicy(id, op);
    }

    /// Cantina external / ChainLight: re-init keeps stale data (ERC20 tokens, whitelist).
    function test_regression_CantinaExternal_spendingLimitReinitClearsTokens() public {
        bytes32 id = keccak256("cfg");
        address[] memory tokens = new address[](1);
        tokens[0] = address(usdc);
        uint256[] memory limits = new uint256[](1);
        limits[0] = 100;
        spending.initializeWithMultiplexer(address(account), id, abi.encode(tokens, limits));
        vm.assertEq(spending.checkAction(id, address(account), address(usdc), 0, abi.encodeCall(usdc.transfer, (recipient, 60))), 0);
        tokens[0] = address(0x1234);
        spending.initializeWithMultiplexer(address(account), id, abi.encode(tokens, limits));
        (uint256 lim, uint256 spent,) = spending.getPolicyData(id, address(this), address(usdc), address(account));
        vm.assertEq(lim, 0);
        vm.assertEq(spent, 0);
        vm.assertEq(spending.checkAction(id, address(account), address(usdc), 0, abi.encodeCall(usdc.transfer, (recipient, 1))), 1);
    }

    /// "Spend not recorded on revert" class: with a paymaster the validation-phase spend sticks
    /// even if the execution reverts.
    function test_regression_SpendRecordedWhenExecutionReverts() public {
        bytes32 pid = _enable(_standardSession(bytes32(uint256(1))));
        uint256 bal = usdc.balanceOf(address(account));
        vm.prank(address(account));
        usdc.transfer(owner, bal); // the execution will now revert for lack of balance
        PackedUserOperation memory op = _signUse(_op(_transferCall(recipient, 10e6)), pid);
        _handle(op);
        vm.assertEq(usdc.balanceOf(recipient), 0);
        bytes32 cfg = IdLib.actionConfigId(pid, IdLib.actionId(address(usdc), usdc.transfer.selector), address(account));
        (uint128 lim, uint128 used) = usage.usageLimitConfigs(cfg, address(ss), address(account));
        vm.assertEq(uint256(lim), 3);
        vm.assertEq(uint256(used), 1);
    }
}
