// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import "./MeeFixture.sol";

/// @notice Gas per userOp with the canonical MEE contracts and the node paymaster, bundle of one,
/// with the "tx gas" definition of `test/account/Gas.t.sol`: gas measured around the handleOps call
/// + 21,000 intrinsic + calldata (16 / 4 per byte). Every op is built and signed in setUp, so the
/// measured transaction starts from cold state. The recipient already holds tokens; the accounts
/// are deployed and have used their nonce key once ("steady").
contract MeeGasTest is MeeFixture {
    address internal constant PAYEE = address(0xFEE0);

    PackedUserOperation[] internal opsOwner;
    PackedUserOperation[] internal opsUseSteady;
    PackedUserOperation[] internal opsUseFirst;
    PackedUserOperation[] internal opsUseTwoPolicies;
    PackedUserOperation[] internal opsEnableAndUse;
    address internal enableAccount;
    bytes32 internal enablePid;

    function setUp() public override {
        super.setUp();
        vm.warp(1_700_000_000);

        // plain owner transfer, SIMPLE with one full leaf
        address a = _deployAccount(owner);
        usdc.mint(a, 1_000e6);
        _submit(_ownerOp(a, _transfer(PAYEE, 1e6)));
        opsOwner.push(_ownerOp(a, _transfer(PAYEE, 1e6)));

        // session USE, counters already written by a first use
        a = _deployAccountFor("owner-s");
        bytes32 pid = _prepareWithSession(a, keccak256("s"));
        _submit(_signUse(_sessionOp(a, 0, _transfer(PAYEE, 1e6), 250_000), pid));
        opsUseSteady.push(_signUse(_sessionOp(a, 0, _transfer(PAYEE, 1e6), 250_000), pid));

        // session USE with the two action policies of the spec's goal (UsageLimit + ERC-20 spending
        // limit, no UniAction), steady
        a = _deployAccountFor("owner-2");
        {
            Session[] memory two = new Session[](1);
            two[0] = _meeSession(PAYEE, keccak256("2"));
            PolicyData[] memory ps = new PolicyData[](2);
            ps[0] = two[0].actions[0].actionPolicies[1];
            ps[1] = two[0].actions[0].actionPolicies[2];
            two[0].actions[0].actionPolicies = ps;
            pid = ss.getPermissionId(two[0]);
            _submit(_ownerOp(a, _prepareCall(a, two)));
        }
        _submit(_signUse(_sessionOp(a, 0, _transfer(PAYEE, 1e6), 250_000), pid));
        opsUseTwoPolicies.push(_signUse(_sessionOp(a, 0, _transfer(PAYEE, 1e6), 250_000), pid));

        // session USE, first use of a prepared session (counters fresh), nonce key used by another op
        a = _deployAccountFor("owner-f");
        pid = _prepareWithSession(a, keccak256("f"));
        opsUseFirst.push(_signUse(_sessionOp(a, 0, _transfer(PAYEE, 1e6), 250_000), pid));

        // ENABLE_AND_USE: SmartSessions installed and a safe sender, session enabled by the first op
        enableAccount = _deployAccountFor("owner-e");
        _submit(_ownerOp(enableAccount, _prepareCall(enableAccount, new Session[](0))));
        Session memory s = _meeSession(PAYEE, keccak256("e"));
        enablePid = ss.getPermissionId(s);
        ChainDigest[] memory cds = new ChainDigest[](1);
        cds[0] = ChainDigest(uint64(block.chainid), ss.getSessionDigest(enablePid, enableAccount, s, SmartSessionMode.UNSAFE_ENABLE));
        bytes memory ownerSig = _ownerEnableSig(cds);
        PackedUserOperation memory op = _sessionOp(enableAccount, 0, _transfer(PAYEE, 1e6), 1_000_000);
        bytes32[] memory leaves = new bytes32[](1);
        leaves[0] = ep.getUserOpHash(op);
        (bytes32 root, bytes32[] memory proof) = _merkle(leaves, 0);
        op.signature = _enableSig(s, 0, cds, ownerSig, _simpleShort(root, proof, _signRoot(redeemerKey, root)));
        opsEnableAndUse.push(op);
    }

    /// @dev An account whose owner key is `label`'s; the owner key of the fixture is swapped meanwhile.
    function _deployAccountFor(string memory label) internal returns (address a) {
        (address o, uint256 k) = makeKey(label);
        a = _deployAccount(o);
        usdc.mint(a, 1_000e6);
        ownerKey = k;
    }

    function _prepareWithSession(address a, bytes32 salt) internal returns (bytes32 pid) {
        Session[] memory sessions = new Session[](1);
        sessions[0] = _meeSession(PAYEE, salt);
        pid = ss.getPermissionId(sessions[0]);
        _submit(_ownerOp(a, _prepareCall(a, sessions)));
    }

    function _measure(string memory label, PackedUserOperation[] storage ops) internal returns (uint256 txGas) {
        PackedUserOperation[] memory m = ops;
        bytes memory callData = abi.encodeCall(IEntryPoint.handleOps, (m, payable(nodeOwner)));
        // the transaction's `to` and its sender are warm in a real transaction
        uint256 warm = ENTRY_POINT.code.length + nodeOwner.balance;
        warm;
        vm.prank(nodeOwner, nodeOwner);
        uint256 g0 = gasleft();
        (bool ok,) = ENTRY_POINT.call(callData);
        uint256 used = g0 - gasleft();
        require(ok, "handleOps failed");
        txGas = used + 21_000 + _calldataGas(callData);
        emit log_named_uint(label, txGas);
        emit log_named_uint("  handleOps execution gas", used);
        emit log_named_uint("  calldata gas", _calldataGas(callData));
        emit log_named_uint("  userOp.signature bytes", m[0].signature.length);
    }

    function test_gas_ownerSimpleTransfer() public {
        uint256 g = _measure("tx gas: owner SIMPLE (1 leaf) ERC-20 transfer, node paymaster", opsOwner);
        vm.assertEq(usdc.balanceOf(PAYEE), 4e6);
        vm.assertLe(g, 150_000, "gas regression: owner SIMPLE transfer");
    }

    function test_gas_sessionUse_steady() public {
        uint256 g = _measure("tx gas: session USE (K1 short SIMPLE, sudo, uni + usage + spending), steady", opsUseSteady);
        vm.assertEq(usdc.balanceOf(PAYEE), 4e6);
        vm.assertLe(g, 185_000, "gas regression: session USE steady");
    }

    function test_gas_sessionUse_usageAndSpendingOnly_steady() public {
        uint256 g = _measure("tx gas: session USE (K1 short SIMPLE, sudo, usage + spending), steady", opsUseTwoPolicies);
        vm.assertEq(usdc.balanceOf(PAYEE), 4e6);
        vm.assertLe(g, 175_000, "gas regression: session USE, two action policies");
    }

    function test_gas_sessionUse_first() public {
        uint256 g = _measure("tx gas: session USE, first use of the session", opsUseFirst);
        vm.assertEq(usdc.balanceOf(PAYEE), 4e6);
        vm.assertLe(g, 202_000, "gas regression: session USE first");
    }

    function test_gas_sessionEnableAndUse() public {
        uint256 g = _measure("tx gas: ENABLE_AND_USE (1 chain, sudo + 1 action x 3 policies)", opsEnableAndUse);
        vm.assertTrue(ss.isPermissionEnabled(enablePid, enableAccount));
        vm.assertEq(usdc.balanceOf(PAYEE), 4e6);
        vm.assertLe(g, 700_000, "gas regression: ENABLE_AND_USE");
    }
}
