//! The steps of the demo: fund, prepare, grant, use, enable-and-use, inspect, the refused
//! attempts and revoke, each through the SDK against the in-process node, each reporting what
//! it read back from the chains.

use std::time::{Duration, Instant};

use alloy::{
    primitives::{Address, B256, Bytes, U256, address},
    signers::local::PrivateKeySigner,
};
use anyhow::{Context, bail};
use mee_contracts::tokens::TestUSDC;
use mee_primitives::{
    SessionDetails,
    addresses::{DEVNET_USDC, SMART_SESSIONS},
    api::ExplorerResponse,
};
use mee_sdk::{
    MeeClient,
    account::ModuleType,
    action::{CustomAction, Erc20Action, SessionAction},
    fusion::Trigger,
    instruction::{Erc20Instruction, Instruction},
    payment::FeeToken,
    policy::{Policy, Rule, UniversalPolicy, calldata_argument},
    quote::QuoteParams,
    session::{EnableSessions, GrantPermission, GrantSignature, UsageMode},
    status::{ConfirmationMode, UserOpStatus, supertransaction_status},
};

use super::{
    env::World,
    report::{
        AccountState, ChainRead, Outcome, PermissionReport, Rejection, StepReport, SupertxReport,
        UserOpLine,
    },
};
use crate::cmd::{
    decode::{self, Finding, SessionError},
    instructions::PlainCall,
    permissions::policy_name,
    session::rule_diagnosis,
};

/// Who receives the session's USDC transfers.
pub(crate) const RECIPIENT: Address = address!("0x1111111111111111111111111111111111111111");
/// Who the session may approve USDC for.
pub(crate) const SPENDER: Address = address!("0x2222222222222222222222222222222222222222");
/// The fee chain (Base).
pub(crate) const FEE_CHAIN: u64 = 8453;
/// Chains with the transfer action (recipient rule, per-use and total limits).
const TRANSFER_CHAINS: [u64; 3] = [10, 42161, 137];
/// Chains with the custom `approve` action (argument rules, one use, a time frame).
const APPROVE_CHAINS: [u64; 2] = [8453, 10];

/// One USDC in base units.
const USDC: u64 = 1_000_000;
/// What the funding trigger moves to the account on the fee chain.
pub(crate) const FUNDING: u64 = 10 * USDC;
/// What the owner moves to the account on the transfer chains, for the session to send.
const SPENDABLE: u64 = 3 * USDC;
/// What the owner's EOA holds on the fee chain beyond the trigger amount, for the PREPARE fee.
const TRIGGER_FEE_BUDGET: u64 = 5 * USDC;
/// The most the session may pay the node in fees (the permission's payment rule).
const MAX_PAYMENT: u64 = 3 * USDC;
/// The most the granted (ENABLE_AND_USE) permission may pay the node in fees.
const GRANT_MAX_PAYMENT: u64 = USDC;
/// How long to wait for a supertransaction to be final.
const RECEIPT_TIMEOUT: Duration = Duration::from_secs(120);

/// What the steps share.
pub(crate) struct Demo<'a> {
    pub(crate) world: &'a World,
    pub(crate) owner: PrivateKeySigner,
    pub(crate) session_key: PrivateKeySigner,
    pub(crate) owner_client: MeeClient,
    pub(crate) session_client: MeeClient,
    pub(crate) account: Address,
    pub(crate) fee_receiver: Address,
    /// Permission A: enabled on-chain by the grant step, used in USE mode.
    pub(crate) on_chain: Vec<SessionDetails>,
    /// Permission C: enabled on-chain with `batch_actions = false`.
    pub(crate) unbatched: Vec<SessionDetails>,
    /// Permission B: granted off-chain, enabled by its first use.
    pub(crate) off_chain: Vec<SessionDetails>,
}

/// A step's body.
type Started = Instant;

impl Demo<'_> {
    fn fee(&self) -> FeeToken {
        FeeToken {
            address: DEVNET_USDC,
            chain_id: FEE_CHAIN,
        }
    }

    /// Quote parameters paying in USDC on the fee chain, with the SDK's default time bounds
    /// (the window opens now; a chain whose clock lags a second behind is waited for by the
    /// node's executor).
    fn params(&self) -> QuoteParams {
        QuoteParams::new().fee_token(self.fee())
    }

    fn now() -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default()
    }

    /// Funds the account on the fee chain with 10 USDC, and with a little USDC on the transfer
    /// chains for the session to send.
    ///
    /// The flow funds the fee chain through a fusion trigger of the PREPARE quote (the owner's
    /// EOA signs a permit or an on-chain transfer that the node executes first). The node
    /// offers no fusion quotes yet, so the owner's EOA sends a plain USDC transfer instead;
    /// when it does, [`Self::prepare`] takes the trigger and this step keeps only the
    /// transfer-chain funding.
    pub(crate) async fn fund(&self) -> anyhow::Result<StepReport> {
        let started = Started::now();
        let mut step = StepReport::new(
            "fund",
            "fund: the owner's EOA gets test ETH and USDC, then funds the account",
        );
        step.notes.push(format!(
            "the owner's EOA holds the USDC; on {FEE_CHAIN} the account is funded by the PREPARE \
             supertransaction's permit trigger (next step), on the transfer chains by plain USDC \
             transfers, for the session to spend"
        ));
        let chains = std::iter::once(FEE_CHAIN).chain(TRANSFER_CHAINS);
        for chain_id in chains {
            let minted = if chain_id == FEE_CHAIN {
                FUNDING + TRIGGER_FEE_BUDGET
            } else {
                SPENDABLE
            };
            step.transactions.extend(
                self.world
                    .faucet(
                        chain_id,
                        self.owner.address(),
                        U256::from(10u64.pow(18)),
                        U256::from(minted),
                    )
                    .await?,
            );
            if chain_id == FEE_CHAIN {
                step.reads.push(
                    self.usdc_read(chain_id, self.owner.address(), "USDC balance")
                        .await?,
                );
                continue;
            }
            step.transactions.push(
                self.world
                    .usdc_transfer(chain_id, &self.owner, self.account, U256::from(SPENDABLE))
                    .await?,
            );
            step.reads.push(
                self.usdc_read(chain_id, self.account, "USDC balance")
                    .await?,
            );
        }
        step.elapsed_ms = started.elapsed().as_millis();
        Ok(step)
    }

    /// Deploys the account and installs Smart Sessions on every chain, in one supertransaction
    /// paid in USDC on the fee chain.
    pub(crate) async fn prepare(&self) -> anyhow::Result<StepReport> {
        let started = Started::now();
        let mut step = StepReport::new(
            "prepare",
            format!(
                "prepare: deploy the account and install Smart Sessions on {} chains, funded by a 10 USDC permit trigger (fee in USDC on {FEE_CHAIN})",
                self.world.chain_ids().len()
            ),
        );
        let params = self.params();
        let trigger = Trigger::new(DEVNET_USDC, FEE_CHAIN, U256::from(FUNDING));
        let (hash, _) = self
            .owner_client
            .prepare_for_permissions_with_trigger(None, params, trigger, &self.owner)
            .await?;
        step.notes.push(format!(
            "trigger: an EIP-2612 permit signed by the owner's EOA (deadline = the supertransaction \
             hash) lets the account pull 10 USDC on {FEE_CHAIN}; the fee is pulled from the EOA too"
        ));
        step.supertransaction = Some(self.track_success(hash).await?);
        step.accounts = self.account_states().await?;
        for (holder, label) in [
            (self.account, "USDC balance"),
            (self.owner.address(), "USDC balance"),
        ] {
            step.reads
                .push(self.usdc_read(FEE_CHAIN, holder, label).await?);
        }
        step.elapsed_ms = started.elapsed().as_millis();
        Ok(step)
    }

    /// The session's on-chain permission A, batched into one session per chain.
    fn permission_a(&self) -> anyhow::Result<Vec<SessionAction>> {
        let now = Self::now();
        let mut actions = Erc20Action::transfer(DEVNET_USDC)
            .chain_ids(TRANSFER_CHAINS)
            .recipient(RECIPIENT)
            .amount_limit_per_action(U256::from(USDC))
            .max_amount_limit(U256::from(2 * USDC))
            .usage_limit(5)
            .valid_after(now - 60)
            .valid_until(now + 3600)
            .try_build()?;
        actions.extend(approve_action(APPROVE_CHAINS, now)?);
        Ok(actions)
    }

    /// Grants permission A to the session key and enables it on-chain (PREPARE with the
    /// session's actions), then permission C with `batch_actions = false`.
    pub(crate) async fn grant(&mut self) -> anyhow::Result<StepReport> {
        let started = Started::now();
        let mut step = StepReport::new(
            "grant",
            "grant: enable a session for the session key on-chain (transfer and approve actions on 4 chains)",
        );
        let enable = EnableSessions::new()
            .redeemer(self.session_key.address())
            .actions(self.permission_a()?)
            .max_payment_amount(U256::from(MAX_PAYMENT));
        let params = self.params();
        let (hash, details) = self
            .owner_client
            .prepare_for_permissions(Some(&enable), params, &self.owner)
            .await?
            .context("the grant found nothing to do")?;
        step.notes.push(format!(
            "transfer on chains {TRANSFER_CHAINS:?}: recipient == {RECIPIENT}, at most 1 USDC a \
             call and 2 USDC in total, 5 uses, valid for an hour"
        ));
        step.notes.push(format!(
            "custom approve(address,uint256) on chains {APPROVE_CHAINS:?}: universal rules \
             calldata_argument(1) == {SPENDER} and calldata_argument(2) <= 5 USDC, one use, \
             valid for an hour"
        ));
        step.notes.push(format!(
            "fees: at most {} USDC in total through the session (max_payment_amount)",
            MAX_PAYMENT / USDC
        ));
        step.supertransaction = Some(self.track_success(hash).await?);
        self.on_chain = details;
        step.permissions = self
            .permission_lines("A (on-chain)", &self.on_chain)
            .await?;
        step.elapsed_ms = started.elapsed().as_millis();
        Ok(step)
    }

    /// Permission C: two actions on one chain, each enabled as its own session
    /// (`batch_actions = false`, so also `batch = false` for the quote).
    pub(crate) async fn grant_unbatched(&mut self) -> anyhow::Result<StepReport> {
        let started = Started::now();
        let mut step = StepReport::new(
            "grant_unbatched",
            "grant with batch_actions = false: two actions on 42161, one enableSessions call each",
        );
        let now = Self::now();
        let mut actions = approve_action([42161], now)?;
        actions.extend(
            Erc20Action::transfer(DEVNET_USDC)
                .chain_id(42161)
                .recipient(RECIPIENT)
                .amount_limit_per_action(U256::from(USDC))
                .try_build()?,
        );
        let enable = EnableSessions::new()
            .redeemer(self.session_key.address())
            .actions(actions)
            .batch_actions(false);
        let params = self.params();
        let (hash, details) = self
            .owner_client
            .prepare_for_permissions(Some(&enable), params, &self.owner)
            .await?
            .context("the unbatched grant found nothing to do")?;
        step.notes.push(
            "two enableSessions calls on 42161 (one per action) under one permission id; the \
             session details keep the first session's actions, as the TypeScript SDK's do"
                .to_owned(),
        );
        step.supertransaction = Some(self.track_success(hash).await?);
        self.unbatched = details;
        step.permissions = self
            .permission_lines("C (batch_actions = false)", &self.unbatched)
            .await?;
        step.elapsed_ms = started.elapsed().as_millis();
        Ok(step)
    }

    /// The session key uses permission A in USE mode on two chains in one supertransaction:
    /// a transfer on OP and an approve on Base, the fee paid through the session on Base.
    pub(crate) async fn use_permission(&self) -> anyhow::Result<StepReport> {
        let started = Started::now();
        let mut step = StepReport::new(
            "use",
            "use (USE mode): the session key sends 1 USDC on 10 and approves 2 USDC on 8453, one supertransaction",
        );
        let instructions = vec![
            transfer(10, RECIPIENT, USDC),
            approve(FEE_CHAIN, SPENDER, 2 * USDC),
        ];
        let hash = self
            .session_client
            .use_permission(
                self.on_chain.clone(),
                UsageMode::Use,
                self.params().instructions(instructions),
                &self.session_key,
            )
            .await?;
        step.supertransaction = Some(self.track_success(hash).await?);
        step.reads
            .push(self.usdc_read(10, RECIPIENT, "USDC balance").await?);
        step.reads.push(self.allowance_read(FEE_CHAIN).await?);
        step.reads
            .push(self.usdc_read(10, self.account, "USDC balance").await?);
        step.reads.push(
            self.usdc_read(FEE_CHAIN, self.account, "USDC balance")
                .await?,
        );
        step.elapsed_ms = started.elapsed().as_millis();
        Ok(step)
    }

    /// The same permission with the fee paid by a sponsor: the node's gas tank.
    pub(crate) async fn use_sponsored(&self) -> anyhow::Result<StepReport> {
        let started = Started::now();
        let mut step = StepReport::new(
            "use_sponsored",
            "use, sponsored: the session key sends 0.5 USDC on 42161, a sponsor pays the fee",
        );
        let params = self
            .params()
            .instruction(transfer(42161, RECIPIENT, USDC / 2))
            .sponsorship();
        let quote = self
            .session_client
            .session_quote_use(self.on_chain.clone(), params)
            .await?;
        step.notes
            .push("the node's gas tank on 8453 pays the fee; the account pays nothing".to_owned());
        let mut signed = self.session_client.sign_quote(quote, &self.session_key)?;
        mee_sdk::client::rewrite_session_details(
            &mut signed.user_ops,
            true,
            &self.on_chain,
            false,
        )?;
        let hash = self.session_client.exec(&signed).await?;
        step.supertransaction = Some(self.track_success(hash).await?);
        step.reads
            .push(self.usdc_read(42161, RECIPIENT, "USDC balance").await?);
        step.reads.push(
            self.usdc_read(FEE_CHAIN, self.account, "USDC balance")
                .await?,
        );
        step.elapsed_ms = started.elapsed().as_millis();
        Ok(step)
    }

    /// The owner grants permission B off-chain (one EIP-712 signature over two chains); the
    /// session key's first use enables it on both (ENABLE_AND_USE).
    pub(crate) async fn enable_and_use(&mut self) -> anyhow::Result<StepReport> {
        let started = Started::now();
        let mut step = StepReport::new(
            "enable_and_use",
            "enable and use: an off-chain grant over 8453 and 137, enabled by its first use (approve 1 USDC on 137)",
        );
        let grant = GrantPermission::new()
            .redeemer(self.session_key.address())
            .session_actions(approve_action([FEE_CHAIN, 137], Self::now())?)
            .fee_token(self.fee())
            .max_payment_amount(U256::from(GRANT_MAX_PAYMENT));
        self.off_chain = self
            .owner_client
            .grant_permission(&grant, &self.owner, GrantSignature::TypedData)
            .await?;
        step.notes.push(format!(
            "the owner signed once (EIP-712) for {} chains; nothing was sent to a chain",
            self.off_chain.len()
        ));
        let hash = self
            .session_client
            .use_permission(
                self.off_chain.clone(),
                UsageMode::EnableAndUse,
                self.params().instruction(approve(137, SPENDER, USDC)),
                &self.session_key,
            )
            .await?;
        step.supertransaction = Some(self.track_success(hash).await?);
        step.permissions = self
            .permission_lines("B (off-chain grant)", &self.off_chain)
            .await?;
        step.reads.push(self.allowance_read(137).await?);
        step.elapsed_ms = started.elapsed().as_millis();
        Ok(step)
    }

    /// `is_permission_enabled` and `check_enabled_permissions` for every permission.
    pub(crate) async fn inspect(&self, name: &'static str) -> anyhow::Result<StepReport> {
        let started = Started::now();
        let mut step = StepReport::new(
            name,
            "inspect: is_permission_enabled / check_enabled_permissions on every chain",
        );
        let sessions = self.session_client.account().smart_sessions();
        let mut all = self.on_chain.clone();
        all.extend(self.unbatched.iter().cloned());
        all.extend(self.off_chain.iter().cloned());
        let map = sessions.check_enabled_permissions(&all).await?;
        for (label, details) in [
            ("A (on-chain)", &self.on_chain),
            ("C (batch_actions = false)", &self.unbatched),
            ("B (off-chain grant)", &self.off_chain),
        ] {
            for line in self.permission_lines(label, details).await? {
                let listed = map
                    .get(&line.permission_id)
                    .and_then(|chains| chains.get(&line.chain_id))
                    .copied();
                if listed != Some(line.enabled) {
                    bail!(
                        "check_enabled_permissions says {listed:?} for permission {} on chain \
                         {}, is_permission_enabled says {}",
                        line.permission_id,
                        line.chain_id,
                        line.enabled
                    );
                }
                step.permissions.push(line);
            }
        }
        step.notes.push(format!(
            "check_enabled_permissions agrees with is_permission_enabled on {} entries",
            step.permissions.len()
        ));
        step.elapsed_ms = started.elapsed().as_millis();
        Ok(step)
    }

    /// An attempt the contracts must refuse: the session key uses permission A with
    /// `instruction`; the report carries the decoded reason and checks it is `expected`.
    pub(crate) async fn refused(
        &self,
        name: &'static str,
        title: &str,
        instruction: Instruction,
        call: PlainCall,
        expected: Expected,
    ) -> anyhow::Result<StepReport> {
        let started = Started::now();
        let mut step = StepReport::new(name, title);
        let submitted = self
            .session_client
            .use_permission(
                self.on_chain.clone(),
                UsageMode::Use,
                self.params().instruction(instruction),
                &self.session_key,
            )
            .await;
        let (reason, chain_id) = match submitted {
            Ok(hash) => {
                let stx = self.track(hash).await?;
                let failed = stx
                    .user_ops
                    .iter()
                    .find(|op| op.error.is_some())
                    .map(|op| (op.error.clone().unwrap_or_default(), Some(op.chain_id)));
                let status = stx.status.clone();
                step.supertransaction = Some(stx);
                failed.with_context(|| {
                    format!("{title}: the supertransaction ended {status}, but it must be refused")
                })?
            }
            // Refused before anything reached a chain.
            Err(err) => (err.to_string(), None),
        };
        let mut rejection = rejection_of(&reason, chain_id, expected);
        rejection.decoded.extend(rule_diagnosis(
            &reason,
            &self.on_chain,
            &[call],
            Self::now(),
        ));
        if !expected.matches(&rejection) {
            bail!(
                "{title}: expected {}, but the reason was: {reason}",
                expected.describe()
            );
        }
        step.outcome = Outcome::Rejected;
        step.rejection = Some(rejection);
        step.elapsed_ms = started.elapsed().as_millis();
        Ok(step)
    }

    /// The owner removes permission A on every chain.
    pub(crate) async fn revoke(&self) -> anyhow::Result<StepReport> {
        let started = Started::now();
        let mut step = StepReport::new(
            "revoke",
            "revoke: the owner removes permission A on every chain (removeSession)",
        );
        let sessions = self.owner_client.account().smart_sessions();
        let mut instructions = Vec::new();
        for entry in &self.on_chain {
            instructions.extend(sessions.revoke(entry.permission_id, [entry.chain_id()])?);
        }
        let hash = self
            .owner_client
            .execute(&self.params().instructions(instructions), &self.owner)
            .await?;
        step.supertransaction = Some(self.track_success(hash).await?);
        step.permissions = self
            .permission_lines("A (on-chain)", &self.on_chain)
            .await?;
        step.elapsed_ms = started.elapsed().as_millis();
        Ok(step)
    }

    // ----------------------------------------------------------------------------------------
    // Reading back
    // ----------------------------------------------------------------------------------------

    /// [`Self::track`], failing unless every userOp was mined successfully.
    async fn track_success(&self, hash: B256) -> anyhow::Result<SupertxReport> {
        let stx = self.track(hash).await?;
        if stx.status != "MINED_SUCCESS" {
            let errors: Vec<String> = stx
                .user_ops
                .iter()
                .filter_map(|op| {
                    op.error.as_ref().map(|error| {
                        format!(
                            "userOp {} on chain {}: {error}{}",
                            op.index,
                            op.chain_id,
                            decode::explanation_suffix(error)
                        )
                    })
                })
                .collect();
            bail!(
                "supertransaction {hash} ended {}: {}\n{}",
                stx.status,
                stx.message,
                errors.join("\n")
            );
        }
        Ok(stx)
    }

    /// Waits until the supertransaction is final, then reads each transaction's receipt and the
    /// fee transferred to the node.
    async fn track(&self, hash: B256) -> anyhow::Result<SupertxReport> {
        let started = Instant::now();
        let (explorer, status) = loop {
            let explorer = self.owner_client.explorer(hash).await?;
            let ops: Vec<UserOpStatus> = explorer.user_ops.iter().map(UserOpStatus::from).collect();
            let status = supertransaction_status(&ops, ConfirmationMode::Confirmed);
            if status.is_finalised {
                break (explorer, status);
            }
            if started.elapsed() > RECEIPT_TIMEOUT {
                bail!(
                    "supertransaction {hash} is not final after {} s",
                    RECEIPT_TIMEOUT.as_secs()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let mut user_ops = Vec::new();
        for (index, op) in explorer.user_ops.iter().enumerate() {
            let chain_id = op.op.chain_id;
            let receipt = match op.execution_data {
                Some(tx) => Some(self.world.receipt(chain_id, tx).await?),
                None => None,
            };
            user_ops.push(UserOpLine {
                index,
                role: if index == 0 { "payment" } else { "instruction" },
                chain_id,
                status: op.execution_status.as_str().to_owned(),
                transaction: op.execution_data,
                gas_used: receipt.as_ref().map(|r| r.gas_used),
                gas_cost_wei: receipt
                    .as_ref()
                    .map(|r| U256::from(r.gas_used) * U256::from(r.effective_gas_price)),
                error: op.execution_error.clone(),
            });
        }
        let fee_paid = self.fee_paid(&explorer).await?;
        Ok(SupertxReport {
            hash,
            status: status.status.as_str().to_owned(),
            message: status.message,
            fee_token: explorer.payment_info.token,
            fee_chain: explorer.payment_info.chain_id,
            sponsored: explorer.payment_info.sponsored,
            fee_quoted: explorer.payment_info.token_wei_amount,
            fee_paid,
            user_ops,
        })
    }

    /// The fee token moved from the payer (the account, or the EOA of a Fusion trigger) to the
    /// node's fee receiver by the payment userOp's
    /// transaction, from its `Transfer` logs.
    async fn fee_paid(&self, explorer: &ExplorerResponse) -> anyhow::Result<U256> {
        let payment = &explorer.payment_info;
        let Some(tx) = explorer.user_ops.first().and_then(|op| op.execution_data) else {
            return Ok(U256::ZERO);
        };
        let receipt = self.world.receipt(payment.chain_id, tx).await?;
        Ok(receipt
            .inner
            .logs()
            .iter()
            .filter(|log| log.address() == payment.token)
            .filter_map(|log| log.log_decode::<TestUSDC::Transfer>().ok())
            .filter(|log| {
                let transfer = &log.inner.data;
                // The account pays, or the owner's EOA through a Fusion trigger's allowance.
                (transfer.from == payment.sender || Some(transfer.from) == payment.eoa)
                    && transfer.to == self.fee_receiver
            })
            .map(|log| log.inner.data.amount)
            .fold(U256::ZERO, |sum, amount| sum + amount))
    }

    async fn permission_lines(
        &self,
        label: &'static str,
        details: &[SessionDetails],
    ) -> anyhow::Result<Vec<PermissionReport>> {
        let sessions = self.owner_client.account().smart_sessions();
        let mut lines = Vec::new();
        for entry in details {
            let chain_id = entry.chain_id();
            if lines
                .iter()
                .any(|l: &PermissionReport| l.chain_id == chain_id)
            {
                continue;
            }
            let actions = details
                .iter()
                .filter(|e| e.chain_id() == chain_id)
                .map(|e| e.session().actions.len())
                .sum();
            lines.push(PermissionReport {
                label,
                permission_id: entry.permission_id,
                chain_id,
                actions,
                enabled: sessions
                    .is_permission_enabled(entry.permission_id, chain_id)
                    .await?,
            });
        }
        Ok(lines)
    }

    async fn account_states(&self) -> anyhow::Result<Vec<AccountState>> {
        let account = self.owner_client.account();
        let mut states = Vec::new();
        for chain_id in self.world.chain_ids() {
            states.push(AccountState {
                chain_id,
                address: account.address_on(chain_id)?,
                deployed: account.is_deployed(chain_id).await?,
                smart_sessions_installed: account
                    .is_module_installed(
                        chain_id,
                        ModuleType::Validator,
                        SMART_SESSIONS,
                        Bytes::new(),
                    )
                    .await?,
            });
        }
        Ok(states)
    }

    async fn usdc_read(&self, chain_id: u64, of: Address, what: &str) -> anyhow::Result<ChainRead> {
        Ok(ChainRead {
            chain_id,
            what: what.to_owned(),
            of,
            spender: None,
            value: self.world.usdc_balance(chain_id, of).await?,
        })
    }

    async fn allowance_read(&self, chain_id: u64) -> anyhow::Result<ChainRead> {
        Ok(ChainRead {
            chain_id,
            what: "USDC allowance".to_owned(),
            of: self.account,
            spender: Some(SPENDER),
            value: self
                .world
                .usdc_allowance(chain_id, self.account, SPENDER)
                .await?,
        })
    }
}

/// The custom `approve(address,uint256)` action on USDC: the spender must be [`SPENDER`]
/// (`calldata_argument(1)`), the amount at most 5 USDC (`calldata_argument(2)`), one use, valid
/// for an hour.
fn approve_action(
    chains: impl IntoIterator<Item = u64>,
    now: u64,
) -> anyhow::Result<Vec<SessionAction>> {
    Ok(
        CustomAction::try_function(DEVNET_USDC, "approve(address,uint256)")?
            .chain_ids(chains)
            .policy(
                UniversalPolicy::new()
                    .rule(Rule::equal(calldata_argument(1)?, SPENDER))
                    .rule(Rule::less_than_or_equal(
                        calldata_argument(2)?,
                        U256::from(5 * USDC),
                    )),
            )
            .policy(Policy::UsageLimit(1))
            .policy(Policy::TimeFrame {
                valid_after: now - 60,
                valid_until: now + 3600,
            })
            .try_build()?,
    )
}

/// A USDC transfer instruction.
pub(crate) fn transfer(chain_id: u64, to: Address, amount: u64) -> Instruction {
    Erc20Instruction::transfer(chain_id, DEVNET_USDC, to, U256::from(amount)).build()
}

/// A USDC approve instruction.
pub(crate) fn approve(chain_id: u64, spender: Address, amount: u64) -> Instruction {
    Erc20Instruction::approve(chain_id, DEVNET_USDC, spender, U256::from(amount)).build()
}

/// The call an instruction makes, for the offline rule diagnosis.
pub(crate) fn plain_call(chain_id: u64, function: &str, args: &[String]) -> PlainCall {
    PlainCall {
        chain_id,
        to: DEVNET_USDC,
        data: crate::cmd::instructions::encode_function(function, args)
            .expect("the demo's calls encode"),
        value: U256::ZERO,
    }
}

/// What a refused attempt must be refused with.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Expected {
    /// No action of the permission covers the call.
    NoPoliciesSet,
    /// A policy of the permission refused it.
    PolicyViolation(Address),
    /// The permission is not enabled (any error that says so).
    NotEnabled,
}

impl Expected {
    fn describe(self) -> String {
        match self {
            Self::NoPoliciesSet => "NoPoliciesSet (the call is outside the grant)".to_owned(),
            Self::PolicyViolation(policy) => format!(
                "PolicyViolation by the {} policy",
                policy_name(policy).unwrap_or("unknown")
            ),
            Self::NotEnabled => "a refusal because the permission is no longer enabled".to_owned(),
        }
    }

    fn matches(self, rejection: &Rejection) -> bool {
        match self {
            Self::NoPoliciesSet => rejection.error.as_deref() == Some("NoPoliciesSet"),
            Self::PolicyViolation(policy) => {
                rejection.error.as_deref() == Some("PolicyViolation")
                    && rejection.policy == Some(policy)
            }
            Self::NotEnabled => rejection.error.is_some(),
        }
    }
}

/// The Smart Sessions error in `reason`, decoded.
fn rejection_of(reason: &str, chain_id: Option<u64>, expected: Expected) -> Rejection {
    let findings = decode::findings(reason);
    let session = findings.iter().find_map(|finding| match finding {
        Finding::Session(error) => Some(error.clone()),
        _ => None,
    });
    let (error, policy) = match &session {
        Some(SessionError::PolicyViolation { policy, .. }) => {
            (Some("PolicyViolation".to_owned()), Some(*policy))
        }
        Some(SessionError::NoPoliciesSet(_)) => (Some("NoPoliciesSet".to_owned()), None),
        Some(SessionError::InvalidPermissionId(_)) => {
            (Some("InvalidPermissionId".to_owned()), None)
        }
        Some(other) => (
            Some(
                format!("{other}")
                    .split(':')
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
            ),
            None,
        ),
        None => (None, None),
    };
    Rejection {
        expected: expected.describe(),
        error,
        policy,
        policy_name: policy.and_then(policy_name).map(str::to_owned),
        chain_id,
        reason: reason.to_owned(),
        decoded: decode::explain(reason),
    }
}
