//! `sessionDetails`: the JSON the SDK attaches to session userOps in quote and exec requests,
//! and that apps store between granting and using a permission.
//!
//! The shape follows the TypeScript SDK exactly:
//!
//! ```json
//! { "mode": "0x00", "permissionId": "0x…", "signature": "0x…",
//!   "enableSessionData": {
//!     "enableSession": { "chainDigestIndex": 0,
//!                        "hashesAndChainIds": [{ "chainId": "8453", "sessionDigest": "0x…" }],
//!                        "sessionToEnable": { …Session, "chainId": "8453" },
//!                        "permissionEnableSig": "0x…" },
//!     "validator": "0x0000000000000000000000000000000000000000",
//!     "accountType": "nexus" } }
//! ```
//!
//! Chain ids of `hashesAndChainIds` and `sessionToEnable` are bigints in the SDK: over HTTP they
//! are decimal strings, in the SDK's own `stringify` they are `{"__type":"bigint","value":"…"}`;
//! both forms (and plain numbers) are accepted when reading. `chainDigestIndex` and the
//! optional per-action `chainId` are JSON numbers. Policies carry their address twice
//! (`policy` and `address`). Addresses are written checksummed.

use alloy_primitives::{Address, B256, Bytes, FixedBytes, bytes};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{
    ids::PermissionId,
    session::{
        ActionData, ChainDigest, ERC7739Context, ERC7739Data, EnableSession, PolicyData, Session,
        SmartSessionMode,
    },
};

/// The placeholder the SDK puts in `sessionDetails.signature`: a fixed 65-byte mock signature
/// (the node builds the real session signature from the exec signature).
pub const MOCK_SIGNATURE: Bytes = bytes!(
    "e8b94748580ca0b4993c9a1b86b5be851bfc076ff5ce3a1ff65bf16392acfcb800f9b4f1aef1555c7fce5599fffb17e7c635502154a0333ba21f3ae491839af51c"
);

/// The account type the SDK records for Nexus accounts.
pub const ACCOUNT_TYPE_NEXUS: &str = "nexus";

/// One chain's session details.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionDetails {
    /// `USE` (0x00) for a prepared (already enabled) session, `UNSAFE_ENABLE` (0x02) for a
    /// granted one. Written as a one-byte hex string.
    #[serde(with = "mode_hex")]
    pub mode: SmartSessionMode,
    /// The session's permission id.
    pub permission_id: PermissionId,
    /// A placeholder ([`MOCK_SIGNATURE`]).
    pub signature: Bytes,
    /// The session and, for granted sessions, the owner's enable signature.
    pub enable_session_data: EnableSessionData,
}

/// The enable part of [`SessionDetails`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnableSessionData {
    /// The enable data.
    pub enable_session: EnableSessionEntry,
    /// The validator that checks the owner's enable signature (`address(0)` = the account's
    /// default validator).
    #[serde(with = "checksum")]
    pub validator: Address,
    /// `"nexus"`.
    pub account_type: String,
}

/// `EnableSession` in JSON form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnableSessionEntry {
    /// Index of this chain in `hashes_and_chain_ids`.
    pub chain_digest_index: u8,
    /// Per-chain session digests (a single dummy entry with an empty digest for prepared
    /// sessions).
    pub hashes_and_chain_ids: Vec<ChainDigestEntry>,
    /// The session.
    pub session_to_enable: SessionEntry,
    /// The owner's signature over the multichain digest, without the validator prefix (empty
    /// for prepared sessions).
    pub permission_enable_sig: Bytes,
}

/// A chain id and its session digest. The digest is empty (`"0x"`) in prepared sessions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChainDigestEntry {
    /// The chain id (a bigint in the SDK).
    #[serde(with = "bigint")]
    pub chain_id: u64,
    /// The session digest.
    pub session_digest: Bytes,
}

/// A `Session` in JSON form, with the chain it is for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionEntry {
    /// The session validator.
    #[serde(rename = "sessionValidator", with = "checksum")]
    pub session_validator: Address,
    /// The session validator's data (the redeemer address for MEE 2.x, written checksummed).
    #[serde(rename = "sessionValidatorInitData", serialize_with = "init_data_hex")]
    pub session_validator_init_data: Bytes,
    /// The salt.
    pub salt: B256,
    /// UserOp policies.
    #[serde(rename = "userOpPolicies")]
    pub user_op_policies: Vec<PolicyData>,
    /// ERC-1271 permissions.
    #[serde(rename = "erc7739Policies")]
    pub erc7739_policies: ERC7739Data,
    /// Actions.
    pub actions: Vec<ActionEntry>,
    /// Whether paymasters are allowed.
    #[serde(rename = "permitERC4337Paymaster")]
    pub permit_erc4337_paymaster: bool,
    /// The chain (a bigint in the SDK; not part of the on-chain struct).
    #[serde(rename = "chainId", with = "bigint")]
    pub chain_id: u64,
}

/// An `ActionData` in JSON form. Actions given to the grant flow keep a numeric `chainId`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionEntry {
    /// The target contract.
    #[serde(with = "checksum")]
    pub action_target: Address,
    /// The selector.
    pub action_target_selector: FixedBytes<4>,
    /// The policies.
    pub action_policies: Vec<PolicyData>,
    /// The chain, when the action was given with one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain_id: Option<u64>,
}

impl From<ActionEntry> for ActionData {
    fn from(entry: ActionEntry) -> Self {
        Self::new(
            entry.action_target,
            entry.action_target_selector,
            entry.action_policies,
        )
    }
}

impl ActionEntry {
    /// The JSON form of an action, optionally tagged with its chain.
    pub fn new(action: ActionData, chain_id: Option<u64>) -> Self {
        Self {
            action_target: action.actionTarget,
            action_target_selector: action.actionTargetSelector,
            action_policies: action.actionPolicies,
            chain_id,
        }
    }
}

impl SessionEntry {
    /// The JSON form of `session` on `chain_id`.
    pub fn new(session: Session, chain_id: u64) -> Self {
        Self {
            session_validator: session.sessionValidator,
            session_validator_init_data: session.sessionValidatorInitData,
            salt: session.salt,
            user_op_policies: session.userOpPolicies,
            erc7739_policies: session.erc7739Policies,
            actions: session
                .actions
                .into_iter()
                .map(|action| ActionEntry::new(action, None))
                .collect(),
            permit_erc4337_paymaster: session.permitERC4337Paymaster,
            chain_id,
        }
    }

    /// The on-chain session.
    pub fn to_session(&self) -> Session {
        Session {
            sessionValidator: self.session_validator,
            sessionValidatorInitData: self.session_validator_init_data.clone(),
            salt: self.salt,
            userOpPolicies: self.user_op_policies.clone(),
            erc7739Policies: self.erc7739_policies.clone(),
            actions: self.actions.iter().cloned().map(ActionData::from).collect(),
            permitERC4337Paymaster: self.permit_erc4337_paymaster,
        }
    }
}

impl SessionDetails {
    /// The details of a session enabled on-chain beforehand (the PREPARE flow): mode `USE`,
    /// dummy enable data.
    pub fn prepared(session: Session, chain_id: u64) -> Self {
        let permission_id = session.permission_id();
        Self {
            mode: SmartSessionMode::USE,
            permission_id,
            signature: MOCK_SIGNATURE,
            enable_session_data: EnableSessionData {
                enable_session: EnableSessionEntry {
                    chain_digest_index: 0,
                    hashes_and_chain_ids: vec![ChainDigestEntry {
                        chain_id,
                        session_digest: Bytes::new(),
                    }],
                    session_to_enable: SessionEntry::new(session, chain_id),
                    permission_enable_sig: Bytes::new(),
                },
                validator: Address::ZERO,
                account_type: ACCOUNT_TYPE_NEXUS.to_owned(),
            },
        }
    }

    /// The chain the session is for.
    pub fn chain_id(&self) -> u64 {
        self.enable_session_data
            .enable_session
            .session_to_enable
            .chain_id
    }

    /// The on-chain session.
    pub fn session(&self) -> Session {
        self.enable_session_data
            .enable_session
            .session_to_enable
            .to_session()
    }

    /// The on-chain `EnableSession` of these details, with `permissionEnableSig =
    /// validator ‖ ownerSig` as the contract reads it. Returns `None` when a chain digest is not
    /// 32 bytes (prepared sessions carry dummy digests) or the index is out of range.
    pub fn to_enable_session(&self) -> Option<EnableSession> {
        let enable = &self.enable_session_data.enable_session;
        let hashes = enable
            .hashes_and_chain_ids
            .iter()
            .map(|entry| {
                (entry.session_digest.len() == 32).then(|| ChainDigest {
                    chainId: entry.chain_id,
                    sessionDigest: B256::from_slice(&entry.session_digest),
                })
            })
            .collect::<Option<Vec<_>>>()?;
        if usize::from(enable.chain_digest_index) >= hashes.len() {
            return None;
        }
        let permission_enable_sig = [
            self.enable_session_data.validator.as_slice(),
            enable.permission_enable_sig.as_ref(),
        ]
        .concat();
        Some(EnableSession {
            chainDigestIndex: enable.chain_digest_index,
            hashesAndChainIds: hashes,
            sessionToEnable: enable.session_to_enable.to_session(),
            permissionEnableSig: permission_enable_sig.into(),
        })
    }
}

/// Serialises session details as the SDK's exported `stringify` does: chain-id bigints as
/// `{"__type":"bigint","value":"…"}`.
pub fn to_sdk_stringify<T: Serialize + ?Sized>(details: &T) -> serde_json::Result<String> {
    let mut value = serde_json::to_value(details)?;
    tag_bigints(&mut value);
    serde_json::to_string(&value)
}

fn tag_bigints(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Array(items) => items.iter_mut().for_each(tag_bigints),
        Value::Object(map) => {
            let is_session = map.contains_key("sessionValidator");
            let is_chain_digest = map.contains_key("sessionDigest");
            if (is_session || is_chain_digest)
                && let Some(chain_id) = map.get_mut("chainId")
                && let Value::String(decimal) = chain_id
            {
                *chain_id = serde_json::json!({ "__type": "bigint", "value": decimal });
            }
            map.iter_mut()
                .filter(|(key, _)| key.as_str() != "chainId")
                .for_each(|(_, item)| tag_bigints(item));
        }
        _ => {}
    }
}

#[derive(Serialize, Deserialize)]
struct PolicyRepr {
    #[serde(with = "checksum")]
    policy: Address,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "checksum::option"
    )]
    address: Option<Address>,
    #[serde(rename = "initData")]
    init_data: Bytes,
}

/// JSON form `{policy, address, initData}`; `address` repeats `policy` and is optional when
/// reading.
impl Serialize for PolicyData {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        PolicyRepr {
            policy: self.policy,
            address: Some(self.policy),
            init_data: self.initData.clone(),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for PolicyData {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let repr = PolicyRepr::deserialize(deserializer)?;
        if let Some(address) = repr.address
            && address != repr.policy
        {
            return Err(serde::de::Error::custom(format!(
                "policy {} and address {address} differ",
                repr.policy
            )));
        }
        Ok(Self::new(repr.policy, repr.init_data))
    }
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ActionRepr {
    #[serde(with = "checksum")]
    action_target: Address,
    action_target_selector: FixedBytes<4>,
    action_policies: Vec<PolicyData>,
}

/// JSON form `{actionTarget, actionTargetSelector, actionPolicies}`.
impl Serialize for ActionData {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ActionRepr {
            action_target: self.actionTarget,
            action_target_selector: self.actionTargetSelector,
            action_policies: self.actionPolicies.clone(),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for ActionData {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let repr = ActionRepr::deserialize(deserializer)?;
        Ok(Self::new(
            repr.action_target,
            repr.action_target_selector,
            repr.action_policies,
        ))
    }
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ContextRepr {
    app_domain_separator: B256,
    content_name: Vec<String>,
}

/// JSON form `{appDomainSeparator, contentName}`.
impl Serialize for ERC7739Context {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ContextRepr {
            app_domain_separator: self.appDomainSeparator,
            content_name: self.contentName.clone(),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for ERC7739Context {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let repr = ContextRepr::deserialize(deserializer)?;
        Ok(Self {
            appDomainSeparator: repr.app_domain_separator,
            contentName: repr.content_name,
        })
    }
}

#[derive(Serialize, Deserialize)]
struct Erc7739Repr {
    #[serde(rename = "allowedERC7739Content")]
    allowed: Vec<ERC7739Context>,
    #[serde(rename = "erc1271Policies")]
    policies: Vec<PolicyData>,
}

/// JSON form `{allowedERC7739Content, erc1271Policies}`.
impl Serialize for ERC7739Data {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Erc7739Repr {
            allowed: self.allowedERC7739Content.clone(),
            policies: self.erc1271Policies.clone(),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for ERC7739Data {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let repr = Erc7739Repr::deserialize(deserializer)?;
        Ok(Self {
            allowedERC7739Content: repr.allowed,
            erc1271Policies: repr.policies,
        })
    }
}

/// Writes 20-byte init data as a checksummed address (as the SDK passes the redeemer address
/// through), anything else as lowercase hex.
fn init_data_hex<S: Serializer>(data: &Bytes, serializer: S) -> Result<S::Ok, S::Error> {
    if data.len() == 20 {
        Address::from_slice(data)
            .to_checksum(None)
            .serialize(serializer)
    } else {
        data.serialize(serializer)
    }
}

/// Addresses written checksummed (EIP-55), as the SDK writes them; read in any case.
mod checksum {
    use alloy_primitives::Address;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(super) fn serialize<S: Serializer>(address: &Address, s: S) -> Result<S::Ok, S::Error> {
        address.to_checksum(None).serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Address, D::Error> {
        Address::deserialize(d)
    }

    /// The same for an optional address.
    pub(super) mod option {
        use alloy_primitives::Address;
        use serde::{Deserialize, Deserializer, Serialize, Serializer};

        pub(crate) fn serialize<S: Serializer>(
            address: &Option<Address>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            address
                .map(|address| address.to_checksum(None))
                .serialize(s)
        }

        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<Address>, D::Error> {
            Option::<Address>::deserialize(d)
        }
    }
}

/// A mode as a one-byte hex string, `"0x00"`.
mod mode_hex {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    use crate::session::SmartSessionMode;

    pub(super) fn serialize<S: Serializer>(
        mode: &SmartSessionMode,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("0x{:02x}", mode.as_u8()))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<SmartSessionMode, D::Error> {
        let text = String::deserialize(d)?;
        let digits = text.strip_prefix("0x").unwrap_or(&text);
        u8::from_str_radix(digits, 16)
            .ok()
            .and_then(SmartSessionMode::from_u8)
            .ok_or_else(|| D::Error::custom(format!("invalid Smart Sessions mode {text:?}")))
    }
}

/// A bigint written as a decimal string; read from a decimal or `0x` string, a number, or the
/// SDK's `{"__type":"bigint","value":"…"}`.
mod bigint {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Repr {
        Number(u64),
        Text(String),
        Tagged {
            #[serde(rename = "__type")]
            kind: String,
            value: String,
        },
    }

    pub(super) fn serialize<S: Serializer>(value: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&value.to_string())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        let text = match Repr::deserialize(d)? {
            Repr::Number(value) => return Ok(value),
            Repr::Text(text) => text,
            Repr::Tagged { kind, value } if kind == "bigint" => value,
            Repr::Tagged { kind, .. } => {
                return Err(D::Error::custom(format!("unexpected tagged type {kind:?}")));
            }
        };
        let parsed = match text.strip_prefix("0x") {
            Some(hex) => u64::from_str_radix(hex, 16),
            None => text.parse(),
        };
        parsed.map_err(|err| D::Error::custom(format!("invalid bigint {text:?}: {err}")))
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::address;

    use super::*;

    fn session() -> Session {
        Session {
            sessionValidator: address!("0x00000000d12897DDAdC2044614A9677B191A2d95"),
            sessionValidatorInitData: address!("0x1563915e194D8CfBA1943570603F7606A3115508")
                .to_vec()
                .into(),
            salt: B256::repeat_byte(7),
            userOpPolicies: vec![PolicyData::sudo()],
            actions: vec![ActionData::new(
                address!("0xc0fFEE0000000000000000000000000000000003"),
                FixedBytes::new([0x27, 0x3e, 0xa3, 0xe3]),
                vec![PolicyData::sudo()],
            )],
            permitERC4337Paymaster: true,
            ..Session::default()
        }
    }

    #[test]
    fn prepared_details_have_the_sdk_shape() {
        let details = SessionDetails::prepared(session(), 8453);
        let json = serde_json::to_value(&details).unwrap();
        assert_eq!(json["mode"], "0x00");
        let enable = &json["enableSessionData"]["enableSession"];
        assert_eq!(enable["chainDigestIndex"], 0);
        assert_eq!(enable["hashesAndChainIds"][0]["chainId"], "8453");
        assert_eq!(enable["hashesAndChainIds"][0]["sessionDigest"], "0x");
        let session = &enable["sessionToEnable"];
        assert_eq!(session["chainId"], "8453");
        assert_eq!(
            session["sessionValidatorInitData"],
            "0x1563915e194D8CfBA1943570603F7606A3115508"
        );
        assert_eq!(
            session["userOpPolicies"][0]["address"],
            session["userOpPolicies"][0]["policy"]
        );
        assert_eq!(json["enableSessionData"]["accountType"], "nexus");
        let back: SessionDetails = serde_json::from_value(json).unwrap();
        assert_eq!(back, details);
        assert!(details.to_enable_session().is_none());
    }

    #[test]
    fn bigints_read_in_every_form() {
        for text in [
            r#""8453""#,
            "8453",
            r#""0x2105""#,
            r#"{"__type":"bigint","value":"8453"}"#,
        ] {
            let json = format!(r#"{{"chainId":{text},"sessionDigest":"0x"}}"#);
            let entry: ChainDigestEntry = serde_json::from_str(&json).unwrap();
            assert_eq!(entry.chain_id, 8453, "{text}");
        }
        assert!(
            serde_json::from_str::<ChainDigestEntry>(r#"{"chainId":"x","sessionDigest":"0x"}"#)
                .is_err()
        );
    }

    #[test]
    fn sdk_stringify_tags_chain_ids_only() {
        let mut details = SessionDetails::prepared(session(), 10);
        details
            .enable_session_data
            .enable_session
            .session_to_enable
            .actions[0]
            .chain_id = Some(10);
        let text = to_sdk_stringify(&details).unwrap();
        assert_eq!(
            text.matches(r#"{"__type":"bigint","value":"10"}"#).count(),
            2
        );
        assert!(text.contains(r#""chainId":10"#));
        let back: SessionDetails = serde_json::from_str(&text).unwrap();
        assert_eq!(back, details);
    }

    #[test]
    fn bad_modes_and_mismatched_policy_addresses_are_rejected() {
        let mut json = serde_json::to_value(SessionDetails::prepared(session(), 1)).unwrap();
        json["mode"] = "0x03".into();
        assert!(serde_json::from_value::<SessionDetails>(json).is_err());
        let policy = r#"{"policy":"0x0000000000FEEc8D74e3143fBaBbca515358d869","address":"0x0000000000000000000000000000000000000001","initData":"0x"}"#;
        assert!(serde_json::from_str::<PolicyData>(policy).is_err());
    }
}
