// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test} from "../lib/Test.sol";
import {EntryPoint} from "account-abstraction/core/EntryPoint.sol";
import {IEntryPoint} from "account-abstraction/interfaces/IEntryPoint.sol";
import {PackedUserOperation} from "account-abstraction/interfaces/PackedUserOperation.sol";
import {K1MeeValidator} from "../../src/validators/K1MeeValidator.sol";
import {MockMeeAccount} from "./mocks/MockMeeAccount.sol";

/// @notice Shared fixtures for the MEE validator and node paymaster tests: a real v0.7
/// EntryPoint, the validator, accounts, merkle trees built like the OpenZeppelin merkle-tree package
/// `SimpleMerkleTree.of(leaves, {sortLeaves: true})`, RLP transactions and signature encoders.
abstract contract MeeTestBase is Test {
    bytes4 internal constant SIMPLE = 0x177eee00;
    bytes4 internal constant ON_CHAIN = 0x177eee01;
    bytes4 internal constant PERMIT = 0x177eee02;

    EntryPoint internal entryPoint;
    K1MeeValidator internal validator;
    MockMeeAccount internal account;
    address internal owner;
    uint256 internal ownerKey;
    address internal other;
    uint256 internal otherKey;
    address payable internal beneficiary = payable(address(0xBEEF));

    function setUp() public virtual {
        entryPoint = new EntryPoint();
        validator = new K1MeeValidator();
        (owner, ownerKey) = makeKey("owner");
        (other, otherKey) = makeKey("other");
        account = newAccount(owner);
    }

    function newAccount(address accountOwner) internal returns (MockMeeAccount a) {
        a = new MockMeeAccount(IEntryPoint(address(entryPoint)), address(validator), abi.encodePacked(accountOwner));
        vm.deal(address(a), 10 ether);
    }

    // ---------------------------------------------------------------- userOps

    function userOp(address sender, uint256 nonce, bytes memory callData)
        internal
        pure
        returns (PackedUserOperation memory op)
    {
        op.sender = sender;
        op.nonce = nonce;
        op.callData = callData;
        op.accountGasLimits = bytes32((uint256(600_000) << 128) | 200_000);
        op.preVerificationGas = 50_000;
        op.gasFees = bytes32((uint256(1 gwei) << 128) | 2 gwei);
    }

    function opHash(PackedUserOperation memory op) internal view returns (bytes32) {
        return entryPoint.getUserOpHash(op);
    }

    function handle(PackedUserOperation memory op) internal {
        PackedUserOperation[] memory ops = new PackedUserOperation[](1);
        ops[0] = op;
        entryPoint.handleOps(ops, beneficiary);
    }

    /// @dev Calls the validator as the EntryPoint-facing account would.
    function validateDirect(PackedUserOperation memory op, bytes32 hash) internal returns (uint256) {
        vm.prank(op.sender);
        return validator.validateUserOp(op, hash);
    }

    function pack(uint48 validUntil, uint48 validAfter) internal pure returns (uint256) {
        return (uint256(validUntil) << 160) | (uint256(validAfter) << 208);
    }

    // ---------------------------------------------------------------- merkle

    function leafOf(bytes32 userOpHash, uint48 lower, uint48 upper) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(userOpHash, uint256(lower), uint256(upper)))));
    }

    function hashPair(bytes32 a, bytes32 b) internal pure returns (bytes32) {
        return a < b ? keccak256(abi.encodePacked(a, b)) : keccak256(abi.encodePacked(b, a));
    }

    /// @dev The array tree of the OpenZeppelin merkle-tree package with sorted leaves; returns the tree and
    /// the tree index of each input leaf.
    function buildTree(bytes32[] memory leaves) internal pure returns (bytes32[] memory tree, uint256[] memory at) {
        uint256 n = leaves.length;
        bytes32[] memory sorted = new bytes32[](n);
        uint256[] memory order = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            sorted[i] = leaves[i];
            order[i] = i;
        }
        for (uint256 i = 1; i < n; ++i) {
            for (uint256 j = i; j > 0 && sorted[j - 1] > sorted[j]; --j) {
                (sorted[j - 1], sorted[j]) = (sorted[j], sorted[j - 1]);
                (order[j - 1], order[j]) = (order[j], order[j - 1]);
            }
        }
        tree = new bytes32[](2 * n - 1);
        at = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            tree[tree.length - 1 - i] = sorted[i];
            at[order[i]] = tree.length - 1 - i;
        }
        for (uint256 i = n - 1; i > 0; --i) {
            tree[i - 1] = hashPair(tree[2 * (i - 1) + 1], tree[2 * (i - 1) + 2]);
        }
    }

    function rootOf(bytes32[] memory leaves) internal pure returns (bytes32) {
        (bytes32[] memory tree,) = buildTree(leaves);
        return tree[0];
    }

    function proofOf(bytes32[] memory leaves, uint256 index) internal pure returns (bytes32[] memory proof) {
        (bytes32[] memory tree, uint256[] memory at) = buildTree(leaves);
        uint256 j = at[index];
        uint256 depth;
        for (uint256 k = j; k > 0; k = (k - 1) / 2) ++depth;
        proof = new bytes32[](depth);
        for (uint256 d; d < depth; ++d) {
            proof[d] = tree[j % 2 == 1 ? j + 1 : j - 1];
            j = (j - 1) / 2;
        }
    }

    // ---------------------------------------------------------------- SIMPLE encodings

    function simpleSig(bytes32 root, uint48 lower, uint48 upper, bytes32[] memory proof, bytes memory sig)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encodePacked(SIMPLE, abi.encode(root, lower, upper, proof, sig));
    }

    function simpleShortSig(bytes32 root, bytes32[] memory proof, bytes memory sig)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encodePacked(SIMPLE, abi.encode(root, proof, sig));
    }

    /// @dev Personal-signs `root` with `key`, as the SDK signs a quote hash.
    function signRoot(uint256 key, bytes32 root) internal pure returns (bytes memory) {
        return signPacked(key, ethSignedHash(root));
    }

    // ---------------------------------------------------------------- RLP

    function rlpUint(uint256 x) internal pure returns (bytes memory) {
        if (x == 0) return hex"80";
        if (x < 0x80) return abi.encodePacked(uint8(x));
        bytes memory be = bigEndian(x);
        return abi.encodePacked(uint8(0x80 + be.length), be);
    }

    function rlpBytes(bytes memory b) internal pure returns (bytes memory) {
        if (b.length == 1 && uint8(b[0]) < 0x80) return b;
        if (b.length <= 55) return abi.encodePacked(uint8(0x80 + b.length), b);
        bytes memory be = bigEndian(b.length);
        return abi.encodePacked(uint8(0xb7 + be.length), be, b);
    }

    function rlpList(bytes memory payload) internal pure returns (bytes memory) {
        if (payload.length <= 55) return abi.encodePacked(uint8(0xc0 + payload.length), payload);
        bytes memory be = bigEndian(payload.length);
        return abi.encodePacked(uint8(0xf7 + be.length), be, payload);
    }

    function bigEndian(uint256 x) internal pure returns (bytes memory out) {
        uint256 n;
        for (uint256 y = x; y != 0; y >>= 8) ++n;
        out = new bytes(n);
        for (uint256 i; i < n; ++i) {
            out[n - 1 - i] = bytes1(uint8(x >> (8 * i)));
        }
    }

    struct TxFields {
        uint256 chainId;
        uint256 nonce;
        uint256 gasPrice; // legacy gas price, or maxFeePerGas
        uint256 gasLimit;
        address to;
        uint256 value;
        bytes data;
    }

    function txFields(bytes32 root, uint256 nonce) internal view returns (TxFields memory t) {
        t.chainId = block.chainid;
        t.nonce = nonce;
        t.gasPrice = 3 gwei;
        t.gasLimit = 100_000;
        t.to = address(0xC0FFEE);
        t.value = 1 ether;
        t.data = abi.encodePacked(bytes4(0xa9059cbb), uint256(uint160(address(0xD00D))), uint256(5), root);
    }

    function legacyBody(TxFields memory t) internal pure returns (bytes memory) {
        bytes memory head = abi.encodePacked(rlpUint(t.nonce), rlpUint(t.gasPrice), rlpUint(t.gasLimit));
        return abi.encodePacked(head, rlpBytes(abi.encodePacked(t.to)), rlpUint(t.value), rlpBytes(t.data));
    }

    /// @dev `0x00 ‖ rlp(signed EIP-155 legacy tx)` signed by `key`.
    function signedLegacyTx(uint256 key, TxFields memory t) internal pure returns (bytes memory) {
        bytes memory body = legacyBody(t);
        bytes32 h = keccak256(rlpList(abi.encodePacked(body, rlpUint(t.chainId), hex"80", hex"80")));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, h);
        uint256 eipV = uint256(v) - 27 + t.chainId * 2 + 35;
        return abi.encodePacked(
            uint8(0), rlpList(abi.encodePacked(body, rlpUint(eipV), rlpUint(uint256(r)), rlpUint(uint256(s))))
        );
    }

    /// @dev `0x00 ‖ rlp(signed pre-EIP-155 legacy tx)` signed by `key`.
    function signedPre155Tx(uint256 key, TxFields memory t) internal pure returns (bytes memory) {
        bytes memory body = legacyBody(t);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, keccak256(rlpList(body)));
        return abi.encodePacked(
            uint8(0), rlpList(abi.encodePacked(body, rlpUint(v), rlpUint(uint256(r)), rlpUint(uint256(s))))
        );
    }

    function eip1559Body(TxFields memory t) internal pure returns (bytes memory) {
        bytes memory head = abi.encodePacked(rlpUint(t.chainId), rlpUint(t.nonce), rlpUint(1 gwei), rlpUint(t.gasPrice));
        bytes memory tail = abi.encodePacked(rlpUint(t.gasLimit), rlpBytes(abi.encodePacked(t.to)), rlpUint(t.value));
        return abi.encodePacked(head, tail, rlpBytes(t.data), hex"c0");
    }

    /// @dev `0x02 ‖ rlp(signed EIP-1559 tx)` signed by `key`.
    function signed1559Tx(uint256 key, TxFields memory t) internal pure returns (bytes memory) {
        bytes memory body = eip1559Body(t);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, keccak256(abi.encodePacked(uint8(2), rlpList(body))));
        return abi.encodePacked(
            uint8(2), rlpList(abi.encodePacked(body, rlpUint(v - 27), rlpUint(uint256(r)), rlpUint(uint256(s))))
        );
    }

    function packedProof(bytes32[] memory proof) internal pure returns (bytes memory out) {
        for (uint256 i; i < proof.length; ++i) {
            out = abi.encodePacked(out, proof[i]);
        }
    }

    function onChainSig(bytes memory signedTx, bytes32[] memory proof, uint48 lower, uint48 upper)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encodePacked(ON_CHAIN, signedTx, packedProof(proof), uint8(proof.length), bytes6(lower), bytes6(upper));
    }

    function onChainShortSig(bytes memory signedTx, bytes32[] memory proof) internal pure returns (bytes memory) {
        return abi.encodePacked(ON_CHAIN, signedTx, packedProof(proof), uint8(proof.length));
    }

    // ---------------------------------------------------------------- leaves for tests

    function ops4(MockMeeAccount a) internal view returns (PackedUserOperation[] memory ops, bytes32[] memory hashes) {
        ops = new PackedUserOperation[](4);
        hashes = new bytes32[](4);
        for (uint256 i; i < 4; ++i) {
            ops[i] = userOp(address(a), i, abi.encodeCall(MockMeeAccount.execute, (address(0xD00D), i, "")));
            hashes[i] = opHash(ops[i]);
        }
    }

    function sequentialOps(MockMeeAccount a, uint256 n)
        internal
        view
        returns (PackedUserOperation[] memory ops, bytes32[] memory hashes)
    {
        ops = new PackedUserOperation[](n);
        hashes = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            ops[i] = userOp(address(a), i, abi.encodeCall(MockMeeAccount.execute, (address(0xD00D), i + 1, "")));
            hashes[i] = opHash(ops[i]);
        }
    }
}
