// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {ExecutionMode, Execution} from "../../interfaces/IERC7579Account.sol";
import {CallType, ExecType} from "./AccountStorage.sol";

/// @title ExecutionLib
/// @notice Decoding of ERC-7579 execution modes and `executionCalldata`, with bounds checks on every
/// offset and length so malformed input reverts with `DecodingError()` instead of reading out of range.
library ExecutionLib {
    /// @notice `executionCalldata` does not fit the encoding its call type requires.
    error DecodingError();

    /// @dev `[callType 1][execType 1][unused 4][modeSelector 4][modePayload 22]`.
    function decodeBasic(ExecutionMode mode) internal pure returns (CallType callType, ExecType execType) {
        bytes32 m = ExecutionMode.unwrap(mode);
        callType = CallType.wrap(bytes1(m));
        execType = ExecType.wrap(bytes1(m << 8));
    }

    /// @dev `abi.encodePacked(address target, uint256 value, bytes callData)`.
    function decodeSingle(bytes calldata executionCalldata)
        internal
        pure
        returns (address target, uint256 value, bytes calldata callData)
    {
        if (executionCalldata.length < 52) revert DecodingError();
        target = address(bytes20(executionCalldata[0:20]));
        value = uint256(bytes32(executionCalldata[20:52]));
        callData = executionCalldata[52:];
    }

    /// @dev `abi.encodePacked(address delegate, bytes callData)`.
    function decodeDelegateCall(bytes calldata executionCalldata)
        internal
        pure
        returns (address delegate, bytes calldata callData)
    {
        if (executionCalldata.length < 20) revert DecodingError();
        delegate = address(bytes20(executionCalldata[0:20]));
        callData = executionCalldata[20:];
    }

    /// @dev `abi.encode(Execution[])`. Every element's head, its `callData` offset and length must lie
    /// inside `executionCalldata` and every target must be a clean address; otherwise `DecodingError()`.
    /// The returned array points into `executionCalldata`, so reading it afterwards is in bounds.
    function decodeBatch(bytes calldata executionCalldata) internal pure returns (Execution[] calldata executions) {
        assembly ("memory-safe") {
            executions.offset := 0
            executions.length := 0
            let base := executionCalldata.offset
            let len := executionCalldata.length
            let bad := lt(len, 0x20)
            let arrOff := calldataload(base)
            // The array's length word must fit.
            bad := or(bad, gt(arrOff, sub(len, 0x20)))
            if iszero(bad) {
                // Bytes left after the length word; element offsets are relative to their start.
                let rem := sub(sub(len, arrOff), 0x20)
                let data := add(add(base, arrOff), 0x20)
                let n := calldataload(add(base, arrOff))
                // All n offset words must fit.
                bad := gt(n, shr(5, rem))
                for { let i := 0 } and(iszero(bad), lt(i, n)) { i := add(i, 1) } {
                    let eOff := calldataload(add(data, shl(5, i)))
                    // The element's three head words (target, value, callData offset) must fit.
                    bad := or(gt(eOff, rem), lt(sub(rem, eOff), 0x60))
                    if bad { break }
                    let e := add(data, eOff)
                    let eRem := sub(rem, eOff)
                    bad := shr(160, calldataload(e))
                    let bOff := calldataload(add(e, 0x40))
                    // The callData length word must fit ...
                    bad := or(bad, gt(bOff, sub(eRem, 0x20)))
                    if bad { break }
                    // ... and so must its bytes.
                    bad := gt(calldataload(add(e, bOff)), sub(sub(eRem, bOff), 0x20))
                }
                executions.offset := data
                executions.length := n
            }
            if bad {
                mstore(0x00, 0xba597e7e) // `DecodingError()`.
                revert(0x1c, 0x04)
            }
        }
    }
}
