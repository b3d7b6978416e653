// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @notice ERC-4337 validation data: `aggregator (0..159) | validUntil (160..207) | validAfter (208..255)`.
library ValidationDataLib {
    uint256 internal constant ADDRESS_MASK = (1 << 160) - 1;

    /// @notice The intersection of two time windows with no aggregator: the later `validAfter` and
    /// the earlier non-zero `validUntil` (0 means "no expiry").
    function intersect(uint256 a, uint256 b) internal pure returns (uint256) {
        uint256 afterA = a >> 208;
        uint256 afterB = b >> 208;
        uint256 untilA = uint48(a >> 160);
        uint256 untilB = uint48(b >> 160);
        uint256 validAfter = afterA > afterB ? afterA : afterB;
        uint256 validUntil;
        if (untilA == 0) validUntil = untilB;
        else if (untilB == 0) validUntil = untilA;
        else validUntil = untilA < untilB ? untilA : untilB;
        return (validAfter << 208) | (validUntil << 160);
    }

    /// @notice Packs a window with the given signature-failure flag.
    function pack(bool sigFailed, uint48 validUntil, uint48 validAfter) internal pure returns (uint256) {
        return (sigFailed ? 1 : 0) | (uint256(validUntil) << 160) | (uint256(validAfter) << 208);
    }
}
