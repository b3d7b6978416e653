// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {MeeEcdsa} from "./lib/MeeEcdsa.sol";

/// @notice ERC-5267 domain of the account a validator serves.
interface IERC5267 {
    function eip712Domain()
        external
        view
        returns (
            bytes1 fields,
            string memory name,
            string memory version,
            uint256 chainId,
            address verifyingContract,
            bytes32 salt,
            uint256[] memory extensions
        );
}

/// @title ERC7739Validator
/// @notice ERC-1271 for an ERC-7579 validator with ERC-7739 nested typed-data defence against
/// replaying one owner's signature across several accounts.
/// @dev The account (`msg.sender`) exposes its EIP-712 domain through `eip712Domain()`. A
/// signature is accepted when:
///  1. the original requester is a "safe caller" (it binds the account into the hash itself)
///     and the owner signed `hash` directly; or
///  2. it is a nested `TypedDataSign` signature:
///     `sig ‖ APP_DOMAIN_SEPARATOR ‖ contents ‖ contentsDescription ‖ uint16(contentsDescription.length)`
///     where `hash == keccak256(0x1901 ‖ APP_DOMAIN_SEPARATOR ‖ contents)`, and the owner signed
///     `keccak256(0x1901 ‖ APP_DOMAIN_SEPARATOR ‖ hashStruct(TypedDataSign{contents, name, version,
///     chainId, verifyingContract, salt}))` with the account's domain fields; or otherwise
///  3. a `PersonalSign(bytes prefixed)` signature over `hash` under the account's domain separator
///     (`EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)`); or
///  4. off-chain only (`tx.gasprice == 0` and more gas than a block can hold), a plain signature.
/// High-s signatures revert with {InvalidSignature}.
abstract contract ERC7739Validator {
    /// @notice The signature's `s` is in the upper half of the curve order.
    error InvalidSignature();

    /// @dev `keccak256("PersonalSign(bytes prefixed)")`.
    bytes32 internal constant _PERSONAL_SIGN_TYPEHASH =
        0x983e65e5148e570cd828ead231ee759a8d7958721a768f93bc4483ba005c32de;
    /// @dev `keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")`.
    bytes32 internal constant _DOMAIN_TYPEHASH = 0x8b73c3c69bb8fe3d512ecc4cf759cc79239f7b179b0ffacaa9a75d522b39400f;
    /// @dev Answer to the ERC-7739 support probe.
    bytes4 internal constant SUPPORTS_ERC7739_V1 = 0x77390001;
    /// @dev The hash of the ERC-7739 support probe.
    bytes32 internal constant _ERC7739_PROBE_HASH = 0x7739773977397739773977397739773977397739773977397739773977397739;
    /// @dev The canonical `MulticallerWithSigner`, which binds the account into what it asks to be signed.
    address internal constant _MULTICALLER_WITH_SIGNER = 0x000000000000D9ECebf3C23529de49815Dac1c4c;

    bytes4 internal constant _ERC1271_MAGIC = 0x1626ba7e;
    bytes4 internal constant _ERC1271_FAILED = 0xffffffff;

    /// @notice Marks support of the nested typed-data workflow: `bytes4(keccak256("supportsNestedTypedDataSign()"))`.
    function supportsNestedTypedDataSign() public view virtual returns (bytes32 result) {
        result = bytes4(0xd620c85a);
    }

    /// @dev The owner whose key signs on behalf of the calling account.
    function _erc1271Signer() internal view virtual returns (address);

    /// @dev Whether `sender` needs no nested typed data.
    function _erc1271CallerIsSafe(address sender) internal view virtual returns (bool);

    /// @dev Entry point of the ERC-7739 flow for `isValidSignatureWithSender`.
    function _erc1271IsValidSignatureWithSender(address sender, bytes32 hash, bytes calldata signature)
        internal
        view
        returns (bytes4)
    {
        if (signature.length == 0 && hash == _ERC7739_PROBE_HASH) return SUPPORTS_ERC7739_V1;
        if (signature.length >= 64 && uint256(bytes32(signature[32:64])) > MeeEcdsa.HALF_N) {
            revert InvalidSignature();
        }
        address signer = _erc1271Signer();
        bool ok = (_erc1271CallerIsSafe(sender) && MeeEcdsa.isValidCalldata(signer, hash, signature))
            || _isValidNested(signer, hash, signature) || _isValidViaRpc(signer, hash, signature);
        return ok ? _ERC1271_MAGIC : _ERC1271_FAILED;
    }

    /// @dev Strips an ERC-6492 wrapper (`abi.encode(factory, factoryCalldata, sig) ‖ 0x6492…6492`),
    /// returning the inner signature. Malformed wrappers are returned untouched.
    function _erc1271UnwrapSignature(bytes calldata signature) internal pure returns (bytes calldata) {
        uint256 len = signature.length;
        if (len < 0x80 + 32) return signature;
        if (bytes32(signature[len - 32:]) != 0x6492649264926492649264926492649264926492649264926492649264926492) {
            return signature;
        }
        uint256 rel = uint256(bytes32(signature[0x40:0x60]));
        uint256 body = len - 32;
        if (rel > body || body - rel < 32) return signature;
        uint256 innerLen = uint256(bytes32(signature[rel:rel + 32]));
        if (innerLen > body - rel - 32) return signature;
        return signature[rel + 32:rel + 32 + innerLen];
    }

    /// @dev The calling account's EIP-712 domain fields, hashed where EIP-712 hashes them.
    struct AccountDomain {
        bytes32 nameHash;
        bytes32 versionHash;
        uint256 chainId;
        address verifyingContract;
        bytes32 salt;
    }

    function _accountDomain() private view returns (AccountDomain memory d) {
        (, string memory name, string memory version, uint256 chainId, address verifyingContract, bytes32 salt,) =
            IERC5267(msg.sender).eip712Domain();
        d = AccountDomain(keccak256(bytes(name)), keccak256(bytes(version)), chainId, verifyingContract, salt);
    }

    /// @dev TypedDataSign when the appended data reproduces `hash`, PersonalSign otherwise.
    function _isValidNested(address signer, bytes32 hash, bytes calldata signature) private view returns (bool) {
        AccountDomain memory d = _accountDomain();
        (bool typed, bool valid, bytes32 digest, uint256 sigLen) = _typedDataSignDigest(d, hash, signature);
        if (typed) return valid && MeeEcdsa.isValidCalldata(signer, digest, signature[:sigLen]);
        bytes32 domainSeparator =
            keccak256(abi.encode(_DOMAIN_TYPEHASH, d.nameHash, d.versionHash, d.chainId, d.verifyingContract));
        bytes32 personal = keccak256(abi.encode(_PERSONAL_SIGN_TYPEHASH, hash));
        return MeeEcdsa.isValidCalldata(signer, keccak256(abi.encodePacked(hex"1901", domainSeparator, personal)), signature);
    }

    /// @dev When `signature` ends with TypedDataSign data reproducing `hash` (`typed`), the digest
    /// the owner signed and the length of the inner signature; `valid` is false for an
    /// unacceptable contents name.
    function _typedDataSignDigest(AccountDomain memory d, bytes32 hash, bytes calldata signature)
        private
        pure
        returns (bool typed, bool valid, bytes32 digest, uint256 sigLen)
    {
        uint256 c;
        {
            uint256 len = signature.length;
            if (len < 2) return (false, false, 0, 0);
            c = uint16(bytes2(signature[len - 2:len]));
            if (c == 0 || len < 0x42 + c) return (false, false, 0, 0);
            sigLen = len - 0x42 - c;
        }
        bytes32 appSeparator = bytes32(signature[sigLen:sigLen + 32]);
        if (keccak256(abi.encodePacked(hex"1901", appSeparator, signature[sigLen + 32:sigLen + 64])) != hash) {
            return (false, false, 0, 0);
        }
        typed = true;
        bytes memory typeString;
        (valid, typeString) = _typedDataSignType(signature[sigLen + 64:sigLen + 64 + c]);
        if (!valid) return (true, false, 0, 0);
        digest = keccak256(
            abi.encodePacked(
                hex"1901", appSeparator, _typedDataSignStructHash(typeString, bytes32(signature[sigLen + 32:sigLen + 64]), d)
            )
        );
    }

    function _typedDataSignStructHash(bytes memory typeString, bytes32 contents, AccountDomain memory d)
        private
        pure
        returns (bytes32)
    {
        return keccak256(
            abi.encode(
                keccak256(typeString), contents, d.nameHash, d.versionHash, d.chainId, d.verifyingContract, d.salt
            )
        );
    }

    /// @dev Builds `TypedDataSign(<name> contents,string name,string version,uint256 chainId,
    /// address verifyingContract,bytes32 salt)<contentsType>` from a contents description in
    /// implicit (`contentsType`, name = text before its first '(') or explicit
    /// (`contentsType ‖ contentsName`) form. The name must be non-empty, must not start with
    /// a lowercase letter or '(' and must not contain NUL, space, ',' or ')'.
    function _typedDataSignType(bytes calldata desc) private pure returns (bool valid, bytes memory typeString) {
        uint256 c = desc.length;
        bytes calldata contentsType = desc;
        bytes calldata contentsName;
        if (desc[c - 1] == ")") {
            contentsName = desc;
        } else {
            uint256 e;
            while (e < c && desc[c - 1 - e] != ")") ++e;
            contentsType = desc[:c - e];
            contentsName = desc[c - e:];
        }
        // The name ends at its first '('.
        uint256 n;
        while (n < contentsName.length && contentsName[n] != "(") ++n;
        contentsName = contentsName[:n];
        if (n == 0) return (false, typeString);
        bytes1 first = contentsName[0];
        if (first >= "a" && first <= "z") return (false, typeString);
        for (uint256 i; i < n; ++i) {
            bytes1 ch = contentsName[i];
            if (ch == 0x00 || ch == " " || ch == "," || ch == ")") return (false, typeString);
        }
        typeString = abi.encodePacked(
            "TypedDataSign(",
            contentsName,
            " contents,string name,string version,uint256 chainId,address verifyingContract,bytes32 salt)",
            contentsType
        );
        valid = true;
    }

    /// @dev Plain signatures for off-chain reads only: a zero gas price and more gas than any
    /// transaction in a block could carry.
    function _isValidViaRpc(address signer, bytes32 hash, bytes calldata signature) private view returns (bool) {
        if (tx.gasprice != 0 || gasleft() <= block.gaslimit) return false;
        return MeeEcdsa.isValidCalldata(signer, hash, signature);
    }
}
