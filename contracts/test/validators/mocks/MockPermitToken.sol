// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/// @notice Test-only ERC-2612 token.
contract MockPermitToken is ERC20, ERC20Permit {
    constructor() ERC20("Mock Permit", "MPT") ERC20Permit("Mock Permit") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}

/// @notice Test-only token whose `permit` always fails.
contract BrokenPermitToken is ERC20 {
    constructor() ERC20("Broken", "BRK") {}

    function permit(address, address, uint256, uint256, uint8, bytes32, bytes32) external pure {
        revert("no permit");
    }

    function setAllowance(address owner, address spender, uint256 amount) external {
        _approve(owner, spender, amount);
    }
}
