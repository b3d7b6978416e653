// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import "./MeeFixture.sol";

/// @notice An owner supertransaction in SIMPLE mode through the canonical MEE 2.0.0 contracts: three
/// userOps under one signed merkle root, the first deploying the account from its initCode, all paid
/// by the node paymaster.
contract OwnerSupertxTest is MeeFixture {
    address internal account;
    address internal constant ALICE = address(0xA11CE);
    address internal constant BOB = address(0xB0B0);
    address internal constant CAROL = address(0xCA401);

    function setUp() public override {
        super.setUp();
        account = _accountAddress(owner);
        usdc.mint(account, 1_000e6);
        vm.warp(1_700_000_000);
    }

    function _threeOps() internal view returns (PackedUserOperation[] memory ops) {
        ops = new PackedUserOperation[](3);
        ops[0] = _op(account, 0, _transfer(ALICE, 10e6), 600_000);
        ops[0].initCode = _initCode(owner);
        ops[1] = _op(account, 1, _transfer(BOB, 20e6), 300_000);
        ops[2] = _op(account, 2, _transfer(CAROL, 30e6), 300_000);
    }

    function test_threeOps_deployAndTransfer_nodePaysGas() public {
        vm.assertEq(account.code.length, 0);
        PackedUserOperation[] memory ops = _threeOps();
        _signSupertx(ops, ownerKey, uint48(block.timestamp - 1), uint48(block.timestamp + 180));
        uint256 pmDeposit = ep.balanceOf(address(pm));
        uint256 accountEth = account.balance;
        _submit(ops);
        vm.assertGt(account.code.length, 0);
        vm.assertTrue(SmartAccount(payable(account)).isInitialized());
        vm.assertEq(k1.smartAccountOwners(account), owner);
        vm.assertEq(usdc.balanceOf(ALICE), 10e6);
        vm.assertEq(usdc.balanceOf(BOB), 20e6);
        vm.assertEq(usdc.balanceOf(CAROL), 30e6);
        vm.assertEq(usdc.balanceOf(account), 940e6);
        vm.assertEq(ep.getNonce(account, 0), 3);
        // the node paid; the account held no ETH and was refunded the unused part of each prefund
        vm.assertLt(ep.balanceOf(address(pm)), pmDeposit);
        vm.assertEq(accountEth, 0);
        vm.assertGt(account.balance, 0);
    }

    function test_tooEarly_AA22() public {
        PackedUserOperation[] memory ops = _threeOps();
        _signSupertx(ops, ownerKey, uint48(block.timestamp + 60), uint48(block.timestamp + 180));
        vm.expectRevert(_failedOp("AA22 expired or not due"));
        vm.prank(nodeOwner, nodeOwner);
        ep.handleOps(ops, payable(nodeOwner));
        // once the window opens the same signed ops go through
        vm.warp(block.timestamp + 60);
        _submit(ops);
        vm.assertEq(usdc.balanceOf(CAROL), 30e6);
    }

    function test_expired_AA22() public {
        PackedUserOperation[] memory ops = _threeOps();
        _signSupertx(ops, ownerKey, uint48(block.timestamp), uint48(block.timestamp + 180));
        vm.warp(block.timestamp + 181);
        vm.expectRevert(_failedOp("AA22 expired or not due"));
        vm.prank(nodeOwner, nodeOwner);
        ep.handleOps(ops, payable(nodeOwner));
    }

    function test_wrongSigner_AA24() public {
        PackedUserOperation[] memory ops = _threeOps();
        _signSupertx(ops, redeemerKey, uint48(block.timestamp), uint48(block.timestamp + 180));
        vm.expectRevert(_failedOp("AA24 signature error"));
        vm.prank(nodeOwner, nodeOwner);
        ep.handleOps(ops, payable(nodeOwner));
    }

    /// An op whose leaf is not in the signed tree (changed after signing) fails.
    function test_tamperedOp_AA24() public {
        PackedUserOperation[] memory ops = _threeOps();
        _signSupertx(ops, ownerKey, uint48(block.timestamp), uint48(block.timestamp + 180));
        ops[2].callData = _transfer(CAROL, 300e6);
        PackedUserOperation[] memory third = new PackedUserOperation[](3);
        third[0] = ops[0];
        third[1] = ops[1];
        third[2] = ops[2];
        vm.expectRevert(abi.encodeWithSelector(IEntryPoint.FailedOp.selector, uint256(2), "AA24 signature error"));
        vm.prank(nodeOwner, nodeOwner);
        ep.handleOps(third, payable(nodeOwner));
    }

    /// The node paymaster only sponsors bundles its owner sends.
    function test_otherBundler_paymasterRefuses_AA34() public {
        PackedUserOperation[] memory ops = _threeOps();
        _signSupertx(ops, ownerKey, uint48(block.timestamp), uint48(block.timestamp + 180));
        address stranger = address(0x5757);
        vm.expectRevert(_failedOp("AA34 signature error"));
        vm.prank(stranger, stranger);
        ep.handleOps(ops, payable(stranger));
    }

    /// The account the factory deploys is the address the SDK computes, and the factory is idempotent.
    function test_factoryAddressAndIdempotence() public {
        address deployed = _deployAccount(owner);
        vm.assertEq(deployed, account);
        vm.assertEq(_deployAccount(owner), account);
        vm.assertEq(SmartAccount(payable(account)).accountId(), "biconomy.nexus.1.2.0");
        vm.assertEq(SmartAccount(payable(account)).entryPoint(), ENTRY_POINT);
    }
}
