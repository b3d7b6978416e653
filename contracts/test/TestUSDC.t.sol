// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test} from "./lib/Test.sol";
import {TestUSDC} from "../src/tokens/TestUSDC.sol";

contract TestUSDCTest is Test {
    bytes32 internal constant PERMIT_TYPEHASH =
        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");
    /// @dev Base's USDC address: where the devnet places the token on every chain.
    address internal constant DEVNET_USDC = 0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913;

    TestUSDC internal usdc;
    address internal owner;
    uint256 internal ownerKey;
    address internal spender = address(0xBEEF);

    function setUp() public {
        usdc = new TestUSDC();
        (owner, ownerKey) = makeKey("owner");
    }

    function test_metadata() public view {
        vm.assertEq(usdc.name(), "USD Coin");
        vm.assertEq(usdc.symbol(), "USDC");
        vm.assertEq(uint256(usdc.decimals()), 6);
        vm.assertEq(usdc.version(), "2");
    }

    function test_mintAndTransfer() public {
        usdc.mint(owner, 10e6);
        vm.assertEq(usdc.balanceOf(owner), 10e6);
        vm.assertEq(usdc.totalSupply(), 10e6);
        vm.prank(owner);
        usdc.transfer(spender, 4e6);
        vm.assertEq(usdc.balanceOf(owner), 6e6);
        vm.assertEq(usdc.balanceOf(spender), 4e6);
    }

    function test_transferMoreThanBalanceReverts() public {
        usdc.mint(owner, 1e6);
        vm.prank(owner);
        vm.expectRevert(bytes4(keccak256("InsufficientBalance()")));
        usdc.transfer(spender, 1e6 + 1);
    }

    function test_domainSeparatorMatchesUsdcDomain() public view {
        vm.assertEq(usdc.DOMAIN_SEPARATOR(), _domainSeparator(address(usdc)));
    }

    function test_permitSetsAllowanceAndBumpsNonce() public {
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(address(usdc), ownerKey, spender, 5e6, 0, deadline);
        usdc.permit(owner, spender, 5e6, deadline, v, r, s);
        vm.assertEq(usdc.allowance(owner, spender), 5e6);
        vm.assertEq(usdc.nonces(owner), 1);
    }

    function test_permitReplayReverts() public {
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(address(usdc), ownerKey, spender, 5e6, 0, deadline);
        usdc.permit(owner, spender, 5e6, deadline, v, r, s);
        vm.expectRevert(bytes4(keccak256("InvalidPermit()")));
        usdc.permit(owner, spender, 5e6, deadline, v, r, s);
    }

    function test_permitByOtherSignerReverts() public {
        (, uint256 otherKey) = makeKey("other");
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(address(usdc), otherKey, spender, 5e6, 0, deadline);
        vm.expectRevert(bytes4(keccak256("InvalidPermit()")));
        usdc.permit(owner, spender, 5e6, deadline, v, r, s);
    }

    function test_permitAfterDeadlineReverts() public {
        vm.warp(1000);
        uint256 deadline = 999;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(address(usdc), ownerKey, spender, 5e6, 0, deadline);
        vm.expectRevert(bytes4(keccak256("PermitExpired()")));
        usdc.permit(owner, spender, 5e6, deadline, v, r, s);
    }

    /// The devnet etches the runtime code at a fixed address: the domain must follow that address
    /// and the chain, and a permit signed for another chain must fail.
    function test_etchedCodeUsesItsOwnAddressAndChain() public {
        vm.etch(DEVNET_USDC, address(usdc).code);
        TestUSDC etched = TestUSDC(DEVNET_USDC);
        vm.assertEq(etched.DOMAIN_SEPARATOR(), _domainSeparator(DEVNET_USDC));
        vm.assertEq(uint256(etched.decimals()), 6);

        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(DEVNET_USDC, ownerKey, spender, 1e6, 0, deadline);
        vm.chainId(block.chainid + 1);
        vm.expectRevert(bytes4(keccak256("InvalidPermit()")));
        etched.permit(owner, spender, 1e6, deadline, v, r, s);
    }

    function testFuzz_transferConservesSupply(address to, uint96 minted, uint96 sent) public {
        vm.assume(to != owner && to != address(0));
        sent = uint96(bound(sent, 0, minted));
        usdc.mint(owner, minted);
        vm.prank(owner);
        usdc.transfer(to, sent);
        vm.assertEq(usdc.balanceOf(owner) + usdc.balanceOf(to), minted);
        vm.assertEq(usdc.totalSupply(), minted);
    }

    function _domainSeparator(address token) internal view returns (bytes32) {
        return keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("USD Coin"),
                keccak256("2"),
                block.chainid,
                token
            )
        );
    }

    function _signPermit(
        address token,
        uint256 key,
        address spender_,
        uint256 value,
        uint256 nonce,
        uint256 deadline
    ) internal view returns (uint8, bytes32, bytes32) {
        bytes32 structHash = keccak256(abi.encode(PERMIT_TYPEHASH, vm.addr(key), spender_, value, nonce, deadline));
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", _domainSeparator(token), structHash));
        return vm.sign(key, digest);
    }
}
