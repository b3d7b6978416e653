// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {ECDSA} from "solady/utils/ECDSA.sol";

/// @title MeeEcdsa
/// @notice secp256k1 checks shared by the MEE validator and the node paymaster.
/// @dev A signature is accepted when it recovers to `signer` from the digest itself or from its
/// EIP-191 "\x19Ethereum Signed Message:\n32" form. Recovery to the zero address, a zero `signer`,
/// `v` other than 27/28 and high-s (malleable) signatures are always rejected. 65-byte `r ‖ s ‖ v`
/// and 64-byte EIP-2098 `r ‖ vs` encodings are read; any other length fails.
library MeeEcdsa {
    /// @dev secp256k1n / 2: the largest `s` a canonical signature may carry.
    uint256 internal constant HALF_N = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    /// @notice Splits a 64- or 65-byte calldata signature; `ok` is false for any other length.
    function split(bytes calldata signature) internal pure returns (bool ok, uint8 v, bytes32 r, bytes32 s) {
        if (signature.length == 65) {
            r = bytes32(signature[0:32]);
            s = bytes32(signature[32:64]);
            v = uint8(signature[64]);
            ok = true;
        } else if (signature.length == 64) {
            r = bytes32(signature[0:32]);
            uint256 vs = uint256(bytes32(signature[32:64]));
            s = bytes32(vs & ((1 << 255) - 1));
            v = uint8(27 + (vs >> 255));
            ok = true;
        }
    }

    /// @notice The signer of `hash` under `(v, r, s)`, or zero when the signature is malformed,
    /// malleable or does not recover.
    function recover(bytes32 hash, uint8 v, bytes32 r, bytes32 s) internal view returns (address) {
        if (uint256(s) > HALF_N || (v != 27 && v != 28)) return address(0);
        return ECDSA.tryRecover(hash, v, r, s);
    }

    /// @notice Whether `(v, r, s)` is `signer`'s signature over `hash` or over its eth-signed form.
    function isValid(address signer, bytes32 hash, uint8 v, bytes32 r, bytes32 s) internal view returns (bool) {
        if (signer == address(0)) return false;
        if (uint256(s) > HALF_N || (v != 27 && v != 28)) return false;
        if (ECDSA.tryRecover(hash, v, r, s) == signer) return true;
        return ECDSA.tryRecover(ECDSA.toEthSignedMessageHash(hash), v, r, s) == signer;
    }

    /// @notice Like {isValidCalldata}, trying the eth-signed form first: cheaper for digests the
    /// SDK personal-signs (userOp hashes, supertransaction roots). Accepts exactly the same set.
    function isValidCalldataPersonalFirst(address signer, bytes32 hash, bytes calldata signature)
        internal
        view
        returns (bool)
    {
        (bool ok, uint8 v, bytes32 r, bytes32 s) = split(signature);
        if (!ok || signer == address(0)) return false;
        if (uint256(s) > HALF_N || (v != 27 && v != 28)) return false;
        if (ECDSA.tryRecover(ECDSA.toEthSignedMessageHash(hash), v, r, s) == signer) return true;
        return ECDSA.tryRecover(hash, v, r, s) == signer;
    }

    /// @notice Whether the calldata `signature` is `signer`'s signature over `hash` (raw or eth-signed).
    function isValidCalldata(address signer, bytes32 hash, bytes calldata signature) internal view returns (bool) {
        (bool ok, uint8 v, bytes32 r, bytes32 s) = split(signature);
        if (!ok) return false;
        return isValid(signer, hash, v, r, s);
    }
}
