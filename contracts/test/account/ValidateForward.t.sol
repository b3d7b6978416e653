// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {AccountTestBase} from "./AccountTestBase.sol";
import {PackedUserOperation} from "account-abstraction/interfaces/PackedUserOperation.sol";
import {SmartAccount} from "../../src/account/SmartAccount.sol";
import {IValidator, MODULE_TYPE_VALIDATOR} from "../../src/interfaces/IERC7579Module.sol";

/// @notice Records what the account hands it and answers with a configurable result.
contract RecordingValidator is IValidator {
    bytes32 public lastOpDigest;
    bytes32 public lastHash;
    address public lastSender;
    uint256 public answer;
    uint8 public mode; // 0 answer, 1 revert with data, 2 return nothing

    error Nope(uint256 code);

    function set(uint256 answer_, uint8 mode_) external {
        answer = answer_;
        mode = mode_;
    }

    function onInstall(bytes calldata) external payable {}
    function onUninstall(bytes calldata) external payable {}

    function isModuleType(uint256 t) external pure returns (bool) {
        return t == MODULE_TYPE_VALIDATOR;
    }

    function isInitialized(address) external pure returns (bool) {
        return true;
    }

    function validateUserOp(PackedUserOperation calldata op, bytes32 h) external returns (uint256) {
        lastOpDigest = keccak256(abi.encode(op));
        lastHash = h;
        lastSender = msg.sender;
        if (mode == 1) revert Nope(answer);
        if (mode == 2) {
            assembly {
                return(0, 0)
            }
        }
        return answer;
    }

    function isValidSignatureWithSender(address, bytes32, bytes calldata) external pure returns (bytes4) {
        return 0xffffffff;
    }
}

/// @notice On the common path validateUserOp copies the op's ABI encoding to the validator without
/// decoding it: the validator must see exactly the op, hash and result a decoded call would give.
contract ValidateForwardTest is AccountTestBase {
    SmartAccount internal account;
    RecordingValidator internal rec;

    function setUp() public override {
        super.setUp();
        account = _createAccount(owner, 0);
        rec = new RecordingValidator();
        _ownerExec(account, _execSingle(address(account), 0, abi.encodeCall(SmartAccount.installModule, (1, address(rec), ""))));
    }

    function _op(bytes memory a, bytes memory b, bytes memory c, bytes memory d, uint256 seed, uint8 mode)
        internal
        view
        returns (PackedUserOperation memory op)
    {
        op.sender = address(account);
        op.nonce = (uint256(_nonceKey(address(rec), bytes1(mode))) << 64) | uint64(seed);
        op.initCode = a;
        op.callData = b;
        op.accountGasLimits = keccak256(abi.encode(seed, 1));
        op.preVerificationGas = uint256(keccak256(abi.encode(seed, 2)));
        op.gasFees = keccak256(abi.encode(seed, 3));
        op.paymasterAndData = c;
        op.signature = d;
    }

    function testFuzz_forwardsOpAndHashUnchanged(
        bytes calldata a,
        bytes calldata b,
        bytes calldata c,
        bytes calldata d,
        uint256 seed,
        bytes32 h,
        uint256 answer,
        uint8 mode
    ) public {
        // every mode byte except MODULE_ENABLE (0x01) and PREP (0x02) validates plainly
        vm.assume(mode != 1 && mode != 2);
        PackedUserOperation memory op = _op(a, b, c, d, seed, mode);
        rec.set(answer, 0);
        vm.prank(address(entryPoint));
        uint256 got = account.validateUserOp(op, h, 0);
        vm.assertEq(got, answer);
        vm.assertEq(rec.lastOpDigest(), keccak256(abi.encode(op)));
        vm.assertEq(rec.lastHash(), h);
        vm.assertEq(rec.lastSender(), address(account));
    }

    function test_forward_validatorRevertBubbles() public {
        PackedUserOperation memory op = _op("", "", "", hex"01", 1, 0);
        rec.set(77, 1);
        vm.prank(address(entryPoint));
        vm.expectRevert(abi.encodeWithSelector(RecordingValidator.Nope.selector, 77));
        account.validateUserOp(op, bytes32(uint256(1)), 0);
    }

    function test_forward_emptyReturnReverts() public {
        PackedUserOperation memory op = _op("", "", "", hex"01", 1, 0);
        rec.set(0, 2);
        vm.prank(address(entryPoint));
        vm.expectRevert();
        account.validateUserOp(op, bytes32(uint256(1)), 0);
    }

    /// Through the real EntryPoint, with the prefund paid: the op the validator saw is the submitted one.
    function test_forward_throughEntryPoint() public {
        PackedUserOperation memory op = _userOp(address(account), entryPoint.getNonce(address(account), _nonceKey(address(rec), 0x00)), "");
        op.signature = hex"c0ffee";
        rec.set(0, 0);
        _handle(op);
        vm.assertEq(rec.lastOpDigest(), keccak256(abi.encode(op)));
        vm.assertEq(rec.lastHash(), entryPoint.getUserOpHash(op));
    }
}
