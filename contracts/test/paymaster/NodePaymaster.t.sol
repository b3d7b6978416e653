// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {PackedUserOperation} from "account-abstraction/interfaces/PackedUserOperation.sol";
import {IEntryPoint} from "account-abstraction/interfaces/IEntryPoint.sol";
import {MeeTestBase} from "../validators/MeeTestBase.sol";
import {MockMeeAccount} from "../validators/mocks/MockMeeAccount.sol";
import {NodePaymaster} from "../../src/paymaster/NodePaymaster.sol";

/// @notice Records what the EntryPoint hands to postOp, so refunds can be checked to the wei.
contract RecordingNodePaymaster is NodePaymaster {
    uint256 public lastActualGasCost;
    uint256 public lastFeePerGas;
    bytes public lastContext;
    uint256 public postOpCalls;

    constructor(IEntryPoint ep, address owner_) NodePaymaster(ep, owner_) {}

    function _postOp(PostOpMode mode, bytes calldata context, uint256 actualGasCost, uint256 fee) internal override {
        lastActualGasCost = actualGasCost;
        lastFeePerGas = fee;
        lastContext = context;
        ++postOpCalls;
        super._postOp(mode, context, actualGasCost, fee);
    }
}

contract RejectsEth {
    receive() external payable {
        revert("no");
    }
}

contract NodePaymasterTest is MeeTestBase {
    bytes4 internal constant USER = 0x170de000;
    bytes4 internal constant DAPP = 0x170de001;
    bytes4 internal constant KEEP = 0x170de002;
    bytes4 internal constant PERCENT = 0x9ee4ce00;
    bytes4 internal constant FIXED = 0x9ee4ce01;
    uint128 internal constant PM_VERIFICATION_GAS = 100_000;
    uint128 internal constant POST_OP_GAS = 250_000; // covers the recording harness

    RecordingNodePaymaster internal pm;
    address internal node;
    uint256 internal nodeKey;
    address internal dapp = address(0xDA99);

    function setUp() public override {
        super.setUp();
        (node, nodeKey) = makeKey("node");
        pm = new RecordingNodePaymaster(IEntryPoint(address(entryPoint)), node);
        vm.deal(address(this), 100 ether);
        pm.deposit{value: 10 ether}();
        vm.fee(0);
    }

    function sponsoredOp(uint256 nonce, bytes memory pmData) internal view returns (PackedUserOperation memory op) {
        op = userOp(address(account), nonce, abi.encodeCall(MockMeeAccount.execute, (address(0xD00D), 0, "")));
        op.paymasterAndData = abi.encodePacked(address(pm), PM_VERIFICATION_GAS, POST_OP_GAS, pmData);
        op.signature = signPacked(ownerKey, opHash(op));
    }

    function maxCostOf(PackedUserOperation memory op) internal pure returns (uint256) {
        uint256 gas = (uint256(op.accountGasLimits) >> 128) + uint128(uint256(op.accountGasLimits)) + op.preVerificationGas
            + PM_VERIFICATION_GAS + POST_OP_GAS;
        return gas * uint128(uint256(op.gasFees));
    }

    function handleAsNode(PackedUserOperation memory op) internal {
        vm.prank(node, node);
        handle(op);
    }

    function expectedRefund(bytes4 premiumMode, uint256 premium, uint256 maxCost) internal view returns (uint256) {
        return pm.refundFor(premiumMode, premium, maxCost, POST_OP_GAS, pm.lastActualGasCost(), pm.lastFeePerGas());
    }

    // ------------------------------------------------------------ refund modes

    function test_User_Fixed_RefundsSenderExactly() public {
        PackedUserOperation memory op = sponsoredOp(0, abi.encodePacked(USER, FIXED));
        uint256 before = address(account).balance;
        handleAsNode(op);
        uint256 maxCost = maxCostOf(op);
        vm.assertEq(pm.lastContext(), abi.encodePacked(address(account), FIXED, uint256(0), maxCost, uint256(POST_OP_GAS)));
        uint256 refund = maxCost - (pm.lastActualGasCost() + POST_OP_GAS * pm.lastFeePerGas());
        vm.assertGt(refund, 0);
        vm.assertEq(refund, expectedRefund(FIXED, 0, maxCost));
        vm.assertEq(address(account).balance - before, refund);
    }

    function test_Dapp_Fixed_RefundsDappExactly() public {
        PackedUserOperation memory op = sponsoredOp(0, abi.encodePacked(DAPP, FIXED, dapp));
        uint256 accountBefore = address(account).balance;
        handleAsNode(op);
        uint256 maxCost = maxCostOf(op);
        uint256 refund = maxCost - (pm.lastActualGasCost() + POST_OP_GAS * pm.lastFeePerGas());
        vm.assertEq(dapp.balance, refund);
        vm.assertEq(address(account).balance, accountBefore);
    }

    function test_Keep_NoRefundNoPostOp() public {
        PackedUserOperation memory op = sponsoredOp(0, abi.encodePacked(KEEP));
        uint256 depositBefore = pm.getDeposit();
        uint256 accountBefore = address(account).balance;
        vm.recordLogs();
        handleAsNode(op);
        vm.assertEq(pm.postOpCalls(), 0);
        vm.assertEq(address(account).balance, accountBefore);
        // The deposit paid exactly the gas the beneficiary received.
        vm.assertEq(depositBefore - pm.getDeposit(), beneficiary.balance);
    }

    function test_User_Percent_RefundsWithPremium() public {
        uint192 premium = 10_00000; // 10 %
        PackedUserOperation memory op = sponsoredOp(0, abi.encodePacked(USER, PERCENT, premium));
        uint256 before = address(account).balance;
        handleAsNode(op);
        uint256 maxCost = maxCostOf(op);
        uint256 used = pm.lastActualGasCost() + POST_OP_GAS * pm.lastFeePerGas();
        uint256 refund = maxCost * 110_00000 / 100_00000 - used * 110_00000 / 100_00000;
        vm.assertEq(address(account).balance - before, refund);
        vm.assertEq(refund, expectedRefund(PERCENT, premium, maxCost));
    }

    function test_Dapp_Percent_RefundsDapp() public {
        uint192 premium = 2_50000; // 2.5 %
        PackedUserOperation memory op = sponsoredOp(0, abi.encodePacked(DAPP, PERCENT, premium, dapp));
        handleAsNode(op);
        uint256 maxCost = maxCostOf(op);
        uint256 used = pm.lastActualGasCost() + POST_OP_GAS * pm.lastFeePerGas();
        vm.assertEq(dapp.balance, maxCost * 102_50000 / 100_00000 - used * 102_50000 / 100_00000);
    }

    // ------------------------------------------------------------ authorisation

    function test_NotNodeOrigin_Rejected_NothingPaid() public {
        PackedUserOperation memory op = sponsoredOp(0, abi.encodePacked(USER, FIXED));
        uint256 depositBefore = pm.getDeposit();
        vm.prank(other, other);
        vm.expectRevert(abi.encodeWithSelector(IEntryPoint.FailedOp.selector, 0, "AA34 signature error"));
        handle(op);
        vm.assertEq(pm.getDeposit(), depositBefore);
    }

    function _simpleWithNodeSig(PackedUserOperation memory op, address, bytes memory nodeSig)
        internal
        view
        returns (bytes memory)
    {
        bytes32 h = opHash(op);
        bytes32 root = leafOf(h, 0, 0);
        return abi.encodePacked(simpleSig(root, 0, 0, new bytes32[](0), signRoot(ownerKey, root)), nodeSig);
    }

    function test_NodeSignature_AuthorisesOtherBundler() public {
        address bundler = address(0xB0);
        PackedUserOperation memory op = sponsoredOp(0, abi.encodePacked(USER, FIXED));
        bytes32 h = opHash(op);
        op.signature = _simpleWithNodeSig(op, bundler, signPacked(nodeKey, keccak256(abi.encodePacked(h, bundler))));
        vm.prank(bundler, bundler);
        handle(op);
        vm.assertEq(pm.postOpCalls(), 1);
    }

    function test_NodeSignature_EthSigned_Accepted() public {
        address bundler = address(0xB0);
        PackedUserOperation memory op = sponsoredOp(0, abi.encodePacked(KEEP));
        bytes32 h = opHash(op);
        op.signature =
            _simpleWithNodeSig(op, bundler, signPacked(nodeKey, ethSignedHash(keccak256(abi.encodePacked(h, bundler)))));
        vm.prank(bundler, bundler);
        handle(op);
        vm.assertEq(entryPoint.getNonce(address(account), 0), 1);
    }

    function test_NodeSignature_ForAnotherOrigin_Rejected() public {
        address bundler = address(0xB0);
        PackedUserOperation memory op = sponsoredOp(0, abi.encodePacked(USER, FIXED));
        bytes32 h = opHash(op);
        op.signature = _simpleWithNodeSig(op, bundler, signPacked(nodeKey, keccak256(abi.encodePacked(h, address(0xB1)))));
        vm.prank(bundler, bundler);
        vm.expectRevert(abi.encodeWithSelector(IEntryPoint.FailedOp.selector, 0, "AA34 signature error"));
        handle(op);
        // Signed by someone other than the node.
        op.signature = _simpleWithNodeSig(op, bundler, signPacked(otherKey, keccak256(abi.encodePacked(h, bundler))));
        vm.prank(bundler, bundler);
        vm.expectRevert(abi.encodeWithSelector(IEntryPoint.FailedOp.selector, 0, "AA34 signature error"));
        handle(op);
    }

    function test_ShortUserSignature_NoNodeSig_Rejected() public {
        PackedUserOperation memory op = sponsoredOp(0, abi.encodePacked(USER, FIXED));
        op.signature = hex"01";
        vm.prank(other, other);
        vm.expectRevert();
        handle(op);
        vm.assertEq(pm.getDeposit(), 10 ether);
    }

    /// EntryPoint semantics: an op whose account validation fails is never paid for.
    function test_AccountValidationFails_PaymasterPaysNothing() public {
        PackedUserOperation memory op = sponsoredOp(0, abi.encodePacked(USER, FIXED));
        op.signature = signPacked(otherKey, opHash(op));
        uint256 depositBefore = pm.getDeposit();
        vm.prank(node, node);
        vm.expectRevert(abi.encodeWithSelector(IEntryPoint.FailedOp.selector, 0, "AA24 signature error"));
        handle(op);
        vm.assertEq(pm.getDeposit(), depositBefore);
        vm.assertEq(beneficiary.balance, 0);
    }

    // ------------------------------------------------------------ paymaster data

    function test_InvalidModes_Rejected() public {
        bytes[4] memory bad = [
            abi.encodePacked(bytes4(0x170de003), FIXED),
            abi.encodePacked(USER, bytes4(0x9ee4ce02)),
            abi.encodePacked(DAPP, FIXED, hex"1234"),
            abi.encodePacked(USER, PERCENT, hex"00")
        ];
        for (uint256 i; i < bad.length; ++i) {
            PackedUserOperation memory op = sponsoredOp(0, bad[i]);
            vm.prank(node, node);
            vm.expectRevert();
            handle(op);
        }
        PackedUserOperation memory empty = sponsoredOp(0, "");
        vm.prank(node, node);
        vm.expectRevert();
        handle(empty);
        vm.assertEq(pm.getDeposit(), 10 ether);
    }

    function test_PostOp_ReceiverRejectsEth_OpStillSucceeds() public {
        address rejecter = address(new RejectsEth());
        PackedUserOperation memory op = sponsoredOp(0, abi.encodePacked(DAPP, FIXED, rejecter));
        vm.expectEmit(true, false, false, false, address(pm));
        emit NodePaymaster.RefundFailed(rejecter, 0);
        handleAsNode(op);
        vm.assertEq(pm.postOpCalls(), 1);
        vm.assertEq(entryPoint.getNonce(address(account), 0), 1);
    }

    // ------------------------------------------------------------ refund arithmetic

    function test_RefundFor_Examples() public view {
        vm.assertEq(pm.refundFor(FIXED, 0, 1000, 10, 500, 2), 480);
        vm.assertEq(pm.refundFor(FIXED, 0, 1000, 10, 980, 2), 0);
        vm.assertEq(pm.refundFor(FIXED, 0, 1000, 10, 990, 2), 0);
        vm.assertEq(pm.refundFor(PERCENT, 100_00000, 1000, 10, 500, 2), 960);
        vm.assertEq(pm.refundFor(PERCENT, 0, 1000, 0, 0, 0), 1000);
        vm.assertEq(pm.refundFor(FIXED, 0, 0, 0, 0, 0), 0);
        vm.assertEq(pm.refundFor(PERCENT, type(uint192).max, type(uint256).max, 0, 0, 0), 0);
    }

    /// Never reverts and never exceeds what was charged.
    function testFuzz_RefundFor_NeverRevertsNeverOverpays(
        bool percent,
        uint192 premium,
        uint256 maxCost,
        uint128 postOpGasLimit,
        uint256 actualGasCost,
        uint128 fee
    ) public view {
        bytes4 mode = percent ? PERCENT : FIXED;
        uint256 refund = pm.refundFor(mode, premium, maxCost, postOpGasLimit, actualGasCost, fee);
        if (!percent) vm.assertLe(refund, maxCost);
        if (actualGasCost >= maxCost) vm.assertEq(refund, 0);
    }

    // ------------------------------------------------------------ deposit and stake

    function test_Ownership_AndDepositManagement() public {
        vm.assertEq(pm.owner(), node);
        vm.assertEq(address(pm.entryPoint()), address(entryPoint));
        (bool ok,) = address(pm).call{value: 1 ether}("");
        vm.assertTrue(ok);
        vm.assertEq(pm.getDeposit(), 11 ether);
        vm.expectRevert();
        pm.withdrawTo(payable(address(this)), 1 ether);
        vm.prank(node);
        pm.withdrawTo(payable(address(0x5AFE)), 2 ether);
        vm.assertEq(address(0x5AFE).balance, 2 ether);
        vm.assertEq(pm.getDeposit(), 9 ether);
    }

    function test_Stake_Lifecycle() public {
        vm.deal(node, 5 ether);
        vm.expectRevert();
        pm.addStake{value: 1 ether}(1 days);
        vm.startPrank(node);
        pm.addStake{value: 1 ether}(1 days);
        vm.assertEq(entryPoint.getDepositInfo(address(pm)).stake, 1 ether);
        pm.unlockStake();
        vm.warp(block.timestamp + 1 days + 1);
        pm.withdrawStake(payable(address(0x5AFE)));
        vm.stopPrank();
        vm.assertEq(address(0x5AFE).balance, 1 ether);
    }
}
