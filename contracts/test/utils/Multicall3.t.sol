// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test} from "../lib/Test.sol";
import {Multicall3} from "../../src/utils/Multicall3.sol";
import {TestUSDC} from "../../src/tokens/TestUSDC.sol";

contract Reverter {
    function boom() external pure {
        revert("boom");
    }

    function pay() external payable returns (uint256) {
        return msg.value;
    }
}

contract Multicall3Test is Test {
    Multicall3 internal mc;
    TestUSDC internal usdc;
    Reverter internal reverter;
    address internal holder = address(0xA11CE);

    function setUp() public {
        mc = new Multicall3();
        usdc = new TestUSDC();
        reverter = new Reverter();
        usdc.mint(holder, 7e6);
    }

    function test_aggregate3_readsThePermitFields() public {
        Multicall3.Call3[] memory calls = new Multicall3.Call3[](3);
        calls[0] = Multicall3.Call3(address(usdc), true, abi.encodeCall(usdc.nonces, (holder)));
        calls[1] = Multicall3.Call3(address(usdc), true, abi.encodeCall(usdc.DOMAIN_SEPARATOR, ()));
        calls[2] = Multicall3.Call3(address(usdc), true, abi.encodeCall(usdc.balanceOf, (holder)));
        Multicall3.Result[] memory out = mc.aggregate3(calls);
        vm.assertEq(out.length, 3);
        for (uint256 i; i < 3; ++i) {
            vm.assertTrue(out[i].success);
        }
        vm.assertEq(abi.decode(out[0].returnData, (uint256)), 0);
        vm.assertEq(abi.decode(out[1].returnData, (bytes32)), usdc.DOMAIN_SEPARATOR());
        vm.assertEq(abi.decode(out[2].returnData, (uint256)), 7e6);
    }

    function test_aggregate3_reportsAllowedFailures() public {
        Multicall3.Call3[] memory calls = new Multicall3.Call3[](2);
        calls[0] = Multicall3.Call3(address(reverter), true, abi.encodeCall(Reverter.boom, ()));
        calls[1] = Multicall3.Call3(address(usdc), true, abi.encodeCall(usdc.decimals, ()));
        Multicall3.Result[] memory out = mc.aggregate3(calls);
        vm.assertFalse(out[0].success);
        vm.assertEq(out[0].returnData, abi.encodeWithSignature("Error(string)", "boom"));
        vm.assertTrue(out[1].success);
        vm.assertEq(uint256(abi.decode(out[1].returnData, (uint8))), 6);
    }

    function test_aggregate3_revertsOnDisallowedFailure() public {
        Multicall3.Call3[] memory calls = new Multicall3.Call3[](1);
        calls[0] = Multicall3.Call3(address(reverter), false, abi.encodeCall(Reverter.boom, ()));
        vm.expectRevert(bytes("Multicall3: call failed"));
        mc.aggregate3(calls);
    }

    function test_aggregate_andTryAggregate() public {
        Multicall3.Call[] memory calls = new Multicall3.Call[](1);
        calls[0] = Multicall3.Call(address(usdc), abi.encodeCall(usdc.balanceOf, (holder)));
        (uint256 blockNumber, bytes[] memory ret) = mc.aggregate(calls);
        vm.assertEq(blockNumber, block.number);
        vm.assertEq(abi.decode(ret[0], (uint256)), 7e6);

        calls[0] = Multicall3.Call(address(reverter), abi.encodeCall(Reverter.boom, ()));
        Multicall3.Result[] memory out = mc.tryAggregate(false, calls);
        vm.assertFalse(out[0].success);
        vm.expectRevert(bytes("Multicall3: call failed"));
        mc.tryAggregate(true, calls);
        vm.expectRevert(bytes("Multicall3: call failed"));
        mc.aggregate(calls);
    }

    function test_aggregate3Value_forwardsValueAndChecksTheSum() public {
        vm.deal(address(this), 1 ether);
        Multicall3.Call3Value[] memory calls = new Multicall3.Call3Value[](1);
        calls[0] = Multicall3.Call3Value(address(reverter), false, 5, abi.encodeCall(Reverter.pay, ()));
        Multicall3.Result[] memory out = mc.aggregate3Value{value: 5}(calls);
        vm.assertEq(abi.decode(out[0].returnData, (uint256)), 5);
        vm.assertEq(address(reverter).balance, 5);
        vm.expectRevert(bytes("Multicall3: value mismatch"));
        mc.aggregate3Value{value: 6}(calls);
    }

    function test_blockViews() public {
        vm.roll(100);
        vm.warp(12345);
        vm.assertEq(mc.getBlockNumber(), 100);
        vm.assertEq(mc.getCurrentBlockTimestamp(), 12345);
        vm.assertEq(mc.getChainId(), block.chainid);
        vm.assertEq(mc.getEthBalance(address(0xB0B)), 0);
        vm.assertEq(mc.getCurrentBlockGasLimit(), block.gaslimit);
        vm.assertEq(mc.getBasefee(), block.basefee);
        vm.assertEq(mc.getCurrentBlockCoinbase(), block.coinbase);
        vm.assertEq(mc.getLastBlockHash(), blockhash(99));
        vm.assertEq(mc.getBlockHash(99), blockhash(99));
        (uint256 n, bytes32 h, Multicall3.Result[] memory r) = mc.blockAndAggregate(new Multicall3.Call[](0));
        vm.assertEq(n, 100);
        vm.assertEq(h, blockhash(100));
        vm.assertEq(r.length, 0);
    }
}
