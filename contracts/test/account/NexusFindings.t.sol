// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {AccountTestBase} from "./AccountTestBase.sol";
import {SmartAccount} from "../../src/account/SmartAccount.sol";
import {
    AccountBootstrap,
    BootstrapConfig,
    BootstrapPreValidationHookConfig,
    RegistryConfig
} from "../../src/account/AccountBootstrap.sol";
import {MockHook, MockFallback} from "./mocks/MockModules.sol";

/// @notice One regression test per Nexus audit finding (spec/perf-and-security-anchors.md §4a) that the
/// module-enable and validator suites do not already cover by name.
contract NexusFindingsTest is AccountTestBase {
    SmartAccount internal account;
    MockFallback internal fb;
    MockHook internal hook;

    function setUp() public override {
        super.setUp();
        account = _createAccount(owner, 0);
        fb = new MockFallback(_types(3));
        hook = new MockHook(_types(4));
        vm.startPrank(address(account));
        account.installModule(3, address(fb), abi.encodePacked(MockFallback.poke.selector, bytes1(0x00)));
        account.installModule(3, address(fb), abi.encodePacked(MockFallback.whoCalled.selector, bytes1(0xFE)));
        vm.stopPrank();
    }

    function _types(uint256 a) internal pure returns (uint256[] memory t) {
        t = new uint256[](1);
        t[0] = a;
    }

    /// Nexus Cantina "fallback skips hook postCheck": a call-type fallback runs the hook's preCheck and
    /// postCheck around the handler, and a failing postCheck undoes the call.
    function test_regression_Cantina_fallbackRunsHookPostCheck() public {
        vm.prank(address(account));
        account.installModule(4, address(hook), "");
        address caller = address(0xCA11);
        uint256 pre = hook.preChecks();
        vm.prank(caller);
        vm.assertEq(MockFallback(address(account)).poke(1), 2);
        vm.assertEq(hook.preChecks(), pre + 1);
        vm.assertEq(hook.postChecks(), pre + 1, "postCheck ran");
        vm.assertEq(hook.lastSender(), caller);
        vm.assertEq(bytes4(hook.lastMsgData()), MockFallback.poke.selector);

        hook.setRevertPost(true);
        vm.prank(caller);
        vm.expectRevert(bytes("post"));
        MockFallback(address(account)).poke(1);
    }

    /// Nexus CodeHawks "fallback callable by anyone": anyone can reach a fallback handler, so the account
    /// appends the real caller (ERC-2771 style) and the handler sees who called, never the account's
    /// authority; the handler's own onInstall/onUninstall cannot be routed (see the forbidden-selector test).
    function test_regression_CodeHawks_fallbackCallableByAnyone() public {
        for (uint160 i = 1; i <= 3; ++i) {
            address caller = address(0xA000 + i);
            vm.prank(caller);
            (address acct, address sender) = MockFallback(address(account)).whoCalled();
            vm.assertEq(acct, address(account));
            vm.assertEq(sender, caller);
        }
        vm.expectEmit(address(fb));
        emit MockFallback.Handled(address(account), address(this), 0, abi.encodePacked(abi.encodeCall(MockFallback.poke, (5)), address(this)));
        MockFallback(address(account)).poke(5);
    }

    /// Nexus Cantina "registry checks missing": this deployment has no ERC-7484 registry, and instead of
    /// accepting a registry whose checks would never run, the bootstrap refuses one; the account has no
    /// `setRegistry` entry point.
    function test_regression_Cantina_registryChecksMissing() public {
        BootstrapConfig[] memory none = new BootstrapConfig[](0);
        BootstrapPreValidationHookConfig[] memory noHooks = new BootstrapPreValidationHookConfig[](0);
        address[] memory attesters = new address[](0);
        bytes memory initData = abi.encode(
            address(bootstrap),
            abi.encodeCall(
                AccountBootstrap.initNexusWithDefaultValidatorAndOtherModules,
                (abi.encodePacked(owner), none, none, BootstrapConfig(address(0), ""), none, noHooks, RegistryConfig(address(0x7484), attesters, 0))
            )
        );
        vm.expectRevert(abi.encodeWithSelector(AccountBootstrap.RegistryNotSupported.selector, address(0x7484)));
        factory.createAccount(initData, bytes32(uint256(1)));

        bytes4 setRegistry = bytes4(keccak256("setRegistry(address,address[],uint8)"));
        vm.prank(address(account));
        vm.expectRevert(abi.encodeWithSelector(SmartAccount.MissingFallbackHandler.selector, setRegistry));
        (bool ok,) = address(account).call(abi.encodeWithSelector(setRegistry, address(0x7484), attesters, uint8(0)));
        ok;
    }
}
