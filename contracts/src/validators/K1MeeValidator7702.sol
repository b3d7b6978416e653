// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {K1MeeValidator} from "./K1MeeValidator.sol";

/// @title K1MeeValidator7702
/// @notice {K1MeeValidator} that also accepts EIP-7702-delegated EOAs as owners (the MEE 2.1.0
/// behaviour): an owner may have no code or exactly a 23-byte delegation designator
/// `0xef0100 ‖ implementation`.
contract K1MeeValidator7702 is K1MeeValidator {
    function _isAcceptableOwner(address owner) internal view override returns (bool) {
        bytes memory code = owner.code;
        if (code.length == 0) return true;
        return code.length == 23 && code[0] == 0xef && code[1] == 0x01 && code[2] == 0x00;
    }
}
