// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {_packValidationData} from "account-abstraction/core/Helpers.sol";
import {MeeEcdsa} from "./MeeEcdsa.sol";
import {MeeLeaf, CalldataArrays} from "./MeeTypes.sol";

/// @title SimpleModeLib
/// @notice The off-chain ("simple") MEE mode: the owner signs the supertransaction merkle root and
/// every userOp carries a proof that it is one of the root's leaves.
/// @dev Encodings (after the 4-byte type prefix):
///  - full:  `abi.encode(bytes32 root, uint48 lowerBound, uint48 upperBound, bytes32[] proof, bytes sig)`;
///  - short: `abi.encode(bytes32 root, bytes32[] proof, bytes sig)`.
/// The proof is found through its head offset; the signature is read from the words right after
/// the proof's elements (where `abi.encode` puts it), so its own head word is not consulted. Every
/// read is bounds-checked: malformed input yields a failed validation, never an out-of-range read.
library SimpleModeLib {
    uint256 private constant SIG_VALIDATION_FAILED = 1;

    /// @notice Full encoding against a userOp hash; returns ERC-4337 validation data carrying
    /// `validAfter = lowerBound` and `validUntil = upperBound`.
    function validateUserOp(bytes32 userOpHash, bytes calldata data, address owner) internal view returns (uint256) {
        if (data.length < 0xa0) return SIG_VALIDATION_FAILED;
        uint256 lower = uint256(bytes32(data[32:64]));
        uint256 upper = uint256(bytes32(data[64:96]));
        if (lower > type(uint48).max || upper > type(uint48).max) return SIG_VALIDATION_FAILED;
        bytes32 leaf = MeeLeaf.hash(userOpHash, lower, upper);
        if (!_check(owner, leaf, bytes32(data[0:32]), data, uint256(bytes32(data[96:128])))) {
            return SIG_VALIDATION_FAILED;
        }
        return _packValidationData(false, uint48(upper), uint48(lower));
    }

    /// @notice Short encoding: `hash` itself must be a leaf of the signed root.
    function isValidShort(address owner, bytes32 hash, bytes calldata data) internal view returns (bool) {
        if (data.length < 0x60) return false;
        return _check(owner, hash, bytes32(data[0:32]), data, uint256(bytes32(data[32:64])));
    }

    /// @dev `owner` signed `root` and `leaf` is in the tree under `root`.
    function _check(address owner, bytes32 leaf, bytes32 root, bytes calldata data, uint256 proofOffset)
        private
        view
        returns (bool)
    {
        (bool ok, bytes32[] calldata proof, bytes calldata sig) = _tail(data, proofOffset);
        if (!ok) return false;
        if (!MeeEcdsa.isValidCalldataPersonalFirst(owner, root, sig)) return false;
        return MerkleProof.verifyCalldata(proof, root, leaf);
    }

    /// @dev The proof at `proofOffset` and the length-prefixed signature right after it.
    function _tail(bytes calldata data, uint256 proofOffset)
        private
        pure
        returns (bool ok, bytes32[] calldata proof, bytes calldata sig)
    {
        proof = CalldataArrays.words(data, 0, 0);
        sig = data[0:0];
        uint256 len = data.length;
        // Every quantity is compared against `len` before use, so none of the sums can overflow.
        if (proofOffset > len || len - proofOffset < 32) return (false, proof, sig);
        uint256 count = uint256(bytes32(data[proofOffset:proofOffset + 32]));
        uint256 start = proofOffset + 32;
        if (count > (len - start) / 32) return (false, proof, sig);
        uint256 sigHead = start + count * 32;
        if (len - sigHead < 32) return (false, proof, sig);
        uint256 sigLen = uint256(bytes32(data[sigHead:sigHead + 32]));
        if (sigLen > len - sigHead - 32) return (false, proof, sig);
        proof = CalldataArrays.words(data, start, count);
        sig = data[sigHead + 32:sigHead + 32 + sigLen];
        ok = true;
    }
}
