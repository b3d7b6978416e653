// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {_packValidationData} from "account-abstraction/core/Helpers.sol";
import {MeeEcdsa} from "./MeeEcdsa.sol";
import {MeeLeaf, CalldataArrays} from "./MeeTypes.sol";
import {RlpTxLib} from "./RlpTxLib.sol";

/// @title TxModeLib
/// @notice The Fusion on-chain MEE mode: the owner sent an ordinary transaction whose calldata ends
/// with the supertransaction root, and the signed transaction itself is the authorisation.
/// @dev Encodings (after the 4-byte type prefix):
///  - full:  `txType ‖ signedRlpTx ‖ proof[0..n] (n × 32 bytes) ‖ uint8 n ‖ bytes6 lowerBound ‖ bytes6 upperBound`;
///  - short: `txType ‖ signedRlpTx ‖ proof[0..n] ‖ uint8 n`.
/// `txType` is 0x00 for legacy transactions (prepended) and 0x02 for EIP-1559 ones (their own
/// type byte). The transaction's chain is not checked: one Fusion transaction authorises the
/// supertransaction's userOps on every chain, and each userOp hash already commits to its chain.
library TxModeLib {
    uint256 private constant SIG_VALIDATION_FAILED = 1;
    uint256 private constant TIMESTAMPS_SIZE = 12;

    /// @notice Full encoding against a userOp hash; returns validation data with the bounds.
    function validateUserOp(bytes32 userOpHash, bytes calldata data, address owner) internal view returns (uint256) {
        uint256 len = data.length;
        if (len < TIMESTAMPS_SIZE + 1) return SIG_VALIDATION_FAILED;
        uint256 lower = uint48(bytes6(data[len - 12:len - 6]));
        uint256 upper = uint48(bytes6(data[len - 6:len]));
        if (!isValidShort(owner, MeeLeaf.hash(userOpHash, lower, upper), data[:len - TIMESTAMPS_SIZE])) {
            return SIG_VALIDATION_FAILED;
        }
        return _packValidationData(false, uint48(upper), uint48(lower));
    }

    /// @notice Short encoding: `hash` itself must be a leaf of the root carried by the transaction.
    function isValidShort(address owner, bytes32 hash, bytes calldata data) internal view returns (bool) {
        (bool ok, bytes32 root, bytes32[] calldata proof) = _check(data, owner);
        if (!ok) return false;
        return MerkleProof.verifyCalldata(proof, root, hash);
    }

    /// @dev Splits `txType ‖ tx ‖ proof ‖ uint8 n`, checks the transaction was signed by `owner`
    /// and returns the root appended to its calldata together with the proof.
    function _check(bytes calldata data, address owner)
        private
        view
        returns (bool ok, bytes32 root, bytes32[] calldata proof)
    {
        proof = CalldataArrays.words(data, 0, 0);
        uint256 len = data.length;
        if (len < 1) return (false, root, proof);
        uint256 count = uint8(data[len - 1]);
        uint256 appended = count * 32 + 1;
        if (len < appended + 2) return (false, root, proof);
        uint256 txEnd = len - appended;
        (bool parsed, RlpTxLib.SignedTx memory t) = RlpTxLib.parse(data[:txEnd]);
        if (!parsed) return (false, root, proof);
        if (!MeeEcdsa.isValid(owner, t.unsignedHash, t.v, t.r, t.s)) return (false, root, proof);
        return (true, t.appendedHash, CalldataArrays.words(data, txEnd, count));
    }
}
