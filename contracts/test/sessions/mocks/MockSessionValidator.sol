// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {ECDSA} from "solady/utils/ECDSA.sol";

/// @notice Stateless ECDSA session validator for tests (type 7): `data` is the 20-byte signer; the
/// signature is over the hash itself or its EIP-191 form.
contract MockSessionValidator {
    function isModuleType(uint256 typeId) external pure returns (bool) {
        return typeId == 7;
    }

    function onInstall(bytes calldata) external {}

    function onUninstall(bytes calldata) external {}

    function validateSignatureWithData(bytes32 hash, bytes calldata signature, bytes calldata data)
        external
        view
        returns (bool)
    {
        if (data.length < 20) return false;
        address signer = address(bytes20(data[0:20]));
        if (signer == address(0)) return false;
        return ECDSA.tryRecoverCalldata(hash, signature) == signer
            || ECDSA.tryRecoverCalldata(ECDSA.toEthSignedMessageHash(hash), signature) == signer;
    }
}

/// @notice A "validator" that does not claim type 7.
contract NotASessionValidator {
    function isModuleType(uint256 typeId) external pure returns (bool) {
        return typeId == 1;
    }
}
