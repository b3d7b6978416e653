// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @dev Wire types of Smart Sessions v1. Field order and types are the canonical ABI tuples, so
/// every selector, every `abi.encode` and every EIP-712 hash matches the deployed module.

/// @notice A policy contract and the data it is initialized with.
struct PolicyData {
    address policy;
    bytes initData;
}

/// @notice The policies that guard calls to `actionTarget` with selector `actionTargetSelector`.
struct ActionData {
    bytes4 actionTargetSelector;
    address actionTarget;
    PolicyData[] actionPolicies;
}

/// @notice An app domain and the ERC-7739 content types a session may sign under it.
struct ERC7739Context {
    bytes32 appDomainSeparator;
    string[] contentNames;
}

/// @notice ERC-1271 configuration of a session.
struct ERC7739Data {
    ERC7739Context[] allowedERC7739Content;
    PolicyData[] erc1271Policies;
}

/// @notice A session: who signs (a stateless session validator and its data) and what is allowed.
struct Session {
    address sessionValidator;
    bytes sessionValidatorInitData;
    bytes32 salt;
    PolicyData[] userOpPolicies;
    ERC7739Data erc7739Policies;
    ActionData[] actions;
    bool permitERC4337Paymaster;
}

/// @notice One chain's session digest inside a multichain enable signature.
struct ChainDigest {
    uint64 chainId;
    bytes32 sessionDigest;
}

/// @notice The payload of the ENABLE / UNSAFE_ENABLE signature modes.
struct EnableSession {
    uint8 chainDigestIndex;
    ChainDigest[] hashesAndChainIds;
    Session sessionToEnable;
    bytes permissionEnableSig;
}

/// @notice View return of `getEnabledERC7739Content`.
struct ERC7739ContextHashes {
    bytes32 appDomainSeparator;
    bytes32[] contentNameHashes;
}

/// @notice First byte of `userOp.signature`.
enum SmartSessionMode {
    USE,
    ENABLE,
    UNSAFE_ENABLE
}

/// @notice Policy kind, as emitted in events.
enum PolicyType {
    NA,
    USER_OP,
    ACTION,
    ERC1271
}

/// @dev The "fallback" action: target `address(1)`, selector `0x00000001`. Its policies guard every
/// call whose own actionId has no policies.
address constant FALLBACK_TARGET_FLAG = address(1);
bytes4 constant FALLBACK_TARGET_SELECTOR_FLAG = 0x00000001;
/// @dev The action that is allowed to call the SmartSession module itself: target `address(1)`,
/// selector `0x00000002`.
bytes4 constant FALLBACK_TARGET_SELECTOR_FLAG_PERMITTED_TO_CALL_SMARTSESSION = 0x00000002;
/// @dev keccak256(abi.encodePacked(address(1), bytes4(0x00000001))).
bytes32 constant FALLBACK_ACTIONID = 0xd884b6afa19f8ace90a388daca691e4e28f20cdac5aeefd46ad8bd1c074d28cf;
/// @dev keccak256(abi.encodePacked(address(1), bytes4(0x00000002))).
bytes32 constant FALLBACK_ACTIONID_SMARTSESSION_CALL =
    0x986126569d6396d837d7adeb3ca726199afaf83546f38726e6f331bb92d8e9d6;
/// @dev The selector used for calls whose callData is shorter than 4 bytes (plain value transfers).
bytes4 constant VALUE_SELECTOR = 0xFFFFFFFF;

/// @dev Most entries one associated set holds (policies per kind, actions, sessions per account).
uint256 constant MAX_SET_ENTRIES = 127;
