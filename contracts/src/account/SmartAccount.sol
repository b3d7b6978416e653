// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {PackedUserOperation} from "account-abstraction/interfaces/PackedUserOperation.sol";
import {IEntryPoint} from "account-abstraction/interfaces/IEntryPoint.sol";
import {EIP712} from "solady/utils/EIP712.sol";
import {IERC7579Account, ExecutionMode} from "../interfaces/IERC7579Account.sol";
import {
    IModule,
    IValidator,
    IHook,
    MODULE_TYPE_MULTI,
    MODULE_TYPE_VALIDATOR,
    MODULE_TYPE_EXECUTOR,
    MODULE_TYPE_FALLBACK,
    MODULE_TYPE_HOOK,
    MODULE_TYPE_PREVALIDATION_HOOK_ERC1271,
    MODULE_TYPE_PREVALIDATION_HOOK_ERC4337,
    ERC1271_MAGICVALUE,
    ERC1271_INVALID
} from "../interfaces/IERC7579Module.sol";
import {ModuleManager} from "./base/ModuleManager.sol";
import {ExecutionHelper} from "./base/ExecutionHelper.sol";
import {
    AccountStorage,
    FallbackHandler,
    CallType,
    ExecType,
    CALLTYPE_SINGLE,
    CALLTYPE_BATCH,
    CALLTYPE_STATIC,
    CALLTYPE_DELEGATECALL,
    EXECTYPE_DEFAULT,
    EXECTYPE_TRY
} from "./lib/AccountStorage.sol";
import {ExecutionLib} from "./lib/ExecutionLib.sol";
import {SentinelList, SentinelListLib, SENTINEL} from "./lib/SentinelList.sol";
import {ComposableExecution, ComposableExecutionLib} from "./lib/ComposableExecutionLib.sol";

/// @dev An owner-signed request to remove a hook without running it.
struct EmergencyUninstall {
    address hook;
    uint256 hookType;
    bytes deInitData;
    uint256 nonce;
}

/// @title SmartAccount
/// @notice A modular ERC-4337 v0.7 / ERC-7579 smart account, ABI- and storage-compatible with
/// Nexus 1.2.0 ("biconomy.nexus.1.2.0"): nonce-routed validators with an immutable default validator,
/// module-enable mode, executors, fallbacks, a global hook, pre-validation hooks, ERC-1271 routing,
/// native composable execution v1.0.0, UUPS upgrades behind an ERC-1967 proxy, and EIP-7702 use
/// without initialization.
/// @dev Only immutables are set at construction, so the runtime code can be copied to another address.
contract SmartAccount is IERC7579Account, ModuleManager, ExecutionHelper, EIP712 {
    using SentinelListLib for SentinelList;
    using ComposableExecutionLib for *;

    /// @notice ERC-1967 implementation changed.
    event Upgraded(address indexed implementation);
    /// @notice A PREP account was initialized; `r` is its PREP signature's r value.
    event PREPInitialized(bytes32 r);
    /// @notice The emergency-uninstall timelock for `hook` started at `timestamp`.
    event EmergencyHookUninstallRequest(address hook, uint256 timestamp);
    /// @notice A stale emergency-uninstall request for `hook` was restarted at `timestamp`.
    event EmergencyHookUninstallRequestReset(address hook, uint256 timestamp);

    /// @notice The caller may not call this function.
    error AccountAccessUnauthorized();
    /// @notice The EntryPoint address cannot be zero.
    error EntryPointCanNotBeZero();
    /// @notice The module-enable signature does not verify.
    error EnableModeSigError();
    /// @notice The module-enable data in the userOp signature is truncated or inconsistent.
    error EnableModeDataMalformed();
    /// @notice The PREP data does not derive this account's address.
    error InvalidPREP();
    /// @notice PREP initialization was requested for an account that is already initialized.
    error AccountAlreadyInitialized();
    /// @notice The emergency-uninstall signature does not verify.
    error EmergencyUninstallSigError();
    /// @notice The emergency-uninstall nonce was used before.
    error InvalidNonce();
    /// @notice The emergency-uninstall timelock for this hook has not run out yet.
    error EmergencyTimeLockNotExpired();
    /// @notice `emergencyUninstallHook` only handles hook types 4, 8 and 9.
    error UnsupportedModuleType(uint256 moduleTypeId);
    /// @notice The module is not installed as `moduleTypeId`.
    error ModuleNotInstalled(uint256 moduleTypeId, address module);
    /// @notice Uninstalling would leave no initialized validator while the default validator is unset.
    error CanNotRemoveLastValidator();
    /// @notice No fallback handler is installed for `selector`.
    error MissingFallbackHandler(bytes4 selector);
    /// @notice `initializeAccount` was called outside the proxy constructor and not by the account.
    error NotInitializable();
    /// @notice The init data is not `abi.encode(address bootstrap, bytes bootstrapCall)`.
    error InvalidInitData();
    /// @notice The bootstrap delegatecall ran but left the account uninitialized.
    error AccountNotInitialized();
    /// @notice The bootstrap delegatecall reverted without data.
    error InitializationFailed();
    /// @notice The new implementation has no code or is not UUPS-compatible.
    error InvalidImplementationAddress();
    /// @notice An EIP-7702 account changes code by re-delegating, not through `upgradeToAndCall`.
    error ERC7702AccountCannotBeUpgradedThisWay();
    /// @notice `proxiableUUID` was called through a proxy.
    error UnauthorizedCallContext();

    /// @dev `keccak256("ModuleEnableMode(address module,uint256 moduleType,bytes32 userOpHash,bytes initData)")`.
    bytes32 internal constant MODULE_ENABLE_MODE_TYPE_HASH =
        0xf6c866c1cd985ce61f030431e576c0e82887de0643dfa8a2e6efc3463e638ed0;
    /// @dev `keccak256("EmergencyUninstall(address hook,uint256 hookType,bytes deInitData,uint256 nonce)")`.
    bytes32 internal constant EMERGENCY_UNINSTALL_TYPE_HASH =
        0xd3ddfc12654178cc44d4a7b6b969cfdce7ffe6342326ba37825314cffa0fba9c;
    /// @dev A requested emergency uninstall may run this long after the request ...
    uint256 internal constant _EMERGENCY_TIMELOCK = 1 days;
    /// @dev ... and the request goes stale (and is restarted) three timelocks after it was made.
    uint256 internal constant _EMERGENCY_REQUEST_STALE = 3 days;
    /// @dev Transient flag the proxy constructor sets to allow `initializeAccount`.
    bytes32 internal constant INIT_SLOT = 0x90b772c2cb8a51aa7a8a65fc23543c6d022d5b3f8e2b92eed79fba7eef829300;
    /// @dev ERC-1967 implementation slot.
    bytes32 internal constant _ERC1967_IMPLEMENTATION_SLOT =
        0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc;

    bytes1 internal constant _MODE_VALIDATION = 0x00;
    bytes1 internal constant _MODE_MODULE_ENABLE = 0x01;
    bytes1 internal constant _MODE_PREP = 0x02;

    /// @dev ERC-7739 support detection: the hash `0x7739…7739` with an empty signature.
    bytes32 internal constant _ERC7739_DETECTION_HASH =
        0x7739773977397739773977397739773977397739773977397739773977397739;

    address internal immutable _ENTRYPOINT;

    /// @param anEntryPoint The ERC-4337 v0.7 EntryPoint.
    /// @param defaultValidator The validator used for nonce/signature validator field zero.
    /// @param initData Passed to `defaultValidator.onInstall` for this implementation's own address.
    constructor(address anEntryPoint, address defaultValidator, bytes memory initData)
        ModuleManager(defaultValidator, initData)
    {
        if (anEntryPoint == address(0)) revert EntryPointCanNotBeZero();
        _ENTRYPOINT = anEntryPoint;
    }

    modifier onlyEntryPoint() {
        if (msg.sender != _ENTRYPOINT) revert AccountAccessUnauthorized();
        _;
    }

    modifier onlyEntryPointOrSelf() {
        if (msg.sender != _ENTRYPOINT && msg.sender != address(this)) revert AccountAccessUnauthorized();
        _;
    }

    // ---------------------------------------------------------------------------------------------
    // ERC-4337
    // ---------------------------------------------------------------------------------------------

    /// @notice Validates `op` with the validator named in its nonce (bits 64..223; zero = default
    /// validator). Nonce mode byte MODULE_ENABLE (0x01) installs a module first; PREP (0x02) proves the
    /// account is the PREP of `initData` and initializes it first (§ `_handlePREP`). Any other mode byte
    /// validates plainly.
    function validateUserOp(PackedUserOperation calldata op, bytes32 userOpHash, uint256 missingAccountFunds)
        external
        onlyEntryPoint
        returns (uint256 validationData)
    {
        uint256 nonce_ = op.nonce;
        bytes1 mode = bytes1(bytes32(nonce_ << 24));
        if (
            mode != _MODE_MODULE_ENABLE && mode != _MODE_PREP
                && AccountStorage.layout().preValidationHookERC4337 == address(0)
        ) {
            // Common path: forward the op to the validator byte for byte, without decoding it.
            validationData = _forwardUserOp(_handleValidator(address(uint160(nonce_ >> 64))), userOpHash);
        } else {
            PackedUserOperation memory userOp = op;
            if (mode == _MODE_MODULE_ENABLE) {
                userOp.signature = _enableMode(userOpHash, op.signature);
            } else if (mode == _MODE_PREP) {
                if (isInitialized()) revert AccountAlreadyInitialized();
                (bytes calldata cleanedSignature, bytes calldata initData) = _handlePREP(op.signature);
                userOp.signature = cleanedSignature;
                _initializeAccount(initData);
            }
            // Resolved after an enable-mode install or PREP initialization, which may have installed it.
            address validator = _handleValidator(address(uint160(nonce_ >> 64)));
            (userOpHash, userOp.signature) = _withPreValidationHook(userOpHash, userOp, missingAccountFunds);
            validationData = IValidator(validator).validateUserOp(userOp, userOpHash);
        }
        if (missingAccountFunds != 0) {
            assembly ("memory-safe") {
                // The EntryPoint verifies the deposit; a failed transfer is its concern.
                pop(call(gas(), caller(), missingAccountFunds, codesize(), 0x00, codesize(), 0x00))
            }
        }
    }

    /// @dev Calls `validator.validateUserOp(op, userOpHash)` with the op's ABI encoding copied verbatim
    /// from this call's calldata. The EntryPoint encodes `validateUserOp(op, hash, missing)` canonically,
    /// so the op's tuple runs from its head offset to the end of calldata and its inner offsets are
    /// relative to the tuple: the copy is a valid encoding of the same op.
    function _forwardUserOp(address validator, bytes32 userOpHash) internal returns (uint256 validationData) {
        assembly ("memory-safe") {
            let opStart := add(0x04, calldataload(0x04))
            let opLen := sub(calldatasize(), opStart)
            let m := mload(0x40)
            // validateUserOp((address,uint256,bytes,bytes,bytes32,uint256,bytes32,bytes,bytes),bytes32)
            mstore(m, shl(224, 0x97003203))
            mstore(add(m, 0x04), 0x40)
            mstore(add(m, 0x24), userOpHash)
            calldatacopy(add(m, 0x44), opStart, opLen)
            let ok := call(gas(), validator, 0, m, add(0x44, opLen), 0x00, 0x20)
            if iszero(and(ok, gt(returndatasize(), 0x1f))) {
                returndatacopy(m, 0x00, returndatasize())
                revert(m, returndatasize())
            }
            validationData := mload(0x00)
        }
    }

    /// @dev PREP (Provably Rootless EIP-7702 Proxy): `data` = `abi.encode(bytes32 saltAndDelegation,
    /// bytes initData, bytes cleanedSignature)`, with `saltAndDelegation` = `salt(96) ‖ delegation(160)`.
    /// The account must be the address that signs the EIP-7702 authorization `(chainId 0, delegation,
    /// nonce 0)` with `v = 27`, `r = keccak256(keccak256(initData) ‖ salt) mod 2^160`, `s = keccak256(r)`.
    /// Nobody knows that address's key, and the address commits to `initData`, so whoever submits the op
    /// can only initialize the account the way its creator chose.
    function _handlePREP(bytes calldata data)
        internal
        returns (bytes calldata cleanedSignature, bytes calldata initData)
    {
        // The shortest valid encoding (0xf9 bytes) has three head words, two length words and one
        // (possibly partial) data word.
        if (data.length < 0xf9) revert NotInitializable();
        initData = data[0:0];
        cleanedSignature = data[0:0];
        bytes32 saltAndDelegation;
        bool bad;
        assembly ("memory-safe") {
            let base := data.offset
            let len := data.length
            saltAndDelegation := calldataload(base)
            let o1 := calldataload(add(base, 0x20))
            let o2 := calldataload(add(base, 0x40))
            // Both length words must lie inside `data` ...
            bad := or(gt(o1, sub(len, 0x20)), gt(o2, sub(len, 0x20)))
            if iszero(bad) {
                initData.length := calldataload(add(base, o1))
                initData.offset := add(add(base, o1), 0x20)
                cleanedSignature.length := calldataload(add(base, o2))
                cleanedSignature.offset := add(add(base, o2), 0x20)
                // ... and so must the bytes they announce.
                bad := or(
                    gt(initData.length, sub(sub(len, o1), 0x20)),
                    gt(cleanedSignature.length, sub(sub(len, o2), 0x20))
                )
            }
        }
        if (bad) revert InvalidPREP();
        bytes32 r = bytes32(uint256(keccak256(abi.encode(keccak256(initData), saltAndDelegation >> 160))) & type(uint160).max);
        address delegation = address(uint160(uint256(saltAndDelegation)));
        // keccak256(0x05 ‖ rlp([0, delegation, 0])) = keccak256(05 d7 80 94 ‖ delegation ‖ 80)
        bytes32 authHash = keccak256(abi.encodePacked(hex"05d78094", delegation, hex"80"));
        if (r == bytes32(0) || ecrecover(authHash, 27, r, keccak256(abi.encode(r))) != address(this)) {
            revert InvalidPREP();
        }
        emit PREPInitialized(r);
    }

    /// @dev Module-enable mode: `packed` = `module(20) ‖ moduleType(32) ‖ initDataLen(4) ‖ initData ‖
    /// enableSigLen(4) ‖ enableSig ‖ userOpSignature`, with `enableSig` = `validator(20) ‖ sig`. The
    /// owner's EIP-712 signature over ModuleEnableMode binds the module, its type, its init data and the
    /// userOpHash (thus sender, nonce, chain and EntryPoint).
    function _enableMode(bytes32 userOpHash, bytes calldata packed) internal returns (bytes calldata userOpSignature) {
        address module;
        uint256 moduleType;
        bytes calldata initData;
        bytes calldata enableSig;
        (module, moduleType, initData, enableSig, userOpSignature) = _parseEnableModeData(packed);
        bytes32 structHash =
            keccak256(abi.encode(MODULE_ENABLE_MODE_TYPE_HASH, module, moduleType, userOpHash, keccak256(initData)));
        _checkEnableModeSignature(_hashTypedData(structHash), enableSig);
        // An external self-call, so the install runs under the same rules (and hook) as any other.
        this.installModule(moduleType, module, initData);
    }

    function _parseEnableModeData(bytes calldata packed)
        internal
        pure
        returns (
            address module,
            uint256 moduleType,
            bytes calldata initData,
            bytes calldata enableSig,
            bytes calldata userOpSignature
        )
    {
        if (packed.length < 56) revert EnableModeDataMalformed();
        module = address(bytes20(packed[0:20]));
        moduleType = uint256(bytes32(packed[20:52]));
        uint256 p = 56;
        uint256 len = uint32(bytes4(packed[52:56]));
        if (packed.length < p + len + 4) revert EnableModeDataMalformed();
        initData = packed[p:p + len];
        p += len;
        len = uint32(bytes4(packed[p:p + 4]));
        p += 4;
        if (len < 20 || packed.length < p + len) revert EnableModeDataMalformed();
        enableSig = packed[p:p + len];
        userOpSignature = packed[p + len:];
    }

    /// @dev `enableSig` = `validator(20) ‖ sig`; checked with the validator's ERC-1271 entry point.
    function _checkEnableModeSignature(bytes32 digest, bytes calldata enableSig) internal view {
        address sigValidator = _handleValidator(address(bytes20(enableSig[0:20])));
        bool valid;
        try IValidator(sigValidator).isValidSignatureWithSender(address(this), digest, enableSig[20:]) returns (
            bytes4 res
        ) {
            valid = res == ERC1271_MAGICVALUE;
        } catch {}
        if (!valid) revert EnableModeSigError();
    }

    /// @notice ERC-4337 `executeUserOp`: runs `userOp.callData[4:]` as a call to this account.
    function executeUserOp(PackedUserOperation calldata userOp, bytes32) external payable onlyEntryPoint withHook {
        bytes calldata callData = userOp.callData[4:];
        (bool success, bytes memory ret) = address(this).delegatecall(callData);
        if (!success) _bubble(ret);
    }

    /// @notice The EntryPoint this account trusts.
    function entryPoint() external view returns (address) {
        return _ENTRYPOINT;
    }

    /// @notice The account's EntryPoint nonce for `key`.
    function nonce(uint192 key) external view returns (uint256) {
        return IEntryPoint(_ENTRYPOINT).getNonce(address(this), key);
    }

    /// @notice The account's deposit at the EntryPoint.
    function getDeposit() external view returns (uint256) {
        return IEntryPoint(_ENTRYPOINT).balanceOf(address(this));
    }

    /// @notice Adds `msg.value` to the account's EntryPoint deposit.
    function addDeposit() external payable {
        IEntryPoint(_ENTRYPOINT).depositTo{value: msg.value}(address(this));
    }

    /// @notice Withdraws from the account's EntryPoint deposit.
    function withdrawDepositTo(address payable to, uint256 amount) external payable onlyEntryPointOrSelf {
        IEntryPoint(_ENTRYPOINT).withdrawTo(to, amount);
    }

    // ---------------------------------------------------------------------------------------------
    // Execution
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IERC7579Account
    function execute(ExecutionMode mode, bytes calldata executionCalldata)
        external
        payable
        onlyEntryPoint
        withHook
    {
        // Single call, revert on failure (the common userOp): no result array, no return data copy.
        if (ExecutionMode.unwrap(mode) >> 240 == 0) _executeSingleNoReturn(executionCalldata);
        else _executeMode(mode, executionCalldata);
    }

    /// @inheritdoc IERC7579Account
    function executeFromExecutor(ExecutionMode mode, bytes calldata executionCalldata)
        external
        payable
        withHook
        returns (bytes[] memory returnData)
    {
        if (!AccountStorage.layout().executors.contains(msg.sender)) revert InvalidModule(msg.sender);
        returnData = _executeMode(mode, executionCalldata);
    }

    /// @notice Native composable execution v1.0.0: each step's calldata is `functionSig` followed by
    /// its fetched and constraint-checked input params; a step with `to == 0` only checks its inputs.
    function executeComposable(ComposableExecution[] calldata executions)
        external
        payable
        onlyEntryPointOrSelf
        withHook
    {
        uint256 length = executions.length;
        for (uint256 i; i < length; ++i) {
            ComposableExecution calldata step = executions[i];
            bytes memory callData = step.inputParams.processInputs(step.functionSig);
            bytes memory returnData;
            if (step.to != address(0)) {
                bool success;
                (success, returnData) = step.to.call{value: step.value}(callData);
                if (!success) _bubble(returnData);
            }
            step.outputParams.processOutputs(returnData, address(this));
        }
    }

    /// @inheritdoc IERC7579Account
    function supportsExecutionMode(ExecutionMode mode) external pure returns (bool) {
        (CallType callType, ExecType execType) = ExecutionLib.decodeBasic(mode);
        return (callType == CALLTYPE_SINGLE || callType == CALLTYPE_BATCH || callType == CALLTYPE_DELEGATECALL)
            && (execType == EXECTYPE_DEFAULT || execType == EXECTYPE_TRY);
    }

    // ---------------------------------------------------------------------------------------------
    // Modules
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IERC7579Account
    function installModule(uint256 moduleTypeId, address module, bytes calldata initData)
        external
        payable
        onlyEntryPointOrSelf
    {
        _installModule(moduleTypeId, module, initData);
        emit ModuleInstalled(moduleTypeId, module);
    }

    /// @inheritdoc IERC7579Account
    function uninstallModule(uint256 moduleTypeId, address module, bytes calldata deInitData)
        external
        payable
        onlyEntryPointOrSelf
        withHook
    {
        if (!_isModuleInstalled(moduleTypeId, module, deInitData)) revert ModuleNotInstalled(moduleTypeId, module);
        if (moduleTypeId == MODULE_TYPE_VALIDATOR) {
            _uninstallValidator(module, deInitData);
            _checkInitializedValidators();
        } else if (moduleTypeId == MODULE_TYPE_EXECUTOR) {
            _uninstallExecutor(module, deInitData);
        } else if (moduleTypeId == MODULE_TYPE_FALLBACK) {
            _uninstallFallbackHandler(module, deInitData);
        } else {
            // hook or pre-validation hook: the only remaining types `_isModuleInstalled` accepts
            _uninstallHook(module, moduleTypeId, deInitData);
        }
        emit ModuleUninstalled(moduleTypeId, module);
    }

    /// @notice Removes a hook (type 4, 8 or 9) without calling its checks, for a hook that blocks the
    /// account. Anyone may submit an owner-signed request: the first one starts a 1-day timelock, one
    /// made once the timelock has run out uninstalls the hook, and one made 3 days or more after the
    /// request restarts the timelock instead. A call inside the timelock reverts.
    /// @param data The hook, its type, its `onUninstall` data and a single-use nonce.
    /// @param signature `validator(20) ‖ sig` (validator zero = default validator); `sig` must pass the
    /// validator's `isValidSignatureWithSender(account, digest, sig)`, where `digest` is the account's
    /// EIP-712 hash of `EmergencyUninstall(address hook,uint256 hookType,bytes deInitData,uint256 nonce)`.
    function emergencyUninstallHook(EmergencyUninstall calldata data, bytes calldata signature) external payable {
        _checkEmergencyUninstallSignature(data, signature);
        address hook = data.hook;
        uint256 hookType = data.hookType;
        if (
            hookType != MODULE_TYPE_HOOK && hookType != MODULE_TYPE_PREVALIDATION_HOOK_ERC1271
                && hookType != MODULE_TYPE_PREVALIDATION_HOOK_ERC4337
        ) revert UnsupportedModuleType(hookType);
        if (!_isModuleInstalled(hookType, hook, data.deInitData)) revert ModuleNotInstalled(hookType, hook);

        mapping(address => uint256) storage timelock = AccountStorage.layout().emergencyUninstallTimelock;
        uint256 requestedAt = timelock[hook];
        if (requestedAt == 0) {
            timelock[hook] = block.timestamp;
            emit EmergencyHookUninstallRequest(hook, block.timestamp);
        } else if (block.timestamp >= requestedAt + _EMERGENCY_REQUEST_STALE) {
            timelock[hook] = block.timestamp;
            emit EmergencyHookUninstallRequestReset(hook, block.timestamp);
        } else if (block.timestamp >= requestedAt + _EMERGENCY_TIMELOCK) {
            delete timelock[hook];
            _uninstallHook(hook, hookType, data.deInitData);
            emit ModuleUninstalled(hookType, hook);
        } else {
            revert EmergencyTimeLockNotExpired();
        }
    }

    /// @dev Spends `data.nonce` and checks the owner's signature over the EIP-712 EmergencyUninstall digest.
    function _checkEmergencyUninstallSignature(EmergencyUninstall calldata data, bytes calldata signature) internal {
        if (signature.length < 20) revert EmergencyUninstallSigError();
        address validator = _handleValidator(address(bytes20(signature[0:20])));
        mapping(uint256 => bool) storage used = AccountStorage.layout().nonces;
        if (used[data.nonce]) revert InvalidNonce();
        used[data.nonce] = true;
        bytes32 digest = _hashTypedData(
            keccak256(
                abi.encode(EMERGENCY_UNINSTALL_TYPE_HASH, data.hook, data.hookType, keccak256(data.deInitData), data.nonce)
            )
        );
        bool valid;
        try IValidator(validator).isValidSignatureWithSender(address(this), digest, signature[20:]) returns (
            bytes4 res
        ) {
            valid = res == ERC1271_MAGICVALUE;
        } catch {}
        if (!valid) revert EmergencyUninstallSigError();
    }

    /// @dev Unless the default validator is initialized for this account (or it is an EIP-7702 account),
    /// at least one installed validator must remain initialized.
    function _checkInitializedValidators() internal view {
        if (_amIERC7702() || IValidator(_DEFAULT_VALIDATOR).isInitialized(address(this))) return;
        SentinelList storage validators = AccountStorage.layout().validators;
        address next = validators.entries[SENTINEL];
        while (next != SENTINEL && next != address(0)) {
            if (IValidator(next).isInitialized(address(this))) return;
            next = validators.entries[next];
        }
        revert CanNotRemoveLastValidator();
    }

    /// @inheritdoc IERC7579Account
    function isModuleInstalled(uint256 moduleTypeId, address module, bytes calldata additionalContext)
        external
        view
        returns (bool)
    {
        return _isModuleInstalled(moduleTypeId, module, additionalContext);
    }

    /// @inheritdoc IERC7579Account
    function supportsModule(uint256 moduleTypeId) external pure returns (bool) {
        return moduleTypeId == MODULE_TYPE_MULTI || moduleTypeId == MODULE_TYPE_VALIDATOR
            || moduleTypeId == MODULE_TYPE_EXECUTOR || moduleTypeId == MODULE_TYPE_FALLBACK
            || moduleTypeId == MODULE_TYPE_HOOK || moduleTypeId == MODULE_TYPE_PREVALIDATION_HOOK_ERC1271
            || moduleTypeId == MODULE_TYPE_PREVALIDATION_HOOK_ERC4337;
    }

    /// @notice Validators in list order, `size` at a time from `cursor` (`0x…01` for the head).
    function getValidatorsPaginated(address cursor, uint256 size)
        external
        view
        returns (address[] memory array, address next)
    {
        return AccountStorage.layout().validators.getEntriesPaginated(cursor, size);
    }

    /// @notice Executors in list order, `size` at a time from `cursor` (`0x…01` for the head).
    function getExecutorsPaginated(address cursor, uint256 size)
        external
        view
        returns (address[] memory array, address next)
    {
        return AccountStorage.layout().executors.getEntriesPaginated(cursor, size);
    }

    /// @notice The installed global hook, or zero.
    function getActiveHook() external view returns (address hook) {
        return AccountStorage.layout().hook;
    }

    /// @notice The fallback handler and its call type for `selector`.
    function getFallbackHandlerBySelector(bytes4 selector) external view returns (CallType, address) {
        FallbackHandler storage h = AccountStorage.layout().fallbacks[selector];
        return (h.calltype, h.handler);
    }

    // ---------------------------------------------------------------------------------------------
    // ERC-1271
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IERC7579Account
    /// @dev `signature` = `validator(20) ‖ validatorSignature`, validator zero = default validator.
    /// An empty signature over `0x7739…7739` is an ERC-7739 support probe.
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        if (signature.length == 0 && hash == _ERC7739_DETECTION_HASH) {
            return checkERC7739Support(hash, signature);
        }
        if (signature.length < 20) return ERC1271_INVALID;
        address validator = _handleValidator(address(bytes20(signature[0:20])));
        bytes memory sig;
        (hash, sig) = _withPreValidationHook(hash, signature[20:]);
        try IValidator(validator).isValidSignatureWithSender(msg.sender, hash, sig) returns (bytes4 res) {
            return res;
        } catch {
            return ERC1271_INVALID;
        }
    }

    /// @notice The highest `0x7739xxxx` version any installed or the default validator reports.
    function checkERC7739Support(bytes32 hash, bytes calldata signature) public view returns (bytes4) {
        bytes4 result;
        SentinelList storage validators = AccountStorage.layout().validators;
        address next = validators.entries[SENTINEL];
        while (next != SENTINEL && next != address(0)) {
            result = _erc7739Version(next, result, hash, signature);
            next = validators.entries[next];
        }
        result = _erc7739Version(_DEFAULT_VALIDATOR, result, hash, signature);
        return result == bytes4(0) ? ERC1271_INVALID : result;
    }

    function _erc7739Version(address validator, bytes4 prev, bytes32 hash, bytes calldata signature)
        internal
        view
        returns (bytes4)
    {
        try IValidator(validator).isValidSignatureWithSender(msg.sender, hash, signature) returns (bytes4 support) {
            if (bytes2(support) == bytes2(0x7739) && support > prev) return support;
        } catch {}
        return prev;
    }

    // ---------------------------------------------------------------------------------------------
    // Initialization and upgrades
    // ---------------------------------------------------------------------------------------------

    /// @notice Initializes the account: `initData` = `abi.encode(address bootstrap, bytes bootstrapCall)`,
    /// delegatecalled. Only inside the proxy constructor (transient flag) or as a self-call.
    function initializeAccount(bytes calldata initData) external payable {
        if (msg.sender != address(this)) {
            bool allowed;
            assembly ("memory-safe") {
                allowed := tload(INIT_SLOT)
                // One use per proxy construction.
                tstore(INIT_SLOT, 0)
            }
            if (!allowed) revert NotInitializable();
        }
        _initializeAccount(initData);
    }

    /// @dev Delegatecalls the bootstrap; afterwards the account must be initialized unless it is an
    /// EIP-7702 account.
    function _initializeAccount(bytes calldata initData) internal {
        if (initData.length < 0x60) revert InvalidInitData();
        (address bootstrap, bytes memory bootstrapCall) = abi.decode(initData, (address, bytes));
        (bool success, bytes memory ret) = bootstrap.delegatecall(bootstrapCall);
        if (!success) {
            if (ret.length == 0) revert InitializationFailed();
            _bubble(ret);
        }
        if (!_amIERC7702() && !isInitialized()) revert AccountNotInitialized();
    }

    /// @notice Whether the default validator is set up for this account or any module was installed.
    function isInitialized() public view returns (bool) {
        return IValidator(_DEFAULT_VALIDATOR).isInitialized(address(this)) || _areSentinelListsInitialized();
    }

    /// @notice UUPS upgrade (EntryPoint or self; not for EIP-7702 accounts).
    function upgradeToAndCall(address newImplementation, bytes calldata data)
        external
        payable
        onlyEntryPointOrSelf
        withHook
    {
        if (_amIERC7702()) revert ERC7702AccountCannotBeUpgradedThisWay();
        if (newImplementation.code.length == 0) revert InvalidImplementationAddress();
        (bool ok, bytes memory ret) = newImplementation.staticcall(abi.encodeCall(this.proxiableUUID, ()));
        if (!ok || ret.length != 32 || abi.decode(ret, (bytes32)) != _ERC1967_IMPLEMENTATION_SLOT) {
            revert InvalidImplementationAddress();
        }
        assembly ("memory-safe") {
            sstore(_ERC1967_IMPLEMENTATION_SLOT, newImplementation)
        }
        emit Upgraded(newImplementation);
        if (data.length != 0) {
            (bool success, bytes memory result) = newImplementation.delegatecall(data);
            if (!success) _bubble(result);
        }
    }

    /// @notice ERC-1822: the implementation slot. Reverts when called on a proxy (an account), so an
    /// account can never be set as another account's implementation.
    function proxiableUUID() external view returns (bytes32) {
        bytes32 current;
        assembly ("memory-safe") {
            current := sload(_ERC1967_IMPLEMENTATION_SLOT)
        }
        if (current != bytes32(0)) revert UnauthorizedCallContext();
        return _ERC1967_IMPLEMENTATION_SLOT;
    }

    /// @notice The ERC-1967 implementation (zero for an EIP-7702 account).
    function getImplementation() external view returns (address implementation) {
        assembly ("memory-safe") {
            implementation := sload(_ERC1967_IMPLEMENTATION_SLOT)
        }
    }

    /// @inheritdoc IERC7579Account
    function accountId() external pure returns (string memory) {
        return "biconomy.nexus.1.2.0";
    }

    function _domainNameAndVersion() internal pure override returns (string memory, string memory) {
        return ("Nexus", "1.2.0");
    }

    // ---------------------------------------------------------------------------------------------
    // Fallback
    // ---------------------------------------------------------------------------------------------

    receive() external payable {}

    /// @dev Routes unknown selectors to their fallback handler with the caller appended (ERC-2771
    /// style), bracketed by the hook for call-type handlers (staticcall handlers are not hooked); answers the ERC-721/1155 receiver callbacks when unhandled.
    fallback() external payable {
        FallbackHandler storage h = AccountStorage.layout().fallbacks[msg.sig];
        address handler = h.handler;
        if (handler != address(0)) {
            CallType calltype = h.calltype;
            address hook = AccountStorage.layout().hook;
            bool hooking;
            assembly ("memory-safe") {
                hooking := tload(_HOOKING_FLAG_SLOT)
            }
            // A staticcall handler cannot change state, and view callers could not run a stateful hook.
            bool runHook = hook != address(0) && !hooking && !(calltype == CALLTYPE_STATIC);
            bytes memory hookData;
            if (runHook) hookData = IHook(hook).preCheck(msg.sender, msg.value, msg.data);
            bool success;
            bytes memory result;
            if (calltype == CALLTYPE_STATIC) {
                (success, result) = handler.staticcall(abi.encodePacked(msg.data, msg.sender));
            } else {
                (success, result) = handler.call{value: msg.value}(abi.encodePacked(msg.data, msg.sender));
            }
            if (!success) {
                assembly ("memory-safe") {
                    revert(add(result, 0x20), mload(result))
                }
            }
            if (runHook) IHook(hook).postCheck(hookData);
            assembly ("memory-safe") {
                return(add(result, 0x20), mload(result))
            }
        }
        bytes4 sig = msg.sig;
        // onERC721Received, onERC1155Received, onERC1155BatchReceived
        if (sig == 0x150b7a02 || sig == 0xf23a6e61 || sig == 0xbc197c81) {
            assembly ("memory-safe") {
                mstore(0x00, sig)
                return(0x00, 0x20)
            }
        }
        revert MissingFallbackHandler(sig);
    }
}
