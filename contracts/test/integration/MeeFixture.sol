// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test} from "../lib/Test.sol";
import {Vm} from "../lib/Vm.sol";
import {EntryPoint} from "account-abstraction/core/EntryPoint.sol";
import {IEntryPoint} from "account-abstraction/interfaces/IEntryPoint.sol";
import {PackedUserOperation} from "account-abstraction/interfaces/PackedUserOperation.sol";
import {LibZip} from "solady/utils/LibZip.sol";

import {SmartAccount} from "../../src/account/SmartAccount.sol";
import {AccountFactory} from "../../src/account/AccountFactory.sol";
import {ModuleManager} from "../../src/account/base/ModuleManager.sol";
import {
    AccountBootstrap,
    BootstrapConfig,
    BootstrapPreValidationHookConfig
} from "../../src/account/AccountBootstrap.sol";
import {K1MeeValidator} from "../../src/validators/K1MeeValidator.sol";
import {NodePaymaster} from "../../src/paymaster/NodePaymaster.sol";
import {SmartSession} from "../../src/sessions/SmartSession.sol";
import {SmartSessionViews} from "../../src/sessions/SmartSessionViews.sol";
import {ISmartSession, ISmartSessionTypes} from "../../src/interfaces/ISmartSession.sol";
import {HashLib} from "../../src/sessions/lib/HashLib.sol";
import {
    Session,
    PolicyData,
    ActionData,
    ERC7739Data,
    ERC7739Context,
    EnableSession,
    ChainDigest,
    SmartSessionMode
} from "../../src/sessions/DataTypes.sol";
import {Execution} from "../../src/interfaces/IERC7579Account.sol";
import {SudoPolicy} from "../../src/policies/SudoPolicy.sol";
import {TimeFramePolicy} from "../../src/policies/TimeFramePolicy.sol";
import {UniActionPolicy, ActionConfig, ParamRules, ParamRule, ParamCondition, LimitUsage} from
    "../../src/policies/UniActionPolicy.sol";
import {UsageLimitPolicy} from "../../src/policies/UsageLimitPolicy.sol";
import {ValueLimitPolicy} from "../../src/policies/ValueLimitPolicy.sol";
import {ERC20SpendingLimitPolicy} from "../../src/policies/ERC20SpendingLimitPolicy.sol";
import {TestUSDC} from "../../src/tokens/TestUSDC.sol";

/// @notice The MEE 2.0.0 system as the devnet places it: every contract deployed normally (so
/// constructors run and immutables are filled), then its runtime code copied to the canonical
/// address. The EntryPoint v0.7 sits at its canonical address too, the node paymaster is a normal
/// deployment with a deposit. Accounts come from the canonical factory with the SDK's init data.
/// Helpers build real packed userOps, supertransaction merkle trees, MEE signatures and Smart
/// Sessions payloads.
abstract contract MeeFixture is Test {
    event log_named_uint(string key, uint256 val);

    // ---- canonical addresses (MEE 2.0.0, Smart Sessions v1) ----
    address internal constant ENTRY_POINT = 0x0000000071727De22E5E9d8BAf0edAc6f37da032;
    address internal constant K1_VALIDATOR = 0x00000000d12897DDAdC2044614A9677B191A2d95;
    address internal constant ACCOUNT_IMPL = 0x000000004F43C49e93C970E84001853a70923B03;
    address internal constant BOOTSTRAP = 0x00000000D3254452a909E4eeD47455Af7E27C289;
    address internal constant FACTORY = 0x000000001D1D5004a02bAfAb9de2D6CE5b7B13de;
    address internal constant SMART_SESSION = 0x00000000008bDABA73cD9815d79069c247Eb4bDA;
    address internal constant SUDO = 0x0000000000FEEc8D74e3143fBaBbca515358d869;
    address internal constant TIMEFRAME = 0x0000000000D30f611fA3bf652ac6879428586930;
    address internal constant UNI_ACTION = 0x0000000000714Cf48FcF88A0bFBa70d313415032;
    address internal constant USAGE_LIMIT = 0x00000000001d4479FA2A947026204d0283ceDe4B;
    address internal constant VALUE_LIMIT = 0x000000000021dC45451291BCDfc9f0B46d6f0278;
    address internal constant SPENDING_LIMIT = 0x000000000033212E272655D8a22402Db819477A6;

    /// @dev What the deployed implementation and bootstrap pass to the default validator for themselves.
    bytes internal constant IMPL_INIT_DATA = hex"eEeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE";

    bytes4 internal constant MEE_SIMPLE = 0x177eee00;
    bytes32 internal constant MODE_SINGLE = bytes32(0);
    bytes32 internal constant MODE_BATCH = bytes32(uint256(1) << 248);
    /// @dev Node paymaster data: refund to the sender (USER), fixed premium.
    bytes internal constant PM_USER_FIXED = hex"170de0009ee4ce01";

    IEntryPoint internal ep;
    K1MeeValidator internal k1;
    SmartAccount internal impl;
    AccountFactory internal factory;
    ISmartSession internal ss;
    SmartSessionViews internal views;
    NodePaymaster internal pm;
    TestUSDC internal usdc;

    address internal nodeOwner;
    uint256 internal nodeKey;
    address internal owner;
    uint256 internal ownerKey;
    address internal redeemer;
    uint256 internal redeemerKey;

    uint128 internal constant PM_VERIFICATION_GAS = 60_000;
    uint128 internal constant PM_POSTOP_GAS = 60_000;

    function setUp() public virtual {
        (nodeOwner, nodeKey) = makeKey("node");
        (owner, ownerKey) = makeKey("owner");
        (redeemer, redeemerKey) = makeKey("redeemer");

        vm.etch(ENTRY_POINT, address(new EntryPoint()).code);
        ep = IEntryPoint(ENTRY_POINT);

        vm.etch(K1_VALIDATOR, address(new K1MeeValidator()).code);
        k1 = K1MeeValidator(K1_VALIDATOR);
        // the implementation's constructor installs the default validator, which must already be there
        vm.etch(ACCOUNT_IMPL, address(new SmartAccount(ENTRY_POINT, K1_VALIDATOR, IMPL_INIT_DATA)).code);
        impl = SmartAccount(payable(ACCOUNT_IMPL));
        vm.etch(BOOTSTRAP, address(new AccountBootstrap(K1_VALIDATOR, IMPL_INIT_DATA)).code);
        vm.etch(FACTORY, address(new AccountFactory(ACCOUNT_IMPL)).code);
        factory = AccountFactory(FACTORY);

        views = new SmartSessionViews();
        vm.etch(SMART_SESSION, address(new SmartSession(address(views))).code);
        ss = ISmartSession(SMART_SESSION);

        vm.etch(SUDO, address(new SudoPolicy()).code);
        vm.etch(TIMEFRAME, address(new TimeFramePolicy()).code);
        vm.etch(UNI_ACTION, address(new UniActionPolicy()).code);
        vm.etch(USAGE_LIMIT, address(new UsageLimitPolicy()).code);
        vm.etch(VALUE_LIMIT, address(new ValueLimitPolicy()).code);
        vm.etch(SPENDING_LIMIT, address(new ERC20SpendingLimitPolicy()).code);

        pm = new NodePaymaster(ep, nodeOwner);
        vm.deal(address(this), 1000 ether);
        pm.deposit{value: 100 ether}();
        vm.deal(nodeOwner, 10 ether);

        usdc = new TestUSDC();
        vm.label(ENTRY_POINT, "EntryPoint");
        vm.label(K1_VALIDATOR, "K1MeeValidator");
        vm.label(ACCOUNT_IMPL, "SmartAccountImpl");
        vm.label(FACTORY, "AccountFactory");
        vm.label(SMART_SESSION, "SmartSession");
        vm.label(UNI_ACTION, "UniActionPolicy");
        vm.label(USAGE_LIMIT, "UsageLimitPolicy");
        vm.label(SPENDING_LIMIT, "ERC20SpendingLimitPolicy");
        vm.label(SUDO, "SudoPolicy");
    }

    // ------------------------------------------------------------------ accounts

    /// @dev `abi.encode(bootstrap, initNexusWithDefaultValidatorAndOtherModulesNoRegistry(owner, [], [],
    /// (0, 32 zero bytes), [], []))`, as the SDK builds it for MEE 2.0.0.
    function _initData(address owner_) internal pure returns (bytes memory) {
        BootstrapConfig[] memory none = new BootstrapConfig[](0);
        BootstrapPreValidationHookConfig[] memory noHooks = new BootstrapPreValidationHookConfig[](0);
        bytes memory call_ = abi.encodeCall(
            AccountBootstrap.initNexusWithDefaultValidatorAndOtherModulesNoRegistry,
            (abi.encodePacked(owner_), none, none, BootstrapConfig(address(0), abi.encode(bytes32(0))), none, noHooks)
        );
        return abi.encode(BOOTSTRAP, call_);
    }

    function _accountAddress(address owner_) internal view returns (address) {
        return factory.computeAccountAddress(_initData(owner_), bytes32(0));
    }

    /// @dev The userOp initCode deploying `owner_`'s account (salt 0).
    function _initCode(address owner_) internal pure returns (bytes memory) {
        return abi.encodePacked(FACTORY, abi.encodeCall(AccountFactory.createAccount, (_initData(owner_), bytes32(0))));
    }

    function _deployAccount(address owner_) internal returns (address account) {
        account = factory.createAccount(_initData(owner_), bytes32(0));
    }

    // ------------------------------------------------------------------ userOps

    function _nonceKey(address validator) internal pure returns (uint192) {
        return uint192(uint160(validator));
    }

    function _pmData() internal view returns (bytes memory) {
        return abi.encodePacked(address(pm), PM_VERIFICATION_GAS, PM_POSTOP_GAS, PM_USER_FIXED);
    }

    /// @dev An unsigned op paid by the node paymaster.
    function _op(address sender, uint256 nonce_, bytes memory callData, uint256 verificationGas)
        internal
        view
        returns (PackedUserOperation memory op)
    {
        op.sender = sender;
        op.nonce = nonce_;
        op.callData = callData;
        op.accountGasLimits = bytes32((verificationGas << 128) | uint256(300_000));
        op.preVerificationGas = 60_000;
        op.gasFees = bytes32((uint256(1 gwei) << 128) | uint256(2 gwei));
        op.paymasterAndData = _pmData();
    }

    function _execSingle(address to, uint256 value, bytes memory data) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(SmartAccount.execute.selector, MODE_SINGLE, abi.encodePacked(to, value, data));
    }

    function _execBatch(Execution[] memory execs) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(SmartAccount.execute.selector, MODE_BATCH, abi.encode(execs));
    }

    function _transfer(address to, uint256 amount) internal view returns (bytes memory) {
        return _execSingle(address(usdc), 0, abi.encodeCall(usdc.transfer, (to, amount)));
    }

    /// @dev handleOps sent by the node (msg.sender and tx.origin = node owner, beneficiary = node);
    /// every op must also have executed successfully (`UserOperationEvent.success`).
    function _submit(PackedUserOperation[] memory ops) internal {
        vm.recordLogs();
        vm.prank(nodeOwner, nodeOwner);
        ep.handleOps(ops, payable(nodeOwner));
        Vm.Log[] memory logs = vm.getRecordedLogs();
        uint256 seen;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter == ENTRY_POINT && logs[i].topics[0] == IEntryPoint.UserOperationEvent.selector) {
                (, bool success,,) = abi.decode(logs[i].data, (uint256, bool, uint256, uint256));
                vm.assertTrue(success, "userOp execution reverted");
                ++seen;
            }
        }
        vm.assertEq(seen, ops.length, "one UserOperationEvent per op");
    }

    function _submit(PackedUserOperation memory op) internal {
        PackedUserOperation[] memory ops = new PackedUserOperation[](1);
        ops[0] = op;
        _submit(ops);
    }

    /// @dev Expects handleOps to revert with exactly `err`.
    function _submitExpect(PackedUserOperation memory op, bytes memory err) internal {
        PackedUserOperation[] memory ops = new PackedUserOperation[](1);
        ops[0] = op;
        vm.expectRevert(err);
        vm.prank(nodeOwner, nodeOwner);
        ep.handleOps(ops, payable(nodeOwner));
    }

    function _failedOp(string memory reason) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IEntryPoint.FailedOp.selector, uint256(0), reason);
    }

    function _failedOpWithRevert(string memory reason, bytes memory inner) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IEntryPoint.FailedOpWithRevert.selector, uint256(0), reason, inner);
    }

    // ------------------------------------------------------------------ supertransaction merkle trees

    function _hashPair(bytes32 a, bytes32 b) internal pure returns (bytes32) {
        return a < b ? keccak256(abi.encodePacked(a, b)) : keccak256(abi.encodePacked(b, a));
    }

    /// @dev The full MEE leaf: keccak256(keccak256(abi.encode(userOpHash, lower, upper))).
    function _fullLeaf(bytes32 userOpHash, uint48 lower, uint48 upper) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(userOpHash, uint256(lower), uint256(upper)))));
    }

    /// @dev Root and proof of `leaves[index]` in a sorted-pair tree (the OpenZeppelin verifier
    /// accepts any such tree): level by level, an odd last node moves up unchanged.
    function _merkle(bytes32[] memory leaves, uint256 index)
        internal
        pure
        returns (bytes32 root, bytes32[] memory proof)
    {
        bytes32[] memory level = leaves;
        bytes32[] memory path = new bytes32[](8);
        uint256 depth;
        uint256 pos = index;
        while (level.length > 1) {
            uint256 sibling = pos ^ 1;
            if (sibling < level.length) path[depth++] = level[sibling];
            bytes32[] memory next = new bytes32[]((level.length + 1) / 2);
            for (uint256 i; i < next.length; ++i) {
                next[i] = 2 * i + 1 < level.length ? _hashPair(level[2 * i], level[2 * i + 1]) : level[2 * i];
            }
            level = next;
            pos /= 2;
        }
        root = level[0];
        proof = new bytes32[](depth);
        for (uint256 i; i < depth; ++i) {
            proof[i] = path[i];
        }
    }

    /// @dev personal_sign of the root, 65 bytes.
    function _signRoot(uint256 key, bytes32 root) internal pure returns (bytes memory) {
        return signPacked(key, ethSignedHash(root));
    }

    /// @dev Full SIMPLE signature (validateUserOp path).
    function _simpleFull(bytes32 root, uint48 lower, uint48 upper, bytes32[] memory proof, bytes memory sig)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encodePacked(MEE_SIMPLE, abi.encode(root, lower, upper, proof, sig));
    }

    /// @dev Short SIMPLE signature (stateless path; the leaf is the raw hash).
    function _simpleShort(bytes32 root, bytes32[] memory proof, bytes memory sig) internal pure returns (bytes memory) {
        return abi.encodePacked(MEE_SIMPLE, abi.encode(root, proof, sig));
    }

    /// @dev Signs `ops` as one owner supertransaction with full leaves sharing `[lower, upper]`.
    function _signSupertx(PackedUserOperation[] memory ops, uint256 key, uint48 lower, uint48 upper) internal view {
        bytes32[] memory leaves = new bytes32[](ops.length);
        for (uint256 i; i < ops.length; ++i) {
            leaves[i] = _fullLeaf(ep.getUserOpHash(ops[i]), lower, upper);
        }
        (bytes32 root,) = _merkle(leaves, 0);
        bytes memory sig = _signRoot(key, root);
        for (uint256 i; i < ops.length; ++i) {
            (, bytes32[] memory proof) = _merkle(leaves, i);
            ops[i].signature = _simpleFull(root, lower, upper, proof, sig);
        }
    }

    /// @dev A one-op owner supertransaction, valid from now for 180 s.
    function _ownerOp(address account, bytes memory callData) internal view returns (PackedUserOperation memory op) {
        op = _op(account, ep.getNonce(account, 0), callData, 500_000);
        op.accountGasLimits = bytes32((uint256(500_000) << 128) | uint256(1_500_000));
        PackedUserOperation[] memory ops = new PackedUserOperation[](1);
        ops[0] = op;
        _signSupertx(ops, ownerKey, uint48(block.timestamp), uint48(block.timestamp + 180));
    }

    // ------------------------------------------------------------------ sessions

    function _policy(address p, bytes memory initData) internal pure returns (PolicyData memory) {
        return PolicyData({policy: p, initData: initData});
    }

    /// @dev UniActionPolicy config for `transfer(to, amount)`: `to == payee` and `amount <= maxPerUse`;
    /// the unused rule slots filled as the SDK fills them.
    function _transferRules(address payee, uint256 maxPerUse) internal pure returns (bytes memory) {
        ActionConfig memory c;
        c.paramRules.length = 2;
        c.paramRules.rules[0] = ParamRule({
            condition: ParamCondition.EQUAL,
            offset: 0,
            isLimited: false,
            ref: bytes32(uint256(uint160(payee))),
            usage: LimitUsage(0, 0)
        });
        c.paramRules.rules[1] = ParamRule({
            condition: ParamCondition.LESS_THAN_OR_EQUAL,
            offset: 32,
            isLimited: false,
            ref: bytes32(maxPerUse),
            usage: LimitUsage(0, 0)
        });
        for (uint256 i = 2; i < 16; ++i) {
            c.paramRules.rules[i] = ParamRule({
                condition: ParamCondition.GREATER_THAN,
                offset: 0,
                isLimited: false,
                ref: bytes32(0),
                usage: LimitUsage(0, 0)
            });
        }
        return abi.encode(c);
    }

    /// @dev The MEE session of these tests: the K1MeeValidator checks the redeemer's short SIMPLE
    /// signatures; Sudo userOp policy (needed with the node paymaster); USDC `transfer` to `payee`
    /// with UniAction (≤ 50 USDC per use), UsageLimit(3) and ERC20SpendingLimit(100 USDC).
    function _meeSession(address payee, bytes32 salt) internal view returns (Session memory s) {
        s.sessionValidator = K1_VALIDATOR;
        s.sessionValidatorInitData = abi.encodePacked(redeemer);
        s.salt = salt;
        s.userOpPolicies = new PolicyData[](1);
        s.userOpPolicies[0] = _policy(SUDO, "");
        s.erc7739Policies.allowedERC7739Content = new ERC7739Context[](0);
        s.erc7739Policies.erc1271Policies = new PolicyData[](0);
        address[] memory tokens = new address[](1);
        tokens[0] = address(usdc);
        uint256[] memory limits = new uint256[](1);
        limits[0] = 100e6;
        PolicyData[] memory ps = new PolicyData[](3);
        ps[0] = _policy(UNI_ACTION, _transferRules(payee, 50e6));
        ps[1] = _policy(USAGE_LIMIT, abi.encodePacked(uint128(3)));
        ps[2] = _policy(SPENDING_LIMIT, abi.encode(tokens, limits));
        s.actions = new ActionData[](1);
        s.actions[0] = ActionData({actionTargetSelector: usdc.transfer.selector, actionTarget: address(usdc), actionPolicies: ps});
        s.permitERC4337Paymaster = true;
    }

    /// @dev The owner's "prepare" batch: install Smart Sessions, make it a safe sender of the MEE
    /// validator and (when `sessions` is non-empty) enable the sessions.
    function _prepareCall(address account, Session[] memory sessions) internal pure returns (bytes memory) {
        Execution[] memory execs = new Execution[](sessions.length == 0 ? 2 : 3);
        execs[0] = Execution(account, 0, abi.encodeCall(SmartAccount.installModule, (1, SMART_SESSION, "")));
        execs[1] = Execution(K1_VALIDATOR, 0, abi.encodeCall(K1MeeValidator.addSafeSender, (SMART_SESSION)));
        if (sessions.length != 0) {
            execs[2] = Execution(SMART_SESSION, 0, abi.encodeCall(ISmartSession.enableSessions, (sessions)));
        }
        return _execBatch(execs);
    }

    /// @dev A session op (nonce key validator = SmartSession) without signature.
    function _sessionOp(address account, uint256 seqOffset, bytes memory callData, uint256 verificationGas)
        internal
        view
        returns (PackedUserOperation memory)
    {
        return _op(account, ep.getNonce(account, _nonceKey(SMART_SESSION)) + seqOffset, callData, verificationGas);
    }

    /// @dev Signs `ops` as one redeemer supertransaction (short leaves = raw userOpHashes) and wraps
    /// each MEE signature in the USE mode: `0x00 ‖ permissionId ‖ meeSig`.
    function _signUse(PackedUserOperation[] memory ops, bytes32 pid) internal view {
        bytes32[] memory leaves = new bytes32[](ops.length);
        for (uint256 i; i < ops.length; ++i) {
            leaves[i] = ep.getUserOpHash(ops[i]);
        }
        (bytes32 root,) = _merkle(leaves, 0);
        bytes memory sig = _signRoot(redeemerKey, root);
        for (uint256 i; i < ops.length; ++i) {
            (, bytes32[] memory proof) = _merkle(leaves, i);
            ops[i].signature = abi.encodePacked(uint8(0), pid, _simpleShort(root, proof, sig));
        }
    }

    function _signUse(PackedUserOperation memory op, bytes32 pid) internal view returns (PackedUserOperation memory) {
        PackedUserOperation[] memory ops = new PackedUserOperation[](1);
        ops[0] = op;
        _signUse(ops, pid);
        return ops[0];
    }

    /// @dev The UNSAFE_ENABLE signature: `0x02 ‖ flzCompress(abi.encode(EnableSession, meeSig))`.
    function _enableSig(
        Session memory s,
        uint8 index,
        ChainDigest[] memory cds,
        bytes memory ownerSig,
        bytes memory meeSig
    ) internal pure returns (bytes memory) {
        EnableSession memory e = EnableSession({
            chainDigestIndex: index,
            hashesAndChainIds: cds,
            sessionToEnable: s,
            permissionEnableSig: abi.encodePacked(address(0), ownerSig)
        });
        return abi.encodePacked(uint8(SmartSessionMode.UNSAFE_ENABLE), LibZip.flzCompress(abi.encode(e, meeSig)));
    }

    /// @dev The owner's personal_sign over the MultiChainSession digest of `cds`.
    function _ownerEnableSig(ChainDigest[] memory cds) internal view returns (bytes memory) {
        return _signRoot(ownerKey, HashLib.multichainDigest(cds));
    }

    /// @dev Calldata gas of `data` (16 per non-zero byte, 4 per zero byte).
    function _calldataGas(bytes memory data) internal pure returns (uint256 g) {
        for (uint256 i; i < data.length; ++i) g += data[i] == 0 ? 4 : 16;
    }
}
