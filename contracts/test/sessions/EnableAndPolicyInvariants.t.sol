// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import "../integration/MeeFixture.sol";
import {IdLib} from "../../src/sessions/lib/IdLib.sol";

/// @dev Shared handler plumbing: the canonical system, one real account with Smart Sessions
/// installed and registered as a safe sender, validation driven by calling the module as the account.
abstract contract HandlerBase is MeeFixture {
    address public account;
    bool internal ready;
    bytes32 internal constant H = keccak256("userOpHash");
    address internal constant PAYEE = address(0xFEE0);

    /// @dev Fixture setup runs once, through `init`; the fuzzer calling it again is refused.
    function setUp() public override {
        if (ready) revert("ready");
        super.setUp();
    }

    function _initBase() internal {
        setUp();
        ready = true;
        account = _deployAccount(owner);
        usdc.mint(account, 1_000_000e6);
        _submit(_ownerOp(account, _prepareCall(account, new Session[](0))));
    }

    function _validate(PackedUserOperation memory op) internal returns (bool ok) {
        vm.prank(account);
        try SmartSession(payable(SMART_SESSION)).validateUserOp(op, H) returns (uint256 vd) {
            ok = vd == 0;
        } catch {}
    }

    function _transferOp(uint256 amount, bytes memory sig) internal view returns (PackedUserOperation memory op) {
        op.sender = account;
        op.callData = _transfer(PAYEE, amount);
        op.signature = sig;
    }
}

/// @notice Pre-signed enable payloads, revocations, removals and enable attempts in any order.
contract EnableRevokeHandler is HandlerBase {
    bytes32 public pid;
    bytes[] internal payloads;
    bool[] internal revoked;
    bool[] internal used;
    uint256 public revokes;
    uint256 public enables;
    bool public revokedEnabled;
    bool public replayed;

    function init() external {
        _initBase();
        pid = ss.getPermissionId(_sessionCheap());
    }

    function _sessionCheap() internal view returns (Session memory s) {
        s = _meeSession(PAYEE, keccak256("inv"));
        s.actions[0].actionPolicies = new PolicyData[](1);
        s.actions[0].actionPolicies[0] = _policy(SUDO, "");
    }

    /// The owner signs an enable for the current nonce.
    function sign() external {
        if (payloads.length >= 16) return;
        Session memory s = _sessionCheap();
        ChainDigest[] memory cds = new ChainDigest[](1);
        cds[0] = ChainDigest(uint64(block.chainid), ss.getSessionDigest(pid, account, s, SmartSessionMode.UNSAFE_ENABLE));
        payloads.push(_enableSig(s, 0, cds, _ownerEnableSig(cds), signPacked(redeemerKey, H)));
        revoked.push(false);
        used.push(false);
    }

    function revoke() external {
        vm.prank(account);
        ss.revokeEnableSignature(pid);
        ++revokes;
        for (uint256 i; i < revoked.length; ++i) {
            revoked[i] = true;
        }
    }

    function remove() external {
        if (!ss.isPermissionEnabled(pid, account)) return;
        vm.prank(account);
        ss.removeSession(pid);
    }

    function tryEnable(uint256 i) external {
        if (payloads.length == 0) return;
        i = bound(i, 0, payloads.length - 1);
        if (_validate(_transferOp(1, payloads[i]))) {
            ++enables;
            if (revoked[i]) revokedEnabled = true;
            if (used[i]) replayed = true;
            used[i] = true;
        }
    }
}

/// @notice Uses, removals and re-enables of one session with usage and spending limits.
contract PolicyResetHandler is HandlerBase {
    bytes32 public pid;
    bool public enabled;
    uint256 public usesSinceEnable;
    uint256 public spentSinceEnable;
    bool public validatedWhileRemoved;

    function init() external {
        _initBase();
        _enableNow();
    }

    function _session() internal view returns (Session memory s) {
        s = _meeSession(PAYEE, keccak256("reset"));
        address[] memory tokens = new address[](1);
        tokens[0] = address(usdc);
        uint256[] memory limits = new uint256[](1);
        limits[0] = 1_000e6;
        PolicyData[] memory ps = new PolicyData[](2);
        ps[0] = _policy(USAGE_LIMIT, abi.encodePacked(uint128(1_000)));
        ps[1] = _policy(SPENDING_LIMIT, abi.encode(tokens, limits));
        s.actions[0].actionPolicies = ps;
    }

    function _enableNow() internal {
        Session[] memory sessions = new Session[](1);
        sessions[0] = _session();
        vm.prank(account);
        pid = ss.enableSessions(sessions)[0];
        enabled = true;
        usesSinceEnable = 0;
        spentSinceEnable = 0;
    }

    function use(uint256 amount) external {
        amount = bound(amount, 0, 40e6);
        bool ok = _validate(_transferOp(amount, abi.encodePacked(uint8(0), pid, signPacked(redeemerKey, H))));
        if (!ok) return;
        if (!enabled) validatedWhileRemoved = true;
        ++usesSinceEnable;
        spentSinceEnable += amount;
    }

    function remove() external {
        if (!enabled) return;
        vm.prank(account);
        ss.removeSession(pid);
        enabled = false;
    }

    function reenable() external {
        if (enabled) return;
        _enableNow();
    }

    function policyState() external view returns (uint256 usesOnChain, uint256 spentOnChain) {
        bytes32 configId = IdLib.actionConfigId(pid, IdLib.actionId(address(usdc), usdc.transfer.selector), account);
        (, uint128 u) = UsageLimitPolicy(USAGE_LIMIT).usageLimitConfigs(configId, SMART_SESSION, account);
        usesOnChain = u;
        (, spentOnChain,) = ERC20SpendingLimitPolicy(SPENDING_LIMIT).getPolicyData(configId, SMART_SESSION, address(usdc), account);
    }
}

contract EnableRevokeInvariantsTest is Test {
    EnableRevokeHandler internal handler;

    function setUp() public {
        handler = new EnableRevokeHandler();
        handler.init();
        targetContract(address(handler));
    }

    /// The handler's actions do what the invariants assume (so the invariants are not vacuous).
    function test_handlerSanity() public {
        handler.sign();
        handler.tryEnable(0);
        vm.assertEq(handler.enables(), 1);
        handler.remove();
        handler.tryEnable(0);
        vm.assertEq(handler.enables(), 1);
        handler.sign();
        handler.tryEnable(1);
        vm.assertEq(handler.enables(), 2);
        handler.remove();
        handler.sign();
        handler.revoke();
        handler.tryEnable(2);
        vm.assertEq(handler.enables(), 2);
        vm.assertFalse(handler.revokedEnabled());
    }

    /// An enable signature made before a revocation never enables the session.
    function invariant_revokedSignatureNeverEnables() public view {
        vm.assertFalse(handler.revokedEnabled());
    }

    /// An enable signature works at most once.
    function invariant_enableSignatureOneShot() public view {
        vm.assertFalse(handler.replayed());
    }

    /// The enable nonce counts exactly the revocations and the successful enables.
    function invariant_nonceAccounting() public view {
        ISmartSession ss = ISmartSession(0x00000000008bDABA73cD9815d79069c247Eb4bDA);
        vm.assertEq(ss.getNonce(handler.pid(), handler.account()), handler.revokes() + handler.enables());
    }
}

contract PolicyResetInvariantsTest is Test {
    PolicyResetHandler internal handler;

    function setUp() public {
        handler = new PolicyResetHandler();
        handler.init();
        targetContract(address(handler));
    }

    function test_handlerSanity() public {
        handler.use(5e6);
        handler.use(5e6);
        (uint256 uses, uint256 spent) = handler.policyState();
        vm.assertEq(uses, 2);
        vm.assertEq(spent, 10e6);
        handler.remove();
        handler.use(5e6);
        handler.reenable();
        (uses, spent) = handler.policyState();
        vm.assertEq(uses, 0);
        vm.assertEq(spent, 0);
        vm.assertFalse(handler.validatedWhileRemoved());
    }

    /// Policy state never survives a removal: after a re-enable the counters start from zero, so
    /// they always equal what was used since the last enable.
    function invariant_policyStateStartsFreshAfterReenable() public view {
        if (!handler.enabled()) return;
        (uint256 uses, uint256 spent) = handler.policyState();
        vm.assertEq(uses, handler.usesSinceEnable());
        vm.assertEq(spent, handler.spentSinceEnable());
    }

    /// A removed session never validates.
    function invariant_removedNeverValidates() public view {
        vm.assertFalse(handler.validatedWhileRemoved());
    }
}
