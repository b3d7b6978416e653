//! Smart Sessions v1 structs, their ABI encoding, and the EIP-712 digests of the enable flow.
//!
//! The structs mirror the contract's `DataTypes.sol` in canonical tuple order, so
//! [`SolValue::abi_encode`] of a [`Session`] is the contract's `abi.encode(session)`.
//!
//! Enabling a session with an owner signature (modes `ENABLE` / `UNSAFE_ENABLE`) checks two
//! digests:
//!
//! - per chain, the *session digest* [`session_digest`]: `hashStruct(SignedSession)` for the
//!   account, the session, the mode and the account's enable nonce — what the contract's
//!   `getSessionDigest(permissionId, account, session, mode)` returns;
//! - once for all chains, the *multichain digest* [`multichain_digest`]: the EIP-712 signing
//!   hash of `MultiChainSession{ChainSession(chainId, sessionDigest)[]}` under the domain
//!   `{name: "SmartSession", version: "1"}` — what the owner signs.

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_sol_types::{Eip712Domain, SolStruct, SolValue, eip712_domain, sol};

use crate::{
    addresses::SMART_SESSIONS,
    ids::{
        FALLBACK_TARGET_FLAG, FALLBACK_TARGET_SELECTOR_FLAG,
        FALLBACK_TARGET_SELECTOR_FLAG_PERMITTED_TO_CALL_SMARTSESSION, PermissionId,
    },
};

sol! {
    /// A policy and the data it is initialised with for one config id.
    #[derive(Debug, Default, PartialEq, Eq, Hash)]
    struct PolicyData {
        /// The policy contract.
        address policy;
        /// Its init data (policy-specific).
        bytes initData;
    }

    /// A permitted action: a target and selector with the policies that check each call.
    #[derive(Debug, Default, PartialEq, Eq, Hash)]
    struct ActionData {
        /// The function selector (`0xffffffff` for plain value transfers).
        bytes4 actionTargetSelector;
        /// The target contract.
        address actionTarget;
        /// The policies every call to this action must pass.
        PolicyData[] actionPolicies;
    }

    /// An ERC-7739 content permission: an app domain and the content type names allowed in it.
    ///
    /// The field is called `contentName` in the EIP-712 type (and in the SDK's JSON); the
    /// Solidity struct names it `contentNames`. Names do not change the ABI encoding.
    #[derive(Debug, Default, PartialEq, Eq, Hash)]
    struct ERC7739Context {
        /// The app's EIP-712 domain separator.
        bytes32 appDomainSeparator;
        /// The permitted content type names.
        string[] contentName;
    }

    /// The ERC-1271 side of a session: permitted ERC-7739 contents and ERC-1271 policies.
    #[derive(Debug, Default, PartialEq, Eq, Hash)]
    struct ERC7739Data {
        /// Permitted ERC-7739 contents.
        ERC7739Context[] allowedERC7739Content;
        /// Policies checked on ERC-1271 signatures.
        PolicyData[] erc1271Policies;
    }

    /// A session: who may sign (validator and its data), under which policies, for which actions.
    #[derive(Debug, Default, PartialEq, Eq, Hash)]
    struct Session {
        /// The session validator (an ERC-7780 stateless validator).
        address sessionValidator;
        /// The data the session validator checks signatures against.
        bytes sessionValidatorInitData;
        /// A salt, so equal sessions can have different permission ids.
        bytes32 salt;
        /// Policies checked on every userOp.
        PolicyData[] userOpPolicies;
        /// ERC-1271 permissions.
        ERC7739Data erc7739Policies;
        /// Permitted actions.
        ActionData[] actions;
        /// Whether userOps with a paymaster are allowed.
        bool permitERC4337Paymaster;
    }

    /// A chain id and the session digest the owner signed for it.
    #[derive(Debug, Default, PartialEq, Eq, Hash)]
    struct ChainDigest {
        /// The chain id.
        uint64 chainId;
        /// The session digest on that chain ([`session_digest`]).
        bytes32 sessionDigest;
    }

    /// The enable data carried in the signature of an `ENABLE` / `UNSAFE_ENABLE` userOp.
    #[derive(Debug, Default, PartialEq, Eq, Hash)]
    struct EnableSession {
        /// Index of this chain in `hashesAndChainIds`.
        uint8 chainDigestIndex;
        /// The session digests of every chain the owner signed for.
        ChainDigest[] hashesAndChainIds;
        /// The session to enable.
        Session sessionToEnable;
        /// `validator (20 bytes, zero = the account's default validator) ‖ owner signature`.
        bytes permissionEnableSig;
    }

    /// How a Smart Sessions userOp signature is to be read (its first byte).
    #[derive(Debug, PartialEq, Eq, Hash)]
    enum SmartSessionMode {
        /// Use an enabled session.
        USE,
        /// Enable a session with an owner signature (registry attestations checked), then use it.
        ENABLE,
        /// Enable a session with an owner signature (attestations ignored), then use it.
        UNSAFE_ENABLE,
    }

    /// The permissions part of a [`SignedSession`] (EIP-712 only).
    #[derive(Debug, Default, PartialEq, Eq, Hash)]
    struct SignedPermissions {
        /// Derived: some action is the generic fallback action.
        bool permitGenericPolicy;
        /// Derived: some action is the fallback action that may call Smart Sessions itself.
        bool permitAdminAccess;
        /// `mode == UNSAFE_ENABLE`.
        bool ignoreSecurityAttestations;
        /// The session's paymaster flag.
        bool permitERC4337Paymaster;
        /// The session's userOp policies.
        PolicyData[] userOpPolicies;
        /// The session's ERC-1271 permissions.
        ERC7739Data erc7739Policies;
        /// The session's actions.
        ActionData[] actions;
    }

    /// What the owner signs for one chain (EIP-712 only).
    #[derive(Debug, Default, PartialEq, Eq, Hash)]
    struct SignedSession {
        /// The account the session is enabled on.
        address account;
        /// The session's permissions.
        SignedPermissions permissions;
        /// The session validator.
        address sessionValidator;
        /// The session validator's data.
        bytes sessionValidatorInitData;
        /// The session salt.
        bytes32 salt;
        /// The Smart Sessions contract.
        address smartSession;
        /// The account's enable nonce for this permission id.
        uint256 nonce;
    }

    /// One chain of a [`MultiChainSession`] (EIP-712 only).
    #[derive(Debug, Default, PartialEq, Eq, Hash)]
    struct ChainSession {
        /// The chain id.
        uint64 chainId;
        /// The session on that chain.
        SignedSession session;
    }

    /// The EIP-712 message an owner signs to enable sessions on several chains at once.
    #[derive(Debug, Default, PartialEq, Eq, Hash)]
    struct MultiChainSession {
        /// One entry per chain.
        ChainSession[] sessionsAndChainIds;
    }

    /// The Smart Sessions functions the SDK and the node call.
    #[derive(Debug, PartialEq, Eq)]
    interface ISmartSession {
        /// Enables sessions without an owner signature (called by the account).
        function enableSessions(Session[] sessions) external returns (bytes32[] permissionIds);
        /// Removes a session.
        function removeSession(bytes32 permissionId) external;
        /// Invalidates outstanding enable signatures of a permission id.
        function revokeEnableSignature(bytes32 permissionId) external;
        /// The permission id of a session.
        function getPermissionId(Session session) external pure returns (bytes32 permissionId);
        /// The session digest of a session for an account and mode.
        function getSessionDigest(bytes32 permissionId, address account, Session data, uint8 mode) external view returns (bytes32);
        /// The account's enable nonce of a permission id.
        function getNonce(bytes32 permissionId, address account) external view returns (uint256);
        /// Whether a permission is enabled on an account.
        function isPermissionEnabled(bytes32 permissionId, address account) external view returns (bool);
    }
}

/// The EIP-712 domain of Smart Sessions enable signatures: name `"SmartSession"`, version `"1"`,
/// no chain id and no verifying contract.
pub const SMART_SESSION_DOMAIN: Eip712Domain = eip712_domain! {
    name: "SmartSession",
    version: "1",
};

/// The EIP-712 type hash of a struct, `keccak256(encodeType)`.
pub fn eip712_type_hash<T: SolStruct>() -> B256 {
    keccak256(T::eip712_encode_type().as_bytes())
}

impl SmartSessionMode {
    /// The mode byte.
    pub const fn as_u8(&self) -> u8 {
        match self {
            Self::USE => 0,
            Self::ENABLE => 1,
            Self::UNSAFE_ENABLE => 2,
            Self::__Invalid => u8::MAX,
        }
    }

    /// The mode of a mode byte, if it is one.
    pub const fn from_u8(byte: u8) -> Option<Self> {
        match byte {
            0 => Some(Self::USE),
            1 => Some(Self::ENABLE),
            2 => Some(Self::UNSAFE_ENABLE),
            _ => None,
        }
    }

    /// Whether the mode enables a session (`ENABLE` or `UNSAFE_ENABLE`).
    pub const fn is_enable(&self) -> bool {
        matches!(self, Self::ENABLE | Self::UNSAFE_ENABLE)
    }
}

impl PolicyData {
    /// A policy with its init data.
    pub fn new(policy: Address, init_data: impl Into<Bytes>) -> Self {
        Self {
            policy,
            initData: init_data.into(),
        }
    }
}

impl ActionData {
    /// An action with its policies.
    pub fn new(
        target: Address,
        selector: alloy_primitives::FixedBytes<4>,
        policies: Vec<PolicyData>,
    ) -> Self {
        Self {
            actionTargetSelector: selector,
            actionTarget: target,
            actionPolicies: policies,
        }
    }

    /// Whether this is the generic fallback action (target `address(1)`, selector `0x00000001`).
    pub fn is_generic_fallback(&self) -> bool {
        self.actionTarget == FALLBACK_TARGET_FLAG
            && self.actionTargetSelector == FALLBACK_TARGET_SELECTOR_FLAG
    }

    /// Whether this is the admin fallback action (target `address(1)`, selector `0x00000002`).
    pub fn is_admin_fallback(&self) -> bool {
        self.actionTarget == FALLBACK_TARGET_FLAG
            && self.actionTargetSelector
                == FALLBACK_TARGET_SELECTOR_FLAG_PERMITTED_TO_CALL_SMARTSESSION
    }
}

impl Session {
    /// The session's permission id, `keccak256(abi.encode(sessionValidator,
    /// sessionValidatorInitData, salt))`.
    pub fn permission_id(&self) -> PermissionId {
        PermissionId::from_parts(
            self.sessionValidator,
            &self.sessionValidatorInitData,
            self.salt,
        )
    }

    /// The permissions the owner signs for this session in `mode`, with the two flags derived
    /// from the actions as the contract derives them.
    pub fn signed_permissions(&self, mode: SmartSessionMode) -> SignedPermissions {
        SignedPermissions {
            permitGenericPolicy: self.actions.iter().any(ActionData::is_generic_fallback),
            permitAdminAccess: self.actions.iter().any(ActionData::is_admin_fallback),
            ignoreSecurityAttestations: mode == SmartSessionMode::UNSAFE_ENABLE,
            permitERC4337Paymaster: self.permitERC4337Paymaster,
            userOpPolicies: self.userOpPolicies.clone(),
            erc7739Policies: self.erc7739Policies.clone(),
            actions: self.actions.clone(),
        }
    }

    /// The [`SignedSession`] the owner signs for this session on `account`.
    pub fn signed_session(
        &self,
        account: Address,
        mode: SmartSessionMode,
        nonce: U256,
    ) -> SignedSession {
        SignedSession {
            account,
            permissions: self.signed_permissions(mode),
            sessionValidator: self.sessionValidator,
            sessionValidatorInitData: self.sessionValidatorInitData.clone(),
            salt: self.salt,
            smartSession: SMART_SESSIONS,
            nonce,
        }
    }
}

/// The calldata of `enableSessions(sessions)` (selector `0x21712407`).
pub fn enable_sessions_calldata(sessions: Vec<Session>) -> Bytes {
    alloy_sol_types::SolCall::abi_encode(&ISmartSession::enableSessionsCall { sessions }).into()
}

/// The session digest of `session` on `account` for `mode` with the account's enable `nonce`:
/// what `SmartSession.getSessionDigest(permissionId, account, session, mode)` returns.
pub fn session_digest(
    account: Address,
    session: &Session,
    mode: SmartSessionMode,
    nonce: U256,
) -> B256 {
    session
        .signed_session(account, mode, nonce)
        .eip712_hash_struct()
}

/// `hashStruct(ChainSession)` from a chain id and that chain's session digest.
pub fn chain_session_hash(chain_digest: &ChainDigest) -> B256 {
    let type_hash = eip712_type_hash::<ChainSession>();
    keccak256(
        (
            type_hash,
            U256::from(chain_digest.chainId),
            chain_digest.sessionDigest,
        )
            .abi_encode(),
    )
}

/// `hashStruct(MultiChainSession)` from the per-chain session digests.
pub fn multichain_session_hash(chain_digests: &[ChainDigest]) -> B256 {
    let items: Vec<u8> = chain_digests
        .iter()
        .flat_map(|digest| chain_session_hash(digest).0)
        .collect();
    let type_hash = eip712_type_hash::<MultiChainSession>();
    keccak256((type_hash, keccak256(items)).abi_encode())
}

/// The digest an owner signs to enable sessions on several chains:
/// `keccak256(0x1901 ‖ domainSeparator ‖ hashStruct(MultiChainSession))`. Signing it as a
/// typed-data digest equals `eth_signTypedData` over the whole `MultiChainSession`; the
/// personal-sign variant signs its EIP-191 hash instead.
pub fn multichain_digest(chain_digests: &[ChainDigest]) -> B256 {
    let mut preimage = Vec::with_capacity(66);
    preimage.extend_from_slice(&[0x19, 0x01]);
    preimage.extend_from_slice(SMART_SESSION_DOMAIN.separator().as_slice());
    preimage.extend_from_slice(multichain_session_hash(chain_digests).as_slice());
    keccak256(preimage)
}

/// `abi.encode(session)` as the contract encodes a single `Session` argument.
pub fn abi_encode_session(session: &Session) -> Vec<u8> {
    session.abi_encode()
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{address, b256, fixed_bytes};

    use super::*;

    fn sample_session() -> Session {
        Session {
            sessionValidator: address!("0x00000000d12897DDAdC2044614A9677B191A2d95"),
            sessionValidatorInitData: Bytes::from(vec![0x11; 20]),
            salt: B256::with_last_byte(1),
            userOpPolicies: vec![PolicyData::new(
                crate::addresses::policies::SUDO,
                Bytes::new(),
            )],
            erc7739Policies: ERC7739Data::default(),
            actions: vec![ActionData::new(
                address!("0xc0ffee0000000000000000000000000000000003"),
                fixed_bytes!("0x273ea3e3"),
                vec![PolicyData::new(
                    crate::addresses::policies::SUDO,
                    Bytes::new(),
                )],
            )],
            permitERC4337Paymaster: true,
        }
    }

    #[test]
    fn typehashes_match_the_contract() {
        assert_eq!(
            eip712_type_hash::<PolicyData>(),
            b256!("0xdddac12cd8b10a071bea04226e97ac9490698394e19224abc47a5cfeeeb6ee97")
        );
        assert_eq!(
            eip712_type_hash::<SignedSession>(),
            b256!("0xd44896e3cb83d70abc949a38dd6f9f75e675dc329dfe958617f066f79ff88f05")
        );
        assert_eq!(
            SMART_SESSION_DOMAIN.separator(),
            b256!("0x057501e891776d1482927e5f094ae44049a4d893ba2d7b334dd7db8d38d3a0e1")
        );
    }

    #[test]
    fn fallback_actions_set_the_derived_flags() {
        let mut session = sample_session();
        let plain = session.signed_permissions(SmartSessionMode::ENABLE);
        assert!(!plain.permitGenericPolicy && !plain.permitAdminAccess);
        assert!(!plain.ignoreSecurityAttestations);
        session.actions.push(ActionData::new(
            FALLBACK_TARGET_FLAG,
            FALLBACK_TARGET_SELECTOR_FLAG,
            vec![],
        ));
        let generic = session.signed_permissions(SmartSessionMode::UNSAFE_ENABLE);
        assert!(generic.permitGenericPolicy && !generic.permitAdminAccess);
        assert!(generic.ignoreSecurityAttestations);
        session.actions.push(ActionData::new(
            FALLBACK_TARGET_FLAG,
            FALLBACK_TARGET_SELECTOR_FLAG_PERMITTED_TO_CALL_SMARTSESSION,
            vec![],
        ));
        assert!(
            session
                .signed_permissions(SmartSessionMode::USE)
                .permitAdminAccess
        );
    }

    #[test]
    fn multichain_digest_equals_typed_data_over_the_full_tree() {
        let account = address!("0x50255639C0e4d184cEBFF9Ea78F3055283290700");
        let session = sample_session();
        let chains = [8453u64, 10];
        let digests: Vec<ChainDigest> = chains
            .iter()
            .map(|&chain_id| ChainDigest {
                chainId: chain_id,
                sessionDigest: session_digest(
                    account,
                    &session,
                    SmartSessionMode::UNSAFE_ENABLE,
                    U256::ZERO,
                ),
            })
            .collect();
        let tree = MultiChainSession {
            sessionsAndChainIds: chains
                .iter()
                .map(|&chain_id| ChainSession {
                    chainId: chain_id,
                    session: session.signed_session(
                        account,
                        SmartSessionMode::UNSAFE_ENABLE,
                        U256::ZERO,
                    ),
                })
                .collect(),
        };
        assert_eq!(
            multichain_digest(&digests),
            tree.eip712_signing_hash(&SMART_SESSION_DOMAIN)
        );
    }

    #[test]
    fn mode_bytes_round_trip() {
        for byte in 0..3 {
            assert_eq!(SmartSessionMode::from_u8(byte).unwrap().as_u8(), byte);
        }
        assert_eq!(SmartSessionMode::from_u8(3), None);
        assert!(SmartSessionMode::UNSAFE_ENABLE.is_enable());
        assert!(!SmartSessionMode::USE.is_enable());
    }
}
