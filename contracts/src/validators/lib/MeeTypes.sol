// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @dev The 3-byte marker shared by every MEE signature type.
bytes3 constant SIG_TYPE_MEE_FLOW = 0x177eee;
/// @dev Off-chain mode: the owner signed the supertransaction merkle root.
bytes4 constant SIG_TYPE_SIMPLE = 0x177eee00;
/// @dev Fusion on-chain mode: the root is the tail of a signed EVM transaction's calldata.
bytes4 constant SIG_TYPE_ON_CHAIN = 0x177eee01;
/// @dev Fusion permit mode: the root is the deadline of a signed ERC-2612 permit.
bytes4 constant SIG_TYPE_ERC20_PERMIT = 0x177eee02;

/// @title MeeLeaf
/// @notice Merkle leaves of a supertransaction (MEE < 2.2.0).
library MeeLeaf {
    /// @notice The leaf of a userOp with its execution window:
    /// `keccak256(keccak256(abi.encode(userOpHash, lowerBound, upperBound)))`, both bounds as uint256 words.
    function hash(bytes32 userOpHash, uint256 lowerBound, uint256 upperBound) internal pure returns (bytes32 leaf) {
        /// @solidity memory-safe-assembly
        assembly {
            let m := mload(0x40)
            mstore(m, userOpHash)
            mstore(add(m, 0x20), lowerBound)
            mstore(add(m, 0x40), upperBound)
            mstore(0x00, keccak256(m, 0x60))
            leaf := keccak256(0x00, 0x20)
        }
    }
}

/// @title CalldataArrays
/// @notice Views of packed 32-byte words in calldata as `bytes32[]`, for OpenZeppelin's calldata
/// merkle verifier.
library CalldataArrays {
    /// @notice `count` consecutive words of `data` starting at byte `start`. The caller guarantees
    /// `start + count * 32 <= data.length`.
    function words(bytes calldata data, uint256 start, uint256 count) internal pure returns (bytes32[] calldata arr) {
        /// @solidity memory-safe-assembly
        assembly {
            arr.offset := add(data.offset, start)
            arr.length := count
        }
    }
}
