// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test} from "../lib/Test.sol";
import {EntryPoint} from "account-abstraction/core/EntryPoint.sol";
import {IEntryPoint} from "account-abstraction/interfaces/IEntryPoint.sol";
import {PackedUserOperation} from "account-abstraction/interfaces/PackedUserOperation.sol";
import {SmartAccount} from "../../src/account/SmartAccount.sol";
import {AccountFactory} from "../../src/account/AccountFactory.sol";
import {
    AccountBootstrap,
    BootstrapConfig,
    BootstrapPreValidationHookConfig
} from "../../src/account/AccountBootstrap.sol";
import {MockECDSAValidator} from "./mocks/MockECDSAValidator.sol";

/// @notice Deploys the EntryPoint, a default validator, the implementation, bootstrap and factory, and
/// builds, signs and submits real packed userOps.
abstract contract AccountTestBase is Test {
    event log_named_uint(string key, uint256 val);

    /// @dev What the deployed implementation passes to the default validator for its own address.
    bytes internal constant IMPL_INIT_DATA = hex"eEeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE";

    EntryPoint internal entryPoint;
    MockECDSAValidator internal defaultValidator;
    SmartAccount internal implementation;
    AccountBootstrap internal bootstrap;
    AccountFactory internal factory;

    address internal owner;
    uint256 internal ownerKey;
    address payable internal bundler = payable(address(0xB0B));

    function setUp() public virtual {
        (owner, ownerKey) = makeKey("owner");
        entryPoint = new EntryPoint();
        defaultValidator = new MockECDSAValidator(0x77390001);
        implementation = new SmartAccount(address(entryPoint), address(defaultValidator), IMPL_INIT_DATA);
        bootstrap = new AccountBootstrap(address(defaultValidator), IMPL_INIT_DATA);
        factory = new AccountFactory(address(implementation));
    }

    // ---- init data ----

    /// @dev The init data the TypeScript SDK builds for MEE 2.x: the default validator with the owner,
    /// no other modules, hook = (0, 32 zero bytes).
    function _initData(address bootstrap_, address owner_) internal pure returns (bytes memory) {
        BootstrapConfig[] memory none = new BootstrapConfig[](0);
        BootstrapPreValidationHookConfig[] memory noHooks = new BootstrapPreValidationHookConfig[](0);
        bytes memory call_ = abi.encodeCall(
            AccountBootstrap.initNexusWithDefaultValidatorAndOtherModulesNoRegistry,
            (abi.encodePacked(owner_), none, none, BootstrapConfig(address(0), abi.encode(bytes32(0))), none, noHooks)
        );
        return abi.encode(bootstrap_, call_);
    }

    function _initData(address owner_) internal view returns (bytes memory) {
        return _initData(address(bootstrap), owner_);
    }

    function _createAccount(address owner_, uint256 index) internal returns (SmartAccount account) {
        account = SmartAccount(factory.createAccount(_initData(owner_), bytes32(index)));
        vm.deal(address(account), 100 ether);
    }

    // ---- userOps ----

    function _nonceKey(address validator, bytes1 mode) internal pure returns (uint192) {
        return uint192((uint256(uint8(mode)) << 160) | uint256(uint160(validator)));
    }

    function _userOp(address sender, uint256 nonce_, bytes memory callData)
        internal
        pure
        returns (PackedUserOperation memory op)
    {
        op.sender = sender;
        op.nonce = nonce_;
        op.callData = callData;
        op.accountGasLimits = bytes32((uint256(1_000_000) << 128) | uint256(1_000_000));
        op.preVerificationGas = 50_000;
        op.gasFees = bytes32((uint256(1 gwei) << 128) | uint256(2 gwei));
    }

    function _signedOp(address sender, address validator, bytes memory callData, uint256 key)
        internal
        view
        returns (PackedUserOperation memory op)
    {
        op = _userOp(sender, entryPoint.getNonce(sender, _nonceKey(validator, 0x00)), callData);
        op.signature = signPacked(key, entryPoint.getUserOpHash(op));
    }

    function _handle(PackedUserOperation memory op) internal {
        PackedUserOperation[] memory ops = new PackedUserOperation[](1);
        ops[0] = op;
        entryPoint.handleOps(ops, bundler);
    }

    /// @dev handleOps must revert with FailedOp/FailedOpWithRevert for op 0.
    function _handleExpectFail(PackedUserOperation memory op) internal {
        PackedUserOperation[] memory ops = new PackedUserOperation[](1);
        ops[0] = op;
        (bool ok,) = address(entryPoint).call(abi.encodeCall(IEntryPoint.handleOps, (ops, bundler)));
        vm.assertFalse(ok, "handleOps should fail");
    }

    // ---- execution encodings ----

    bytes32 internal constant MODE_SINGLE = bytes32(0);
    bytes32 internal constant MODE_BATCH = bytes32(uint256(0x01) << 248);
    bytes32 internal constant MODE_DELEGATE = bytes32(uint256(0xff) << 248);
    bytes32 internal constant MODE_SINGLE_TRY = bytes32(uint256(0x0001) << 240);
    bytes32 internal constant MODE_BATCH_TRY = bytes32(uint256(0x0101) << 240);
    bytes32 internal constant MODE_DELEGATE_TRY = bytes32(uint256(0xff01) << 240);

    function _execSingle(address to, uint256 value, bytes memory data) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(SmartAccount.execute.selector, MODE_SINGLE, abi.encodePacked(to, value, data));
    }

    function _ownerExec(SmartAccount account, bytes memory callData) internal {
        _handle(_signedOp(address(account), address(0), callData, ownerKey));
    }
}
