//! Sessions: preparing them for on-chain enabling (the `PREPARE` flow), granting them with an
//! owner signature (the `ENABLE_AND_USE` flow), and checking session details before use.
//!
//! Both flows build one session per chain: the MEE validator of the chain's version as
//! session validator with the redeemer (the session key's address) as its data, a fresh salt,
//! the sudo userOp policy, `permitERC4337Paymaster = true`, and the chain's actions with the
//! fee-token payment permission folded in ([`crate::payment`]).

use alloy::{
    primitives::{Address, B256, Bytes, U256},
    signers::SignerSync,
};
use mee_primitives::{
    ActionData, ChainDigest, PolicyData, Session, SessionDetails, SmartSessionMode,
    addresses::SMART_SESSIONS,
    execution::Call,
    session::{self, enable_sessions_calldata},
    session_details::{
        ACCOUNT_TYPE_NEXUS, ChainDigestEntry, EnableSessionData, EnableSessionEntry,
        MOCK_SIGNATURE, SessionEntry,
    },
};

use crate::{
    account::MultichainAccount,
    action::{SessionAction, batch},
    error::{Error, Result},
    payment::{FeeToken, add_payment_policy, default_max_payment_amount},
};

/// A source of session salts. The SDK draws 32 random bytes per session; tests and replays
/// can supply their own sequence.
pub trait SaltSource {
    /// The next salt.
    fn next_salt(&mut self) -> B256;
}

impl<F: FnMut() -> B256> SaltSource for F {
    fn next_salt(&mut self) -> B256 {
        self()
    }
}

/// Random salts from the operating system.
#[derive(Clone, Copy, Debug, Default)]
pub struct RandomSalt;

impl SaltSource for RandomSalt {
    fn next_salt(&mut self) -> B256 {
        B256::random()
    }
}

/// The options the two flows share: redeemer, actions and fee token.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct SessionOptions {
    redeemer: Option<Address>,
    fee_token: Option<FeeToken>,
    max_payment_amount: Option<U256>,
    fee_token_decimals: Option<u8>,
}

impl SessionOptions {
    fn redeemer(&self) -> Result<Address> {
        self.redeemer.ok_or(Error::MissingRedeemer)
    }

    /// The payment amount to permit, when a fee token is set.
    fn payment(&self) -> Result<Option<(FeeToken, U256)>> {
        let Some(fee_token) = self.fee_token else {
            return Ok(None);
        };
        let amount = match self.max_payment_amount.filter(|amount| !amount.is_zero()) {
            Some(amount) => amount,
            None => default_max_payment_amount(
                self.fee_token_decimals
                    .ok_or(Error::MissingMaxPaymentAmount)?,
            ),
        };
        Ok(Some((fee_token, amount)))
    }

    fn session(
        &self,
        account: &MultichainAccount,
        chain_id: u64,
        actions: Vec<ActionData>,
        salt: B256,
    ) -> Result<Session> {
        let deployment = account.deployment_on(chain_id)?;
        Ok(Session {
            sessionValidator: deployment.version.mee_validator,
            sessionValidatorInitData: Bytes::copy_from_slice(self.redeemer()?.as_slice()),
            salt,
            userOpPolicies: vec![PolicyData::sudo()],
            erc7739Policies: Default::default(),
            actions,
            permitERC4337Paymaster: true,
        })
    }
}

/// Chain ids in order of first appearance.
fn unique_chain_ids(chain_ids: impl IntoIterator<Item = u64>) -> Vec<u64> {
    let mut unique = Vec::new();
    for chain_id in chain_ids {
        if !unique.contains(&chain_id) {
            unique.push(chain_id);
        }
    }
    unique
}

/// Builder of the sessions to enable on-chain before use (the SDK's `prepareEnableSessions`,
/// behind `getSessionQuote({mode: "PREPARE"})` and `prepareForPermissions`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnableSessions {
    options: SessionOptions,
    actions: Vec<SessionAction>,
    batch_actions: bool,
}

impl Default for EnableSessions {
    fn default() -> Self {
        Self {
            options: SessionOptions::default(),
            actions: Vec::new(),
            batch_actions: true,
        }
    }
}

/// A session prepared for one chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreparedSession {
    /// The chain.
    pub chain_id: u64,
    /// The session as reported in the session details. Without action batching this holds
    /// only the first group's actions, as the SDK reports it; the other groups are enabled
    /// under the same permission id by their own calls.
    pub session: Session,
    /// The session details (mode `USE`) to store and later pass to the node.
    pub details: SessionDetails,
    /// The `enableSessions` calls to run on the account (one, or one per group when action
    /// batching is off).
    pub enable_calls: Vec<Call>,
}

impl EnableSessions {
    /// A request with no actions, action batching on.
    pub fn new() -> Self {
        Self::default()
    }

    /// The session key's address.
    pub fn redeemer(mut self, redeemer: Address) -> Self {
        self.options.redeemer = Some(redeemer);
        self
    }

    /// Adds session actions.
    pub fn actions(mut self, actions: impl IntoIterator<Item = SessionAction>) -> Self {
        self.actions.extend(actions);
        self
    }

    /// The fee token; its payment permission is added to the fee chain's session.
    pub fn fee_token(mut self, fee_token: FeeToken) -> Self {
        self.options.fee_token = Some(fee_token);
        self
    }

    /// The most the session may pay in fees (default: 5 tokens, needs
    /// [`Self::fee_token_decimals`]).
    pub fn max_payment_amount(mut self, amount: U256) -> Self {
        self.options.max_payment_amount = Some(amount);
        self
    }

    /// The fee token's decimals, for the default maximum payment amount.
    pub fn fee_token_decimals(mut self, decimals: u8) -> Self {
        self.options.fee_token_decimals = Some(decimals);
        self
    }

    /// Whether all of a chain's session actions go into one session and one call (default
    /// `true`).
    pub fn batch_actions(mut self, batch_actions: bool) -> Self {
        self.batch_actions = batch_actions;
        self
    }

    /// Whether a maximum payment amount was set (else the fee token's decimals are needed).
    pub fn has_max_payment_amount(&self) -> bool {
        self.options
            .max_payment_amount
            .is_some_and(|amount| !amount.is_zero())
    }

    /// Whether a chain's actions go into one session and one call.
    pub fn batches_actions(&self) -> bool {
        self.batch_actions
    }

    /// The sessions, one per chain in order of first appearance, with salts from `salts`.
    pub fn try_prepare(
        &self,
        account: &MultichainAccount,
        salts: &mut impl SaltSource,
    ) -> Result<Vec<PreparedSession>> {
        self.options.redeemer()?;
        if self.actions.is_empty() {
            return Err(Error::EmptyActions);
        }
        if let Some(empty) = self.actions.iter().find(|entry| entry.actions.is_empty()) {
            return Err(Error::EmptyActionsForChain {
                chain_id: empty.chain_id,
            });
        }
        let payment = self.options.payment()?;
        let chain_ids = unique_chain_ids(self.actions.iter().map(|entry| entry.chain_id));
        chain_ids
            .into_iter()
            .map(|chain_id| {
                account.deployment_on(chain_id)?;
                let mut groups: Vec<SessionAction> = self
                    .actions
                    .iter()
                    .filter(|entry| entry.chain_id == chain_id)
                    .cloned()
                    .collect();
                if let Some((fee_token, amount)) =
                    payment.filter(|(token, _)| token.chain_id == chain_id)
                {
                    groups = add_payment_policy(groups, &fee_token, amount)?;
                }
                if self.batch_actions && groups.len() > 1 {
                    groups = vec![batch(groups)?];
                }
                let session = self.options.session(
                    account,
                    chain_id,
                    groups[0].actions.clone(),
                    salts.next_salt(),
                )?;
                let enable_calls = if self.batch_actions {
                    vec![enable_call(session.clone())]
                } else {
                    groups
                        .iter()
                        .map(|group| {
                            enable_call(Session {
                                actions: group.actions.clone(),
                                ..session.clone()
                            })
                        })
                        .collect()
                };
                Ok(PreparedSession {
                    chain_id,
                    details: SessionDetails::prepared(session.clone(), chain_id),
                    session,
                    enable_calls,
                })
            })
            .collect()
    }

    /// [`Self::try_prepare`] with random salts.
    pub fn prepare(&self, account: &MultichainAccount) -> Result<Vec<PreparedSession>> {
        self.try_prepare(account, &mut RandomSalt)
    }
}

fn enable_call(session: Session) -> Call {
    Call::new(SMART_SESSIONS, enable_sessions_calldata(vec![session]))
}

/// How the owner signs the multichain enable digest.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum GrantSignature {
    /// `personal_sign` of the 32-byte digest (EIP-191), as `grantPermissionPersonalSign`.
    #[default]
    PersonalSign,
    /// The EIP-712 digest itself, as `eth_signTypedData` over the `MultiChainSession` tree
    /// (`grantPermissionTypedDataSign`).
    TypedData,
}

/// Builder of a permission granted off-chain with one owner signature over all chains (the
/// SDK's `grantMeePermission*`), used with `ENABLE_AND_USE`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GrantPermission {
    options: SessionOptions,
    actions: Vec<(u64, ActionData)>,
    nonces: Vec<(u64, U256)>,
}

/// A grant before signing: the sessions, their digests and what the owner signs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnsignedGrant {
    /// One session per chain, in order.
    pub sessions: Vec<SessionEntry>,
    /// The per-chain session digests.
    pub chain_digests: Vec<ChainDigest>,
    /// The EIP-712 multichain digest.
    pub multichain_digest: B256,
}

impl GrantPermission {
    /// An empty grant.
    pub fn new() -> Self {
        Self::default()
    }

    /// The session key's address.
    pub fn redeemer(mut self, redeemer: Address) -> Self {
        self.options.redeemer = Some(redeemer);
        self
    }

    /// Adds an action on a chain.
    pub fn action(mut self, chain_id: u64, action: ActionData) -> Self {
        self.actions.push((chain_id, action));
        self
    }

    /// Adds the actions of session actions.
    pub fn session_actions(mut self, actions: impl IntoIterator<Item = SessionAction>) -> Self {
        for entry in actions {
            self.actions.extend(
                entry
                    .actions
                    .into_iter()
                    .map(|action| (entry.chain_id, action)),
            );
        }
        self
    }

    /// The fee token; its payment permission is added to the fee chain's session.
    pub fn fee_token(mut self, fee_token: FeeToken) -> Self {
        self.options.fee_token = Some(fee_token);
        self
    }

    /// The most the session may pay in fees (default: 5 tokens, needs
    /// [`Self::fee_token_decimals`]).
    pub fn max_payment_amount(mut self, amount: U256) -> Self {
        self.options.max_payment_amount = Some(amount);
        self
    }

    /// The fee token's decimals, for the default maximum payment amount.
    pub fn fee_token_decimals(mut self, decimals: u8) -> Self {
        self.options.fee_token_decimals = Some(decimals);
        self
    }

    /// The account's Smart Sessions enable nonce for the new permission on a chain
    /// (`SmartSession.getNonce`; 0, the default, for a fresh salt).
    pub fn nonce(mut self, chain_id: u64, nonce: U256) -> Self {
        self.nonces.retain(|(chain, _)| *chain != chain_id);
        self.nonces.push((chain_id, nonce));
        self
    }

    /// The sessions and digests, with salts from `salts`.
    pub fn try_unsigned(
        &self,
        account: &MultichainAccount,
        salts: &mut impl SaltSource,
    ) -> Result<UnsignedGrant> {
        self.options.redeemer()?;
        if self.actions.is_empty() {
            return Err(Error::EmptyActions);
        }
        let payment = self.options.payment()?;
        let mut sessions = Vec::new();
        let mut chain_digests = Vec::new();
        for chain_id in unique_chain_ids(self.actions.iter().map(|(chain_id, _)| *chain_id)) {
            let deployment = account.deployment_on(chain_id)?;
            let mut actions: Vec<ActionData> = self
                .actions
                .iter()
                .filter(|(chain, _)| *chain == chain_id)
                .map(|(_, action)| action.clone())
                .collect();
            if let Some((fee_token, amount)) =
                payment.filter(|(token, _)| token.chain_id == chain_id)
            {
                let merged = add_payment_policy(
                    vec![SessionAction { actions, chain_id }],
                    &fee_token,
                    amount,
                )?;
                actions = merged.into_iter().flat_map(|entry| entry.actions).collect();
            }
            let session = self
                .options
                .session(account, chain_id, actions, salts.next_salt())?;
            let nonce = self
                .nonces
                .iter()
                .find(|(chain, _)| *chain == chain_id)
                .map(|(_, nonce)| *nonce)
                .unwrap_or_default();
            chain_digests.push(ChainDigest {
                chainId: chain_id,
                sessionDigest: session::session_digest(
                    deployment.address,
                    &session,
                    SmartSessionMode::UNSAFE_ENABLE,
                    nonce,
                ),
            });
            let mut entry = SessionEntry::new(session, chain_id);
            entry
                .actions
                .iter_mut()
                .for_each(|action| action.chain_id = Some(chain_id));
            sessions.push(entry);
        }
        let multichain_digest = session::multichain_digest(&chain_digests);
        Ok(UnsignedGrant {
            sessions,
            chain_digests,
            multichain_digest,
        })
    }

    /// Builds, signs with `signer` and returns one session details entry per chain (mode
    /// `UNSAFE_ENABLE`).
    pub fn try_sign(
        &self,
        account: &MultichainAccount,
        salts: &mut impl SaltSource,
        signer: &impl SignerSync,
        kind: GrantSignature,
    ) -> Result<Vec<SessionDetails>> {
        let unsigned = self.try_unsigned(account, salts)?;
        let signature = unsigned.sign(signer, kind)?;
        Ok(unsigned.into_details(signature))
    }

    /// [`Self::try_sign`] with random salts.
    pub fn sign(
        &self,
        account: &MultichainAccount,
        signer: &impl SignerSync,
        kind: GrantSignature,
    ) -> Result<Vec<SessionDetails>> {
        self.try_sign(account, &mut RandomSalt, signer, kind)
    }
}

impl UnsignedGrant {
    /// The hash the owner's key signs for `kind`.
    pub fn signing_hash(&self, kind: GrantSignature) -> B256 {
        match kind {
            GrantSignature::PersonalSign => {
                alloy::primitives::eip191_hash_message(self.multichain_digest)
            }
            GrantSignature::TypedData => self.multichain_digest,
        }
    }

    /// The owner's 65-byte signature (`r ‖ s ‖ v`, v = 27/28).
    pub fn sign(&self, signer: &impl SignerSync, kind: GrantSignature) -> Result<Bytes> {
        let signature = match kind {
            GrantSignature::PersonalSign => {
                signer.sign_message_sync(self.multichain_digest.as_slice())?
            }
            GrantSignature::TypedData => signer.sign_hash_sync(&self.multichain_digest)?,
        };
        Ok(Bytes::copy_from_slice(&signature.as_bytes()))
    }

    /// The session details, given the owner's signature (from [`Self::sign`] or an external
    /// signer over [`Self::signing_hash`]).
    pub fn into_details(self, owner_signature: Bytes) -> Vec<SessionDetails> {
        let hashes: Vec<ChainDigestEntry> = self
            .chain_digests
            .iter()
            .map(|digest| ChainDigestEntry {
                chain_id: digest.chainId,
                session_digest: Bytes::copy_from_slice(digest.sessionDigest.as_slice()),
            })
            .collect();
        self.sessions
            .into_iter()
            .enumerate()
            .map(|(index, session)| SessionDetails {
                mode: SmartSessionMode::UNSAFE_ENABLE,
                permission_id: session.to_session().permission_id(),
                signature: MOCK_SIGNATURE,
                enable_session_data: EnableSessionData {
                    enable_session: EnableSessionEntry {
                        chain_digest_index: index as u8,
                        hashes_and_chain_ids: hashes.clone(),
                        session_to_enable: session,
                        permission_enable_sig: owner_signature.clone(),
                    },
                    validator: Address::ZERO,
                    account_type: ACCOUNT_TYPE_NEXUS.to_owned(),
                },
            })
            .collect()
    }
}

/// How a session key uses its session details.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UsageMode {
    /// The sessions are enabled already (prepared sessions).
    Use,
    /// The first userOp per chain enables the granted session, then uses it.
    EnableAndUse,
}

/// Checks session details against the usage mode as the SDK does: `EnableAndUse` needs a
/// granted entry (mode 0x02), `Use` takes none.
pub fn check_usage(details: &[SessionDetails], mode: UsageMode) -> Result<()> {
    let granted = details
        .iter()
        .any(|entry| entry.mode == SmartSessionMode::UNSAFE_ENABLE);
    match mode {
        UsageMode::EnableAndUse if !granted => Err(Error::EnableWithoutGrant),
        UsageMode::Use if granted => Err(Error::UseWithGrant),
        _ => Ok(()),
    }
}

/// The session details for `chain_id`.
pub fn details_for_chain(details: &[SessionDetails], chain_id: u64) -> Result<&SessionDetails> {
    details
        .iter()
        .find(|entry| entry.chain_id() == chain_id)
        .ok_or(Error::NoSessionDetails(chain_id))
}

#[cfg(test)]
mod tests {
    use alloy::{primitives::address, signers::local::PrivateKeySigner};

    use super::*;
    use crate::action::CustomAction;

    const ACCOUNT: Address = address!("0x50255639C0e4d184cEBFF9Ea78F3055283290700");
    const REDEEMER: Address = address!("0x1563915e194D8CfBA1943570603F7606A3115508");
    const COUNTER: Address = address!("0xc0fFEE0000000000000000000000000000000003");

    fn counter(chain_id: u64) -> Vec<SessionAction> {
        CustomAction::try_function(COUNTER, "0x273ea3e3")
            .unwrap()
            .chain_id(chain_id)
            .build()
    }

    fn counting_salts() -> impl SaltSource {
        let mut n = 0u8;
        move || {
            n += 1;
            B256::repeat_byte(n)
        }
    }

    #[test]
    fn prepare_errors() {
        let account = MultichainAccount::at(ACCOUNT, [8453]);
        let mut salts = counting_salts();
        assert!(matches!(
            EnableSessions::new()
                .actions(counter(8453))
                .try_prepare(&account, &mut salts),
            Err(Error::MissingRedeemer)
        ));
        assert!(matches!(
            EnableSessions::new()
                .redeemer(REDEEMER)
                .try_prepare(&account, &mut salts),
            Err(Error::EmptyActions)
        ));
        let empty = SessionAction {
            actions: vec![],
            chain_id: 8453,
        };
        assert!(matches!(
            EnableSessions::new()
                .redeemer(REDEEMER)
                .actions([empty])
                .try_prepare(&account, &mut salts),
            Err(Error::EmptyActionsForChain { chain_id: 8453 })
        ));
        assert!(matches!(
            EnableSessions::new()
                .redeemer(REDEEMER)
                .actions(counter(10))
                .try_prepare(&account, &mut salts),
            Err(Error::UnknownChain(10))
        ));
        let fee = FeeToken {
            address: COUNTER,
            chain_id: 8453,
        };
        assert!(matches!(
            EnableSessions::new()
                .redeemer(REDEEMER)
                .actions(counter(8453))
                .fee_token(fee)
                .try_prepare(&account, &mut salts),
            Err(Error::MissingMaxPaymentAmount)
        ));
    }

    #[test]
    fn unbatched_groups_share_the_salt() {
        let account = MultichainAccount::at(ACCOUNT, [8453]);
        let prepared = EnableSessions::new()
            .redeemer(REDEEMER)
            .actions([counter(8453), counter(8453)].concat())
            .batch_actions(false)
            .try_prepare(&account, &mut counting_salts())
            .unwrap();
        assert_eq!(prepared.len(), 1);
        assert_eq!(prepared[0].enable_calls.len(), 2);
        assert_eq!(prepared[0].session.actions.len(), 1);
        assert_eq!(prepared[0].session.salt, B256::repeat_byte(1));
        let batched = EnableSessions::new()
            .redeemer(REDEEMER)
            .actions([counter(8453), counter(8453)].concat())
            .try_prepare(&account, &mut counting_salts())
            .unwrap();
        assert_eq!(batched[0].enable_calls.len(), 1);
        assert_eq!(batched[0].session.actions.len(), 2);
    }

    #[test]
    fn grant_errors_and_signature_recovery() {
        let account = MultichainAccount::at(ACCOUNT, [8453, 10]);
        let signer = PrivateKeySigner::from_bytes(&B256::repeat_byte(0x11)).unwrap();
        let mut salts = counting_salts();
        assert!(matches!(
            GrantPermission::new()
                .redeemer(REDEEMER)
                .try_unsigned(&account, &mut salts),
            Err(Error::EmptyActions)
        ));
        assert!(matches!(
            GrantPermission::new()
                .session_actions(counter(8453))
                .try_unsigned(&account, &mut salts),
            Err(Error::MissingRedeemer)
        ));
        assert!(matches!(
            GrantPermission::new()
                .redeemer(REDEEMER)
                .session_actions(counter(1))
                .try_unsigned(&account, &mut salts),
            Err(Error::UnknownChain(1))
        ));
        let grant = GrantPermission::new()
            .redeemer(REDEEMER)
            .session_actions([counter(8453), counter(10)].concat());
        for kind in [GrantSignature::PersonalSign, GrantSignature::TypedData] {
            let unsigned = grant.try_unsigned(&account, &mut counting_salts()).unwrap();
            let signature = unsigned.sign(&signer, kind).unwrap();
            let parsed = alloy::primitives::Signature::from_raw(&signature).unwrap();
            let recovered = parsed
                .recover_address_from_prehash(&unsigned.signing_hash(kind))
                .unwrap();
            assert_eq!(recovered, signer.address());
            let details = unsigned.into_details(signature);
            assert_eq!(details.len(), 2);
            assert_eq!(
                details[1]
                    .enable_session_data
                    .enable_session
                    .chain_digest_index,
                1
            );
        }
    }

    #[test]
    fn usage_mode_checks() {
        let account = MultichainAccount::at(ACCOUNT, [8453]);
        let prepared = EnableSessions::new()
            .redeemer(REDEEMER)
            .actions(counter(8453))
            .try_prepare(&account, &mut counting_salts())
            .unwrap();
        let details = vec![prepared[0].details.clone()];
        assert!(check_usage(&details, UsageMode::Use).is_ok());
        assert!(matches!(
            check_usage(&details, UsageMode::EnableAndUse),
            Err(Error::EnableWithoutGrant)
        ));
        let mut granted = details.clone();
        granted[0].mode = SmartSessionMode::UNSAFE_ENABLE;
        assert!(check_usage(&granted, UsageMode::EnableAndUse).is_ok());
        assert!(matches!(
            check_usage(&granted, UsageMode::Use),
            Err(Error::UseWithGrant)
        ));
        assert!(details_for_chain(&details, 8453).is_ok());
        assert!(matches!(
            details_for_chain(&details, 10),
            Err(Error::NoSessionDetails(10))
        ));
    }
}
