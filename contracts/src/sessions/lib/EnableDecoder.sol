// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {LibZip} from "solady/utils/LibZip.sol";
import {EnableSession} from "../DataTypes.sol";

/// @notice Decoding of the ENABLE / UNSAFE_ENABLE payload:
/// `flzDecompress(payload)` → `abi.decode(…, (EnableSession, bytes))`.
/// @dev Before `abi.decode` runs, the whole ABI tree is walked and every offset and length is
/// checked against the decompressed buffer. This turns every malformed payload into one clean
/// `InvalidEnablePayload()` revert: solc's decoder would otherwise raise `Panic(0x41)` on a huge
/// array length before noticing that the data is short.
library EnableDecoder {
    error InvalidEnablePayload();

    function decode(bytes calldata compressed) internal pure returns (EnableSession memory data, bytes memory sig) {
        bytes memory raw = LibZip.flzDecompress(compressed);
        if (!isWellFormed(raw)) revert InvalidEnablePayload();
        (data, sig) = abi.decode(raw, (EnableSession, bytes));
    }

    /// @notice Whether `raw` is a structurally valid `abi.encode(EnableSession, bytes)`: offsets and
    /// lengths stay inside the buffer. (Value ranges such as a dirty address are still rejected by
    /// `abi.decode` itself, with a plain revert.)
    function isWellFormed(bytes memory raw) internal pure returns (bool) {
        uint256 start;
        assembly ("memory-safe") {
            start := add(raw, 0x20)
        }
        uint256 end = start + raw.length;
        if (raw.length < 64) return false;
        (bool ok, uint256 p) = _tail(start, start, end, 128);
        if (!ok || !_enableSession(p, end)) return false;
        (ok, p) = _tail(start, start + 32, end, 32);
        return ok && _bytes(p, end);
    }

    function _word(uint256 p) private pure returns (uint256 w) {
        assembly ("memory-safe") {
            w := mload(p)
        }
    }

    /// @dev Follows the offset stored at `head` (relative to `base`) and requires `minSize` bytes there.
    function _tail(uint256 base, uint256 head, uint256 end, uint256 minSize) private pure returns (bool, uint256) {
        uint256 rel = _word(head);
        if (rel > end - base) return (false, 0);
        uint256 p = base + rel;
        if (end - p < minSize) return (false, 0);
        return (true, p);
    }

    function _bytes(uint256 p, uint256 end) private pure returns (bool) {
        return _word(p) <= end - p - 32;
    }

    /// @dev `T[]` of dynamic `T`: length ‖ offsets ‖ tails; checks each element with `elem`.
    function _dynArray(uint256 p, uint256 end, uint256 elemHead, function(uint256, uint256) pure returns (bool) elem)
        private
        pure
        returns (bool)
    {
        uint256 n = _word(p);
        uint256 content = p + 32;
        if (n > (end - content) / 32) return false;
        for (uint256 i; i < n; ++i) {
            (bool ok, uint256 e) = _tail(content, content + 32 * i, end, elemHead);
            if (!ok || !elem(e, end)) return false;
        }
        return true;
    }

    function _enableSession(uint256 p, uint256 end) private pure returns (bool) {
        // (uint8 chainDigestIndex, ChainDigest[] (static 64-byte items), Session, bytes)
        (bool ok, uint256 q) = _tail(p, p + 32, end, 32);
        if (!ok || _word(q) > (end - q - 32) / 64) return false;
        (ok, q) = _tail(p, p + 64, end, 224);
        if (!ok || !_session(q, end)) return false;
        (ok, q) = _tail(p, p + 96, end, 32);
        return ok && _bytes(q, end);
    }

    function _session(uint256 p, uint256 end) private pure returns (bool) {
        // (address, bytes, bytes32, PolicyData[], ERC7739Data, ActionData[], bool)
        (bool ok, uint256 q) = _tail(p, p + 32, end, 32);
        if (!ok || !_bytes(q, end)) return false;
        (ok, q) = _tail(p, p + 96, end, 32);
        if (!ok || !_dynArray(q, end, 64, _policyData)) return false;
        (ok, q) = _tail(p, p + 128, end, 64);
        if (!ok || !_erc7739Data(q, end)) return false;
        (ok, q) = _tail(p, p + 160, end, 32);
        return ok && _dynArray(q, end, 96, _actionData);
    }

    function _policyData(uint256 p, uint256 end) private pure returns (bool) {
        (bool ok, uint256 q) = _tail(p, p + 32, end, 32);
        return ok && _bytes(q, end);
    }

    function _actionData(uint256 p, uint256 end) private pure returns (bool) {
        (bool ok, uint256 q) = _tail(p, p + 64, end, 32);
        return ok && _dynArray(q, end, 64, _policyData);
    }

    function _erc7739Data(uint256 p, uint256 end) private pure returns (bool) {
        (bool ok, uint256 q) = _tail(p, p, end, 32);
        if (!ok || !_dynArray(q, end, 64, _erc7739Context)) return false;
        (ok, q) = _tail(p, p + 32, end, 32);
        return ok && _dynArray(q, end, 64, _policyData);
    }

    function _erc7739Context(uint256 p, uint256 end) private pure returns (bool) {
        (bool ok, uint256 q) = _tail(p, p + 32, end, 32);
        return ok && _dynArray(q, end, 32, _bytesElem);
    }

    function _bytesElem(uint256 p, uint256 end) private pure returns (bool) {
        return _bytes(p, end);
    }
}
