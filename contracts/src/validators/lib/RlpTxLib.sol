// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @title RlpTxLib
/// @notice Reads a signed legacy (type 0) or EIP-1559 (type 2) transaction from calldata and
/// rebuilds the hash its sender signed.
/// @dev Input: `txType ‖ rlp(signed fields)`. The legacy RLP list is
/// `[nonce, gasPrice, gasLimit, to, value, data, v, r, s]`, the EIP-1559 one is
/// `[chainId, nonce, maxPriorityFeePerGas, maxFeePerGas, gasLimit, to, value, data, accessList, yParity, r, s]`.
/// The unsigned payload is taken byte-for-byte from the list up to the `v` item, so `r` and `s`
/// of any encoded width (leading zero bytes stripped) are handled. Parsing never reads outside
/// the input: any malformed or truncated encoding makes `ok` false.
library RlpTxLib {
    uint8 internal constant LEGACY_TX_TYPE = 0x00;
    uint8 internal constant EIP1559_TX_TYPE = 0x02;

    /// @notice The fields the MEE validator needs from a signed transaction.
    struct SignedTx {
        bytes32 unsignedHash; // the digest the sender signed
        uint8 v; // 27 or 28 for well-formed input
        bytes32 r;
        bytes32 s;
        bytes32 appendedHash; // the last 32 bytes of the transaction's `data`
    }

    /// @notice Parses `txType ‖ rlpList`.
    function parse(bytes calldata input) internal pure returns (bool ok, SignedTx memory t) {
        if (input.length < 2) return (false, t);
        uint8 txType = uint8(input[0]);
        if (txType != LEGACY_TX_TYPE && txType != EIP1559_TX_TYPE) return (false, t);
        bytes calldata rlp = input[1:];
        (bool walked, uint256 listStart, uint256 vItemPos, uint256 vValue) = _walk(rlp, txType, t);
        if (!walked) return (false, t);

        bytes calldata unsignedItems = rlp[listStart:vItemPos];
        if (txType == EIP1559_TX_TYPE) {
            t.unsignedHash = keccak256(abi.encodePacked(txType, _listHeader(unsignedItems.length), unsignedItems));
            t.v = vValue <= 1 ? uint8(vValue + 27) : 0;
        } else if (vValue >= 37) {
            // EIP-155: v = chainId * 2 + 35 + yParity; the signed payload ends with `chainId, 0, 0`.
            uint256 chainId = (vValue - 35) / 2;
            bytes memory tail = abi.encodePacked(_encodeUint(chainId), uint8(0x80), uint8(0x80));
            t.unsignedHash =
                keccak256(abi.encodePacked(_listHeader(unsignedItems.length + tail.length), unsignedItems, tail));
            t.v = uint8(vValue - 2 * chainId - 35 + 27);
        } else {
            t.unsignedHash = keccak256(abi.encodePacked(_listHeader(unsignedItems.length), unsignedItems));
            t.v = vValue <= 1 ? uint8(vValue + 27) : (vValue <= 255 ? uint8(vValue) : 0);
        }
        ok = true;
    }

    /// @dev Walks the transaction's RLP list: fills `r`, `s` and the appended hash of `t` and
    /// returns where the list payload and the `v` item start and the value of `v`.
    function _walk(bytes calldata rlp, uint8 txType, SignedTx memory t)
        private
        pure
        returns (bool ok, uint256 listStart, uint256 vItemPos, uint256 vValue)
    {
        uint256 itemCount = txType == LEGACY_TX_TYPE ? 9 : 12;
        uint256[] memory itemPos = new uint256[](itemCount);
        {
            (bool hOk, bool isList, uint256 start, uint256 len) = _header(rlp, 0);
            if (!hOk || !isList || start + len != rlp.length) return (false, 0, 0, 0);
            listStart = start;
        }
        {
            uint256 pos = listStart;
            for (uint256 i; i < itemCount; ++i) {
                (bool iOk,, uint256 start, uint256 len) = _header(rlp, pos);
                if (!iOk) return (false, 0, 0, 0);
                itemPos[i] = pos;
                pos = start + len;
            }
            if (pos != rlp.length) return (false, 0, 0, 0);
        }
        bytes calldata data;
        (ok, data) = _string(rlp, itemPos[txType == LEGACY_TX_TYPE ? 5 : 7]);
        if (!ok || data.length < 32) return (false, 0, 0, 0);
        t.appendedHash = bytes32(data[data.length - 32:]);
        vItemPos = itemPos[itemCount - 3];
        (ok, vValue) = _uint(rlp, vItemPos);
        if (!ok) return (false, 0, 0, 0);
        uint256 w;
        (ok, w) = _uint(rlp, itemPos[itemCount - 2]);
        if (!ok) return (false, 0, 0, 0);
        t.r = bytes32(w);
        (ok, w) = _uint(rlp, itemPos[itemCount - 1]);
        if (!ok) return (false, 0, 0, 0);
        t.s = bytes32(w);
    }

    /// @dev The payload of the RLP string at `pos`.
    function _string(bytes calldata rlp, uint256 pos) private pure returns (bool ok, bytes calldata payload) {
        (bool hOk, bool isList, uint256 start, uint256 len) = _header(rlp, pos);
        if (!hOk || isList) return (false, rlp[0:0]);
        return (true, rlp[start:start + len]);
    }

    /// @dev The RLP string at `pos` read as a big-endian integer of at most 32 bytes.
    function _uint(bytes calldata rlp, uint256 pos) private pure returns (bool ok, uint256 value) {
        bytes calldata payload;
        (ok, payload) = _string(rlp, pos);
        if (!ok || payload.length > 32) return (false, 0);
        if (payload.length != 0) value = uint256(bytes32(payload)) >> (8 * (32 - payload.length));
    }

    /// @dev Decodes the RLP header at `pos`: whether it is a list, and its payload's start and length.
    /// Fails when the header or its payload runs past the end of `b`.
    function _header(bytes calldata b, uint256 pos)
        private
        pure
        returns (bool ok, bool isList, uint256 start, uint256 len)
    {
        uint256 end = b.length;
        if (pos >= end) return (false, false, 0, 0);
        uint256 prefix = uint8(b[pos]);
        if (prefix < 0x80) {
            (start, len) = (pos, 1);
        } else if (prefix < 0xb8) {
            (start, len) = (pos + 1, prefix - 0x80);
        } else if (prefix < 0xc0) {
            (ok, start, len) = _longLength(b, pos, prefix - 0xb7);
            if (!ok) return (false, false, 0, 0);
        } else if (prefix < 0xf8) {
            (isList, start, len) = (true, pos + 1, prefix - 0xc0);
        } else {
            (ok, start, len) = _longLength(b, pos, prefix - 0xf7);
            if (!ok) return (false, false, 0, 0);
            isList = true;
        }
        if (start > end || len > end - start) return (false, false, 0, 0);
        ok = true;
    }

    /// @dev Reads a big-endian length of `lenOfLen` (1..8) bytes following the prefix at `pos`.
    function _longLength(bytes calldata b, uint256 pos, uint256 lenOfLen)
        private
        pure
        returns (bool ok, uint256 start, uint256 len)
    {
        if (lenOfLen > 8 || b.length - pos - 1 < lenOfLen) return (false, 0, 0);
        for (uint256 i; i < lenOfLen; ++i) {
            len = (len << 8) | uint8(b[pos + 1 + i]);
        }
        (ok, start) = (true, pos + 1 + lenOfLen);
    }

    /// @dev RLP list header for a payload of `len` bytes.
    function _listHeader(uint256 len) private pure returns (bytes memory) {
        if (len <= 55) return abi.encodePacked(uint8(0xc0 + len));
        bytes memory be = _bigEndian(len);
        return abi.encodePacked(uint8(0xf7 + be.length), be);
    }

    /// @dev RLP encoding of an unsigned integer.
    function _encodeUint(uint256 x) private pure returns (bytes memory) {
        if (x == 0) return hex"80";
        if (x < 0x80) return abi.encodePacked(uint8(x));
        bytes memory be = _bigEndian(x);
        return abi.encodePacked(uint8(0x80 + be.length), be);
    }

    /// @dev Minimal big-endian bytes of a non-zero integer.
    function _bigEndian(uint256 x) private pure returns (bytes memory out) {
        uint256 n;
        for (uint256 y = x; y != 0; y >>= 8) ++n;
        out = new bytes(n);
        for (uint256 i; i < n; ++i) {
            out[n - 1 - i] = bytes1(uint8(x >> (8 * i)));
        }
    }
}
