// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

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
        bytes memory raw = flzDecompress(compressed);
        if (!isWellFormed(raw)) revert InvalidEnablePayload();
        (data, sig) = abi.decode(raw, (EnableSession, bytes));
    }

    /// @notice FastLZ (level 1) decompression, the format of solady's `LibZip.flzCompress`, read
    /// straight from calldata. For every well-formed stream (literals inside the input, matches
    /// inside the output written so far) the output equals `LibZip.flzDecompress(data)`.
    /// @dev Tokens: a literal run `000LLLLL` copies the next `L + 1` bytes; a match `TTTRRRRR R'`
    /// (or `111RRRRR M R'` for long matches) copies `len` bytes from `dist` bytes back, where the
    /// source may overlap the bytes being written. Matches with `dist < 32` (runs of zeros and other
    /// short periods: an ENABLE payload is mostly zero words) are periodic, so instead of one byte
    /// per step the copy builds one word of the pattern (doubling its valid prefix) and stores it
    /// word by word: 264 zero bytes take 13 word stores instead of 264. Longer distances copy a
    /// word at a time. As in `LibZip`, up to 31 bytes past the output may be scribbled on before
    /// the word after it is zeroed, and the output is allocated from the free memory pointer.
    function flzDecompress(bytes calldata data) internal pure returns (bytes memory result) {
        assembly ("memory-safe") {
            result := mload(0x40)
            let op := add(result, 0x20)
            let end := add(data.offset, data.length)
            for { let ip := data.offset } lt(ip, end) {} {
                let w := calldataload(ip)
                let c := byte(0, w)
                let t := shr(5, c)
                if iszero(t) {
                    // literal run of c + 1 bytes (at most 32)
                    mstore(op, calldataload(add(ip, 1)))
                    ip := add(ip, add(2, c))
                    op := add(op, add(1, c))
                    continue
                }
                let g := eq(t, 7)
                let l := add(2, xor(t, mul(g, xor(t, add(7, byte(1, w))))))
                let s := add(add(shl(8, and(0x1f, c)), byte(add(1, g), w)), 1)
                let r := sub(op, s)
                switch lt(s, 0x20)
                case 0 {
                    for { let j := 0 } lt(j, l) { j := add(j, 0x20) } { mstore(add(op, j), mload(add(r, j))) }
                }
                default {
                    // Periodic with period s. [r, op + j) is valid and j stays a multiple of s, so
                    // the word at r continues the pattern at op + j for its first s + j bytes:
                    // double the valid prefix until the word at r is whole, then store that word
                    // every `stride` bytes (the largest multiple of s that fits in a word).
                    let j := 0
                    for {} and(lt(add(s, j), 0x20), lt(j, l)) {} {
                        mstore(add(op, j), mload(r))
                        j := add(j, add(s, j))
                    }
                    let pattern := mload(r)
                    let stride := sub(0x20, mod(0x20, s))
                    for {} lt(j, l) { j := add(j, stride) } { mstore(add(op, j), pattern) }
                }
                ip := add(ip, add(2, g))
                op := add(op, l)
            }
            mstore(result, sub(op, add(result, 0x20)))
            mstore(op, 0)
            mstore(0x40, add(op, 0x20))
        }
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
