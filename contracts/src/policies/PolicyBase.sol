// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IPolicy, IERC165Policy} from "../interfaces/IPolicy.sol";

/// @notice ERC-165 plumbing shared by the policies: each answers for IERC165 and its own kinds.
abstract contract PolicyBase is IPolicy {
    bytes4 internal constant ERC165_ID = 0x01ffc9a7;

    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == ERC165_ID || interfaceId == type(IPolicy).interfaceId || _supports(interfaceId);
    }

    function _supports(bytes4 interfaceId) internal pure virtual returns (bool);
}
