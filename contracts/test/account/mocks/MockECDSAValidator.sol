// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {PackedUserOperation} from "account-abstraction/interfaces/PackedUserOperation.sol";
import {ECDSA} from "solady/utils/ECDSA.sol";
import {IValidator, MODULE_TYPE_VALIDATOR, ERC1271_MAGICVALUE, ERC1271_INVALID} from "../../../src/interfaces/IERC7579Module.sol";

/// @notice Test-only owner validator: one ECDSA owner per account; accepts signatures over the raw hash
/// or its EIP-191 hash. Without a stored owner the account itself is the owner (EIP-7702 use).
contract MockECDSAValidator is IValidator {
    mapping(address account => address) public owners;
    /// @dev What this validator answers to the ERC-7739 probe.
    bytes4 public immutable erc7739Version;

    constructor(bytes4 erc7739Version_) {
        erc7739Version = erc7739Version_;
    }

    function onInstall(bytes calldata data) external payable {
        if (owners[msg.sender] != address(0)) revert AlreadyInitialized(msg.sender);
        owners[msg.sender] = address(bytes20(data[0:20]));
    }

    function onUninstall(bytes calldata) external payable {
        delete owners[msg.sender];
    }

    function isModuleType(uint256 moduleTypeId) external pure returns (bool) {
        return moduleTypeId == MODULE_TYPE_VALIDATOR;
    }

    function isInitialized(address account) external view returns (bool) {
        return owners[account] != address(0);
    }

    function getOwner(address account) public view returns (address owner) {
        owner = owners[account];
        if (owner == address(0)) owner = account;
    }

    function validateUserOp(PackedUserOperation calldata userOp, bytes32 userOpHash) external view returns (uint256) {
        return _check(getOwner(msg.sender), userOpHash, userOp.signature) ? 0 : 1;
    }

    function isValidSignatureWithSender(address, bytes32 hash, bytes calldata data) external view returns (bytes4) {
        if (data.length == 0 && hash == 0x7739773977397739773977397739773977397739773977397739773977397739) {
            return erc7739Version;
        }
        return _check(getOwner(msg.sender), hash, data) ? ERC1271_MAGICVALUE : ERC1271_INVALID;
    }

    function _check(address owner, bytes32 hash, bytes calldata sig) internal view returns (bool) {
        address a = ECDSA.tryRecoverCalldata(hash, sig);
        if (a != address(0) && a == owner) return true;
        a = ECDSA.tryRecoverCalldata(ECDSA.toEthSignedMessageHash(hash), sig);
        return a != address(0) && a == owner;
    }
}
