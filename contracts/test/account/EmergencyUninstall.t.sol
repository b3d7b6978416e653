// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {AccountTestBase} from "./AccountTestBase.sol";
import {SmartAccount, EmergencyUninstall} from "../../src/account/SmartAccount.sol";
import {ModuleManager} from "../../src/account/base/ModuleManager.sol";
import {
    AccountBootstrap,
    BootstrapConfig,
    BootstrapPreValidationHookConfig,
    RegistryConfig
} from "../../src/account/AccountBootstrap.sol";
import {ExecutionMode, IERC7579Account} from "../../src/interfaces/IERC7579Account.sol";
import {MockECDSAValidator} from "./mocks/MockECDSAValidator.sol";
import {MockModule, MockHook, MockPreValidationHook, MockTarget} from "./mocks/MockModules.sol";

/// @notice `emergencyUninstallHook`: an owner-signed, timelocked way out of a hook that blocks the
/// account; the Nexus 1.2.0 storage layout it writes to; and the registry bootstrap entry point.
contract EmergencyUninstallTest is AccountTestBase {
    event EmergencyHookUninstallRequest(address hook, uint256 timestamp);
    event EmergencyHookUninstallRequestReset(address hook, uint256 timestamp);
    event ModuleUninstalled(uint256 moduleTypeId, address module);

    bytes32 internal constant STORAGE_LOCATION = 0x0bb70095b32b9671358306b0339b4c06e7cbd8cb82505941fba30d1eb5b82f00;

    SmartAccount internal account;
    MockTarget internal target;
    MockHook internal hook;

    function setUp() public override {
        super.setUp();
        account = _createAccount(owner, 0);
        target = new MockTarget();
        hook = new MockHook(_types(4));
        _selfCall(abi.encodeCall(SmartAccount.installModule, (4, address(hook), "")));
        vm.warp(1_700_000_000);
    }

    function _types(uint256 a) internal pure returns (uint256[] memory t) {
        t = new uint256[](1);
        t[0] = a;
    }

    function _selfCall(bytes memory data) internal {
        _ownerExec(account, _execSingle(address(account), 0, data));
    }

    /// @dev The account's EIP-712 digest, built from the domain fields ("Nexus", "1.2.0", chain, account).
    function _digest(SmartAccount acct, EmergencyUninstall memory d) internal view returns (bytes32) {
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("Nexus"),
                keccak256("1.2.0"),
                block.chainid,
                address(acct)
            )
        );
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256("EmergencyUninstall(address hook,uint256 hookType,bytes deInitData,uint256 nonce)"),
                d.hook,
                d.hookType,
                keccak256(d.deInitData),
                d.nonce
            )
        );
        return keccak256(abi.encodePacked(hex"1901", domain, structHash));
    }

    function _request(address hook_, uint256 hookType, bytes memory deInit, uint256 nonce_)
        internal
        view
        returns (EmergencyUninstall memory d, bytes memory sig)
    {
        d = EmergencyUninstall(hook_, hookType, deInit, nonce_);
        sig = abi.encodePacked(address(0), signPacked(ownerKey, _digest(account, d)));
    }

    function _submit(address hook_, uint256 hookType, bytes memory deInit, uint256 nonce_) internal {
        (EmergencyUninstall memory d, bytes memory sig) = _request(hook_, hookType, deInit, nonce_);
        // anyone may relay it
        vm.prank(address(0xCAFE));
        account.emergencyUninstallHook(d, sig);
    }

    function _timelockOf(address hook_) internal view returns (uint256) {
        bytes32 slot = keccak256(abi.encode(hook_, uint256(STORAGE_LOCATION) + 4));
        return uint256(vm.load(address(account), slot));
    }

    function _runOp() internal {
        _ownerExec(account, _execSingle(address(target), 0, abi.encodeCall(MockTarget.set, (7))));
    }

    // ---- identity ----

    function test_emergencyUninstall_selectorAndTypehash() public pure {
        vm.assertEq(uint32(SmartAccount.emergencyUninstallHook.selector), 0x5bfeadbb);
        vm.assertEq(
            keccak256("EmergencyUninstall(address hook,uint256 hookType,bytes deInitData,uint256 nonce)"),
            0xd3ddfc12654178cc44d4a7b6b969cfdce7ffe6342326ba37825314cffa0fba9c
        );
    }

    /// The account's storage matches deployed Nexus 1.2.0 accounts member for member:
    /// validators +0, executors +1, fallbacks +2, hook +3, emergency timelocks +4,
    /// ERC-4337 pre-validation hook +5, ERC-1271 pre-validation hook +6, used nonces +7.
    function test_storageLayoutMatchesNexus120() public {
        uint256 root = uint256(STORAGE_LOCATION);
        vm.assertEq(address(uint160(uint256(vm.load(address(account), bytes32(root + 3))))), address(hook));
        MockPreValidationHook p9 = new MockPreValidationHook(_types(9));
        MockPreValidationHook p8 = new MockPreValidationHook(_types(8));
        // type 8 first: once the ERC-4337 pre-validation hook is in, plain owner ops no longer validate
        _selfCall(abi.encodeCall(SmartAccount.installModule, (8, address(p8), "")));
        _selfCall(abi.encodeCall(SmartAccount.installModule, (9, address(p9), "")));
        vm.assertEq(address(uint160(uint256(vm.load(address(account), bytes32(root + 5))))), address(p9));
        vm.assertEq(address(uint160(uint256(vm.load(address(account), bytes32(root + 6))))), address(p8));
        // executors list head: entries[SENTINEL] at keccak(SENTINEL, root + 1)
        vm.assertNotEq(vm.load(address(account), keccak256(abi.encode(address(1), root + 1))), bytes32(0));

        _submit(address(hook), 4, "", 77);
        vm.assertEq(_timelockOf(address(hook)), block.timestamp);
        vm.assertEq(vm.load(address(account), keccak256(abi.encode(uint256(77), root + 7))), bytes32(uint256(1)));
    }

    // ---- the timelock ----

    function test_emergencyUninstall_removesBlockingHookAfterTimelock() public {
        hook.setRevertPost(true);
        // the hook blocks every hooked entry point, uninstallModule included
        _runOp();
        vm.assertEq(target.value(), 0, "execution reverted");
        vm.prank(address(entryPoint));
        vm.expectRevert(bytes("post"));
        account.uninstallModule(4, address(hook), "");

        vm.expectEmit(address(account));
        emit EmergencyHookUninstallRequest(address(hook), block.timestamp);
        _submit(address(hook), 4, "bye", 1);
        vm.assertEq(account.getActiveHook(), address(hook));
        uint256 requestedAt = block.timestamp;

        // inside the timelock: refused, even one second before it runs out
        (EmergencyUninstall memory d, bytes memory sig) = _request(address(hook), 4, "bye", 2);
        vm.expectRevert(SmartAccount.EmergencyTimeLockNotExpired.selector);
        account.emergencyUninstallHook(d, sig);
        vm.warp(requestedAt + 1 days - 1);
        vm.expectRevert(SmartAccount.EmergencyTimeLockNotExpired.selector);
        account.emergencyUninstallHook(d, sig);

        // once it has run out: uninstalled without calling the hook's checks
        vm.warp(requestedAt + 1 days);
        uint256 pre = hook.preChecks();
        vm.expectEmit(address(account));
        emit ModuleUninstalled(4, address(hook));
        account.emergencyUninstallHook(d, sig);
        vm.assertEq(hook.preChecks(), pre);
        vm.assertEq(account.getActiveHook(), address(0));
        vm.assertFalse(account.isModuleInstalled(4, address(hook), ""));
        vm.assertEq(hook.lastUninstallData(address(account)), bytes("bye"));
        vm.assertEq(_timelockOf(address(hook)), 0);

        // and the account works again
        _runOp();
        vm.assertEq(target.value(), 7);
    }

    function test_emergencyUninstall_staleRequestIsRestarted() public {
        _submit(address(hook), 4, "", 1);
        uint256 first = vm.getBlockTimestamp();
        vm.warp(first + 3 days);
        vm.expectEmit(address(account));
        emit EmergencyHookUninstallRequestReset(address(hook), first + 3 days);
        _submit(address(hook), 4, "", 2);
        vm.assertEq(account.getActiveHook(), address(hook), "still installed");
        vm.assertEq(_timelockOf(address(hook)), first + 3 days);
        // the restarted request needs its own day
        (EmergencyUninstall memory d, bytes memory sig) = _request(address(hook), 4, "", 3);
        vm.warp(first + 4 days - 1);
        vm.expectRevert(SmartAccount.EmergencyTimeLockNotExpired.selector);
        account.emergencyUninstallHook(d, sig);
        vm.warp(first + 4 days);
        account.emergencyUninstallHook(d, sig);
        vm.assertEq(account.getActiveHook(), address(0));
    }

    /// Just before the request goes stale it still uninstalls.
    function test_emergencyUninstall_lastMomentBeforeStale() public {
        _submit(address(hook), 4, "", 1);
        vm.warp(block.timestamp + 3 days - 1);
        _submit(address(hook), 4, "", 2);
        vm.assertEq(account.getActiveHook(), address(0));
    }

    function test_emergencyUninstall_preValidationHooks() public {
        MockPreValidationHook p9 = new MockPreValidationHook(_types(9));
        MockPreValidationHook p8 = new MockPreValidationHook(_types(8));
        // type 8 first: once the ERC-4337 pre-validation hook is in, plain owner ops no longer validate
        _selfCall(abi.encodeCall(SmartAccount.installModule, (8, address(p8), "")));
        _selfCall(abi.encodeCall(SmartAccount.installModule, (9, address(p9), "")));
        _submit(address(p9), 9, "", 1);
        _submit(address(p8), 8, "", 2);
        vm.warp(block.timestamp + 1 days);
        _submit(address(p9), 9, "", 3);
        _submit(address(p8), 8, "", 4);
        vm.assertFalse(account.isModuleInstalled(9, address(p9), ""));
        vm.assertFalse(account.isModuleInstalled(8, address(p8), ""));
        vm.assertEq(account.getActiveHook(), address(hook), "the global hook is untouched");
    }

    // ---- rejected requests ----

    function test_emergencyUninstall_nonceIsSingleUse() public {
        (EmergencyUninstall memory d, bytes memory sig) = _request(address(hook), 4, "", 5);
        account.emergencyUninstallHook(d, sig);
        vm.warp(block.timestamp + 1 days);
        // replaying the first request after the timelock does not uninstall
        vm.expectRevert(SmartAccount.InvalidNonce.selector);
        account.emergencyUninstallHook(d, sig);
        vm.assertEq(account.getActiveHook(), address(hook));
    }

    function test_emergencyUninstall_badSignaturesRejected() public {
        EmergencyUninstall memory d = EmergencyUninstall(address(hook), 4, "", 1);
        // signed by someone else
        (, uint256 otherKey) = makeKey("other");
        vm.expectRevert(SmartAccount.EmergencyUninstallSigError.selector);
        account.emergencyUninstallHook(d, abi.encodePacked(address(0), signPacked(otherKey, _digest(account, d))));
        // shorter than a validator address
        vm.expectRevert(SmartAccount.EmergencyUninstallSigError.selector);
        account.emergencyUninstallHook(d, hex"00112233");
        // a validator that is not installed
        vm.expectRevert(abi.encodeWithSelector(ModuleManager.ValidatorNotInstalled.selector, address(0xBEEF)));
        account.emergencyUninstallHook(d, abi.encodePacked(address(0xBEEF), signPacked(ownerKey, _digest(account, d))));
        // the owner's signature for other fields
        EmergencyUninstall memory signed_ = EmergencyUninstall(address(hook), 4, "x", 1);
        bytes memory sig = abi.encodePacked(address(0), signPacked(ownerKey, _digest(account, signed_)));
        vm.expectRevert(SmartAccount.EmergencyUninstallSigError.selector);
        account.emergencyUninstallHook(d, sig);
        signed_ = EmergencyUninstall(address(hook), 4, "", 2);
        sig = abi.encodePacked(address(0), signPacked(ownerKey, _digest(account, signed_)));
        vm.expectRevert(SmartAccount.EmergencyUninstallSigError.selector);
        account.emergencyUninstallHook(d, sig);
        // a request signed for another account of the same owner
        SmartAccount other = _createAccount(owner, 1);
        sig = abi.encodePacked(address(0), signPacked(ownerKey, _digest(other, d)));
        vm.expectRevert(SmartAccount.EmergencyUninstallSigError.selector);
        account.emergencyUninstallHook(d, sig);
        vm.assertEq(_timelockOf(address(hook)), 0);
    }

    function test_emergencyUninstall_throughInstalledValidator() public {
        MockECDSAValidator v2 = new MockECDSAValidator(0);
        (address owner2, uint256 owner2Key) = makeKey("owner2");
        _selfCall(abi.encodeCall(SmartAccount.installModule, (1, address(v2), abi.encodePacked(owner2))));
        EmergencyUninstall memory d = EmergencyUninstall(address(hook), 4, "", 1);
        account.emergencyUninstallHook(d, abi.encodePacked(address(v2), signPacked(owner2Key, _digest(account, d))));
        vm.assertEq(_timelockOf(address(hook)), block.timestamp);
    }

    function test_emergencyUninstall_onlyHookTypes() public {
        MockECDSAValidator v2 = new MockECDSAValidator(0);
        _selfCall(abi.encodeCall(SmartAccount.installModule, (1, address(v2), abi.encodePacked(owner))));
        (EmergencyUninstall memory d, bytes memory sig) = _request(address(v2), 1, "", 1);
        vm.expectRevert(abi.encodeWithSelector(SmartAccount.UnsupportedModuleType.selector, 1));
        account.emergencyUninstallHook(d, sig);
    }

    function test_emergencyUninstall_hookMustBeInstalled() public {
        MockHook other = new MockHook(_types(4));
        (EmergencyUninstall memory d, bytes memory sig) = _request(address(other), 4, "", 1);
        vm.expectRevert(abi.encodeWithSelector(SmartAccount.ModuleNotInstalled.selector, 4, address(other)));
        account.emergencyUninstallHook(d, sig);
        // the installed global hook named with the wrong type
        (d, sig) = _request(address(hook), 9, "", 2);
        vm.expectRevert(abi.encodeWithSelector(SmartAccount.ModuleNotInstalled.selector, 9, address(hook)));
        account.emergencyUninstallHook(d, sig);
    }

    // ---- registry bootstrap variant ----

    function test_bootstrap_registryVariant_zeroRegistryOnly() public {
        vm.assertEq(uint32(AccountBootstrap.initNexusWithDefaultValidatorAndOtherModules.selector), 0x77182ae6);
        BootstrapConfig[] memory none = new BootstrapConfig[](0);
        BootstrapPreValidationHookConfig[] memory noHooks = new BootstrapPreValidationHookConfig[](0);
        MockModule ex = new MockModule(_types(2));
        BootstrapConfig[] memory exs = new BootstrapConfig[](1);
        exs[0] = BootstrapConfig(address(ex), "");
        address[] memory attesters = new address[](1);
        attesters[0] = address(0xA77E);

        // zero registry: modules installed, attesters/threshold ignored, registry slot left empty
        bytes memory initData = abi.encode(
            address(bootstrap),
            abi.encodeCall(
                AccountBootstrap.initNexusWithDefaultValidatorAndOtherModules,
                (abi.encodePacked(owner), none, exs, BootstrapConfig(address(0), ""), none, noHooks, RegistryConfig(address(0), attesters, 1))
            )
        );
        SmartAccount a = SmartAccount(factory.createAccount(initData, bytes32(uint256(5))));
        vm.assertEq(defaultValidator.owners(address(a)), owner);
        vm.assertTrue(a.isModuleInstalled(2, address(ex), ""));
        vm.assertEq(vm.load(address(a), bytes32(uint256(STORAGE_LOCATION) + 8)), bytes32(0));

        // a real registry is refused: its checks would never run
        bytes memory withRegistry = abi.encode(
            address(bootstrap),
            abi.encodeCall(
                AccountBootstrap.initNexusWithDefaultValidatorAndOtherModules,
                (abi.encodePacked(owner), none, none, BootstrapConfig(address(0), ""), none, noHooks, RegistryConfig(address(0x7484), attesters, 1))
            )
        );
        vm.expectRevert(abi.encodeWithSelector(AccountBootstrap.RegistryNotSupported.selector, address(0x7484)));
        factory.createAccount(withRegistry, bytes32(uint256(6)));
    }
}
