// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {MAX_SET_ENTRIES} from "../DataTypes.sol";

/// @notice A set of up to `MAX_SET_ENTRIES` bytes32 values per account whose every slot is
/// ERC-7562 "associated storage" of that account.
/// @dev Layout, for a set rooted at slot `S`:
/// - `_entries[account]` lives at `keccak256(account ‖ S) + n`: `n = 0` holds the length, `n = 1 + i`
///   the i-th value, so `n ≤ 127 < 128` (STO-021 allows `keccak(A ‖ x) + n` with `n ≤ 128`);
/// - `_position[value][account]` lives at `keccak256(account ‖ keccak256(value ‖ (S + 1)))`: 1-based
///   index of `value`, 0 when absent.
/// The account is always the last (innermost) mapping key, so it starts the final keccak preimage.
struct AssociatedSet {
    mapping(address account => SetEntries) _entries;
    mapping(bytes32 value => mapping(address account => uint256 position)) _position;
}

struct SetEntries {
    uint256 length;
    bytes32[MAX_SET_ENTRIES] values;
}

library AssociatedSetLib {
    error TooManyEntries();

    function contains(AssociatedSet storage set, address account, bytes32 value) internal view returns (bool) {
        return set._position[value][account] != 0;
    }

    function length(AssociatedSet storage set, address account) internal view returns (uint256) {
        return set._entries[account].length;
    }

    function at(AssociatedSet storage set, address account, uint256 index) internal view returns (bytes32) {
        return set._entries[account].values[index];
    }

    /// @return added false if `value` was already present.
    function add(AssociatedSet storage set, address account, bytes32 value) internal returns (bool added) {
        mapping(address => uint256) storage pos = set._position[value];
        if (pos[account] != 0) return false;
        SetEntries storage e = set._entries[account];
        uint256 len = e.length;
        if (len >= MAX_SET_ENTRIES) revert TooManyEntries();
        e.values[len] = value;
        e.length = len + 1;
        pos[account] = len + 1;
        return true;
    }

    /// @return removed false if `value` was absent. The last value moves into the freed index.
    function remove(AssociatedSet storage set, address account, bytes32 value) internal returns (bool removed) {
        uint256 position = set._position[value][account];
        if (position == 0) return false;
        SetEntries storage e = set._entries[account];
        uint256 last = e.length - 1;
        if (position - 1 != last) {
            bytes32 moved = e.values[last];
            e.values[position - 1] = moved;
            set._position[moved][account] = position;
        }
        e.values[last] = bytes32(0);
        e.length = last;
        set._position[value][account] = 0;
        return true;
    }

    /// @notice Empties the set. Reads every value before clearing anything, so no index shifts
    /// under the loop.
    function clear(AssociatedSet storage set, address account) internal {
        SetEntries storage e = set._entries[account];
        uint256 len = e.length;
        for (uint256 i; i < len; ++i) {
            bytes32 v = e.values[i];
            set._position[v][account] = 0;
            e.values[i] = bytes32(0);
        }
        e.length = 0;
    }

    function values(AssociatedSet storage set, address account) internal view returns (bytes32[] memory out) {
        SetEntries storage e = set._entries[account];
        uint256 len = e.length;
        out = new bytes32[](len);
        for (uint256 i; i < len; ++i) {
            out[i] = e.values[i];
        }
    }

    function addressValues(AssociatedSet storage set, address account) internal view returns (address[] memory out) {
        SetEntries storage e = set._entries[account];
        uint256 len = e.length;
        out = new address[](len);
        for (uint256 i; i < len; ++i) {
            out[i] = address(uint160(uint256(e.values[i])));
        }
    }
}
