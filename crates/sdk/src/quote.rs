//! Quote requests: [`QuoteParams`] (the SDK's `getQuote` parameters) and the
//! [`QuoteRequest`] body built from them exactly as the SDK builds it.
//!
//! Building reads the chains (deployment and EntryPoint nonces) through the account and takes
//! the time from a [`Clock`]: the default time bounds are `floor(now / 1000)` and 180 seconds
//! later, and every userOp gets its own nonce key from a fresh clock reading. Readings are taken
//! in the SDK's order: the bounds first, then the keys in rounds — per round the next userOp of
//! every chain, in request order with the payment userOp first — then the cleanups' keys.

use alloy::primitives::{Address, U256, address};
use mee_primitives::{
    SessionDetails, SmartSessionMode,
    addresses::{DEVNET_USDC, MeeVersionAddresses, SMART_SESSIONS},
    api::{MeeVersionConfig, MeeVersionEntry, PaymentInfo, QuoteRequest, QuoteType, UserOpRequest},
    nonce::{NonceKey, ValidationMode},
};
use serde_json::Value;

use crate::{
    account::MultichainAccount,
    clock::Clock,
    error::{Error, Result},
    instruction::{CleanUp, ETH_FORWARDER, Instruction, batch_instructions},
    payment::FeeToken,
    session::{UsageMode, check_usage, details_for_chain},
};

/// The default execution window of a quote, in seconds after its lower bound.
pub const DEFAULT_WINDOW_SECS: u64 = 180;
/// The extra window of cleanup userOps, in seconds.
pub const CLEANUP_EXTRA_WINDOW_SECS: u64 = 90;
/// The payment userOp's default `callGasLimit`.
pub const DEFAULT_PAYMENT_GAS_LIMIT: u128 = 75_000;
/// The payment userOp's default `verificationGasLimit`.
pub const DEFAULT_VERIFICATION_GAS_LIMIT: u128 = 150_000;
/// The verification gas of a userOp that enables a session (or pays through one).
pub const SESSION_ENABLE_VERIFICATION_GAS_LIMIT: u128 = 1_000_000;
/// The verification gas of a userOp that uses an enabled session.
pub const SESSION_USE_VERIFICATION_GAS_LIMIT: u128 = 250_000;

/// The SDK's default gas tank (the sponsor's account on Base).
pub const DEFAULT_GAS_TANK: Address = address!("0x18eAc826f3dD77d065E75E285d3456B751AC80d5");
/// The chain of the default gas tank.
pub const DEFAULT_GAS_TANK_CHAIN: u64 = 8453;
/// The SDK's default sponsorship URL (sent as `paymentInfo.sponsorshipUrl`).
pub const DEFAULT_SPONSORSHIP_URL: &str = "https://network.biconomy.io/v1";
/// The staging twin of [`DEFAULT_SPONSORSHIP_URL`] (also a Biconomy backend).
pub const STAGING_SPONSORSHIP_URL: &str = "https://staging-network.biconomy.io/v1";

/// A sponsor's gas tank: who pays the fee of a sponsored quote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sponsorship {
    /// The gas tank account.
    pub gas_tank: Address,
    /// The token the tank pays in.
    pub token: Address,
    /// The tank's chain.
    pub chain_id: u64,
    /// The sponsorship backend.
    pub url: String,
}

impl Default for Sponsorship {
    /// The SDK's trusted default: the Biconomy gas tank with USDC on Base.
    fn default() -> Self {
        Self {
            gas_tank: DEFAULT_GAS_TANK,
            token: DEVNET_USDC,
            chain_id: DEFAULT_GAS_TANK_CHAIN,
            url: DEFAULT_SPONSORSHIP_URL.to_owned(),
        }
    }
}

impl Sponsorship {
    /// A self-hosted gas tank whose sponsorship backend (the `sponsorship/nonce` and
    /// `sponsorship/sign` endpoints) is at `url`, e.g. an MEE node of ours that owns the tank.
    pub fn self_hosted(
        gas_tank: Address,
        token: Address,
        chain_id: u64,
        url: impl Into<String>,
    ) -> Self {
        Self {
            gas_tank,
            token,
            chain_id,
            url: url.into(),
        }
    }

    /// Whether the backend is one of Biconomy's two URLs: then the SDK does not call it (the
    /// node is the sponsor).
    /// The comparison is exact, as the SDK's.
    pub fn is_biconomy_backend(&self) -> bool {
        self.url == DEFAULT_SPONSORSHIP_URL || self.url == STAGING_SPONSORSHIP_URL
    }

    /// The SDK's "trusted" sponsorship: the default tank with a Biconomy backend. Its nonce is
    /// left to the node (`0`); any other tank's comes from `{url}/sponsorship/nonce`.
    pub fn is_trusted(&self) -> bool {
        self.gas_tank == DEFAULT_GAS_TANK && self.is_biconomy_backend()
    }
}

/// How the fee is paid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fee {
    /// By the account, in an ERC-20 token.
    Token(FeeToken),
    /// By a sponsor.
    Sponsored(Sponsorship),
}

/// The session part of a quote (usePermission / getSessionQuote `USE`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionUse {
    /// The session details of every chain.
    pub details: Vec<SessionDetails>,
    /// `USE` or `ENABLE_AND_USE`.
    pub mode: UsageMode,
}

/// The parameters of a quote (the SDK's `GetQuoteParams`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuoteParams {
    instructions: Vec<Instruction>,
    fee: Option<Fee>,
    gas_refund_address: Option<Address>,
    eoa: Option<Address>,
    gas_limit: Option<u128>,
    verification_gas_limit: Option<u128>,
    lower_bound_timestamp: Option<u64>,
    upper_bound_timestamp: Option<u64>,
    batch: bool,
    simulation: Option<Value>,
    clean_ups: Vec<CleanUp>,
    tags: Option<Vec<String>>,
    module_address: Option<Address>,
    short_encoding: bool,
    session: Option<SessionUse>,
    authorizations: Vec<crate::eip7702::SignedAuthorization>,
}

impl Default for QuoteParams {
    fn default() -> Self {
        Self {
            instructions: Vec::new(),
            fee: None,
            gas_refund_address: None,
            eoa: None,
            gas_limit: None,
            verification_gas_limit: None,
            lower_bound_timestamp: None,
            upper_bound_timestamp: None,
            batch: true,
            simulation: None,
            clean_ups: Vec::new(),
            tags: None,
            module_address: None,
            short_encoding: false,
            session: None,
            authorizations: Vec::new(),
        }
    }
}

impl QuoteParams {
    /// No instructions, batching on.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds instructions.
    pub fn instructions(mut self, instructions: impl IntoIterator<Item = Instruction>) -> Self {
        self.instructions.extend(instructions);
        self
    }

    /// Adds an instruction.
    pub fn instruction(mut self, instruction: Instruction) -> Self {
        self.instructions.push(instruction);
        self
    }

    /// Pay the fee in `token`.
    pub fn fee_token(mut self, token: FeeToken) -> Self {
        self.fee = Some(Fee::Token(token));
        self
    }

    /// Let the default sponsor pay the fee.
    pub fn sponsorship(self) -> Self {
        self.sponsored_by(Sponsorship::default())
    }

    /// Let `sponsorship`'s gas tank pay the fee.
    pub fn sponsored_by(mut self, sponsorship: Sponsorship) -> Self {
        self.fee = Some(Fee::Sponsored(sponsorship));
        self
    }

    /// Where unspent gas is refunded (fee-token quotes).
    pub fn gas_refund_address(mut self, address: Address) -> Self {
        self.gas_refund_address = Some(address);
        self
    }

    /// The EOA the payment comes from (`paymentInfo.eoa`).
    pub fn eoa(mut self, eoa: Address) -> Self {
        self.eoa = Some(eoa);
        self
    }

    /// The payment userOp's `callGasLimit` (default 75000).
    pub fn gas_limit(mut self, gas_limit: u128) -> Self {
        self.gas_limit = Some(gas_limit);
        self
    }

    /// A custom `verificationGasLimit` (see the SDK's rules in the crate docs).
    pub fn verification_gas_limit(mut self, gas_limit: u128) -> Self {
        self.verification_gas_limit = Some(gas_limit);
        self
    }

    /// Not before this unix time (default: now).
    pub fn lower_bound_timestamp(mut self, timestamp: u64) -> Self {
        self.lower_bound_timestamp = Some(timestamp);
        self
    }

    /// Not after this unix time (default: lower bound + 180 s).
    pub fn upper_bound_timestamp(mut self, timestamp: u64) -> Self {
        self.upper_bound_timestamp = Some(timestamp);
        self
    }

    /// Whether instructions on one chain merge into one userOp (default `true`).
    pub fn batch(mut self, batch: bool) -> Self {
        self.batch = batch;
        self
    }

    /// Simulation options, passed to the node as given.
    pub fn simulation(mut self, simulation: Value) -> Self {
        self.simulation = Some(simulation);
        self
    }

    /// Adds a cleanup.
    pub fn clean_up(mut self, clean_up: CleanUp) -> Self {
        self.clean_ups.push(clean_up);
        self
    }

    /// Tags for the node.
    pub fn tags(mut self, tags: impl IntoIterator<Item = String>) -> Self {
        self.tags = Some(tags.into_iter().collect());
        self
    }

    /// The validator whose nonce keys the userOps use (`address(0)`, the default validator,
    /// unless set).
    pub fn module_address(mut self, module: Address) -> Self {
        self.module_address = Some(module);
        self
    }

    /// Whether every userOp's leaf is its raw hash (`shortEncodingSuperTxn`).
    pub fn short_encoding(mut self, short: bool) -> Self {
        self.short_encoding = short;
        self
    }

    /// A session quote: Smart Sessions nonce keys, short encoding, and each userOp's session
    /// details in `mode` (the SDK's `usePermission` / `getSessionQuote` options).
    pub fn session(mut self, details: Vec<SessionDetails>, mode: UsageMode) -> Self {
        self.module_address = Some(SMART_SESSIONS);
        self.short_encoding = true;
        self.session = Some(SessionUse { details, mode });
        self
    }

    /// EIP-7702 mode: an authorization delegating the EOA account (see [`crate::eip7702`]),
    /// for one chain or, with chain id 0, for every chain. The request carries it instead of an
    /// `initCode` on the first userOp of each chain where the EOA is not delegated yet.
    pub fn eip7702_authorization(mut self, auth: crate::eip7702::SignedAuthorization) -> Self {
        self.authorizations.push(auth);
        self
    }

    /// How the fee is paid, if set.
    pub fn fee(&self) -> Option<&Fee> {
        self.fee.as_ref()
    }

    /// The instructions given so far.
    pub fn instruction_list(&self) -> &[Instruction] {
        &self.instructions
    }

    /// The number of instructions given so far.
    pub fn instruction_count(&self) -> usize {
        self.instructions.len()
    }

    /// The same parameters with `instructions` instead.
    pub fn replace_instructions(mut self, instructions: Vec<Instruction>) -> Self {
        self.instructions = instructions;
        self
    }

    /// The session part, if any.
    pub fn session_use(&self) -> Option<&SessionUse> {
        self.session.as_ref()
    }

    /// Whether a sponsor pays.
    pub fn is_sponsored(&self) -> bool {
        matches!(self.fee, Some(Fee::Sponsored(_)))
    }

    /// Builds the `POST quote` body for `account`, reading deployments and nonces from its
    /// chains and the time from `clock`.
    pub async fn build_request(
        &self,
        account: &MultichainAccount,
        clock: &dyn Clock,
    ) -> Result<QuoteRequest> {
        let fee = self.fee.clone().ok_or(Error::MissingFee)?;
        if let Some(session) = &self.session {
            check_usage(&session.details, session.mode)?;
        }
        let lower = self
            .lower_bound_timestamp
            .unwrap_or_else(|| clock.now_secs());
        let upper = self
            .upper_bound_timestamp
            .unwrap_or(lower + DEFAULT_WINDOW_SECS);
        // Default metadata first, then the per-chain merge (which keeps every entry).
        let resolved: Vec<Instruction> = self
            .instructions
            .iter()
            .map(|instruction| Instruction {
                metadata: instruction.resolved_metadata(),
                ..instruction.clone()
            })
            .collect();
        let instructions = if self.batch {
            batch_instructions(resolved)?
        } else {
            resolved
        };
        for instruction in &instructions {
            account.deployment_on(instruction.chain_id)?;
        }
        let validator = self.module_address.unwrap_or(Address::ZERO);
        let sessions = self.module_address == Some(SMART_SESSIONS);
        let sponsored = matches!(fee, Fee::Sponsored(_));
        let enable = self
            .session
            .as_ref()
            .is_some_and(|session| session.mode == UsageMode::EnableAndUse);

        // Nonce keys: the payment op (when the account pays) and each userOp, in rounds.
        let mut slots: Vec<u64> = Vec::new();
        if let Fee::Token(token) = &fee {
            account.deployment_on(token.chain_id)?;
            slots.push(token.chain_id);
        }
        slots.extend(instructions.iter().map(|instruction| instruction.chain_id));
        let keys = allocate_keys(&slots, clock, validator);
        let mut keys = keys.into_iter();

        // The payment.
        let mut init_done: Vec<u64> = Vec::new();
        let mut mode_taken: Vec<u64> = Vec::new();
        let payment_chain;
        let payment_info = match &fee {
            Fee::Sponsored(sponsorship) => {
                payment_chain = sponsorship.chain_id;
                PaymentInfo {
                    sponsored: true,
                    sender: sponsorship.gas_tank,
                    token: sponsorship.token,
                    nonce: U256::ZERO,
                    call_gas_limit: self.gas_limit.unwrap_or(DEFAULT_PAYMENT_GAS_LIMIT),
                    verification_gas_limit: self
                        .verification_gas_limit
                        .unwrap_or(DEFAULT_VERIFICATION_GAS_LIMIT),
                    chain_id: sponsorship.chain_id,
                    gas_refund_address: None,
                    eoa: self.eoa,
                    init_code: None,
                    eip7702_auth: None,
                    short_encoding: None,
                    session_details: None,
                    sponsorship_url: Some(sponsorship.url.clone()),
                    token_amount: None,
                    token_wei_amount: None,
                    token_value: None,
                }
            }
            Fee::Token(token) => {
                payment_chain = token.chain_id;
                let key = keys.next().expect("a key per slot");
                let nonce = account.nonce(token.chain_id, key).await?;
                let (init_code, eip7702_auth) =
                    crate::eip7702::initialization(account, &self.authorizations, token.chain_id)
                        .await?;
                init_done.push(token.chain_id);
                let verification = if sessions {
                    self.verification_gas_limit
                        .unwrap_or(SESSION_ENABLE_VERIFICATION_GAS_LIMIT)
                } else {
                    self.verification_gas_limit
                        .unwrap_or(DEFAULT_VERIFICATION_GAS_LIMIT)
                };
                let session_details = match &self.session {
                    Some(session) => {
                        mode_taken.push(token.chain_id);
                        Some(with_mode(
                            details_for_chain(&session.details, token.chain_id)?,
                            enable,
                        ))
                    }
                    None => None,
                };
                PaymentInfo {
                    sponsored: false,
                    sender: account.address_on(token.chain_id)?,
                    token: token.address,
                    nonce,
                    call_gas_limit: self.gas_limit.unwrap_or(DEFAULT_PAYMENT_GAS_LIMIT),
                    verification_gas_limit: verification,
                    chain_id: token.chain_id,
                    gas_refund_address: self.gas_refund_address,
                    eoa: self.eoa,
                    init_code,
                    eip7702_auth,
                    short_encoding: self.short_encoding.then_some(true),
                    session_details,
                    sponsorship_url: None,
                    token_amount: None,
                    token_wei_amount: None,
                    token_value: None,
                }
            }
        };

        // The developer userOps.
        let mut prepared: Vec<(Instruction, NonceKey, U256, bool)> = Vec::new();
        for instruction in instructions {
            let key = keys.next().expect("a key per slot");
            let nonce = account.nonce(instruction.chain_id, key).await?;
            prepared.push((instruction, key, nonce, false));
        }
        // The cleanups, after every developer userOp.
        let nonces: Vec<(NonceKey, U256)> = prepared
            .iter()
            .map(|(_, key, nonce, _)| (*key, *nonce))
            .collect();
        for clean_up in &self.clean_ups {
            let sender = account.address_on(clean_up.chain_id)?;
            let instruction = clean_up.instruction(sender, &nonces)?;
            let key =
                NonceKey::from_millis(clock.now_millis(), ValidationMode::Validation, validator);
            let nonce = account.nonce(instruction.chain_id, key).await?;
            prepared.push((instruction, key, nonce, true));
        }

        let mut index_per_chain: Vec<(u64, usize)> = Vec::new();
        let mut user_ops = Vec::with_capacity(prepared.len());
        for (instruction, _, nonce, is_clean_up) in prepared {
            let chain_id = instruction.chain_id;
            let (init_code, eip7702_auth) = if init_done.contains(&chain_id) {
                (None, None)
            } else {
                init_done.push(chain_id);
                crate::eip7702::initialization(account, &self.authorizations, chain_id).await?
            };
            let index = match index_per_chain
                .iter_mut()
                .find(|(chain, _)| *chain == chain_id)
            {
                Some((_, index)) => {
                    *index += 1;
                    *index
                }
                None => {
                    index_per_chain.push((chain_id, 0));
                    0
                }
            };
            let verification_gas_limit = self.verification_gas_limit_for(
                sessions,
                sponsored,
                chain_id == payment_chain,
                index,
            );
            let session_details = match &self.session {
                Some(session) => {
                    let first = !mode_taken.contains(&chain_id);
                    mode_taken.push(chain_id);
                    Some(with_mode(
                        details_for_chain(&session.details, chain_id)?,
                        enable && first,
                    ))
                }
                None => None,
            };
            let upper_bound = instruction.upper_bound_timestamp.unwrap_or(upper);
            user_ops.push(UserOpRequest {
                lower_bound_timestamp: instruction.lower_bound_timestamp.unwrap_or(lower),
                upper_bound_timestamp: if is_clean_up {
                    upper_bound + CLEANUP_EXTRA_WINDOW_SECS
                } else {
                    upper_bound
                },
                execution_simulation_retry_delay: instruction.execution_simulation_retry_delay,
                sender: account.address_on(chain_id)?,
                call_data: instruction.call_data()?,
                call_gas_limit: u128::from(instruction.call_gas_limit()),
                nonce,
                chain_id,
                is_clean_up_user_op: is_clean_up,
                verification_gas_limit,
                init_code,
                eip7702_auth,
                short_encoding: self.short_encoding,
                session_details,
                metadata: instruction
                    .resolved_metadata()
                    .iter()
                    .map(|entry| serde_json::to_value(entry).expect("metadata serialises"))
                    .collect(),
                simulation_overrides: None,
            });
        }

        // The MEE version of every chain involved: the fee chain first when the account pays.
        let mut chains: Vec<u64> = Vec::new();
        if let Fee::Token(token) = &fee {
            chains.push(token.chain_id);
        }
        for op in &user_ops {
            if !chains.contains(&op.chain_id) {
                chains.push(op.chain_id);
            }
        }
        let mee_versions = chains
            .into_iter()
            .map(|chain_id| {
                Ok(mee_version_entry(
                    account.deployment_on(chain_id)?.version,
                    chain_id,
                ))
            })
            .collect::<Result<_>>()?;
        Ok(QuoteRequest {
            quote_type: QuoteType::Simple,
            user_ops,
            payment_info,
            mee_versions,
            simulation: self.simulation.clone(),
            trigger: None,
            tags: self.tags.clone(),
        })
    }

    /// The SDK's `verificationGasLimit` rules for the userOp at `index` on its chain.
    fn verification_gas_limit_for(
        &self,
        sessions: bool,
        sponsored: bool,
        payment_chain: bool,
        index: usize,
    ) -> Option<u128> {
        if !sessions {
            return self.verification_gas_limit;
        }
        let enabling = self
            .verification_gas_limit
            .unwrap_or(SESSION_ENABLE_VERIFICATION_GAS_LIMIT);
        Some(match (payment_chain, sponsored, index) {
            (true, true, 0) | (false, _, 0) => enabling,
            _ => SESSION_USE_VERIFICATION_GAS_LIMIT,
        })
    }
}

/// `details` with mode `UNSAFE_ENABLE` when `enable`, else `USE`.
fn with_mode(details: &SessionDetails, enable: bool) -> SessionDetails {
    let mut details = details.clone();
    details.mode = if enable {
        SmartSessionMode::UNSAFE_ENABLE
    } else {
        SmartSessionMode::USE
    };
    details
}

/// Nonce keys for userOps on `slots` (their chains, in request order), one clock reading each,
/// in rounds: per round the next userOp of every chain.
fn allocate_keys(slots: &[u64], clock: &dyn Clock, validator: Address) -> Vec<NonceKey> {
    let mut keys: Vec<Option<NonceKey>> = vec![None; slots.len()];
    let mut round = 0;
    while keys.iter().any(Option::is_none) {
        let mut seen: Vec<(u64, usize)> = Vec::new();
        for (index, chain_id) in slots.iter().enumerate() {
            let position = match seen.iter_mut().find(|(chain, _)| chain == chain_id) {
                Some((_, count)) => {
                    *count += 1;
                    *count
                }
                None => {
                    seen.push((*chain_id, 0));
                    0
                }
            };
            if position == round {
                keys[index] = Some(NonceKey::from_millis(
                    clock.now_millis(),
                    ValidationMode::Validation,
                    validator,
                ));
            }
        }
        round += 1;
    }
    keys.into_iter()
        .map(|key| key.expect("every slot keyed"))
        .collect()
}

/// The SDK's `meeVersions` entry of `version` on `chain_id`.
pub fn mee_version_entry(version: MeeVersionAddresses, chain_id: u64) -> MeeVersionEntry {
    MeeVersionEntry {
        version: MeeVersionConfig {
            version: version.version.to_owned(),
            account_id: Some(version.account_id.to_owned()),
            factory_address: Some(version.account_factory),
            bootstrap_address: Some(version.bootstrap),
            implementation_address: Some(version.account_implementation),
            validator_address: Some(version.mee_validator),
            default_validator_address: Some(Address::ZERO),
            eth_forwarder_address: Some(ETH_FORWARDER),
            composability_version: Some("1.0.0".to_owned()),
            extra: Default::default(),
        },
        chain_id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SteppingClock;

    #[test]
    fn only_the_default_tank_with_a_biconomy_backend_is_trusted() {
        assert!(Sponsorship::default().is_trusted());
        let staging = Sponsorship {
            url: STAGING_SPONSORSHIP_URL.to_owned(),
            ..Sponsorship::default()
        };
        assert!(staging.is_trusted());
        let slash = Sponsorship {
            url: format!("{DEFAULT_SPONSORSHIP_URL}/"),
            ..Sponsorship::default()
        };
        assert!(!slash.is_trusted(), "the SDK compares the URL exactly");
        let other_tank = Sponsorship {
            gas_tank: Address::repeat_byte(7),
            ..Sponsorship::default()
        };
        assert!(!other_tank.is_trusted() && other_tank.is_biconomy_backend());
        let own = Sponsorship::self_hosted(DEFAULT_GAS_TANK, DEVNET_USDC, 8453, "http://node/v1");
        assert!(!own.is_trusted() && !own.is_biconomy_backend());
    }

    #[test]
    fn keys_are_taken_in_rounds_per_chain() {
        let clock = SteppingClock::new(1_000);
        let keys = allocate_keys(&[8453, 8453, 10, 8453], &clock, Address::ZERO);
        let parts: Vec<u32> = keys.iter().map(|key| key.key_part).collect();
        // Round 0: Base's first, Optimism's first; round 1: Base's second; round 2: Base's third.
        assert_eq!(parts, vec![1_000, 1_002, 1_001, 1_003]);
    }

    #[test]
    fn session_verification_gas_follows_the_sdk() {
        let params = QuoteParams::new();
        assert_eq!(
            params.verification_gas_limit_for(false, false, true, 0),
            None
        );
        assert_eq!(
            params.verification_gas_limit_for(true, false, true, 0),
            Some(SESSION_USE_VERIFICATION_GAS_LIMIT)
        );
        assert_eq!(
            params.verification_gas_limit_for(true, true, true, 0),
            Some(SESSION_ENABLE_VERIFICATION_GAS_LIMIT)
        );
        assert_eq!(
            params.verification_gas_limit_for(true, false, false, 0),
            Some(SESSION_ENABLE_VERIFICATION_GAS_LIMIT)
        );
        assert_eq!(
            params.verification_gas_limit_for(true, false, false, 1),
            Some(SESSION_USE_VERIFICATION_GAS_LIMIT)
        );
        let custom = QuoteParams::new().verification_gas_limit(7);
        assert_eq!(
            custom.verification_gas_limit_for(false, false, true, 0),
            Some(7)
        );
        assert_eq!(
            custom.verification_gas_limit_for(true, false, false, 0),
            Some(7)
        );
    }
}
