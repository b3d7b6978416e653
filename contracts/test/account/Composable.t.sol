// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {AccountTestBase} from "./AccountTestBase.sol";
import {PackedUserOperation} from "account-abstraction/interfaces/PackedUserOperation.sol";
import {SmartAccount} from "../../src/account/SmartAccount.sol";
import {
    ComposableExecution,
    ComposableExecutionLib,
    InputParam,
    OutputParam,
    Constraint
} from "../../src/account/lib/ComposableExecutionLib.sol";
import {TestUSDC} from "../../src/tokens/TestUSDC.sol";
import {MockTarget, MockComposableStorage} from "./mocks/MockModules.sol";

/// @notice Native composable execution v1.0.0 (`executeComposable`, 0xea5a6d91).
contract ComposableTest is AccountTestBase {
    SmartAccount internal account;
    MockTarget internal target;
    MockTarget internal source;
    MockComposableStorage internal store;
    TestUSDC internal usdc;

    function setUp() public override {
        super.setUp();
        account = _createAccount(owner, 0);
        target = new MockTarget();
        source = new MockTarget();
        store = new MockComposableStorage();
        usdc = new TestUSDC();
        source.set(1234);
    }

    // ---- builders (what the TypeScript SDK produces) ----

    function _noC() internal pure returns (Constraint[] memory) {
        return new Constraint[](0);
    }

    function _c(uint8 t, bytes memory ref) internal pure returns (Constraint[] memory cs) {
        cs = new Constraint[](1);
        cs[0] = Constraint(t, ref);
    }

    function _raw(bytes memory data) internal pure returns (InputParam memory) {
        return InputParam(0, data, _noC());
    }

    function _static(address to, bytes memory data, Constraint[] memory cs) internal pure returns (InputParam memory) {
        return InputParam(1, abi.encode(to, data), cs);
    }

    function _balance(address token, address who, Constraint[] memory cs) internal pure returns (InputParam memory) {
        return InputParam(2, abi.encodePacked(token, who), cs);
    }

    function _one(InputParam memory p) internal pure returns (InputParam[] memory ps) {
        ps = new InputParam[](1);
        ps[0] = p;
    }

    function _step(address to, uint256 value, bytes4 sig, InputParam[] memory ins, OutputParam[] memory outs)
        internal
        pure
        returns (ComposableExecution[] memory steps)
    {
        steps = new ComposableExecution[](1);
        steps[0] = ComposableExecution(to, value, sig, ins, outs);
    }

    function _run(ComposableExecution[] memory steps) internal {
        vm.prank(address(entryPoint));
        account.executeComposable(steps);
    }

    function _expectFail(ComposableExecution[] memory steps, bytes memory err) internal {
        vm.prank(address(entryPoint));
        vm.expectRevert(err);
        account.executeComposable(steps);
    }

    // ---- tests ----

    function test_throughEntryPoint_rawBytes() public {
        ComposableExecution[] memory steps =
            _step(address(target), 0.5 ether, MockTarget.set.selector, _one(_raw(abi.encode(uint256(99)))), new OutputParam[](0));
        _ownerExec(account, abi.encodeCall(SmartAccount.executeComposable, (steps)));
        vm.assertEq(target.value(), 99);
        vm.assertEq(target.received(), 0.5 ether);
        vm.assertEq(target.lastCaller(), address(account));
    }

    function test_accessControl() public {
        ComposableExecution[] memory steps =
            _step(address(target), 0, MockTarget.set.selector, _one(_raw(abi.encode(uint256(1)))), new OutputParam[](0));
        vm.expectRevert(SmartAccount.AccountAccessUnauthorized.selector);
        account.executeComposable(steps);
    }

    function test_staticCallFetcher() public {
        _run(_step(address(target), 0, MockTarget.set.selector, _one(_static(address(source), abi.encodeWithSignature("value()"), _noC())), new OutputParam[](0)));
        vm.assertEq(target.value(), 1234);
        // a failing static call reverts the step
        _expectFail(
            _step(address(target), 0, MockTarget.set.selector, _one(_static(address(source), abi.encodeCall(MockTarget.fail, ()), _noC())), new OutputParam[](0)),
            abi.encodeWithSelector(ComposableExecutionLib.ComposableExecutionFailed.selector)
        );
    }

    function test_balanceFetcher_nativeAndErc20() public {
        _run(_step(address(target), 0, MockTarget.set.selector, _one(_balance(address(0), address(account), _noC())), new OutputParam[](0)));
        vm.assertEq(target.value(), address(account).balance);
        usdc.mint(address(account), 777e6);
        _run(_step(address(target), 0, MockTarget.set.selector, _one(_balance(address(usdc), address(account), _noC())), new OutputParam[](0)));
        vm.assertEq(target.value(), 777e6);
        // paramData must be exactly token ‖ account
        InputParam memory bad = InputParam(2, abi.encode(address(usdc), address(account)), _noC());
        _expectFail(
            _step(address(target), 0, MockTarget.set.selector, _one(bad), new OutputParam[](0)),
            abi.encodeWithSelector(ComposableExecutionLib.InvalidParameterEncoding.selector)
        );
    }

    function test_constraints_passAndFail() public {
        bytes memory call_ = abi.encodeWithSignature("value()");
        uint8[4] memory types_ = [0, 1, 2, 3];
        bytes[4] memory pass = [
            abi.encode(bytes32(uint256(1234))),
            abi.encode(bytes32(uint256(1000))),
            abi.encode(bytes32(uint256(2000))),
            abi.encode(bytes32(uint256(1234)), bytes32(uint256(1300)))
        ];
        bytes[4] memory fail = [
            abi.encode(bytes32(uint256(1233))),
            abi.encode(bytes32(uint256(1235))),
            abi.encode(bytes32(uint256(1233))),
            abi.encode(bytes32(uint256(1235)), bytes32(uint256(1300)))
        ];
        for (uint256 i; i < 4; ++i) {
            _run(_step(address(target), 0, MockTarget.set.selector, _one(_static(address(source), call_, _c(types_[i], pass[i]))), new OutputParam[](0)));
            vm.assertEq(target.value(), 1234);
            _expectFail(
                _step(address(target), 0, MockTarget.set.selector, _one(_static(address(source), call_, _c(types_[i], fail[i]))), new OutputParam[](0)),
                abi.encodeWithSelector(ComposableExecutionLib.ConstraintNotMet.selector, types_[i])
            );
        }
        _expectFail(
            _step(address(target), 0, MockTarget.set.selector, _one(_static(address(source), call_, _c(7, pass[0]))), new OutputParam[](0)),
            abi.encodeWithSelector(ComposableExecutionLib.InvalidConstraintType.selector, uint8(7))
        );
        // constraint i checks word i: a 32-byte value has no word 1
        Constraint[] memory two = new Constraint[](2);
        two[0] = Constraint(1, abi.encode(bytes32(0)));
        two[1] = Constraint(1, abi.encode(bytes32(0)));
        _expectFail(
            _step(address(target), 0, MockTarget.set.selector, _one(_static(address(source), call_, two)), new OutputParam[](0)),
            abi.encodeWithSelector(ComposableExecutionLib.ConstraintValueOutOfRange.selector, 1)
        );
        // RAW_BYTES values are constrained too
        InputParam memory raw = InputParam(0, abi.encode(uint256(5)), _c(1, abi.encode(bytes32(uint256(6)))));
        _expectFail(
            _step(address(target), 0, MockTarget.set.selector, _one(raw), new OutputParam[](0)),
            abi.encodeWithSelector(ComposableExecutionLib.ConstraintNotMet.selector, uint8(1))
        );
    }

    /// The SDK appends condition params (STATIC_CALL + constraint) after the function's own arguments.
    function test_conditionAppendedAfterArguments() public {
        InputParam[] memory ins = new InputParam[](2);
        ins[0] = _raw(abi.encode(uint256(42)));
        ins[1] = _balance(address(0), address(account), _c(1, abi.encode(bytes32(uint256(1 ether)))));
        _run(_step(address(target), 0, MockTarget.set.selector, ins, new OutputParam[](0)));
        vm.assertEq(target.value(), 42);
        ins[1] = _balance(address(0), address(account), _c(1, abi.encode(bytes32(uint256(1000 ether)))));
        _expectFail(_step(address(target), 0, MockTarget.set.selector, ins, new OutputParam[](0)), abi.encodeWithSelector(ComposableExecutionLib.ConstraintNotMet.selector, uint8(1)));
    }

    function test_predicateStepWithoutTarget() public {
        // to == 0: inputs are checked, nothing is called
        _run(_step(address(0), 0, bytes4(0), _one(_balance(address(0), address(account), _c(1, abi.encode(bytes32(uint256(1)))))), new OutputParam[](0)));
        _expectFail(
            _step(address(0), 0, bytes4(0), _one(_balance(address(0), address(account), _c(2, abi.encode(bytes32(uint256(1)))))), new OutputParam[](0)),
            abi.encodeWithSelector(ComposableExecutionLib.ConstraintNotMet.selector, uint8(2))
        );
    }

    function test_unknownFetcherTypes() public {
        InputParam memory p = InputParam(3, "", _noC());
        _expectFail(_step(address(target), 0, MockTarget.set.selector, _one(p), new OutputParam[](0)), abi.encodeWithSelector(ComposableExecutionLib.InvalidParameterEncoding.selector));
        OutputParam[] memory outs = new OutputParam[](1);
        outs[0] = OutputParam(2, "");
        _expectFail(
            _step(address(target), 0, MockTarget.set.selector, _one(_raw(abi.encode(uint256(1)))), outs),
            abi.encodeWithSelector(ComposableExecutionLib.InvalidOutputParamFetcherType.selector)
        );
    }

    function test_outputs_execResultAndStaticCall_feedNextStep() public {
        bytes32 slotA = keccak256("A");
        bytes32 slotB = keccak256("B");
        ComposableExecution[] memory steps = new ComposableExecution[](2);
        OutputParam[] memory outs = new OutputParam[](2);
        // set(21) returns 42 -> slot A
        outs[0] = OutputParam(0, abi.encode(uint256(1), address(store), slotA));
        // source.pair() returns (7, 11) -> slot B words 0 and 1
        outs[1] = OutputParam(1, abi.encode(uint256(2), address(source), abi.encodeCall(MockTarget.pair, ()), address(store), slotB));
        steps[0] = ComposableExecution(address(target), 0, MockTarget.set.selector, _one(_raw(abi.encode(uint256(21)))), outs);
        // step 2 reads slot A back through a STATIC_CALL on the store
        bytes memory readA = abi.encodeWithSignature("values(address,address,bytes32)", address(account), address(account), keccak256(abi.encodePacked(slotA, uint256(0))));
        steps[1] = ComposableExecution(address(source), 0, MockTarget.set.selector, _one(_static(address(store), readA, _noC())), new OutputParam[](0));
        // the store is keyed by writer: here the writer is the account itself
        _run(steps);
        vm.assertEq(store.values(address(account), address(account), keccak256(abi.encodePacked(slotA, uint256(0)))), bytes32(uint256(42)));
        vm.assertEq(store.values(address(account), address(account), keccak256(abi.encodePacked(slotB, uint256(0)))), bytes32(uint256(7)));
        vm.assertEq(store.values(address(account), address(account), keccak256(abi.encodePacked(slotB, uint256(1)))), bytes32(uint256(11)));
        vm.assertEq(source.value(), 42);

        // asking for more words than returned
        outs = new OutputParam[](1);
        outs[0] = OutputParam(0, abi.encode(uint256(2), address(store), slotA));
        _expectFail(
            _step(address(target), 0, MockTarget.set.selector, _one(_raw(abi.encode(uint256(1)))), outs),
            abi.encodeWithSelector(ComposableExecutionLib.ReturnDataTooShort.selector)
        );
    }

    function test_failingCallBubbles() public {
        _expectFail(_step(address(target), 0, MockTarget.fail.selector, new InputParam[](0), new OutputParam[](0)), abi.encodeWithSignature("Error(string)", "target failed"));
    }
}
