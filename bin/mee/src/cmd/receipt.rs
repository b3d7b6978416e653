//! `mee receipt`: a supertransaction's status from the MEE node.

use std::time::{Duration, Instant};

use alloy::primitives::{Address, B256, U256};
use anyhow::bail;
use clap::Args;
use mee_primitives::api::{ExecutionStatus, ExplorerResponse};
use mee_sdk::{
    MeeClient,
    status::{ConfirmationMode, SupertransactionStatus, UserOpStatus, supertransaction_status},
};
use serde::Serialize;

use super::{NodeArgs, decode, print_json, progress};

/// Show a supertransaction's status and each userOp's, optionally waiting until it is final.
#[derive(Debug, Args)]
pub(crate) struct ReceiptArgs {
    /// The supertransaction hash.
    hash: B256,

    /// Poll until the supertransaction is final.
    #[arg(long)]
    wait: bool,

    /// Give up waiting after this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 120, requires = "wait")]
    timeout: u64,

    /// Count mined userOps at once instead of waiting for the node's confirmation.
    #[arg(long)]
    fast_block: bool,

    #[command(flatten)]
    node: NodeArgs,

    /// Print one JSON document instead of text.
    #[arg(long)]
    json: bool,
}

/// A supertransaction's status, as `mee` reports it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ReceiptReport {
    pub(crate) hash: B256,
    pub(crate) status: &'static str,
    #[serde(rename = "final")]
    pub(crate) is_final: bool,
    pub(crate) message: String,
    pub(crate) fee: Option<FeeReport>,
    pub(crate) user_ops: Vec<UserOpReport>,
}

/// What the supertransaction cost.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct FeeReport {
    pub(crate) sponsored: bool,
    pub(crate) token: Address,
    pub(crate) chain_id: u64,
    #[serde(serialize_with = "super::decimal_opt")]
    pub(crate) amount: Option<U256>,
}

/// One userOp of a [`ReceiptReport`].
#[derive(Debug, Clone, Serialize)]
pub(crate) struct UserOpReport {
    pub(crate) index: usize,
    pub(crate) role: &'static str,
    pub(crate) chain_id: u64,
    pub(crate) status: &'static str,
    pub(crate) confirmed: bool,
    pub(crate) transaction: Option<B256>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) error: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) explanation: Vec<String>,
}

impl ReceiptReport {
    /// The report of an explorer entry judged by `status`.
    pub(crate) fn new(explorer: &ExplorerResponse, status: &SupertransactionStatus) -> Self {
        let payment = &explorer.payment_info;
        Self {
            hash: explorer.hash,
            status: status.status.as_str(),
            is_final: status.is_finalised,
            message: status.message.clone(),
            fee: Some(FeeReport {
                sponsored: payment.sponsored,
                token: payment.token,
                chain_id: payment.chain_id,
                amount: payment.token_wei_amount,
            }),
            user_ops: explorer
                .user_ops
                .iter()
                .enumerate()
                .map(|(index, op)| UserOpReport {
                    index,
                    role: match (index, op.op.is_clean_up_user_op) {
                        (0, _) => "payment",
                        (_, true) => "cleanup",
                        _ => "instruction",
                    },
                    chain_id: op.op.chain_id,
                    status: op.execution_status.as_str(),
                    confirmed: op.is_confirmed,
                    transaction: op.execution_data,
                    error: op.execution_error.clone(),
                    explanation: op
                        .execution_error
                        .as_deref()
                        .map(decode::explain)
                        .unwrap_or_default(),
                })
                .collect(),
        }
    }

    /// Prints the report as text on stdout.
    pub(crate) fn print_text(&self) {
        println!("supertransaction {}", self.hash);
        println!(
            "status            {}{}",
            self.status,
            if self.is_final { " (final)" } else { "" }
        );
        if !self.message.is_empty() {
            println!("message           {}", self.message);
        }
        if let Some(fee) = &self.fee {
            match (fee.sponsored, fee.amount) {
                (true, _) => println!("fee               sponsored"),
                (false, Some(amount)) => println!(
                    "fee               {amount} base units of {} on chain {}",
                    fee.token, fee.chain_id
                ),
                (false, None) => {
                    println!(
                        "fee               in {} on chain {}",
                        fee.token, fee.chain_id
                    )
                }
            }
        }
        for op in &self.user_ops {
            let tx = op
                .transaction
                .map(|tx| tx.to_string())
                .unwrap_or_else(|| "-".to_owned());
            println!(
                "  [{}] {:<11} chain {:<8} {:<13} tx {tx}",
                op.index, op.role, op.chain_id, op.status
            );
            if let Some(error) = &op.error {
                println!("      error: {error}");
            }
            for line in &op.explanation {
                println!("      -> {line}");
            }
        }
    }
}

/// Polls the node's explorer entry of `hash` until it is final (or once, without `wait`).
pub(crate) async fn poll(
    client: &MeeClient,
    hash: B256,
    mode: ConfirmationMode,
    wait: Option<Duration>,
    ctx: &decode::ErrorContext,
    quiet: bool,
) -> anyhow::Result<(ExplorerResponse, SupertransactionStatus)> {
    let started = Instant::now();
    let mut last: Option<ExecutionStatus> = None;
    loop {
        let explorer = client
            .explorer(hash)
            .await
            .map_err(|err| decode::sdk_error(err, ctx))?;
        let ops: Vec<UserOpStatus> = explorer.user_ops.iter().map(UserOpStatus::from).collect();
        let status = supertransaction_status(&ops, mode);
        let Some(timeout) = wait else {
            return Ok((explorer, status));
        };
        if status.is_finalised {
            return Ok((explorer, status));
        }
        if last != Some(status.status) {
            progress(quiet, format!("  {}…", status.status.as_str()));
            last = Some(status.status);
        }
        if started.elapsed() >= timeout {
            bail!(
                "no final status within {} s (now {}): check again with `mee receipt {hash} --wait`",
                timeout.as_secs(),
                status.status.as_str()
            );
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

impl ReceiptArgs {
    pub(crate) async fn run(self) -> anyhow::Result<()> {
        let ctx = decode::ErrorContext {
            node_url: Some(self.node.node_url.clone()),
            rpc: Vec::new(),
        };
        let mut builder = MeeClient::builder().url(self.node.node_url.clone());
        if let Some(key) = &self.node.api_key {
            builder = builder.api_key(key.clone());
        }
        let client = builder
            .connect()
            .await
            .map_err(|err| decode::sdk_error(err, &ctx))?;
        let mode = if self.fast_block {
            ConfirmationMode::FastBlock
        } else {
            ConfirmationMode::Confirmed
        };
        let wait = self.wait.then(|| Duration::from_secs(self.timeout));
        let (explorer, status) = poll(&client, self.hash, mode, wait, &ctx, self.json).await?;
        let report = ReceiptReport::new(&explorer, &status);
        if self.json {
            print_json(&report)?;
        } else {
            report.print_text();
        }
        if status.is_failure() {
            bail!("the supertransaction failed: {}", status.message);
        }
        Ok(())
    }
}
