// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import "./SessionTestBase.sol";

/// @notice Runtime code copied to the canonical Smart Sessions v1 addresses (as the devnet does with
/// anvil_setCode) still works, and gas of USE / ENABLE through handleOps.
contract SmartSessionCanonicalTest is SessionTestBase {
    address internal constant SS = 0x00000000008bDABA73cD9815d79069c247Eb4bDA;
    address internal constant SUDO = 0x0000000000FEEc8D74e3143fBaBbca515358d869;
    address internal constant TIMEFRAME = 0x0000000000D30f611fA3bf652ac6879428586930;
    address internal constant UNI = 0x0000000000714Cf48FcF88A0bFBa70d313415032;
    address internal constant USAGE = 0x00000000001d4479FA2A947026204d0283ceDe4B;
    address internal constant VALUE = 0x000000000021dC45451291BCDfc9f0B46d6f0278;
    address internal constant SPENDING = 0x000000000033212E272655D8a22402Db819477A6;

    function setUp() public override {
        super.setUp();
        vm.etch(SS, address(ssImpl).code);
        vm.etch(SUDO, address(sudo).code);
        vm.etch(TIMEFRAME, address(timeframe).code);
        vm.etch(UNI, address(uni).code);
        vm.etch(USAGE, address(usage).code);
        vm.etch(VALUE, address(valueLimit).code);
        vm.etch(SPENDING, address(spending).code);
        ssImpl = SmartSession(payable(SS));
        ss = ISmartSession(SS);
        sudo = SudoPolicy(SUDO);
        timeframe = TimeFramePolicy(TIMEFRAME);
        uni = UniActionPolicy(UNI);
        usage = UsageLimitPolicy(USAGE);
        valueLimit = ValueLimitPolicy(VALUE);
        spending = ERC20SpendingLimitPolicy(SPENDING);
        vm.prank(owner);
        account.installModule(1, SS, "");
    }

    function test_canonical_useAndEnable() public {
        bytes32 pid = _enable(_standardSession(bytes32(uint256(1))));
        _handle(_signUse(_op(_transferCall(recipient, 10e6)), pid));
        vm.assertEq(usdc.balanceOf(recipient), 10e6);
        Session memory s = _standardSession(bytes32(uint256(2)));
        // the digest commits to address(this) at runtime = the canonical address
        vm.assertEq(
            ss.getSessionDigest(ss.getPermissionId(s), address(account), s, SmartSessionMode.UNSAFE_ENABLE),
            HashLib.sessionDigest(s, address(account), SS, SmartSessionMode.UNSAFE_ENABLE, 0)
        );
        _handle(_signEnable(_op(_transferCall(recipient, 1e6)), s, SmartSessionMode.UNSAFE_ENABLE));
        vm.assertEq(usdc.balanceOf(recipient), 11e6);
        vm.assertEq(ss.getUserOpPolicies(address(account), pid)[0], SUDO);
    }

    /// Gas of handleOps (forge call gas, warm account; bundle of 1): USE with 1 ECDSA session key,
    /// usage limit + ERC-20 spending limit on the action, sudo userOp policy.
    function test_gas_use() public {
        bytes32 pid = _enable(_standardSession(bytes32(uint256(1))));
        _handle(_signUse(_op(_transferCall(recipient, 1e6)), pid)); // warm the counters
        PackedUserOperation memory op = _signUse(_op(_transferCall(recipient, 1e6)), pid);
        PackedUserOperation[] memory ops = new PackedUserOperation[](1);
        ops[0] = op;
        vm.prank(bundler, bundler);
        ep.handleOps(ops, bundler);
        uint256 used = vm.lastCallGas().gasTotalUsed;
        emit log_named_uint("USE handleOps gas", used);
        vm.assertLt(used, 250_000);
    }

    /// ENABLE (UNSAFE_ENABLE), 1 action with 3 policies, then the same transfer.
    function test_gas_enable() public {
        ActionData[] memory actions = new ActionData[](1);
        address[] memory tokens = new address[](1);
        tokens[0] = address(usdc);
        uint256[] memory limits = new uint256[](1);
        limits[0] = 100e6;
        PolicyData[] memory ps = new PolicyData[](3);
        ps[0] = _policy(address(usage), abi.encodePacked(uint128(3)));
        ps[1] = _policy(address(spending), abi.encode(tokens, limits));
        ps[2] = _policy(address(timeframe), abi.encodePacked(uint48(block.timestamp + 1 days), uint48(0)));
        actions[0] = _action(address(usdc), usdc.transfer.selector, ps);
        Session memory s = _session(_one(_policy(address(sudo), "")), actions, bytes32(uint256(3)));
        PackedUserOperation memory op = _signEnable(_op(_transferCall(recipient, 1e6)), s, SmartSessionMode.UNSAFE_ENABLE);
        PackedUserOperation[] memory ops = new PackedUserOperation[](1);
        ops[0] = op;
        vm.prank(bundler, bundler);
        ep.handleOps(ops, bundler);
        uint256 used = vm.lastCallGas().gasTotalUsed;
        emit log_named_uint("ENABLE handleOps gas", used);
        emit log_named_uint("ENABLE signature bytes", op.signature.length);
        vm.assertEq(usdc.balanceOf(recipient), 1e6);
        vm.assertLt(used, 750_000); // tripwire
    }

    event log_named_uint(string key, uint256 val);
}
