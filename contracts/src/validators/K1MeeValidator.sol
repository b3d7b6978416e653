// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {PackedUserOperation} from "account-abstraction/interfaces/PackedUserOperation.sol";
import {
    IValidator,
    IStatelessValidator,
    MODULE_TYPE_VALIDATOR,
    MODULE_TYPE_STATELESS_VALIDATOR,
    VALIDATION_SUCCESS,
    VALIDATION_FAILED,
    ERC1271_MAGICVALUE,
    ERC1271_INVALID
} from "../interfaces/IERC7579Module.sol";
import {ERC7739Validator} from "./ERC7739Validator.sol";
import {MeeEcdsa} from "./lib/MeeEcdsa.sol";
import {SIG_TYPE_MEE_FLOW, SIG_TYPE_SIMPLE, SIG_TYPE_ON_CHAIN, SIG_TYPE_ERC20_PERMIT} from "./lib/MeeTypes.sol";
import {SimpleModeLib} from "./lib/SimpleModeLib.sol";
import {TxModeLib} from "./lib/TxModeLib.sol";
import {PermitModeLib} from "./lib/PermitModeLib.sol";

/// @title K1MeeValidator
/// @notice ERC-7579 validator (type 1) and stateless validator (type 7) for MEE supertransactions,
/// owned by one secp256k1 key per account. Wire-compatible with K1MeeValidator 1.0.1.
/// @dev `userOp.signature` is routed by its first four bytes:
///  - `0x177eee00` SIMPLE: the owner signed the supertransaction merkle root ({SimpleModeLib});
///  - `0x177eee01` ON_CHAIN: the root ends the calldata of a transaction the owner sent ({TxModeLib});
///  - `0x177eee02` ERC20_PERMIT: the root is the deadline of an ERC-2612 permit ({PermitModeLib});
///  - anything else (including signatures shorter than four bytes): a plain ECDSA signature over
///    the userOp hash, raw or eth-signed.
/// The MEE modes return `validAfter`/`validUntil` from the leaf's bounds. The stateless path and
/// ERC-1271 use the short encodings, where the hash handed in is itself the merkle leaf.
///
/// Storage is keyed by account only (ERC-7562 associated storage), nothing is set at
/// construction and no immutable captures `address(this)`, so the runtime code may be placed at
/// any address.
contract K1MeeValidator is IValidator, IStatelessValidator, ERC7739Validator {
    /*//////////////////////////////////////////////////////////////
                                 ERRORS
    //////////////////////////////////////////////////////////////*/

    /// @notice `onInstall` got empty data.
    error NoOwnerProvided();
    /// @notice `transferOwnership` to the zero address.
    error ZeroAddressNotAllowed();
    /// @notice `onInstall` on an account that already has an owner.
    error ModuleAlreadyInitialized();
    /// @notice The new owner has code.
    error NewOwnerIsContract();
    /// @notice `onInstall` with a zero owner.
    error OwnerCannotBeZeroAddress();
    /// @notice Install data or stateless config shorter than an address.
    error InvalidDataLength();
    /// @notice The safe-sender list in the install data is not a multiple of 20 bytes.
    error SafeSendersLengthInvalid();

    /*//////////////////////////////////////////////////////////////
                                 STORAGE
    //////////////////////////////////////////////////////////////*/

    /// @notice The owner of each account (zero when not installed).
    mapping(address account => address owner) public smartAccountOwners;

    // Per-account enumerable set of safe senders. Every slot is keyed by the account last, so its
    // location is `keccak256(account ‖ x)` (ERC-7562 associated storage).
    mapping(address account => uint256) private _safeSenderCount;
    mapping(uint256 index => mapping(address account => address)) private _safeSenderAt;
    mapping(address sender => mapping(address account => uint256)) private _safeSenderPosition; // index + 1

    /*//////////////////////////////////////////////////////////////
                                 CONFIG
    //////////////////////////////////////////////////////////////*/

    /// @notice Installs the module for `msg.sender`: `data = owner (20 bytes) ‖ safeSender (20 bytes)*`.
    function onInstall(bytes calldata data) external payable override {
        if (data.length == 0) revert NoOwnerProvided();
        if (data.length < 20) revert InvalidDataLength();
        if (_isInitialized(msg.sender)) revert ModuleAlreadyInitialized();
        address newOwner = address(bytes20(data[:20]));
        if (newOwner == address(0)) revert OwnerCannotBeZeroAddress();
        if (!_isAcceptableOwner(newOwner)) revert NewOwnerIsContract();
        smartAccountOwners[msg.sender] = newOwner;
        if (data.length > 20) {
            bytes calldata senders = data[20:];
            if (senders.length % 20 != 0) revert SafeSendersLengthInvalid();
            for (uint256 i; i < senders.length; i += 20) {
                _addSafeSender(msg.sender, address(bytes20(senders[i:i + 20])));
            }
        }
    }

    /// @notice Removes the owner and every safe sender of `msg.sender`.
    function onUninstall(bytes calldata) external payable override {
        delete smartAccountOwners[msg.sender];
        uint256 count = _safeSenderCount[msg.sender];
        for (uint256 i; i < count; ++i) {
            address sender = _safeSenderAt[i][msg.sender];
            delete _safeSenderAt[i][msg.sender];
            delete _safeSenderPosition[sender][msg.sender];
        }
        delete _safeSenderCount[msg.sender];
    }

    /// @notice Sets a new owner for `msg.sender`.
    function transferOwnership(address newOwner) external {
        if (newOwner == address(0)) revert ZeroAddressNotAllowed();
        if (!_isAcceptableOwner(newOwner)) revert NewOwnerIsContract();
        smartAccountOwners[msg.sender] = newOwner;
    }

    /// @notice Lets `sender` have ERC-1271 checks for `msg.sender` without nested typed data.
    function addSafeSender(address sender) external {
        _addSafeSender(msg.sender, sender);
    }

    /// @notice Reverses {addSafeSender}.
    function removeSafeSender(address sender) external {
        uint256 position = _safeSenderPosition[sender][msg.sender];
        if (position == 0) return;
        uint256 last = _safeSenderCount[msg.sender] - 1;
        if (position - 1 != last) {
            address moved = _safeSenderAt[last][msg.sender];
            _safeSenderAt[position - 1][msg.sender] = moved;
            _safeSenderPosition[moved][msg.sender] = position;
        }
        delete _safeSenderAt[last][msg.sender];
        delete _safeSenderPosition[sender][msg.sender];
        _safeSenderCount[msg.sender] = last;
    }

    /// @notice Whether `sender` is a safe sender of `smartAccount`.
    function isSafeSender(address sender, address smartAccount) external view returns (bool) {
        return _safeSenderPosition[sender][smartAccount] != 0;
    }

    /// @notice Whether `smartAccount` has an owner set.
    function isInitialized(address smartAccount) external view returns (bool) {
        return _isInitialized(smartAccount);
    }

    /// @notice The owner of `smartAccount`, or the account itself when none is stored (an
    /// EIP-7702 account validated by its own key).
    function getOwner(address smartAccount) public view returns (address) {
        address owner = smartAccountOwners[smartAccount];
        return owner == address(0) ? smartAccount : owner;
    }

    /*//////////////////////////////////////////////////////////////
                               VALIDATION
    //////////////////////////////////////////////////////////////*/

    /// @notice ERC-4337 validation for `userOp.sender`.
    function validateUserOp(PackedUserOperation calldata userOp, bytes32 userOpHash)
        external
        override
        returns (uint256)
    {
        address owner = getOwner(userOp.sender);
        bytes calldata sig = userOp.signature;
        bytes4 sigType = _sigType(sig);
        if (sigType == SIG_TYPE_SIMPLE) return SimpleModeLib.validateUserOp(userOpHash, sig[4:], owner);
        if (sigType == SIG_TYPE_ON_CHAIN) return TxModeLib.validateUserOp(userOpHash, sig[4:], owner);
        if (sigType == SIG_TYPE_ERC20_PERMIT) return PermitModeLib.validateUserOp(userOpHash, sig[4:], owner);
        return MeeEcdsa.isValidCalldataPersonalFirst(owner, userOpHash, sig) ? VALIDATION_SUCCESS : VALIDATION_FAILED;
    }

    /// @notice ERC-1271 for the calling account. MEE-prefixed signatures are checked in their
    /// short form over `keccak256(hash ‖ account)`; everything else goes through ERC-7739.
    function isValidSignatureWithSender(address sender, bytes32 hash, bytes calldata signature)
        external
        view
        override
        returns (bytes4)
    {
        if (signature.length >= 3 && bytes3(signature[:3]) == SIG_TYPE_MEE_FLOW) {
            bool ok = _isValidForOwner(
                getOwner(msg.sender), keccak256(abi.encodePacked(hash, msg.sender)), _erc1271UnwrapSignature(signature)
            );
            return ok ? ERC1271_MAGICVALUE : ERC1271_INVALID;
        }
        return _erc1271IsValidSignatureWithSender(sender, hash, _erc1271UnwrapSignature(signature));
    }

    /// @notice Stateless check (ERC-7780 session validator): `data[0:20]` is the signer.
    function validateSignatureWithData(bytes32 hash, bytes calldata signature, bytes calldata data)
        external
        view
        override
        returns (bool)
    {
        if (data.length < 20) revert InvalidDataLength();
        return _isValidForOwner(address(bytes20(data[:20])), hash, signature);
    }

    /*//////////////////////////////////////////////////////////////
                                METADATA
    //////////////////////////////////////////////////////////////*/

    function name() external pure virtual returns (string memory) {
        return "K1MeeValidator";
    }

    function version() external pure virtual returns (string memory) {
        return "1.0.1";
    }

    function isModuleType(uint256 typeId) external pure override returns (bool) {
        return typeId == MODULE_TYPE_VALIDATOR || typeId == MODULE_TYPE_STATELESS_VALIDATOR;
    }

    /*//////////////////////////////////////////////////////////////
                                INTERNAL
    //////////////////////////////////////////////////////////////*/

    /// @dev Whether `owner` may own an account. Version 1.0.1 accepts only addresses without code.
    function _isAcceptableOwner(address owner) internal view virtual returns (bool) {
        return owner.code.length == 0;
    }

    /// @dev Short-form routing shared by the stateless and ERC-1271 paths.
    function _isValidForOwner(address owner, bytes32 hash, bytes calldata sig) internal view returns (bool) {
        bytes4 sigType = _sigType(sig);
        if (sigType == SIG_TYPE_SIMPLE) return SimpleModeLib.isValidShort(owner, hash, sig[4:]);
        if (sigType == SIG_TYPE_ON_CHAIN) return TxModeLib.isValidShort(owner, hash, sig[4:]);
        if (sigType == SIG_TYPE_ERC20_PERMIT) return PermitModeLib.isValidShort(owner, hash, sig[4:]);
        return MeeEcdsa.isValidCalldata(owner, hash, sig);
    }

    /// @dev The 4-byte type prefix, or zero for signatures shorter than four bytes.
    function _sigType(bytes calldata sig) private pure returns (bytes4) {
        if (sig.length < 4) return bytes4(0);
        return bytes4(sig[:4]);
    }

    function _isInitialized(address smartAccount) private view returns (bool) {
        return smartAccountOwners[smartAccount] != address(0);
    }

    function _addSafeSender(address account, address sender) private {
        if (_safeSenderPosition[sender][account] != 0) return;
        uint256 count = _safeSenderCount[account];
        _safeSenderAt[count][account] = sender;
        _safeSenderPosition[sender][account] = count + 1;
        _safeSenderCount[account] = count + 1;
    }

    function _erc1271Signer() internal view override returns (address) {
        return getOwner(msg.sender);
    }

    /// @dev Safe senders: the canonical MulticallerWithSigner, the account itself and the
    /// account's registered safe senders.
    function _erc1271CallerIsSafe(address sender) internal view override returns (bool) {
        return sender == _MULTICALLER_WITH_SIGNER || sender == msg.sender
            || _safeSenderPosition[sender][msg.sender] != 0;
    }
}
