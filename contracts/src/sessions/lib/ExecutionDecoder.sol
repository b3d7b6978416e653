// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @notice Bounds-checked decoding of the account's `execute(bytes32,bytes)` calldata and of its
/// single / batch execution encodings, reading only inside `userOp.callData`.
/// @dev Every offset and length is checked against the enclosing slice before use, without
/// overflow, so a short or malformed callData can never make the validator read bytes that lie
/// beyond it (e.g. the next field of the userOp). The accepted encodings are exactly the ones the
/// account executes: single = `target(20) ‖ value(32) ‖ callData`, batch = `abi.encode(Execution[])`.
library ExecutionDecoder {
    /// @notice Same selector as the account's decoder error (`0xba597e7e`).
    error DecodingError();

    /// @notice Splits `execute(mode, executionCalldata)` calldata (selector included).
    function decodeExecute(bytes calldata callData)
        internal
        pure
        returns (bytes1 callType, bytes1 execType, bytes calldata executionCalldata)
    {
        // selector(4) ‖ mode(32) ‖ offset(32) at least
        if (callData.length < 68) revert DecodingError();
        bytes32 mode = bytes32(callData[4:36]);
        callType = mode[0];
        execType = mode[1];
        executionCalldata = _bytesAt(callData, 4, uint256(bytes32(callData[36:68])));
    }

    /// @notice `target(20) ‖ value(32) ‖ callData(rest)`.
    function decodeSingle(bytes calldata executionCalldata)
        internal
        pure
        returns (address target, uint256 value, bytes calldata data)
    {
        if (executionCalldata.length < 52) revert DecodingError();
        target = address(bytes20(executionCalldata[0:20]));
        value = uint256(bytes32(executionCalldata[20:52]));
        data = executionCalldata[52:];
    }

    /// @notice Number of executions in `abi.encode(Execution[])`, and the offset of the array's
    /// content (just after its length word) inside `executionCalldata`.
    function batchLength(bytes calldata ec) internal pure returns (uint256 count, uint256 contentStart) {
        if (ec.length < 32) revert DecodingError();
        uint256 arrayOffset = uint256(bytes32(ec[0:32]));
        if (arrayOffset > ec.length - 32) revert DecodingError();
        count = uint256(bytes32(ec[arrayOffset:arrayOffset + 32]));
        contentStart = arrayOffset + 32;
        // every element needs at least its 32-byte head slot
        if (count > (ec.length - contentStart) / 32) revert DecodingError();
    }

    /// @notice The `index`-th `Execution(address target, uint256 value, bytes callData)` of a batch.
    function batchAt(bytes calldata ec, uint256 contentStart, uint256 index)
        internal
        pure
        returns (address target, uint256 value, bytes calldata data)
    {
        uint256 headPos = contentStart + index * 32; // in bounds: checked by batchLength
        uint256 rel = uint256(bytes32(ec[headPos:headPos + 32]));
        if (rel > ec.length - contentStart) revert DecodingError();
        uint256 elem = contentStart + rel;
        if (ec.length - elem < 96) revert DecodingError();
        uint256 rawTarget = uint256(bytes32(ec[elem:elem + 32]));
        if (rawTarget >> 160 != 0) revert DecodingError();
        target = address(uint160(rawTarget));
        value = uint256(bytes32(ec[elem + 32:elem + 64]));
        data = _bytesAt(ec, elem, uint256(bytes32(ec[elem + 64:elem + 96])));
    }

    /// @dev The `bytes` whose length word sits at `base + rel` inside `s`.
    function _bytesAt(bytes calldata s, uint256 base, uint256 rel) private pure returns (bytes calldata out) {
        if (rel > s.length - base) revert DecodingError();
        uint256 p = base + rel;
        if (s.length - p < 32) revert DecodingError();
        uint256 len = uint256(bytes32(s[p:p + 32]));
        if (len > s.length - p - 32) revert DecodingError();
        out = s[p + 32:p + 32 + len];
    }
}
