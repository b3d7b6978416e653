// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {AccountTestBase} from "./AccountTestBase.sol";
import {PackedUserOperation} from "account-abstraction/interfaces/PackedUserOperation.sol";
import {SmartAccount} from "../../src/account/SmartAccount.sol";
import {AccountBootstrap} from "../../src/account/AccountBootstrap.sol";
import {ExecutionMode} from "../../src/interfaces/IERC7579Account.sol";
import {MockECDSAValidator} from "./mocks/MockECDSAValidator.sol";
import {MockTarget} from "./mocks/MockModules.sol";

/// @notice An EOA delegated to the implementation with EIP-7702 works as an account without any
/// initialization; the default validator treats the EOA itself as the owner.
contract Eip7702Test is AccountTestBase {
    address internal eoa;
    uint256 internal eoaKey;
    MockTarget internal target;

    function setUp() public override {
        vm.setEvmVersion("prague");
        super.setUp();
        (eoa, eoaKey) = makeKey("eoa7702");
        target = new MockTarget();
        vm.deal(eoa, 10 ether);
    }

    function _delegateByEtch() internal {
        vm.etch(eoa, abi.encodePacked(hex"ef0100", address(implementation)));
    }

    function _op(bytes memory callData) internal view returns (PackedUserOperation memory op) {
        op = _userOp(eoa, entryPoint.getNonce(eoa, 0), callData);
        op.signature = signPacked(eoaKey, entryPoint.getUserOpHash(op));
    }

    function test_7702_signedDelegation_userOpWithoutInit() public {
        vm.signAndAttachDelegation(address(implementation), eoaKey);
        // the delegation is applied with the next call
        vm.assertEq(SmartAccount(payable(eoa)).accountId(), "biconomy.nexus.1.2.0");
        vm.assertEq(eoa.code.length, 23);
        vm.assertEq(keccak256(eoa.code), keccak256(abi.encodePacked(hex"ef0100", address(implementation))));
        vm.assertFalse(SmartAccount(payable(eoa)).isInitialized());
        _handle(_op(_execSingle(address(target), 1 ether, abi.encodeCall(MockTarget.set, (12)))));
        vm.assertEq(target.value(), 12);
        vm.assertEq(target.lastCaller(), eoa);
        vm.assertEq(target.received(), 1 ether);
    }

    function test_7702_otherSignerRejected() public {
        _delegateByEtch();
        PackedUserOperation memory op = _userOp(eoa, 0, _execSingle(address(target), 0, abi.encodeCall(MockTarget.set, (1))));
        op.signature = signPacked(ownerKey, entryPoint.getUserOpHash(op));
        _handleExpectFail(op);
    }

    function test_7702_modulesAndErc1271() public {
        _delegateByEtch();
        SmartAccount acct = SmartAccount(payable(eoa));
        bytes32 h = keccak256("msg");
        vm.assertEq(uint32(acct.isValidSignature(h, abi.encodePacked(address(0), signPacked(eoaKey, h)))), 0x1626ba7e);

        // the first install initializes the module lists lazily
        MockECDSAValidator v2 = new MockECDSAValidator(0);
        (address owner2, uint256 owner2Key) = makeKey("owner2");
        _handle(_op(_execSingle(eoa, 0, abi.encodeCall(SmartAccount.installModule, (1, address(v2), abi.encodePacked(owner2))))));
        vm.assertTrue(acct.isModuleInstalled(1, address(v2), ""));
        vm.assertTrue(acct.isInitialized());
        vm.assertEq(uint32(acct.isValidSignature(h, abi.encodePacked(address(v2), signPacked(owner2Key, h)))), 0x1626ba7e);

        // removing the only installed validator is fine: the EOA key stays valid through the default validator
        _handle(_op(_execSingle(eoa, 0, abi.encodeCall(SmartAccount.uninstallModule, (1, address(v2), abi.encode(address(1), ""))))));
        vm.assertFalse(acct.isModuleInstalled(1, address(v2), ""));
    }

    function test_7702_cannotUpgrade() public {
        _delegateByEtch();
        SmartAccount impl2 = new SmartAccount(address(entryPoint), address(defaultValidator), IMPL_INIT_DATA);
        vm.prank(eoa);
        vm.expectRevert(SmartAccount.ERC7702AccountCannotBeUpgradedThisWay.selector);
        SmartAccount(payable(eoa)).upgradeToAndCall(address(impl2), "");
    }

    function test_7702_selfInitializeWithBootstrap() public {
        _delegateByEtch();
        (address owner2,) = makeKey("owner2");
        bytes memory initData = abi.encode(address(bootstrap), abi.encodeCall(AccountBootstrap.initNexusWithDefaultValidator, (abi.encodePacked(owner2))));
        // not from outside ...
        vm.expectRevert(SmartAccount.NotInitializable.selector);
        SmartAccount(payable(eoa)).initializeAccount(initData);
        // ... but as a self-call in a userOp
        _handle(_op(_execSingle(eoa, 0, abi.encodeCall(SmartAccount.initializeAccount, (initData)))));
        vm.assertEq(defaultValidator.owners(eoa), owner2);
    }
}
