// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {_packValidationData} from "account-abstraction/core/Helpers.sol";
import {MeeEcdsa} from "./MeeEcdsa.sol";
import {MeeLeaf, CalldataArrays} from "./MeeTypes.sol";

/// @dev `keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)")`.
bytes32 constant PERMIT_TYPEHASH = 0x6e71edae12b1b97f4d1f60370fef10105fa2faae0126114a169c64845d6126c9;

/// @title PermitModeLib
/// @notice The Fusion ERC-2612 MEE mode: the owner signed a token permit whose `deadline` is the
/// supertransaction root.
/// @dev Encodings (after the 4-byte type prefix) are `abi.encode` of one struct, so they start
/// with the tuple offset word and the struct head follows at +0x20:
///  - full:  `(address token, address spender, bytes32 domainSeparator, uint256 amount, uint256 nonce,
///            bool isPermitTx, bytes32 superTxHash, uint48 lowerBound, uint48 upperBound, uint8 v,
///            bytes32 r, bytes32 s, bytes32[] proof)`;
///  - short: `(address spender, bytes32 domainSeparator, uint256 amount, uint256 nonce, bytes32 superTxHash,
///            uint8 v, bytes32 r, bytes32 s, bytes32[] proof)`.
/// Head words are range-checked like the ABI decoder would (addresses, bool, uint8, uint48);
/// malformed input fails validation without reading out of range.
library PermitModeLib {
    /// @notice The permit call failed and the spender's allowance does not cover `amount`.
    error PermitFailed();

    uint256 private constant SIG_VALIDATION_FAILED = 1;
    uint256 private constant STRUCT_START = 0x20;
    uint256 private constant FULL_HEAD_WORDS = 13;
    uint256 private constant SHORT_HEAD_WORDS = 9;

    struct Permit {
        address token;
        address spender;
        bytes32 domainSeparator;
        uint256 amount;
        uint256 nonce;
        bool isPermitTx;
        bytes32 superTxHash;
        uint48 lowerBound;
        uint48 upperBound;
        uint8 v;
        bytes32 r;
        bytes32 s;
    }

    /// @notice Full encoding against a userOp hash. When `isPermitTx` is set the permit is
    /// submitted to the token; if that fails, an existing allowance of at least `amount` (for
    /// example a permit someone already submitted) is accepted instead, otherwise it reverts
    /// with {PermitFailed}.
    function validateUserOp(bytes32 userOpHash, bytes calldata data, address owner) internal returns (uint256) {
        (bool ok, Permit memory p, bytes32[] calldata proof) = _decodeFull(data);
        if (!ok) return SIG_VALIDATION_FAILED;
        bytes32 digest = _permitDigest(owner, p.spender, p.domainSeparator, p.amount, p.nonce, p.superTxHash);
        if (!MeeEcdsa.isValid(owner, digest, p.v, p.r, p.s)) return SIG_VALIDATION_FAILED;
        if (!MerkleProof.verifyCalldata(proof, p.superTxHash, MeeLeaf.hash(userOpHash, p.lowerBound, p.upperBound))) {
            return SIG_VALIDATION_FAILED;
        }
        if (p.isPermitTx) _applyPermit(p, owner);
        return _packValidationData(false, p.upperBound, p.lowerBound);
    }

    /// @notice Short encoding: `hash` itself must be a leaf of the root signed as the permit deadline.
    function isValidShort(address owner, bytes32 hash, bytes calldata data) internal view returns (bool) {
        if (data.length < STRUCT_START + SHORT_HEAD_WORDS * 32) return false;
        uint256 b = STRUCT_START;
        (bool ok, bytes32[] calldata proof) = _proof(data, b, _word(data, b + 0x100));
        if (!ok || !_isSignedShort(owner, data)) return false;
        return MerkleProof.verifyCalldata(proof, bytes32(_word(data, b + 0x80)), hash);
    }

    /// @dev The short-form permit head was signed by `owner`.
    function _isSignedShort(address owner, bytes calldata data) private view returns (bool) {
        uint256 b = STRUCT_START;
        uint256 spender = _word(data, b);
        uint256 v = _word(data, b + 0xa0);
        if (spender >> 160 != 0 || v > type(uint8).max) return false;
        bytes32 digest = _permitDigest(
            owner,
            address(uint160(spender)),
            bytes32(_word(data, b + 0x20)),
            _word(data, b + 0x40),
            _word(data, b + 0x60),
            bytes32(_word(data, b + 0x80))
        );
        return MeeEcdsa.isValid(owner, digest, uint8(v), bytes32(_word(data, b + 0xc0)), bytes32(_word(data, b + 0xe0)));
    }

    function _decodeFull(bytes calldata data)
        private
        pure
        returns (bool ok, Permit memory p, bytes32[] calldata proof)
    {
        proof = CalldataArrays.words(data, 0, 0);
        if (data.length < STRUCT_START + FULL_HEAD_WORDS * 32) return (false, p, proof);
        (ok, proof) = _proof(data, STRUCT_START, _word(data, STRUCT_START + 0x180));
        if (ok) ok = _fillFull(p, data);
    }

    /// @dev Copies the full head into `p`, rejecting out-of-range words.
    function _fillFull(Permit memory p, bytes calldata data) private pure returns (bool) {
        uint256 b = STRUCT_START;
        uint256 w = _word(data, b);
        if (w >> 160 != 0) return false;
        p.token = address(uint160(w));
        w = _word(data, b + 0x20);
        if (w >> 160 != 0) return false;
        p.spender = address(uint160(w));
        p.domainSeparator = bytes32(_word(data, b + 0x40));
        p.amount = _word(data, b + 0x60);
        p.nonce = _word(data, b + 0x80);
        w = _word(data, b + 0xa0);
        if (w > 1) return false;
        p.isPermitTx = w == 1;
        p.superTxHash = bytes32(_word(data, b + 0xc0));
        w = _word(data, b + 0xe0);
        if (w > type(uint48).max) return false;
        p.lowerBound = uint48(w);
        w = _word(data, b + 0x100);
        if (w > type(uint48).max) return false;
        p.upperBound = uint48(w);
        w = _word(data, b + 0x120);
        if (w > type(uint8).max) return false;
        p.v = uint8(w);
        p.r = bytes32(_word(data, b + 0x140));
        p.s = bytes32(_word(data, b + 0x160));
        return true;
    }

    /// @dev The `bytes32[]` at `base + rel`, bounds-checked against `data`.
    function _proof(bytes calldata data, uint256 base, uint256 rel)
        private
        pure
        returns (bool ok, bytes32[] calldata proof)
    {
        proof = CalldataArrays.words(data, 0, 0);
        uint256 len = data.length;
        if (rel > len || base + rel > len || len - (base + rel) < 32) return (false, proof);
        uint256 at = base + rel;
        uint256 count = _word(data, at);
        if (count > (len - at - 32) / 32) return (false, proof);
        return (true, CalldataArrays.words(data, at + 32, count));
    }

    function _word(bytes calldata data, uint256 at) private pure returns (uint256) {
        return uint256(bytes32(data[at:at + 32]));
    }

    function _permitDigest(
        address owner,
        address spender,
        bytes32 domainSeparator,
        uint256 amount,
        uint256 nonce,
        bytes32 root
    ) private pure returns (bytes32) {
        bytes32 structHash = keccak256(abi.encode(PERMIT_TYPEHASH, owner, spender, amount, nonce, uint256(root)));
        return keccak256(abi.encodePacked(hex"1901", domainSeparator, structHash));
    }

    /// @dev Submits the permit; falls back to the current allowance when the call fails.
    function _applyPermit(Permit memory p, address owner) private {
        (bool called,) = p.token.call(
            abi.encodeCall(
                IERC20Permit.permit, (owner, p.spender, p.amount, uint256(p.superTxHash), p.v, p.r, p.s)
            )
        );
        if (called && p.token.code.length != 0) return;
        (bool ok, bytes memory ret) = p.token.staticcall(abi.encodeCall(IERC20.allowance, (owner, p.spender)));
        if (!ok || ret.length < 32 || abi.decode(ret, (uint256)) < p.amount) revert PermitFailed();
    }
}
