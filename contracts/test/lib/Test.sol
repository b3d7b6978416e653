// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Vm} from "./Vm.sol";

/// @title Test
/// @notice Base contract for this project's forge tests: the cheatcode handle, bounded fuzz inputs
/// and the invariant-target hooks forge looks for. Assertions are forge's own cheatcodes
/// (`vm.assertEq`, …), which revert with a formatted message on failure.
abstract contract Test {
    /// @dev The address forge answers cheatcodes at: address(uint160(uint256(keccak256("hevm cheat code")))).
    Vm internal constant vm = Vm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);

    /// @dev forge treats a contract with this flag as a test contract.
    bool public IS_TEST = true;

    address[] private _targetContracts;
    address[] private _excludeContracts;

    /// @notice Maps `x` into [min, max] without discarding fuzz runs.
    function bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        require(min <= max, "bound: min > max");
        uint256 size = max - min;
        if (size == type(uint256).max) return x;
        return min + (x % (size + 1));
    }

    /// @notice A deterministic key pair from a label.
    function makeKey(string memory name) internal returns (address signer, uint256 privateKey) {
        privateKey = uint256(keccak256(bytes(name))) % SECP256K1_N;
        if (privateKey == 0) privateKey = 1;
        signer = vm.addr(privateKey);
        vm.label(signer, name);
    }

    /// @notice A signature `r ‖ s ‖ v` over `digest`.
    function signPacked(uint256 privateKey, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(privateKey, digest);
        return abi.encodePacked(r, s, v);
    }

    /// @notice The EIP-191 "\x19Ethereum Signed Message:\n32" digest of a 32-byte hash.
    function ethSignedHash(bytes32 hash) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked("\x19Ethereum Signed Message:\n32", hash));
    }

    uint256 internal constant SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    // ---- invariant targets (forge calls these when present) ----

    function targetContract(address target) internal {
        _targetContracts.push(target);
    }

    function excludeContract(address target) internal {
        _excludeContracts.push(target);
    }

    function targetContracts() public view returns (address[] memory) {
        return _targetContracts;
    }

    function excludeContracts() public view returns (address[] memory) {
        return _excludeContracts;
    }
}
