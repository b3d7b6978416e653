// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {PackedUserOperation} from "account-abstraction/interfaces/PackedUserOperation.sol";
import {IUserOpPolicy, IActionPolicy, I1271Policy} from "../interfaces/IPolicy.sol";
import {PolicyBase} from "./PolicyBase.sol";

/// @title SudoPolicy
/// @notice Allows everything: userOp, action and ERC-1271 checks always pass. Init data is ignored.
/// Stateless, so it has nothing to reset.
contract SudoPolicy is PolicyBase, IUserOpPolicy, IActionPolicy, I1271Policy {
    function initializeWithMultiplexer(address account, bytes32 configId, bytes calldata) external {
        emit PolicySet(configId, msg.sender, account);
    }

    function checkUserOpPolicy(bytes32, PackedUserOperation calldata) external pure returns (uint256) {
        return 0;
    }

    function checkAction(bytes32, address, address, uint256, bytes calldata) external pure returns (uint256) {
        return 0;
    }

    function check1271SignedAction(bytes32, address, address, bytes32, bytes calldata) external pure returns (bool) {
        return true;
    }

    function _supports(bytes4 id) internal pure override returns (bool) {
        return id == type(IUserOpPolicy).interfaceId || id == type(IActionPolicy).interfaceId
            || id == type(I1271Policy).interfaceId;
    }
}
