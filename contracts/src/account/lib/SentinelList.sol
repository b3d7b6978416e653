// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @dev The list head and terminator.
address constant SENTINEL = address(0x1);

/// @dev A singly linked list of addresses anchored at `SENTINEL`; `entries[a]` is the entry after `a`.
struct SentinelList {
    mapping(address => address) entries;
}

/// @title SentinelListLib
/// @notice Insert-at-head linked list used for validators and executors.
library SentinelListLib {
    error LinkedList_AlreadyInitialized();
    error LinkedList_InvalidPage();
    error LinkedList_InvalidEntry(address entry);
    error LinkedList_EntryAlreadyInList(address entry);

    function init(SentinelList storage self) internal {
        if (alreadyInitialized(self)) revert LinkedList_AlreadyInitialized();
        self.entries[SENTINEL] = SENTINEL;
    }

    function alreadyInitialized(SentinelList storage self) internal view returns (bool) {
        return self.entries[SENTINEL] != address(0);
    }

    function getNext(SentinelList storage self, address entry) internal view returns (address) {
        if (entry == address(0)) revert LinkedList_InvalidEntry(entry);
        return self.entries[entry];
    }

    function push(SentinelList storage self, address entry) internal {
        if (entry == address(0) || entry == SENTINEL) revert LinkedList_InvalidEntry(entry);
        if (self.entries[entry] != address(0)) revert LinkedList_EntryAlreadyInList(entry);
        self.entries[entry] = self.entries[SENTINEL];
        self.entries[SENTINEL] = entry;
    }

    /// @dev Removes `entry`, whose predecessor must be `prev` (`SENTINEL` for the head).
    function pop(SentinelList storage self, address prev, address entry) internal {
        if (entry == address(0) || entry == SENTINEL) revert LinkedList_InvalidEntry(entry);
        if (self.entries[prev] != entry) revert LinkedList_InvalidEntry(prev);
        self.entries[prev] = self.entries[entry];
        self.entries[entry] = address(0);
    }

    function contains(SentinelList storage self, address entry) internal view returns (bool) {
        return entry != SENTINEL && self.entries[entry] != address(0);
    }

    /// @dev Up to `size` entries after `start` (`SENTINEL` or zero for the head) and the cursor to continue
    /// from (`SENTINEL` when the list is exhausted).
    function getEntriesPaginated(SentinelList storage self, address start, uint256 size)
        internal
        view
        returns (address[] memory array, address next)
    {
        if (start == address(0)) start = SENTINEL;
        if (start != SENTINEL && !contains(self, start)) revert LinkedList_InvalidEntry(start);
        if (size == 0) revert LinkedList_InvalidPage();
        array = new address[](size);
        uint256 count;
        next = self.entries[start];
        while (count < size && next != SENTINEL && next != address(0)) {
            array[count] = next;
            next = self.entries[next];
            unchecked {
                ++count;
            }
        }
        if (next != SENTINEL && count > 0) next = array[count - 1];
        if (next == address(0)) next = SENTINEL;
        assembly ("memory-safe") {
            mstore(array, count)
        }
    }
}
