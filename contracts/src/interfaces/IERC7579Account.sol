// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @dev ERC-7579 execution mode: `[callType 1][execType 1][unused 4][modeSelector 4][modePayload 22]`.
type ExecutionMode is bytes32;

/// @dev One call of a batch execution, as `abi.encode(Execution[])` carries it.
struct Execution {
    address target;
    uint256 value;
    bytes callData;
}

/// @title IERC7579Account
/// @notice The ERC-7579 account surface our account implements (Nexus 1.2.0 ABI).
interface IERC7579Account {
    event ModuleInstalled(uint256 moduleTypeId, address module);
    event ModuleUninstalled(uint256 moduleTypeId, address module);

    /// @notice Executes per `mode`; callable by the EntryPoint or the account itself.
    function execute(ExecutionMode mode, bytes calldata executionCalldata) external payable;

    /// @notice Executes per `mode` for an installed executor module.
    function executeFromExecutor(ExecutionMode mode, bytes calldata executionCalldata)
        external
        payable
        returns (bytes[] memory returnData);

    function installModule(uint256 moduleTypeId, address module, bytes calldata initData) external payable;

    function uninstallModule(uint256 moduleTypeId, address module, bytes calldata deInitData) external payable;

    function isModuleInstalled(uint256 moduleTypeId, address module, bytes calldata additionalContext)
        external
        view
        returns (bool);

    function supportsModule(uint256 moduleTypeId) external view returns (bool);

    function supportsExecutionMode(ExecutionMode mode) external view returns (bool);

    function accountId() external view returns (string memory);

    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4);
}
