// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import "./MeeFixture.sol";

/// @notice ENABLE_AND_USE (UNSAFE_ENABLE, mode 0x02) with the real contracts: the owner personal-signs
/// a two-chain MultiChainSession digest once; on each chain the redeemer's first session userOp
/// carries the compressed enable payload and is enabled and used in one validation.
contract SessionEnableAndUseTest is MeeFixture {
    uint64 internal constant CHAIN_B = 8453;
    address internal constant PAYEE = address(0xFEE0);

    address internal account;
    uint64 internal chainA;
    bytes32 internal constant SALT = keccak256("enable-salt");
    bytes32 internal pid;
    ChainDigest[] internal cds;
    bytes internal ownerSig;
    PackedUserOperation internal opA;
    PackedUserOperation internal opB;

    function setUp() public override {
        super.setUp();
        chainA = uint64(block.chainid);
        account = _deployAccount(owner);
        usdc.mint(account, 1_000e6);
        // SmartSessions installed and a safe sender of the MEE validator, no session yet
        _submit(_ownerOp(account, _prepareCall(account, new Session[](0))));

        Session memory session = _session();
        pid = ss.getPermissionId(session);

        // the per-chain digests, as the SDK asks each chain for them
        cds.push(ChainDigest(chainA, ss.getSessionDigest(pid, account, session, SmartSessionMode.UNSAFE_ENABLE)));
        vm.chainId(CHAIN_B);
        cds.push(ChainDigest(CHAIN_B, ss.getSessionDigest(pid, account, session, SmartSessionMode.UNSAFE_ENABLE)));
        vm.chainId(chainA);
        ownerSig = _ownerEnableSig(cds);

        // the redeemer's supertransaction: one op per chain, short leaves, one root
        PackedUserOperation memory op = _sessionOp(account, 0, _transfer(PAYEE, 10e6), 1_000_000);
        bytes32[] memory leaves = new bytes32[](2);
        leaves[0] = ep.getUserOpHash(op);
        vm.chainId(CHAIN_B);
        leaves[1] = ep.getUserOpHash(op);
        vm.chainId(chainA);
        (bytes32 root, bytes32[] memory proofA) = _merkle(leaves, 0);
        (, bytes32[] memory proofB) = _merkle(leaves, 1);
        bytes memory rootSig = _signRoot(redeemerKey, root);
        op.signature = _enableSig(session, 0, cds, ownerSig, _simpleShort(root, proofA, rootSig));
        opA = op;
        op.signature = _enableSig(session, 1, cds, ownerSig, _simpleShort(root, proofB, rootSig));
        opB = op;
    }

    function _session() internal view returns (Session memory) {
        return _meeSession(PAYEE, SALT);
    }

    function _enabledAndUsed() internal view {
        vm.assertTrue(ss.isPermissionEnabled(pid, account));
        vm.assertEq(ss.getNonce(pid, account), 1);
        vm.assertEq(usdc.balanceOf(PAYEE), 10e6);
        (address v, bytes memory data) = ss.getSessionValidatorAndConfig(account, pid);
        vm.assertEq(v, K1_VALIDATOR);
        vm.assertEq(data, abi.encodePacked(redeemer));
    }

    function test_enableAndUse_bothChains() public {
        uint256 snap = vm.snapshotState();
        _submit(opA);
        _enabledAndUsed();
        // later ops of the session use mode 0x00
        _submit(_signUse(_sessionOp(account, 0, _transfer(PAYEE, 5e6), 250_000), pid));
        vm.assertEq(usdc.balanceOf(PAYEE), 15e6);

        vm.revertToState(snap);
        vm.chainId(CHAIN_B);
        vm.assertFalse(ss.isPermissionEnabled(pid, account));
        _submit(opB);
        _enabledAndUsed();
    }

    /// The payload for chain A names chain A's digest: it fails on chain B.
    function test_chainAPayloadOnChainB_fails() public {
        vm.chainId(CHAIN_B);
        _submitExpect(
            opA,
            _failedOpWithRevert(
                "AA23 reverted", abi.encodeWithSelector(ISmartSessionTypes.ChainIdMismatch.selector, chainA)
            )
        );
    }

    function test_replayAfterRevoke_fails() public {
        _submit(_ownerOp(account, _execSingle(SMART_SESSION, 0, abi.encodeCall(ISmartSession.revokeEnableSignature, (pid)))));
        vm.assertEq(ss.getNonce(pid, account), 1);
        bytes32 computed = ss.getSessionDigest(pid, account, _session(), SmartSessionMode.UNSAFE_ENABLE);
        _submitExpect(
            opA,
            _failedOpWithRevert(
                "AA23 reverted",
                abi.encodeWithSelector(ISmartSessionTypes.HashMismatch.selector, cds[0].sessionDigest, computed)
            )
        );
        vm.assertFalse(ss.isPermissionEnabled(pid, account));
    }

    /// The enable signature is one-shot: after it was used, the same payload on a new op fails.
    function test_reuseAfterEnable_fails() public {
        _submit(opA);
        PackedUserOperation memory again = _sessionOp(account, 0, _transfer(PAYEE, 1e6), 1_000_000);
        again.signature = opA.signature;
        bytes32 computed = ss.getSessionDigest(pid, account, _session(), SmartSessionMode.UNSAFE_ENABLE);
        _submitExpect(
            again,
            _failedOpWithRevert(
                "AA23 reverted",
                abi.encodeWithSelector(ISmartSessionTypes.HashMismatch.selector, cds[0].sessionDigest, computed)
            )
        );
    }

    /// The payload signed for one account does not enable anything on another.
    function test_payloadForOtherAccount_fails() public {
        (address owner2,) = makeKey("owner2");
        address account2 = _deployAccount(owner2);
        usdc.mint(account2, 1_000e6);
        PackedUserOperation memory op = _sessionOp(account2, 0, _transfer(PAYEE, 10e6), 1_000_000);
        // account2 has not installed SmartSessions: the account refuses the validator
        op.signature = opA.signature;
        _submitExpect(
            op,
            _failedOpWithRevert(
                "AA23 reverted", abi.encodeWithSelector(ModuleManager.ValidatorNotInstalled.selector, SMART_SESSION)
            )
        );
    }

    /// Same, with SmartSessions installed on the other account (same owner): the digest binds the account.
    function test_payloadForOtherAccountWithModule_fails() public {
        (address owner2, uint256 owner2Key) = makeKey("owner2");
        address account2 = _deployAccount(owner2);
        uint256 savedKey = ownerKey;
        ownerKey = owner2Key;
        _submit(_ownerOp(account2, _prepareCall(account2, new Session[](0))));
        ownerKey = savedKey;
        PackedUserOperation memory op = _sessionOp(account2, 0, _transfer(PAYEE, 10e6), 1_000_000);
        op.signature = opA.signature;
        bytes32 computed = ss.getSessionDigest(pid, account2, _session(), SmartSessionMode.UNSAFE_ENABLE);
        _submitExpect(
            op,
            _failedOpWithRevert(
                "AA23 reverted",
                abi.encodeWithSelector(ISmartSessionTypes.HashMismatch.selector, cds[0].sessionDigest, computed)
            )
        );
    }

    /// Without `addSafeSender(SmartSession)` the MEE validator does not accept the owner's plain
    /// personal_sign for the enable digest (it asks for ERC-7739 nesting).
    function test_withoutSafeSender_enableSignatureRejected() public {
        (address owner3, uint256 owner3Key) = makeKey("owner3");
        address account3 = _deployAccount(owner3);
        usdc.mint(account3, 1_000e6);
        uint256 savedKey = ownerKey;
        ownerKey = owner3Key;
        _submit(_ownerOp(account3, _execSingle(account3, 0, abi.encodeCall(SmartAccount.installModule, (1, SMART_SESSION, "")))));
        ChainDigest[] memory c = new ChainDigest[](1);
        c[0] = ChainDigest(chainA, ss.getSessionDigest(pid, account3, _session(), SmartSessionMode.UNSAFE_ENABLE));
        bytes memory sig3 = _ownerEnableSig(c);
        ownerKey = savedKey;
        PackedUserOperation memory op = _sessionOp(account3, 0, _transfer(PAYEE, 10e6), 1_000_000);
        bytes32[] memory leaves = new bytes32[](1);
        leaves[0] = ep.getUserOpHash(op);
        (bytes32 root, bytes32[] memory proof) = _merkle(leaves, 0);
        op.signature = _enableSig(_session(), 0, c, sig3, _simpleShort(root, proof, _signRoot(redeemerKey, root)));
        _submitExpect(
            op,
            _failedOpWithRevert(
                "AA23 reverted",
                abi.encodeWithSelector(
                    ISmartSessionTypes.InvalidEnableSignature.selector, account3, HashLib.multichainDigest(c)
                )
            )
        );
    }
}
