// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {PackedUserOperation} from "account-abstraction/interfaces/PackedUserOperation.sol";

/// @notice Test policy returning a configurable validation data word (userOp and action kinds).
contract MockWindowPolicy {
    uint256 public result;
    bool public shouldRevert;

    function set(uint256 result_, bool shouldRevert_) external {
        result = result_;
        shouldRevert = shouldRevert_;
    }

    function supportsInterface(bytes4 id) external pure returns (bool) {
        return id == 0x01ffc9a7 || id == 0x7129edce || id == 0x05c00895 || id == 0x989c9e46;
    }

    function initializeWithMultiplexer(address, bytes32, bytes calldata) external {}

    function checkUserOpPolicy(bytes32, PackedUserOperation calldata) external view returns (uint256) {
        if (shouldRevert) revert("policy-reverted");
        return result;
    }

    function checkAction(bytes32, address, address, uint256, bytes calldata) external view returns (uint256) {
        if (shouldRevert) revert("policy-reverted");
        return result;
    }
}

/// @notice A contract that does not implement ERC-165.
contract NoInterfacePolicy {
    function initializeWithMultiplexer(address, bytes32, bytes calldata) external {}
}

/// @notice Simple call target.
contract Target {
    uint256 public calls;
    uint256 public received;

    function ping(uint256) external payable {
        calls++;
        received += msg.value;
    }

    receive() external payable {
        received += msg.value;
    }
}
