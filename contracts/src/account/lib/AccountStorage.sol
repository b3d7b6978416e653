// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {SentinelList} from "./SentinelList.sol";

/// @dev How a fallback handler is called: `0x00` call (single), `0xFE` staticcall.
type CallType is bytes1;

/// @dev ERC-7579 execution type: `0x00` revert on failure, `0x01` try.
type ExecType is bytes1;

CallType constant CALLTYPE_SINGLE = CallType.wrap(0x00);
CallType constant CALLTYPE_BATCH = CallType.wrap(0x01);
CallType constant CALLTYPE_STATIC = CallType.wrap(0xFE);
CallType constant CALLTYPE_DELEGATECALL = CallType.wrap(0xFF);

ExecType constant EXECTYPE_DEFAULT = ExecType.wrap(0x00);
ExecType constant EXECTYPE_TRY = ExecType.wrap(0x01);

using {_eqCallType as ==} for CallType global;
using {_eqExecType as ==} for ExecType global;

function _eqCallType(CallType a, CallType b) pure returns (bool) {
    return CallType.unwrap(a) == CallType.unwrap(b);
}

function _eqExecType(ExecType a, ExecType b) pure returns (bool) {
    return ExecType.unwrap(a) == ExecType.unwrap(b);
}

/// @dev A fallback handler registered for one selector.
struct FallbackHandler {
    address handler;
    CallType calltype;
}

/// @title AccountStorage
/// @notice The account's ERC-7201 namespaced storage. The validators list MUST stay the first member:
/// off-chain tools override `keccak256(abi.encode(validator, STORAGE_LOCATION))` (the list's next pointer
/// for `validator`) to simulate an installed validator.
library AccountStorage {
    /// @dev The storage root, as deployed accounts of this ABI use it.
    bytes32 internal constant STORAGE_LOCATION = 0x0bb70095b32b9671358306b0339b4c06e7cbd8cb82505941fba30d1eb5b82f00;

    /// @dev Member order and types match deployed Nexus 1.2.0 accounts slot for slot (root + 0 … root + 8),
    /// so an account can move between the two implementations with `upgradeToAndCall`.
    /// @custom:storage-location erc7201:biconomy.storage.Nexus
    struct Layout {
        SentinelList validators;
        SentinelList executors;
        mapping(bytes4 selector => FallbackHandler) fallbacks;
        address hook;
        /// @dev When an emergency uninstall of `hook` was requested (0 = none pending).
        mapping(address hook => uint256 requestedAt) emergencyUninstallTimelock;
        address preValidationHookERC4337;
        address preValidationHookERC1271;
        /// @dev Emergency-uninstall nonces already used.
        mapping(uint256 nonce => bool used) nonces;
        /// @dev ERC-7484 registry slot. This implementation never sets it (no registry is used).
        address registry;
    }

    function layout() internal pure returns (Layout storage $) {
        bytes32 location = STORAGE_LOCATION;
        assembly ("memory-safe") {
            $.slot := location
        }
    }
}
