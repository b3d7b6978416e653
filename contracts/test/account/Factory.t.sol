// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {AccountTestBase} from "./AccountTestBase.sol";
import {EntryPoint} from "account-abstraction/core/EntryPoint.sol";
import {IEntryPoint} from "account-abstraction/interfaces/IEntryPoint.sol";
import {PackedUserOperation} from "account-abstraction/interfaces/PackedUserOperation.sol";
import {SmartAccount} from "../../src/account/SmartAccount.sol";
import {AccountProxy} from "../../src/account/AccountProxy.sol";
import {AccountFactory} from "../../src/account/AccountFactory.sol";
import {
    AccountBootstrap,
    BootstrapConfig,
    BootstrapPreValidationHookConfig
} from "../../src/account/AccountBootstrap.sol";
import {ExecutionMode} from "../../src/interfaces/IERC7579Account.sol";
import {MockECDSAValidator} from "./mocks/MockECDSAValidator.sol";
import {MockModule, MockHook, MockTarget} from "./mocks/MockModules.sol";

contract FactoryTest is AccountTestBase {
    event AccountCreated(address indexed account, bytes indexed initData, bytes32 indexed salt);

    function _types(uint256 a) internal pure returns (uint256[] memory t) {
        t = new uint256[](1);
        t[0] = a;
    }

    function test_selectors() public pure {
        vm.assertEq(uint32(AccountFactory.createAccount.selector), 0xea6d13ac);
        vm.assertEq(uint32(AccountFactory.computeAccountAddress.selector), 0xfafa2b42);
        vm.assertEq(uint32(bytes4(keccak256("ACCOUNT_IMPLEMENTATION()"))), 0x290ab984);
        vm.assertEq(uint32(AccountBootstrap.initNexusWithDefaultValidatorAndOtherModulesNoRegistry.selector), 0x41bede03);
        vm.assertEq(uint32(AccountBootstrap.initNexusWithDefaultValidator.selector), 0x31025984);
        vm.assertEq(uint32(AccountBootstrap.initNexusWithSingleValidatorNoRegistry.selector), 0x10b7fca9);
        vm.assertEq(uint32(AccountBootstrap.initNexusNoRegistry.selector), 0x86437876);
    }

    function test_createAccount_addressDerivationAndIdempotency() public {
        bytes memory initData = _initData(owner);
        bytes32 salt = bytes32(uint256(3));
        address predicted = factory.computeAccountAddress(initData, salt);
        bytes32 initCodeHash = keccak256(
            abi.encodePacked(
                type(AccountProxy).creationCode,
                abi.encode(address(implementation), abi.encodeCall(SmartAccount.initializeAccount, (initData)))
            )
        );
        vm.assertEq(
            predicted,
            address(uint160(uint256(keccak256(abi.encodePacked(bytes1(0xff), address(factory), salt, initCodeHash)))))
        );
        vm.assertEq(factory.ACCOUNT_IMPLEMENTATION(), address(implementation));

        vm.recordLogs();
        vm.expectEmit(address(factory));
        emit AccountCreated(predicted, initData, salt);
        address a = factory.createAccount{value: 1 ether}(initData, salt);
        vm.assertEq(a, predicted);
        vm.assertEq(a.balance, 1 ether);
        vm.assertTrue(SmartAccount(payable(a)).isInitialized());
        vm.assertEq(defaultValidator.owners(a), owner);
        vm.assertEq(SmartAccount(payable(a)).getImplementation(), address(implementation));

        vm.assertEq(_countTopic(keccak256("AccountCreated(address,bytes,bytes32)")), 1);

        // second call: same address, value forwarded, no event
        address b = factory.createAccount{value: 2 ether}(initData, salt);
        vm.assertEq(b, a);
        vm.assertEq(a.balance, 3 ether);
        vm.assertEq(_countTopic(keccak256("AccountCreated(address,bytes,bytes32)")), 0);

        // different salt or init data -> different account
        vm.assertNotEq(factory.computeAccountAddress(initData, bytes32(uint256(4))), a);
        vm.assertNotEq(factory.computeAccountAddress(_initData(address(0x1111)), salt), a);
    }

    function _countTopic(bytes32 topic) internal returns (uint256 n) {
        (bool ok, bytes memory ret) = address(vm).call(abi.encodeWithSignature("getRecordedLogs()"));
        require(ok);
        Log[] memory logs = abi.decode(ret, (Log[]));
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter == address(factory) && logs[i].topics.length > 0 && logs[i].topics[0] == topic) ++n;
        }
    }

    struct Log {
        bytes32[] topics;
        bytes data;
        address emitter;
    }

    function test_createAccount_failingInitRevertsDeployment() public {
        // bootstrap call that leaves the account uninitialized
        bytes memory initData = abi.encode(address(bootstrap), abi.encodeWithSignature("nope()"));
        vm.expectRevert();
        factory.createAccount(initData, 0);
        // init with a bootstrap that does nothing -> AccountNotInitialized
        bytes memory noop = abi.encode(address(0xDEAD), hex"");
        vm.expectRevert(SmartAccount.AccountNotInitialized.selector);
        factory.createAccount(noop, 0);
    }

    function test_proxy_initFlagIsSingleUse() public {
        SmartAccount a = _createAccount(owner, 0);
        // the transient flag was consumed inside the constructor: a later call in the same tx fails
        vm.expectRevert(SmartAccount.NotInitializable.selector);
        a.initializeAccount(_initData(address(0xBEEF)));
        vm.expectRevert(abi.encodeWithSelector(AccountProxy.InvalidImplementation.selector, address(0x1234)));
        new AccountProxy(address(0x1234), "");
    }

    function test_bootstrap_allEntryPoints() public {
        // initNexusWithDefaultValidator
        bytes memory init1 = abi.encode(address(bootstrap), abi.encodeCall(AccountBootstrap.initNexusWithDefaultValidator, (abi.encodePacked(owner))));
        SmartAccount a1 = SmartAccount(factory.createAccount(init1, 0));
        vm.assertEq(defaultValidator.owners(address(a1)), owner);

        // initNexusNoRegistry: validator + executor + hook + fallback + pre-validation hook; default uninitialized
        MockECDSAValidator v = new MockECDSAValidator(0);
        MockModule ex = new MockModule(_types(2));
        MockHook hook = new MockHook(_types(4));
        MockModule fb = new MockModule(_types(3));
        MockModule pvh = new MockModule(_types(9));
        BootstrapConfig[] memory vals = new BootstrapConfig[](2);
        vals[0] = BootstrapConfig(address(v), abi.encodePacked(owner));
        vals[1] = BootstrapConfig(address(0), ""); // skipped
        BootstrapConfig[] memory exs = new BootstrapConfig[](1);
        exs[0] = BootstrapConfig(address(ex), "");
        BootstrapConfig[] memory fbs = new BootstrapConfig[](1);
        fbs[0] = BootstrapConfig(address(fb), abi.encodePacked(bytes4(0xdeadbeef), bytes1(0x00)));
        BootstrapPreValidationHookConfig[] memory pvhs = new BootstrapPreValidationHookConfig[](1);
        pvhs[0] = BootstrapPreValidationHookConfig(9, address(pvh), "");
        bytes memory init2 = abi.encode(
            address(bootstrap),
            abi.encodeCall(AccountBootstrap.initNexusNoRegistry, (vals, exs, BootstrapConfig(address(hook), ""), fbs, pvhs))
        );
        SmartAccount a2 = SmartAccount(factory.createAccount(init2, 0));
        vm.assertFalse(defaultValidator.isInitialized(address(a2)));
        vm.assertTrue(a2.isModuleInstalled(1, address(v), ""));
        vm.assertTrue(a2.isModuleInstalled(2, address(ex), ""));
        vm.assertTrue(a2.isModuleInstalled(4, address(hook), ""));
        vm.assertTrue(a2.isModuleInstalled(3, address(fb), abi.encodePacked(bytes4(0xdeadbeef))));
        vm.assertTrue(a2.isModuleInstalled(9, address(pvh), ""));
        vm.assertEq(v.owners(address(a2)), owner);

        // initNexusWithSingleValidatorNoRegistry
        MockECDSAValidator v2 = new MockECDSAValidator(0);
        bytes memory init3 = abi.encode(
            address(bootstrap), abi.encodeCall(AccountBootstrap.initNexusWithSingleValidatorNoRegistry, (address(v2), abi.encodePacked(owner)))
        );
        SmartAccount a3 = SmartAccount(factory.createAccount(init3, 0));
        vm.assertTrue(a3.isModuleInstalled(1, address(v2), ""));

        // the SDK's default: default validator + (0, 32 zero bytes) hook, which is skipped
        SmartAccount a4 = _createAccount(owner, 9);
        vm.assertEq(a4.getActiveHook(), address(0));
        vm.assertEq(defaultValidator.owners(address(a4)), owner);
    }

    function test_deployViaInitCodeThroughEntryPoint() public {
        bytes memory initData = _initData(owner);
        address predicted = factory.computeAccountAddress(initData, 0);
        vm.deal(predicted, 1 ether);
        MockTarget target = new MockTarget();
        PackedUserOperation memory op = _userOp(predicted, 0, _execSingle(address(target), 0, abi.encodeCall(MockTarget.set, (3))));
        op.initCode = abi.encodePacked(address(factory), abi.encodeCall(AccountFactory.createAccount, (initData, 0)));
        op.signature = signPacked(ownerKey, entryPoint.getUserOpHash(op));
        _handle(op);
        vm.assertTrue(predicted.code.length > 0);
        vm.assertEq(target.value(), 3);
    }

    // ------------------------------------------------------------------ canonical addresses

    address internal constant C_EP = 0x0000000071727De22E5E9d8BAf0edAc6f37da032;
    address internal constant C_IMPL = 0x000000004F43C49e93C970E84001853a70923B03;
    address internal constant C_FACTORY = 0x000000001D1D5004a02bAfAb9de2D6CE5b7B13de;
    address internal constant C_BOOTSTRAP = 0x00000000D3254452a909E4eeD47455Af7E27C289;
    address internal constant C_VALIDATOR = 0x00000000d12897DDAdC2044614A9677B191A2d95;

    /// The devnet deploys each contract normally and copies its runtime code to the canonical MEE 2.0.0
    /// address. Accounts created through the copies must work end to end.
    function test_runtimeCodeCopiedToCanonicalAddresses() public {
        EntryPoint ep = new EntryPoint();
        vm.etch(C_EP, address(ep).code);
        MockECDSAValidator v = new MockECDSAValidator(0x77390001);
        vm.etch(C_VALIDATOR, address(v).code);
        SmartAccount impl = new SmartAccount(C_EP, C_VALIDATOR, IMPL_INIT_DATA);
        vm.etch(C_IMPL, address(impl).code);
        AccountBootstrap bs = new AccountBootstrap(C_VALIDATOR, IMPL_INIT_DATA);
        vm.etch(C_BOOTSTRAP, address(bs).code);
        AccountFactory f = new AccountFactory(C_IMPL);
        vm.etch(C_FACTORY, address(f).code);

        AccountFactory cf = AccountFactory(C_FACTORY);
        vm.assertEq(cf.ACCOUNT_IMPLEMENTATION(), C_IMPL);
        vm.assertEq(SmartAccount(payable(C_IMPL)).accountId(), "biconomy.nexus.1.2.0");
        bytes memory initData = _initData(C_BOOTSTRAP, owner);
        address predicted = cf.computeAccountAddress(initData, 0);
        vm.deal(predicted, 1 ether);

        // deploy through initCode and execute in the same op
        MockTarget target = new MockTarget();
        PackedUserOperation memory op = _userOp(predicted, 0, _execSingle(address(target), 0, abi.encodeCall(MockTarget.set, (11))));
        op.initCode = abi.encodePacked(C_FACTORY, abi.encodeCall(AccountFactory.createAccount, (initData, 0)));
        op.signature = signPacked(ownerKey, IEntryPoint(C_EP).getUserOpHash(op));
        PackedUserOperation[] memory ops = new PackedUserOperation[](1);
        ops[0] = op;
        IEntryPoint(C_EP).handleOps(ops, bundler);
        vm.assertEq(target.value(), 11);
        SmartAccount acct = SmartAccount(payable(predicted));
        vm.assertEq(acct.getImplementation(), C_IMPL);
        vm.assertEq(MockECDSAValidator(C_VALIDATOR).owners(predicted), owner);

        // EIP-712 domain and ERC-1271 on the copied code
        (, string memory name, string memory version, uint256 chainId, address verifying,,) = acct.eip712Domain();
        vm.assertEq(name, "Nexus");
        vm.assertEq(version, "1.2.0");
        vm.assertEq(chainId, block.chainid);
        vm.assertEq(verifying, predicted);
        bytes32 h = keccak256("hello");
        vm.assertEq(uint32(acct.isValidSignature(h, abi.encodePacked(address(0), signPacked(ownerKey, h)))), 0x1626ba7e);

        // a second op on the deployed account, and an upgrade to the canonical implementation copy
        op = _userOp(predicted, IEntryPoint(C_EP).getNonce(predicted, 0), _execSingle(predicted, 0, abi.encodeCall(SmartAccount.upgradeToAndCall, (C_IMPL, ""))));
        op.signature = signPacked(ownerKey, IEntryPoint(C_EP).getUserOpHash(op));
        ops[0] = op;
        IEntryPoint(C_EP).handleOps(ops, bundler);
        vm.assertEq(acct.getImplementation(), C_IMPL);
    }
}
