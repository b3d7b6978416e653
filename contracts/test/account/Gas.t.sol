// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {AccountTestBase} from "./AccountTestBase.sol";
import {PackedUserOperation} from "account-abstraction/interfaces/PackedUserOperation.sol";
import {IEntryPoint} from "account-abstraction/interfaces/IEntryPoint.sol";
import {SmartAccount} from "../../src/account/SmartAccount.sol";
import {AccountFactory} from "../../src/account/AccountFactory.sol";
import {AccountBootstrap} from "../../src/account/AccountBootstrap.sol";
import {K1MeeValidator} from "../../src/validators/K1MeeValidator.sol";
import {TestUSDC} from "../../src/tokens/TestUSDC.sol";

/// @notice Gas per userOp through EntryPoint.handleOps, bundle of one, with the "tx gas" definition of
/// the Nexus gas report: gas measured around the handleOps call + 21,000 intrinsic + calldata
/// (16 per non-zero byte, 4 per zero byte). Every op is built and signed in setUp, so the measured
/// call starts from cold state like a fresh transaction. The beneficiary already exists.
/// - "first op": the account's first userOp (nonce 0 -> 1, EntryPoint deposit created from the
///   prefund), as in the alchemy/bcnmy aa-benchmarks fresh-state runs;
/// - "steady": the account already has an EntryPoint deposit and a used nonce key, as in the Nexus
///   GAS_REPORT setup ("prefunded").
/// The Nexus GAS_REPORT numbers come from a harness that deploys the account inside the measured test
/// transaction, so the account, its implementation, validator and every storage slot the op touches
/// except the recipient's are already warm (about 27k gas of EIP-2929 cold-access surcharges less than
/// a real transaction). `test_gas_nexusReportReplica_*` reproduces that harness for a like-for-like
/// comparison; the other cases start cold.
contract GasTest is AccountTestBase {
    TestUSDC internal usdc;
    SmartAccount internal firstOpAccount;
    SmartAccount internal steadyAccount;
    address internal counterfactual;
    PackedUserOperation[] internal opsFirst;
    PackedUserOperation[] internal opsSteadyFresh;
    PackedUserOperation[] internal opsSteadyHolder;
    PackedUserOperation[] internal opsWithInitCode;

    address internal constant FRESH = address(0xF2E5);
    address internal constant HOLDER = address(0x4011);

    function setUp() public override {
        super.setUp();
        _useDefaultValidator();
        vm.deal(bundler, 1 ether);
        usdc = new TestUSDC();
        usdc.mint(HOLDER, 1e6);
        bytes memory toFresh = _execSingle(address(usdc), 0, abi.encodeCall(usdc.transfer, (FRESH, 1e6)));
        bytes memory toHolder = _execSingle(address(usdc), 0, abi.encodeCall(usdc.transfer, (HOLDER, 1e6)));

        firstOpAccount = _createAccount(owner, 0);
        usdc.mint(address(firstOpAccount), 1000e6);
        opsFirst.push(_signed(address(firstOpAccount), 0, toFresh, ""));

        steadyAccount = _createAccount(owner, 1);
        usdc.mint(address(steadyAccount), 1000e6);
        steadyAccount.addDeposit{value: 1 ether}();
        _handle(_signed(address(steadyAccount), 0, _execSingle(address(usdc), 0, abi.encodeCall(usdc.transfer, (HOLDER, 1))), ""));
        opsSteadyFresh.push(_signed(address(steadyAccount), 1, toFresh, ""));
        opsSteadyHolder.push(_signed(address(steadyAccount), 1, toHolder, ""));

        bytes memory initData = _initData(owner);
        counterfactual = factory.computeAccountAddress(initData, bytes32(uint256(2)));
        vm.deal(counterfactual, 1 ether);
        usdc.mint(counterfactual, 1000e6);
        opsWithInitCode.push(
            _signed(counterfactual, 0, toFresh, abi.encodePacked(address(factory), abi.encodeCall(AccountFactory.createAccount, (initData, bytes32(uint256(2))))))
        );
    }

    /// @dev Replaces the test default validator with the deployed one in a subclass.
    function _useDefaultValidator() internal virtual {}

    /// @dev The owner's signature over a userOp hash as the validator in use expects it first.
    function _opSignature(bytes32 userOpHash) internal view virtual returns (bytes memory) {
        return signPacked(ownerKey, userOpHash);
    }

    function _signed(address sender, uint256 nonce_, bytes memory callData, bytes memory initCode)
        internal
        view
        returns (PackedUserOperation memory op)
    {
        op = _userOp(sender, nonce_, callData);
        op.initCode = initCode;
        op.signature = _opSignature(entryPoint.getUserOpHash(op));
    }

    function _calldataGas(bytes memory data) internal pure returns (uint256 g) {
        for (uint256 i; i < data.length; ++i) g += data[i] == 0 ? 4 : 16;
    }

    /// @dev The calldata is encoded before measuring; the EntryPoint (the transaction's `to`) and the
    /// beneficiary (the bundler, `tx.origin`) are warmed first, as they are in a real transaction.
    function _measure(string memory label, PackedUserOperation[] storage ops) internal returns (uint256 txGas) {
        PackedUserOperation[] memory m = ops;
        bytes memory callData = abi.encodeCall(IEntryPoint.handleOps, (m, bundler));
        uint256 warm = address(entryPoint).code.length + bundler.balance;
        warm;
        address ep = address(entryPoint);
        uint256 g0 = gasleft();
        (bool ok,) = ep.call(callData);
        uint256 used = g0 - gasleft();
        require(ok, "handleOps failed");
        txGas = used + 21_000 + _calldataGas(callData);
        emit log_named_uint(label, txGas);
        emit log_named_uint("  handleOps execution gas", used);
        emit log_named_uint("  calldata gas", _calldataGas(callData));
    }

    function test_gas_firstOp_erc20TransferFreshRecipient() public {
        uint256 g = _measure("tx gas: first op, ERC-20 transfer, fresh recipient", opsFirst);
        vm.assertEq(usdc.balanceOf(FRESH), 1e6);
        // aa-benchmarks (fresh state): Nexus 188,136; SimpleAccount 175,283
        vm.assertLe(g, 188_136, "gas regression");
    }

    function test_gas_steady_erc20TransferFreshRecipient() public {
        uint256 g = _measure("tx gas: steady, ERC-20 transfer, fresh recipient", opsSteadyFresh);
        vm.assertEq(usdc.balanceOf(FRESH), 1e6);
        // Nexus GAS_REPORT: 98,023 (cold recipient), measured with the account warm: see
        // `test_gas_nexusReportReplica_deployedErc20TransferColdRecipient` for the same harness
        vm.assertLe(g, 124_000, "gas regression");
    }

    function test_gas_steady_erc20TransferExistingHolder() public {
        uint256 g = _measure("tx gas: steady, ERC-20 transfer, recipient holds tokens", opsSteadyHolder);
        vm.assertEq(usdc.balanceOf(HOLDER), 2e6 + 1);
        vm.assertLe(g, 107_000, "gas regression");
    }

    function test_gas_deployViaInitCodeAndErc20Transfer() public {
        uint256 g = _measure("tx gas: deploy via initCode + ERC-20 transfer, fresh recipient", opsWithInitCode);
        vm.assertTrue(counterfactual.code.length > 0);
        vm.assertEq(usdc.balanceOf(FRESH), 1e6);
        // Nexus GAS_REPORT: 356,379 (deploy + ERC-20 transfer, prefunded); aa-benchmarks creation 342,381
        vm.assertLe(g, 356_379, "gas regression");
    }

    /// The Nexus GAS_REPORT case "ERC20 transfer, Smart Account, deployed, cold recipient" (98,023)
    /// reproduced step by step: inside the measuring test the account is deployed through handleOps
    /// with initCode and a 100 ETH EntryPoint deposit, then receives the tokens, then the op is built
    /// (getNonce, getUserOpHash) and handleOps is called and timed. Everything but the recipient is
    /// therefore warm: the account and its implementation, the ERC-1967 slot, the validator and the
    /// owner slot, the hook and pre-validation-hook slots, the nonce and deposit slots, the token and
    /// the account's token balance. Gas limits as in that harness (3e6 each).
    function test_gas_nexusReportReplica_deployedErc20TransferColdRecipient() public {
        bytes memory initData = _initData(owner);
        bytes32 salt = bytes32(uint256(7));
        address acct = factory.computeAccountAddress(initData, salt);
        entryPoint.depositTo{value: 100 ether}(acct);
        PackedUserOperation[] memory deploy = new PackedUserOperation[](1);
        deploy[0] = _nexusHarnessOp(acct, "", abi.encodePacked(address(factory), abi.encodeCall(AccountFactory.createAccount, (initData, salt))));
        entryPoint.handleOps(deploy, bundler);
        usdc.mint(address(this), 1e6);
        usdc.transfer(acct, 1e6);

        PackedUserOperation[] memory m = new PackedUserOperation[](1);
        m[0] = _nexusHarnessOp(acct, _execSingle(address(usdc), 0, abi.encodeCall(usdc.transfer, (FRESH, 1e6))), "");
        bytes memory callData = abi.encodeCall(IEntryPoint.handleOps, (m, bundler));
        uint256 g0 = gasleft();
        entryPoint.handleOps(m, bundler);
        uint256 used = g0 - gasleft();
        uint256 txGas = used + 21_000 + _calldataGas(callData);
        emit log_named_uint("tx gas (Nexus GAS_REPORT replica): deployed, ERC-20 transfer, cold recipient", txGas);
        vm.assertEq(usdc.balanceOf(FRESH), 1e6);
        // Nexus GAS_REPORT: 98,023
        vm.assertLe(txGas, 98_023, "above the Nexus 1.2.0 report");
    }

    function _nexusHarnessOp(address sender, bytes memory callData, bytes memory initCode)
        internal
        view
        returns (PackedUserOperation memory op)
    {
        op.sender = sender;
        op.nonce = entryPoint.getNonce(sender, 0);
        op.initCode = initCode;
        op.callData = callData;
        op.accountGasLimits = bytes32((uint256(3e6) << 128) | uint256(3e6));
        op.preVerificationGas = 3e6;
        op.gasFees = bytes32((uint256(3e6) << 128) | uint256(3e6));
        // the Nexus harness signs the EIP-191 hash of the userOp hash, as the SDKs do
        op.signature = signPacked(ownerKey, ethSignedHash(entryPoint.getUserOpHash(op)));
    }

    /// Same op as `test_gas_steady_erc20TransferFreshRecipient`, measured the way the Nexus harness
    /// does: the op is built (getNonce, getUserOpHash) inside the measuring transaction, which warms
    /// the EntryPoint and the account's nonce slot; the handleOps call is a high-level call.
    function test_gas_steady_erc20TransferFreshRecipient_nexusHarnessStyle() public {
        bytes memory toFresh = _execSingle(address(usdc), 0, abi.encodeCall(usdc.transfer, (FRESH, 1e6)));
        PackedUserOperation[] memory m = new PackedUserOperation[](1);
        m[0] = _signed(address(steadyAccount), entryPoint.getNonce(address(steadyAccount), 0), toFresh, "");
        bytes memory callData = abi.encodeCall(IEntryPoint.handleOps, (m, bundler));
        uint256 g0 = gasleft();
        entryPoint.handleOps(m, bundler);
        uint256 used = g0 - gasleft();
        uint256 txGas = used + 21_000 + _calldataGas(callData);
        emit log_named_uint("tx gas (Nexus harness style): steady, ERC-20 transfer, fresh recipient", txGas);
        vm.assertEq(usdc.balanceOf(FRESH), 1e6);
        vm.assertLe(txGas, 126_000, "gas regression");
    }
}


/// @notice The same measurements with the deployed default validator, the MEE validator, in its plain
/// (non-MEE) ECDSA mode with the EIP-191 signature the SDK produces.
contract GasK1MeeTest is GasTest {
    function _useDefaultValidator() internal override {
        K1MeeValidator mee = new K1MeeValidator();
        implementation = new SmartAccount(address(entryPoint), address(mee), IMPL_INIT_DATA);
        bootstrap = new AccountBootstrap(address(mee), IMPL_INIT_DATA);
        factory = new AccountFactory(address(implementation));
    }

    function _opSignature(bytes32 userOpHash) internal view override returns (bytes memory) {
        return signPacked(ownerKey, ethSignedHash(userOpHash));
    }
}
