// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {BasePaymaster} from "account-abstraction/core/BasePaymaster.sol";
import {IEntryPoint} from "account-abstraction/interfaces/IEntryPoint.sol";
import {PackedUserOperation} from "account-abstraction/interfaces/PackedUserOperation.sol";
import {UserOperationLib} from "account-abstraction/core/UserOperationLib.sol";
import {MeeEcdsa} from "../validators/lib/MeeEcdsa.sol";

/// @dev Refund goes to `userOp.sender`.
bytes4 constant NODE_PM_MODE_USER = 0x170de000;
/// @dev Refund goes to an address carried in the paymaster data.
bytes4 constant NODE_PM_MODE_DAPP = 0x170de001;
/// @dev No refund: the node keeps the difference (sponsored supertransactions).
bytes4 constant NODE_PM_MODE_KEEP = 0x170de002;
/// @dev The sponsor paid the gas plus a percentage premium (24-byte premium follows, base 10_000_000).
bytes4 constant NODE_PM_PREMIUM_PERCENT = 0x9ee4ce00;
/// @dev The sponsor paid the gas plus a fixed premium collected elsewhere.
bytes4 constant NODE_PM_PREMIUM_FIXED = 0x9ee4ce01;

/// @title NodePaymaster
/// @notice ERC-4337 v0.7 paymaster an MEE node deploys for its own supertransactions. The node
/// pays the gas and refunds the unused part of what the supertransaction's fee covered.
/// @dev A userOp is sponsored when the bundle is sent by the owner (`tx.origin == owner()`), or
/// when the last 65 bytes of `userOp.signature` are the owner's signature over
/// `keccak256(userOpHash ‖ tx.origin)` (raw or eth-signed). Otherwise validation returns
/// "signature failed", so the EntryPoint rejects the op and nobody pays. Relying on `tx.origin`
/// keeps this paymaster out of the public ERC-4337 mempool by design.
///
/// `paymasterAndData = paymaster ‖ uint128 pmVerificationGas ‖ uint128 postOpGas ‖ pmData` with
/// `pmData`:
///  - `USER ‖ FIXED`, `USER ‖ PERCENT ‖ uint192 premium`;
///  - `DAPP ‖ FIXED ‖ refund (20)`, `DAPP ‖ PERCENT ‖ uint192 premium ‖ refund (20)`;
///  - `KEEP`.
/// The refund is `maxCost − (actualGasCost + postOpGasLimit × actualUserOpFeePerGas)` (with the
/// percentage premium applied to both terms), or nothing when that is not positive. `postOp`
/// never reverts: the refund is capped by the paymaster's deposit and a failed transfer keeps it.
contract NodePaymaster is BasePaymaster {
    using UserOperationLib for PackedUserOperation;

    /// @notice Unknown refund mode in the paymaster data.
    error InvalidNodePMRefundMode(bytes4 mode);
    /// @notice Unknown premium mode in the paymaster data.
    error InvalidNodePMPremiumMode(bytes4 mode);
    /// @notice The paymaster data is shorter than its mode requires.
    error InvalidPaymasterDataLength(uint256 length);
    /// @notice The percentage premium would overflow the refund arithmetic.
    error PremiumTooHigh(uint256 premium);

    /// @notice A refund could not be paid (the deposit was short or the receiver rejected it).
    event RefundFailed(address indexed receiver, uint256 amount);

    /// @dev 100 % with five decimals.
    uint256 private constant PREMIUM_BASE = 10_000_000;
    uint256 private constant PM_DATA = UserOperationLib.PAYMASTER_DATA_OFFSET; // 52

    constructor(IEntryPoint entryPoint_, address owner_) payable BasePaymaster(entryPoint_) {
        _transferOwnership(owner_);
    }

    /// @notice Deposits any ETH received into the EntryPoint for this paymaster.
    receive() external payable {
        entryPoint.depositTo{value: msg.value}(address(this));
    }

    function _validatePaymasterUserOp(PackedUserOperation calldata userOp, bytes32 userOpHash, uint256 maxCost)
        internal
        view
        override
        returns (bytes memory context, uint256 validationData)
    {
        if (tx.origin != owner() && !_isNodeSigned(userOp.signature, userOpHash)) return ("", 1);
        return (_context(userOp, maxCost), 0);
    }

    /// @dev The postOp context: empty for KEEP, otherwise
    /// `refundReceiver (20) ‖ premiumMode (4) ‖ premium (32) ‖ maxCost (32) ‖ postOpGasLimit (32)`.
    function _context(PackedUserOperation calldata userOp, uint256 maxCost) private pure returns (bytes memory) {
        bytes calldata pm = userOp.paymasterAndData;
        if (pm.length < PM_DATA + 4) revert InvalidPaymasterDataLength(pm.length);
        bytes4 refundMode = bytes4(pm[PM_DATA:PM_DATA + 4]);
        if (refundMode == NODE_PM_MODE_KEEP) return "";
        if (refundMode != NODE_PM_MODE_USER && refundMode != NODE_PM_MODE_DAPP) {
            revert InvalidNodePMRefundMode(refundMode);
        }
        if (pm.length < PM_DATA + 8) revert InvalidPaymasterDataLength(pm.length);
        bytes4 premiumMode = bytes4(pm[PM_DATA + 4:PM_DATA + 8]);
        uint256 premium;
        uint256 next = PM_DATA + 8;
        if (premiumMode == NODE_PM_PREMIUM_PERCENT) {
            if (pm.length < next + 24) revert InvalidPaymasterDataLength(pm.length);
            premium = uint192(bytes24(pm[next:next + 24]));
            next += 24;
            if (maxCost != 0 && PREMIUM_BASE + premium > type(uint256).max / maxCost) revert PremiumTooHigh(premium);
        } else if (premiumMode != NODE_PM_PREMIUM_FIXED) {
            revert InvalidNodePMPremiumMode(premiumMode);
        }
        address receiver = userOp.sender;
        if (refundMode == NODE_PM_MODE_DAPP) {
            if (pm.length < next + 20) revert InvalidPaymasterDataLength(pm.length);
            receiver = address(bytes20(pm[next:next + 20]));
        }
        return abi.encodePacked(receiver, premiumMode, premium, maxCost, userOp.unpackPostOpGasLimit());
    }

    function _postOp(PostOpMode, bytes calldata context, uint256 actualGasCost, uint256 actualUserOpFeePerGas)
        internal
        virtual
        override
    {
        if (context.length != 120) return;
        address receiver = address(bytes20(context[0:20]));
        bytes4 premiumMode = bytes4(context[20:24]);
        uint256 premium = uint256(bytes32(context[24:56]));
        uint256 maxCost = uint256(bytes32(context[56:88]));
        uint256 postOpGasLimit = uint256(bytes32(context[88:120]));
        uint256 refund = refundFor(premiumMode, premium, maxCost, postOpGasLimit, actualGasCost, actualUserOpFeePerGas);
        if (refund == 0) return;
        // The EntryPoint credits this paymaster's unused prefund only after postOp, so the
        // refund is paid from the deposit that is already there.
        uint256 available = entryPoint.balanceOf(address(this));
        if (refund > available) {
            emit RefundFailed(receiver, refund);
            return;
        }
        try entryPoint.withdrawTo(payable(receiver), refund) {}
        catch {
            emit RefundFailed(receiver, refund);
        }
    }

    /// @notice The refund owed for a userOp: what the sponsor paid (`maxCost`, with the premium
    /// for PERCENT) minus what was used (`actualGasCost + postOpGasLimit × fee`, likewise), or
    /// zero when nothing is left. Never reverts.
    function refundFor(
        bytes4 premiumMode,
        uint256 premium,
        uint256 maxCost,
        uint256 postOpGasLimit,
        uint256 actualGasCost,
        uint256 actualUserOpFeePerGas
    ) public pure returns (uint256) {
        uint256 used = actualGasCost;
        if (postOpGasLimit != 0 && actualUserOpFeePerGas > (type(uint256).max - used) / postOpGasLimit) return 0;
        used += postOpGasLimit * actualUserOpFeePerGas;
        if (used >= maxCost) return 0;
        if (premiumMode != NODE_PM_PREMIUM_PERCENT) return maxCost - used;
        uint256 limit = type(uint256).max / maxCost;
        if (limit < PREMIUM_BASE || premium > limit - PREMIUM_BASE) return 0;
        // Both terms fit: used < maxCost and maxCost × (base + premium) was checked above.
        uint256 maxWithPremium = maxCost * (PREMIUM_BASE + premium) / PREMIUM_BASE;
        uint256 usedWithPremium = used * (PREMIUM_BASE + premium) / PREMIUM_BASE;
        return maxWithPremium - usedWithPremium;
    }

    /// @dev The last 65 bytes of the userOp signature are the owner's signature over
    /// `keccak256(userOpHash ‖ tx.origin)`.
    function _isNodeSigned(bytes calldata signature, bytes32 userOpHash) private view returns (bool) {
        if (signature.length < 65) return false;
        return MeeEcdsa.isValidCalldata(
            owner(), keccak256(abi.encodePacked(userOpHash, tx.origin)), signature[signature.length - 65:]
        );
    }
}
