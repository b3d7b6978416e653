//! What the node does for each request: info, quotes, exec and the explorer.

use std::{collections::HashMap, sync::Arc};

use alloy::{
    primitives::{Address, B256, Bytes, U256},
    signers::{SignerSync, local::PrivateKeySigner},
    sol,
    sol_types::{SolCall, SolValue},
};
use mee_primitives::{
    account::INexusDeployment,
    addresses::{MEE_2_0_0, SMART_SESSIONS},
    api::{
        ExecRequest, ExplorerResponse, ExplorerUserOp, FilledUserOp, InfoResponse, PaymentToken,
        QuoteRequest, QuoteResponse, SupportedChain, SupportedGasTokens, UserOpJson,
    },
    mee_signature::{MeeUserOp, short_user_op_signature, supertransaction_tree},
    nonce::NonceKey,
    session::SmartSessionMode,
    session_details::SessionDetails,
    session_signature::{encode_enable, encode_use},
    userop::UserOperation,
};

use crate::{
    chain::{ChainClient, GasFees},
    config::{Config, FeeTokenConfig},
    error::{Error, Result},
    fusion::{self, FusionQuote},
    gas,
    oracle::{PriceOracle, UsdPrice, fee_in_token, format_units},
    sponsorship::{self, GasTanks},
    store::{OpRecord, Store, StoredQuote},
};

sol! {
    /// The MEE validator's owner lookup.
    interface IMeeValidator {
        function getOwner(address account) external view returns (address);
    }
}

/// The node software's version, reported by `GET /v1/info`.
pub const NODE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The paymaster data of the USER refund mode with a fixed premium: the unused gas is refunded
/// to the userOp's sender.
pub const PAYMASTER_DATA_USER_FIXED: [u8; 8] = [0x17, 0x0d, 0xe0, 0x00, 0x9e, 0xe4, 0xce, 0x01];

/// Signature bytes assumed when sizing `preVerificationGas` (an owner's full signature, and a
/// session signature that may carry the enable data).
const OWNER_SIGNATURE_ESTIMATE: usize = 400;
const SESSION_SIGNATURE_ESTIMATE: usize = 2_000;

/// The current unix time in seconds.
pub fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The node: configuration, key, chains, prices and storage.
#[derive(Debug)]
pub struct NodeService {
    config: Config,
    signer: PrivateKeySigner,
    fee_receiver: Address,
    chains: HashMap<u64, Arc<dyn ChainClient>>,
    oracle: Arc<dyn PriceOracle>,
    store: Arc<dyn Store>,
    gas_tanks: GasTanks,
}

/// A userOp being quoted.
struct Draft {
    op: UserOperation,
    chain_id: u64,
    lower: u64,
    upper: u64,
    short_encoding: bool,
    /// The implementation an EIP-7702 authorization delegates the sender to.
    delegate: Option<Address>,
}

impl NodeService {
    /// A node over the given chains, prices and store.
    pub fn new(
        config: Config,
        signer: PrivateKeySigner,
        chains: Vec<Arc<dyn ChainClient>>,
        oracle: Arc<dyn PriceOracle>,
        store: Arc<dyn Store>,
    ) -> Self {
        let fee_receiver = config.fee_receiver.unwrap_or_else(|| signer.address());
        let gas_tanks = GasTanks::from_config(&config, &signer)
            .expect("gas tank keys are checked by Config::validate");
        Self {
            gas_tanks,
            config,
            fee_receiver,
            signer,
            chains: chains.into_iter().map(|c| (c.chain_id(), c)).collect(),
            oracle,
            store,
        }
    }

    /// The node's address.
    pub fn address(&self) -> Address {
        self.signer.address()
    }

    /// The configuration.
    pub const fn config(&self) -> &Config {
        &self.config
    }

    /// Where fees go.
    pub const fn fee_receiver(&self) -> Address {
        self.fee_receiver
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The chain clients.
    pub fn chains(&self) -> impl Iterator<Item = &Arc<dyn ChainClient>> {
        self.chains.values()
    }

    /// The gas tanks paying for sponsored quotes.
    pub const fn gas_tanks(&self) -> &GasTanks {
        &self.gas_tanks
    }

    pub(crate) fn chain(&self, chain_id: u64) -> Result<&Arc<dyn ChainClient>> {
        self.chains
            .get(&chain_id)
            .ok_or(Error::UnsupportedChain(chain_id))
    }

    /// `GET /v1/info`.
    pub fn info(&self) -> InfoResponse {
        let mut chains: Vec<_> = self.config.chains.iter().collect();
        chains.sort_by_key(|c| c.chain_id);
        InfoResponse {
            version: NODE_VERSION.to_owned(),
            node: self.address(),
            supported_chains: chains
                .iter()
                .map(|c| SupportedChain {
                    chain_id: c.chain_id,
                    name: c
                        .name
                        .clone()
                        .unwrap_or_else(|| format!("Chain {}", c.chain_id)),
                })
                .collect(),
            supported_gas_tokens: chains
                .iter()
                .filter(|c| !c.fee_tokens.is_empty())
                .map(|c| SupportedGasTokens {
                    chain_id: c.chain_id,
                    is_arbitrary_fee_tokens_supported: false,
                    payment_tokens: c
                        .fee_tokens
                        .iter()
                        .map(|t| PaymentToken {
                            name: t.name.clone(),
                            address: t.address,
                            symbol: t.symbol.clone(),
                            decimals: t.decimals,
                            permit_enabled: t.permit_enabled,
                        })
                        .collect(),
                })
                .collect(),
            supported_wallet_providers: Vec::new(),
        }
    }

    /// `POST /v1/quote`: validates the request, builds the payment userOp and fills every
    /// userOp, prices the fee, and stores and returns the signed quote.
    pub async fn quote(&self, request: QuoteRequest) -> Result<QuoteResponse> {
        let now = now_secs();
        let limits = &self.config.limits;
        let fusion = FusionQuote::from_request(&request)?;
        let payment = &request.payment_info;
        let tank = if payment.sponsored {
            Some(self.gas_tanks.for_payment(payment)?)
        } else {
            None
        };
        let fee_payer = fusion.as_ref().and_then(|f| f.fee_payer(payment));
        if request.user_ops.is_empty() {
            return Err(Error::invalid_at(
                "userOps",
                "at least one userOp is required",
            ));
        }
        if request.user_ops.len() + 1 > limits.max_user_ops {
            return Err(Error::invalid_at(
                "userOps",
                format!("at most {} userOps per quote", limits.max_user_ops - 1),
            ));
        }
        let fee_chain = self
            .config
            .chain(payment.chain_id)
            .ok_or(Error::UnsupportedChain(payment.chain_id))?;
        let fee_token = fee_chain
            .fee_token(payment.token)
            .ok_or(Error::UnsupportedFeeToken {
                chain_id: payment.chain_id,
                token: payment.token,
            })?
            .clone();

        // Check every developer userOp.
        for (i, op) in request.user_ops.iter().enumerate() {
            let at = |field: &str| format!("userOps[{i}].{field}");
            self.chain(op.chain_id)?;
            self.check_gas(op.call_gas_limit, op.verification_gas_limit, &at)?;
            if op.upper_bound_timestamp <= op.lower_bound_timestamp {
                return Err(Error::invalid_at(
                    at("upperBoundTimestamp"),
                    "must be greater than lowerBoundTimestamp",
                ));
            }
            if op.upper_bound_timestamp - op.lower_bound_timestamp > limits.max_window_secs {
                return Err(Error::invalid_at(
                    at("upperBoundTimestamp"),
                    format!("the window may be at most {} s", limits.max_window_secs),
                ));
            }
            if op.upper_bound_timestamp <= now {
                return Err(Error::invalid_at(
                    at("upperBoundTimestamp"),
                    "the execution window has already passed",
                ));
            }
            if op.lower_bound_timestamp > now + limits.max_start_delay_secs {
                return Err(Error::invalid_at(
                    at("lowerBoundTimestamp"),
                    format!(
                        "may be at most {} s in the future",
                        limits.max_start_delay_secs
                    ),
                ));
            }
            check_encoding(op.nonce, op.short_encoding, &at("shortEncoding"))?;
        }
        self.check_gas(
            payment.call_gas_limit,
            Some(payment.verification_gas_limit),
            &|f: &str| format!("paymentInfo.{f}"),
        )?;
        let payment_short = payment.short_encoding.unwrap_or(false);
        check_encoding(payment.nonce, payment_short, "paymentInfo.shortEncoding")?;

        // The payment userOp first: its window spans the developer userOps'.
        let regular = request.user_ops.iter().filter(|op| !op.is_clean_up_user_op);
        let payment_lower = request
            .user_ops
            .iter()
            .map(|op| op.lower_bound_timestamp)
            .min()
            .unwrap_or(now)
            .min(now);
        let payment_upper = regular
            .map(|op| op.upper_bound_timestamp)
            .max()
            .unwrap_or(now + 180);
        // Sponsored: the gas tank pays, on a nonce of its own and without initCode.
        let (payer, payer_nonce, payer_init_code) = match tank {
            Some(tank) => {
                let chain = self.chain(tank.chain_id)?;
                let nonce = sponsorship::payment_nonce(
                    &self.gas_tanks,
                    chain.as_ref(),
                    tank,
                    payment.nonce,
                )
                .await?;
                (tank.address, nonce, None)
            }
            None => (payment.sender, payment.nonce, payment.init_code.as_ref()),
        };
        let mut drafts = Vec::with_capacity(request.user_ops.len() + 1);
        let payment_call = |amount: U256| {
            fusion::payment_call_data(payment.token, fee_payer, self.fee_receiver, amount)
        };
        drafts.push(Draft {
            op: self.user_op(
                payer,
                payer_nonce,
                payer_init_code,
                payment_call(U256::ZERO),
                payment.call_gas_limit,
                Some(payment.verification_gas_limit),
                "paymentInfo.initCode",
            )?,
            chain_id: payment.chain_id,
            lower: payment_lower,
            upper: payment_upper,
            short_encoding: payment_short,
            delegate: self
                .delegation(
                    payment.eip7702_auth.as_ref(),
                    payment.sender,
                    payment.chain_id,
                    "paymentInfo.eip7702Auth",
                )
                .await?,
        });
        for (i, op) in request.user_ops.iter().enumerate() {
            drafts.push(Draft {
                op: self.user_op(
                    op.sender,
                    op.nonce,
                    op.init_code.as_ref(),
                    op.call_data.clone(),
                    op.call_gas_limit,
                    op.verification_gas_limit,
                    &format!("userOps[{i}].initCode"),
                )?,
                chain_id: op.chain_id,
                lower: op.lower_bound_timestamp,
                upper: op.upper_bound_timestamp,
                short_encoding: op.short_encoding,
                delegate: self
                    .delegation(
                        op.eip7702_auth.as_ref(),
                        op.sender,
                        op.chain_id,
                        &format!("userOps[{i}].eip7702Auth"),
                    )
                    .await?,
            });
        }
        if let Some(tank) = tank {
            sponsorship::sponsor_user_ops(tank, drafts.iter_mut().map(|d| &mut d.op));
        }
        self.check_deployments(&drafts).await?;
        self.fill_gas(&mut drafts).await?;

        // Gas prices per chain, then the fee.
        let mut fees: HashMap<u64, GasFees> = HashMap::new();
        for draft in &drafts {
            if let std::collections::hash_map::Entry::Vacant(entry) = fees.entry(draft.chain_id) {
                entry.insert(self.chain(draft.chain_id)?.gas_fees().await?);
            }
        }
        let mut costs = Vec::with_capacity(drafts.len());
        for draft in &mut drafts {
            let chain_fees = fees[&draft.chain_id];
            draft.op.max_fee_per_gas = chain_fees.max_fee_per_gas;
            draft.op.max_priority_fee_per_gas = chain_fees.max_priority_fee_per_gas;
            let native = self.oracle.native_usd(draft.chain_id).await?;
            costs.push((draft.op.max_cost(), native));
        }
        let token_price = self
            .oracle
            .token_usd(payment.chain_id, payment.token)
            .await?;
        let fee = fee_in_token(
            &costs,
            token_price,
            fee_token.decimals,
            limits.fee_premium_percent,
        );
        drafts[0].op.call_data = payment_call(fee);
        if let Some(tank) = tank {
            sponsorship::check_balance(self.chain(tank.chain_id)?.as_ref(), tank, fee).await?;
        } else if !payment.sponsored && request.trigger.is_none() {
            let chain = self.chain(payment.chain_id)?;
            gas::check_fee_payment(
                chain.as_ref(),
                &drafts[0].op,
                drafts[0].delegate,
                payment.token,
                fee,
            )
            .await?;
        }

        // Hashes, leaves, the merkle root and the node's commitment.
        let mee_ops: Vec<MeeUserOp> = drafts
            .iter()
            .map(|d| MeeUserOp {
                user_op_hash: d.op.hash(d.chain_id),
                lower_bound_timestamp: d.lower,
                upper_bound_timestamp: d.upper,
                short_encoding: d.short_encoding,
            })
            .collect();
        let root = supertransaction_tree(&mee_ops)
            .expect("a quote has userOps")
            .root();
        let commitment = self
            .signer
            .sign_message_sync(root.as_slice())
            .map_err(|e| Error::Config(format!("node key cannot sign: {e}")))?;

        let filled = |draft: &Draft, mee: &MeeUserOp| FilledUserOp {
            user_op: UserOpJson::from(&draft.op),
            user_op_hash: mee.user_op_hash.0,
            mee_user_op_hash: mee.mee_user_op_hash(),
            lower_bound_timestamp: draft.lower,
            upper_bound_timestamp: draft.upper,
            max_gas_limit: gas_units(&draft.op),
            max_fee_per_gas: draft.op.max_fee_per_gas,
            chain_id: draft.chain_id,
            eip7702_auth: None,
            is_clean_up_user_op: false,
            session_details: None,
            short_encoding: draft.short_encoding,
            metadata: None,
            execution_simulation_retry_delay: None,
        };
        let mut user_ops = Vec::with_capacity(drafts.len());
        let mut payment_op = filled(&drafts[0], &mee_ops[0]);
        payment_op.session_details = payment.session_details.clone();
        payment_op.eip7702_auth = payment.eip7702_auth.clone();
        user_ops.push(payment_op);
        for (i, op) in request.user_ops.iter().enumerate() {
            let mut out = filled(&drafts[i + 1], &mee_ops[i + 1]);
            out.is_clean_up_user_op = op.is_clean_up_user_op;
            out.eip7702_auth = op.eip7702_auth.clone();
            out.session_details = op.session_details.clone();
            out.metadata = (!op.metadata.is_empty()).then(|| op.metadata.clone());
            out.execution_simulation_retry_delay = op.execution_simulation_retry_delay;
            user_ops.push(out);
        }

        let mut payment_info = request.payment_info.clone();
        payment_info.sender = payer;
        payment_info.nonce = payer_nonce;
        payment_info.token_amount = Some(format_units(fee, fee_token.decimals));
        payment_info.token_wei_amount = Some(fee);
        payment_info.token_value = Some(usd_value(fee, &fee_token, token_price));
        let quote = QuoteResponse {
            hash: root,
            node: self.address(),
            commitment: Bytes::from(commitment.as_bytes().to_vec()),
            quote_type: Some(request.quote_type),
            payment_info,
            user_ops,
        };
        self.store
            .insert_quote(&StoredQuote {
                quote: quote.clone(),
                created_at: now,
                expires_at: now + self.config.quote_expiry_secs,
                executed_at: None,
            })
            .await?;
        Ok(quote)
    }

    /// The implementation an `eip7702Auth` delegates `sender` to, after checking who signed it,
    /// for which chain, and that the implementation has code there.
    async fn delegation(
        &self,
        auth: Option<&serde_json::Value>,
        sender: Address,
        chain_id: u64,
        path: &str,
    ) -> Result<Option<Address>> {
        let Some(auth) = auth else {
            return Ok(None);
        };
        let auth = crate::eip7702::parse(auth, sender, chain_id, path)?;
        if self.chain(chain_id)?.code_size(auth.address).await? == 0 {
            return Err(Error::invalid_at(
                path,
                format!(
                    "delegates to {}, which has no code on chain {chain_id}",
                    auth.address
                ),
            ));
        }
        Ok(Some(auth.address))
    }

    /// Raises the userOps' gas limits to what a simulation of their execution needs.
    async fn fill_gas(&self, drafts: &mut [Draft]) -> Result<()> {
        let limits = &self.config.limits;
        let policy = gas::GasPolicy {
            buffer_percent: limits.gas_buffer_percent,
            max_call_gas: limits.max_call_gas,
            max_verification_gas: limits.max_verification_gas,
            validation_gas: limits.default_verification_gas,
        };
        let mut targets: Vec<gas::GasTarget<'_>> = drafts
            .iter_mut()
            .map(|d| gas::GasTarget {
                chain_id: d.chain_id,
                delegate: d.delegate,
                op: &mut d.op,
                adjust: true,
            })
            .collect();
        gas::fill(&self.chains, &mut targets, &policy).await
    }

    fn check_gas(
        &self,
        call_gas: u128,
        verification_gas: Option<u128>,
        at: &dyn Fn(&str) -> String,
    ) -> Result<()> {
        let limits = &self.config.limits;
        if call_gas == 0 || call_gas > limits.max_call_gas {
            return Err(Error::invalid_at(
                at("callGasLimit"),
                format!("must be between 1 and {}", limits.max_call_gas),
            ));
        }
        if let Some(gas) = verification_gas
            && (gas == 0 || gas > limits.max_verification_gas)
        {
            return Err(Error::invalid_at(
                at("verificationGasLimit"),
                format!("must be between 1 and {}", limits.max_verification_gas),
            ));
        }
        Ok(())
    }

    /// A userOp with the node's gas limits and paymaster (fees are filled later).
    #[allow(clippy::too_many_arguments)]
    fn user_op(
        &self,
        sender: Address,
        nonce: U256,
        init_code: Option<&Bytes>,
        call_data: Bytes,
        call_gas_limit: u128,
        verification_gas_limit: Option<u128>,
        init_code_path: &str,
    ) -> Result<UserOperation> {
        let limits = &self.config.limits;
        let init_code = init_code.filter(|c| !c.is_empty());
        let (factory, factory_data) = match init_code {
            None => (None, Bytes::new()),
            Some(code) if code.len() < 24 => {
                return Err(Error::invalid_at(
                    init_code_path,
                    "must be a factory address followed by its calldata",
                ));
            }
            Some(code) => (
                Some(Address::from_slice(&code[..20])),
                Bytes::copy_from_slice(&code[20..]),
            ),
        };
        let mut verification = verification_gas_limit.unwrap_or(limits.default_verification_gas);
        if factory.is_some() {
            verification = verification.max(limits.deploy_verification_gas);
        }
        let is_session = NonceKey::split(nonce).0.validator == SMART_SESSIONS;
        let signature_bytes = if is_session {
            SESSION_SIGNATURE_ESTIMATE
        } else {
            OWNER_SIGNATURE_ESTIMATE
        };
        let bytes = call_data.len() + factory_data.len() + 20 + signature_bytes;
        Ok(UserOperation {
            sender,
            nonce,
            factory,
            factory_data,
            call_data,
            call_gas_limit,
            verification_gas_limit: verification,
            pre_verification_gas: U256::from(limits.pre_verification_gas_base + 16 * bytes as u128),
            max_fee_per_gas: 0,
            max_priority_fee_per_gas: 0,
            paymaster: Some(self.config.node_paymaster),
            paymaster_verification_gas_limit: limits.paymaster_verification_gas,
            paymaster_post_op_gas_limit: limits.paymaster_post_op_gas,
            paymaster_data: Bytes::from_static(&PAYMASTER_DATA_USER_FIXED),
            signature: Bytes::new(),
        })
    }

    /// Every sender is deployed, or deployed by the first of its userOps on that chain, whose
    /// `initCode` must create exactly that sender.
    async fn check_deployments(&self, drafts: &[Draft]) -> Result<()> {
        let mut deployed: HashMap<(u64, Address), bool> = HashMap::new();
        for (i, draft) in drafts.iter().enumerate() {
            let path = if i == 0 {
                "paymentInfo".to_owned()
            } else {
                format!("userOps[{}]", i - 1)
            };
            let key = (draft.chain_id, draft.op.sender);
            let chain = self.chain(draft.chain_id)?;
            let is_deployed = match deployed.get(&key) {
                Some(known) => *known,
                // An EIP-7702 authorization gives the sender its code in the bundle.
                None if draft.delegate.is_some() => true,
                None => chain.code_size(draft.op.sender).await? > 0,
            };
            match draft.op.factory {
                Some(_) if is_deployed => {
                    return Err(Error::invalid_at(
                        format!("{path}.initCode"),
                        format!(
                            "account {} is already deployed on chain {}",
                            draft.op.sender, draft.chain_id
                        ),
                    ));
                }
                Some(factory) => {
                    let created = chain.call(factory, draft.op.factory_data.clone()).await?;
                    let address = created.ok().and_then(|out| Address::abi_decode(&out).ok());
                    if address != Some(draft.op.sender) {
                        return Err(Error::invalid_at(
                            format!("{path}.initCode"),
                            format!("does not deploy the sender {}", draft.op.sender),
                        ));
                    }
                }
                None if !is_deployed => {
                    return Err(Error::invalid_at(
                        format!("{path}.sender"),
                        format!(
                            "account {} is not deployed on chain {} and no initCode was given",
                            draft.op.sender, draft.chain_id
                        ),
                    ));
                }
                None => {}
            }
            deployed.insert(key, true);
        }
        Ok(())
    }

    /// `POST /v1/exec`: checks the signed quote against the stored one, builds every userOp's
    /// signature and stores the supertransaction for the executors.
    pub async fn exec(&self, request: ExecRequest) -> Result<B256> {
        let now = now_secs();
        let hash = request.hash;
        let stored = self
            .store
            .quote(hash)
            .await?
            .ok_or(Error::QuoteNotFound(hash))?;
        let quote = &stored.quote;
        if request.node != quote.node || request.commitment != quote.commitment {
            return Err(Error::QuoteMismatch("node or commitment differs".into()));
        }
        if stored.executed_at.is_some() {
            return Err(Error::AlreadyExecuted(hash));
        }
        if now > stored.expires_at {
            return Err(Error::QuoteExpired(hash));
        }
        if request.user_ops.len() != quote.user_ops.len() {
            return Err(Error::QuoteMismatch(format!(
                "{} userOps instead of {}",
                request.user_ops.len(),
                quote.user_ops.len()
            )));
        }
        let mut ops = Vec::with_capacity(quote.user_ops.len());
        for (i, (sent, ours)) in request.user_ops.iter().zip(&quote.user_ops).enumerate() {
            let op = UserOperation::try_from(&ours.user_op)
                .map_err(|e| Error::Corrupt(e.to_string()))?;
            let sent_op = UserOperation::try_from(&sent.user_op)
                .map_err(|e| Error::invalid_at(format!("userOps[{i}].userOp"), e.to_string()))?;
            let same = sent_op.hash(sent.chain_id).0 == ours.user_op_hash
                && sent.user_op_hash == ours.user_op_hash
                && sent.chain_id == ours.chain_id
                && sent.lower_bound_timestamp == ours.lower_bound_timestamp
                && sent.upper_bound_timestamp == ours.upper_bound_timestamp
                && sent.short_encoding == ours.short_encoding
                && sent.is_clean_up_user_op == ours.is_clean_up_user_op;
            if !same {
                return Err(Error::QuoteMismatch(format!("userOps[{i}] was changed")));
            }
            ops.push(op);
        }
        let mee_ops: Vec<MeeUserOp> = quote
            .user_ops
            .iter()
            .map(|o| MeeUserOp {
                user_op_hash: o.user_op_hash.into(),
                lower_bound_timestamp: o.lower_bound_timestamp,
                upper_bound_timestamp: o.upper_bound_timestamp,
                short_encoding: o.short_encoding,
            })
            .collect();
        let tree = supertransaction_tree(&mee_ops).expect("a quote has userOps");
        if tree.root() != hash {
            return Err(Error::Corrupt(format!(
                "stored quote {hash} has another root"
            )));
        }

        // The signature: simple mode (the root signed), or a Fusion permit or trigger transaction.
        let authorization = fusion::authorization(
            self,
            &request.signature,
            quote,
            self.config.confirmations,
            std::time::Duration::from_secs(self.config.limits.request_timeout_secs / 2),
        )
        .await?;
        let signer = authorization.signer();

        let mut records = Vec::with_capacity(ops.len());
        let mut owners: HashMap<(u64, Address), Address> = HashMap::new();
        for (i, (mut op, ours)) in ops.into_iter().zip(&quote.user_ops).enumerate() {
            let proof = tree.proof(i).expect("index within the tree");
            let validator = NonceKey::split(op.nonce).0.validator;
            op.signature = if i == 0 && quote.payment_info.sponsored {
                // The gas tank's payment userOp: signed by the tank's owner.
                let tank = self.gas_tanks.tank(ours.chain_id, op.sender)?;
                sponsorship::payment_signature(tank, quote)?
            } else if validator == SMART_SESSIONS {
                let details = request.user_ops[i]
                    .session_details
                    .as_ref()
                    .or(if i == 0 {
                        request.payment_info.session_details.as_ref()
                    } else {
                        None
                    })
                    .or(ours.session_details.as_ref())
                    .ok_or_else(|| {
                        Error::invalid_at(
                            format!("userOps[{i}].sessionDetails"),
                            "a Smart Sessions userOp needs its session details",
                        )
                    })?;
                let raw = authorization.simple_signature().ok_or_else(|| {
                    Error::InvalidSignature(
                        "Smart Sessions userOps need a simple-mode signature".into(),
                    )
                })?;
                session_signature(i, details, ours.chain_id, signer, hash, &proof, raw)?
            } else {
                let owner = match owners.get(&(ours.chain_id, op.sender)) {
                    Some(owner) => *owner,
                    None => {
                        let owner = self
                            .owner_of(&request, &quote.user_ops, i, &op, validator)
                            .await?;
                        owners.insert((ours.chain_id, op.sender), owner);
                        owner
                    }
                };
                if signer != owner {
                    return Err(Error::InvalidSignature(format!(
                        "signed by {signer}, but userOps[{i}]'s account {} is owned by {owner}",
                        op.sender
                    )));
                }
                authorization.user_op_signature(i, &quote.user_ops, hash, &proof)?
            };
            records.push(OpRecord {
                stx_hash: hash,
                index: i as u32,
                chain_id: ours.chain_id,
                is_cleanup: ours.is_clean_up_user_op,
                lower_bound: ours.lower_bound_timestamp,
                upper_bound: ours.upper_bound_timestamp,
                user_op: UserOpJson::from(&op),
                user_op_hash: ours.user_op_hash,
                status: mee_primitives::api::ExecutionStatus::Pending,
                tx_hash: None,
                error: None,
                block_number: None,
                confirmed: false,
            });
        }
        if !self.store.execute(hash, now, &records).await? {
            return Err(Error::AlreadyExecuted(hash));
        }
        Ok(hash)
    }

    /// The owner of userOp `i`'s account: from the `initCode` that deploys it in this quote,
    /// or the MEE validator's `getOwner` on its chain.
    async fn owner_of(
        &self,
        request: &ExecRequest,
        quoted: &[FilledUserOp],
        i: usize,
        op: &UserOperation,
        nonce_validator: Address,
    ) -> Result<Address> {
        let chain_id = quoted[i].chain_id;
        let deploying = quoted[..=i]
            .iter()
            .filter(|o| o.chain_id == chain_id && o.user_op.sender == op.sender)
            .find_map(|o| {
                UserOperation::try_from(&o.user_op)
                    .ok()
                    .filter(|u| u.factory.is_some())
            });
        if let Some(deploying) = deploying {
            return owner_from_factory_data(&deploying.factory_data).ok_or_else(|| {
                Error::InvalidSignature(format!(
                    "cannot read the owner of {} from its initCode",
                    op.sender
                ))
            });
        }
        let validator = if nonce_validator != Address::ZERO {
            nonce_validator
        } else {
            request
                .mee_versions
                .iter()
                .find(|v| v.chain_id == chain_id)
                .and_then(|v| v.version.validator_address)
                .unwrap_or(MEE_2_0_0.mee_validator)
        };
        let call = IMeeValidator::getOwnerCall { account: op.sender }.abi_encode();
        let out = self.chain(chain_id)?.call(validator, call.into()).await?;
        out.ok()
            .and_then(|out| Address::abi_decode(&out).ok())
            .ok_or_else(|| {
                Error::InvalidSignature(format!(
                    "the validator {validator} does not report an owner for {}",
                    op.sender
                ))
            })
    }

    /// `GET /v1/explorer/{hash}`.
    pub async fn explorer(&self, hash: B256) -> Result<ExplorerResponse> {
        let stored = self
            .store
            .quote(hash)
            .await?
            .ok_or(Error::SupertransactionNotFound(hash))?;
        if stored.executed_at.is_none() {
            return Err(Error::SupertransactionNotFound(hash));
        }
        let records = self.store.ops(hash).await?;
        let quote = stored.quote;
        let user_ops = quote
            .user_ops
            .into_iter()
            .zip(records)
            .map(|(mut op, record)| {
                op.user_op = record.user_op;
                ExplorerUserOp {
                    op,
                    execution_status: record.status,
                    execution_data: record.tx_hash,
                    execution_error: record.error,
                    is_confirmed: record.confirmed,
                }
            })
            .collect();
        Ok(ExplorerResponse {
            hash: quote.hash,
            node: quote.node,
            commitment: quote.commitment,
            quote_type: quote.quote_type,
            payment_info: quote.payment_info,
            user_ops,
        })
    }
}

impl fusion::ChainLookup for NodeService {
    fn chain_client(&self, chain_id: u64) -> Result<&dyn ChainClient> {
        self.chain(chain_id).map(|c| c.as_ref())
    }
}

/// Smart Sessions userOps must use short leaves (the session validator hands the raw userOp
/// hash to the MEE validator), owner userOps full ones.
fn check_encoding(nonce: U256, short_encoding: bool, path: &str) -> Result<()> {
    let is_session = NonceKey::split(nonce).0.validator == SMART_SESSIONS;
    if is_session != short_encoding {
        return Err(Error::invalid_at(
            path,
            if is_session {
                "must be true for Smart Sessions userOps"
            } else {
                "must be false unless the userOp uses Smart Sessions"
            },
        ));
    }
    Ok(())
}

/// The session signature of userOp `i`: the short simple-mode signature wrapped for Smart
/// Sessions (USE, or ENABLE / UNSAFE_ENABLE with the enable data).
fn session_signature(
    i: usize,
    details: &SessionDetails,
    chain_id: u64,
    signer: Address,
    root: B256,
    proof: &[B256],
    raw: &[u8],
) -> Result<Bytes> {
    let path = format!("userOps[{i}].sessionDetails");
    if details.chain_id() != chain_id {
        return Err(Error::invalid_at(
            path,
            format!(
                "the session is for chain {}, not {chain_id}",
                details.chain_id()
            ),
        ));
    }
    let init_data = &details
        .enable_session_data
        .enable_session
        .session_to_enable
        .session_validator_init_data;
    if init_data.len() != 20 {
        return Err(Error::invalid_at(
            path,
            "sessionValidatorInitData must be the session key's address",
        ));
    }
    let redeemer = Address::from_slice(init_data);
    if signer != redeemer {
        return Err(Error::InvalidSignature(format!(
            "signed by {signer}, but userOps[{i}]'s session key is {redeemer}"
        )));
    }
    let short = short_user_op_signature(root, proof, raw);
    if details.mode == SmartSessionMode::USE {
        return Ok(encode_use(details.permission_id, &short));
    }
    let enable = details.to_enable_session().ok_or_else(|| {
        Error::invalid_at(
            path,
            "enable mode needs the chain digests and the owner's enable signature",
        )
    })?;
    Ok(encode_enable(details.mode, &enable, &short))
}

/// The owner a Nexus `createAccount(initData, salt)` call installs in the default validator.
pub fn owner_from_factory_data(factory_data: &[u8]) -> Option<Address> {
    let create = INexusDeployment::createAccountCall::abi_decode(factory_data).ok()?;
    let (_bootstrap, bootstrap_call) =
        <(Address, Bytes)>::abi_decode_params(&create.initData).ok()?;
    let init =
        INexusDeployment::initNexusWithDefaultValidatorAndOtherModulesNoRegistryCall::abi_decode(
            &bootstrap_call,
        )
        .ok()?;
    let data = init.defaultValidatorInitData;
    (data.len() >= 20).then(|| Address::from_slice(&data[..20]))
}

/// Every gas unit a userOp may be charged for.
fn gas_units(op: &UserOperation) -> u128 {
    op.call_gas_limit
        + op.verification_gas_limit
        + op.paymaster_verification_gas_limit
        + op.paymaster_post_op_gas_limit
        + op.pre_verification_gas.saturating_to::<u128>()
}

/// The fee's value in USD with up to 6 decimals.
fn usd_value(fee: U256, token: &FeeTokenConfig, price: UsdPrice) -> String {
    let e8 =
        fee.saturating_mul(U256::from(price.0)) / U256::from(10).pow(U256::from(token.decimals));
    let e6 = e8.div_ceil(U256::from(100));
    format_units(e6, 6)
}

/// The gas limit of a `handleOps` transaction carrying `ops`.
pub(crate) fn bundle_gas(ops: &[UserOperation]) -> u64 {
    let total: u128 = ops.iter().map(gas_units).sum::<u128>() + 150_000;
    u64::try_from(total).unwrap_or(u64::MAX).min(25_000_000)
}

#[cfg(test)]
mod tests {
    use mee_primitives::{account::NexusDeployment, addresses::MEE_2_0_0};

    use super::*;

    #[test]
    fn reads_the_owner_from_nexus_factory_data() {
        let owner = Address::repeat_byte(0x42);
        let deployment = NexusDeployment::new(MEE_2_0_0, owner, U256::from(3));
        assert_eq!(
            owner_from_factory_data(&deployment.factory_data()),
            Some(owner)
        );
        assert_eq!(owner_from_factory_data(&[1, 2, 3]), None);
    }

    #[test]
    fn session_userops_need_short_leaves() {
        let session_nonce = NonceKey::new(5, Default::default(), SMART_SESSIONS).nonce(0);
        let owner_nonce = NonceKey::new(5, Default::default(), Address::ZERO).nonce(0);
        assert!(check_encoding(session_nonce, true, "x").is_ok());
        assert!(check_encoding(owner_nonce, false, "x").is_ok());
        assert!(check_encoding(session_nonce, false, "x").is_err());
        assert!(check_encoding(owner_nonce, true, "x").is_err());
    }

    #[test]
    fn user_refund_paymaster_data() {
        assert_eq!(
            alloy::hex::encode(PAYMASTER_DATA_USER_FIXED),
            "170de0009ee4ce01"
        );
    }
}
