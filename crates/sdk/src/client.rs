//! The MEE node client: info, quotes, signing, execution, receipts, and the Smart Sessions
//! flows (prepare, use, grant) on top of them — the SDK's `createMeeClient` with
//! `meeSessionActions`.
//!
//! Requests carry `Content-Type: application/json` and the `x-api-key` header; answers are
//! always read as JSON, and errors surface the node's message the way the SDK extracts it
//! ([`node_error_message`]).

use std::{sync::Arc, time::Duration};

use alloy::{primitives::B256, rpc::types::TransactionReceipt, signers::SignerSync, sol};
use mee_primitives::{
    SessionDetails, SmartSessionMode,
    api::{ExecRequest, ExplorerResponse, InfoResponse, QuoteRequest, QuoteResponse},
    mee_signature::quote_signature,
};
use reqwest::Method;
use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;

use crate::{
    account::MultichainAccount,
    clock::{Clock, SystemClock},
    error::{Error, Result},
    instruction::Instruction,
    quote::{Fee, QuoteParams, mee_version_entry},
    session::{
        EnableSessions, GrantPermission, GrantSignature, UsageMode, check_usage, details_for_chain,
    },
    status::{
        ConfirmationMode, ReceiptTarget, SupertransactionStatus, UserOpStatus, receipt_targets,
        supertransaction_status,
    },
};

/// The default polling interval of [`MeeClient::wait_for_supertransaction_receipt`].
pub const DEFAULT_POLLING_INTERVAL: Duration = Duration::from_millis(250);
/// The polling interval of the `fast-block` mode.
pub const FAST_BLOCK_POLLING_INTERVAL: Duration = Duration::from_millis(75);

sol! {
    /// The ERC-20 view the default maximum payment amount needs.
    #[derive(Debug, PartialEq, Eq)]
    interface IErc20Decimals {
        /// The token's decimals.
        function decimals() external view returns (uint8);
    }
}

/// Builder of a [`MeeClient`].
#[derive(Clone, Debug)]
pub struct MeeClientBuilder {
    url: Option<String>,
    api_key: Option<String>,
    account: Option<MultichainAccount>,
    clock: Arc<dyn Clock>,
    polling_interval: Duration,
    http: Option<reqwest::Client>,
}

impl Default for MeeClientBuilder {
    fn default() -> Self {
        Self {
            url: None,
            api_key: None,
            account: None,
            clock: Arc::new(SystemClock),
            polling_interval: DEFAULT_POLLING_INTERVAL,
            http: None,
        }
    }
}

impl MeeClientBuilder {
    /// The default builder (system clock, 250 ms polling).
    pub fn new() -> Self {
        Self::default()
    }

    /// The node's base URL, including `/v1`.
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// The API key sent as `x-api-key`.
    pub fn api_key(mut self, api_key: impl Into<String>) -> Self {
        self.api_key = Some(api_key.into());
        self
    }

    /// The account the client quotes for.
    pub fn account(mut self, account: MultichainAccount) -> Self {
        self.account = Some(account);
        self
    }

    /// The clock behind time bounds and nonce keys.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The receipt polling interval.
    pub fn polling_interval(mut self, interval: Duration) -> Self {
        self.polling_interval = interval;
        self
    }

    /// A preconfigured HTTP client.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Calls `GET info` and checks that the node supports every chain of the account, as the
    /// SDK does on creation.
    pub async fn connect(self) -> Result<MeeClient> {
        let mut client = MeeClient {
            url: self
                .url
                .unwrap_or_else(|| "http://127.0.0.1:3000/v1".to_owned())
                .trim_end_matches('/')
                .to_owned(),
            api_key: self.api_key,
            account: self.account.unwrap_or_default(),
            clock: self.clock,
            polling_interval: self.polling_interval,
            http: self.http.unwrap_or_default(),
            info: None,
        };
        let info = client.get_info().await?;
        let supported: Vec<u64> = info.supported_chains.iter().map(|c| c.chain_id).collect();
        let missing: Vec<u64> = client
            .account
            .chain_ids()
            .into_iter()
            .filter(|chain_id| !supported.contains(chain_id))
            .collect();
        if !missing.is_empty() {
            return Err(Error::UnsupportedChains(missing));
        }
        client.info = Some(info);
        Ok(client)
    }
}

/// A client of one MEE node for one account.
#[derive(Clone, Debug)]
pub struct MeeClient {
    url: String,
    api_key: Option<String>,
    account: MultichainAccount,
    clock: Arc<dyn Clock>,
    polling_interval: Duration,
    http: reqwest::Client,
    info: Option<InfoResponse>,
}

/// A quote of the PREPARE flow, with the session details to keep.
#[derive(Clone, Debug, PartialEq)]
pub struct PreparedQuote {
    /// The quote (an ordinary owner quote).
    pub quote: QuoteResponse,
    /// One entry per chain (mode `USE`), to store for the session signer.
    pub session_details: Vec<SessionDetails>,
}

/// What [`MeeClient::wait_for_supertransaction_receipt`] returns.
#[derive(Clone, Debug, PartialEq)]
pub struct SupertransactionReceipt {
    /// The explorer entry.
    pub explorer: ExplorerResponse,
    /// Its status by the SDK's rules.
    pub status: SupertransactionStatus,
    /// The transaction receipts of its userOps, read from their chains, when asked for with
    /// [`WaitOptions::wait_for_receipts`] (empty otherwise).
    pub receipts: Vec<UserOpReceipt>,
}

/// A userOp's transaction receipt, read from its chain's RPC.
#[derive(Clone, Debug, PartialEq)]
pub struct UserOpReceipt {
    /// The userOp, its chain and its transaction.
    pub target: ReceiptTarget,
    /// The chain's receipt of that transaction.
    pub receipt: TransactionReceipt,
}

/// Options of [`MeeClient::wait_for_supertransaction_receipt`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WaitOptions {
    /// Confirmed (default) or fast-block.
    pub mode: ConfirmationMode,
    /// The polling interval (default: the client's, 75 ms in fast-block mode).
    pub polling_interval: Option<Duration>,
    /// Give up after this long (the SDK waits forever).
    pub timeout: Option<Duration>,
    /// On success, also read each userOp's transaction receipt from its chain (the SDK's
    /// `waitForReceipts`, on by default there; off by default here, since it needs the
    /// account's RPCs).
    pub wait_for_receipts: bool,
}

impl MeeClient {
    /// A builder.
    pub fn builder() -> MeeClientBuilder {
        MeeClientBuilder::new()
    }

    /// The account.
    pub fn account(&self) -> &MultichainAccount {
        &self.account
    }

    /// The node's `info`, as read on connection.
    pub fn info(&self) -> Option<&InfoResponse> {
        self.info.as_ref()
    }

    /// `GET info`.
    pub async fn get_info(&self) -> Result<InfoResponse> {
        self.request(Method::GET, "info", None::<&()>).await
    }

    /// Builds the `POST quote` body for `params` (see [`QuoteParams::build_request`]) and
    /// checks the chains against the node's `info`, as the SDK does. An untrusted sponsorship
    /// (not the default tank with a Biconomy backend) takes the tank's nonce from
    /// `GET {url}/sponsorship/nonce/{chainId}/{gasTank}`.
    pub async fn quote_request(&self, params: &QuoteParams) -> Result<QuoteRequest> {
        let mut request = params
            .build_request(&self.account, self.clock.as_ref())
            .await?;
        if let Some(Fee::Sponsored(sponsorship)) = params.fee()
            && !sponsorship.is_trusted()
        {
            let answer: SponsorshipNonce = self
                .request_at(
                    sponsorship.url.trim_end_matches('/'),
                    None,
                    Method::GET,
                    &format!(
                        "sponsorship/nonce/{}/{}",
                        sponsorship.chain_id, sponsorship.gas_tank
                    ),
                    None::<&()>,
                )
                .await?;
            request.payment_info.nonce = answer.nonce.parse().map_err(|_| Error::Node {
                status: 200,
                message: format!("sponsorship/nonce answered {:?}, not a nonce", answer.nonce),
            })?;
        }
        if let Some(info) = &self.info {
            let supported: Vec<u64> = info.supported_chains.iter().map(|c| c.chain_id).collect();
            let missing: Vec<u64> = request
                .user_ops
                .iter()
                .map(|op| op.chain_id)
                .filter(|chain_id| !supported.contains(chain_id))
                .collect();
            if !missing.is_empty() {
                return Err(Error::UnsupportedChains(missing));
            }
            if !request.payment_info.sponsored
                && !info
                    .supported_gas_tokens
                    .iter()
                    .any(|tokens| tokens.chain_id == request.payment_info.chain_id)
            {
                return Err(Error::UnsupportedFeeChain(request.payment_info.chain_id));
            }
        }
        Ok(request)
    }

    /// `POST quote`. A sponsorship whose backend is not Biconomy's then has the quote signed by
    /// the sponsor (`POST {url}/sponsorship/sign/{chainId}/{gasTank}`), whose answer is the quote.
    pub async fn quote(&self, params: &QuoteParams) -> Result<QuoteResponse> {
        let request = self.quote_request(params).await?;
        let quote: QuoteResponse = self.request(Method::POST, "quote", Some(&request)).await?;
        match params.fee() {
            Some(Fee::Sponsored(sponsorship)) if !sponsorship.is_biconomy_backend() => {
                self.request_at(
                    sponsorship.url.trim_end_matches('/'),
                    None,
                    Method::POST,
                    &format!(
                        "sponsorship/sign/{}/{}",
                        sponsorship.chain_id, sponsorship.gas_tank
                    ),
                    Some(&quote),
                )
                .await
            }
            _ => Ok(quote),
        }
    }

    /// Signs `quote` with `signer` (simple mode, MEE < 2.2.1: `personal_sign` of the 32-byte
    /// hash, prefixed `0x177eee00`) and builds the exec body.
    pub fn sign_quote(
        &self,
        quote: QuoteResponse,
        signer: &impl SignerSync,
    ) -> Result<ExecRequest> {
        sign_quote(&self.account, quote, signer)
    }

    /// `POST exec`: returns the supertransaction hash.
    pub async fn exec(&self, signed: &ExecRequest) -> Result<B256> {
        let response: mee_primitives::api::ExecResponse =
            self.request(Method::POST, "exec", Some(signed)).await?;
        Ok(response.hash)
    }

    /// Quote, sign and execute.
    pub async fn execute(&self, params: &QuoteParams, signer: &impl SignerSync) -> Result<B256> {
        let quote = self.quote(params).await?;
        let signed = self.sign_quote(quote, signer)?;
        self.exec(&signed).await
    }

    /// `GET explorer/{hash}`.
    pub async fn explorer(&self, hash: B256) -> Result<ExplorerResponse> {
        self.request(Method::GET, &format!("explorer/{hash}"), None::<&()>)
            .await
    }

    /// The supertransaction's receipt now: its explorer entry and status. A failed
    /// supertransaction is an error ([`Error::SupertransactionFailed`]), as in the SDK.
    pub async fn supertransaction_receipt(
        &self,
        hash: B256,
        mode: ConfirmationMode,
    ) -> Result<SupertransactionReceipt> {
        let explorer = self.explorer(hash).await?;
        receipt_of(explorer, mode)
    }

    /// Polls the explorer until the supertransaction is final: its receipt on success, an
    /// error on failure. `on_replaced` is told when a userOp's transaction hash changes
    /// (`meeUserOpHash`, new transaction hash).
    pub async fn wait_for_supertransaction_receipt(
        &self,
        hash: B256,
        options: WaitOptions,
        mut on_replaced: impl FnMut(B256, B256),
    ) -> Result<SupertransactionReceipt> {
        let interval = options.polling_interval.unwrap_or(match options.mode {
            ConfirmationMode::FastBlock => FAST_BLOCK_POLLING_INTERVAL,
            ConfirmationMode::Confirmed => self.polling_interval,
        });
        let started = std::time::Instant::now();
        let mut seen: Vec<(B256, B256)> = Vec::new();
        loop {
            let receipt = self.supertransaction_receipt(hash, options.mode).await?;
            for op in &receipt.explorer.user_ops {
                let Some(tx) = op.execution_data else {
                    continue;
                };
                match seen
                    .iter_mut()
                    .find(|(id, _)| *id == op.op.mee_user_op_hash)
                {
                    Some((_, known)) if *known != tx => {
                        *known = tx;
                        on_replaced(op.op.mee_user_op_hash, tx);
                    }
                    Some(_) => {}
                    None => seen.push((op.op.mee_user_op_hash, tx)),
                }
            }
            if receipt.status.is_finalised {
                let mut receipt = receipt;
                if options.wait_for_receipts && receipt.status.is_success() {
                    receipt.receipts = self.transaction_receipts(&receipt.explorer).await?;
                }
                return Ok(receipt);
            }
            if let Some(timeout) = options.timeout
                && started.elapsed() >= timeout
            {
                return Err(Error::Timeout(timeout));
            }
            tokio::time::sleep(interval).await;
        }
    }

    /// The transaction receipts of a successful supertransaction's userOps, each read from its
    /// chain's RPC as `getSupertransactionReceipt` does: every op after the payment op, except
    /// cleanups that did not succeed. A transaction the chain does not know is
    /// [`Error::ReceiptNotFound`].
    pub async fn transaction_receipts(
        &self,
        explorer: &ExplorerResponse,
    ) -> Result<Vec<UserOpReceipt>> {
        let mut receipts = Vec::new();
        for target in receipt_targets(&explorer.user_ops)? {
            let receipt = self
                .account
                .rpc_on(target.chain_id)?
                .transaction_receipt(target.chain_id, target.transaction_hash)
                .await?;
            receipts.push(UserOpReceipt { target, receipt });
        }
        Ok(receipts)
    }

    // ----------------------------------------------------------------------------------------
    // Smart Sessions
    // ----------------------------------------------------------------------------------------

    /// `getSessionQuote({mode: "PREPARE"})`: a quote that deploys the account where needed,
    /// installs Smart Sessions where it is missing (every chain of the account) and enables
    /// `enable`'s sessions, plus `params`' own instructions; `None` when there is nothing to
    /// do. The fee token's decimals are read from its chain when no maximum payment amount is
    /// set.
    pub async fn session_quote_prepare(
        &self,
        enable: Option<&EnableSessions>,
        params: QuoteParams,
    ) -> Result<Option<PreparedQuote>> {
        let Some((params, session_details)) = self.prepare_params(enable, params).await? else {
            return Ok(None);
        };
        let quote = self.quote(&params).await?;
        Ok(Some(PreparedQuote {
            quote,
            session_details,
        }))
    }

    /// The PREPARE quote's parameters: `params` with the deployment, installation and enable
    /// instructions first, and the session details of what is enabled; `None` when there is
    /// nothing to do.
    async fn prepare_params(
        &self,
        enable: Option<&EnableSessions>,
        params: QuoteParams,
    ) -> Result<Option<(QuoteParams, Vec<SessionDetails>)>> {
        let sessions = self.account.smart_sessions();
        let plan = sessions.plan_preparation(self.account.chain_ids()).await?;
        let (prepared, batch) = match enable {
            Some(enable) => {
                let mut enable = enable.clone();
                if let Some(Fee::Token(token)) = params.fee()
                    && !enable.has_max_payment_amount()
                {
                    let decimals = self
                        .account
                        .rpc_on(token.chain_id)?
                        .call_sol(
                            token.chain_id,
                            token.address,
                            &IErc20Decimals::decimalsCall {},
                        )
                        .await?;
                    enable = enable.fee_token(*token).fee_token_decimals(decimals);
                } else if let Some(Fee::Token(token)) = params.fee() {
                    enable = enable.fee_token(*token);
                }
                (enable.prepare(&self.account)?, enable.batches_actions())
            }
            None => (Vec::new(), true),
        };
        let mut instructions: Vec<Instruction> = sessions.prepare_instructions(&plan, &prepared)?;
        if instructions.is_empty() && params.instruction_count() == 0 {
            return Ok(None);
        }
        instructions.extend(params.instruction_list().iter().cloned());
        let params = params.replace_instructions(instructions).batch(batch);
        Ok(Some((
            params,
            prepared.into_iter().map(|entry| entry.details).collect(),
        )))
    }

    /// `prepareForPermissions`: [`Self::session_quote_prepare`], signed by the owner and
    /// executed. Returns the supertransaction hash and the session details, or `None` when
    /// there is nothing to do.
    pub async fn prepare_for_permissions(
        &self,
        enable: Option<&EnableSessions>,
        params: QuoteParams,
        owner: &impl SignerSync,
    ) -> Result<Option<(B256, Vec<SessionDetails>)>> {
        let Some(prepared) = self.session_quote_prepare(enable, params).await? else {
            return Ok(None);
        };
        let signed = self.sign_quote(prepared.quote, owner)?;
        let hash = self.exec(&signed).await?;
        Ok(Some((hash, prepared.session_details)))
    }

    /// `prepareForPermissions` with a token `trigger` (the SDK's docs, step 2): the PREPARE
    /// supertransaction as a Fusion quote, so the owner's EOA funds the account (and pays the
    /// fee, when the trigger token is the fee token on the fee chain) through an EIP-2612
    /// permit signed by `owner`. The PREPARE instructions always run, so this never returns
    /// `None` for lack of work: the trigger's transfer is work.
    pub async fn prepare_for_permissions_with_trigger(
        &self,
        enable: Option<&EnableSessions>,
        params: QuoteParams,
        trigger: crate::fusion::Trigger,
        owner: &impl SignerSync,
    ) -> Result<(B256, Vec<SessionDetails>)> {
        let (params, session_details) = match self.prepare_params(enable, params.clone()).await? {
            Some(prepared) => prepared,
            None => (params, Vec::new()),
        };
        let fusion = self
            .fusion_quote(params, trigger, crate::fusion::FusionMode::Permit)
            .await?;
        let signed = self.sign_permit_quote(&fusion, owner).await?;
        let hash = self.exec(&signed).await?;
        Ok((hash, session_details))
    }

    /// `getSessionQuote({mode: "USE"})`: a session quote whose userOps carry the stored
    /// session details (mode `USE`). Granted details (mode `0x02`) are refused.
    pub async fn session_quote_use(
        &self,
        details: Vec<SessionDetails>,
        params: QuoteParams,
    ) -> Result<QuoteResponse> {
        check_usage(&details, UsageMode::Use)?;
        let params = params.session(details.clone(), UsageMode::Use);
        let mut quote = self.quote(&params).await?;
        let sponsored = quote.payment_info.sponsored;
        rewrite_session_details(&mut quote.user_ops, sponsored, &details, false)?;
        Ok(quote)
    }

    /// `usePermission`: quote with the session, sign with the session signer, rewrite each
    /// userOp's session details for `mode` (the first userOp per chain enables in
    /// `ENABLE_AND_USE`), execute. Returns the supertransaction hash.
    pub async fn use_permission(
        &self,
        details: Vec<SessionDetails>,
        mode: UsageMode,
        params: QuoteParams,
        session_signer: &impl SignerSync,
    ) -> Result<B256> {
        check_usage(&details, mode)?;
        let params = params.session(details.clone(), mode);
        let quote = self.quote(&params).await?;
        let mut signed = self.sign_quote(quote, session_signer)?;
        let sponsored = signed.payment_info.sponsored;
        rewrite_session_details(
            &mut signed.user_ops,
            sponsored,
            &details,
            mode == UsageMode::EnableAndUse,
        )?;
        self.exec(&signed).await
    }

    /// `grantPermission*`: sessions enabled off-chain by one owner signature over all chains,
    /// with each chain's enable nonce and digest read from the chain.
    pub async fn grant_permission(
        &self,
        grant: &GrantPermission,
        owner: &impl SignerSync,
        kind: GrantSignature,
    ) -> Result<Vec<SessionDetails>> {
        self.account
            .smart_sessions()
            .grant(grant, owner, kind)
            .await
    }

    pub(crate) async fn request<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&impl Serialize>,
    ) -> Result<T> {
        self.request_at(&self.url, self.api_key.as_deref(), method, path, body)
            .await
    }

    /// A request to `base` (the node, or a sponsorship backend, which gets no API key).
    async fn request_at<T: DeserializeOwned>(
        &self,
        base: &str,
        api_key: Option<&str>,
        method: Method,
        path: &str,
        body: Option<&impl Serialize>,
    ) -> Result<T> {
        let mut request = self
            .http
            .request(method, format!("{base}/{path}"))
            .header("Content-Type", "application/json");
        if let Some(key) = api_key {
            request = request.header("x-api-key", key);
        }
        if let Some(body) = body {
            request = request.body(serde_json::to_vec(body).map_err(Error::BadResponse)?);
        }
        let response = request.send().await?;
        let status = response.status();
        let bytes = response.bytes().await?;
        let json: Value = serde_json::from_slice(&bytes).map_err(Error::BadResponse)?;
        if !status.is_success() {
            return Err(Error::Node {
                status: status.as_u16(),
                message: node_error_message(&json),
            });
        }
        serde_json::from_value(json).map_err(Error::BadResponse)
    }
}

/// What the paying account holds of the fee token, against the fee a quote asks
/// ([`MeeClient::fee_balance`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeeBalance {
    /// The fee token.
    pub token: alloy::primitives::Address,
    /// The chain the fee is paid on.
    pub chain_id: u64,
    /// Who pays (the account).
    pub payer: alloy::primitives::Address,
    /// The token's decimals.
    pub decimals: u8,
    /// The fee, in base units.
    pub fee: alloy::primitives::U256,
    /// What the payer holds, in base units.
    pub held: alloy::primitives::U256,
}

impl FeeBalance {
    /// How much the payer lacks (zero when the fee is covered).
    pub fn shortfall(&self) -> alloy::primitives::U256 {
        self.fee.saturating_sub(self.held)
    }

    /// Whether the payer holds at least the fee.
    pub fn is_covered(&self) -> bool {
        self.held >= self.fee
    }
}

sol! {
    /// The ERC-20 balance view [`MeeClient::fee_balance`] reads.
    #[derive(Debug, PartialEq, Eq)]
    interface IErc20Balance {
        /// The holder's balance.
        function balanceOf(address holder) external view returns (uint256);
    }
}

/// Hooks for callers that need a step between quoting and executing (a fee check before
/// signing, fixed session salts, enabling a grant on some chains only), so they do not
/// re-implement the flows above.
impl MeeClient {
    /// The payer's balance of the fee token against the fee of a quote's `payment`, read from
    /// the fee chain; `None` when a sponsor pays or the quote names no amount.
    pub async fn fee_balance(
        &self,
        payment: &mee_primitives::api::PaymentInfo,
    ) -> Result<Option<FeeBalance>> {
        let Some(fee) = payment.token_wei_amount.filter(|_| !payment.sponsored) else {
            return Ok(None);
        };
        let rpc = self.account.rpc_on(payment.chain_id)?;
        let held = rpc
            .call_sol(
                payment.chain_id,
                payment.token,
                &IErc20Balance::balanceOfCall {
                    holder: payment.sender,
                },
            )
            .await?;
        let decimals = rpc
            .call_sol(
                payment.chain_id,
                payment.token,
                &IErc20Decimals::decimalsCall {},
            )
            .await?;
        Ok(Some(FeeBalance {
            token: payment.token,
            chain_id: payment.chain_id,
            payer: payment.sender,
            decimals,
            fee,
            held,
        }))
    }

    /// [`Self::session_quote_prepare`] with the session salts drawn from `salts` (a
    /// permissions file's fixed salt makes the permission ids reproducible).
    pub async fn session_quote_prepare_with_salts(
        &self,
        enable: Option<&EnableSessions>,
        params: QuoteParams,
        salts: &mut impl crate::session::SaltSource,
    ) -> Result<Option<PreparedQuote>> {
        let sessions = self.account.smart_sessions();
        let plan = sessions.plan_preparation(self.account.chain_ids()).await?;
        let (prepared, batch) = match enable {
            Some(enable) => {
                let mut enable = enable.clone();
                if let Some(Fee::Token(token)) = params.fee() {
                    enable = enable.fee_token(*token);
                    if !enable.has_max_payment_amount() {
                        let decimals = self
                            .account
                            .rpc_on(token.chain_id)?
                            .call_sol(
                                token.chain_id,
                                token.address,
                                &IErc20Decimals::decimalsCall {},
                            )
                            .await?;
                        enable = enable.fee_token_decimals(decimals);
                    }
                }
                (
                    enable.try_prepare(&self.account, salts)?,
                    enable.batches_actions(),
                )
            }
            None => (Vec::new(), true),
        };
        let mut instructions: Vec<Instruction> = sessions.prepare_instructions(&plan, &prepared)?;
        if instructions.is_empty() && params.instruction_count() == 0 {
            return Ok(None);
        }
        instructions.extend(params.instruction_list().iter().cloned());
        let params = params.replace_instructions(instructions).batch(batch);
        let quote = self.quote(&params).await?;
        Ok(Some(PreparedQuote {
            quote,
            session_details: prepared.into_iter().map(|entry| entry.details).collect(),
        }))
    }

    /// Signs a session quote with the session signer and sets each userOp's session details:
    /// the first userOp on each chain of `enable_chains` enables its grant (`UNSAFE_ENABLE`),
    /// every other one uses the permission (`USE`). With `enable_chains` empty this is the
    /// USE flow of [`Self::use_permission`]; with every chain, its ENABLE_AND_USE flow.
    pub fn sign_session_quote(
        &self,
        quote: QuoteResponse,
        session_signer: &impl SignerSync,
        details: &[SessionDetails],
        enable_chains: &[u64],
    ) -> Result<ExecRequest> {
        let mut signed = self.sign_quote(quote, session_signer)?;
        let sponsored = signed.payment_info.sponsored;
        rewrite_session_details_on(&mut signed.user_ops, sponsored, details, enable_chains)?;
        Ok(signed)
    }
}

/// [`rewrite_session_details`] choosing per chain: the first userOp on a chain of
/// `enable_chains` gets `UNSAFE_ENABLE`, every other one `USE`.
pub fn rewrite_session_details_on(
    user_ops: &mut [mee_primitives::api::FilledUserOp],
    sponsored: bool,
    details: &[SessionDetails],
    enable_chains: &[u64],
) -> Result<()> {
    rewrite_session_details(user_ops, sponsored, details, true)?;
    for op in user_ops.iter_mut().skip(usize::from(sponsored)) {
        if !enable_chains.contains(&op.chain_id)
            && let Some(entry) = op.session_details.as_mut()
        {
            entry.mode = SmartSessionMode::USE;
        }
    }
    Ok(())
}

/// The answer of `GET sponsorship/nonce`.
#[derive(Debug, serde::Deserialize)]
struct SponsorshipNonce {
    nonce: String,
}

/// Signs `quote` for `account`'s chains with `signer`: `0x177eee00 ‖ personal_sign(hash)`, and
/// `meeVersions` for the chains of the userOps after the payment op when sponsored (all of
/// them otherwise).
pub fn sign_quote(
    account: &MultichainAccount,
    quote: QuoteResponse,
    signer: &impl SignerSync,
) -> Result<ExecRequest> {
    let signature = signer.sign_message_sync(quote.hash.as_slice())?;
    let start = usize::from(quote.payment_info.sponsored);
    let mut chains: Vec<u64> = Vec::new();
    for op in quote.user_ops.iter().skip(start) {
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
        .collect::<Result<Vec<_>>>()?;
    let mut signed = ExecRequest::new(quote, quote_signature(&signature.as_bytes()));
    signed.mee_versions = mee_versions;
    Ok(signed)
}

/// Sets each userOp's session details after signing, as the SDK does: from the payment op on
/// (or the first developer op when `sponsored`), the chain's entry, in `UNSAFE_ENABLE` mode
/// for the first op of each chain when `enable`, else `USE`.
pub fn rewrite_session_details(
    user_ops: &mut [mee_primitives::api::FilledUserOp],
    sponsored: bool,
    details: &[SessionDetails],
    enable: bool,
) -> Result<()> {
    let mut enabled: Vec<u64> = Vec::new();
    for op in user_ops.iter_mut().skip(usize::from(sponsored)) {
        let mut entry = details_for_chain(details, op.chain_id)?.clone();
        let first = !enabled.contains(&op.chain_id);
        enabled.push(op.chain_id);
        entry.mode = if enable && first {
            SmartSessionMode::UNSAFE_ENABLE
        } else {
            SmartSessionMode::USE
        };
        op.session_details = Some(entry);
    }
    Ok(())
}

/// The receipt of an explorer entry; a failed supertransaction is an error.
pub fn receipt_of(
    explorer: ExplorerResponse,
    mode: ConfirmationMode,
) -> Result<SupertransactionReceipt> {
    let ops: Vec<UserOpStatus> = explorer.user_ops.iter().map(UserOpStatus::from).collect();
    let status = supertransaction_status(&ops, mode);
    if status.is_failure() {
        return Err(Error::SupertransactionFailed {
            status: status.status,
            message: status.message,
        });
    }
    Ok(SupertransactionReceipt {
        explorer,
        status,
        receipts: Vec::new(),
    })
}

/// The message the SDK shows for an error body: `"path: msg"` of the first entry of
/// `errors`, else `message` without a leading `Error:`/`Details:`/`Message:`, else `error`
/// (a string, or an object's `message`), else the body itself.
pub fn node_error_message(body: &Value) -> String {
    let strip = |text: &str| {
        let mut text = text.trim();
        for prefix in ["Error:", "Details:", "Message:"] {
            if let Some(rest) = text.strip_prefix(prefix) {
                text = rest.trim();
            }
        }
        text.to_owned()
    };
    let body = body
        .get("error")
        .filter(|error| !error.is_null())
        .unwrap_or(body);
    if let Some(text) = body.as_str() {
        return strip(text);
    }
    if let Some(first) = body
        .get("errors")
        .and_then(Value::as_array)
        .and_then(|errors| errors.first())
    {
        let message = first
            .get("msg")
            .or_else(|| first.get("message"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        return match first.get("path").and_then(Value::as_str) {
            Some(path) => format!("{path}: {message}"),
            None => message.to_owned(),
        };
    }
    if let Some(message) = body.get("message").and_then(Value::as_str) {
        return strip(message);
    }
    body.to_string()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn error_messages_as_the_sdk_extracts_them() {
        assert_eq!(
            node_error_message(
                &json!({"errors": [{"msg": "bad thing", "path": "userOps[0].nonce"}]})
            ),
            "userOps[0].nonce: bad thing"
        );
        assert_eq!(
            node_error_message(&json!({"errors": [{"message": "no path"}]})),
            "no path"
        );
        assert_eq!(
            node_error_message(&json!({"message": "Error: boom"})),
            "boom"
        );
        assert_eq!(
            node_error_message(&json!({"error": "quote expired"})),
            "quote expired"
        );
        assert_eq!(
            node_error_message(&json!({"error": {"message": "nested msg"}})),
            "nested msg"
        );
        assert_eq!(
            node_error_message(&json!({"code": "X", "message": "Details: too late"})),
            "too late"
        );
    }
}
