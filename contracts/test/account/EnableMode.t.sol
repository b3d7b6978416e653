// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {AccountTestBase} from "./AccountTestBase.sol";
import {PackedUserOperation} from "account-abstraction/interfaces/PackedUserOperation.sol";
import {SmartAccount} from "../../src/account/SmartAccount.sol";
import {ModuleManager} from "../../src/account/base/ModuleManager.sol";
import {IERC7579Account, ExecutionMode} from "../../src/interfaces/IERC7579Account.sol";
import {MockECDSAValidator} from "./mocks/MockECDSAValidator.sol";
import {MockHook, MockModule, MockTarget} from "./mocks/MockModules.sol";

/// @notice Module-enable mode (nonce mode 0x01): install a module inside validation, authorised by
/// the owner's EIP-712 ModuleEnableMode signature, and the audit findings around it.
contract EnableModeTest is AccountTestBase {
    bytes32 internal constant TYPEHASH =
        keccak256("ModuleEnableMode(address module,uint256 moduleType,bytes32 userOpHash,bytes initData)");

    SmartAccount internal account;
    MockECDSAValidator internal validator2;
    MockTarget internal target;
    address internal owner2;
    uint256 internal owner2Key;

    function setUp() public override {
        super.setUp();
        account = _createAccount(owner, 0);
        validator2 = new MockECDSAValidator(0);
        target = new MockTarget();
        (owner2, owner2Key) = makeKey("owner2");
    }

    function _digest(address acct, bytes32 structHash) internal view returns (bytes32) {
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("Nexus"),
                keccak256("1.2.0"),
                block.chainid,
                acct
            )
        );
        return keccak256(abi.encodePacked("\x19\x01", domain, structHash));
    }

    function _enableSig(address acct, address module, uint256 moduleType, bytes32 userOpHash, bytes memory initData, uint256 key)
        internal
        view
        returns (bytes memory)
    {
        bytes32 structHash = keccak256(abi.encode(TYPEHASH, module, moduleType, userOpHash, keccak256(initData)));
        return abi.encodePacked(address(0), signPacked(key, _digest(acct, structHash)));
    }

    function _pack(address module, uint256 moduleType, bytes memory initData, bytes memory enableSig, bytes memory opSig)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encodePacked(
            module, moduleType, uint32(initData.length), initData, uint32(enableSig.length), enableSig, opSig
        );
    }

    /// @dev A userOp validated by validator2 (named in the nonce) that validator2's enable installs first.
    function _enableOp(SmartAccount acct, uint256 callArg)
        internal
        view
        returns (PackedUserOperation memory op, bytes32 userOpHash)
    {
        uint256 n = entryPoint.getNonce(address(acct), _nonceKey(address(validator2), 0x01));
        op = _userOp(address(acct), n, _execSingle(address(target), 0, abi.encodeCall(MockTarget.set, (callArg))));
        userOpHash = entryPoint.getUserOpHash(op);
    }

    function test_enableMode_happyPath() public {
        (PackedUserOperation memory op, bytes32 h) = _enableOp(account, 5);
        bytes memory initData = abi.encodePacked(owner2);
        op.signature = _pack(
            address(validator2), 1, initData, _enableSig(address(account), address(validator2), 1, h, initData, ownerKey), signPacked(owner2Key, h)
        );
        vm.expectEmit(address(account));
        emit IERC7579Account.ModuleInstalled(1, address(validator2));
        _handle(op);
        vm.assertTrue(account.isModuleInstalled(1, address(validator2), ""));
        vm.assertEq(validator2.owners(address(account)), owner2);
        vm.assertEq(target.value(), 5);
    }

    function test_enableMode_wrongSignerRejected() public {
        (PackedUserOperation memory op, bytes32 h) = _enableOp(account, 5);
        bytes memory initData = abi.encodePacked(owner2);
        op.signature = _pack(
            address(validator2), 1, initData, _enableSig(address(account), address(validator2), 1, h, initData, owner2Key), signPacked(owner2Key, h)
        );
        _handleExpectFail(op);
        vm.prank(address(entryPoint));
        vm.expectRevert(SmartAccount.EnableModeSigError.selector);
        account.validateUserOp(op, h, 0);
        vm.assertFalse(account.isModuleInstalled(1, address(validator2), ""));
    }

    /// Nexus Cantina / CodeHawks H-04 "enable-mode signature replayable": the enable signature is bound
    /// to the userOpHash (sender, nonce, chain, EntryPoint), so it cannot be reused by a later op —
    /// not even after the module was uninstalled again.
    function test_regression_Cantina_enableSigReplayAfterUninstall() public {
        (PackedUserOperation memory op, bytes32 h) = _enableOp(account, 5);
        bytes memory initData = abi.encodePacked(owner2);
        bytes memory enableSig = _enableSig(address(account), address(validator2), 1, h, initData, ownerKey);
        op.signature = _pack(address(validator2), 1, initData, enableSig, signPacked(owner2Key, h));
        _handle(op);
        // uninstall it again
        _ownerExec(account, _execSingle(address(account), 0, abi.encodeCall(SmartAccount.uninstallModule, (1, address(validator2), abi.encode(address(1), "")))));
        vm.assertFalse(account.isModuleInstalled(1, address(validator2), ""));
        // replay the same enable payload in the next op
        (PackedUserOperation memory op2, bytes32 h2) = _enableOp(account, 6);
        op2.signature = _pack(address(validator2), 1, initData, enableSig, signPacked(owner2Key, h2));
        _handleExpectFail(op2);
        vm.assertFalse(account.isModuleInstalled(1, address(validator2), ""));
        vm.assertEq(target.value(), 5);
    }

    /// Cantina "replayable on another account": the same owner's second account rejects it.
    function test_regression_Cantina_enableSigReplayOtherAccount() public {
        SmartAccount other = _createAccount(owner, 1);
        (PackedUserOperation memory op, bytes32 h) = _enableOp(account, 5);
        bytes memory initData = abi.encodePacked(owner2);
        bytes memory enableSig = _enableSig(address(account), address(validator2), 1, h, initData, ownerKey);
        (PackedUserOperation memory opOther, bytes32 hOther) = _enableOp(other, 5);
        opOther.signature = _pack(address(validator2), 1, initData, enableSig, signPacked(owner2Key, hOther));
        _handleExpectFail(opOther);
        vm.assertFalse(other.isModuleInstalled(1, address(validator2), ""));
        h; op;
    }

    /// Cantina "replayable on another chain": the userOpHash and the EIP-712 domain carry the chain id.
    function test_regression_Cantina_enableSigReplayOtherChain() public {
        (PackedUserOperation memory op, bytes32 h) = _enableOp(account, 5);
        bytes memory initData = abi.encodePacked(owner2);
        bytes memory enableSig = _enableSig(address(account), address(validator2), 1, h, initData, ownerKey);
        vm.chainId(block.chainid + 1);
        bytes32 hOther = entryPoint.getUserOpHash(op);
        op.signature = _pack(address(validator2), 1, initData, enableSig, signPacked(owner2Key, hOther));
        _handleExpectFail(op);
    }

    /// CodeHawks / Cantina "enable sig ignores module type": the signed type is enforced.
    function test_regression_CodeHawks_enableSigBindsModuleType() public {
        (PackedUserOperation memory op, bytes32 h) = _enableOp(account, 5);
        bytes memory initData = abi.encodePacked(owner2);
        // signed as type 2 (executor), submitted as type 1
        op.signature = _pack(
            address(validator2), 1, initData, _enableSig(address(account), address(validator2), 2, h, initData, ownerKey), signPacked(owner2Key, h)
        );
        vm.prank(address(entryPoint));
        vm.expectRevert(SmartAccount.EnableModeSigError.selector);
        account.validateUserOp(op, h, 0);
    }

    /// CodeHawks "missing nonce in the enable-mode hash ⇒ replay": the enable signature covers the
    /// userOpHash, which covers the full nonce, so the same enable payload under another nonce key of the
    /// same account (a parallel nonce lane, same sequence number) is rejected.
    function test_regression_CodeHawks_enableSigBoundToNonce() public {
        (PackedUserOperation memory op, bytes32 h) = _enableOp(account, 5);
        bytes memory initData = abi.encodePacked(owner2);
        bytes memory enableSig = _enableSig(address(account), address(validator2), 1, h, initData, ownerKey);
        // the same op on another lane: only the free 3-byte key in front of the mode byte differs
        op.nonce = entryPoint.getNonce(address(account), uint192(_nonceKey(address(validator2), 0x01)) | (uint192(1) << 168));
        bytes32 h2 = entryPoint.getUserOpHash(op);
        vm.assertNotEq(h2, h);
        op.signature = _pack(address(validator2), 1, initData, enableSig, signPacked(owner2Key, h2));
        vm.prank(address(entryPoint));
        vm.expectRevert(SmartAccount.EnableModeSigError.selector);
        account.validateUserOp(op, h2, 0);
        _handleExpectFail(op);
        vm.assertFalse(account.isModuleInstalled(1, address(validator2), ""));
    }

    /// Nexus Cantina "enable sig ignores module type", the escalation direction: a module that is both
    /// a validator and an executor, approved by the owner as a validator, cannot be enabled as an
    /// executor (which could then run arbitrary calls) with that approval.
    function test_regression_Cantina_enableSigIgnoresModuleType() public {
        uint256[] memory t = new uint256[](2);
        t[0] = 1;
        t[1] = 2;
        MockModule dual = new MockModule(t);
        uint256 n = entryPoint.getNonce(address(account), _nonceKey(address(0), 0x01));
        PackedUserOperation memory op = _userOp(address(account), n, _execSingle(address(target), 0, abi.encodeCall(MockTarget.set, (3))));
        bytes32 h = entryPoint.getUserOpHash(op);
        bytes memory approvedAsValidator = _enableSig(address(account), address(dual), 1, h, "", ownerKey);
        op.signature = _pack(address(dual), 2, "", approvedAsValidator, signPacked(ownerKey, h));
        vm.prank(address(entryPoint));
        vm.expectRevert(SmartAccount.EnableModeSigError.selector);
        account.validateUserOp(op, h, 0);
        _handleExpectFail(op);
        vm.assertFalse(account.isModuleInstalled(2, address(dual), ""));
        // as approved (validator) it goes through, and it is not an executor
        op.signature = _pack(address(dual), 1, "", approvedAsValidator, signPacked(ownerKey, h));
        _handle(op);
        vm.assertTrue(account.isModuleInstalled(1, address(dual), ""));
        vm.assertFalse(account.isModuleInstalled(2, address(dual), ""));
        vm.assertEq(target.value(), 3);
    }

    function test_enableSigBindsInitData() public {
        (PackedUserOperation memory op, bytes32 h) = _enableOp(account, 5);
        bytes memory signedInit = abi.encodePacked(owner2);
        bytes memory attackerInit = abi.encodePacked(address(0xBAD));
        op.signature = _pack(
            address(validator2), 1, attackerInit, _enableSig(address(account), address(validator2), 1, h, signedInit, ownerKey), signPacked(owner2Key, h)
        );
        vm.prank(address(entryPoint));
        vm.expectRevert(SmartAccount.EnableModeSigError.selector);
        account.validateUserOp(op, h, 0);
    }

    /// Pashov 2025-03 "hook bypass via enable mode": installing through enable mode runs the hook.
    function test_regression_Pashov_enableModeRunsHook() public {
        uint256[] memory t = new uint256[](1);
        t[0] = 4;
        MockHook hook = new MockHook(t);
        _ownerExec(account, _execSingle(address(account), 0, abi.encodeCall(SmartAccount.installModule, (4, address(hook), ""))));
        uint256 before = hook.preChecks();
        (PackedUserOperation memory op, bytes32 h) = _enableOp(account, 5);
        bytes memory initData = abi.encodePacked(owner2);
        op.signature = _pack(
            address(validator2), 1, initData, _enableSig(address(account), address(validator2), 1, h, initData, ownerKey), signPacked(owner2Key, h)
        );
        vm.prank(address(entryPoint));
        account.validateUserOp(op, h, 0);
        vm.assertEq(hook.preChecks(), before + 1);
        vm.assertEq(hook.postChecks(), hook.preChecks());
        vm.assertEq(hook.lastSender(), address(account)); // the install ran as a hooked self-call
        vm.assertEq(bytes4(hook.lastMsgData()), SmartAccount.installModule.selector);
    }

    function test_enableMode_sigValidatorMustBeInstalled() public {
        (PackedUserOperation memory op, bytes32 h) = _enableOp(account, 5);
        bytes memory initData = abi.encodePacked(owner2);
        bytes memory sig = _enableSig(address(account), address(validator2), 1, h, initData, ownerKey);
        // re-prefix the enable signature with an uninstalled validator
        bytes memory badSig = abi.encodePacked(address(0xABCD), _slice(sig, 20));
        op.signature = _pack(address(validator2), 1, initData, badSig, signPacked(owner2Key, h));
        vm.prank(address(entryPoint));
        vm.expectRevert(abi.encodeWithSelector(ModuleManager.ValidatorNotInstalled.selector, address(0xABCD)));
        account.validateUserOp(op, h, 0);
    }

    /// "short signatures" in enable mode: every truncation of a valid payload reverts cleanly.
    function test_regression_enableModeTruncatedData(uint256 cut) public {
        (PackedUserOperation memory op, bytes32 h) = _enableOp(account, 5);
        bytes memory initData = abi.encodePacked(owner2);
        bytes memory full = _pack(
            address(validator2), 1, initData, _enableSig(address(account), address(validator2), 1, h, initData, ownerKey), ""
        );
        cut = bound(cut, 0, full.length - 1);
        op.signature = _slice(full, 0, cut);
        vm.prank(address(entryPoint));
        vm.expectRevert(SmartAccount.EnableModeDataMalformed.selector);
        account.validateUserOp(op, h, 0);
    }

    function _slice(bytes memory b, uint256 from) internal pure returns (bytes memory) {
        return _slice(b, from, b.length);
    }

    function _slice(bytes memory b, uint256 from, uint256 to) internal pure returns (bytes memory r) {
        r = new bytes(to - from);
        for (uint256 i; i < r.length; ++i) r[i] = b[from + i];
    }
}
