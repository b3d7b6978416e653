// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @title AccountProxy
/// @notice ERC-1967 proxy for a smart account. The constructor sets the transient INIT_SLOT flag (so the
/// implementation's `initializeAccount` accepts this one call), stores the implementation and
/// delegatecalls `data` to it.
contract AccountProxy {
    /// @notice ERC-1967 implementation changed.
    event Upgraded(address indexed implementation);

    /// @notice The implementation has no code.
    error InvalidImplementation(address implementation);

    /// @dev ERC-1967 implementation slot.
    bytes32 internal constant _IMPLEMENTATION_SLOT = 0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc;
    /// @dev Transient flag read by `initializeAccount`.
    bytes32 internal constant _INIT_SLOT = 0x90b772c2cb8a51aa7a8a65fc23543c6d022d5b3f8e2b92eed79fba7eef829300;

    constructor(address implementation, bytes memory data) payable {
        if (implementation.code.length == 0) revert InvalidImplementation(implementation);
        assembly ("memory-safe") {
            tstore(_INIT_SLOT, 1)
            sstore(_IMPLEMENTATION_SLOT, implementation)
        }
        emit Upgraded(implementation);
        if (data.length != 0) {
            (bool success, bytes memory ret) = implementation.delegatecall(data);
            if (!success) {
                assembly ("memory-safe") {
                    revert(add(ret, 0x20), mload(ret))
                }
            }
        }
        assembly ("memory-safe") {
            tstore(_INIT_SLOT, 0)
        }
    }

    fallback() external payable {
        assembly {
            let implementation := sload(_IMPLEMENTATION_SLOT)
            calldatacopy(0x00, 0x00, calldatasize())
            let success := delegatecall(gas(), implementation, 0x00, calldatasize(), 0x00, 0x00)
            returndatacopy(0x00, 0x00, returndatasize())
            if iszero(success) { revert(0x00, returndatasize()) }
            return(0x00, returndatasize())
        }
    }
}
