// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Session} from "../DataTypes.sol";

/// @notice Identifier derivations of Smart Sessions v1.
library IdLib {
    /// @notice keccak256(abi.encode(sessionValidator, sessionValidatorInitData, salt)).
    function permissionId(Session calldata session) internal pure returns (bytes32) {
        return keccak256(abi.encode(session.sessionValidator, session.sessionValidatorInitData, session.salt));
    }

    function permissionIdMemory(Session memory session) internal pure returns (bytes32) {
        return keccak256(abi.encode(session.sessionValidator, session.sessionValidatorInitData, session.salt));
    }

    /// @notice keccak256(abi.encodePacked(target, selector)): 24 bytes hashed.
    function actionId(address target, bytes4 selector) internal pure returns (bytes32 id) {
        assembly ("memory-safe") {
            mstore(0x00, shl(96, target))
            mstore(0x14, selector)
            id := keccak256(0x00, 0x18)
        }
    }

    /// @notice Config id of the userOp policies: keccak256(account ‖ permissionId).
    function userOpConfigId(bytes32 permissionId_, address account) internal pure returns (bytes32 id) {
        assembly ("memory-safe") {
            mstore(0x00, shl(96, account))
            mstore(0x14, permissionId_)
            id := keccak256(0x00, 0x34)
        }
    }

    /// @notice Config id of an action's policies: keccak256(account ‖ keccak256(permissionId ‖ actionId)).
    function actionConfigId(bytes32 permissionId_, bytes32 actionId_, address account)
        internal
        pure
        returns (bytes32 id)
    {
        assembly ("memory-safe") {
            mstore(0x00, permissionId_)
            mstore(0x20, actionId_)
            let inner := keccak256(0x00, 0x40)
            mstore(0x00, shl(96, account))
            mstore(0x14, inner)
            id := keccak256(0x00, 0x34)
        }
    }

    /// @notice Config id of the ERC-1271 policies: keccak256(account ‖ keccak256("ERC1271: " ‖ permissionId)).
    function erc1271ConfigId(bytes32 permissionId_, address account) internal pure returns (bytes32) {
        bytes32 inner = keccak256(abi.encodePacked("ERC1271: ", permissionId_));
        return keccak256(abi.encodePacked(account, inner));
    }
}
