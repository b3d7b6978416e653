// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {PackedUserOperation} from "account-abstraction/interfaces/PackedUserOperation.sol";
import {IModule, IHook, IPreValidationHookERC1271, IPreValidationHookERC4337} from "../../../src/interfaces/IERC7579Module.sol";
import {IERC7579Account, ExecutionMode} from "../../../src/interfaces/IERC7579Account.sol";

/// @notice A module of any set of types that records install/uninstall calls.
contract MockModule is IModule {
    mapping(uint256 => bool) public types;
    mapping(address => bool) public installed;
    mapping(address => bytes) public lastInstallData;
    mapping(address => bytes) public lastUninstallData;
    bool public revertOnUninstall;

    constructor(uint256[] memory types_) {
        for (uint256 i; i < types_.length; ++i) types[types_[i]] = true;
    }

    function setRevertOnUninstall(bool v) external {
        revertOnUninstall = v;
    }

    function onInstall(bytes calldata data) external payable virtual {
        installed[msg.sender] = true;
        lastInstallData[msg.sender] = data;
    }

    function onUninstall(bytes calldata data) external payable {
        if (revertOnUninstall) revert("no");
        installed[msg.sender] = false;
        lastUninstallData[msg.sender] = data;
    }

    function isModuleType(uint256 t) external view returns (bool) {
        return types[t];
    }

    function isInitialized(address account) external view returns (bool) {
        return installed[account];
    }
}

/// @notice Executor: forwards to the account's executeFromExecutor.
contract MockExecutor is MockModule {
    constructor(uint256[] memory t) MockModule(t) {}

    function run(address account, bytes32 mode, bytes calldata executionCalldata)
        external
        payable
        returns (bytes[] memory)
    {
        return IERC7579Account(account).executeFromExecutor{value: msg.value}(ExecutionMode.wrap(mode), executionCalldata);
    }
}

/// @notice Hook that counts and records its calls; can be told to revert in postCheck.
contract MockHook is MockModule, IHook {
    uint256 public preChecks;
    uint256 public postChecks;
    address public lastSender;
    bytes public lastMsgData;
    bool public revertPost;

    constructor(uint256[] memory t) MockModule(t) {}

    function setRevertPost(bool v) external {
        revertPost = v;
    }

    function preCheck(address msgSender, uint256, bytes calldata msgData) external payable returns (bytes memory) {
        ++preChecks;
        lastSender = msgSender;
        lastMsgData = msgData;
        return abi.encode(preChecks);
    }

    function postCheck(bytes calldata hookData) external payable {
        if (revertPost) revert("post");
        require(abi.decode(hookData, (uint256)) == preChecks, "hookData");
        ++postChecks;
    }
}

/// @notice Fallback handler: echoes the ERC-2771 appended sender and the call's data.
contract MockFallback is MockModule {
    constructor(uint256[] memory t) MockModule(t) {}

    event Handled(address account, address sender, uint256 value, bytes data);

    function whoCalled() external view returns (address account, address sender) {
        account = msg.sender;
        sender = address(bytes20(msg.data[msg.data.length - 20:]));
    }

    function poke(uint256 x) external payable returns (uint256) {
        emit Handled(msg.sender, address(bytes20(msg.data[msg.data.length - 20:])), msg.value, msg.data);
        return x + 1;
    }

    uint256 internal booms;

    function boom() external {
        ++booms;
        revert("boom");
    }
}

/// @notice Pre-validation hooks that substitute a fixed hash (ERC-1271) or re-sign nothing but
/// append a marker check (ERC-4337: passes the signature through, replaces the hash by keccak(hash)).
contract MockPreValidationHook is MockModule, IPreValidationHookERC1271, IPreValidationHookERC4337 {
    constructor(uint256[] memory t) MockModule(t) {}

    function preValidationHookERC1271(address, bytes32 hash, bytes calldata data)
        external
        pure
        returns (bytes32, bytes memory)
    {
        return (keccak256(abi.encode(hash)), data);
    }

    function preValidationHookERC4337(PackedUserOperation calldata userOp, uint256, bytes32 hash)
        external
        pure
        returns (bytes32, bytes memory)
    {
        return (keccak256(abi.encode(hash)), userOp.signature);
    }
}

/// @notice A call target.
contract MockTarget {
    uint256 public value;
    address public lastCaller;
    uint256 public received;

    event Called(address caller, uint256 value, uint256 arg);

    function set(uint256 v) external payable returns (uint256) {
        value = v;
        lastCaller = msg.sender;
        received += msg.value;
        emit Called(msg.sender, msg.value, v);
        return v * 2;
    }

    function fail() external pure {
        revert("target failed");
    }

    function failEmpty() external pure {
        revert();
    }

    function pair() external pure returns (uint256, uint256) {
        return (7, 11);
    }
}

/// @notice Code run by delegatecall: writes a marker into the caller's storage.
contract MockDelegate {
    function mark(bytes32 slot, bytes32 v) external {
        assembly {
            sstore(slot, v)
        }
    }

    function fail() external pure {
        revert("delegate failed");
    }
}

/// @notice Key-value store written by composable output params.
contract MockComposableStorage {
    mapping(address writer => mapping(address account => mapping(bytes32 slot => bytes32))) public values;

    function writeStorage(bytes32 slot, bytes32 value, address account) external {
        values[msg.sender][account][slot] = value;
    }
}
