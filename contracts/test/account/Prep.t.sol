// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {AccountTestBase} from "./AccountTestBase.sol";
import {Vm} from "../lib/Vm.sol";
import {PackedUserOperation} from "account-abstraction/interfaces/PackedUserOperation.sol";
import {IEntryPoint} from "account-abstraction/interfaces/IEntryPoint.sol";
import {SmartAccount} from "../../src/account/SmartAccount.sol";
import {AccountBootstrap} from "../../src/account/AccountBootstrap.sol";
import {K1MeeValidator} from "../../src/validators/K1MeeValidator.sol";
import {MockTarget} from "./mocks/MockModules.sol";

/// @notice PREP (nonce mode 0x02): a keyless EIP-7702 account whose address commits to its init data is
/// initialized by its first userOp, through the real v0.7 EntryPoint.
contract PrepTest is AccountTestBase {
    event PREPInitialized(bytes32 r);

    MockTarget internal target;
    address internal prepOwner;
    uint256 internal prepOwnerKey;

    function setUp() public override {
        vm.setEvmVersion("prague");
        super.setUp();
        target = new MockTarget();
        (prepOwner, prepOwnerKey) = makeKey("prepOwner");
    }

    // ---- PREP derivation, written out independently of the account ----

    /// @dev RLP of a string of `b.length` bytes (short strings only; enough for these fields).
    function _rlpBytes(bytes memory b) internal pure returns (bytes memory) {
        if (b.length == 1 && uint8(b[0]) < 0x80) return b;
        return abi.encodePacked(bytes1(uint8(0x80 + b.length)), b);
    }

    /// @dev RLP of an unsigned integer: big-endian without leading zeros; zero is the empty string.
    function _rlpUint(uint256 x) internal pure returns (bytes memory) {
        bytes memory be;
        while (x != 0) {
            be = abi.encodePacked(uint8(x), be);
            x >>= 8;
        }
        return _rlpBytes(be);
    }

    /// @dev `keccak256(0x05 ‖ rlp([chainId, delegation, nonce]))`, the EIP-7702 authorization digest.
    function _authHash(uint256 chainId, address delegation, uint256 nonce_) internal pure returns (bytes32) {
        bytes memory payload =
            abi.encodePacked(_rlpUint(chainId), _rlpBytes(abi.encodePacked(delegation)), _rlpUint(nonce_));
        require(payload.length < 56, "long list");
        return keccak256(abi.encodePacked(hex"05", bytes1(uint8(0xc0 + payload.length)), payload));
    }

    function _r(bytes memory initData, uint96 salt) internal pure returns (bytes32) {
        return bytes32(uint256(keccak256(abi.encodePacked(keccak256(initData), uint256(salt)))) & type(uint160).max);
    }

    /// @dev Searches salts from `seed` until `(r, s = keccak256(r))` is a valid signature (about half are):
    /// the recovered signer of the chain-0, nonce-0 authorization for `delegation` is the PREP address.
    function _mine(bytes memory initData, address delegation, uint96 seed)
        internal
        pure
        returns (bytes32 saltAndDelegation, address prep, bytes32 r)
    {
        bytes32 h = _authHash(0, delegation, 0);
        for (uint96 salt = seed;; ++salt) {
            r = _r(initData, salt);
            prep = ecrecover(h, 27, r, keccak256(abi.encodePacked(r)));
            if (prep != address(0)) {
                saltAndDelegation = bytes32((uint256(salt) << 160) | uint160(delegation));
                return (saltAndDelegation, prep, r);
            }
        }
    }

    function _ownerInitData(address owner_) internal view returns (bytes memory) {
        return abi.encode(address(bootstrap), abi.encodeCall(AccountBootstrap.initNexusWithDefaultValidator, (abi.encodePacked(owner_))));
    }

    /// @dev What the EIP-7702 delegation leaves at the PREP address.
    function _delegate(address prep, address impl) internal {
        vm.etch(prep, abi.encodePacked(hex"ef0100", impl));
        vm.deal(prep, 10 ether);
    }

    function _prepOp(address prep, bytes memory callData, uint256 signerKey, bytes32 saltAndDelegation, bytes memory initData)
        internal
        view
        returns (PackedUserOperation memory op)
    {
        op = _userOp(prep, entryPoint.getNonce(prep, _nonceKey(address(0), 0x02)), callData);
        bytes memory cleaned = signPacked(signerKey, entryPoint.getUserOpHash(op));
        op.signature = abi.encode(saltAndDelegation, initData, cleaned);
    }

    function _setCall(uint256 v) internal view returns (bytes memory) {
        return _execSingle(address(target), 0, abi.encodeCall(MockTarget.set, (v)));
    }

    /// @dev Calls validateUserOp as the EntryPoint and expects `err`.
    function _validateExpectRevert(PackedUserOperation memory op, bytes4 err) internal {
        bytes32 h = entryPoint.getUserOpHash(op);
        vm.prank(address(entryPoint));
        vm.expectRevert(err);
        SmartAccount(payable(op.sender)).validateUserOp(op, h, 0);
    }

    // ---- tests ----

    /// The RLP helper above reproduces forge's own EIP-7702 signing (chain 31337, nonce 0), so the
    /// chain-0 digest the PREP addresses are mined from is built the same way.
    function test_prep_authorizationDigestMatchesForgeDelegationSigning() public {
        (, uint256 key) = makeKey("delegator");
        Vm.SignedDelegation memory d = vm.signDelegation(address(implementation), key);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, _authHash(block.chainid, address(implementation), d.nonce));
        vm.assertEq(r, d.r);
        vm.assertEq(s, d.s);
        // forge reports the y parity either as 0/1 or as 27/28
        vm.assertEq(uint256(v), d.v < 27 ? uint256(d.v) + 27 : uint256(d.v));
    }

    function test_prep_firstUserOpInitializesAndExecutes() public {
        bytes memory initData = _ownerInitData(prepOwner);
        (bytes32 saltAndDelegation, address prep, bytes32 r) = _mine(initData, address(implementation), 7);
        _delegate(prep, address(implementation));
        SmartAccount acct = SmartAccount(payable(prep));
        vm.assertFalse(acct.isInitialized());

        PackedUserOperation memory op = _prepOp(prep, _setCall(42), prepOwnerKey, saltAndDelegation, initData);
        vm.expectEmit(prep);
        emit PREPInitialized(r);
        _handle(op);

        vm.assertEq(target.value(), 42);
        vm.assertEq(target.lastCaller(), prep);
        vm.assertTrue(acct.isInitialized());
        vm.assertEq(defaultValidator.owners(prep), prepOwner);

        // From now on the owner uses plain validation mode ...
        _handle(_signedOp(prep, address(0), _setCall(43), prepOwnerKey));
        vm.assertEq(target.value(), 43);
        // ... and PREP mode is closed: the account is initialized.
        PackedUserOperation memory again = _prepOp(prep, _setCall(44), prepOwnerKey, saltAndDelegation, initData);
        _validateExpectRevert(again, SmartAccount.AccountAlreadyInitialized.selector);
        _handleExpectFail(again);
        vm.assertEq(target.value(), 43);
    }

    /// With the MEE validator as the implementation's default validator (as deployed), a plain ECDSA
    /// signature by the owner named in the init data validates the PREP op.
    function test_prep_withK1MeeValidatorAsDefault() public {
        K1MeeValidator mee = new K1MeeValidator();
        SmartAccount impl = new SmartAccount(address(entryPoint), address(mee), IMPL_INIT_DATA);
        AccountBootstrap boot = new AccountBootstrap(address(mee), IMPL_INIT_DATA);
        bytes memory initData =
            abi.encode(address(boot), abi.encodeCall(AccountBootstrap.initNexusWithDefaultValidator, (abi.encodePacked(prepOwner))));
        (bytes32 saltAndDelegation, address prep,) = _mine(initData, address(impl), 1000);
        _delegate(prep, address(impl));

        _handle(_prepOp(prep, _setCall(5), prepOwnerKey, saltAndDelegation, initData));
        vm.assertEq(target.value(), 5);
        vm.assertEq(mee.getOwner(prep), prepOwner);
    }

    function test_prep_wrongSaltRejected() public {
        bytes memory initData = _ownerInitData(prepOwner);
        (bytes32 saltAndDelegation, address prep,) = _mine(initData, address(implementation), 7);
        _delegate(prep, address(implementation));
        bytes32 otherSalt = bytes32(uint256(saltAndDelegation) + (uint256(1) << 160));
        PackedUserOperation memory op = _prepOp(prep, _setCall(1), prepOwnerKey, otherSalt, initData);
        _validateExpectRevert(op, SmartAccount.InvalidPREP.selector);
        _handleExpectFail(op);
        vm.assertFalse(SmartAccount(payable(prep)).isInitialized());
    }

    /// Whoever relays the first op cannot swap in their own init data (e.g. make themselves the owner):
    /// the address commits to the init data's hash.
    function test_prep_wrongInitDataRejected() public {
        bytes memory initData = _ownerInitData(prepOwner);
        (bytes32 saltAndDelegation, address prep,) = _mine(initData, address(implementation), 7);
        _delegate(prep, address(implementation));
        (address attacker, uint256 attackerKey) = makeKey("attacker");
        PackedUserOperation memory op =
            _prepOp(prep, _setCall(1), attackerKey, saltAndDelegation, _ownerInitData(attacker));
        _validateExpectRevert(op, SmartAccount.InvalidPREP.selector);
        _handleExpectFail(op);
        vm.assertEq(defaultValidator.owners(prep), address(0));
    }

    function test_prep_wrongDelegationRejected() public {
        bytes memory initData = _ownerInitData(prepOwner);
        (bytes32 saltAndDelegation, address prep,) = _mine(initData, address(implementation), 7);
        _delegate(prep, address(implementation));
        bytes32 otherDelegation = bytes32((uint256(saltAndDelegation) >> 160 << 160) | uint160(address(0xBEEF)));
        _validateExpectRevert(_prepOp(prep, _setCall(1), prepOwnerKey, otherDelegation, initData), SmartAccount.InvalidPREP.selector);
    }

    /// Another account's (valid) PREP data does not initialize this account.
    function test_prep_dataOfAnotherPrepRejected() public {
        bytes memory initData = _ownerInitData(prepOwner);
        (bytes32 saltA, address prepA,) = _mine(initData, address(implementation), 7);
        (bytes32 saltB, address prepB,) = _mine(initData, address(implementation), uint96(uint256(saltA >> 160)) + 1);
        vm.assertNotEq(prepA, prepB);
        _delegate(prepA, address(implementation));
        _delegate(prepB, address(implementation));
        _validateExpectRevert(_prepOp(prepA, _setCall(1), prepOwnerKey, saltB, initData), SmartAccount.InvalidPREP.selector);
        _handle(_prepOp(prepB, _setCall(2), prepOwnerKey, saltB, initData));
        vm.assertEq(target.value(), 2);
    }

    function test_prep_alreadyInitializedRejected() public {
        bytes memory initData = _ownerInitData(prepOwner);
        (bytes32 saltAndDelegation, address prep,) = _mine(initData, address(implementation), 7);
        _delegate(prep, address(implementation));
        // Initialized some other way first (a module install also counts).
        vm.prank(prep);
        SmartAccount(payable(prep)).initializeAccount(_ownerInitData(owner));
        PackedUserOperation memory op = _prepOp(prep, _setCall(1), prepOwnerKey, saltAndDelegation, initData);
        _validateExpectRevert(op, SmartAccount.AccountAlreadyInitialized.selector);
        _handleExpectFail(op);
    }

    function test_prep_shortSignatureRejected() public {
        bytes memory initData = _ownerInitData(prepOwner);
        (, address prep,) = _mine(initData, address(implementation), 7);
        _delegate(prep, address(implementation));
        PackedUserOperation memory op = _userOp(prep, entryPoint.getNonce(prep, _nonceKey(address(0), 0x02)), _setCall(1));
        op.signature = new bytes(0xf8);
        _validateExpectRevert(op, SmartAccount.NotInitializable.selector);
        _handleExpectFail(op);
        op.signature = "";
        _validateExpectRevert(op, SmartAccount.NotInitializable.selector);
    }

    /// Offsets or lengths pointing past the signature are refused instead of read out of range.
    function test_prep_malformedEncodingRejected() public {
        bytes memory initData = _ownerInitData(prepOwner);
        (bytes32 saltAndDelegation, address prep,) = _mine(initData, address(implementation), 7);
        _delegate(prep, address(implementation));
        PackedUserOperation memory op = _prepOp(prep, _setCall(1), prepOwnerKey, saltAndDelegation, initData);
        bytes memory good = op.signature;

        // initData offset past the end
        op.signature = _withWord(good, 1, good.length);
        _validateExpectRevert(op, SmartAccount.InvalidPREP.selector);
        // cleaned signature length longer than what is left
        uint256 sigOffset = uint256(_word(good, 2));
        op.signature = _withWord(good, sigOffset / 32, good.length);
        _validateExpectRevert(op, SmartAccount.InvalidPREP.selector);
        // the untouched encoding still validates
        op.signature = good;
        bytes32 h = entryPoint.getUserOpHash(op);
        vm.prank(address(entryPoint));
        vm.assertEq(SmartAccount(payable(prep)).validateUserOp(op, h, 0), 0);
    }

    function test_prep_cleanedSignatureOfAnotherKeyFailsValidation() public {
        bytes memory initData = _ownerInitData(prepOwner);
        (bytes32 saltAndDelegation, address prep,) = _mine(initData, address(implementation), 7);
        _delegate(prep, address(implementation));
        PackedUserOperation memory op = _prepOp(prep, _setCall(1), ownerKey, saltAndDelegation, initData);
        bytes32 h = entryPoint.getUserOpHash(op);
        uint256 snap = vm.snapshotState();
        vm.prank(address(entryPoint));
        vm.assertEq(SmartAccount(payable(prep)).validateUserOp(op, h, 0), 1, "SIG_VALIDATION_FAILED");
        vm.revertToState(snap);
        _handleExpectFail(op);
        vm.assertEq(target.value(), 0);
    }

    /// A PREP op sent to a prep address that is not delegated to this code has nothing to run.
    function test_prep_undelegatedAddressCannotBeUsed() public {
        bytes memory initData = _ownerInitData(prepOwner);
        (bytes32 saltAndDelegation, address prep,) = _mine(initData, address(implementation), 7);
        vm.deal(prep, 10 ether);
        _handleExpectFail(_prepOp(prep, _setCall(1), prepOwnerKey, saltAndDelegation, initData));
    }

    function _word(bytes memory b, uint256 i) internal pure returns (bytes32 w) {
        assembly {
            w := mload(add(add(b, 0x20), mul(i, 0x20)))
        }
    }

    function _withWord(bytes memory b, uint256 i, uint256 v) internal pure returns (bytes memory c) {
        c = bytes.concat(b);
        assembly {
            mstore(add(add(c, 0x20), mul(i, 0x20)), v)
        }
    }
}
