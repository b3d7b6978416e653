// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @dev Native composability v1.0.0 wire types. Enum-like fields are `uint8` on the wire.
/// Input fetchers: RAW_BYTES 0, STATIC_CALL 1, BALANCE 2. Output fetchers: EXEC_RESULT 0, STATIC_CALL 1.
/// Constraints: EQ 0, GTE 1, LTE 2, IN 3.
struct Constraint {
    uint8 constraintType;
    bytes referenceData;
}

struct InputParam {
    uint8 fetcherType;
    bytes paramData;
    Constraint[] constraints;
}

struct OutputParam {
    uint8 fetcherType;
    bytes paramData;
}

struct ComposableExecution {
    address to;
    uint256 value;
    bytes4 functionSig;
    InputParam[] inputParams;
    OutputParam[] outputParams;
}

uint8 constant INPUT_FETCHER_RAW_BYTES = 0;
uint8 constant INPUT_FETCHER_STATIC_CALL = 1;
uint8 constant INPUT_FETCHER_BALANCE = 2;
uint8 constant OUTPUT_FETCHER_EXEC_RESULT = 0;
uint8 constant OUTPUT_FETCHER_STATIC_CALL = 1;
uint8 constant CONSTRAINT_EQ = 0;
uint8 constant CONSTRAINT_GTE = 1;
uint8 constant CONSTRAINT_LTE = 2;
uint8 constant CONSTRAINT_IN = 3;

/// @notice The external key-value store that output params write to.
interface IComposableStorage {
    function writeStorage(bytes32 slot, bytes32 value, address account) external;
}

/// @title ComposableExecutionLib
/// @notice Builds a call's calldata at execution time from fetched values (`functionSig ‖ param_0 ‖ …`),
/// checks each value against its constraints, and stores return values for later steps.
library ComposableExecutionLib {
    /// @notice Value word `index` of a fetched param broke its `constraintType` constraint.
    error ConstraintNotMet(uint8 constraintType);
    /// @notice Unknown constraint type.
    error InvalidConstraintType(uint8 constraintType);
    /// @notice A constraint refers to a 32-byte word the fetched value does not have.
    error ConstraintValueOutOfRange(uint256 index);
    /// @notice Unknown input fetcher type or malformed `paramData`.
    error InvalidParameterEncoding();
    /// @notice Unknown output fetcher type.
    error InvalidOutputParamFetcherType();
    /// @notice An input STATIC_CALL failed.
    error ComposableExecutionFailed();
    /// @notice An output STATIC_CALL failed.
    error Output_StaticCallFailed();
    /// @notice An output param asks for more 32-byte return words than were returned.
    error ReturnDataTooShort();

    /// @dev `functionSig ‖ processInput(p_0) ‖ processInput(p_1) ‖ …`.
    function processInputs(InputParam[] calldata inputParams, bytes4 functionSig)
        internal
        view
        returns (bytes memory composed)
    {
        composed = abi.encodePacked(functionSig);
        uint256 length = inputParams.length;
        for (uint256 i; i < length; ++i) {
            composed = bytes.concat(composed, processInput(inputParams[i]));
        }
    }

    function processInput(InputParam calldata param) internal view returns (bytes memory value) {
        uint8 fetcher = param.fetcherType;
        if (fetcher == INPUT_FETCHER_RAW_BYTES) {
            value = param.paramData;
        } else if (fetcher == INPUT_FETCHER_STATIC_CALL) {
            // paramData = abi.encode(address target, bytes callData)
            (address target, bytes memory callData) = abi.decode(param.paramData, (address, bytes));
            bool ok;
            (ok, value) = target.staticcall(callData);
            if (!ok) revert ComposableExecutionFailed();
        } else if (fetcher == INPUT_FETCHER_BALANCE) {
            // paramData = abi.encodePacked(address token, address account); token 0 = native balance
            bytes calldata data = param.paramData;
            if (data.length != 40) revert InvalidParameterEncoding();
            address token = address(bytes20(data[0:20]));
            address account = address(bytes20(data[20:40]));
            uint256 balance;
            if (token == address(0)) {
                balance = account.balance;
            } else {
                (bool ok, bytes memory ret) = token.staticcall(abi.encodeWithSelector(0x70a08231, account));
                if (!ok || ret.length < 32) revert ComposableExecutionFailed();
                balance = abi.decode(ret, (uint256));
            }
            value = abi.encode(balance);
        } else {
            revert InvalidParameterEncoding();
        }
        _validateConstraints(value, param.constraints);
    }

    /// @dev Constraint `i` applies to the `i`-th 32-byte word of `value`.
    function _validateConstraints(bytes memory value, Constraint[] calldata constraints) private pure {
        uint256 length = constraints.length;
        for (uint256 i; i < length; ++i) {
            if (value.length < (i + 1) * 32) revert ConstraintValueOutOfRange(i);
            bytes32 word;
            assembly ("memory-safe") {
                word := mload(add(add(value, 0x20), shl(5, i)))
            }
            Constraint calldata c = constraints[i];
            uint8 t = c.constraintType;
            if (t == CONSTRAINT_IN) {
                (bytes32 lower, bytes32 upper) = abi.decode(c.referenceData, (bytes32, bytes32));
                if (word < lower || word > upper) revert ConstraintNotMet(t);
                continue;
            }
            bytes32 ref = _firstWord(c.referenceData);
            if (t == CONSTRAINT_EQ) {
                if (word != ref) revert ConstraintNotMet(t);
            } else if (t == CONSTRAINT_GTE) {
                if (word < ref) revert ConstraintNotMet(t);
            } else if (t == CONSTRAINT_LTE) {
                if (word > ref) revert ConstraintNotMet(t);
            } else {
                revert InvalidConstraintType(t);
            }
        }
    }

    /// @dev The first 32 bytes of `data`, right-padded with zeros when shorter (as `bytes32(data)`).
    function _firstWord(bytes calldata data) private pure returns (bytes32 word) {
        word = bytes32(data);
    }

    function processOutputs(OutputParam[] calldata outputParams, bytes memory returnData, address account) internal {
        uint256 length = outputParams.length;
        for (uint256 i; i < length; ++i) {
            processOutput(outputParams[i], returnData, account);
        }
    }

    function processOutput(OutputParam calldata param, bytes memory returnData, address account) internal {
        uint8 fetcher = param.fetcherType;
        if (fetcher == OUTPUT_FETCHER_EXEC_RESULT) {
            // paramData = abi.encode(uint256 returnValues, address storageContract, bytes32 storageSlot)
            (uint256 count, address store, bytes32 slot) = abi.decode(param.paramData, (uint256, address, bytes32));
            _writeWords(count, returnData, store, slot, account);
        } else if (fetcher == OUTPUT_FETCHER_STATIC_CALL) {
            // paramData = abi.encode(uint256 returnValues, address source, bytes sourceCallData,
            //                        address storageContract, bytes32 storageSlot)
            (uint256 count, address source, bytes memory sourceCall, address store, bytes32 slot) =
                abi.decode(param.paramData, (uint256, address, bytes, address, bytes32));
            (bool ok, bytes memory ret) = source.staticcall(sourceCall);
            if (!ok) revert Output_StaticCallFailed();
            _writeWords(count, ret, store, slot, account);
        } else {
            revert InvalidOutputParamFetcherType();
        }
    }

    /// @dev Word `i` of `data` goes to `keccak256(abi.encodePacked(slot, i))` in `store`.
    function _writeWords(uint256 count, bytes memory data, address store, bytes32 slot, address account) private {
        if (count > data.length / 32) revert ReturnDataTooShort();
        for (uint256 i; i < count; ++i) {
            bytes32 word;
            assembly ("memory-safe") {
                word := mload(add(add(data, 0x20), shl(5, i)))
            }
            IComposableStorage(store).writeStorage(keccak256(abi.encodePacked(slot, i)), word, account);
        }
    }
}
