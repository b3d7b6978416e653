// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import "./SessionTestBase.sol";
import {EnableDecoder} from "../../src/sessions/lib/EnableDecoder.sol";

contract DecoderHarness {
    function decode(bytes calldata payload) external pure returns (EnableSession memory e, bytes memory sig) {
        return EnableDecoder.decode(payload);
    }
}

/// @notice Random enable payloads (compressed or not) never enable anything and never panic.
contract EnableDecoderFuzzTest is SessionTestBase {
    DecoderHarness internal harness;

    function setUp() public override {
        super.setUp();
        harness = new DecoderHarness();
    }

    function _isPanic(bytes memory err) internal pure returns (bool) {
        return err.length >= 4 && bytes4(err) == bytes4(0x4e487b71);
    }

    function testFuzz_decoder_neverPanics(bytes calldata payload, bool compress) public view {
        bytes memory p = compress ? LibZip.flzCompress(payload) : payload;
        try harness.decode(p) returns (EnableSession memory, bytes memory) {}
        catch (bytes memory err) {
            vm.assertFalse(_isPanic(err), "decoder panicked");
        }
    }

    /// Well-formed ABI with corrupted words: corrupt one word of a valid payload.
    function testFuzz_decoder_corruptedValidPayloadNeverPanics(uint256 wordIndex, uint256 value) public view {
        Session memory s = _standardSession(bytes32(uint256(1)));
        ChainDigest[] memory cds = _digests(s, SmartSessionMode.ENABLE, 0);
        bytes memory raw = abi.encode(EnableSession(0, cds, s, hex"1234"), hex"5678");
        uint256 i = bound(wordIndex, 0, raw.length / 32 - 1);
        assembly {
            mstore(add(add(raw, 0x20), shl(5, i)), value)
        }
        try harness.decode(LibZip.flzCompress(raw)) returns (EnableSession memory, bytes memory) {}
        catch (bytes memory err) {
            vm.assertFalse(_isPanic(err), "decoder panicked");
        }
    }

    function testFuzz_randomEnableSignature_neverValidates(bytes calldata payload, bool unsafeMode) public {
        PackedUserOperation memory op = _op(_transferCall(recipient, 1));
        op.signature = abi.encodePacked(uint8(unsafeMode ? 2 : 1), payload);
        vm.prank(address(account));
        try ssImpl.validateUserOp(op, keccak256("h")) returns (uint256 vd) {
            vm.assertTrue(false, "random payload validated");
            vd;
        } catch (bytes memory err) {
            vm.assertFalse(_isPanic(err), "validateUserOp panicked");
        }
        vm.assertEq(ss.getPermissionIDs(address(account)).length, 0);
    }

    function test_validPayloadRoundTrips() public view {
        Session memory s = _standardSession(bytes32(uint256(1)));
        ChainDigest[] memory cds = _digests(s, SmartSessionMode.ENABLE, 0);
        bytes memory raw = abi.encode(EnableSession(0, cds, s, hex"1234"), hex"5678");
        (EnableSession memory e, bytes memory sig) = harness.decode(LibZip.flzCompress(raw));
        vm.assertEq(keccak256(abi.encode(e, sig)), keccak256(raw));
        vm.assertTrue(EnableDecoder.isWellFormed(raw));
    }
}
