// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {MeeTestBase} from "./MeeTestBase.sol";
import {PackedUserOperation} from "account-abstraction/interfaces/PackedUserOperation.sol";
import {MockMeeAccount} from "./mocks/MockMeeAccount.sol";
import {K1MeeValidator} from "../../src/validators/K1MeeValidator.sol";
import {K1MeeValidator7702} from "../../src/validators/K1MeeValidator7702.sol";

/// @notice Installation, ownership, safe senders and metadata of the validator.
contract K1MeeValidatorConfigTest is MeeTestBase {
    address internal acct = address(0xA11CE);

    function test_Metadata() public view {
        vm.assertEq(validator.name(), "K1MeeValidator");
        vm.assertEq(validator.version(), "1.0.1");
        vm.assertTrue(validator.isModuleType(1));
        vm.assertTrue(validator.isModuleType(7));
        for (uint256 t; t < 12; ++t) {
            if (t != 1 && t != 7) vm.assertFalse(validator.isModuleType(t));
        }
        vm.assertEq(validator.supportsNestedTypedDataSign(), bytes32(bytes4(0xd620c85a)));
    }

    function test_Selectors_MatchUpstreamAbi() public view {
        vm.assertEq(uint32(K1MeeValidator.onInstall.selector), uint32(0x6d61fe70));
        vm.assertEq(uint32(K1MeeValidator.onUninstall.selector), uint32(0x8a91b0e3));
        vm.assertEq(uint32(K1MeeValidator.getOwner.selector), uint32(0xfa544161));
        vm.assertEq(uint32(K1MeeValidator.transferOwnership.selector), uint32(0xf2fde38b));
        vm.assertEq(uint32(K1MeeValidator.addSafeSender.selector), uint32(0x5c81ca68));
        vm.assertEq(uint32(K1MeeValidator.removeSafeSender.selector), uint32(0xe824b568));
        vm.assertEq(uint32(K1MeeValidator.isSafeSender.selector), uint32(0x0807dbc1));
        vm.assertEq(uint32(validator.smartAccountOwners.selector), uint32(0x2e5b63a6));
        vm.assertEq(uint32(K1MeeValidator.isInitialized.selector), uint32(0xd60b347f));
        vm.assertEq(uint32(K1MeeValidator.isModuleType.selector), uint32(0xecd05961));
        vm.assertEq(uint32(K1MeeValidator.name.selector), uint32(0x06fdde03));
        vm.assertEq(uint32(K1MeeValidator.version.selector), uint32(0x54fd4d50));
        vm.assertEq(uint32(validator.supportsNestedTypedDataSign.selector), uint32(0xd620c85a));
        vm.assertEq(uint32(K1MeeValidator.validateUserOp.selector), uint32(0x97003203));
        vm.assertEq(uint32(K1MeeValidator.validateSignatureWithData.selector), uint32(0x940d3840));
        vm.assertEq(uint32(K1MeeValidator.isValidSignatureWithSender.selector), uint32(0xf551e2ee));
    }

    function test_OnInstall_SetsOwnerAndSafeSenders() public {
        address s1 = address(0x51);
        address s2 = address(0x52);
        vm.prank(acct);
        validator.onInstall(abi.encodePacked(owner, s1, s2));
        vm.assertTrue(validator.isInitialized(acct));
        vm.assertEq(validator.smartAccountOwners(acct), owner);
        vm.assertEq(validator.getOwner(acct), owner);
        vm.assertTrue(validator.isSafeSender(s1, acct));
        vm.assertTrue(validator.isSafeSender(s2, acct));
        vm.assertFalse(validator.isSafeSender(s1, address(0xB0B)));
    }

    function test_OnInstall_RejectsEmptyData() public {
        vm.prank(acct);
        vm.expectRevert(K1MeeValidator.NoOwnerProvided.selector);
        validator.onInstall("");
    }

    function test_OnInstall_RejectsShortData() public {
        vm.prank(acct);
        vm.expectRevert(K1MeeValidator.InvalidDataLength.selector);
        validator.onInstall(hex"1234");
    }

    function test_OnInstall_RejectsZeroOwner() public {
        vm.prank(acct);
        vm.expectRevert(K1MeeValidator.OwnerCannotBeZeroAddress.selector);
        validator.onInstall(abi.encodePacked(address(0)));
    }

    function test_OnInstall_RejectsOwnerWithCode() public {
        vm.prank(acct);
        vm.expectRevert(K1MeeValidator.NewOwnerIsContract.selector);
        validator.onInstall(abi.encodePacked(address(entryPoint)));
    }

    function test_OnInstall_RejectsDelegatedEoaOwner_In101() public {
        vm.etch(other, abi.encodePacked(hex"ef0100", address(0x1234)));
        vm.prank(acct);
        vm.expectRevert(K1MeeValidator.NewOwnerIsContract.selector);
        validator.onInstall(abi.encodePacked(other));
    }

    function test_Variant7702_AcceptsDelegatedEoaOwner_RejectsOtherCode() public {
        K1MeeValidator7702 v = new K1MeeValidator7702();
        vm.etch(other, abi.encodePacked(hex"ef0100", address(0x1234)));
        vm.prank(acct);
        v.onInstall(abi.encodePacked(other));
        vm.assertEq(v.getOwner(acct), other);
        // 23 bytes that are not a delegation designator are still code.
        address fake = address(0xFA4E);
        vm.etch(fake, abi.encodePacked(hex"600100", address(0x1234)));
        vm.prank(acct);
        vm.expectRevert(K1MeeValidator.NewOwnerIsContract.selector);
        v.transferOwnership(fake);
    }

    function test_OnInstall_RejectsSecondInstall() public {
        vm.startPrank(acct);
        validator.onInstall(abi.encodePacked(owner));
        vm.expectRevert(K1MeeValidator.ModuleAlreadyInitialized.selector);
        validator.onInstall(abi.encodePacked(other));
        vm.stopPrank();
    }

    function test_OnInstall_RejectsRaggedSafeSenders() public {
        vm.prank(acct);
        vm.expectRevert(K1MeeValidator.SafeSendersLengthInvalid.selector);
        validator.onInstall(abi.encodePacked(owner, hex"0102"));
    }

    function test_OnUninstall_ClearsEverything() public {
        address s1 = address(0x51);
        address s2 = address(0x52);
        vm.startPrank(acct);
        validator.onInstall(abi.encodePacked(owner, s1, s2));
        validator.onUninstall("");
        vm.assertFalse(validator.isInitialized(acct));
        vm.assertEq(validator.smartAccountOwners(acct), address(0));
        vm.assertEq(validator.getOwner(acct), acct);
        vm.assertFalse(validator.isSafeSender(s1, acct));
        vm.assertFalse(validator.isSafeSender(s2, acct));
        // Reinstall starts from a clean set.
        validator.onInstall(abi.encodePacked(other, s2));
        vm.assertFalse(validator.isSafeSender(s1, acct));
        vm.assertTrue(validator.isSafeSender(s2, acct));
        vm.assertEq(validator.getOwner(acct), other);
        vm.stopPrank();
    }

    function test_GetOwner_DefaultsToAccount() public view {
        vm.assertEq(validator.getOwner(address(0xDEAD)), address(0xDEAD));
        vm.assertFalse(validator.isInitialized(address(0xDEAD)));
    }

    function test_TransferOwnership() public {
        vm.startPrank(acct);
        validator.onInstall(abi.encodePacked(owner));
        validator.transferOwnership(other);
        vm.assertEq(validator.getOwner(acct), other);
        vm.expectRevert(K1MeeValidator.ZeroAddressNotAllowed.selector);
        validator.transferOwnership(address(0));
        vm.expectRevert(K1MeeValidator.NewOwnerIsContract.selector);
        validator.transferOwnership(address(validator));
        vm.stopPrank();
        // Only the caller's own entry changes.
        vm.assertEq(validator.getOwner(address(account)), owner);
    }

    function test_TransferOwnership_NewOwnerValidates() public {
        vm.prank(address(account));
        validator.transferOwnership(other);
        PackedUserOperation memory op = userOp(address(account), 0, "");
        bytes32 h = opHash(op);
        op.signature = signPacked(otherKey, h);
        vm.assertEq(validateDirect(op, h), 0);
        op.signature = signPacked(ownerKey, h);
        vm.assertEq(validateDirect(op, h), 1);
    }

    function test_SafeSenders_AddRemove() public {
        address s1 = address(0x51);
        address s2 = address(0x52);
        address s3 = address(0x53);
        vm.startPrank(acct);
        validator.onInstall(abi.encodePacked(owner));
        validator.addSafeSender(s1);
        validator.addSafeSender(s2);
        validator.addSafeSender(s3);
        validator.addSafeSender(s2); // no duplicate
        validator.removeSafeSender(s1); // swap-and-pop from the front
        vm.assertFalse(validator.isSafeSender(s1, acct));
        vm.assertTrue(validator.isSafeSender(s2, acct));
        vm.assertTrue(validator.isSafeSender(s3, acct));
        validator.removeSafeSender(s1); // absent: no-op
        validator.removeSafeSender(s3);
        validator.removeSafeSender(s2);
        vm.assertFalse(validator.isSafeSender(s2, acct));
        vm.assertFalse(validator.isSafeSender(s3, acct));
        validator.addSafeSender(s1);
        vm.assertTrue(validator.isSafeSender(s1, acct));
        vm.stopPrank();
    }
}

