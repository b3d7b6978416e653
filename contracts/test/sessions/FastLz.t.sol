// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test} from "../lib/Test.sol";
import {LibZip} from "solady/utils/LibZip.sol";
import {EnableDecoder} from "../../src/sessions/lib/EnableDecoder.sol";

contract FastLzHarness {
    function ours(bytes calldata c) external pure returns (bytes memory) {
        return EnableDecoder.flzDecompress(c);
    }

    function reference_(bytes calldata c) external pure returns (bytes memory) {
        return LibZip.flzDecompress(c);
    }

    function gasOurs(bytes calldata c) external view returns (uint256 g) {
        g = gasleft();
        EnableDecoder.flzDecompress(c);
        g -= gasleft();
    }

    function gasReference(bytes calldata c) external view returns (uint256 g) {
        g = gasleft();
        LibZip.flzDecompress(c);
        g -= gasleft();
    }
}

/// @notice The ENABLE payload decompressor against solady's reference: same bytes out for every
/// stream `flzCompress` produces, including long runs and short-period repeats, and cheaper.
contract FastLzTest is Test {
    FastLzHarness internal h;

    function setUp() public {
        h = new FastLzHarness();
    }

    function _check(bytes memory raw) internal view {
        bytes memory c = LibZip.flzCompress(raw);
        bytes memory a = h.ours(c);
        vm.assertEq(a, raw, "round trip");
        vm.assertEq(a, h.reference_(c), "same as LibZip");
    }

    function testFuzz_roundTrip_random(bytes calldata raw) public view {
        _check(raw);
    }

    /// Random bytes with runs of a repeated short pattern (period 1..40) spliced in.
    function testFuzz_roundTrip_periodicRuns(bytes calldata seed, uint8 period, uint16 runLen, uint8 pos) public view {
        uint256 p = bound(period, 1, 40);
        uint256 n = bound(runLen, 0, 1200);
        bytes memory run = new bytes(n);
        for (uint256 i; i < n; ++i) {
            run[i] = bytes1(uint8(uint256(keccak256(abi.encode(i % p, seed)))));
        }
        uint256 at = seed.length == 0 ? 0 : uint256(pos) % (seed.length + 1);
        _check(bytes.concat(seed[:at], run, seed[at:]));
    }

    function test_roundTrip_zerosAndWords() public view {
        _check("");
        _check(new bytes(1));
        _check(new bytes(31));
        _check(new bytes(32));
        _check(new bytes(33));
        _check(new bytes(3136));
        bytes memory words = new bytes(4096);
        for (uint256 i = 31; i < 4096; i += 96) {
            words[i] = 0x01;
        }
        _check(words);
    }

    /// An ABI payload of mostly zero words, like an ENABLE payload: at least 3x cheaper.
    function test_cheaperOnZeroRuns() public view {
        bytes memory raw = new bytes(5000);
        for (uint256 i = 0; i < 5000; i += 320) {
            raw[i] = bytes1(uint8(i / 320 + 1));
        }
        bytes memory c = LibZip.flzCompress(raw);
        uint256 ours = h.gasOurs(c);
        uint256 ref = h.gasReference(c);
        vm.assertTrue(ours * 3 < ref, "zero runs not cheaper");
    }
}
