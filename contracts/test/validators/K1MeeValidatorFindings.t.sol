// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {PackedUserOperation} from "account-abstraction/interfaces/PackedUserOperation.sol";
import {IEntryPoint} from "account-abstraction/interfaces/IEntryPoint.sol";
import {MeeTestBase} from "./MeeTestBase.sol";
import {MockMeeAccount} from "./mocks/MockMeeAccount.sol";
import {MockPermitToken} from "./mocks/MockPermitToken.sol";
import {K1MeeValidator} from "../../src/validators/K1MeeValidator.sol";
import {K1MeeValidator7702} from "../../src/validators/K1MeeValidator7702.sol";
import {NodePaymaster} from "../../src/paymaster/NodePaymaster.sol";

/// @notice One regression test per audit finding on the MEE validator and the node paymaster
/// (perf-and-security-anchors §4a: Nexus Zenith, MEE contracts Zenith Feb 2025, Node PM
/// sponsorship Zenith Apr 2025).
contract K1MeeValidatorFindingsTest is MeeTestBase {
    // Nexus Zenith: tryRecover returns address(0) on a malformed signature, equal to an unset owner.
    function test_Finding_NexusZenith_ZeroAddressRecovery_Stateless() public view {
        bytes32 h = keccak256("op");
        bytes memory garbage = abi.encodePacked(bytes32(0), bytes32(0), uint8(27));
        vm.assertFalse(validator.validateSignatureWithData(h, garbage, abi.encodePacked(address(0))));
        vm.assertFalse(validator.validateSignatureWithData(h, hex"", abi.encodePacked(address(0))));
        bytes32 root = keccak256("root");
        vm.assertFalse(
            validator.validateSignatureWithData(root, simpleShortSig(root, new bytes32[](0), garbage), abi.encodePacked(address(0)))
        );
    }

    function test_Finding_NexusZenith_ZeroAddressRecovery_UninitialisedAccount() public {
        // An account without an owner is validated against its own address, never address(0).
        address bare = address(0xBA2E);
        PackedUserOperation memory op = userOp(bare, 0, "");
        op.signature = abi.encodePacked(bytes32(0), bytes32(0), uint8(27));
        vm.prank(bare);
        vm.assertEq(validator.validateUserOp(op, keccak256("h")), 1);
        vm.assertEq(validator.getOwner(bare), bare);
    }

    // MEE contracts Zenith: signature prefix collisions between modes and with plain ECDSA.
    function test_Finding_MeeZenith_SignaturePrefixCollision_ModesDoNotCrossValidate() public {
        PackedUserOperation memory op = userOp(address(account), 0, "");
        bytes32 h = opHash(op);
        bytes32 root = leafOf(h, 1, 2);
        bytes memory body = abi.encode(root, uint48(1), uint48(2), new bytes32[](0), signRoot(ownerKey, root));
        op.signature = abi.encodePacked(SIMPLE, body);
        vm.assertEq(validateDirect(op, h), pack(2, 1));
        // The same payload under another mode, an unknown subtype, or without prefix fails.
        op.signature = abi.encodePacked(ON_CHAIN, body);
        vm.assertEq(validateDirect(op, h), 1);
        op.signature = abi.encodePacked(PERMIT, body);
        vm.assertEq(validateDirect(op, h), 1);
        op.signature = abi.encodePacked(bytes4(0x177eee03), body);
        vm.assertEq(validateDirect(op, h), 1);
        op.signature = body;
        vm.assertEq(validateDirect(op, h), 1);
    }

    function test_Finding_MeeZenith_SignaturePrefixCollision_1271NotReplayableAsUserOp() public {
        // A MEE 1271 signature commits to keccak256(hash ‖ account); it does not validate a userOp
        // whose hash equals the 1271 hash, nor the other way round.
        PackedUserOperation memory op = userOp(address(account), 0, "");
        bytes32 h = opHash(op);
        bytes memory shortSig = simpleShortSig(h, new bytes32[](0), signRoot(ownerKey, h));
        vm.prank(address(account));
        vm.assertEq(validator.isValidSignatureWithSender(address(this), h, shortSig), bytes4(0xffffffff));
    }

    // Short signatures (1.0.3 fix): fewer than 4 bytes is plain ECDSA, and fails cleanly.
    function test_Finding_MeeZenith_ShortSignatures() public {
        PackedUserOperation memory op = userOp(address(account), 0, "");
        bytes32 h = opHash(op);
        bytes[5] memory shorts = [bytes(""), hex"17", hex"177e", hex"177eee", hex"177eee00"];
        for (uint256 i; i < shorts.length; ++i) {
            op.signature = shorts[i];
            vm.assertEq(validateDirect(op, h), 1);
            vm.assertFalse(validator.validateSignatureWithData(h, shorts[i], abi.encodePacked(owner)));
            vm.prank(address(account));
            vm.assertEq(validator.isValidSignatureWithSender(address(account), h, shorts[i]), bytes4(0xffffffff));
        }
    }

    // MEE contracts Zenith: hard-coded RLP r/s size — r or s with leading zero bytes.
    function test_Finding_MeeZenith_RlpShortRS() public {
        PackedUserOperation memory op = userOp(address(account), 0, "");
        bytes32 h = opHash(op);
        bytes32 root = leafOf(h, 3, 4);
        // Search nonces until the signature has r or s below 2^248 (encoded in < 32 bytes).
        for (uint256 nonce; nonce < 2000; ++nonce) {
            TxFields memory t = txFields(root, nonce);
            bytes32 unsignedHash = keccak256(abi.encodePacked(uint8(2), rlpList(eip1559Body(t))));
            (, bytes32 r, bytes32 s) = vm.sign(ownerKey, unsignedHash);
            if (uint256(r) >> 248 == 0 || uint256(s) >> 248 == 0) {
                op.signature = onChainSig(signed1559Tx(ownerKey, t), new bytes32[](0), 3, 4);
                vm.assertEq(validateDirect(op, h), pack(4, 3));
                // The same transaction signed by another key (full-width r/s) is refused.
                op.signature = onChainSig(signed1559Tx(otherKey, t), new bytes32[](0), 3, 4);
                vm.assertEq(validateDirect(op, h), 1);
                return;
            }
        }
        revert("no short r/s found");
    }

    // MEE contracts Zenith: permit front-running — a permit submitted by someone else first.
    function test_Finding_MeeZenith_PermitFrontRun_StillValidates() public {
        MockPermitToken token = new MockPermitToken();
        token.mint(owner, 100e18);
        PackedUserOperation memory op = userOp(address(account), 0, "");
        bytes32 h = opHash(op);
        bytes32 root = leafOf(h, 0, 0);
        bytes32 digest = keccak256(
            abi.encodePacked(
                hex"1901",
                token.DOMAIN_SEPARATOR(),
                keccak256(
                    abi.encode(
                        0x6e71edae12b1b97f4d1f60370fef10105fa2faae0126114a169c64845d6126c9,
                        owner,
                        address(account),
                        uint256(10e18),
                        uint256(0),
                        uint256(root)
                    )
                )
            )
        );
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(ownerKey, digest);
        // Front-runner uses the permit.
        token.permit(owner, address(account), 10e18, uint256(root), v, r, s);
        op.signature = abi.encodePacked(
            PERMIT,
            abi.encode(
                PermitFull(
                    address(token), address(account), token.DOMAIN_SEPARATOR(), 10e18, 0, true, root, 0, 0, v, r, s,
                    new bytes32[](0)
                )
            )
        );
        vm.assertEq(validateDirect(op, h), 0);
    }

    struct PermitFull {
        address token;
        address spender;
        bytes32 domainSeparator;
        uint256 amount;
        uint256 nonce;
        bool isPermitTx;
        bytes32 superTxHash;
        uint48 lower;
        uint48 upper;
        uint8 v;
        bytes32 r;
        bytes32 s;
        bytes32[] proof;
    }

    // Malleability: high-s variants of valid signatures are refused on every path.
    function test_Finding_MalleableHighS_Rejected() public {
        PackedUserOperation memory op = userOp(address(account), 0, "");
        bytes32 h = opHash(op);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(ownerKey, h);
        bytes memory high = abi.encodePacked(r, bytes32(SECP256K1_N - uint256(s)), v == 27 ? uint8(28) : uint8(27));
        op.signature = high;
        vm.assertEq(validateDirect(op, h), 1);
        vm.assertFalse(validator.validateSignatureWithData(h, high, abi.encodePacked(owner)));
        bytes32 root = leafOf(h, 0, 0);
        (v, r, s) = vm.sign(ownerKey, ethSignedHash(root));
        op.signature = simpleSig(
            root, 0, 0, new bytes32[](0), abi.encodePacked(r, bytes32(SECP256K1_N - uint256(s)), v == 27 ? uint8(28) : uint8(27))
        );
        vm.assertEq(validateDirect(op, h), 1);
    }

    // Node PM Zenith: _isContract breaks with EIP-7702 (variant accepts delegated owners).
    function test_Finding_NodePmZenith_Eip7702OwnerVariant() public {
        K1MeeValidator7702 v = new K1MeeValidator7702();
        vm.etch(owner, abi.encodePacked(hex"ef0100", address(0x7702)));
        vm.prank(address(0xACC));
        v.onInstall(abi.encodePacked(owner));
        vm.assertEq(v.getOwner(address(0xACC)), owner);
        vm.prank(address(0xACC));
        vm.expectRevert(K1MeeValidator.NewOwnerIsContract.selector);
        validator.onInstall(abi.encodePacked(owner));
    }

    // MEE Zenith refund underflow / Node PM fixed-premium underflow: refunds never underflow.
    function test_Finding_MeeZenith_RefundUnderflow() public {
        NodePaymaster pm = new NodePaymaster(IEntryPoint(address(entryPoint)), address(this));
        bytes4 fixedMode = 0x9ee4ce01;
        bytes4 percentMode = 0x9ee4ce00;
        vm.assertEq(pm.refundFor(fixedMode, 0, 100, 50, 60, 1), 0); // 60 + 50 > 100
        vm.assertEq(pm.refundFor(fixedMode, 0, 100, 0, 1000, 1), 0); // actual > max
        vm.assertEq(pm.refundFor(percentMode, 5_00000, 100, 50, 60, 1), 0);
        vm.assertEq(pm.refundFor(fixedMode, 0, 100, type(uint128).max, 1, type(uint128).max), 0); // product overflow
    }

    // Node PM Zenith: postOp runs before the EntryPoint credits the unused prefund back. The
    // refund is paid from the existing deposit; when the deposit cannot cover it, postOp still
    // succeeds (no revert griefing the paymaster) and the op is executed.
    function test_Finding_NodePmZenith_PostOpBeforeRefundArrives() public {
        (address node,) = makeKey("node");
        NodePaymaster pm = new NodePaymaster(IEntryPoint(address(entryPoint)), node);
        PackedUserOperation memory op =
            userOp(address(account), 0, abi.encodeCall(MockMeeAccount.execute, (address(0xD00D), 0, "")));
        op.paymasterAndData = abi.encodePacked(address(pm), uint128(60_000), uint128(50_000), bytes4(0x170de000), bytes4(0x9ee4ce01));
        op.signature = signPacked(ownerKey, opHash(op));
        uint256 maxCost = (600_000 + 200_000 + 50_000 + 60_000 + 50_000) * 2 gwei;
        // Exactly the prefund: nothing left for a refund while postOp runs.
        pm.deposit{value: maxCost}();
        uint256 before = address(account).balance;
        vm.prank(node, node);
        handle(op);
        vm.assertEq(entryPoint.getNonce(address(account), 0), 1);
        vm.assertEq(address(account).balance, before);
        // With a buffer the refund is paid (and the real postOp fits in 50k gas).
        vm.deal(address(this), 1 ether);
        pm.deposit{value: 1 ether}();
        op = userOp(address(account), 1, abi.encodeCall(MockMeeAccount.execute, (address(0xD00D), 0, "")));
        op.paymasterAndData = abi.encodePacked(address(pm), uint128(60_000), uint128(50_000), bytes4(0x170de000), bytes4(0x9ee4ce01));
        op.signature = signPacked(ownerKey, opHash(op));
        vm.prank(node, node);
        handle(op);
        vm.assertGt(address(account).balance, before);
    }

    // Node PM by design: restricted to tx.origin == node (not public-mempool compatible).
    function test_Finding_MeeZenith_PaymasterTxOriginRestriction() public {
        (address node,) = makeKey("node");
        NodePaymaster pm = new NodePaymaster(IEntryPoint(address(entryPoint)), node);
        vm.deal(address(this), 1 ether);
        pm.deposit{value: 1 ether}();
        PackedUserOperation memory op = userOp(address(account), 0, "");
        op.paymasterAndData = abi.encodePacked(address(pm), uint128(60_000), uint128(50_000), bytes4(0x170de002));
        op.signature = signPacked(ownerKey, opHash(op));
        vm.prank(address(0xB0), address(0xB0));
        vm.expectRevert(abi.encodeWithSelector(IEntryPoint.FailedOp.selector, 0, "AA34 signature error"));
        handle(op);
    }
}
