// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test} from "../lib/Test.sol";
import {EntryPoint} from "account-abstraction/core/EntryPoint.sol";
import {PackedUserOperation} from "account-abstraction/interfaces/PackedUserOperation.sol";
import {LibZip} from "solady/utils/LibZip.sol";

import {SmartSession} from "../../src/sessions/SmartSession.sol";
import {SmartSessionViews} from "../../src/sessions/SmartSessionViews.sol";
import {ISmartSession} from "../../src/interfaces/ISmartSession.sol";
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
import {UsageLimitPolicy} from "../../src/policies/UsageLimitPolicy.sol";
import {ERC20SpendingLimitPolicy} from "../../src/policies/ERC20SpendingLimitPolicy.sol";
import {TimeFramePolicy} from "../../src/policies/TimeFramePolicy.sol";
import {ValueLimitPolicy} from "../../src/policies/ValueLimitPolicy.sol";
import {UniActionPolicy} from "../../src/policies/UniActionPolicy.sol";
import {TestUSDC} from "../../src/tokens/TestUSDC.sol";
import {MockAccount} from "./mocks/MockAccount.sol";
import {MockSessionValidator} from "./mocks/MockSessionValidator.sol";
import {Target} from "./mocks/MockPolicies.sol";

/// @notice Shared fixture: real EntryPoint v0.7, SmartSession, the policies, a mock ERC-7579 account
/// with SmartSession installed, an ECDSA session key.
abstract contract SessionTestBase is Test {
    bytes32 internal constant MODE_SINGLE = bytes32(0);
    bytes32 internal constant MODE_BATCH = bytes32(uint256(1) << 248);

    EntryPoint internal ep;
    SmartSession internal ssImpl;
    ISmartSession internal ss;
    SudoPolicy internal sudo;
    UsageLimitPolicy internal usage;
    ERC20SpendingLimitPolicy internal spending;
    TimeFramePolicy internal timeframe;
    ValueLimitPolicy internal valueLimit;
    UniActionPolicy internal uni;
    MockSessionValidator internal sessionValidator;
    MockAccount internal account;
    TestUSDC internal usdc;
    Target internal target;

    address internal owner;
    uint256 internal ownerKey;
    address internal sessionKeyAddr;
    uint256 internal sessionKey;
    address payable internal bundler = payable(address(0xB0B));
    address internal recipient = address(0xCAFE);

    function setUp() public virtual {
        (owner, ownerKey) = makeKey("owner");
        (sessionKeyAddr, sessionKey) = makeKey("session-key");
        ep = new EntryPoint();
        SmartSessionViews views = new SmartSessionViews();
        ssImpl = new SmartSession(address(views));
        ss = ISmartSession(address(ssImpl));
        sudo = new SudoPolicy();
        usage = new UsageLimitPolicy();
        spending = new ERC20SpendingLimitPolicy();
        timeframe = new TimeFramePolicy();
        valueLimit = new ValueLimitPolicy();
        uni = new UniActionPolicy();
        sessionValidator = new MockSessionValidator();
        usdc = new TestUSDC();
        target = new Target();
        account = new MockAccount(address(ep), owner);
        vm.deal(address(account), 100 ether);
        usdc.mint(address(account), 1_000_000e6);
        vm.prank(owner);
        account.installModule(1, address(ss), "");
    }

    // ---------------------------------------------------------------- session builders

    function _policy(address p, bytes memory initData) internal pure returns (PolicyData memory) {
        return PolicyData({policy: p, initData: initData});
    }

    function _one(PolicyData memory p) internal pure returns (PolicyData[] memory ps) {
        ps = new PolicyData[](1);
        ps[0] = p;
    }

    function _two(PolicyData memory a, PolicyData memory b) internal pure returns (PolicyData[] memory ps) {
        ps = new PolicyData[](2);
        ps[0] = a;
        ps[1] = b;
    }

    function _action(address t, bytes4 sel, PolicyData[] memory ps) internal pure returns (ActionData memory) {
        return ActionData({actionTargetSelector: sel, actionTarget: t, actionPolicies: ps});
    }

    function _emptyErc7739() internal pure returns (ERC7739Data memory d) {
        d.allowedERC7739Content = new ERC7739Context[](0);
        d.erc1271Policies = new PolicyData[](0);
    }

    function _session(PolicyData[] memory userOpPolicies, ActionData[] memory actions, bytes32 salt)
        internal
        view
        returns (Session memory s)
    {
        s.sessionValidator = address(sessionValidator);
        s.sessionValidatorInitData = abi.encodePacked(sessionKeyAddr);
        s.salt = salt;
        s.userOpPolicies = userOpPolicies;
        s.erc7739Policies = _emptyErc7739();
        s.actions = actions;
        s.permitERC4337Paymaster = true;
    }

    /// @notice The MEE-style session: sudo userOp policy; USDC transfer with usage limit 3 and a
    /// 100 USDC spending limit; sudo on the target's ping.
    function _standardSession(bytes32 salt) internal view returns (Session memory) {
        ActionData[] memory actions = new ActionData[](2);
        address[] memory tokens = new address[](1);
        tokens[0] = address(usdc);
        uint256[] memory limits = new uint256[](1);
        limits[0] = 100e6;
        actions[0] = _action(
            address(usdc),
            usdc.transfer.selector,
            _two(_policy(address(usage), abi.encodePacked(uint128(3))), _policy(address(spending), abi.encode(tokens, limits)))
        );
        actions[1] = _action(address(target), Target.ping.selector, _one(_policy(address(sudo), "")));
        return _session(_one(_policy(address(sudo), "")), actions, salt);
    }

    function _enable(Session memory s) internal returns (bytes32 pid) {
        Session[] memory arr = new Session[](1);
        arr[0] = s;
        vm.prank(address(account));
        pid = ss.enableSessions(arr)[0];
    }

    // ---------------------------------------------------------------- userOps

    function _single(address t, uint256 value, bytes memory data) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(0xe9ae5c53, MODE_SINGLE, abi.encodePacked(t, value, data));
    }

    function _batch(Execution[] memory execs) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(0xe9ae5c53, MODE_BATCH, abi.encode(execs));
    }

    function _transferCall(address to, uint256 amount) internal view returns (bytes memory) {
        return _single(address(usdc), 0, abi.encodeCall(usdc.transfer, (to, amount)));
    }

    function _op(bytes memory callData) internal view returns (PackedUserOperation memory op) {
        op.sender = address(account);
        op.nonce = ep.getNonce(address(account), uint192(uint160(address(ss))));
        op.initCode = "";
        op.callData = callData;
        op.accountGasLimits = bytes32((uint256(1_500_000) << 128) | 500_000);
        op.preVerificationGas = 60_000;
        op.gasFees = bytes32((uint256(1 gwei) << 128) | 2 gwei);
        op.paymasterAndData = "";
    }

    function _useSig(bytes32 pid, bytes32 userOpHash) internal view returns (bytes memory) {
        return abi.encodePacked(uint8(0), pid, signPacked(sessionKey, userOpHash));
    }

    function _signUse(PackedUserOperation memory op, bytes32 pid) internal view returns (PackedUserOperation memory) {
        op.signature = _useSig(pid, ep.getUserOpHash(op));
        return op;
    }

    function _handle(PackedUserOperation memory op) internal {
        PackedUserOperation[] memory ops = new PackedUserOperation[](1);
        ops[0] = op;
        vm.prank(bundler, bundler);
        ep.handleOps(ops, bundler);
    }

    /// @dev Calls validateUserOp as the account would (prank), returning validation data.
    function _validate(PackedUserOperation memory op, bytes32 hash) internal returns (uint256) {
        vm.prank(address(account));
        return ssImpl.validateUserOp(op, hash);
    }

    // ---------------------------------------------------------------- enable payloads

    function _digests(Session memory s, SmartSessionMode mode, uint256 nonce)
        internal
        view
        returns (ChainDigest[] memory cds)
    {
        cds = new ChainDigest[](2);
        cds[0] = ChainDigest({chainId: uint64(block.chainid), sessionDigest: HashLib.sessionDigest(s, address(account), address(ss), mode, nonce)});
        // a second chain's digest, as a multichain grant carries
        cds[1] = ChainDigest({chainId: 8453, sessionDigest: keccak256("other-chain")});
    }

    function _enablePayload(Session memory s, SmartSessionMode mode, uint256 nonce, bytes memory useSig)
        internal
        view
        returns (bytes memory)
    {
        ChainDigest[] memory cds = _digests(s, mode, nonce);
        bytes32 digest = HashLib.multichainDigest(cds);
        bytes memory ownerSig = abi.encodePacked(address(0), signPacked(ownerKey, digest));
        EnableSession memory e = EnableSession({
            chainDigestIndex: 0,
            hashesAndChainIds: cds,
            sessionToEnable: s,
            permissionEnableSig: ownerSig
        });
        return abi.encodePacked(uint8(mode), LibZip.flzCompress(abi.encode(e, useSig)));
    }

    /// @dev Signs an enable op: the session key's signature must cover the final userOpHash, which
    /// does not include the signature, so it can be computed first.
    function _signEnable(PackedUserOperation memory op, Session memory s, SmartSessionMode mode)
        internal
        view
        returns (PackedUserOperation memory)
    {
        bytes32 pid = ss.getPermissionId(s);
        bytes memory useSig = signPacked(sessionKey, ep.getUserOpHash(op));
        op.signature = _enablePayload(s, mode, ss.getNonce(pid, address(account)), useSig);
        return op;
    }
}
