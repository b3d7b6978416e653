// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {ExecutionMode, Execution} from "../../interfaces/IERC7579Account.sol";
import {
    CallType,
    ExecType,
    CALLTYPE_SINGLE,
    CALLTYPE_BATCH,
    CALLTYPE_DELEGATECALL,
    EXECTYPE_DEFAULT,
    EXECTYPE_TRY
} from "../lib/AccountStorage.sol";
import {ExecutionLib} from "../lib/ExecutionLib.sol";

/// @title ExecutionHelper
/// @notice Runs ERC-7579 executions: single, batch and delegatecall, each with revert-on-failure
/// (default) or try semantics.
abstract contract ExecutionHelper {
    /// @notice A call in try mode failed; execution continued.
    event TryExecuteUnsuccessful(bytes callData, bytes result);
    /// @notice A delegatecall in try mode failed; execution continued.
    event TryDelegateCallUnsuccessful(bytes callData, bytes result);

    /// @notice The mode's call type is not single, batch or delegatecall.
    error UnsupportedCallType(CallType callType);
    /// @notice The mode's exec type is not default or try.
    error UnsupportedExecType(ExecType execType);
    /// @notice An execution failed without revert data.
    error ExecutionFailed();

    /// @dev Executes per `mode`; returns one result per call.
    function _executeMode(ExecutionMode mode, bytes calldata executionCalldata)
        internal
        returns (bytes[] memory results)
    {
        (CallType callType, ExecType execType) = ExecutionLib.decodeBasic(mode);
        bool tryMode;
        if (execType == EXECTYPE_TRY) tryMode = true;
        else if (!(execType == EXECTYPE_DEFAULT)) revert UnsupportedExecType(execType);

        if (callType == CALLTYPE_SINGLE) {
            (address target, uint256 value, bytes calldata callData) = ExecutionLib.decodeSingle(executionCalldata);
            results = new bytes[](1);
            results[0] = _call(target, value, callData, tryMode);
        } else if (callType == CALLTYPE_BATCH) {
            Execution[] calldata executions = ExecutionLib.decodeBatch(executionCalldata);
            uint256 length = executions.length;
            results = new bytes[](length);
            for (uint256 i; i < length; ++i) {
                Execution calldata e = executions[i];
                results[i] = _call(e.target, e.value, e.callData, tryMode);
            }
        } else if (callType == CALLTYPE_DELEGATECALL) {
            (address delegate, bytes calldata callData) = ExecutionLib.decodeDelegateCall(executionCalldata);
            results = new bytes[](1);
            results[0] = _delegatecall(delegate, callData, tryMode);
        } else {
            revert UnsupportedCallType(callType);
        }
    }

    /// @dev A single call in default mode whose return data is not needed.
    function _executeSingleNoReturn(bytes calldata executionCalldata) internal {
        (address target, uint256 value, bytes calldata callData) = ExecutionLib.decodeSingle(executionCalldata);
        bool success;
        assembly ("memory-safe") {
            let m := mload(0x40)
            calldatacopy(m, callData.offset, callData.length)
            success := call(gas(), target, value, m, callData.length, codesize(), 0x00)
        }
        if (!success) {
            bytes memory reason;
            assembly ("memory-safe") {
                reason := mload(0x40)
                mstore(reason, returndatasize())
                returndatacopy(add(reason, 0x20), 0x00, returndatasize())
                mstore(0x40, add(add(reason, 0x20), returndatasize()))
            }
            _bubble(reason);
        }
    }

    function _call(address target, uint256 value, bytes calldata callData, bool tryMode)
        internal
        returns (bytes memory result)
    {
        bool success;
        (success, result) = target.call{value: value}(callData);
        if (!success) {
            if (tryMode) emit TryExecuteUnsuccessful(callData, result);
            else _bubble(result);
        }
    }

    function _delegatecall(address delegate, bytes calldata callData, bool tryMode)
        internal
        returns (bytes memory result)
    {
        bool success;
        (success, result) = delegate.delegatecall(callData);
        if (!success) {
            if (tryMode) emit TryDelegateCallUnsuccessful(callData, result);
            else _bubble(result);
        }
    }

    /// @dev Re-raises `reason`, or `ExecutionFailed()` when it is empty.
    function _bubble(bytes memory reason) internal pure {
        if (reason.length == 0) revert ExecutionFailed();
        assembly ("memory-safe") {
            revert(add(reason, 0x20), mload(reason))
        }
    }
}
