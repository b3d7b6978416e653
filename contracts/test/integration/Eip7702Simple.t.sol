// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import "./MeeFixture.sol";

/// @notice An EOA delegated (EIP-7702) to the canonical implementation runs an owner supertransaction
/// in SIMPLE mode without any initialization: the default MEE validator treats the EOA as its own owner.
contract Eip7702SimpleTest is MeeFixture {
    address internal eoa;
    uint256 internal eoaKey;
    address internal constant PAYEE = address(0xFEE0);

    function setUp() public override {
        vm.setEvmVersion("prague");
        super.setUp();
        (eoa, eoaKey) = makeKey("eoa-7702");
        usdc.mint(eoa, 100e6);
        vm.signAndAttachDelegation(ACCOUNT_IMPL, eoaKey);
        // the delegation takes effect with the next call
        vm.assertEq(SmartAccount(payable(eoa)).accountId(), "biconomy.nexus.1.2.0");
        vm.warp(1_700_000_000);
    }

    function _signedBy(uint256 key, bytes memory callData) internal view returns (PackedUserOperation memory op) {
        op = _op(eoa, ep.getNonce(eoa, 0), callData, 300_000);
        PackedUserOperation[] memory ops = new PackedUserOperation[](1);
        ops[0] = op;
        _signSupertx(ops, key, uint48(block.timestamp), uint48(block.timestamp + 180));
    }

    function test_7702_simpleOpSignedByOwnKey() public {
        vm.assertEq(keccak256(eoa.code), keccak256(abi.encodePacked(hex"ef0100", ACCOUNT_IMPL)));
        vm.assertFalse(SmartAccount(payable(eoa)).isInitialized());
        vm.assertFalse(k1.isInitialized(eoa));
        vm.assertEq(k1.getOwner(eoa), eoa);
        _submit(_signedBy(eoaKey, _transfer(PAYEE, 7e6)));
        vm.assertEq(usdc.balanceOf(PAYEE), 7e6);
        vm.assertEq(ep.getNonce(eoa, 0), 1);
    }

    function test_7702_otherKey_AA24() public {
        _submitExpect(_signedBy(ownerKey, _transfer(PAYEE, 7e6)), _failedOp("AA24 signature error"));
    }

    function test_7702_windowEnforced_AA22() public {
        PackedUserOperation memory op = _signedBy(eoaKey, _transfer(PAYEE, 7e6));
        vm.warp(block.timestamp + 181);
        _submitExpect(op, _failedOp("AA22 expired or not due"));
    }
}
