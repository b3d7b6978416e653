// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {AccountTestBase} from "./AccountTestBase.sol";
import {SmartAccount} from "../../src/account/SmartAccount.sol";
import {ExecutionHelper} from "../../src/account/base/ExecutionHelper.sol";
import {ExecutionLib} from "../../src/account/lib/ExecutionLib.sol";
import {Execution, ExecutionMode} from "../../src/interfaces/IERC7579Account.sol";

contract DecodeHarness {
    function batch(bytes calldata data) external pure returns (Execution[] memory out) {
        Execution[] calldata e = ExecutionLib.decodeBatch(data);
        out = new Execution[](e.length);
        for (uint256 i; i < e.length; ++i) {
            out[i] = e[i];
        }
    }

    function single(bytes calldata data) external pure returns (address, uint256, bytes memory) {
        return ExecutionLib.decodeSingle(data);
    }
}

/// @notice Fuzzing of execution-mode and executionCalldata decoding: valid encodings round-trip,
/// anything else reverts with `DecodingError()` and never reads out of range.
/// Smart Sessions Renascence v2 ("hand-written calldata decoder missing solc's bounds checks";
/// "malformed batch not rejected") is the finding class these guard against.
contract DecodingFuzzTest is AccountTestBase {
    DecodeHarness internal h;
    SmartAccount internal account;

    function setUp() public override {
        super.setUp();
        h = new DecodeHarness();
        account = _createAccount(owner, 0);
    }

    function _executions(uint256 seed, uint256 n) internal pure returns (Execution[] memory ex) {
        ex = new Execution[](n);
        for (uint256 i; i < n; ++i) {
            uint256 r = uint256(keccak256(abi.encode(seed, i)));
            bytes memory data = new bytes(r % 70);
            for (uint256 j; j < data.length; ++j) data[j] = bytes1(uint8(r >> (j % 32)));
            ex[i] = Execution(address(uint160(r)), r >> 200, data);
        }
    }

    function testFuzz_mode_supportsExecutionMode(bytes32 mode) public view {
        bytes1 ct = mode[0];
        bytes1 et = mode[1];
        bool expected = (ct == 0x00 || ct == 0x01 || ct == 0xff) && (et == 0x00 || et == 0x01);
        vm.assertEq(account.supportsExecutionMode(ExecutionMode.wrap(mode)), expected);
    }

    function testFuzz_mode_executeRejectsUnsupported(bytes32 mode) public {
        bytes1 ct = mode[0];
        bytes1 et = mode[1];
        vm.assume(!((ct == 0x00 || ct == 0x01 || ct == 0xff) && (et == 0x00 || et == 0x01)));
        vm.prank(address(entryPoint));
        if (et != 0x00 && et != 0x01) {
            vm.expectRevert(abi.encodeWithSelector(ExecutionHelper.UnsupportedExecType.selector, et));
        } else {
            vm.expectRevert(abi.encodeWithSelector(ExecutionHelper.UnsupportedCallType.selector, ct));
        }
        account.execute(ExecutionMode.wrap(mode), abi.encodePacked(address(0xdead), uint256(0)));
    }

    /// Unused mode bytes (selector, payload) do not change what a supported mode does.
    function testFuzz_mode_ignoresUnusedBytes(bytes30 rest, bool tryMode) public {
        bytes32 mode = bytes32(abi.encodePacked(bytes1(0x00), tryMode ? bytes1(0x01) : bytes1(0x00), rest));
        vm.prank(address(entryPoint));
        account.execute(ExecutionMode.wrap(mode), abi.encodePacked(address(0xBEEF), uint256(3), ""));
        vm.assertEq(address(0xBEEF).balance, 3);
    }

    function testFuzz_batch_roundTrip(uint256 seed, uint8 n) public view {
        Execution[] memory ex = _executions(seed, bound(n, 0, 5));
        Execution[] memory out = h.batch(abi.encode(ex));
        vm.assertEq(out.length, ex.length);
        for (uint256 i; i < ex.length; ++i) {
            vm.assertEq(out[i].target, ex[i].target);
            vm.assertEq(out[i].value, ex[i].value);
            vm.assertEq(out[i].callData, ex[i].callData);
        }
    }

    /// Any cut into the encoded content is a DecodingError.
    function testFuzz_batch_truncated(uint256 seed, uint8 n, uint256 cut) public view {
        Execution[] memory ex = _executions(seed, bound(n, 1, 4));
        bytes memory enc = abi.encode(ex);
        uint256 lastLen = ex[ex.length - 1].callData.length;
        uint256 used = enc.length - ((32 - (lastLen % 32)) % 32);
        cut = bound(cut, 0, used - 1);
        bytes memory t = new bytes(cut);
        for (uint256 i; i < cut; ++i) t[i] = enc[i];
        try h.batch(t) {
            revert("truncated batch decoded");
        } catch (bytes memory err) {
            vm.assertEq(err, abi.encodeWithSelector(ExecutionLib.DecodingError.selector));
        }
    }

    /// Overwriting any word of a valid encoding either still decodes (with everything in range) or
    /// fails with exactly DecodingError — never a panic or another out-of-range revert.
    function testFuzz_batch_mutatedWord(uint256 seed, uint8 n, uint256 wordIndex, uint256 newWord) public view {
        Execution[] memory ex = _executions(seed, bound(n, 0, 4));
        bytes memory enc = abi.encode(ex);
        wordIndex = bound(wordIndex, 0, enc.length / 32 - 1);
        assembly {
            mstore(add(add(enc, 0x20), shl(5, wordIndex)), newWord)
        }
        _decodesOrDecodingError(enc);
    }

    function testFuzz_batch_randomBytes(bytes calldata data) public view {
        _decodesOrDecodingError(data);
    }

    function _decodesOrDecodingError(bytes memory data) internal view {
        try h.batch(data) returns (Execution[] memory out) {
            // every decoded element must have come from inside `data`
            vm.assertLe(out.length * 32, data.length);
            for (uint256 i; i < out.length; ++i) vm.assertLe(out[i].callData.length + 0x80, data.length);
        } catch (bytes memory err) {
            vm.assertEq(err, abi.encodeWithSelector(ExecutionLib.DecodingError.selector));
        }
    }

    function testFuzz_single(bytes calldata data) public view {
        if (data.length < 52) {
            try h.single(data) {
                revert("short single decoded");
            } catch (bytes memory err) {
                vm.assertEq(err, abi.encodeWithSelector(ExecutionLib.DecodingError.selector));
            }
        } else {
            (address t, uint256 v, bytes memory cd) = h.single(data);
            vm.assertEq(t, address(bytes20(data[0:20])));
            vm.assertEq(v, uint256(bytes32(data[20:52])));
            vm.assertEq(cd, data[52:]);
        }
    }

    /// The account runs a decoded batch exactly as encoded.
    function testFuzz_batch_executes(uint8 n, uint96 v) public {
        n = uint8(bound(n, 0, 4));
        Execution[] memory ex = new Execution[](n);
        for (uint256 i; i < n; ++i) ex[i] = Execution(address(uint160(0x1000 + i)), uint256(v) % 1 ether, "");
        vm.prank(address(entryPoint));
        account.execute(ExecutionMode.wrap(MODE_BATCH), abi.encode(ex));
        for (uint256 i; i < n; ++i) vm.assertEq(address(uint160(0x1000 + i)).balance, uint256(v) % 1 ether);
    }
}
