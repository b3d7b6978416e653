//! `mee session`: grant, prepare, use, inspect and revoke Smart Sessions permissions.
//!
//! The owner grants off-chain (`grant`: one signature over every chain, used with
//! `ENABLE_AND_USE`) or enables on-chain through the node (`prepare`); both write the SDK's
//! `sessionDetails` JSON, which the session key's holder passes to `use`. `status` reads a
//! details file back and checks it against the chains; `revoke` removes a permission.

use std::{
    path::{Path, PathBuf},
    time::{SystemTime, UNIX_EPOCH},
};

use alloy::{
    primitives::{Address, B256, Bytes, U256},
    signers::local::PrivateKeySigner,
};
use anyhow::{Context, anyhow, bail};
use clap::{Args, Subcommand, ValueEnum};
use mee_primitives::{
    PermissionId, SessionDetails, SmartSessionMode,
    addresses::{SMART_SESSIONS, policies},
    ids::{FALLBACK_TARGET_FLAG, VALUE_SELECTOR},
    policy::{ActionConfig, ParamCondition},
    session_details::to_sdk_stringify,
};
use mee_sdk::{
    MeeClient,
    account::{ModuleType, MultichainAccount},
    action::TRANSFER_SELECTOR,
    payment::FeeToken,
    quote::QuoteParams,
    session::{
        EnableSessions, GrantPermission, GrantSignature, RandomSalt, SaltSource, UsageMode,
        details_for_chain,
    },
    status::ConfirmationMode,
};
use serde::Serialize;

use super::{
    FeeArgs, NodeArgs, RpcArgs, Units, WaitArgs,
    account::{OwnerArgs, token_balance, token_decimals, yes_no},
    decode::{self, ErrorContext, Finding, SessionError},
    instructions::{InstructionArgs, PlainCall},
    keys::{OwnerKeyArgs, SessionKeyArgs},
    permissions::{
        PermissionsFile, PolicyView, condition_symbol, fee_transfer_recipient, selector_text,
        word_text,
    },
    print_json, progress,
    receipt::{self, ReceiptReport},
    write_new_file,
};

/// Grant, prepare, use, inspect and revoke Smart Sessions permissions.
#[derive(Debug, Args)]
pub(crate) struct SessionArgs {
    #[command(subcommand)]
    command: SessionCommand,
}

#[derive(Debug, Subcommand)]
enum SessionCommand {
    /// Owner: grant a permission off-chain with one signature over every chain (for
    /// ENABLE_AND_USE); writes the session details.
    Grant(GrantArgs),
    /// Owner: deploy the account, install Smart Sessions and enable a permission on-chain
    /// through the MEE node; writes the session details.
    Prepare(PrepareArgs),
    /// Session key: execute calls on the owner's account with a session details file (USE, or
    /// ENABLE_AND_USE for a grant) and wait for the receipt.
    Use(UseArgs),
    /// Read a session details file and check each permission on its chain.
    Status(StatusArgs),
    /// Owner: remove a permission from the account (or invalidate a grant's signature)
    /// through the MEE node.
    Revoke(RevokeArgs),
}

impl SessionArgs {
    pub(crate) async fn run(self) -> anyhow::Result<()> {
        match self.command {
            SessionCommand::Grant(args) => args.run().await,
            SessionCommand::Prepare(args) => args.run().await,
            SessionCommand::Use(args) => args.run().await,
            SessionCommand::Status(args) => args.run().await,
            SessionCommand::Revoke(args) => args.run().await,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Shared options and helpers
// ---------------------------------------------------------------------------------------------

/// The owner's key and which of their accounts.
#[derive(Debug, Clone, Args)]
struct OwnerSide {
    #[command(flatten)]
    owner_key: OwnerKeyArgs,

    /// The account index (the factory salt).
    #[arg(long, value_name = "N", default_value_t = 0)]
    index: u64,

    /// The account's address (default: computed from the owner key by the factory).
    #[arg(long, value_name = "ADDRESS", env = "MEE_ACCOUNT")]
    account: Option<Address>,
}

impl OwnerSide {
    async fn connect(
        &self,
        owner: &PrivateKeySigner,
        rpc: &RpcArgs,
        chain_ids: &[u64],
    ) -> anyhow::Result<MultichainAccount> {
        rpc.connect(chain_ids, Some(owner.address()), self.account, self.index)
            .await
    }
}

/// What every command that goes through the MEE node takes: the chains, the node, how the
/// fee is paid, whether to wait for the receipt, and the output form.
#[derive(Debug, Clone, Args)]
struct ViaNode {
    #[command(flatten)]
    rpc: RpcArgs,

    #[command(flatten)]
    node: NodeArgs,

    #[command(flatten)]
    fee: FeeArgs,

    #[command(flatten)]
    wait: WaitArgs,

    /// Print one JSON document instead of text.
    #[arg(long)]
    json: bool,
}

/// How session details are written.
#[derive(Debug, Clone, Args)]
struct DetailsFormat {
    /// Replace the output file if it exists.
    #[arg(long)]
    force: bool,

    /// Write chain ids as the SDK's `stringify` does (`{"__type":"bigint",...}`) instead of
    /// decimal strings; both forms are read back.
    #[arg(long)]
    sdk_stringify: bool,
}

fn write_details(
    path: &Path,
    details: &[SessionDetails],
    format: &DetailsFormat,
) -> anyhow::Result<()> {
    let text = if format.sdk_stringify {
        to_sdk_stringify(details)?
    } else {
        serde_json::to_string_pretty(details)?
    };
    write_new_file(path, &(text + "\n"), format.force)
}

/// Reads a session details file: the SDK's array (or a single entry), in either chain-id form.
pub(crate) fn read_details(path: &Path) -> anyhow::Result<Vec<SessionDetails>> {
    let text = super::read_file(path, "session details file")?;
    let value: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    let details: Vec<SessionDetails> = if value.is_array() {
        serde_json::from_value(value)
    } else {
        serde_json::from_value(value).map(|entry| vec![entry])
    }
    .with_context(|| {
        format!(
            "{} is not a session details file (the sessionDetails JSON of `mee session grant` \
             or `prepare`, or of the SDK)",
            path.display()
        )
    })?;
    if details.is_empty() {
        bail!("{} holds no session details", path.display());
    }
    Ok(details)
}

/// The chains of `details`, in order.
fn details_chains(details: &[SessionDetails]) -> Vec<u64> {
    let mut ids = Vec::new();
    for entry in details {
        if !ids.contains(&entry.chain_id()) {
            ids.push(entry.chain_id());
        }
    }
    ids
}

/// The redeemer of a session (the MEE validator's data is the session key's address).
fn redeemer_of(entry: &SessionDetails) -> Option<Address> {
    let data = &entry
        .enable_session_data
        .enable_session
        .session_to_enable
        .session_validator_init_data;
    (data.len() == 20).then(|| Address::from_slice(data))
}

fn is_granted(entry: &SessionDetails) -> bool {
    entry.mode == SmartSessionMode::UNSAFE_ENABLE
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or(0)
}

/// The salt source of a permissions file: its fixed salt, or random salts.
fn salts(salt: Option<B256>) -> impl SaltSource {
    let mut random = RandomSalt;
    move || salt.unwrap_or_else(|| random.next_salt())
}

/// Refuses a quote whose fee the paying account cannot cover.
async fn check_fee(
    client: &MeeClient,
    payment: &mee_primitives::api::PaymentInfo,
    ctx: &ErrorContext,
) -> anyhow::Result<()> {
    let sdk = |err| decode::sdk_error(err, ctx);
    let Some(balance) = client.fee_balance(payment).await.map_err(sdk)? else {
        return Ok(());
    };
    if !balance.is_covered() {
        let symbol = token_balance(
            client.account(),
            balance.chain_id,
            balance.token,
            balance.payer,
        )
        .await
        .map_err(sdk)?
        .symbol;
        let show = |amount| Units {
            amount,
            decimals: balance.decimals,
        };
        bail!(
            "not enough {symbol} for the fee: the account {sender} holds {held} {symbol} on chain \
             {chain}, the fee is {fee} {symbol}. Send at least {missing} {symbol} ({token}) to \
             {sender} on chain {chain}, or pay with --sponsored",
            sender = balance.payer,
            held = show(balance.held),
            chain = balance.chain_id,
            fee = show(balance.fee),
            missing = show(balance.shortfall()),
            token = balance.token,
        );
    }
    Ok(())
}

/// Quotes `params`, checks the fee, signs with `signer`, attaches the session details (the
/// first userOp of each chain in `enable_chains` enables its session) and executes.
async fn submit(
    client: &MeeClient,
    params: &QuoteParams,
    signer: &PrivateKeySigner,
    session: Option<(&[SessionDetails], &[u64])>,
    ctx: &ErrorContext,
    quiet: bool,
) -> anyhow::Result<B256> {
    let sdk = |err| decode::sdk_error(err, ctx);
    progress(quiet, "asking the node for a quote…");
    let quote = client.quote(params).await.map_err(sdk)?;
    check_fee(client, &quote.payment_info, ctx).await?;
    sign_and_exec(client, quote, signer, session, ctx, quiet).await
}

async fn sign_and_exec(
    client: &MeeClient,
    quote: mee_primitives::api::QuoteResponse,
    signer: &PrivateKeySigner,
    session: Option<(&[SessionDetails], &[u64])>,
    ctx: &ErrorContext,
    quiet: bool,
) -> anyhow::Result<B256> {
    let sdk = |err| decode::sdk_error(err, ctx);
    if let Some(amount) = quote.payment_info.token_wei_amount
        && !quote.payment_info.sponsored
    {
        progress(
            quiet,
            format!(
                "fee: {amount} base units of {} on chain {}",
                quote.payment_info.token, quote.payment_info.chain_id
            ),
        );
    }
    let signed = match session {
        Some((details, enable_chains)) => {
            client.sign_session_quote(quote, signer, details, enable_chains)
        }
        None => client.sign_quote(quote, signer),
    }
    .map_err(sdk)?;
    progress(quiet, "executing…");
    client.exec(&signed).await.map_err(sdk)
}

/// Waits for the receipt unless told not to; a failure is an error after the report is shown.
async fn finish(
    client: &MeeClient,
    hash: B256,
    wait: &WaitArgs,
    ctx: &ErrorContext,
    quiet: bool,
) -> anyhow::Result<Option<ReceiptReport>> {
    if wait.no_wait {
        return Ok(None);
    }
    progress(
        quiet,
        format!("supertransaction {hash}: waiting for the receipt…"),
    );
    let (explorer, status) = receipt::poll(
        client,
        hash,
        ConfirmationMode::Confirmed,
        Some(wait.timeout()),
        ctx,
        quiet,
    )
    .await?;
    Ok(Some(ReceiptReport::new(&explorer, &status)))
}

/// What a node command reports.
#[derive(Debug, Serialize)]
struct ExecutionReport {
    supertransaction: B256,
    #[serde(skip_serializing_if = "Option::is_none")]
    details_file: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    permissions: Vec<PermissionLine>,
    receipt: Option<ReceiptReport>,
}

#[derive(Debug, Serialize)]
struct PermissionLine {
    chain_id: u64,
    permission_id: PermissionId,
    #[serde(skip_serializing_if = "Option::is_none")]
    mode: Option<&'static str>,
}

impl ExecutionReport {
    /// Prints the report, then fails if the supertransaction did.
    fn finish(self, json: bool, diagnose: impl Fn(&str) -> Vec<String>) -> anyhow::Result<()> {
        if json {
            print_json(&self)?;
        } else {
            println!("supertransaction {}", self.supertransaction);
            for line in &self.permissions {
                match line.mode {
                    Some(mode) => println!(
                        "  chain {:<8} permission {}  {mode}",
                        line.chain_id, line.permission_id
                    ),
                    None => println!(
                        "  chain {:<8} permission {}",
                        line.chain_id, line.permission_id
                    ),
                }
            }
            if let Some(path) = &self.details_file {
                println!("session details written to {path}");
            }
            match &self.receipt {
                Some(receipt) => receipt.print_text(),
                None => println!(
                    "not waiting for the receipt: `mee receipt {} --wait`",
                    self.supertransaction
                ),
            }
        }
        if let Some(receipt) = &self.receipt
            && matches!(receipt.status, "FAILED" | "MINED_FAIL")
        {
            let text: String = receipt
                .user_ops
                .iter()
                .filter_map(|op| op.error.clone())
                .collect::<Vec<_>>()
                .join("; ");
            let mut message = format!("the supertransaction failed: {}", receipt.message);
            message.push_str(&decode::explanation_suffix(&text));
            for line in diagnose(&text) {
                message.push_str(&format!("\n  -> {line}"));
            }
            bail!(message);
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// grant
// ---------------------------------------------------------------------------------------------

/// How the owner signs a grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum SignatureKind {
    /// `personal_sign` (EIP-191) of the multichain digest.
    Personal,
    /// The EIP-712 multichain digest (`eth_signTypedData`).
    Typed,
}

impl From<SignatureKind> for GrantSignature {
    fn from(kind: SignatureKind) -> Self {
        match kind {
            SignatureKind::Personal => Self::PersonalSign,
            SignatureKind::Typed => Self::TypedData,
        }
    }
}

/// Grant a permission off-chain: reads each chain's enable nonce and session digest, signs
/// once with the owner key and writes the session details for the session key's holder.
#[derive(Debug, Args)]
struct GrantArgs {
    /// The permissions file (TOML or JSON; see `mee session grant --help` in the README).
    #[arg(long, short = 'p', value_name = "PATH")]
    permissions: PathBuf,

    /// The session key's address (default: the file's `redeemer`).
    #[arg(long, value_name = "ADDRESS")]
    redeemer: Option<Address>,

    /// Where to write the session details.
    #[arg(long, short = 'o', value_name = "PATH")]
    out: PathBuf,

    #[command(flatten)]
    format: DetailsFormat,

    /// How the owner signs the multichain digest.
    #[arg(long, value_enum, default_value_t = SignatureKind::Personal)]
    signature: SignatureKind,

    #[command(flatten)]
    owner: OwnerSide,

    #[command(flatten)]
    rpc: RpcArgs,

    /// Print one JSON document instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Serialize)]
struct GrantReport {
    account: Address,
    owner: Address,
    redeemer: Address,
    signature: &'static str,
    multichain_digest: B256,
    details_file: String,
    sessions: Vec<GrantedSession>,
}

#[derive(Debug, Serialize)]
struct GrantedSession {
    chain_id: u64,
    permission_id: PermissionId,
    session_digest: B256,
    actions: usize,
    account_deployed: bool,
    smart_sessions_installed: bool,
}

impl GrantArgs {
    async fn run(self) -> anyhow::Result<()> {
        let file = PermissionsFile::load(&self.permissions)?;
        let redeemer = self.redeemer.or(file.redeemer).context(
            "no redeemer: set redeemer = \"0x…\" (the session key's address) in the permissions \
             file or pass --redeemer",
        )?;
        let owner = self.owner.owner_key.signer()?;
        let actions = file.session_actions(now_secs())?;
        let chain_ids = self.rpc.chain_ids(&file.chain_ids());
        progress(self.json, format!("reading {} chain(s)…", chain_ids.len()));
        let account = self.owner.connect(&owner, &self.rpc, &chain_ids).await?;
        let ctx = self.rpc.context();
        let sdk = |err| decode::sdk_error(err, &ctx);

        let mut grant = GrantPermission::new()
            .redeemer(redeemer)
            .session_actions(actions);
        if let Some(fee) = &file.fee {
            grant = grant.fee_token(fee.fee_token());
            grant = match fee.max_payment_amount {
                Some(amount) => grant.max_payment_amount(amount.0),
                None => grant.fee_token_decimals(
                    token_decimals(&account, fee.chain_id, fee.token)
                        .await
                        .map_err(sdk)?,
                ),
            };
        }
        progress(
            self.json,
            "reading enable nonces and session digests, signing once…",
        );
        let unsigned = account
            .smart_sessions()
            .unsigned_grant(&grant, &mut salts(file.salt))
            .await
            .map_err(sdk)?;
        let kind = GrantSignature::from(self.signature);
        let signature = unsigned.sign(&owner, kind).map_err(sdk)?;
        let multichain_digest = unsigned.multichain_digest;
        let digests = unsigned.chain_digests.clone();
        let details = unsigned.into_details(signature);

        let mut sessions = Vec::new();
        for (entry, digest) in details.iter().zip(&digests) {
            let chain_id = entry.chain_id();
            let deployed = account.is_deployed(chain_id).await.map_err(sdk)?;
            let installed = account
                .is_module_installed(
                    chain_id,
                    ModuleType::Validator,
                    SMART_SESSIONS,
                    Bytes::new(),
                )
                .await
                .map_err(sdk)?;
            sessions.push(GrantedSession {
                chain_id,
                permission_id: entry.permission_id,
                session_digest: digest.sessionDigest,
                actions: entry
                    .enable_session_data
                    .enable_session
                    .session_to_enable
                    .actions
                    .len(),
                account_deployed: deployed,
                smart_sessions_installed: installed,
            });
        }
        write_details(&self.out, &details, &self.format)?;

        let report = GrantReport {
            account: details
                .first()
                .map(|entry| account.address_on(entry.chain_id()))
                .transpose()
                .map_err(sdk)?
                .unwrap_or_default(),
            owner: owner.address(),
            redeemer,
            signature: match self.signature {
                SignatureKind::Personal => "personal",
                SignatureKind::Typed => "typed",
            },
            multichain_digest,
            details_file: self.out.display().to_string(),
            sessions,
        };
        for session in report
            .sessions
            .iter()
            .filter(|s| !s.smart_sessions_installed)
        {
            eprintln!(
                "note: Smart Sessions is not installed on the account on chain {}: the owner runs \
                 `mee session prepare` (it deploys and installs) before the session key uses this grant",
                session.chain_id
            );
        }
        if self.json {
            return print_json(&report);
        }
        println!(
            "Granted to {} on account {}, signed once by {} ({}):",
            report.redeemer, report.account, report.owner, report.signature
        );
        for session in &report.sessions {
            println!(
                "  chain {:<8} permission {}  {} action(s)",
                session.chain_id, session.permission_id, session.actions
            );
        }
        println!(
            "Session details written to {}: the session key uses them with `mee session use --details {}`.",
            report.details_file, report.details_file
        );
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// prepare
// ---------------------------------------------------------------------------------------------

/// Deploy the account where needed, install Smart Sessions and (with a permissions file)
/// enable the permission on every chain, in one owner-signed supertransaction.
#[derive(Debug, Args)]
struct PrepareArgs {
    /// The permissions file to enable (without one: only deploy and install).
    #[arg(long, short = 'p', value_name = "PATH", requires = "out")]
    permissions: Option<PathBuf>,

    /// The session key's address (default: the file's `redeemer`).
    #[arg(long, value_name = "ADDRESS", requires = "permissions")]
    redeemer: Option<Address>,

    /// Where to write the session details.
    #[arg(long, short = 'o', value_name = "PATH")]
    out: Option<PathBuf>,

    #[command(flatten)]
    format: DetailsFormat,

    #[command(flatten)]
    owner: OwnerSide,

    #[command(flatten)]
    via: ViaNode,
}

impl PrepareArgs {
    async fn run(self) -> anyhow::Result<()> {
        let file = self
            .permissions
            .as_deref()
            .map(PermissionsFile::load)
            .transpose()?;
        let owner = self.owner.owner_key.signer()?;
        let file_chains = file
            .as_ref()
            .map(PermissionsFile::chain_ids)
            .unwrap_or_default();
        let chain_ids = self.via.rpc.chain_ids(&file_chains);
        let enable = match &file {
            Some(file) => {
                let redeemer = self.redeemer.or(file.redeemer).context(
                    "no redeemer: set redeemer in the permissions file or pass --redeemer",
                )?;
                let mut enable = EnableSessions::new()
                    .redeemer(redeemer)
                    .actions(file.session_actions(now_secs())?)
                    .batch_actions(file.batch_actions);
                if let Some(amount) = file.fee.as_ref().and_then(|fee| fee.max_payment_amount) {
                    enable = enable.max_payment_amount(amount.0);
                }
                Some(enable)
            }
            None => None,
        };
        let default_fee = file
            .as_ref()
            .and_then(|f| f.fee.as_ref())
            .map(|f| f.fee_token());
        let params = self.via.fee.apply(
            QuoteParams::new(),
            default_fee,
            chain_ids.first().copied(),
            &self.via.node.node_url,
        )?;
        let mut all_chains = chain_ids.clone();
        if let Some(token) = self
            .via
            .fee
            .fee_token(default_fee, chain_ids.first().copied())?
            && !all_chains.contains(&token.chain_id)
        {
            all_chains.push(token.chain_id);
        }
        progress(
            self.via.json,
            format!("reading {} chain(s)…", all_chains.len()),
        );
        let account = self
            .owner
            .connect(&owner, &self.via.rpc, &all_chains)
            .await?;
        progress(
            self.via.json,
            format!("connecting to the MEE node at {}…", self.via.node.node_url),
        );
        let client = self
            .via
            .node
            .connect(account.clone(), &self.via.rpc)
            .await?;
        let ctx = self.via.node.context(&self.via.rpc);

        progress(self.via.json, "asking the node for a PREPARE quote…");
        let salt = file.as_ref().and_then(|file| file.salt);
        let Some((quote, details)) =
            prepare_quote(&client, enable.as_ref(), params, salt, &ctx).await?
        else {
            if self.via.json {
                return print_json(
                    &serde_json::json!({ "supertransaction": null, "nothing_to_do": true }),
                );
            }
            println!(
                "Nothing to do: the account is deployed with Smart Sessions installed on every chain."
            );
            return Ok(());
        };
        check_fee(&client, &quote.payment_info, &ctx).await?;
        let hash = sign_and_exec(&client, quote, &owner, None, &ctx, self.via.json).await?;
        let details_file = match (&self.out, details.is_empty()) {
            (Some(path), false) => {
                write_details(path, &details, &self.format)?;
                Some(path.display().to_string())
            }
            _ => None,
        };
        let receipt = finish(&client, hash, &self.via.wait, &ctx, self.via.json).await?;
        ExecutionReport {
            supertransaction: hash,
            details_file,
            permissions: details
                .iter()
                .map(|entry| PermissionLine {
                    chain_id: entry.chain_id(),
                    permission_id: entry.permission_id,
                    mode: None,
                })
                .collect(),
            receipt,
        }
        .finish(self.via.json, |_| Vec::new())
    }
}

/// The PREPARE quote (the SDK's `getSessionQuote({mode: "PREPARE"})`), with the permissions
/// file's salt: deploy where needed, install Smart Sessions where missing (every chain of the
/// account), enable `enable`'s sessions. `None` when there is nothing to do.
async fn prepare_quote(
    client: &MeeClient,
    enable: Option<&EnableSessions>,
    params: QuoteParams,
    salt: Option<B256>,
    ctx: &ErrorContext,
) -> anyhow::Result<Option<(mee_primitives::api::QuoteResponse, Vec<SessionDetails>)>> {
    let prepared = client
        .session_quote_prepare_with_salts(enable, params, &mut salts(salt))
        .await
        .map_err(|err| decode::sdk_error(err, ctx))?;
    Ok(prepared.map(|prepared| (prepared.quote, prepared.session_details)))
}

// ---------------------------------------------------------------------------------------------
// use
// ---------------------------------------------------------------------------------------------

/// How `use` treats the session details.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ModeArg {
    /// Per chain: enable a granted permission with its first userOp where it is not enabled
    /// yet (ENABLE_AND_USE), use it directly where it is (USE).
    Auto,
    /// USE everywhere: the permission must be enabled on every chain.
    Use,
    /// ENABLE_AND_USE everywhere: the details must be a grant.
    EnableAndUse,
}

/// Execute calls on the owner's account with the session key.
#[derive(Debug, Args)]
struct UseArgs {
    /// The session details file (from `mee session grant` or `prepare`, or the SDK).
    #[arg(long, short = 'd', value_name = "PATH")]
    details: PathBuf,

    /// The owner's account the permission is on.
    #[arg(long, value_name = "ADDRESS", env = "MEE_ACCOUNT")]
    account: Address,

    /// How the details are used.
    #[arg(long, value_enum, default_value_t = ModeArg::Auto)]
    mode: ModeArg,

    #[command(flatten)]
    session_key: SessionKeyArgs,

    #[command(flatten)]
    instructions: InstructionArgs,

    #[command(flatten)]
    via: ViaNode,
}

impl UseArgs {
    async fn run(self) -> anyhow::Result<()> {
        let details = read_details(&self.details)?;
        let session_key = self.session_key.signer()?;
        for entry in &details {
            if let Some(redeemer) = redeemer_of(entry)
                && redeemer != session_key.address()
            {
                bail!(
                    "the session key {} is not the redeemer of permission {} on chain {} ({}): \
                     use the key the permission was granted to",
                    session_key.address(),
                    entry.permission_id,
                    entry.chain_id(),
                    redeemer
                );
            }
        }
        let granted = details.iter().any(is_granted);
        if self.mode == ModeArg::EnableAndUse && !granted {
            bail!(
                "--mode enable-and-use needs a grant (`mee session grant`); these details come \
                 from `prepare` and are used with --mode use"
            );
        }
        let (instructions, calls) = self.instructions.build()?;
        let mut chain_ids: Vec<u64> = Vec::new();
        for id in calls.iter().map(|call| call.chain_id) {
            if !chain_ids.contains(&id) {
                chain_ids.push(id);
            }
        }
        let fee_token = self.via.fee.fee_token(None, chain_ids.first().copied())?;
        if let Some(token) = fee_token
            && let Ok(entry) = details_for_chain(&details, token.chain_id)
        {
            check_fee_permission(entry, &token)?;
        }
        let mut needed = chain_ids.clone();
        if let Some(token) = fee_token
            && !needed.contains(&token.chain_id)
        {
            needed.push(token.chain_id);
        }
        let all_chains = self.via.rpc.chain_ids(&needed);
        let account = self
            .via
            .rpc
            .connect(
                &all_chains,
                Some(session_key.address()),
                Some(self.account),
                0,
            )
            .await?;

        progress(
            self.via.json,
            format!("connecting to the MEE node at {}…", self.via.node.node_url),
        );
        let client = self
            .via
            .node
            .connect(account.clone(), &self.via.rpc)
            .await?;

        // Per chain: the details exist, the account is ready, and the permission is enabled or
        // its grant still valid.
        progress(
            self.via.json,
            format!("checking the permission on {} chain(s)…", needed.len()),
        );
        let ctx = self.via.node.context(&self.via.rpc);
        let sdk = |err| decode::sdk_error(err, &ctx);
        let sessions = account.smart_sessions();
        let mut enable_chains = Vec::new();
        for &chain_id in &needed {
            let entry = details_for_chain(&details, chain_id).map_err(|_| {
                anyhow!(
                    "the session details have no permission on chain {chain_id} (they cover {}): \
                     ask the owner for a grant that includes chain {chain_id}",
                    join(&details_chains(&details))
                )
            })?;
            if !account.is_deployed(chain_id).await.map_err(sdk)? {
                bail!(
                    "the account {} is not deployed on chain {chain_id}: the owner runs `mee \
                     session prepare` first",
                    self.account
                );
            }
            let installed = account
                .is_module_installed(
                    chain_id,
                    ModuleType::Validator,
                    SMART_SESSIONS,
                    Bytes::new(),
                )
                .await
                .map_err(sdk)?;
            if !installed {
                bail!(
                    "Smart Sessions is not installed on the account {} on chain {chain_id}: the \
                     owner runs `mee session prepare` first",
                    self.account
                );
            }
            let enabled = sessions
                .is_permission_enabled(entry.permission_id, chain_id)
                .await
                .map_err(sdk)?;
            let enable = match self.mode {
                ModeArg::EnableAndUse => true,
                ModeArg::Use => false,
                ModeArg::Auto => is_granted(entry) && !enabled,
            };
            if !enable && !enabled {
                bail!(
                    "permission {} is not enabled on chain {chain_id}: the owner enables it with \
                     `mee session prepare --permissions …`, or grants it with `mee session grant` \
                     for ENABLE_AND_USE",
                    entry.permission_id
                );
            }
            if enable {
                if !is_granted(entry) {
                    bail!(
                        "the details for chain {chain_id} are not a grant: they cannot enable \
                         permission {}",
                        entry.permission_id
                    );
                }
                check_grant_current(&account, entry, &ctx).await?;
                enable_chains.push(chain_id);
            }
        }

        let (mode, quote_details) = if enable_chains.is_empty() {
            let mut used = details.clone();
            used.iter_mut()
                .for_each(|entry| entry.mode = SmartSessionMode::USE);
            (UsageMode::Use, used)
        } else {
            (UsageMode::EnableAndUse, details.clone())
        };
        let params = self
            .via
            .fee
            .apply(
                QuoteParams::new().instructions(instructions),
                fee_token,
                chain_ids.first().copied(),
                &self.via.node.node_url,
            )?
            .session(quote_details.clone(), mode);

        let diagnose = |text: &str| rule_diagnosis(text, &details, &calls, now_secs());
        let hash = submit(
            &client,
            &params,
            &session_key,
            Some((&quote_details, &enable_chains)),
            &ctx,
            self.via.json,
        )
        .await
        .map_err(|err| with_diagnosis(err, &diagnose))?;
        let receipt = finish(&client, hash, &self.via.wait, &ctx, self.via.json).await?;
        ExecutionReport {
            supertransaction: hash,
            details_file: None,
            permissions: needed
                .iter()
                .filter_map(|&chain_id| details_for_chain(&details, chain_id).ok())
                .map(|entry| PermissionLine {
                    chain_id: entry.chain_id(),
                    permission_id: entry.permission_id,
                    mode: Some(if enable_chains.contains(&entry.chain_id()) {
                        "ENABLE_AND_USE"
                    } else {
                        "USE"
                    }),
                })
                .collect(),
            receipt,
        }
        .finish(self.via.json, diagnose)
    }
}

/// Refuses to pay the fee in `token` through a session that may not transfer it to the node.
fn check_fee_permission(entry: &SessionDetails, token: &FeeToken) -> anyhow::Result<()> {
    let actions = entry.session().actions;
    if let Some(recipient) = fee_transfer_recipient(&actions, token) {
        bail!(
            "the permission cannot pay the node's fee in {} on chain {}: its transfer rule only \
             allows recipient {recipient}. Pay with --sponsored, or another --fee-token / \
             --fee-chain",
            token.address,
            token.chain_id
        );
    }
    let permits = actions.iter().any(|action| {
        (action.actionTarget == token.address && action.actionTargetSelector == TRANSFER_SELECTOR)
            || action.actionTarget == FALLBACK_TARGET_FLAG
    });
    if !permits {
        bail!(
            "the permission has no transfer action on the fee token {} on chain {}, so the session \
             cannot pay the node's fee there: pay with --sponsored, choose the grant's fee chain \
             with --fee-chain, or ask the owner for a grant with a [fee] section",
            token.address,
            token.chain_id
        );
    }
    Ok(())
}

fn join(chains: &[u64]) -> String {
    chains
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether a grant's digest for its chain is still the chain's (`None` for prepared details).
async fn grant_current(
    account: &MultichainAccount,
    entry: &SessionDetails,
    ctx: &ErrorContext,
) -> anyhow::Result<Option<bool>> {
    if !is_granted(entry) {
        return Ok(None);
    }
    let chain_id = entry.chain_id();
    let stored = entry
        .enable_session_data
        .enable_session
        .hashes_and_chain_ids
        .iter()
        .find(|digest| digest.chain_id == chain_id)
        .map(|digest| digest.session_digest.clone());
    let onchain = account
        .smart_sessions()
        .session_digest(chain_id, &entry.session(), SmartSessionMode::UNSAFE_ENABLE)
        .await
        .map_err(|err| decode::sdk_error(err, ctx))?;
    Ok(Some(stored.is_some_and(|digest| {
        digest.as_ref() == onchain.as_slice()
    })))
}

async fn check_grant_current(
    account: &MultichainAccount,
    entry: &SessionDetails,
    ctx: &ErrorContext,
) -> anyhow::Result<()> {
    if grant_current(account, entry, ctx).await? == Some(false) {
        bail!(
            "the grant of permission {} is no longer valid on chain {}: its enable signature was \
             used or revoked (the enable nonce moved). Ask the owner for a new grant",
            entry.permission_id,
            entry.chain_id()
        );
    }
    Ok(())
}

/// `err` with the failing rules of a policy violation appended.
fn with_diagnosis(err: anyhow::Error, diagnose: &impl Fn(&str) -> Vec<String>) -> anyhow::Error {
    let text = format!("{err:#}");
    let lines = diagnose(&text);
    if lines.is_empty() {
        return err;
    }
    let mut message = text;
    for line in lines {
        message.push_str(&format!("\n  -> {line}"));
    }
    anyhow!(message)
}

/// For each policy violation in `text`: which of `calls` breaks which rule of the violated
/// policy, evaluated offline from the session details.
pub(crate) fn rule_diagnosis(
    text: &str,
    details: &[SessionDetails],
    calls: &[PlainCall],
    now: u64,
) -> Vec<String> {
    let violated: Vec<Address> = decode::findings(text)
        .into_iter()
        .filter_map(|finding| match finding {
            Finding::Session(SessionError::PolicyViolation { policy, .. }) => Some(policy),
            _ => None,
        })
        .collect();
    let mut lines = Vec::new();
    if violated.is_empty() {
        return lines;
    }
    for call in calls {
        let Ok(entry) = details_for_chain(details, call.chain_id) else {
            continue;
        };
        let selector = call
            .data
            .get(..4)
            .map(alloy::primitives::FixedBytes::<4>::from_slice)
            .unwrap_or(VALUE_SELECTOR);
        let session = entry.session();
        let Some(action) = session
            .actions
            .iter()
            .find(|a| a.actionTarget == call.to && a.actionTargetSelector == selector)
        else {
            continue;
        };
        let label = format!(
            "chain {}, call to {} {}",
            call.chain_id,
            call.to,
            selector_text(selector)
        );
        for policy in action
            .actionPolicies
            .iter()
            .filter(|policy| violated.contains(&policy.policy))
        {
            match policy.policy {
                p if p == policies::UNIVERSAL_ACTION => {
                    lines.extend(universal_failures(&label, &policy.initData, call));
                }
                p if p == policies::TIME_FRAME => {
                    if let PolicyView::TimeFrame {
                        valid_after,
                        valid_until,
                    } = PolicyView::of(policy)
                        && (now < valid_after || (valid_until != 0 && now > valid_until))
                    {
                        lines.push(format!(
                            "{label}: valid from {valid_after} until {valid_until}, but it is now {now}"
                        ));
                    }
                }
                _ => lines.push(format!("{label}: {}", PolicyView::of(policy))),
            }
        }
    }
    lines
}

fn universal_failures(label: &str, init_data: &[u8], call: &PlainCall) -> Vec<String> {
    let Ok(config) = ActionConfig::decode(init_data) else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    if call.value > config.valueLimitPerUse {
        lines.push(format!(
            "{label}: sends {} wei, the per-call value limit is {}",
            call.value, config.valueLimitPerUse
        ));
    }
    let arguments = call.data.get(4..).unwrap_or_default();
    let mut limited = Vec::new();
    for (index, rule) in config.active_rules().iter().enumerate() {
        let start = usize::try_from(rule.offset).unwrap_or(usize::MAX);
        let mut word = [0u8; 32];
        if let Some(bytes) = arguments.get(start..) {
            let n = bytes.len().min(32);
            word[..n].copy_from_slice(&bytes[..n]);
        }
        let actual = U256::from_be_bytes(word);
        let reference = U256::from_be_bytes(rule.refValue.0);
        let Some(condition) = ParamCondition::from_u8(rule.condition) else {
            continue;
        };
        let holds = match condition {
            ParamCondition::Equal => actual == reference,
            ParamCondition::NotEqual => actual != reference,
            ParamCondition::LessThan => actual < reference,
            ParamCondition::LessThanOrEqual => actual <= reference,
            ParamCondition::GreaterThan => actual > reference,
            ParamCondition::GreaterThanOrEqual => actual >= reference,
        };
        let view = PolicyView::of(&mee_primitives::PolicyData::universal(&config));
        let rule_text = match &view {
            PolicyView::Universal { rules, .. } => rules[index].to_string(),
            _ => format!("offset {} {}", rule.offset, condition_symbol(condition)),
        };
        if !holds {
            lines.push(format!(
                "{label}: rule #{} `{rule_text}` fails: the argument is {}",
                index + 1,
                word_text(B256::from(word))
            ));
        } else if rule.isLimited {
            limited.push(rule_text);
        }
    }
    if lines.is_empty() && !limited.is_empty() {
        lines.push(format!(
            "{label}: every rule holds for this call alone, so a cumulative limit is used up: {}",
            limited.join(", ")
        ));
    }
    lines
}

// ---------------------------------------------------------------------------------------------
// status
// ---------------------------------------------------------------------------------------------

/// Read session details back and check each permission on its chain: is the account ready,
/// is the permission enabled, is a grant's signature still valid.
#[derive(Debug, Args)]
struct StatusArgs {
    /// The session details file.
    #[arg(
        long,
        short = 'd',
        value_name = "PATH",
        required_unless_present = "permission_id"
    )]
    details: Option<PathBuf>,

    /// Check one permission id on --chains instead of a details file.
    #[arg(long, value_name = "ID", conflicts_with = "details")]
    permission_id: Option<PermissionId>,

    /// The account's address (default: computed from the owner).
    #[arg(long, value_name = "ADDRESS", env = "MEE_ACCOUNT")]
    account: Option<Address>,

    #[command(flatten)]
    owner: OwnerArgs,

    #[command(flatten)]
    rpc: RpcArgs,

    /// Print one JSON document instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Serialize)]
struct StatusReport {
    account: Address,
    permissions: Vec<PermissionStatus>,
}

#[derive(Debug, Serialize)]
struct PermissionStatus {
    chain_id: u64,
    permission_id: PermissionId,
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<DetailsView>,
    account_deployed: bool,
    smart_sessions_installed: bool,
    enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    grant_signature_valid: Option<bool>,
}

#[derive(Debug, Serialize)]
struct DetailsView {
    kind: &'static str,
    redeemer: Option<Address>,
    session_validator: Address,
    salt: B256,
    actions: Vec<ActionView>,
}

#[derive(Debug, Serialize)]
struct ActionView {
    target: Address,
    selector: String,
    policies: Vec<PolicyView>,
}

impl DetailsView {
    fn of(entry: &SessionDetails) -> Self {
        let session = &entry.enable_session_data.enable_session.session_to_enable;
        Self {
            kind: if is_granted(entry) {
                "grant (ENABLE_AND_USE)"
            } else {
                "enabled on-chain (USE)"
            },
            redeemer: redeemer_of(entry),
            session_validator: session.session_validator,
            salt: session.salt,
            actions: session
                .actions
                .iter()
                .map(|action| ActionView {
                    target: action.action_target,
                    selector: selector_text(action.action_target_selector),
                    policies: action.action_policies.iter().map(PolicyView::of).collect(),
                })
                .collect(),
        }
    }
}

impl StatusArgs {
    async fn run(self) -> anyhow::Result<()> {
        let details = self.details.as_deref().map(read_details).transpose()?;
        let owner = match self.account {
            Some(_) => None,
            None => Some(self.owner.owner().context(
                "whose account? pass --account ADDRESS (or --owner ADDRESS / the owner key)",
            )?),
        };
        let file_chains = details.as_deref().map(details_chains).unwrap_or_default();
        let chain_ids = self.rpc.chain_ids(&file_chains);
        progress(self.json, format!("reading {} chain(s)…", chain_ids.len()));
        let account = self
            .rpc
            .connect(&chain_ids, owner, self.account, self.owner.index)
            .await?;
        let ctx = self.rpc.context();
        let sdk = |err| decode::sdk_error(err, &ctx);
        let entries: Vec<(u64, PermissionId, Option<&SessionDetails>)> =
            match (&details, self.permission_id) {
                (Some(details), _) => details
                    .iter()
                    .map(|entry| (entry.chain_id(), entry.permission_id, Some(entry)))
                    .collect(),
                (None, Some(id)) => chain_ids.iter().map(|&chain| (chain, id, None)).collect(),
                (None, None) => bail!("give --details PATH or --permission-id ID"),
            };
        let sessions = account.smart_sessions();
        let mut permissions = Vec::new();
        for (chain_id, permission_id, entry) in entries {
            let deployed = account.is_deployed(chain_id).await.map_err(sdk)?;
            let installed = account
                .is_module_installed(
                    chain_id,
                    ModuleType::Validator,
                    SMART_SESSIONS,
                    Bytes::new(),
                )
                .await
                .map_err(sdk)?;
            let enabled = sessions
                .is_permission_enabled(permission_id, chain_id)
                .await
                .map_err(sdk)?;
            let grant_signature_valid = match entry {
                Some(entry) if !enabled => grant_current(&account, entry, &ctx).await?,
                _ => None,
            };
            permissions.push(PermissionStatus {
                chain_id,
                permission_id,
                details: entry.map(DetailsView::of),
                account_deployed: deployed,
                smart_sessions_installed: installed,
                enabled,
                grant_signature_valid,
            });
        }
        let report = StatusReport {
            account: account
                .deployments()
                .first()
                .map(|d| d.address)
                .unwrap_or_default(),
            permissions,
        };
        if self.json {
            return print_json(&report);
        }
        println!("account {}", report.account);
        for permission in &report.permissions {
            println!(
                "chain {}  permission {}",
                permission.chain_id, permission.permission_id
            );
            if let Some(view) = &permission.details {
                println!("  kind           {}", view.kind);
                if let Some(redeemer) = view.redeemer {
                    println!("  redeemer       {redeemer}");
                }
                for action in &view.actions {
                    let policies: Vec<String> =
                        action.policies.iter().map(ToString::to_string).collect();
                    println!(
                        "  action         {} {}: {}",
                        action.target,
                        action.selector,
                        policies.join("; ")
                    );
                }
            }
            println!(
                "  account        {}",
                match (
                    permission.account_deployed,
                    permission.smart_sessions_installed
                ) {
                    (false, _) => "not deployed",
                    (true, false) => "deployed, Smart Sessions not installed",
                    (true, true) => "deployed, Smart Sessions installed",
                }
            );
            println!("  enabled        {}", yes_no(permission.enabled));
            if let Some(valid) = permission.grant_signature_valid {
                println!(
                    "  grant          {}",
                    if valid {
                        "signature valid: the session key can enable it with its first use"
                    } else {
                        "signature no longer valid (used or revoked): a new grant is needed"
                    }
                );
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// revoke
// ---------------------------------------------------------------------------------------------

/// Remove a permission from the account on its chains (`removeSession`), or invalidate the
/// owner's grant signatures for it (`revokeEnableSignature`), through the MEE node.
#[derive(Debug, Args)]
struct RevokeArgs {
    /// The session details file naming the permission and its chains.
    #[arg(
        long,
        short = 'd',
        value_name = "PATH",
        required_unless_present = "permission_id"
    )]
    details: Option<PathBuf>,

    /// The permission id to revoke on --chains instead.
    #[arg(long, value_name = "ID", conflicts_with = "details")]
    permission_id: Option<PermissionId>,

    /// Invalidate outstanding grant signatures (the enable nonce moves) instead of removing
    /// an enabled permission.
    #[arg(long)]
    enable_signature: bool,

    #[command(flatten)]
    owner: OwnerSide,

    #[command(flatten)]
    via: ViaNode,
}

impl RevokeArgs {
    async fn run(self) -> anyhow::Result<()> {
        let details = self.details.as_deref().map(read_details).transpose()?;
        let owner = self.owner.owner_key.signer()?;
        let targets: Vec<(u64, PermissionId)> = match (&details, self.permission_id) {
            (Some(details), _) => details
                .iter()
                .map(|entry| (entry.chain_id(), entry.permission_id))
                .collect(),
            (None, Some(id)) => {
                let chains = self.via.rpc.chain_ids(&[]);
                chains.into_iter().map(|chain| (chain, id)).collect()
            }
            (None, None) => bail!("give --details PATH or --permission-id ID"),
        };
        let target_chains: Vec<u64> = targets.iter().map(|(chain, _)| *chain).collect();
        let fee_token: Option<FeeToken> = self
            .via
            .fee
            .fee_token(None, target_chains.first().copied())?;
        let mut all_chains = self.via.rpc.chain_ids(&target_chains);
        if let Some(token) = fee_token
            && !all_chains.contains(&token.chain_id)
        {
            all_chains.push(token.chain_id);
        }
        let account = self
            .owner
            .connect(&owner, &self.via.rpc, &all_chains)
            .await?;
        let ctx = self.via.node.context(&self.via.rpc);
        let sdk = |err| decode::sdk_error(err, &ctx);
        let sessions = account.smart_sessions();
        let mut instructions = Vec::new();
        let mut lines = Vec::new();
        for (chain_id, permission_id) in targets {
            if !self.enable_signature
                && !sessions
                    .is_permission_enabled(permission_id, chain_id)
                    .await
                    .map_err(sdk)?
            {
                progress(
                    self.via.json,
                    format!(
                        "chain {chain_id}: permission {permission_id} is not enabled, nothing to remove"
                    ),
                );
                continue;
            }
            let built = if self.enable_signature {
                sessions.revoke_enable_signature(permission_id, [chain_id])
            } else {
                sessions.revoke(permission_id, [chain_id])
            };
            instructions.extend(built.map_err(sdk)?);
            lines.push(PermissionLine {
                chain_id,
                permission_id,
                mode: Some(if self.enable_signature {
                    "enable signature revoked"
                } else {
                    "removed"
                }),
            });
        }
        if instructions.is_empty() {
            bail!(
                "nothing to revoke: the permission is not enabled on any of its chains (to \
                 invalidate an unused grant, pass --enable-signature)"
            );
        }
        let params = self.via.fee.apply(
            QuoteParams::new().instructions(instructions),
            fee_token,
            target_chains.first().copied(),
            &self.via.node.node_url,
        )?;
        progress(
            self.via.json,
            format!("connecting to the MEE node at {}…", self.via.node.node_url),
        );
        let client = self.via.node.connect(account, &self.via.rpc).await?;
        let hash = submit(&client, &params, &owner, None, &ctx, self.via.json).await?;
        let receipt = finish(&client, hash, &self.via.wait, &ctx, self.via.json).await?;
        ExecutionReport {
            supertransaction: hash,
            details_file: None,
            permissions: lines,
            receipt,
        }
        .finish(self.via.json, |_| Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use alloy::primitives::{address, b256};
    use mee_contracts::sessions::SmartSession;
    use mee_primitives::Session;
    use mee_sdk::{
        action::Erc20Action,
        policy::{Rule, UniversalPolicy},
    };

    use super::*;

    const USDC: Address = address!("0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913");
    const ALICE: Address = address!("0xa11ce00000000000000000000000000000000001");
    const BOB: Address = address!("0xb0b0000000000000000000000000000000000002");

    fn details_with(policies_: Vec<mee_primitives::PolicyData>) -> Vec<SessionDetails> {
        let session = Session {
            sessionValidator: address!("0x00000000d12897DDAdC2044614A9677B191A2d95"),
            sessionValidatorInitData: Bytes::copy_from_slice(BOB.as_slice()),
            salt: B256::ZERO,
            userOpPolicies: vec![mee_primitives::PolicyData::sudo()],
            erc7739Policies: Default::default(),
            actions: vec![mee_primitives::ActionData::new(
                USDC,
                mee_sdk::action::TRANSFER_SELECTOR,
                policies_,
            )],
            permitERC4337Paymaster: true,
        };
        vec![SessionDetails::prepared(session, 8453)]
    }

    fn transfer(to: Address, amount: u64) -> PlainCall {
        PlainCall {
            chain_id: 8453,
            to: USDC,
            data: super::super::instructions::encode_function(
                "transfer(address,uint256)",
                &[to.to_string(), amount.to_string()],
            )
            .unwrap(),
            value: U256::ZERO,
        }
    }

    fn violation(policy: Address) -> String {
        let data = alloy::sol_types::SolError::abi_encode(&SmartSession::PolicyViolation {
            permissionId: b256!(
                "0x1111111111111111111111111111111111111111111111111111111111111111"
            ),
            policy,
        });
        format!("AA23 reverted {}", Bytes::from(data))
    }

    #[test]
    fn the_failing_rule_is_named() {
        let policies_ = Erc20Action::transfer(USDC)
            .chain_id(8453)
            .recipient(ALICE)
            .amount_limit_per_action(U256::from(10))
            .try_policies()
            .unwrap();
        let details = details_with(policies_);
        let text = violation(policies::UNIVERSAL_ACTION);

        let wrong_recipient = rule_diagnosis(&text, &details, &[transfer(BOB, 5)], 0);
        assert_eq!(wrong_recipient.len(), 1, "{wrong_recipient:?}");
        assert!(
            wrong_recipient[0].contains(&format!("rule #1 `arg1 == {ALICE}` fails")),
            "{wrong_recipient:?}"
        );
        let too_much = rule_diagnosis(&text, &details, &[transfer(ALICE, 11)], 0);
        assert!(
            too_much[0].contains("rule #2 `arg2 <= 10` fails: the argument is 11"),
            "{too_much:?}"
        );
        assert!(rule_diagnosis(&text, &details, &[transfer(ALICE, 10)], 0).is_empty());
        // No violation in the message: nothing to say.
        assert!(rule_diagnosis("AA23 reverted", &details, &[transfer(BOB, 5)], 0).is_empty());
    }

    #[test]
    fn used_up_limits_and_time_windows() {
        let limited = UniversalPolicy::new()
            .rule(Rule::less_than_or_equal(32, 10u64).limited(U256::from(20)))
            .build();
        let details = details_with(vec![limited]);
        let lines = rule_diagnosis(
            &violation(policies::UNIVERSAL_ACTION),
            &details,
            &[transfer(ALICE, 10)],
            0,
        );
        assert!(
            lines[0].contains("cumulative limit is used up"),
            "{lines:?}"
        );

        let window = details_with(vec![mee_primitives::PolicyData::time_frame(100, 200)]);
        let lines = rule_diagnosis(
            &violation(policies::TIME_FRAME),
            &window,
            &[transfer(ALICE, 1)],
            300,
        );
        assert!(
            lines[0].contains("valid from 100 until 200, but it is now 300"),
            "{lines:?}"
        );
        assert!(
            rule_diagnosis(
                &violation(policies::TIME_FRAME),
                &window,
                &[transfer(ALICE, 1)],
                150
            )
            .is_empty()
        );
    }
}
