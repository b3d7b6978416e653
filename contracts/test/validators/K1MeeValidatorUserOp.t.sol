// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {PackedUserOperation} from "account-abstraction/interfaces/PackedUserOperation.sol";
import {IEntryPoint} from "account-abstraction/interfaces/IEntryPoint.sol";
import {MeeTestBase} from "./MeeTestBase.sol";
import {MockMeeAccount} from "./mocks/MockMeeAccount.sol";

/// @notice validateUserOp: plain ECDSA and SIMPLE mode, directly and through the EntryPoint.
contract K1MeeValidatorUserOpTest is MeeTestBase {
    // ------------------------------------------------------------ no-MEE

    function test_NoMee_RawHash_Accepted() public {
        PackedUserOperation memory op = userOp(address(account), 0, "");
        bytes32 h = opHash(op);
        op.signature = signPacked(ownerKey, h);
        vm.assertEq(validateDirect(op, h), 0);
    }

    function test_NoMee_EthSignedHash_Accepted() public {
        PackedUserOperation memory op = userOp(address(account), 0, "");
        bytes32 h = opHash(op);
        op.signature = signPacked(ownerKey, ethSignedHash(h));
        vm.assertEq(validateDirect(op, h), 0);
    }

    function test_NoMee_Eip2098CompactSignature_Accepted() public {
        PackedUserOperation memory op = userOp(address(account), 0, "");
        bytes32 h = opHash(op);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(ownerKey, h);
        op.signature = abi.encodePacked(r, bytes32(uint256(s) | (uint256(v - 27) << 255)));
        vm.assertEq(validateDirect(op, h), 0);
    }

    function test_NoMee_WrongSigner_Rejected() public {
        PackedUserOperation memory op = userOp(address(account), 0, "");
        bytes32 h = opHash(op);
        op.signature = signPacked(otherKey, h);
        vm.assertEq(validateDirect(op, h), 1);
    }

    function test_NoMee_WrongHash_Rejected() public {
        PackedUserOperation memory op = userOp(address(account), 0, "");
        bytes32 h = opHash(op);
        op.signature = signPacked(ownerKey, keccak256(abi.encode(h)));
        vm.assertEq(validateDirect(op, h), 1);
    }

    function test_NoMee_EndToEnd_ExecutesThroughEntryPoint() public {
        PackedUserOperation memory op =
            userOp(address(account), 0, abi.encodeCall(MockMeeAccount.execute, (address(0xD00D), 1 ether, "")));
        op.signature = signPacked(ownerKey, opHash(op));
        handle(op);
        vm.assertEq(address(0xD00D).balance, 1 ether);
        vm.assertEq(entryPoint.getNonce(address(account), 0), 1);
    }

    function test_NoMee_EndToEnd_BadSignatureRejectedByEntryPoint() public {
        PackedUserOperation memory op =
            userOp(address(account), 0, abi.encodeCall(MockMeeAccount.execute, (address(0xD00D), 1 ether, "")));
        op.signature = signPacked(otherKey, opHash(op));
        vm.expectRevert(abi.encodeWithSelector(IEntryPoint.FailedOp.selector, 0, "AA24 signature error"));
        handle(op);
    }

    // ------------------------------------------------------------ SIMPLE

    function test_Simple_SingleLeaf_ReturnsBounds() public {
        PackedUserOperation memory op = userOp(address(account), 0, "");
        bytes32 h = opHash(op);
        bytes32[] memory leaves = new bytes32[](1);
        leaves[0] = leafOf(h, 100, 200);
        bytes32 root = rootOf(leaves);
        vm.assertEq(root, leaves[0]);
        op.signature = simpleSig(root, 100, 200, new bytes32[](0), signRoot(ownerKey, root));
        vm.assertEq(validateDirect(op, h), pack(200, 100));
    }

    function test_Simple_RawRootSignature_Accepted() public {
        PackedUserOperation memory op = userOp(address(account), 0, "");
        bytes32 h = opHash(op);
        bytes32 root = leafOf(h, 1, 2);
        op.signature = simpleSig(root, 1, 2, new bytes32[](0), signPacked(ownerKey, root));
        vm.assertEq(validateDirect(op, h), pack(2, 1));
    }

    /// Four userOps of one supertransaction share a root; each validates with its own proof and
    /// executes through the EntryPoint.
    function test_Simple_FourOpsShareOneRoot_EndToEnd() public {
        (PackedUserOperation[] memory ops, bytes32[] memory hashes) = sequentialOps(account, 4);
        uint48 lower = uint48(block.timestamp);
        uint48 upper = uint48(block.timestamp + 180);
        bytes32[] memory leaves = new bytes32[](4);
        for (uint256 i; i < 4; ++i) {
            leaves[i] = leafOf(hashes[i], lower, upper);
        }
        bytes32 root = rootOf(leaves);
        bytes memory rootSig = signRoot(ownerKey, root);
        for (uint256 i; i < 4; ++i) {
            ops[i].signature = simpleSig(root, lower, upper, proofOf(leaves, i), rootSig);
            vm.assertEq(validateDirect(ops[i], hashes[i]), pack(upper, lower));
        }
        entryPoint.handleOps(ops, beneficiary);
        vm.assertEq(address(0xD00D).balance, 1 + 2 + 3 + 4);
        vm.assertEq(entryPoint.getNonce(address(account), 0), 4);
    }

    function test_Simple_ProofOfAnotherLeaf_Rejected() public {
        (PackedUserOperation[] memory ops, bytes32[] memory hashes) = sequentialOps(account, 4);
        bytes32[] memory leaves = new bytes32[](4);
        for (uint256 i; i < 4; ++i) {
            leaves[i] = leafOf(hashes[i], 0, 0);
        }
        bytes32 root = rootOf(leaves);
        ops[0].signature = simpleSig(root, 0, 0, proofOf(leaves, 1), signRoot(ownerKey, root));
        vm.assertEq(validateDirect(ops[0], hashes[0]), 1);
    }

    function test_Simple_TamperedProofElement_Rejected() public {
        (PackedUserOperation[] memory ops, bytes32[] memory hashes) = sequentialOps(account, 4);
        bytes32[] memory leaves = new bytes32[](4);
        for (uint256 i; i < 4; ++i) {
            leaves[i] = leafOf(hashes[i], 0, 0);
        }
        bytes32 root = rootOf(leaves);
        bytes32[] memory proof = proofOf(leaves, 2);
        proof[1] = bytes32(uint256(proof[1]) ^ 1);
        ops[2].signature = simpleSig(root, 0, 0, proof, signRoot(ownerKey, root));
        vm.assertEq(validateDirect(ops[2], hashes[2]), 1);
    }

    function test_Simple_WrongRoot_Rejected() public {
        PackedUserOperation memory op = userOp(address(account), 0, "");
        bytes32 h = opHash(op);
        bytes32 root = leafOf(h, 1, 2);
        bytes32 otherRoot = keccak256("other supertransaction");
        // Signed root differs from the root the proof leads to.
        op.signature = simpleSig(otherRoot, 1, 2, new bytes32[](0), signRoot(ownerKey, otherRoot));
        vm.assertEq(validateDirect(op, h), 1);
        // The right root signed by somebody else.
        op.signature = simpleSig(root, 1, 2, new bytes32[](0), signRoot(otherKey, root));
        vm.assertEq(validateDirect(op, h), 1);
    }

    function test_Simple_TamperedBounds_Rejected() public {
        PackedUserOperation memory op = userOp(address(account), 0, "");
        bytes32 h = opHash(op);
        bytes32 root = leafOf(h, 100, 200);
        bytes memory sig = signRoot(ownerKey, root);
        op.signature = simpleSig(root, 100, 201, new bytes32[](0), sig);
        vm.assertEq(validateDirect(op, h), 1);
        op.signature = simpleSig(root, 99, 200, new bytes32[](0), sig);
        vm.assertEq(validateDirect(op, h), 1);
        op.signature = simpleSig(root, 100, 200, new bytes32[](0), sig);
        vm.assertEq(validateDirect(op, h), pack(200, 100));
    }

    function test_Simple_BoundsEnforcedByEntryPoint() public {
        PackedUserOperation memory op =
            userOp(address(account), 0, abi.encodeCall(MockMeeAccount.execute, (address(0xD00D), 1, "")));
        bytes32 h = opHash(op);
        vm.warp(1000);
        bytes32 root = leafOf(h, 2000, 3000);
        op.signature = simpleSig(root, 2000, 3000, new bytes32[](0), signRoot(ownerKey, root));
        vm.expectRevert(abi.encodeWithSelector(IEntryPoint.FailedOp.selector, 0, "AA22 expired or not due"));
        handle(op);
        vm.warp(2500);
        handle(op);
        vm.assertEq(address(0xD00D).balance, 1);
    }

    function test_Simple_LeafOfAnotherAccount_Rejected() public {
        MockMeeAccount second = newAccount(owner);
        PackedUserOperation memory op = userOp(address(account), 0, "");
        PackedUserOperation memory op2 = userOp(address(second), 0, "");
        bytes32[] memory leaves = new bytes32[](2);
        leaves[0] = leafOf(opHash(op), 0, 0);
        leaves[1] = leafOf(opHash(op2), 0, 0);
        bytes32 root = rootOf(leaves);
        // The proof for account 1's op does not validate account 2's op hash.
        op2.signature = simpleSig(root, 0, 0, proofOf(leaves, 0), signRoot(ownerKey, root));
        vm.assertEq(validateDirect(op2, opHash(op2)), 1);
        op2.signature = simpleSig(root, 0, 0, proofOf(leaves, 1), signRoot(ownerKey, root));
        vm.assertEq(validateDirect(op2, opHash(op2)), 0);
    }

    function test_Simple_OversizedBoundWords_Rejected() public {
        PackedUserOperation memory op = userOp(address(account), 0, "");
        bytes32 h = opHash(op);
        bytes32 root = leafOf(h, 1, 2);
        bytes memory sig = signRoot(ownerKey, root);
        // A bound word above uint48 is not silently truncated.
        op.signature = abi.encodePacked(SIMPLE, abi.encode(root, uint256(1) | (1 << 48), uint256(2), new bytes32[](0), sig));
        vm.assertEq(validateDirect(op, h), 1);
    }

    // ------------------------------------------------------------ gas

    function _simpleGas(uint256 n) internal returns (uint256 used) {
        (PackedUserOperation[] memory ops, bytes32[] memory hashes) = sequentialOps(account, n);
        bytes32[] memory leaves = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            leaves[i] = leafOf(hashes[i], 1, 2);
        }
        bytes32 root = rootOf(leaves);
        ops[0].signature = simpleSig(root, 1, 2, proofOf(leaves, 0), signRoot(ownerKey, root));
        PackedUserOperation memory op = ops[0];
        bytes32 h = hashes[0];
        vm.prank(address(account));
        uint256 g = gasleft();
        uint256 vd = validator.validateUserOp(op, h);
        used = g - gasleft();
        vm.assertEq(vd, pack(2, 1));
    }

    /// Gas of validateUserOp in SIMPLE mode: the first call of the transaction (cold validator
    /// and owner slot, as for the first userOp of a bundle) and warm calls with 1 and 4 leaves.
    function test_Gas_Simple_1_and_4_Leaves() public {
        uint256 cold1 = _simpleGas(1);
        uint256 warm1 = _simpleGas(1);
        uint256 warm4 = _simpleGas(4);
        PackedUserOperation memory op = userOp(address(account), 0, "");
        bytes32 h = opHash(op);
        op.signature = signPacked(ownerKey, ethSignedHash(h));
        vm.prank(address(account));
        uint256 g = gasleft();
        validator.validateUserOp(op, h);
        uint256 warm0 = g - gasleft();
        emit log_named_uint("gas validateUserOp no-MEE (warm)", warm0);
        emit log_named_uint("gas validateUserOp SIMPLE 1 leaf (cold)", cold1);
        emit log_named_uint("gas validateUserOp SIMPLE 1 leaf (warm)", warm1);
        emit log_named_uint("gas validateUserOp SIMPLE 4 leaves (warm)", warm4);
        // Regression bounds around the measured values.
        vm.assertLe(cold1, 19_000, "simple 1 leaf cold");
        vm.assertLe(warm1, 11_500, "simple 1 leaf warm");
        vm.assertLe(warm4, 13_000, "simple 4 leaves warm");
        vm.assertGt(warm4, warm1);
    }

    event log_named_uint(string key, uint256 val);
}
