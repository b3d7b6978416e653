// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {PackedUserOperation} from "account-abstraction/interfaces/PackedUserOperation.sol";
import {MeeTestBase} from "./MeeTestBase.sol";

/// @notice Random signatures never panic or read out of range; merkle proofs verify exactly
/// for the leaves of the tree.
contract K1MeeValidatorFuzzTest is MeeTestBase {
    bytes4[4] internal prefixes = [bytes4(0x177eee00), bytes4(0x177eee01), bytes4(0x177eee02), bytes4(0)];

    function _sig(uint8 which, bytes memory body) internal view returns (bytes memory) {
        bytes4 p = prefixes[which % 4];
        return p == bytes4(0) ? body : abi.encodePacked(p, body);
    }

    /// validateUserOp on random bytes returns a failure code (no panic, no revert).
    function testFuzz_ValidateUserOp_RandomBytes_CleanFailure(uint8 which, bytes calldata body, bytes32 h) public {
        PackedUserOperation memory op = userOp(address(account), 0, "");
        op.signature = _sig(which, body);
        vm.prank(address(account));
        // The permit mode may revert with PermitFailed only after a valid owner signature, which
        // random bytes cannot produce; every other outcome must be the failure code.
        uint256 vd = validator.validateUserOp(op, h);
        vm.assertEq(vd, 1);
    }

    /// Random words shaped like the ABI layouts (small offsets and lengths) also fail cleanly.
    function testFuzz_ValidateUserOp_StructuredGarbage(uint8 which, uint8 off, uint8 count, uint16 sigLen, bytes32 salt)
        public
    {
        bytes memory body = abi.encode(salt, uint256(1), uint256(2), uint256(off), uint256(count), uint256(sigLen));
        body = abi.encodePacked(body, keccak256(abi.encode(salt)), uint256(count), uint256(sigLen));
        PackedUserOperation memory op = userOp(address(account), 0, "");
        op.signature = _sig(which, body);
        vm.prank(address(account));
        vm.assertEq(validator.validateUserOp(op, salt), 1);
    }

    /// Truncating a valid SIMPLE signature at any point makes it fail cleanly.
    function testFuzz_Simple_Truncated_CleanFailure(uint256 cut) public {
        PackedUserOperation memory op = userOp(address(account), 0, "");
        bytes32 h = opHash(op);
        bytes32[] memory leaves = new bytes32[](3);
        leaves[0] = leafOf(h, 1, 2);
        leaves[1] = keccak256("b");
        leaves[2] = keccak256("c");
        bytes32 root = rootOf(leaves);
        bytes memory full = simpleSig(root, 1, 2, proofOf(leaves, 0), signRoot(ownerKey, root));
        cut = bound(cut, 0, full.length - 1);
        bytes memory truncated = new bytes(cut);
        for (uint256 i; i < cut; ++i) {
            truncated[i] = full[i];
        }
        op.signature = truncated;
        // The signature's ABI padding (31 zero bytes after its 65 bytes) carries no data.
        vm.assertEq(validateDirect(op, h), cut >= full.length - 31 ? pack(2, 1) : 1);
        op.signature = full;
        vm.assertEq(validateDirect(op, h), pack(2, 1));
    }

    /// The stateless and ERC-1271 paths return false / invalid on random bytes.
    function testFuzz_ShortPaths_RandomBytes_CleanFailure(uint8 which, bytes calldata body, bytes32 h) public {
        bytes memory sig = _sig(which, body);
        vm.assertFalse(validator.validateSignatureWithData(h, sig, abi.encodePacked(owner)));
        vm.prank(address(account));
        bytes4 r = validator.isValidSignatureWithSender(address(0xA99), h, abi.encodePacked(bytes3(0x177eee), sig));
        vm.assertEq(r, bytes4(0xffffffff));
    }

    /// ERC-7739 path on random bytes: invalid, or InvalidSignature for a high-s word.
    function testFuzz_Erc7739_RandomBytes(bytes calldata body, bytes32 h) public {
        vm.assume(body.length < 3 || bytes3(body[:3]) != bytes3(0x177eee));
        vm.prank(address(account));
        try validator.isValidSignatureWithSender(address(0xA99), h, body) returns (bytes4 r) {
            vm.assertEq(r, bytes4(0xffffffff));
        } catch (bytes memory err) {
            vm.assertEq(bytes4(err), bytes4(keccak256("InvalidSignature()")));
        }
    }

    /// Every leaf of a random tree verifies under its root with its own proof and no other.
    function testFuzz_Merkle_ProofsOfRandomTrees(bytes32 seed, uint8 size, uint8 pick) public {
        uint256 n = bound(size, 1, 16);
        uint256 i = bound(pick, 0, n - 1);
        bytes32[] memory leaves = new bytes32[](n);
        for (uint256 k; k < n; ++k) {
            leaves[k] = keccak256(abi.encode(seed, k));
        }
        bytes32 root = rootOf(leaves);
        bytes memory rootSig = signRoot(ownerKey, root);
        bytes32[] memory proof = proofOf(leaves, i);
        vm.assertTrue(
            validator.validateSignatureWithData(leaves[i], simpleShortSig(root, proof, rootSig), abi.encodePacked(owner))
        );
        if (n > 1) {
            uint256 j = (i + 1) % n;
            vm.assertFalse(
                validator.validateSignatureWithData(leaves[j], simpleShortSig(root, proof, rootSig), abi.encodePacked(owner))
            );
        }
        if (proof.length > 0) {
            proof[proof.length - 1] ^= bytes32(uint256(1));
            vm.assertFalse(
                validator.validateSignatureWithData(leaves[i], simpleShortSig(root, proof, rootSig), abi.encodePacked(owner))
            );
        }
    }
}
