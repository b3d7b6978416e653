//! What `mee demo` reports: one entry per step, with what happened on which chain, read back
//! from the chains; printed as text as the demo goes, or as one JSON document at the end.

use alloy::primitives::{Address, B256, U256};
use mee_primitives::PermissionId;
use serde::Serialize;

use super::super::{Units, decimal, decimal_opt};

/// The whole run.
#[derive(Debug, Serialize)]
pub(crate) struct DemoReport {
    pub(crate) owner: Address,
    pub(crate) session_key: Address,
    pub(crate) account: Address,
    pub(crate) node_url: String,
    pub(crate) chains: Vec<u64>,
    pub(crate) fee_token: Address,
    pub(crate) fee_chain: u64,
    pub(crate) steps: Vec<StepReport>,
    pub(crate) summary: Summary,
}

/// Counts and time.
#[derive(Debug, Serialize)]
pub(crate) struct Summary {
    pub(crate) steps: usize,
    pub(crate) done: usize,
    pub(crate) rejected_as_expected: usize,
    pub(crate) supertransactions: usize,
    #[serde(serialize_with = "decimal")]
    pub(crate) fees_paid: U256,
    pub(crate) elapsed_ms: u128,
}

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Outcome {
    /// It did what it set out to do.
    Done,
    /// It was meant to be refused, and was.
    Rejected,
}

/// One step.
#[derive(Debug, Serialize)]
pub(crate) struct StepReport {
    pub(crate) name: &'static str,
    pub(crate) title: String,
    pub(crate) outcome: Outcome,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) notes: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) transactions: Vec<ChainTx>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) supertransaction: Option<SupertxReport>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) permissions: Vec<PermissionReport>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) accounts: Vec<AccountState>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) reads: Vec<ChainRead>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) rejection: Option<Rejection>,
    pub(crate) elapsed_ms: u128,
}

impl StepReport {
    pub(crate) fn new(name: &'static str, title: impl Into<String>) -> Self {
        Self {
            name,
            title: title.into(),
            outcome: Outcome::Done,
            notes: Vec::new(),
            transactions: Vec::new(),
            supertransaction: None,
            permissions: Vec::new(),
            accounts: Vec::new(),
            reads: Vec::new(),
            rejection: None,
            elapsed_ms: 0,
        }
    }
}

/// A plain transaction (not through the node), read back from its receipt.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ChainTx {
    pub(crate) chain_id: u64,
    pub(crate) what: String,
    pub(crate) hash: B256,
    pub(crate) success: bool,
    pub(crate) gas_used: u64,
    #[serde(serialize_with = "decimal")]
    pub(crate) gas_cost_wei: U256,
}

/// A supertransaction: the node's view per userOp, each transaction's receipt read from its
/// chain, and the fee moved to the node's fee receiver as the token's `Transfer` logs show.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SupertxReport {
    pub(crate) hash: B256,
    pub(crate) status: String,
    pub(crate) message: String,
    pub(crate) fee_token: Address,
    pub(crate) fee_chain: u64,
    pub(crate) sponsored: bool,
    #[serde(serialize_with = "decimal_opt")]
    pub(crate) fee_quoted: Option<U256>,
    /// Read from the payment transaction's logs (0 when it never ran).
    #[serde(serialize_with = "decimal")]
    pub(crate) fee_paid: U256,
    pub(crate) user_ops: Vec<UserOpLine>,
}

/// One userOp of a [`SupertxReport`].
#[derive(Debug, Clone, Serialize)]
pub(crate) struct UserOpLine {
    pub(crate) index: usize,
    pub(crate) role: &'static str,
    pub(crate) chain_id: u64,
    pub(crate) status: String,
    pub(crate) transaction: Option<B256>,
    /// The bundle transaction's gas (the bundle may carry several userOps of this
    /// supertransaction).
    pub(crate) gas_used: Option<u64>,
    #[serde(serialize_with = "decimal_opt")]
    pub(crate) gas_cost_wei: Option<U256>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) error: Option<String>,
}

/// A permission and where it is enabled.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct PermissionReport {
    pub(crate) label: &'static str,
    pub(crate) permission_id: PermissionId,
    pub(crate) chain_id: u64,
    pub(crate) actions: usize,
    /// `isPermissionEnabled` read from the chain after the step.
    pub(crate) enabled: bool,
}

/// The account on one chain, read after a step.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct AccountState {
    pub(crate) chain_id: u64,
    pub(crate) address: Address,
    pub(crate) deployed: bool,
    pub(crate) smart_sessions_installed: bool,
}

/// A value read from a chain after a step.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ChainRead {
    pub(crate) chain_id: u64,
    pub(crate) what: String,
    pub(crate) of: Address,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) spender: Option<Address>,
    #[serde(serialize_with = "decimal")]
    pub(crate) value: U256,
}

/// Why an attempt was refused.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Rejection {
    /// What was expected: the Smart Sessions error (and policy) the contracts must give.
    pub(crate) expected: String,
    /// The Smart Sessions error found in the reason (`PolicyViolation`, `NoPoliciesSet`, …).
    pub(crate) error: Option<String>,
    /// The policy that refused, for a `PolicyViolation`.
    pub(crate) policy: Option<Address>,
    pub(crate) policy_name: Option<String>,
    /// The chain whose userOp was refused.
    pub(crate) chain_id: Option<u64>,
    /// The raw reason the node recorded (revert data from the EntryPoint's validation).
    pub(crate) reason: String,
    /// The reason decoded.
    pub(crate) decoded: Vec<String>,
}

/// Prints a step as text on stderr (progress) unless quiet.
pub(crate) fn print_step(quiet: bool, number: usize, total: usize, step: &StepReport) {
    if quiet {
        return;
    }
    let tag = match step.outcome {
        Outcome::Done => "ok",
        Outcome::Rejected => "refused, as expected",
    };
    eprintln!(
        "[{number}/{total}] {} — {tag} ({:.1} s)",
        step.title,
        step.elapsed_ms as f64 / 1000.0
    );
    for note in &step.notes {
        eprintln!("      note: {note}");
    }
    for tx in &step.transactions {
        eprintln!(
            "      chain {:<6} tx {}  {}  gas {}{}",
            tx.chain_id,
            tx.hash,
            tx.what,
            tx.gas_used,
            if tx.success { "" } else { "  (reverted)" }
        );
    }
    if let Some(stx) = &step.supertransaction {
        eprintln!("      supertransaction {}  {}", stx.hash, stx.status);
        let fee = if stx.sponsored {
            "sponsored".to_owned()
        } else {
            format!(
                "fee {} USDC on chain {} (quoted {})",
                usdc(stx.fee_paid),
                stx.fee_chain,
                stx.fee_quoted.map(usdc).unwrap_or_else(|| "-".into())
            )
        };
        eprintln!("      {fee}");
        for op in &stx.user_ops {
            eprintln!(
                "      op {} {:<11} chain {:<6} {:<13} tx {}  gas {}",
                op.index,
                op.role,
                op.chain_id,
                op.status,
                op.transaction
                    .map(|tx| tx.to_string())
                    .unwrap_or_else(|| "-".into()),
                op.gas_used
                    .map(|gas| gas.to_string())
                    .unwrap_or_else(|| "-".into()),
            );
        }
    }
    for permission in &step.permissions {
        eprintln!(
            "      permission {} ({}) chain {:<6} {} action(s)  enabled: {}",
            permission.permission_id,
            permission.label,
            permission.chain_id,
            permission.actions,
            permission.enabled
        );
    }
    for state in &step.accounts {
        eprintln!(
            "      chain {:<6} account {}  deployed: {}  Smart Sessions installed: {}",
            state.chain_id, state.address, state.deployed, state.smart_sessions_installed
        );
    }
    for read in &step.reads {
        let value = if read.what.contains("USDC") {
            format!("{} USDC", usdc(read.value))
        } else {
            read.value.to_string()
        };
        match read.spender {
            Some(spender) => eprintln!(
                "      chain {:<6} {} of {} for {}: {value}",
                read.chain_id, read.what, read.of, spender
            ),
            None => eprintln!(
                "      chain {:<6} {} of {}: {value}",
                read.chain_id, read.what, read.of
            ),
        }
    }
    if let Some(rejection) = &step.rejection {
        eprintln!(
            "      expected {}; refused on chain {} with {}{}",
            rejection.expected,
            rejection
                .chain_id
                .map(|id| id.to_string())
                .unwrap_or_else(|| "-".into()),
            rejection.error.as_deref().unwrap_or("an unknown error"),
            rejection
                .policy_name
                .as_deref()
                .map(|name| format!(" from the {name} policy"))
                .unwrap_or_default()
        );
        for line in &rejection.decoded {
            eprintln!("        -> {line}");
        }
    }
}

/// USDC base units as whole tokens.
pub(crate) fn usdc(amount: U256) -> String {
    Units {
        amount,
        decimals: 6,
    }
    .to_string()
}
