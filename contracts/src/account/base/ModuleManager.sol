// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {PackedUserOperation} from "account-abstraction/interfaces/PackedUserOperation.sol";
import {
    IModule,
    IValidator,
    IHook,
    IPreValidationHookERC1271,
    IPreValidationHookERC4337,
    MODULE_TYPE_MULTI,
    MODULE_TYPE_VALIDATOR,
    MODULE_TYPE_EXECUTOR,
    MODULE_TYPE_FALLBACK,
    MODULE_TYPE_HOOK,
    MODULE_TYPE_PREVALIDATION_HOOK_ERC1271,
    MODULE_TYPE_PREVALIDATION_HOOK_ERC4337
} from "../../interfaces/IERC7579Module.sol";
import {AccountStorage, FallbackHandler, CallType, CALLTYPE_SINGLE, CALLTYPE_STATIC} from "../lib/AccountStorage.sol";
import {SentinelList, SentinelListLib, SENTINEL} from "../lib/SentinelList.sol";

/// @title ModuleManager
/// @notice Installation, removal and lookup of ERC-7579 modules in the account's namespaced storage,
/// shared by the account and by the bootstrap it delegatecalls during initialization.
/// @dev Only immutables are set at construction, so the runtime code may be copied to another address.
abstract contract ModuleManager {
    using SentinelListLib for SentinelList;

    /// @notice A validator other than the default one is used before being installed.
    error ValidatorNotInstalled(address validator);
    /// @notice The module type id is not one this account supports.
    error InvalidModuleTypeId(uint256 moduleTypeId);
    /// @notice A module cannot be the zero address.
    error ModuleAddressCanNotBeZero();
    /// @notice The module reports it is not of the type it is being installed as.
    error MismatchModuleTypeId();
    /// @notice The default validator is always available and cannot be installed again.
    error DefaultValidatorAlreadyInstalled();
    /// @notice Only one hook may be installed; `currentHook` is.
    error HookAlreadyInstalled(address currentHook);
    /// @notice Only one pre-validation hook per type may be installed; `currentHook` is.
    error PrevalidationHookAlreadyInstalled(address currentHook);
    /// @notice A fallback handler must be called with call type `0x00` or `0xFE`.
    error FallbackCallTypeInvalid();
    /// @notice `onInstall`, `onUninstall` and the zero selector cannot be routed to a fallback handler.
    error FallbackSelectorForbidden();
    /// @notice `selector` already has a fallback handler.
    error FallbackAlreadyInstalledForSelector(bytes4 selector);
    /// @notice The install data of a MULTI install is malformed.
    error InvalidInput();
    /// @notice The caller is not an installed executor.
    error InvalidModule(address module);

    /// @dev Transient flag set while the hook's preCheck..postCheck bracket is open.
    bytes32 internal constant _HOOKING_FLAG_SLOT = 0xe4a29a8042309a2ad08ae7c52d833b9d6166e6e098a4b7bfa75a8bad5472586d;

    /// @dev The validator used when the nonce (or signature prefix) names address zero.
    address internal immutable _DEFAULT_VALIDATOR;

    /// @dev Installs the default validator on this contract's own address with `initData` (which should
    /// make the implementation itself unusable as an account).
    constructor(address defaultValidator, bytes memory initData) {
        if (!IModule(defaultValidator).isModuleType(MODULE_TYPE_VALIDATOR)) revert MismatchModuleTypeId();
        IModule(defaultValidator).onInstall(initData);
        _DEFAULT_VALIDATOR = defaultValidator;
    }

    /// @dev Brackets the body with the installed hook's preCheck/postCheck, once per outermost call.
    modifier withHook() {
        address hook = AccountStorage.layout().hook;
        bool hooking;
        assembly ("memory-safe") {
            hooking := tload(_HOOKING_FLAG_SLOT)
        }
        if (hook == address(0) || hooking) {
            _;
        } else {
            assembly ("memory-safe") {
                tstore(_HOOKING_FLAG_SLOT, 1)
            }
            bytes memory hookData = IHook(hook).preCheck(msg.sender, msg.value, msg.data);
            _;
            IHook(hook).postCheck(hookData);
            assembly ("memory-safe") {
                tstore(_HOOKING_FLAG_SLOT, 0)
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Install
    // ---------------------------------------------------------------------------------------------

    function _installModule(uint256 moduleTypeId, address module, bytes calldata initData) internal {
        _ensureListsInitialized();
        if (module == address(0)) revert ModuleAddressCanNotBeZero();
        if (moduleTypeId == MODULE_TYPE_VALIDATOR) {
            _installValidator(module, initData);
        } else if (moduleTypeId == MODULE_TYPE_EXECUTOR) {
            _installExecutor(module, initData);
        } else if (moduleTypeId == MODULE_TYPE_FALLBACK) {
            _installFallbackHandler(module, initData);
        } else if (moduleTypeId == MODULE_TYPE_HOOK) {
            _installHook(module, initData);
        } else if (
            moduleTypeId == MODULE_TYPE_PREVALIDATION_HOOK_ERC1271
                || moduleTypeId == MODULE_TYPE_PREVALIDATION_HOOK_ERC4337
        ) {
            _installPreValidationHook(moduleTypeId, module, initData);
        } else if (moduleTypeId == MODULE_TYPE_MULTI) {
            _multiTypeInstall(module, initData);
        } else {
            revert InvalidModuleTypeId(moduleTypeId);
        }
    }

    function _ensureListsInitialized() internal {
        AccountStorage.Layout storage $ = AccountStorage.layout();
        if (!$.validators.alreadyInitialized()) $.validators.init();
        if (!$.executors.alreadyInitialized()) $.executors.init();
    }

    function _installValidator(address validator, bytes calldata data) internal withHook {
        if (!IModule(validator).isModuleType(MODULE_TYPE_VALIDATOR)) revert MismatchModuleTypeId();
        if (validator == _DEFAULT_VALIDATOR) revert DefaultValidatorAlreadyInstalled();
        AccountStorage.layout().validators.push(validator);
        IModule(validator).onInstall(data);
    }

    function _installExecutor(address executor, bytes calldata data) internal withHook {
        if (!IModule(executor).isModuleType(MODULE_TYPE_EXECUTOR)) revert MismatchModuleTypeId();
        AccountStorage.layout().executors.push(executor);
        IModule(executor).onInstall(data);
    }

    /// @dev `params` = `selector(4) ‖ callType(1) ‖ handlerInitData`.
    function _installFallbackHandler(address handler, bytes calldata params) internal withHook {
        if (!IModule(handler).isModuleType(MODULE_TYPE_FALLBACK)) revert MismatchModuleTypeId();
        if (params.length < 5) revert InvalidInput();
        bytes4 selector = bytes4(params[0:4]);
        CallType calltype = CallType.wrap(params[4]);
        if (!(calltype == CALLTYPE_SINGLE || calltype == CALLTYPE_STATIC)) revert FallbackCallTypeInvalid();
        // onInstall(bytes) / onUninstall(bytes) would let anyone re-initialise the handler.
        if (selector == IModule.onInstall.selector || selector == IModule.onUninstall.selector || selector == 0) {
            revert FallbackSelectorForbidden();
        }
        AccountStorage.Layout storage $ = AccountStorage.layout();
        if ($.fallbacks[selector].handler != address(0)) revert FallbackAlreadyInstalledForSelector(selector);
        $.fallbacks[selector] = FallbackHandler(handler, calltype);
        IModule(handler).onInstall(params[5:]);
    }

    function _installHook(address hook, bytes calldata data) internal withHook {
        if (!IModule(hook).isModuleType(MODULE_TYPE_HOOK)) revert MismatchModuleTypeId();
        AccountStorage.Layout storage $ = AccountStorage.layout();
        address current = $.hook;
        if (current != address(0)) revert HookAlreadyInstalled(current);
        $.hook = hook;
        IModule(hook).onInstall(data);
    }

    function _installPreValidationHook(uint256 hookType, address hook, bytes calldata data) internal withHook {
        if (hookType != MODULE_TYPE_PREVALIDATION_HOOK_ERC1271 && hookType != MODULE_TYPE_PREVALIDATION_HOOK_ERC4337) {
            revert InvalidModuleTypeId(hookType);
        }
        if (!IModule(hook).isModuleType(hookType)) revert MismatchModuleTypeId();
        address current = _getPreValidationHook(hookType);
        if (current != address(0)) revert PrevalidationHookAlreadyInstalled(current);
        _setPreValidationHook(hookType, hook);
        IModule(hook).onInstall(data);
    }

    /// @dev `initData` = `abi.encode(uint256[] types, bytes[] initDatas)`; installs `module` as each type.
    function _multiTypeInstall(address module, bytes calldata initData) internal {
        (uint256[] calldata types, bytes[] calldata initDatas) = _parseMultiTypeInitData(initData);
        uint256 length = types.length;
        if (initDatas.length != length) revert InvalidInput();
        for (uint256 i; i < length; ++i) {
            uint256 t = types[i];
            if (t == MODULE_TYPE_VALIDATOR) _installValidator(module, initDatas[i]);
            else if (t == MODULE_TYPE_EXECUTOR) _installExecutor(module, initDatas[i]);
            else if (t == MODULE_TYPE_FALLBACK) _installFallbackHandler(module, initDatas[i]);
            else if (t == MODULE_TYPE_HOOK) _installHook(module, initDatas[i]);
            else if (t == MODULE_TYPE_PREVALIDATION_HOOK_ERC1271 || t == MODULE_TYPE_PREVALIDATION_HOOK_ERC4337) {
                _installPreValidationHook(t, module, initDatas[i]);
            } else {
                revert InvalidModuleTypeId(t);
            }
        }
    }

    /// @dev Points `types` and `initDatas` into `data`, checking that both arrays' heads lie inside it.
    function _parseMultiTypeInitData(bytes calldata data)
        internal
        pure
        returns (uint256[] calldata types, bytes[] calldata initDatas)
    {
        bool bad = data.length < 0x40;
        assembly ("memory-safe") {
            types.offset := 0
            types.length := 0
            initDatas.offset := 0
            initDatas.length := 0
            if iszero(bad) {
                let base := data.offset
                let len := data.length
                let o1 := calldataload(base)
                let o2 := calldataload(add(base, 0x20))
                bad := or(gt(o1, sub(len, 0x20)), gt(o2, sub(len, 0x20)))
                if iszero(bad) {
                    types.length := calldataload(add(base, o1))
                    types.offset := add(add(base, o1), 0x20)
                    initDatas.length := calldataload(add(base, o2))
                    initDatas.offset := add(add(base, o2), 0x20)
                    bad := or(
                        gt(types.length, shr(5, sub(sub(len, o1), 0x20))),
                        gt(initDatas.length, shr(5, sub(sub(len, o2), 0x20)))
                    )
                }
            }
        }
        if (bad) revert InvalidInput();
    }

    // ---------------------------------------------------------------------------------------------
    // Uninstall
    // ---------------------------------------------------------------------------------------------

    /// @dev `data` = `abi.encode(address prev, bytes deInitData)`.
    function _uninstallValidator(address validator, bytes calldata data) internal {
        (address prev, bytes memory deInit) = abi.decode(data, (address, bytes));
        AccountStorage.layout().validators.pop(prev, validator);
        _callOnUninstall(validator, deInit);
    }

    /// @dev `data` = `abi.encode(address prev, bytes deInitData)`.
    function _uninstallExecutor(address executor, bytes calldata data) internal {
        (address prev, bytes memory deInit) = abi.decode(data, (address, bytes));
        AccountStorage.layout().executors.pop(prev, executor);
        _callOnUninstall(executor, deInit);
    }

    /// @dev `data` = `selector(4) ‖ deInitData`.
    function _uninstallFallbackHandler(address handler, bytes calldata data) internal {
        delete AccountStorage.layout().fallbacks[bytes4(data[0:4])];
        _callOnUninstall(handler, data[4:]);
    }

    function _uninstallHook(address hook, uint256 hookType, bytes calldata data) internal {
        if (hookType == MODULE_TYPE_HOOK) {
            AccountStorage.layout().hook = address(0);
        } else {
            _setPreValidationHook(hookType, address(0));
        }
        _callOnUninstall(hook, data);
    }

    /// @dev A module's `onUninstall` failing (or burning gas) must not keep it installed.
    function _callOnUninstall(address module, bytes memory deInit) internal {
        bytes memory callData = abi.encodeCall(IModule.onUninstall, (deInit));
        assembly ("memory-safe") {
            pop(call(gas(), module, 0, add(callData, 0x20), mload(callData), 0, 0))
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Queries
    // ---------------------------------------------------------------------------------------------

    function _isModuleInstalled(uint256 moduleTypeId, address module, bytes calldata additionalContext)
        internal
        view
        returns (bool)
    {
        // Unset slots hold zero: the zero address is never "installed".
        if (module == address(0)) return false;
        AccountStorage.Layout storage $ = AccountStorage.layout();
        if (moduleTypeId == MODULE_TYPE_VALIDATOR) return $.validators.contains(module);
        if (moduleTypeId == MODULE_TYPE_EXECUTOR) return $.executors.contains(module);
        if (moduleTypeId == MODULE_TYPE_FALLBACK) {
            bytes4 selector = additionalContext.length >= 4 ? bytes4(additionalContext[0:4]) : bytes4(0);
            return $.fallbacks[selector].handler == module;
        }
        if (moduleTypeId == MODULE_TYPE_HOOK) return $.hook == module;
        if (
            moduleTypeId == MODULE_TYPE_PREVALIDATION_HOOK_ERC1271
                || moduleTypeId == MODULE_TYPE_PREVALIDATION_HOOK_ERC4337
        ) return _getPreValidationHook(moduleTypeId) == module;
        return false;
    }

    function _isValidatorInstalled(address validator) internal view returns (bool) {
        return AccountStorage.layout().validators.contains(validator);
    }

    function _areSentinelListsInitialized() internal view returns (bool) {
        AccountStorage.Layout storage $ = AccountStorage.layout();
        return $.validators.alreadyInitialized() && $.executors.alreadyInitialized();
    }

    /// @dev Address zero means the default validator; any other must be installed.
    function _handleValidator(address validator) internal view returns (address) {
        if (validator == address(0)) return _DEFAULT_VALIDATOR;
        if (!_isValidatorInstalled(validator)) revert ValidatorNotInstalled(validator);
        return validator;
    }

    function _getPreValidationHook(uint256 hookType) internal view returns (address) {
        AccountStorage.Layout storage $ = AccountStorage.layout();
        return hookType == MODULE_TYPE_PREVALIDATION_HOOK_ERC1271
            ? $.preValidationHookERC1271
            : $.preValidationHookERC4337;
    }

    function _setPreValidationHook(uint256 hookType, address hook) internal {
        AccountStorage.Layout storage $ = AccountStorage.layout();
        if (hookType == MODULE_TYPE_PREVALIDATION_HOOK_ERC1271) $.preValidationHookERC1271 = hook;
        else $.preValidationHookERC4337 = hook;
    }

    /// @dev Applies the ERC-1271 pre-validation hook, if any.
    function _withPreValidationHook(bytes32 hash, bytes calldata signature)
        internal
        view
        returns (bytes32, bytes memory)
    {
        address hook = AccountStorage.layout().preValidationHookERC1271;
        if (hook == address(0)) return (hash, signature);
        return IPreValidationHookERC1271(hook).preValidationHookERC1271(msg.sender, hash, signature);
    }

    /// @dev Applies the ERC-4337 pre-validation hook, if any.
    function _withPreValidationHook(bytes32 hash, PackedUserOperation memory userOp, uint256 missingAccountFunds)
        internal
        returns (bytes32, bytes memory)
    {
        address hook = AccountStorage.layout().preValidationHookERC4337;
        if (hook == address(0)) return (hash, userOp.signature);
        return IPreValidationHookERC4337(hook).preValidationHookERC4337(userOp, missingAccountFunds, hash);
    }

    /// @dev An EOA delegated to this code with EIP-7702: code is `0xef0100 ‖ address` (23 bytes).
    function _amIERC7702() internal view returns (bool res) {
        assembly ("memory-safe") {
            if eq(extcodesize(address()), 23) {
                extcodecopy(address(), 0x00, 0x00, 0x03)
                res := eq(shr(232, mload(0x00)), 0xef0100)
            }
        }
    }
}
