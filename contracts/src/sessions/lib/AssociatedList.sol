// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {MAX_SET_ENTRIES} from "../DataTypes.sol";
import {SetEntries} from "./AssociatedSet.sol";

/// @notice A list of up to `MAX_SET_ENTRIES` distinct bytes32 values per account, without a position
/// index: membership is a scan. For lists that validation only iterates (action ids), where the
/// index slot per value (22.1k gas on every add) buys nothing.
/// @dev `_entries[account]` lives at `keccak256(account ‖ S) + n`: `n = 0` the length, `n = 1 + i` the
/// i-th value (n ≤ 127), so every slot is ERC-7562 associated storage of the account.
struct AssociatedList {
    mapping(address account => SetEntries) _entries;
}

/// @notice A list of up to `MAX_SET_ENTRIES` distinct addresses per account (policies), the length
/// packed with the first address: `_slots[account][0] = length << 160 | first`, `_slots[account][i]
/// = i-th address`. A one-policy list is a single slot.
/// @dev Slots at `keccak256(account ‖ S) + i`, `i ≤ 126`: ERC-7562 associated storage.
struct AddressList {
    mapping(address account => bytes32[MAX_SET_ENTRIES]) _slots;
}

library AssociatedListLib {
    error TooManyEntries();

    function length(AssociatedList storage list, address account) internal view returns (uint256) {
        return list._entries[account].length;
    }

    function at(AssociatedList storage list, address account, uint256 index) internal view returns (bytes32) {
        return list._entries[account].values[index];
    }

    function contains(AssociatedList storage list, address account, bytes32 value) internal view returns (bool) {
        return _indexOf(list._entries[account], value) != type(uint256).max;
    }

    /// @return added false if `value` was already present.
    function add(AssociatedList storage list, address account, bytes32 value) internal returns (bool added) {
        SetEntries storage e = list._entries[account];
        if (_indexOf(e, value) != type(uint256).max) return false;
        uint256 len = e.length;
        if (len >= MAX_SET_ENTRIES) revert TooManyEntries();
        e.values[len] = value;
        e.length = len + 1;
        return true;
    }

    /// @return removed false if `value` was absent. The last value moves into the freed index.
    function remove(AssociatedList storage list, address account, bytes32 value) internal returns (bool removed) {
        SetEntries storage e = list._entries[account];
        uint256 i = _indexOf(e, value);
        if (i == type(uint256).max) return false;
        uint256 last = e.length - 1;
        if (i != last) e.values[i] = e.values[last];
        e.values[last] = bytes32(0);
        e.length = last;
        return true;
    }

    function clear(AssociatedList storage list, address account) internal {
        SetEntries storage e = list._entries[account];
        uint256 len = e.length;
        for (uint256 i; i < len; ++i) {
            e.values[i] = bytes32(0);
        }
        e.length = 0;
    }

    function values(AssociatedList storage list, address account) internal view returns (bytes32[] memory out) {
        SetEntries storage e = list._entries[account];
        uint256 len = e.length;
        out = new bytes32[](len);
        for (uint256 i; i < len; ++i) {
            out[i] = e.values[i];
        }
    }

    function _indexOf(SetEntries storage e, bytes32 value) private view returns (uint256) {
        uint256 len = e.length;
        for (uint256 i; i < len; ++i) {
            if (e.values[i] == value) return i;
        }
        return type(uint256).max;
    }
}

library AddressListLib {
    error TooManyEntries();

    function length(AddressList storage list, address account) internal view returns (uint256) {
        return uint256(list._slots[account][0]) >> 160;
    }

    /// @notice The i-th address, as a bytes32 word (the form the other sets use).
    function at(AddressList storage list, address account, uint256 index) internal view returns (bytes32) {
        return bytes32(uint256(uint160(uint256(list._slots[account][index]))));
    }

    function contains(AddressList storage list, address account, bytes32 value) internal view returns (bool) {
        return _indexOf(list._slots[account], value) != type(uint256).max;
    }

    /// @return added false if `value` was already present. `value` must be an address word.
    function add(AddressList storage list, address account, bytes32 value) internal returns (bool added) {
        bytes32[MAX_SET_ENTRIES] storage s = list._slots[account];
        if (_indexOf(s, value) != type(uint256).max) return false;
        uint256 head = uint256(s[0]);
        uint256 len = head >> 160;
        if (len >= MAX_SET_ENTRIES) revert TooManyEntries();
        uint256 addr = uint160(uint256(value));
        if (len == 0) {
            s[0] = bytes32((uint256(1) << 160) | addr);
        } else {
            s[len] = bytes32(addr);
            s[0] = bytes32(((len + 1) << 160) | uint160(head));
        }
        return true;
    }

    /// @return removed false if `value` was absent. The last address moves into the freed index.
    function remove(AddressList storage list, address account, bytes32 value) internal returns (bool removed) {
        bytes32[MAX_SET_ENTRIES] storage s = list._slots[account];
        uint256 i = _indexOf(s, value);
        if (i == type(uint256).max) return false;
        uint256 head = uint256(s[0]);
        uint256 last = (head >> 160) - 1;
        uint256 first = uint160(head);
        if (i != last) {
            uint256 moved = uint160(uint256(s[last]));
            if (i == 0) first = moved;
            else s[i] = bytes32(moved);
        }
        if (last != 0) s[last] = bytes32(0);
        s[0] = last == 0 ? bytes32(0) : bytes32((last << 160) | first);
        return true;
    }

    function clear(AddressList storage list, address account) internal {
        bytes32[MAX_SET_ENTRIES] storage s = list._slots[account];
        uint256 len = uint256(s[0]) >> 160;
        for (uint256 i = 1; i < len; ++i) {
            s[i] = bytes32(0);
        }
        s[0] = bytes32(0);
    }

    function addressValues(AddressList storage list, address account) internal view returns (address[] memory out) {
        bytes32[MAX_SET_ENTRIES] storage s = list._slots[account];
        uint256 len = uint256(s[0]) >> 160;
        out = new address[](len);
        for (uint256 i; i < len; ++i) {
            out[i] = address(uint160(uint256(s[i])));
        }
    }

    function _indexOf(bytes32[MAX_SET_ENTRIES] storage s, bytes32 value) private view returns (uint256) {
        uint256 len = uint256(s[0]) >> 160;
        for (uint256 i; i < len; ++i) {
            if (uint160(uint256(s[i])) == uint256(value)) return i;
        }
        return type(uint256).max;
    }
}
