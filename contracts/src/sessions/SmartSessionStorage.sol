// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {PackedUserOperation} from "account-abstraction/interfaces/PackedUserOperation.sol";

import {IValidator, IStatelessValidator, MODULE_TYPE_VALIDATOR, MODULE_TYPE_STATELESS_VALIDATOR} from
    "../interfaces/IERC7579Module.sol";
import {ISmartSessionTypes} from "../interfaces/ISmartSession.sol";
import {IPolicy, IUserOpPolicy, IActionPolicy, I1271Policy} from "../interfaces/IPolicy.sol";
import {
    Session,
    PolicyData,
    ActionData,
    ERC7739Data,
    ERC7739Context,
    ERC7739ContextHashes,
    EnableSession,
    ChainDigest,
    SmartSessionMode,
    PolicyType,
    FALLBACK_TARGET_FLAG,
    FALLBACK_ACTIONID,
    FALLBACK_ACTIONID_SMARTSESSION_CALL,
    VALUE_SELECTOR,
    MAX_SET_ENTRIES
} from "./DataTypes.sol";
import {AssociatedSet, AssociatedSetLib, SetEntries} from "./lib/AssociatedSet.sol";
import {AssociatedList, AssociatedListLib, AddressList, AddressListLib} from "./lib/AssociatedList.sol";
import {IdLib} from "./lib/IdLib.sol";
import {HashLib} from "./lib/HashLib.sol";
import {EnableDecoder} from "./lib/EnableDecoder.sol";
import {ExecutionDecoder} from "./lib/ExecutionDecoder.sol";
import {ValidationDataLib} from "./lib/ValidationDataLib.sol";



/// @dev Storage of one session. The header is one slot: `validator` (20 bytes), `flags`
/// (`FLAG_PAYMASTER`: the session may use an ERC-4337 paymaster; `FLAG_INLINE_SIGNER`: see below),
/// `position` (the 1-based index of the permissionId in the account's enabled list, 0 when not
/// enabled), `dataLength` and the enable-signature `nonce`. The validator's init data follows as
/// flat words (`data[i]` at slot offset `1 + i`, so offsets stay ≤ 126 < 128).
/// Inline signer: for the canonical MEE validator (`MEE_K1_VALIDATOR`) with its usual 20-byte init
/// data (the session signer, non-zero), `validator` holds that signer, `FLAG_INLINE_SIGNER` is set
/// and no data word is written; the validator address is the constant. Validation reads the header
/// anyway, so the enabled check, the paymaster permit and (inline) the validator's data cost no
/// extra slot, and the nonce costs no slot of its own when a session is enabled by signature.
struct SessionValidatorConfig {
    address validator;
    uint8 flags;
    uint8 position;
    uint16 dataLength;
    uint64 nonce;
    bytes32[125] data;
}

/// @title SmartSessionStorage
/// @notice State layout shared by `SmartSession` and the `SmartSessionViews` extension it delegates
/// to; see `SmartSession` for the ERC-7562 storage rules this layout follows.
abstract contract SmartSessionStorage is ISmartSessionTypes {
    using AssociatedSetLib for AssociatedSet;
    using AssociatedListLib for AssociatedList;
    using AddressListLib for AddressList;

    bytes4 internal constant EXECUTE_SELECTOR = 0xe9ae5c53;
    bytes4 internal constant EXECUTE_USER_OP_SELECTOR = 0x8dd7712f;
    bytes4 internal constant EXECUTE_COMPOSABLE_SELECTOR = 0xea5a6d91;
    bytes4 internal constant EIP1271_SUCCESS = 0x1626ba7e;
    bytes4 internal constant EIP1271_FAILED = 0xffffffff;
    uint256 internal constant VALIDATION_FAILED = 1;
    uint256 internal constant MAX_VALIDATOR_DATA = 125 * 32;
    /// @dev The canonical SudoPolicy of Smart Sessions v1 (CREATE2 through the Safe singleton
    /// factory, the same address and code on every chain). It returns 0 to every check, so
    /// validation skips the call: the result is the same and the cold call is saved. A policy is
    /// only ever listed after its ERC-165 check and initialization succeeded at this address.
    address internal constant SUDO_POLICY = 0x0000000000FEEc8D74e3143fBaBbca515358d869;
    /// @dev The canonical MEE K1 validator (MEE 2.0.0), whose 20-byte session data is kept inline.
    address internal constant MEE_K1_VALIDATOR = 0x00000000d12897DDAdC2044614A9677B191A2d95;
    uint8 internal constant FLAG_PAYMASTER = 1;
    uint8 internal constant FLAG_INLINE_SIGNER = 2;

    /// @dev Enabled permissionIds per account; membership is the header's `position`.
    AssociatedList internal $enabledSessions;
    mapping(bytes32 permissionId => AddressList) internal $userOpPolicies;
    mapping(bytes32 permissionId => AddressList) internal $erc1271Policies;
    mapping(bytes32 actionId => mapping(bytes32 permissionId => AddressList)) internal $actionPolicies;
    mapping(bytes32 permissionId => AssociatedList) internal $enabledActionIds;
    mapping(bytes32 permissionId => AssociatedSet) internal $enabledDomains;
    mapping(bytes32 permissionId => mapping(bytes32 appDomain => AssociatedSet)) internal $enabledContents;
    mapping(bytes32 permissionId => mapping(address account => SessionValidatorConfig)) internal $sessionValidators;

    /// @dev A memory copy of the call's arguments. Management entry points decode their structs from
    /// it with the same (memory) ABI decoder that the ENABLE payload needs, instead of a second,
    /// calldata-to-memory decoder: this keeps the module's code under the EIP-170 limit.
    function _args() internal pure returns (bytes memory) {
        return msg.data[4:];
    }

    /// @dev The session validator and its init data (see `SessionValidatorConfig` for the inline form).
    function _loadValidator(SessionValidatorConfig storage conf)
        internal
        view
        returns (address validator, bytes memory data)
    {
        validator = conf.validator;
        if (conf.flags & FLAG_INLINE_SIGNER != 0) return (MEE_K1_VALIDATOR, abi.encodePacked(validator));
        uint256 len = conf.dataLength;
        data = new bytes(len);
        uint256 words = (len + 31) / 32;
        for (uint256 i; i < words; ++i) {
            bytes32 w = conf.data[i];
            assembly ("memory-safe") {
                mstore(add(add(data, 0x20), shl(5, i)), w)
            }
        }
    }

    function _validatorOf(SessionValidatorConfig storage conf) internal view returns (address) {
        return conf.flags & FLAG_INLINE_SIGNER != 0 ? MEE_K1_VALIDATOR : conf.validator;
    }

    function _isValidSessionSignature(bytes32 permissionId, address account, bytes32 hash, bytes memory sig)
        internal
        view
        returns (bool)
    {
        (address validator, bytes memory data) = _loadValidator($sessionValidators[permissionId][account]);
        if (validator == address(0)) revert SignerNotFound(permissionId, account);
        return IStatelessValidator(validator).validateSignatureWithData(hash, sig, data);
    }

    function _isEnabled(bytes32 permissionId, address account) internal view returns (bool) {
        return $sessionValidators[permissionId][account].position != 0;
    }

    function _requireEnabled(bytes32 permissionId, address account) internal view {
        if (!_isEnabled(permissionId, account)) revert InvalidPermissionId(permissionId);
    }

    /// @dev Appends `permissionId` to the account's enabled list and records its index in the header.
    function _addEnabled(bytes32 permissionId, address account) internal {
        SessionValidatorConfig storage conf = $sessionValidators[permissionId][account];
        if (conf.position != 0) return;
        SetEntries storage e = $enabledSessions._entries[account];
        uint256 len = e.length;
        if (len >= MAX_SET_ENTRIES) revert TooManyEntries();
        e.values[len] = permissionId;
        e.length = len + 1;
        conf.position = uint8(len + 1);
    }

    /// @dev Swap-and-pop removal from the enabled list; the moved id's header index follows.
    function _removeEnabled(bytes32 permissionId, address account) internal {
        SessionValidatorConfig storage conf = $sessionValidators[permissionId][account];
        uint256 pos = conf.position;
        if (pos == 0) return;
        SetEntries storage e = $enabledSessions._entries[account];
        uint256 last = e.length - 1;
        if (pos - 1 != last) {
            bytes32 moved = e.values[last];
            e.values[pos - 1] = moved;
            $sessionValidators[moved][account].position = uint8(pos);
        }
        e.values[last] = bytes32(0);
        e.length = last;
        conf.position = 0;
    }

}
