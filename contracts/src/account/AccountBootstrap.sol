// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IERC7579Account} from "../interfaces/IERC7579Account.sol";
import {
    IModule,
    MODULE_TYPE_VALIDATOR,
    MODULE_TYPE_EXECUTOR,
    MODULE_TYPE_FALLBACK,
    MODULE_TYPE_HOOK
} from "../interfaces/IERC7579Module.sol";
import {ModuleManager} from "./base/ModuleManager.sol";

/// @dev A module and its install data.
struct BootstrapConfig {
    address module;
    bytes data;
}

/// @dev A pre-validation hook (type 8 or 9) and its install data.
struct BootstrapPreValidationHookConfig {
    uint256 hookType;
    address module;
    bytes data;
}

/// @dev An ERC-7484 module-registry configuration, as the registry entry points take it.
struct RegistryConfig {
    address registry;
    address[] attesters;
    uint8 threshold;
}

/// @title AccountBootstrap
/// @notice Initialization logic a new account delegatecalls (`initData = abi.encode(bootstrap, call)`):
/// sets up the default validator and installs the given modules in the account's storage.
/// Entries whose module is the zero address are skipped.
/// @dev Its default validator must be the account implementation's. Only immutables are set at
/// construction, so the runtime code may be copied to another address.
contract AccountBootstrap is ModuleManager {
    /// @notice This deployment has no ERC-7484 module registry; a non-zero registry is refused rather than
    /// silently not enforced.
    error RegistryNotSupported(address registry);

    constructor(address defaultValidator, bytes memory initData) ModuleManager(defaultValidator, initData) {}

    /// @notice Initializes the default validator with `data` (for the default validator: the owner).
    function initNexusWithDefaultValidator(bytes calldata data) external payable {
        IModule(_DEFAULT_VALIDATOR).onInstall(data);
    }

    /// @notice Initializes the default validator and installs other modules (no registry).
    function initNexusWithDefaultValidatorAndOtherModulesNoRegistry(
        bytes calldata defaultValidatorInitData,
        BootstrapConfig[] calldata validators,
        BootstrapConfig[] calldata executors,
        BootstrapConfig calldata hook,
        BootstrapConfig[] calldata fallbacks,
        BootstrapPreValidationHookConfig[] calldata preValidationHooks
    ) external payable {
        IModule(_DEFAULT_VALIDATOR).onInstall(defaultValidatorInitData);
        _installAll(validators, executors, hook, fallbacks, preValidationHooks);
    }

    /// @notice The registry variant of `initNexusWithDefaultValidatorAndOtherModulesNoRegistry`, for SDKs
    /// that always send a registry config. No module registry is used: `registryConfig.registry` must be
    /// zero (its attesters and threshold are then ignored and nothing is stored); otherwise
    /// `RegistryNotSupported`.
    function initNexusWithDefaultValidatorAndOtherModules(
        bytes calldata defaultValidatorInitData,
        BootstrapConfig[] calldata validators,
        BootstrapConfig[] calldata executors,
        BootstrapConfig calldata hook,
        BootstrapConfig[] calldata fallbacks,
        BootstrapPreValidationHookConfig[] calldata preValidationHooks,
        RegistryConfig calldata registryConfig
    ) external payable {
        if (registryConfig.registry != address(0)) revert RegistryNotSupported(registryConfig.registry);
        IModule(_DEFAULT_VALIDATOR).onInstall(defaultValidatorInitData);
        _installAll(validators, executors, hook, fallbacks, preValidationHooks);
    }

    /// @notice Installs the given modules (no registry); the default validator stays uninitialized.
    function initNexusNoRegistry(
        BootstrapConfig[] calldata validators,
        BootstrapConfig[] calldata executors,
        BootstrapConfig calldata hook,
        BootstrapConfig[] calldata fallbacks,
        BootstrapPreValidationHookConfig[] calldata preValidationHooks
    ) external payable {
        _installAll(validators, executors, hook, fallbacks, preValidationHooks);
    }

    /// @notice Installs one validator (no registry).
    function initNexusWithSingleValidatorNoRegistry(address validator, bytes calldata data) external payable {
        _ensureListsInitialized();
        _installValidator(validator, data);
        emit IERC7579Account.ModuleInstalled(MODULE_TYPE_VALIDATOR, validator);
    }

    function _installAll(
        BootstrapConfig[] calldata validators,
        BootstrapConfig[] calldata executors,
        BootstrapConfig calldata hook,
        BootstrapConfig[] calldata fallbacks,
        BootstrapPreValidationHookConfig[] calldata preValidationHooks
    ) internal {
        _ensureListsInitialized();
        for (uint256 i; i < validators.length; ++i) {
            if (validators[i].module == address(0)) continue;
            _installValidator(validators[i].module, validators[i].data);
            emit IERC7579Account.ModuleInstalled(MODULE_TYPE_VALIDATOR, validators[i].module);
        }
        for (uint256 i; i < executors.length; ++i) {
            if (executors[i].module == address(0)) continue;
            _installExecutor(executors[i].module, executors[i].data);
            emit IERC7579Account.ModuleInstalled(MODULE_TYPE_EXECUTOR, executors[i].module);
        }
        if (hook.module != address(0)) {
            _installHook(hook.module, hook.data);
            emit IERC7579Account.ModuleInstalled(MODULE_TYPE_HOOK, hook.module);
        }
        for (uint256 i; i < fallbacks.length; ++i) {
            if (fallbacks[i].module == address(0)) continue;
            _installFallbackHandler(fallbacks[i].module, fallbacks[i].data);
            emit IERC7579Account.ModuleInstalled(MODULE_TYPE_FALLBACK, fallbacks[i].module);
        }
        for (uint256 i; i < preValidationHooks.length; ++i) {
            BootstrapPreValidationHookConfig calldata c = preValidationHooks[i];
            if (c.module == address(0)) continue;
            _installPreValidationHook(c.hookType, c.module, c.data);
            emit IERC7579Account.ModuleInstalled(c.hookType, c.module);
        }
    }
}
