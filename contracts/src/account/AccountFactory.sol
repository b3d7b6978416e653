// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {AccountProxy} from "./AccountProxy.sol";
import {SmartAccount} from "./SmartAccount.sol";

/// @title AccountFactory
/// @notice Deploys smart accounts as `AccountProxy` instances with CREATE2:
/// `address = CREATE2(factory, salt, keccak256(AccountProxy.creationCode ‖
/// abi.encode(implementation, abi.encodeCall(initializeAccount, (initData)))))`.
/// @dev Only an immutable is set at construction, so the runtime code may be copied to another address.
contract AccountFactory {
    /// @notice A new account was deployed.
    event AccountCreated(address indexed account, bytes indexed initData, bytes32 indexed salt);

    /// @notice The implementation address cannot be zero.
    error ImplementationAddressCanNotBeZero();
    /// @notice Forwarding `msg.value` to an existing account failed.
    error ValueForwardingFailed();

    /// @notice The implementation every account proxy points to.
    address public immutable ACCOUNT_IMPLEMENTATION;

    constructor(address implementation) {
        if (implementation == address(0)) revert ImplementationAddressCanNotBeZero();
        ACCOUNT_IMPLEMENTATION = implementation;
    }

    /// @notice Deploys the account for `(initData, salt)`, or returns it if it exists. `msg.value` goes
    /// to the account either way. `AccountCreated` is emitted only on deployment.
    function createAccount(bytes calldata initData, bytes32 salt) external payable returns (address payable account) {
        bytes memory args = _constructorArgs(initData);
        account = payable(_predict(args, salt));
        if (account.code.length != 0) {
            if (msg.value != 0) {
                (bool ok,) = account.call{value: msg.value}("");
                if (!ok) revert ValueForwardingFailed();
            }
            return account;
        }
        bytes memory initCode = abi.encodePacked(type(AccountProxy).creationCode, args);
        address deployed;
        uint256 value = msg.value;
        assembly ("memory-safe") {
            deployed := create2(value, add(initCode, 0x20), mload(initCode), salt)
            if iszero(deployed) {
                returndatacopy(0x00, 0x00, returndatasize())
                revert(0x00, returndatasize())
            }
        }
        emit AccountCreated(deployed, initData, salt);
    }

    /// @notice The address `createAccount(initData, salt)` deploys to.
    function computeAccountAddress(bytes calldata initData, bytes32 salt)
        external
        view
        returns (address payable expectedAddress)
    {
        return payable(_predict(_constructorArgs(initData), salt));
    }

    function _constructorArgs(bytes calldata initData) internal view returns (bytes memory) {
        return abi.encode(ACCOUNT_IMPLEMENTATION, abi.encodeCall(SmartAccount.initializeAccount, (initData)));
    }

    function _predict(bytes memory args, bytes32 salt) internal view returns (address) {
        bytes32 initCodeHash = keccak256(abi.encodePacked(type(AccountProxy).creationCode, args));
        return address(uint160(uint256(keccak256(abi.encodePacked(bytes1(0xff), address(this), salt, initCodeHash)))));
    }
}
