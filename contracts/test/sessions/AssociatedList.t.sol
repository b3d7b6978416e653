// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test} from "../lib/Test.sol";
import {AddressList, AddressListLib, AssociatedList, AssociatedListLib} from "../../src/sessions/lib/AssociatedList.sol";

contract ListHarness {
    using AddressListLib for AddressList;
    using AssociatedListLib for AssociatedList;

    AddressList internal addrs;
    AssociatedList internal words;

    function addAddr(address a, bytes32 v) external returns (bool) {
        return addrs.add(a, v);
    }

    function removeAddr(address a, bytes32 v) external returns (bool) {
        return addrs.remove(a, v);
    }

    function clearAddr(address a) external {
        addrs.clear(a);
    }

    function addrValues(address a) external view returns (address[] memory) {
        return addrs.addressValues(a);
    }

    function containsAddr(address a, bytes32 v) external view returns (bool) {
        return addrs.contains(a, v);
    }

    function addWord(address a, bytes32 v) external returns (bool) {
        return words.add(a, v);
    }

    function removeWord(address a, bytes32 v) external returns (bool) {
        return words.remove(a, v);
    }

    function wordValues(address a) external view returns (bytes32[] memory) {
        return words.values(a);
    }
}

/// @notice The position-free lists behave as sets: random add / remove sequences match a model.
contract AssociatedListTest is Test {
    ListHarness internal h;
    address internal constant ACCOUNT = address(0xACC);

    function setUp() public {
        h = new ListHarness();
    }

    function _in(address[] memory xs, address x) internal pure returns (bool) {
        for (uint256 i; i < xs.length; ++i) {
            if (xs[i] == x) return true;
        }
        return false;
    }

    function testFuzz_addressList_matchesModel(uint8[32] memory ops) public {
        bool[8] memory model;
        for (uint256 k; k < ops.length; ++k) {
            uint256 idx = ops[k] % 8;
            bytes32 v = bytes32(uint256(uint160(0x1000 + idx)));
            if (ops[k] & 0x80 == 0) {
                vm.assertEq(h.addAddr(ACCOUNT, v), !model[idx]);
                model[idx] = true;
            } else {
                vm.assertEq(h.removeAddr(ACCOUNT, v), model[idx]);
                model[idx] = false;
            }
            address[] memory got = h.addrValues(ACCOUNT);
            uint256 n;
            for (uint256 i; i < 8; ++i) {
                address x = address(uint160(0x1000 + i));
                vm.assertEq(_in(got, x), model[i]);
                vm.assertEq(h.containsAddr(ACCOUNT, bytes32(uint256(uint160(x)))), model[i]);
                if (model[i]) ++n;
            }
            vm.assertEq(got.length, n);
        }
        h.clearAddr(ACCOUNT);
        vm.assertEq(h.addrValues(ACCOUNT).length, 0);
        // other accounts never see these entries
        vm.assertEq(h.addrValues(address(0xB0B)).length, 0);
    }

    function testFuzz_wordList_matchesModel(uint8[32] memory ops) public {
        bool[8] memory model;
        for (uint256 k; k < ops.length; ++k) {
            uint256 idx = ops[k] % 8;
            bytes32 v = keccak256(abi.encode(idx));
            if (ops[k] & 0x80 == 0) {
                vm.assertEq(h.addWord(ACCOUNT, v), !model[idx]);
                model[idx] = true;
            } else {
                vm.assertEq(h.removeWord(ACCOUNT, v), model[idx]);
                model[idx] = false;
            }
        }
        bytes32[] memory got = h.wordValues(ACCOUNT);
        uint256 n;
        for (uint256 i; i < 8; ++i) {
            bool found;
            for (uint256 j; j < got.length; ++j) {
                if (got[j] == keccak256(abi.encode(i))) found = true;
            }
            vm.assertEq(found, model[i]);
            if (model[i]) ++n;
        }
        vm.assertEq(got.length, n);
    }

    /// Removing the first policy keeps the count packed with the new first one.
    function test_addressList_removeFirstKeepsPacking() public {
        for (uint256 i = 1; i <= 3; ++i) {
            h.addAddr(ACCOUNT, bytes32(i));
        }
        h.removeAddr(ACCOUNT, bytes32(uint256(1)));
        address[] memory got = h.addrValues(ACCOUNT);
        vm.assertEq(got.length, 2);
        vm.assertEq(got[0], address(3));
        vm.assertEq(got[1], address(2));
        h.removeAddr(ACCOUNT, bytes32(uint256(3)));
        h.removeAddr(ACCOUNT, bytes32(uint256(2)));
        vm.assertEq(h.addrValues(ACCOUNT).length, 0);
        h.addAddr(ACCOUNT, bytes32(uint256(9)));
        vm.assertEq(h.addrValues(ACCOUNT)[0], address(9));
    }
}
