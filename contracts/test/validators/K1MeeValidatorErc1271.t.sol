// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {MeeTestBase} from "./MeeTestBase.sol";
import {MockMeeAccount} from "./mocks/MockMeeAccount.sol";
import {K1MeeValidator} from "../../src/validators/K1MeeValidator.sol";
import {ERC7739Validator} from "../../src/validators/ERC7739Validator.sol";

/// @notice ERC-1271 (MEE short form and ERC-7739) and the stateless path.
contract K1MeeValidatorErc1271Test is MeeTestBase {
    bytes32 internal constant PERSONAL_SIGN_TYPEHASH = keccak256("PersonalSign(bytes prefixed)");
    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes4 internal constant MAGIC = 0x1626ba7e;
    bytes4 internal constant INVALID = 0xffffffff;
    address internal app = address(0xA99);

    function accountDomain(address a) internal view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, keccak256("Nexus"), keccak256("1.2.0"), block.chainid, a));
    }

    function personalDigest(address a, bytes32 hash) internal view returns (bytes32) {
        return keccak256(
            abi.encodePacked(hex"1901", accountDomain(a), keccak256(abi.encode(PERSONAL_SIGN_TYPEHASH, hash)))
        );
    }

    function withValidator(bytes memory sig) internal view returns (bytes memory) {
        return abi.encodePacked(address(validator), sig);
    }

    function check(address caller, bytes32 hash, bytes memory sig) internal returns (bytes4) {
        vm.prank(caller);
        return account.isValidSignature(hash, withValidator(sig));
    }

    // ------------------------------------------------------------ MEE short form

    function test_Mee1271_Simple_HashBoundToAccount() public {
        bytes32 hash = keccak256("message");
        bytes32[] memory leaves = new bytes32[](3);
        leaves[0] = keccak256(abi.encodePacked(hash, address(account)));
        leaves[1] = keccak256("l1");
        leaves[2] = keccak256("l2");
        bytes32 root = rootOf(leaves);
        bytes memory sig = simpleShortSig(root, proofOf(leaves, 0), signRoot(ownerKey, root));
        vm.assertEq(check(app, hash, sig), MAGIC);
        // The same signature on another account of the same owner fails.
        MockMeeAccount second = newAccount(owner);
        vm.prank(app);
        vm.assertEq(second.isValidSignature(hash, withValidator(sig)), INVALID);
        // Another hash fails.
        vm.assertEq(check(app, keccak256("other"), sig), INVALID);
        // The unbound hash as leaf fails.
        leaves[0] = hash;
        root = rootOf(leaves);
        vm.assertEq(check(app, hash, simpleShortSig(root, proofOf(leaves, 0), signRoot(ownerKey, root))), INVALID);
    }

    function test_Mee1271_WrongOwner_Rejected() public {
        bytes32 hash = keccak256("message");
        bytes32 root = keccak256(abi.encodePacked(hash, address(account)));
        vm.assertEq(check(app, hash, simpleShortSig(root, new bytes32[](0), signRoot(otherKey, root))), INVALID);
        vm.assertEq(check(app, hash, simpleShortSig(root, new bytes32[](0), signRoot(ownerKey, root))), MAGIC);
    }

    function test_Mee1271_UnknownMeeSubtype_FallsBackToEcdsaAndFails() public {
        bytes32 hash = keccak256("message");
        bytes memory sig = abi.encodePacked(bytes4(0x177eee05), signPacked(ownerKey, hash));
        vm.assertEq(check(app, hash, sig), INVALID);
    }

    // ------------------------------------------------------------ ERC-7739

    function test_Erc7739_SupportProbe() public view {
        bytes32 probe = 0x7739773977397739773977397739773977397739773977397739773977397739;
        vm.assertEq(account.isValidSignature(probe, ""), bytes4(0x77390001));
        vm.assertEq(validator.isValidSignatureWithSender(address(this), probe, ""), bytes4(0x77390001));
    }

    function test_Erc7739_SafeCaller_PlainSignature() public {
        bytes32 hash = keccak256("message");
        bytes memory sig = signPacked(ownerKey, hash);
        // Not safe: a plain signature is refused on-chain.
        vm.assertEq(check(app, hash, sig), INVALID);
        // The account itself.
        vm.assertEq(check(address(account), hash, sig), MAGIC);
        // MulticallerWithSigner.
        vm.assertEq(check(0x000000000000D9ECebf3C23529de49815Dac1c4c, hash, sig), MAGIC);
        // A registered safe sender, until removed.
        vm.prank(address(account));
        validator.addSafeSender(app);
        vm.assertEq(check(app, hash, sig), MAGIC);
        vm.assertEq(check(app, hash, signPacked(otherKey, hash)), INVALID);
        vm.prank(address(account));
        validator.removeSafeSender(app);
        vm.assertEq(check(app, hash, sig), INVALID);
    }

    function test_Erc7739_PersonalSign() public {
        bytes32 hash = keccak256("hello");
        bytes memory sig = signPacked(ownerKey, personalDigest(address(account), hash));
        vm.assertEq(check(app, hash, sig), MAGIC);
        vm.assertEq(check(app, keccak256("other"), sig), INVALID);
        vm.assertEq(check(app, hash, signPacked(otherKey, personalDigest(address(account), hash))), INVALID);
        // Replay on a second account of the same owner fails (different verifyingContract).
        MockMeeAccount second = newAccount(owner);
        vm.prank(app);
        vm.assertEq(second.isValidSignature(hash, withValidator(sig)), INVALID);
    }

    function _typedDataSign(address a, bytes memory description, bytes memory typeString, uint256 key)
        internal
        view
        returns (bytes32 hash, bytes memory sig)
    {
        bytes32 appSep = keccak256(
            abi.encode(DOMAIN_TYPEHASH, keccak256("Mail App"), keccak256("1"), block.chainid, address(0xA99))
        );
        bytes32 contents = keccak256(abi.encode(keccak256("Mail(address to,string contents)"), address(5), keccak256("hi")));
        hash = keccak256(abi.encodePacked(hex"1901", appSep, contents));
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256(typeString),
                contents,
                keccak256("Nexus"),
                keccak256("1.2.0"),
                block.chainid,
                a,
                bytes32(0)
            )
        );
        bytes memory inner = signPacked(key, keccak256(abi.encodePacked(hex"1901", appSep, structHash)));
        sig = abi.encodePacked(inner, appSep, contents, description, uint16(description.length));
    }

    bytes internal constant TDS_MAIL =
        "TypedDataSign(Mail contents,string name,string version,uint256 chainId,address verifyingContract,bytes32 salt)Mail(address to,string contents)";

    function test_Erc7739_TypedDataSign_Implicit() public {
        (bytes32 hash, bytes memory sig) =
            _typedDataSign(address(account), "Mail(address to,string contents)", TDS_MAIL, ownerKey);
        vm.assertEq(check(app, hash, sig), MAGIC);
        (, bytes memory bad) = _typedDataSign(address(account), "Mail(address to,string contents)", TDS_MAIL, otherKey);
        vm.assertEq(check(app, hash, bad), INVALID);
        MockMeeAccount second = newAccount(owner);
        vm.prank(app);
        vm.assertEq(second.isValidSignature(hash, withValidator(sig)), INVALID);
    }

    function test_Erc7739_TypedDataSign_Explicit() public {
        (bytes32 hash, bytes memory sig) =
            _typedDataSign(address(account), "Mail(address to,string contents)Mail", TDS_MAIL, ownerKey);
        vm.assertEq(check(app, hash, sig), MAGIC);
    }

    function test_Erc7739_TypedDataSign_InvalidContentsName_Rejected() public {
        // A lowercase contents name is refused even when signed consistently.
        bytes memory tds =
            "TypedDataSign(mail contents,string name,string version,uint256 chainId,address verifyingContract,bytes32 salt)mail(address to,string contents)";
        (bytes32 hash, bytes memory sig) =
            _typedDataSign(address(account), "mail(address to,string contents)", tds, ownerKey);
        vm.assertEq(check(app, hash, sig), INVALID);
    }

    function test_Erc7739_TypedDataSign_WrongType_Rejected() public {
        bytes memory tds =
            "TypedDataSign(Mail contents,string name,string version,uint256 chainId,address verifyingContract)Mail(address to,string contents)";
        (bytes32 hash, bytes memory sig) =
            _typedDataSign(address(account), "Mail(address to,string contents)", tds, ownerKey);
        vm.assertEq(check(app, hash, sig), INVALID);
    }

    function test_Erc7739_HighS_Reverts() public {
        bytes32 hash = keccak256("hello");
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(ownerKey, personalDigest(address(account), hash));
        bytes memory high = abi.encodePacked(r, bytes32(SECP256K1_N - uint256(s)), v == 27 ? uint8(28) : uint8(27));
        vm.prank(address(account));
        vm.expectRevert(ERC7739Validator.InvalidSignature.selector);
        validator.isValidSignatureWithSender(app, hash, high);
        // Through the account the revert becomes "invalid".
        vm.assertEq(check(app, hash, high), INVALID);
    }

    function test_Erc7739_Erc6492Wrapped_Unwrapped() public {
        bytes32 hash = keccak256("hello");
        bytes memory inner = signPacked(ownerKey, personalDigest(address(account), hash));
        bytes memory wrapped = abi.encodePacked(
            abi.encode(address(0xFAC), hex"abcdef", inner), bytes32(0x6492649264926492649264926492649264926492649264926492649264926492)
        );
        vm.prank(address(account));
        vm.assertEq(validator.isValidSignatureWithSender(app, hash, wrapped), MAGIC);
    }

    function test_Erc7739_RpcPath_ClosedOnChain() public {
        bytes32 hash = keccak256("hello");
        bytes memory sig = signPacked(ownerKey, hash);
        vm.txGasPrice(1);
        vm.prank(address(account));
        vm.assertEq(validator.isValidSignatureWithSender(app, hash, sig), INVALID);
        // Zero gas price alone is not enough while the call could fit in a block.
        vm.txGasPrice(0);
        vm.prank(address(account));
        vm.assertEq(validator.isValidSignatureWithSender{gas: 1_000_000}(app, hash, sig), INVALID);
        // Any on-chain call has at most a block's gas, so the plain path stays closed here too.
        vm.assertLe(gasleft(), block.gaslimit);
        vm.prank(address(account));
        vm.assertEq(validator.isValidSignatureWithSender(app, hash, sig), INVALID);
    }

    // ------------------------------------------------------------ stateless

    function test_Stateless_SimpleShort() public view {
        bytes32[] memory leaves = new bytes32[](4);
        for (uint256 i; i < 4; ++i) {
            leaves[i] = keccak256(abi.encode("userOp", i));
        }
        bytes32 root = rootOf(leaves);
        bytes memory rootSig = signRoot(ownerKey, root);
        for (uint256 i; i < 4; ++i) {
            bytes memory sig = simpleShortSig(root, proofOf(leaves, i), rootSig);
            vm.assertTrue(validator.validateSignatureWithData(leaves[i], sig, abi.encodePacked(owner)));
            vm.assertFalse(validator.validateSignatureWithData(leaves[(i + 1) % 4], sig, abi.encodePacked(owner)));
            vm.assertFalse(validator.validateSignatureWithData(leaves[i], sig, abi.encodePacked(other)));
        }
        // Extra config bytes after the owner are ignored.
        vm.assertTrue(
            validator.validateSignatureWithData(
                leaves[0], simpleShortSig(root, proofOf(leaves, 0), rootSig), abi.encodePacked(owner, uint8(0))
            )
        );
    }

    function test_Stateless_PlainEcdsa() public view {
        bytes32 hash = keccak256("op");
        vm.assertTrue(validator.validateSignatureWithData(hash, signPacked(ownerKey, hash), abi.encodePacked(owner)));
        vm.assertTrue(
            validator.validateSignatureWithData(hash, signPacked(ownerKey, ethSignedHash(hash)), abi.encodePacked(owner))
        );
        vm.assertFalse(validator.validateSignatureWithData(hash, signPacked(otherKey, hash), abi.encodePacked(owner)));
    }

    function test_Stateless_ShortConfig_Reverts() public {
        vm.expectRevert(K1MeeValidator.InvalidDataLength.selector);
        validator.validateSignatureWithData(bytes32(0), "", hex"01");
    }
}
