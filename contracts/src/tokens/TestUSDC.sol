// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {ERC20} from "solady/tokens/ERC20.sol";

/// @title TestUSDC
/// @notice A USDC stand-in for local devnets: 6 decimals, EIP-2612 `permit` under the domain
/// ("USD Coin", "2", chainId, address(this)) that USDC uses, and an open `mint`.
/// @dev Holds no constructor-set storage, so its runtime code can be placed at any address (the
/// devnet etches it at one fixed address on every chain) and it works there unchanged: the EIP-712
/// domain separator is computed from `block.chainid` and `address(this)` on every call.
contract TestUSDC is ERC20 {
    bytes32 private constant _NAME_HASH = keccak256("USD Coin");
    bytes32 private constant _VERSION_HASH = keccak256("2");

    /// @notice Mints `amount` tokens to `to`. Open to anyone: this token exists only on test chains.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @inheritdoc ERC20
    function name() public pure override returns (string memory) {
        return "USD Coin";
    }

    /// @inheritdoc ERC20
    function symbol() public pure override returns (string memory) {
        return "USDC";
    }

    /// @inheritdoc ERC20
    function decimals() public pure override returns (uint8) {
        return 6;
    }

    /// @notice The EIP-712 domain version, as USDC reports it.
    function version() external pure returns (string memory) {
        return "2";
    }

    function _constantNameHash() internal pure override returns (bytes32) {
        return _NAME_HASH;
    }

    function _versionHash() internal pure override returns (bytes32) {
        return _VERSION_HASH;
    }
}
