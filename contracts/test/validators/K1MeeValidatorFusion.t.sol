// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {PackedUserOperation} from "account-abstraction/interfaces/PackedUserOperation.sol";
import {MeeTestBase} from "./MeeTestBase.sol";
import {MockMeeAccount} from "./mocks/MockMeeAccount.sol";
import {MockPermitToken, BrokenPermitToken} from "./mocks/MockPermitToken.sol";
import {PermitModeLib} from "../../src/validators/lib/PermitModeLib.sol";

/// @notice The Fusion modes: ON_CHAIN (signed transaction) and ERC20_PERMIT.
contract K1MeeValidatorFusionTest is MeeTestBase {
    bytes32 internal constant PERMIT_TYPEHASH = 0x6e71edae12b1b97f4d1f60370fef10105fa2faae0126114a169c64845d6126c9;

    struct FullPermit {
        address token;
        address spender;
        bytes32 domainSeparator;
        uint256 amount;
        uint256 nonce;
        bool isPermitTx;
        bytes32 superTxHash;
        uint48 lowerBoundTimestamp;
        uint48 upperBoundTimestamp;
        uint8 v;
        bytes32 r;
        bytes32 s;
        bytes32[] proof;
    }

    struct ShortPermit {
        address spender;
        bytes32 domainSeparator;
        uint256 amount;
        uint256 nonce;
        bytes32 superTxHash;
        uint8 v;
        bytes32 r;
        bytes32 s;
        bytes32[] proof;
    }

    MockPermitToken internal token;

    function setUp() public override {
        super.setUp();
        token = new MockPermitToken();
        token.mint(owner, 1000e18);
    }

    /// Two-leaf supertransaction over ops 0 and 1 of `account`.
    function _tree(uint48 lower, uint48 upper)
        internal
        view
        returns (PackedUserOperation[] memory ops, bytes32[] memory hashes, bytes32[] memory leaves, bytes32 root)
    {
        (ops, hashes) = sequentialOps(account, 2);
        leaves = new bytes32[](2);
        leaves[0] = leafOf(hashes[0], lower, upper);
        leaves[1] = leafOf(hashes[1], lower, upper);
        root = rootOf(leaves);
    }

    // ------------------------------------------------------------ ON_CHAIN

    function test_OnChain_Legacy155_Accepted() public {
        (PackedUserOperation[] memory ops, bytes32[] memory hashes, bytes32[] memory leaves, bytes32 root) =
            _tree(10, 20);
        bytes memory tx_ = signedLegacyTx(ownerKey, txFields(root, 7));
        ops[1].signature = onChainSig(tx_, proofOf(leaves, 1), 10, 20);
        vm.assertEq(validateDirect(ops[1], hashes[1]), pack(20, 10));
    }

    function test_OnChain_LegacyPre155_Accepted() public {
        (PackedUserOperation[] memory ops, bytes32[] memory hashes, bytes32[] memory leaves, bytes32 root) =
            _tree(10, 20);
        ops[0].signature = onChainSig(signedPre155Tx(ownerKey, txFields(root, 7)), proofOf(leaves, 0), 10, 20);
        vm.assertEq(validateDirect(ops[0], hashes[0]), pack(20, 10));
    }

    function test_OnChain_Eip1559_AcceptedAndExecutes() public {
        (PackedUserOperation[] memory ops,, bytes32[] memory leaves, bytes32 root) =
            _tree(0, uint48(block.timestamp + 100));
        bytes memory tx_ = signed1559Tx(ownerKey, txFields(root, 3));
        for (uint256 i; i < 2; ++i) {
            ops[i].signature = onChainSig(tx_, proofOf(leaves, i), 0, uint48(block.timestamp + 100));
        }
        entryPoint.handleOps(ops, beneficiary);
        vm.assertEq(address(0xD00D).balance, 3);
    }

    function test_OnChain_TxFromAnotherChain_Accepted() public {
        // One Fusion transaction authorises the supertransaction's userOps on every chain.
        (PackedUserOperation[] memory ops, bytes32[] memory hashes, bytes32[] memory leaves, bytes32 root) =
            _tree(10, 20);
        TxFields memory t = txFields(root, 1);
        t.chainId = 8453;
        ops[0].signature = onChainSig(signed1559Tx(ownerKey, t), proofOf(leaves, 0), 10, 20);
        vm.assertEq(validateDirect(ops[0], hashes[0]), pack(20, 10));
        ops[0].signature = onChainSig(signedLegacyTx(ownerKey, t), proofOf(leaves, 0), 10, 20);
        vm.assertEq(validateDirect(ops[0], hashes[0]), pack(20, 10));
    }

    function test_OnChain_WrongSigner_Rejected() public {
        (PackedUserOperation[] memory ops, bytes32[] memory hashes, bytes32[] memory leaves, bytes32 root) =
            _tree(10, 20);
        ops[0].signature = onChainSig(signed1559Tx(otherKey, txFields(root, 1)), proofOf(leaves, 0), 10, 20);
        vm.assertEq(validateDirect(ops[0], hashes[0]), 1);
    }

    function test_OnChain_TamperedChainId_Rejected() public {
        (PackedUserOperation[] memory ops, bytes32[] memory hashes, bytes32[] memory leaves, bytes32 root) =
            _tree(10, 20);
        bytes memory tx_ = signed1559Tx(ownerKey, txFields(root, 1));
        // Layout: 0x02, 0xf8 <len>, 0x82 <chainId hi> <chainId lo>: flip a chainId bit after signing.
        vm.assertEq(uint8(tx_[3]), 0x82);
        tx_[5] = bytes1(uint8(tx_[5]) ^ 0x01);
        ops[0].signature = onChainSig(tx_, proofOf(leaves, 0), 10, 20);
        vm.assertEq(validateDirect(ops[0], hashes[0]), 1);
    }

    function test_OnChain_TxCarryingAnotherRoot_Rejected() public {
        (PackedUserOperation[] memory ops, bytes32[] memory hashes, bytes32[] memory leaves,) = _tree(10, 20);
        bytes memory tx_ = signed1559Tx(ownerKey, txFields(keccak256("another supertransaction"), 1));
        ops[0].signature = onChainSig(tx_, proofOf(leaves, 0), 10, 20);
        vm.assertEq(validateDirect(ops[0], hashes[0]), 1);
    }

    function test_OnChain_TamperedBoundsOrProof_Rejected() public {
        (PackedUserOperation[] memory ops, bytes32[] memory hashes, bytes32[] memory leaves, bytes32 root) =
            _tree(10, 20);
        bytes memory tx_ = signed1559Tx(ownerKey, txFields(root, 1));
        ops[0].signature = onChainSig(tx_, proofOf(leaves, 0), 10, 21);
        vm.assertEq(validateDirect(ops[0], hashes[0]), 1);
        ops[0].signature = onChainSig(tx_, proofOf(leaves, 1), 10, 20);
        vm.assertEq(validateDirect(ops[0], hashes[0]), 1);
        ops[0].signature = onChainSig(tx_, new bytes32[](0), 10, 20);
        vm.assertEq(validateDirect(ops[0], hashes[0]), 1);
    }

    function test_OnChain_DataShorterThanRoot_Rejected() public {
        (PackedUserOperation[] memory ops, bytes32[] memory hashes, bytes32[] memory leaves,) = _tree(10, 20);
        TxFields memory t = txFields(bytes32(0), 1);
        t.data = hex"deadbeef";
        ops[0].signature = onChainSig(signed1559Tx(ownerKey, t), proofOf(leaves, 0), 10, 20);
        vm.assertEq(validateDirect(ops[0], hashes[0]), 1);
    }

    function test_OnChain_UnsupportedTxType_Rejected() public {
        (PackedUserOperation[] memory ops, bytes32[] memory hashes, bytes32[] memory leaves, bytes32 root) =
            _tree(10, 20);
        bytes memory tx_ = signed1559Tx(ownerKey, txFields(root, 1));
        tx_[0] = 0x01;
        ops[0].signature = onChainSig(tx_, proofOf(leaves, 0), 10, 20);
        vm.assertEq(validateDirect(ops[0], hashes[0]), 1);
    }

    function test_OnChain_Short_Stateless() public {
        bytes32[] memory leaves = new bytes32[](3);
        leaves[0] = keccak256("a");
        leaves[1] = keccak256("b");
        leaves[2] = keccak256("c");
        bytes32 root = rootOf(leaves);
        bytes memory sig = onChainShortSig(signedLegacyTx(ownerKey, txFields(root, 9)), proofOf(leaves, 2));
        vm.assertTrue(validator.validateSignatureWithData(leaves[2], sig, abi.encodePacked(owner)));
        vm.assertFalse(validator.validateSignatureWithData(leaves[1], sig, abi.encodePacked(owner)));
        vm.assertFalse(validator.validateSignatureWithData(leaves[2], sig, abi.encodePacked(other)));
    }

    // ------------------------------------------------------------ ERC20_PERMIT

    function _permit(bytes32 root, bool isPermitTx, bytes32[] memory proof, uint48 lower, uint48 upper, uint256 key)
        internal
        view
        returns (FullPermit memory p)
    {
        p.token = address(token);
        p.spender = address(account);
        p.domainSeparator = token.DOMAIN_SEPARATOR();
        p.amount = 50e18;
        p.nonce = token.nonces(owner);
        p.isPermitTx = isPermitTx;
        p.superTxHash = root;
        p.lowerBoundTimestamp = lower;
        p.upperBoundTimestamp = upper;
        bytes32 structHash = keccak256(abi.encode(PERMIT_TYPEHASH, owner, p.spender, p.amount, p.nonce, uint256(root)));
        (p.v, p.r, p.s) = vm.sign(key, keccak256(abi.encodePacked(hex"1901", p.domainSeparator, structHash)));
        p.proof = proof;
    }

    function _permitSig(FullPermit memory p) internal pure returns (bytes memory) {
        return abi.encodePacked(PERMIT, abi.encode(p));
    }

    function test_Permit_IsPermitTx_SubmitsPermitAndFundsFlow() public {
        (PackedUserOperation[] memory ops,, bytes32[] memory leaves, bytes32 root) = _tree(0, 0);
        // op 0 pulls the permitted tokens.
        ops[0] = userOp(
            address(account),
            0,
            abi.encodeCall(
                MockMeeAccount.execute,
                (address(token), 0, abi.encodeCall(token.transferFrom, (owner, address(account), 50e18)))
            )
        );
        leaves[0] = leafOf(opHash(ops[0]), 0, 0);
        root = rootOf(leaves);
        ops[1].signature = _permitSig(_permit(root, false, proofOf(leaves, 1), 0, 0, ownerKey));
        ops[0].signature = _permitSig(_permit(root, true, proofOf(leaves, 0), 0, 0, ownerKey));
        entryPoint.handleOps(ops, beneficiary);
        vm.assertEq(token.balanceOf(address(account)), 50e18);
        vm.assertEq(token.nonces(owner), 1);
    }

    function test_Permit_NotPermitTx_NoTokenCall() public {
        (PackedUserOperation[] memory ops, bytes32[] memory hashes, bytes32[] memory leaves, bytes32 root) =
            _tree(5, 6);
        ops[1].signature = _permitSig(_permit(root, false, proofOf(leaves, 1), 5, 6, ownerKey));
        vm.assertEq(validateDirect(ops[1], hashes[1]), pack(6, 5));
        vm.assertEq(token.allowance(owner, address(account)), 0);
    }

    function test_Permit_WrongSigner_Rejected() public {
        (PackedUserOperation[] memory ops, bytes32[] memory hashes, bytes32[] memory leaves, bytes32 root) =
            _tree(5, 6);
        ops[0].signature = _permitSig(_permit(root, true, proofOf(leaves, 0), 5, 6, otherKey));
        vm.assertEq(validateDirect(ops[0], hashes[0]), 1);
    }

    function test_Permit_TamperedFields_Rejected() public {
        (PackedUserOperation[] memory ops, bytes32[] memory hashes, bytes32[] memory leaves, bytes32 root) =
            _tree(5, 6);
        FullPermit memory p = _permit(root, false, proofOf(leaves, 0), 5, 6, ownerKey);
        p.amount += 1;
        ops[0].signature = _permitSig(p);
        vm.assertEq(validateDirect(ops[0], hashes[0]), 1);
        p = _permit(root, false, proofOf(leaves, 0), 5, 6, ownerKey);
        p.upperBoundTimestamp = 7;
        ops[0].signature = _permitSig(p);
        vm.assertEq(validateDirect(ops[0], hashes[0]), 1);
        p = _permit(root, false, proofOf(leaves, 1), 5, 6, ownerKey);
        ops[0].signature = _permitSig(p);
        vm.assertEq(validateDirect(ops[0], hashes[0]), 1);
    }

    function test_Permit_PermitFailsWithoutAllowance_Reverts() public {
        BrokenPermitToken broken = new BrokenPermitToken();
        (PackedUserOperation[] memory ops, bytes32[] memory hashes, bytes32[] memory leaves, bytes32 root) =
            _tree(5, 6);
        FullPermit memory p = _permit(root, true, proofOf(leaves, 0), 5, 6, ownerKey);
        p.token = address(broken);
        ops[0].signature = _permitSig(p);
        vm.prank(address(account));
        vm.expectRevert(PermitModeLib.PermitFailed.selector);
        validator.validateUserOp(ops[0], hashes[0]);
    }

    function test_Permit_PermitFailsWithExistingAllowance_Accepted() public {
        BrokenPermitToken broken = new BrokenPermitToken();
        broken.setAllowance(owner, address(account), 50e18);
        (PackedUserOperation[] memory ops, bytes32[] memory hashes, bytes32[] memory leaves, bytes32 root) =
            _tree(5, 6);
        FullPermit memory p = _permit(root, true, proofOf(leaves, 0), 5, 6, ownerKey);
        p.token = address(broken);
        ops[0].signature = _permitSig(p);
        vm.assertEq(validateDirect(ops[0], hashes[0]), pack(6, 5));
    }

    function test_Permit_TokenWithoutCode_Reverts() public {
        (PackedUserOperation[] memory ops, bytes32[] memory hashes, bytes32[] memory leaves, bytes32 root) =
            _tree(5, 6);
        FullPermit memory p = _permit(root, true, proofOf(leaves, 0), 5, 6, ownerKey);
        p.token = address(0x70CE);
        ops[0].signature = _permitSig(p);
        vm.prank(address(account));
        vm.expectRevert(PermitModeLib.PermitFailed.selector);
        validator.validateUserOp(ops[0], hashes[0]);
    }

    function test_Permit_Short_Stateless() public {
        bytes32[] memory leaves = new bytes32[](2);
        leaves[0] = keccak256("x");
        leaves[1] = keccak256("y");
        bytes32 root = rootOf(leaves);
        FullPermit memory f = _permit(root, false, proofOf(leaves, 0), 0, 0, ownerKey);
        ShortPermit memory s =
            ShortPermit(f.spender, f.domainSeparator, f.amount, f.nonce, root, f.v, f.r, f.s, f.proof);
        bytes memory sig = abi.encodePacked(PERMIT, abi.encode(s));
        vm.assertTrue(validator.validateSignatureWithData(leaves[0], sig, abi.encodePacked(owner)));
        vm.assertFalse(validator.validateSignatureWithData(leaves[1], sig, abi.encodePacked(owner)));
        vm.assertFalse(validator.validateSignatureWithData(leaves[0], sig, abi.encodePacked(other)));
        s.amount += 1;
        vm.assertFalse(
            validator.validateSignatureWithData(leaves[0], abi.encodePacked(PERMIT, abi.encode(s)), abi.encodePacked(owner))
        );
    }
}
