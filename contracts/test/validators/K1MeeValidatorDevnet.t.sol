// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {PackedUserOperation} from "account-abstraction/interfaces/PackedUserOperation.sol";
import {IEntryPoint} from "account-abstraction/interfaces/IEntryPoint.sol";
import {MeeTestBase} from "./MeeTestBase.sol";
import {MockMeeAccount} from "./mocks/MockMeeAccount.sol";
import {K1MeeValidator} from "../../src/validators/K1MeeValidator.sol";

/// @notice The devnet copies the validator's runtime code to the canonical MEE 2.0.0 address;
/// the copy must work there with no constructor state.
contract K1MeeValidatorDevnetTest is MeeTestBase {
    address internal constant CANONICAL = 0x00000000d12897DDAdC2044614A9677B191A2d95;

    function test_EtchedAtCanonicalAddress_WorksEndToEnd() public {
        K1MeeValidator deployed = new K1MeeValidator();
        vm.etch(CANONICAL, address(deployed).code);
        K1MeeValidator v = K1MeeValidator(CANONICAL);
        vm.assertEq(v.name(), "K1MeeValidator");
        vm.assertEq(v.version(), "1.0.1");

        MockMeeAccount a = new MockMeeAccount(IEntryPoint(address(entryPoint)), CANONICAL, abi.encodePacked(owner));
        vm.deal(address(a), 1 ether);
        vm.assertEq(v.getOwner(address(a)), owner);

        (PackedUserOperation[] memory ops, bytes32[] memory hashes) = sequentialOps(a, 2);
        bytes32[] memory leaves = new bytes32[](2);
        leaves[0] = leafOf(hashes[0], 0, uint48(block.timestamp + 60));
        leaves[1] = leafOf(hashes[1], 0, uint48(block.timestamp + 60));
        bytes32 root = rootOf(leaves);
        for (uint256 i; i < 2; ++i) {
            ops[i].signature = simpleSig(root, 0, uint48(block.timestamp + 60), proofOf(leaves, i), signRoot(ownerKey, root));
        }
        entryPoint.handleOps(ops, beneficiary);
        vm.assertEq(address(0xD00D).balance, 3);

        // ERC-1271 and the stateless path from the canonical address.
        bytes32 hash = keccak256("m");
        bytes32 leaf = keccak256(abi.encodePacked(hash, address(a)));
        vm.prank(address(0xA99));
        vm.assertEq(
            a.isValidSignature(hash, abi.encodePacked(CANONICAL, simpleShortSig(leaf, new bytes32[](0), signRoot(ownerKey, leaf)))),
            bytes4(0x1626ba7e)
        );
        vm.assertTrue(v.validateSignatureWithData(hash, signPacked(ownerKey, hash), abi.encodePacked(owner)));
        // No state was copied: the original deployment knows nothing about this account.
        vm.assertFalse(deployed.isInitialized(address(a)));
    }
}
