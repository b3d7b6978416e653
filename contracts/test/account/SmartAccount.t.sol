// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {AccountTestBase} from "./AccountTestBase.sol";
import {PackedUserOperation} from "account-abstraction/interfaces/PackedUserOperation.sol";
import {IEntryPoint} from "account-abstraction/interfaces/IEntryPoint.sol";
import {SmartAccount} from "../../src/account/SmartAccount.sol";
import {ModuleManager} from "../../src/account/base/ModuleManager.sol";
import {ExecutionHelper} from "../../src/account/base/ExecutionHelper.sol";
import {ExecutionLib} from "../../src/account/lib/ExecutionLib.sol";
import {SentinelListLib} from "../../src/account/lib/SentinelList.sol";
import {CallType} from "../../src/account/lib/AccountStorage.sol";
import {Execution, ExecutionMode, IERC7579Account} from "../../src/interfaces/IERC7579Account.sol";
import {MockECDSAValidator} from "./mocks/MockECDSAValidator.sol";
import {
    MockModule,
    MockExecutor,
    MockHook,
    MockFallback,
    MockPreValidationHook,
    MockTarget,
    MockDelegate
} from "./mocks/MockModules.sol";

contract SmartAccountTest is AccountTestBase {
    bytes32 internal constant STORAGE_LOCATION = 0x0bb70095b32b9671358306b0339b4c06e7cbd8cb82505941fba30d1eb5b82f00;

    SmartAccount internal account;
    MockTarget internal target;
    MockECDSAValidator internal validator2;
    address internal owner2;
    uint256 internal owner2Key;

    function setUp() public override {
        super.setUp();
        account = _createAccount(owner, 0);
        target = new MockTarget();
        validator2 = new MockECDSAValidator(0x77390002);
        (owner2, owner2Key) = makeKey("owner2");
    }

    function _types(uint256 a) internal pure returns (uint256[] memory t) {
        t = new uint256[](1);
        t[0] = a;
    }

    function _types(uint256 a, uint256 b) internal pure returns (uint256[] memory t) {
        t = new uint256[](2);
        t[0] = a;
        t[1] = b;
    }

    function _selfCall(bytes memory data) internal {
        _ownerExec(account, _execSingle(address(account), 0, data));
    }

    function _installValidator2() internal {
        _selfCall(abi.encodeCall(SmartAccount.installModule, (1, address(validator2), abi.encodePacked(owner2))));
    }

    // ------------------------------------------------------------------ identity

    function test_identity() public view {
        vm.assertEq(account.accountId(), "biconomy.nexus.1.2.0");
        vm.assertEq(account.entryPoint(), address(entryPoint));
        vm.assertTrue(account.isInitialized());
        vm.assertEq(account.getImplementation(), address(implementation));
        for (uint256 t; t < 12; ++t) {
            bool expected = t <= 4 || t == 8 || t == 9;
            vm.assertEq(account.supportsModule(t), expected);
        }
    }

    function test_eip712Domain() public view {
        (bytes1 fields, string memory name, string memory version, uint256 chainId, address verifying,,) =
            account.eip712Domain();
        vm.assertEq(uint256(uint8(fields)), 0x0f);
        vm.assertEq(name, "Nexus");
        vm.assertEq(version, "1.2.0");
        vm.assertEq(chainId, block.chainid);
        vm.assertEq(verifying, address(account));
    }

    function test_supportsExecutionMode() public view {
        bytes1[3] memory calls = [bytes1(0x00), bytes1(0x01), bytes1(0xff)];
        for (uint256 i; i < 3; ++i) {
            for (uint256 e; e < 2; ++e) {
                bytes32 m = bytes32(calls[i]) | (bytes32(bytes1(uint8(e))) >> 8);
                vm.assertTrue(account.supportsExecutionMode(ExecutionMode.wrap(m)));
            }
            vm.assertFalse(account.supportsExecutionMode(ExecutionMode.wrap(bytes32(calls[i]) | (bytes32(bytes1(0x02)) >> 8))));
        }
        vm.assertFalse(account.supportsExecutionMode(ExecutionMode.wrap(bytes32(bytes1(0xfe)))));
        vm.assertFalse(account.supportsExecutionMode(ExecutionMode.wrap(bytes32(bytes1(0x02)))));
    }

    function test_selectors() public view {
        vm.assertEq(uint32(SmartAccount.validateUserOp.selector), 0x19822f7c);
        vm.assertEq(uint32(SmartAccount.execute.selector), 0xe9ae5c53);
        vm.assertEq(uint32(SmartAccount.executeFromExecutor.selector), 0xd691c964);
        vm.assertEq(uint32(SmartAccount.executeUserOp.selector), 0x8dd7712f);
        vm.assertEq(uint32(SmartAccount.executeComposable.selector), 0xea5a6d91);
        vm.assertEq(uint32(SmartAccount.installModule.selector), 0x9517e29f);
        vm.assertEq(uint32(SmartAccount.uninstallModule.selector), 0xa71763a8);
        vm.assertEq(uint32(SmartAccount.isModuleInstalled.selector), 0x112d3a7d);
        vm.assertEq(uint32(SmartAccount.supportsModule.selector), 0xf2dc691d);
        vm.assertEq(uint32(SmartAccount.supportsExecutionMode.selector), 0xd03c7914);
        vm.assertEq(uint32(SmartAccount.getValidatorsPaginated.selector), 0x5faac46b);
        vm.assertEq(uint32(SmartAccount.getExecutorsPaginated.selector), 0xea5f61d0);
        vm.assertEq(uint32(SmartAccount.getActiveHook.selector), 0x0a664dba);
        vm.assertEq(uint32(SmartAccount.getFallbackHandlerBySelector.selector), 0x481ddd23);
        vm.assertEq(uint32(SmartAccount.initializeAccount.selector), 0x4b6a1419);
        vm.assertEq(uint32(SmartAccount.upgradeToAndCall.selector), 0x4f1ef286);
        vm.assertEq(uint32(SmartAccount.nonce.selector), 0xd86f2b3c);
        vm.assertEq(uint32(SmartAccount.isValidSignature.selector), 0x1626ba7e);
        vm.assertEq(uint32(SmartAccount.checkERC7739Support.selector), 0xb46b61a9);
        vm.assertEq(uint32(account.eip712Domain.selector), 0x84b0196e);
        vm.assertEq(uint32(ExecutionLib.DecodingError.selector), 0xba597e7e);
    }

    function test_nonceAndDeposit() public {
        uint192 key = _nonceKey(address(0), 0x00) | (uint192(0xabcdef) << 168);
        vm.assertEq(account.nonce(key), uint256(key) << 64);
        account.addDeposit{value: 1 ether}();
        vm.assertEq(account.getDeposit(), 1 ether);
        vm.expectRevert(SmartAccount.AccountAccessUnauthorized.selector);
        account.withdrawDepositTo(payable(address(this)), 1);
        _selfCall(abi.encodeCall(SmartAccount.withdrawDepositTo, (payable(address(0xD00D)), 0.5 ether)));
        vm.assertEq(address(0xD00D).balance, 0.5 ether);
    }

    // ------------------------------------------------------------------ storage layout

    function test_validatorListIsFirstStorageMember() public {
        _installValidator2();
        // entries[validator2] (next pointer) = SENTINEL since it was pushed to an empty list
        bytes32 slot = keccak256(abi.encode(address(validator2), STORAGE_LOCATION));
        vm.assertEq(vm.load(address(account), slot), bytes32(uint256(1)));
        // and an off-chain state override of that slot makes any address look installed
        address fake = address(0xFACE);
        vm.assertFalse(account.isModuleInstalled(1, fake, ""));
        vm.store(address(account), keccak256(abi.encode(fake, STORAGE_LOCATION)), bytes32(uint256(1)));
        vm.assertTrue(account.isModuleInstalled(1, fake, ""));
    }

    // ------------------------------------------------------------------ validateUserOp

    function test_validateUserOp_onlyEntryPoint() public {
        PackedUserOperation memory op = _userOp(address(account), 0, "");
        vm.expectRevert(SmartAccount.AccountAccessUnauthorized.selector);
        account.validateUserOp(op, bytes32(0), 0);
    }

    function test_validateUserOp_defaultValidatorAndPrefund() public {
        PackedUserOperation memory op = _userOp(address(account), 0, "");
        bytes32 h = keccak256("op");
        op.signature = signPacked(ownerKey, h);
        uint256 before = address(entryPoint).balance;
        vm.prank(address(entryPoint));
        uint256 vd = account.validateUserOp(op, h, 0.1 ether);
        vm.assertEq(vd, 0);
        vm.assertEq(address(entryPoint).balance - before, 0.1 ether);
        // wrong signer -> SIG_VALIDATION_FAILED, not a revert
        op.signature = signPacked(owner2Key, h);
        vm.prank(address(entryPoint));
        vm.assertEq(account.validateUserOp(op, h, 0), 1);
    }

    function test_validateUserOp_routesByNonceValidator() public {
        _installValidator2();
        // validator2's owner signs; nonce names validator2
        PackedUserOperation memory op = _userOp(
            address(account),
            entryPoint.getNonce(address(account), _nonceKey(address(validator2), 0x00)),
            _execSingle(address(target), 0, abi.encodeCall(MockTarget.set, (5)))
        );
        op.signature = signPacked(owner2Key, entryPoint.getUserOpHash(op));
        _handle(op);
        vm.assertEq(target.value(), 5);
        // default owner's signature with validator2 in the nonce fails validation
        op.nonce = entryPoint.getNonce(address(account), _nonceKey(address(validator2), 0x00));
        op.signature = signPacked(ownerKey, entryPoint.getUserOpHash(op));
        _handleExpectFail(op);
    }

    function test_validateUserOp_validatorNotInstalled() public {
        PackedUserOperation memory op = _userOp(address(account), uint256(_nonceKey(address(validator2), 0x00)) << 64, "");
        vm.prank(address(entryPoint));
        vm.expectRevert(abi.encodeWithSelector(ModuleManager.ValidatorNotInstalled.selector, address(validator2)));
        account.validateUserOp(op, bytes32(0), 0);
    }

    function test_validateUserOp_prepModeOnProxyAccountRejected() public {
        PackedUserOperation memory op = _userOp(address(account), uint256(_nonceKey(address(0), 0x02)) << 64, "");
        vm.prank(address(entryPoint));
        vm.expectRevert(SmartAccount.AccountAlreadyInitialized.selector);
        account.validateUserOp(op, bytes32(0), 0);
    }

    function test_validateUserOp_preValidationHook4337() public {
        MockPreValidationHook h = new MockPreValidationHook(_types(9));
        _selfCall(abi.encodeCall(SmartAccount.installModule, (9, address(h), "")));
        vm.assertTrue(account.isModuleInstalled(9, address(h), ""));
        // the hook replaces the hash with keccak(hash): a signature over the plain hash now fails ...
        PackedUserOperation memory op = _userOp(address(account), 0, "");
        bytes32 hsh = keccak256("x");
        op.signature = signPacked(ownerKey, hsh);
        vm.prank(address(entryPoint));
        vm.assertEq(account.validateUserOp(op, hsh, 0), 1);
        // ... and one over the rewritten hash passes
        op.signature = signPacked(ownerKey, keccak256(abi.encode(hsh)));
        vm.prank(address(entryPoint));
        vm.assertEq(account.validateUserOp(op, hsh, 0), 0);
    }

    // ------------------------------------------------------------------ execute

    function test_execute_onlyEntryPoint() public {
        vm.expectRevert(SmartAccount.AccountAccessUnauthorized.selector);
        account.execute(ExecutionMode.wrap(MODE_SINGLE), abi.encodePacked(address(target), uint256(0), ""));
    }

    function test_execute_single() public {
        _ownerExec(account, _execSingle(address(target), 1 ether, abi.encodeCall(MockTarget.set, (42))));
        vm.assertEq(target.value(), 42);
        vm.assertEq(target.received(), 1 ether);
        vm.assertEq(target.lastCaller(), address(account));
    }

    function test_execute_singleDefault_revertsOnFailure() public {
        vm.prank(address(entryPoint));
        vm.expectRevert(bytes("target failed"));
        account.execute(ExecutionMode.wrap(MODE_SINGLE), abi.encodePacked(address(target), uint256(0), abi.encodeCall(MockTarget.fail, ())));
        vm.prank(address(entryPoint));
        vm.expectRevert(ExecutionHelper.ExecutionFailed.selector);
        account.execute(ExecutionMode.wrap(MODE_SINGLE), abi.encodePacked(address(target), uint256(0), abi.encodeCall(MockTarget.failEmpty, ())));
    }

    function test_execute_singleTry_emitsAndContinues() public {
        bytes memory cd = abi.encodeCall(MockTarget.fail, ());
        vm.expectEmit(address(account));
        emit ExecutionHelper.TryExecuteUnsuccessful(cd, abi.encodeWithSignature("Error(string)", "target failed"));
        vm.prank(address(entryPoint));
        account.execute(ExecutionMode.wrap(MODE_SINGLE_TRY), abi.encodePacked(address(target), uint256(0), cd));
    }

    function _batch3() internal view returns (Execution[] memory ex) {
        ex = new Execution[](3);
        ex[0] = Execution(address(target), 1, abi.encodeCall(MockTarget.set, (1)));
        ex[1] = Execution(address(target), 0, abi.encodeCall(MockTarget.fail, ()));
        ex[2] = Execution(address(target), 2, abi.encodeCall(MockTarget.set, (3)));
    }

    function test_execute_batch() public {
        Execution[] memory ex = _batch3();
        ex[1] = Execution(address(0xCAFE), 5, "");
        _ownerExec(account, abi.encodeCall(SmartAccount.execute, (ExecutionMode.wrap(MODE_BATCH), abi.encode(ex))));
        vm.assertEq(target.value(), 3);
        vm.assertEq(target.received(), 3);
        vm.assertEq(address(0xCAFE).balance, 5);
    }

    function test_execute_batchDefault_revertsWhole() public {
        vm.prank(address(entryPoint));
        vm.expectRevert(bytes("target failed"));
        account.execute(ExecutionMode.wrap(MODE_BATCH), abi.encode(_batch3()));
    }

    function test_execute_batchTry_continues() public {
        vm.prank(address(entryPoint));
        account.execute(ExecutionMode.wrap(MODE_BATCH_TRY), abi.encode(_batch3()));
        vm.assertEq(target.value(), 3);
        vm.assertEq(target.received(), 3);
    }

    function test_execute_emptyBatch() public {
        vm.prank(address(entryPoint));
        account.execute(ExecutionMode.wrap(MODE_BATCH), abi.encode(new Execution[](0)));
    }

    function test_execute_delegatecall() public {
        MockDelegate d = new MockDelegate();
        bytes32 slot = keccak256("marker");
        vm.prank(address(entryPoint));
        account.execute(ExecutionMode.wrap(MODE_DELEGATE), abi.encodePacked(address(d), abi.encodeCall(MockDelegate.mark, (slot, bytes32(uint256(7))))));
        vm.assertEq(vm.load(address(account), slot), bytes32(uint256(7)));

        vm.prank(address(entryPoint));
        vm.expectRevert(bytes("delegate failed"));
        account.execute(ExecutionMode.wrap(MODE_DELEGATE), abi.encodePacked(address(d), abi.encodeCall(MockDelegate.fail, ())));

        bytes memory cd = abi.encodeCall(MockDelegate.fail, ());
        vm.expectEmit(address(account));
        emit ExecutionHelper.TryDelegateCallUnsuccessful(cd, abi.encodeWithSignature("Error(string)", "delegate failed"));
        vm.prank(address(entryPoint));
        account.execute(ExecutionMode.wrap(MODE_DELEGATE_TRY), abi.encodePacked(address(d), cd));
    }

    function test_execute_unsupportedModes() public {
        vm.prank(address(entryPoint));
        vm.expectRevert(abi.encodeWithSelector(ExecutionHelper.UnsupportedCallType.selector, bytes1(0xfe)));
        account.execute(ExecutionMode.wrap(bytes32(bytes1(0xfe))), abi.encodePacked(address(target), uint256(0)));
        vm.prank(address(entryPoint));
        vm.expectRevert(abi.encodeWithSelector(ExecutionHelper.UnsupportedExecType.selector, bytes1(0x02)));
        account.execute(ExecutionMode.wrap(bytes32(bytes2(0x0002))), abi.encodePacked(address(target), uint256(0)));
        vm.prank(address(entryPoint));
        vm.expectRevert(ExecutionLib.DecodingError.selector);
        account.execute(ExecutionMode.wrap(MODE_SINGLE), abi.encodePacked(address(target)));
    }

    function test_executeUserOp() public {
        bytes memory inner = _execSingle(address(target), 0, abi.encodeCall(MockTarget.set, (77)));
        bytes memory cd = abi.encodePacked(SmartAccount.executeUserOp.selector, inner);
        _ownerExec(account, cd);
        vm.assertEq(target.value(), 77);
        vm.assertEq(target.lastCaller(), address(account));
        vm.expectRevert(SmartAccount.AccountAccessUnauthorized.selector);
        account.executeUserOp(_userOp(address(account), 0, cd), bytes32(0));
    }

    // ------------------------------------------------------------------ executors

    function test_executeFromExecutor() public {
        MockExecutor ex = new MockExecutor(_types(2));
        vm.expectRevert(abi.encodeWithSelector(ModuleManager.InvalidModule.selector, address(ex)));
        ex.run(address(account), MODE_SINGLE, abi.encodePacked(address(target), uint256(0), abi.encodeCall(MockTarget.set, (1))));

        _selfCall(abi.encodeCall(SmartAccount.installModule, (2, address(ex), hex"1234")));
        vm.assertTrue(account.isModuleInstalled(2, address(ex), ""));
        vm.assertEq(ex.lastInstallData(address(account)), hex"1234");

        bytes[] memory r = ex.run(address(account), MODE_SINGLE, abi.encodePacked(address(target), uint256(0), abi.encodeCall(MockTarget.set, (21))));
        vm.assertEq(r.length, 1);
        vm.assertEq(abi.decode(r[0], (uint256)), 42);

        r = ex.run(address(account), MODE_BATCH_TRY, abi.encode(_batch3()));
        vm.assertEq(r.length, 3);
        vm.assertEq(abi.decode(r[2], (uint256)), 6);
        vm.assertEq(r[1], abi.encodeWithSignature("Error(string)", "target failed"));

        (address[] memory list, address next) = account.getExecutorsPaginated(address(1), 10);
        vm.assertEq(list.length, 1);
        vm.assertEq(list[0], address(ex));
        vm.assertEq(next, address(1));

        _selfCall(abi.encodeCall(SmartAccount.uninstallModule, (2, address(ex), abi.encode(address(1), hex"99"))));
        vm.assertFalse(account.isModuleInstalled(2, address(ex), ""));
        vm.assertEq(ex.lastUninstallData(address(account)), hex"99");
    }

    // ------------------------------------------------------------------ validators

    function test_installValidator_rules() public {
        vm.expectRevert(SmartAccount.AccountAccessUnauthorized.selector);
        account.installModule(1, address(validator2), abi.encodePacked(owner2));

        vm.startPrank(address(account));
        vm.expectRevert(ModuleManager.DefaultValidatorAlreadyInstalled.selector);
        account.installModule(1, address(defaultValidator), abi.encodePacked(owner2));
        vm.expectRevert(ModuleManager.ModuleAddressCanNotBeZero.selector);
        account.installModule(1, address(0), "");
        MockModule notValidator = new MockModule(_types(2));
        vm.expectRevert(ModuleManager.MismatchModuleTypeId.selector);
        account.installModule(1, address(notValidator), "");
        vm.expectRevert(abi.encodeWithSelector(ModuleManager.InvalidModuleTypeId.selector, 5));
        account.installModule(5, address(validator2), "");

        vm.expectEmit(address(account));
        emit IERC7579Account.ModuleInstalled(1, address(validator2));
        account.installModule(1, address(validator2), abi.encodePacked(owner2));
        vm.expectRevert(abi.encodeWithSelector(SentinelListLib.LinkedList_EntryAlreadyInList.selector, address(validator2)));
        account.installModule(1, address(validator2), abi.encodePacked(owner2));
        vm.stopPrank();
        vm.assertEq(validator2.owners(address(account)), owner2);
    }

    function test_uninstallValidator_sentinelPrev() public {
        MockECDSAValidator v3 = new MockECDSAValidator(0);
        vm.startPrank(address(account));
        account.installModule(1, address(validator2), abi.encodePacked(owner2));
        account.installModule(1, address(v3), abi.encodePacked(owner2));
        (address[] memory list,) = account.getValidatorsPaginated(address(1), 10);
        vm.assertEq(list.length, 2);
        vm.assertEq(list[0], address(v3)); // inserted at the head
        vm.assertEq(list[1], address(validator2));
        // pagination
        (address[] memory page, address next) = account.getValidatorsPaginated(address(1), 1);
        vm.assertEq(page.length, 1);
        vm.assertEq(next, address(v3));
        (page, next) = account.getValidatorsPaginated(next, 1);
        vm.assertEq(page[0], address(validator2));
        vm.assertEq(next, address(1));
        // wrong prev
        vm.expectRevert(abi.encodeWithSelector(SentinelListLib.LinkedList_InvalidEntry.selector, address(1)));
        account.uninstallModule(1, address(validator2), abi.encode(address(1), ""));
        account.uninstallModule(1, address(validator2), abi.encode(address(v3), ""));
        vm.assertFalse(account.isModuleInstalled(1, address(validator2), ""));
        vm.assertEq(validator2.owners(address(account)), address(0));
        vm.expectRevert(abi.encodeWithSelector(SmartAccount.ModuleNotInstalled.selector, 1, address(validator2)));
        account.uninstallModule(1, address(validator2), abi.encode(address(1), ""));
        vm.stopPrank();
    }

    /// Pashov 2025-03 "user can remove all validators": with the default validator uninitialized,
    /// the last initialized validator cannot be removed.
    function test_regression_Pashov_CanNotRemoveLastValidator() public {
        _installValidator2();
        // make the default validator uninitialized for this account
        _selfCall(abi.encodeCall(SmartAccount.execute, (ExecutionMode.wrap(MODE_SINGLE), "")));
        vm.prank(address(account));
        defaultValidator.onUninstall("");
        vm.assertFalse(defaultValidator.isInitialized(address(account)));
        vm.prank(address(account));
        vm.expectRevert(SmartAccount.CanNotRemoveLastValidator.selector);
        account.uninstallModule(1, address(validator2), abi.encode(address(1), ""));
        // with the default validator initialized again, removal is allowed
        vm.prank(address(account));
        defaultValidator.onInstall(abi.encodePacked(owner));
        vm.prank(address(account));
        account.uninstallModule(1, address(validator2), abi.encode(address(1), ""));
    }

    // ------------------------------------------------------------------ hooks

    function test_hook_wrapsExecution() public {
        MockHook hook = new MockHook(_types(4));
        _selfCall(abi.encodeCall(SmartAccount.installModule, (4, address(hook), "")));
        vm.assertEq(account.getActiveHook(), address(hook));
        vm.assertTrue(account.isModuleInstalled(4, address(hook), ""));
        MockHook other = new MockHook(_types(4));
        vm.prank(address(account));
        vm.expectRevert(abi.encodeWithSelector(ModuleManager.HookAlreadyInstalled.selector, address(hook)));
        account.installModule(4, address(other), "");

        uint256 pre = hook.preChecks();
        _ownerExec(account, _execSingle(address(target), 0, abi.encodeCall(MockTarget.set, (9))));
        vm.assertEq(hook.preChecks(), pre + 1);
        vm.assertEq(hook.postChecks(), hook.preChecks());
        vm.assertEq(hook.lastSender(), address(entryPoint));

        // a failing postCheck reverts the execution
        hook.setRevertPost(true);
        vm.prank(address(entryPoint));
        vm.expectRevert(bytes("post"));
        account.execute(ExecutionMode.wrap(MODE_SINGLE), abi.encodePacked(address(target), uint256(0), abi.encodeCall(MockTarget.set, (10))));
        hook.setRevertPost(false);

        // two hooked calls in one transaction are both hooked
        pre = hook.preChecks();
        vm.startPrank(address(entryPoint));
        account.execute(ExecutionMode.wrap(MODE_SINGLE), abi.encodePacked(address(target), uint256(0), abi.encodeCall(MockTarget.set, (1))));
        account.execute(ExecutionMode.wrap(MODE_SINGLE), abi.encodePacked(address(target), uint256(0), abi.encodeCall(MockTarget.set, (2))));
        vm.stopPrank();
        vm.assertEq(hook.preChecks(), pre + 2);

        _selfCall(abi.encodeCall(SmartAccount.uninstallModule, (4, address(hook), "")));
        vm.assertEq(account.getActiveHook(), address(0));
    }

    function test_uninstall_ignoresRevertingOnUninstall() public {
        MockExecutor ex = new MockExecutor(_types(2));
        vm.startPrank(address(account));
        account.installModule(2, address(ex), "");
        ex.setRevertOnUninstall(true);
        account.uninstallModule(2, address(ex), abi.encode(address(1), ""));
        vm.stopPrank();
        vm.assertFalse(account.isModuleInstalled(2, address(ex), ""));
    }

    // ------------------------------------------------------------------ multi-type and pre-validation hooks

    function test_multiTypeInstall() public {
        MockModule m = new MockModule(_types(2, 3));
        bytes[] memory datas = new bytes[](2);
        datas[0] = hex"aa";
        datas[1] = abi.encodePacked(bytes4(0x11223344), bytes1(0x00), hex"bb");
        vm.prank(address(account));
        account.installModule(0, address(m), abi.encode(_types(2, 3), datas));
        vm.assertTrue(account.isModuleInstalled(2, address(m), ""));
        vm.assertTrue(account.isModuleInstalled(3, address(m), abi.encodePacked(bytes4(0x11223344))));

        bytes[] memory one = new bytes[](1);
        vm.prank(address(account));
        vm.expectRevert(ModuleManager.InvalidInput.selector);
        account.installModule(0, address(m), abi.encode(_types(2, 3), one));
        vm.prank(address(account));
        vm.expectRevert(ModuleManager.InvalidInput.selector);
        account.installModule(0, address(m), hex"00");
    }

    function test_preValidationHooks_installRules() public {
        MockPreValidationHook h = new MockPreValidationHook(_types(8, 9));
        vm.startPrank(address(account));
        account.installModule(8, address(h), "");
        account.installModule(9, address(h), "");
        MockPreValidationHook h2 = new MockPreValidationHook(_types(8));
        vm.expectRevert(abi.encodeWithSelector(ModuleManager.PrevalidationHookAlreadyInstalled.selector, address(h)));
        account.installModule(8, address(h2), "");
        account.uninstallModule(8, address(h), "");
        vm.assertFalse(account.isModuleInstalled(8, address(h), ""));
        vm.assertTrue(account.isModuleInstalled(9, address(h), ""));
        account.installModule(8, address(h2), "");
        vm.stopPrank();
    }

    // ------------------------------------------------------------------ fallbacks

    function test_fallback_routesWithSenderAppended() public {
        MockFallback fb = new MockFallback(_types(3));
        MockHook hook = new MockHook(_types(4));
        vm.startPrank(address(account));
        account.installModule(3, address(fb), abi.encodePacked(MockFallback.whoCalled.selector, bytes1(0xFE), hex"01"));
        account.installModule(3, address(fb), abi.encodePacked(MockFallback.poke.selector, bytes1(0x00)));
        account.installModule(3, address(fb), abi.encodePacked(MockFallback.boom.selector, bytes1(0x00)));
        account.installModule(4, address(hook), "");
        vm.stopPrank();
        (CallType ct, address h) = account.getFallbackHandlerBySelector(MockFallback.whoCalled.selector);
        vm.assertEq(h, address(fb));
        vm.assertEq(uint256(uint8(CallType.unwrap(ct))), 0xFE);

        address caller = address(0x1234);
        vm.prank(caller);
        (address acct, address sender) = MockFallback(address(account)).whoCalled();
        vm.assertEq(acct, address(account));
        vm.assertEq(sender, caller);

        uint256 pre = hook.preChecks();
        vm.deal(caller, 1 ether);
        vm.prank(caller);
        uint256 r = MockFallback(address(account)).poke{value: 3}(41);
        vm.assertEq(r, 42);
        vm.assertEq(address(fb).balance, 3);
        // Cantina "fallback skips hook postCheck": both sides of the hook ran
        vm.assertEq(hook.preChecks(), pre + 1);
        vm.assertEq(hook.postChecks(), hook.preChecks());

        vm.expectRevert(bytes("boom"));
        MockFallback(address(account)).boom();
    }

    function test_fallback_installRules() public {
        MockFallback fb = new MockFallback(_types(3));
        vm.startPrank(address(account));
        vm.expectRevert(ModuleManager.FallbackCallTypeInvalid.selector);
        account.installModule(3, address(fb), abi.encodePacked(bytes4(0x12345678), bytes1(0x01)));
        vm.expectRevert(ModuleManager.InvalidInput.selector);
        account.installModule(3, address(fb), abi.encodePacked(bytes4(0x12345678)));
        account.installModule(3, address(fb), abi.encodePacked(bytes4(0x12345678), bytes1(0x00)));
        vm.expectRevert(abi.encodeWithSelector(ModuleManager.FallbackAlreadyInstalledForSelector.selector, bytes4(0x12345678)));
        account.installModule(3, address(fb), abi.encodePacked(bytes4(0x12345678), bytes1(0x00)));
        vm.assertTrue(account.isModuleInstalled(3, address(fb), abi.encodePacked(bytes4(0x12345678))));
        vm.assertFalse(account.isModuleInstalled(3, address(fb), abi.encodePacked(bytes4(0x12345679))));
        account.uninstallModule(3, address(fb), abi.encodePacked(bytes4(0x12345678), hex"77"));
        vm.assertEq(fb.lastUninstallData(address(account)), hex"77");
        vm.stopPrank();
        vm.assertFalse(account.isModuleInstalled(3, address(fb), abi.encodePacked(bytes4(0x12345678))));
        vm.expectRevert(abi.encodeWithSelector(SmartAccount.MissingFallbackHandler.selector, bytes4(0x12345678)));
        (bool ok, bytes memory ret) = address(account).call(abi.encodePacked(bytes4(0x12345678)));
        ok;
        ret;
    }

    /// CodeHawks 2024-09 / Cantina "fallback callable by anyone": the selectors that would let any
    /// caller re-initialise or uninstall a module through the fallback cannot be routed.
    function test_regression_CodeHawks_fallbackForbiddenSelectors() public {
        MockFallback fb = new MockFallback(_types(3));
        bytes4[3] memory forbidden = [bytes4(0x6d61fe70), bytes4(0x8a91b0e3), bytes4(0)];
        vm.startPrank(address(account));
        for (uint256 i; i < 3; ++i) {
            vm.expectRevert(ModuleManager.FallbackSelectorForbidden.selector);
            account.installModule(3, address(fb), abi.encodePacked(forbidden[i], bytes1(0x00)));
        }
        vm.stopPrank();
    }

    function test_fallback_tokenReceivers() public {
        bytes4[3] memory sels = [bytes4(0x150b7a02), bytes4(0xf23a6e61), bytes4(0xbc197c81)];
        for (uint256 i; i < 3; ++i) {
            (bool ok, bytes memory ret) = address(account).call(abi.encodePacked(sels[i], bytes32(0), bytes32(0)));
            vm.assertTrue(ok);
            vm.assertEq(abi.decode(ret, (bytes4)), sels[i]);
        }
        (bool ok2,) = address(account).call{value: 1}("");
        vm.assertTrue(ok2);
    }

    // ------------------------------------------------------------------ ERC-1271

    function test_isValidSignature_defaultValidator() public view {
        bytes32 h = keccak256("msg");
        bytes memory sig = abi.encodePacked(address(0), signPacked(ownerKey, h));
        vm.assertEq(uint32(account.isValidSignature(h, sig)), 0x1626ba7e);
        sig = abi.encodePacked(address(0), signPacked(owner2Key, h));
        vm.assertEq(uint32(account.isValidSignature(h, sig)), 0xffffffff);
    }

    function test_isValidSignature_routesByPrefix() public {
        _installValidator2();
        bytes32 h = keccak256("msg");
        vm.assertEq(uint32(account.isValidSignature(h, abi.encodePacked(address(validator2), signPacked(owner2Key, h)))), 0x1626ba7e);
        // owner2's signature routed to the default validator is invalid and vice versa
        vm.assertEq(uint32(account.isValidSignature(h, abi.encodePacked(address(0), signPacked(owner2Key, h)))), 0xffffffff);
        vm.assertEq(uint32(account.isValidSignature(h, abi.encodePacked(address(validator2), signPacked(ownerKey, h)))), 0xffffffff);
    }

    function test_isValidSignature_7739Detection() public {
        bytes32 probe = 0x7739773977397739773977397739773977397739773977397739773977397739;
        vm.assertEq(uint32(account.isValidSignature(probe, "")), 0x77390001);
        _installValidator2(); // reports 0x77390002: the highest wins
        vm.assertEq(uint32(account.isValidSignature(probe, "")), 0x77390002);
        // a validator reporting nothing does not lower the result
        MockECDSAValidator v0 = new MockECDSAValidator(0);
        vm.prank(address(account));
        account.installModule(1, address(v0), abi.encodePacked(owner2));
        vm.assertEq(uint32(account.isValidSignature(probe, "")), 0x77390002);
        // an empty signature on any other hash is just invalid
        vm.assertEq(uint32(account.isValidSignature(keccak256("x"), "")), 0xffffffff);
    }

    function test_isValidSignature_preValidationHook1271() public {
        MockPreValidationHook h = new MockPreValidationHook(_types(8));
        vm.prank(address(account));
        account.installModule(8, address(h), "");
        bytes32 hsh = keccak256("msg");
        vm.assertEq(uint32(account.isValidSignature(hsh, abi.encodePacked(address(0), signPacked(ownerKey, hsh)))), 0xffffffff);
        vm.assertEq(
            uint32(account.isValidSignature(hsh, abi.encodePacked(address(0), signPacked(ownerKey, keccak256(abi.encode(hsh)))))),
            0x1626ba7e
        );
    }

    /// Zenith (MEE) "signature prefix collisions": a signature whose 20-byte prefix names an address
    /// that is not an installed validator is refused, never handed to the default validator.
    function test_regression_Zenith_prefixCollisionNotRoutedToDefault() public {
        bytes32 h = keccak256("msg");
        bytes memory inner = signPacked(ownerKey, h);
        address bogus = address(bytes20(inner)); // the prefix a raw ECDSA signature would be read as
        vm.expectRevert(abi.encodeWithSelector(ModuleManager.ValidatorNotInstalled.selector, bogus));
        account.isValidSignature(h, inner);
    }

    /// "short signatures": fewer than 20 bytes cannot carry a validator prefix; they are invalid
    /// (no out-of-range read, no routing).
    function test_regression_shortSignatures(uint8 len) public view {
        len = uint8(bound(len, 1, 19));
        bytes memory sig = new bytes(len);
        vm.assertEq(uint32(account.isValidSignature(keccak256("msg"), sig)), 0xffffffff);
    }

    // ------------------------------------------------------------------ initialization and upgrades

    function test_initializeAccount_onlyInProxyConstructorOrSelf() public {
        bytes memory data = _initData(owner2);
        vm.expectRevert(SmartAccount.NotInitializable.selector);
        account.initializeAccount(data);
        // direct call on the implementation is refused too
        vm.expectRevert(SmartAccount.NotInitializable.selector);
        implementation.initializeAccount(data);
    }

    function test_initializeAccount_selfCallReinitialises() public {
        // a self-call may run a bootstrap (here: install validator2 through the bootstrap)
        bytes memory data = abi.encode(
            address(bootstrap),
            abi.encodeWithSignature("initNexusWithSingleValidatorNoRegistry(address,bytes)", address(validator2), abi.encodePacked(owner2))
        );
        _selfCall(abi.encodeCall(SmartAccount.initializeAccount, (data)));
        vm.assertTrue(account.isModuleInstalled(1, address(validator2), ""));
        vm.assertEq(validator2.owners(address(account)), owner2);
    }

    function test_upgradeToAndCall() public {
        SmartAccount impl2 = new SmartAccount(address(entryPoint), address(defaultValidator), IMPL_INIT_DATA);
        vm.expectRevert(SmartAccount.AccountAccessUnauthorized.selector);
        account.upgradeToAndCall(address(impl2), "");
        vm.startPrank(address(account));
        vm.expectRevert(SmartAccount.InvalidImplementationAddress.selector);
        account.upgradeToAndCall(address(0xdead), "");
        // another account (a proxy) is not a valid implementation
        SmartAccount other = _createAccount(owner2, 0);
        vm.expectRevert(SmartAccount.InvalidImplementationAddress.selector);
        account.upgradeToAndCall(address(other), "");
        vm.expectEmit(address(account));
        emit SmartAccount.Upgraded(address(impl2));
        account.upgradeToAndCall(address(impl2), abi.encodeCall(SmartAccount.installModule, (1, address(validator2), abi.encodePacked(owner2))));
        vm.stopPrank();
        vm.assertEq(account.getImplementation(), address(impl2));
        vm.assertTrue(account.isModuleInstalled(1, address(validator2), ""));
        // still works as an account
        _ownerExec(account, _execSingle(address(target), 0, abi.encodeCall(MockTarget.set, (8))));
        vm.assertEq(target.value(), 8);
        vm.expectRevert(SmartAccount.UnauthorizedCallContext.selector);
        account.proxiableUUID();
        vm.assertEq(impl2.proxiableUUID(), 0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc);
    }

    function test_installModuleDirectlyAsUserOpCallData() public {
        // the SDK sends installModule(...) as the userOp's callData (EntryPoint is the caller)
        _ownerExec(account, abi.encodeCall(SmartAccount.installModule, (1, address(validator2), abi.encodePacked(owner2))));
        vm.assertTrue(account.isModuleInstalled(1, address(validator2), ""));
        _ownerExec(account, abi.encodeCall(SmartAccount.uninstallModule, (1, address(validator2), abi.encode(address(1), ""))));
        vm.assertFalse(account.isModuleInstalled(1, address(validator2), ""));
    }

    function test_executeFromExecutor_delegatecallAndHook() public {
        MockExecutor ex = new MockExecutor(_types(2));
        MockHook hook = new MockHook(_types(4));
        vm.startPrank(address(account));
        account.installModule(2, address(ex), "");
        account.installModule(4, address(hook), "");
        vm.stopPrank();
        MockDelegate d = new MockDelegate();
        bytes32 slot = keccak256("exec-marker");
        uint256 pre = hook.preChecks();
        bytes[] memory r = ex.run(address(account), MODE_DELEGATE, abi.encodePacked(address(d), abi.encodeCall(MockDelegate.mark, (slot, bytes32(uint256(5))))));
        vm.assertEq(r.length, 1);
        vm.assertEq(vm.load(address(account), slot), bytes32(uint256(5)));
        vm.assertEq(hook.preChecks(), pre + 1);
        vm.assertEq(hook.lastSender(), address(ex));
        vm.assertEq(hook.postChecks(), hook.preChecks());
    }

    function test_zeroAddressIsNeverInstalled() public {
        for (uint256 t; t < 10; ++t) vm.assertFalse(account.isModuleInstalled(t, address(0), abi.encodePacked(bytes4(0))));
        vm.prank(address(account));
        vm.expectRevert(abi.encodeWithSelector(SmartAccount.ModuleNotInstalled.selector, 4, address(0)));
        account.uninstallModule(4, address(0), "");
    }
}
