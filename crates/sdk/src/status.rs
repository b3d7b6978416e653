//! The status of a supertransaction from its explorer entry, by the SDK's rules.
//!
//! The node's `explorer/{hash}` lists the supertransaction's userOps, the payment op first.
//! The SDK judges the whole from the others, ignoring cleanups:
//!
//! 1. any `FAILED` → `FAILED` (message `"[i] <executionError | Transaction failed off-chain>"`,
//!    `i` the 1-based position among the judged ops);
//! 2. any `MINED_FAIL` (in [`ConfirmationMode::Confirmed`] only once `isConfirmed`) →
//!    `MINED_FAIL`;
//! 3. any `MINING` → `MINING`;
//! 4. any `PENDING` → `PENDING`;
//! 5. all `MINED_SUCCESS` (in [`ConfirmationMode::Confirmed`] all `isConfirmed`) →
//!    `MINED_SUCCESS`;
//! 6. otherwise `PENDING`.
//!
//! The supertransaction is final when every judged op is (`FAILED`, or mined — and confirmed
//! where confirmation counts), or when it failed.

use alloy::primitives::B256;
pub use mee_primitives::api::ExecutionStatus;
use mee_primitives::api::ExplorerUserOp;

use crate::error::{Error, Result};

/// Whether mined statuses count only once the node marks them confirmed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ConfirmationMode {
    /// The SDK's default: mined ops count once `isConfirmed`.
    #[default]
    Confirmed,
    /// The SDK's `fast-block` mode: mined ops count at once.
    FastBlock,
}

/// The status of one userOp, as the status rules read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserOpStatus {
    /// The execution status.
    pub execution_status: ExecutionStatus,
    /// Whether the node considers the status confirmed.
    pub is_confirmed: bool,
    /// Whether this is a cleanup userOp (ignored by the rules).
    pub is_clean_up: bool,
    /// The node's error message, if any.
    pub execution_error: Option<String>,
}

impl From<&ExplorerUserOp> for UserOpStatus {
    fn from(op: &ExplorerUserOp) -> Self {
        Self {
            execution_status: op.execution_status,
            is_confirmed: op.is_confirmed,
            is_clean_up: op.op.is_clean_up_user_op,
            execution_error: op.execution_error.clone(),
        }
    }
}

/// The whole supertransaction's status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SupertransactionStatus {
    /// The aggregate status.
    pub status: ExecutionStatus,
    /// Whether it will not change any more.
    pub is_finalised: bool,
    /// What the SDK reports with it.
    pub message: String,
}

impl SupertransactionStatus {
    /// Whether the supertransaction failed (off-chain or on-chain).
    pub fn is_failure(&self) -> bool {
        matches!(
            self.status,
            ExecutionStatus::Failed | ExecutionStatus::MinedFail
        )
    }

    /// Whether every judged userOp succeeded.
    pub fn is_success(&self) -> bool {
        self.status == ExecutionStatus::MinedSuccess
    }
}

/// The aggregate status of `ops` (all of the explorer's userOps, the payment op first, which is
/// dropped).
pub fn supertransaction_status(
    ops: &[UserOpStatus],
    mode: ConfirmationMode,
) -> SupertransactionStatus {
    let judged: Vec<&UserOpStatus> = ops.iter().skip(1).filter(|op| !op.is_clean_up).collect();
    let counts = |op: &UserOpStatus| mode == ConfirmationMode::FastBlock || op.is_confirmed;
    let first = |wanted: ExecutionStatus, confirmed: bool| {
        judged
            .iter()
            .position(|op| op.execution_status == wanted && (!confirmed || counts(op)))
    };
    let message = |index: usize, fallback: &str| {
        let error = judged[index]
            .execution_error
            .as_deref()
            .filter(|error| !error.is_empty())
            .unwrap_or(fallback);
        format!("[{}] {error}", index + 1)
    };
    let (status, message) = if let Some(index) = first(ExecutionStatus::Failed, false) {
        (
            ExecutionStatus::Failed,
            message(index, "Transaction failed off-chain"),
        )
    } else if let Some(index) = first(ExecutionStatus::MinedFail, true) {
        (
            ExecutionStatus::MinedFail,
            message(index, "Transaction failed on-chain"),
        )
    } else if let Some(index) = first(ExecutionStatus::Mining, false) {
        (
            ExecutionStatus::Mining,
            format!(
                "[{}] Transaction is mining, waiting for blockchain confirmation",
                index + 1
            ),
        )
    } else if let Some(index) = first(ExecutionStatus::Pending, false) {
        (
            ExecutionStatus::Pending,
            message(
                index,
                "Transaction is pending, waiting for conditions to be met",
            ),
        )
    } else if !judged.is_empty()
        && judged
            .iter()
            .all(|op| op.execution_status == ExecutionStatus::MinedSuccess && counts(op))
    {
        (
            ExecutionStatus::MinedSuccess,
            "[1] Transaction executed successfully".to_owned(),
        )
    } else {
        (ExecutionStatus::Pending, String::new())
    };
    let all_final = !judged.is_empty()
        && judged.iter().all(|op| match op.execution_status {
            ExecutionStatus::Failed => true,
            ExecutionStatus::MinedFail | ExecutionStatus::MinedSuccess => counts(op),
            _ => false,
        });
    let is_finalised =
        all_final || matches!(status, ExecutionStatus::Failed | ExecutionStatus::MinedFail);
    SupertransactionStatus {
        status,
        is_finalised,
        message,
    }
}

/// A userOp whose transaction receipt the SDK reads from the chain once the supertransaction
/// succeeded (`waitForReceipts`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReceiptTarget {
    /// The userOp.
    pub mee_user_op_hash: B256,
    /// Its chain.
    pub chain_id: u64,
    /// The transaction that carried it (`executionData`).
    pub transaction_hash: B256,
}

/// The userOps whose receipts the SDK fetches after a successful supertransaction, as
/// `getSupertransactionReceipt` picks them: every op after the payment op, except cleanups
/// that did not succeed. An op without a transaction hash is an error
/// ([`Error::MissingTransactionHash`]).
pub fn receipt_targets(ops: &[ExplorerUserOp]) -> Result<Vec<ReceiptTarget>> {
    ops.iter()
        .skip(1)
        .filter(|op| {
            !op.op.is_clean_up_user_op || op.execution_status == ExecutionStatus::MinedSuccess
        })
        .map(|op| {
            let transaction_hash = op.execution_data.ok_or(Error::MissingTransactionHash {
                mee_user_op_hash: op.op.mee_user_op_hash,
            })?;
            Ok(ReceiptTarget {
                mee_user_op_hash: op.op.mee_user_op_hash,
                chain_id: op.op.chain_id,
                transaction_hash,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ExecutionStatus::*;

    fn op(status: ExecutionStatus, confirmed: bool) -> UserOpStatus {
        UserOpStatus {
            execution_status: status,
            is_confirmed: confirmed,
            is_clean_up: false,
            execution_error: None,
        }
    }

    fn cleanup(status: ExecutionStatus) -> UserOpStatus {
        UserOpStatus {
            is_clean_up: true,
            ..op(status, true)
        }
    }

    fn status(ops: &[UserOpStatus]) -> SupertransactionStatus {
        supertransaction_status(ops, ConfirmationMode::Confirmed)
    }

    #[test]
    fn the_payment_op_is_dropped() {
        // A failed payment op does not fail the supertransaction.
        let result = status(&[op(Failed, true), op(MinedSuccess, true)]);
        assert_eq!(result.status, MinedSuccess);
        assert!(result.is_finalised && result.is_success());
        // Only the payment op: nothing to judge, still pending.
        let result = status(&[op(MinedSuccess, true)]);
        assert_eq!(result.status, Pending);
        assert!(!result.is_finalised);
    }

    #[test]
    fn priority_order() {
        let pay = op(MinedSuccess, true);
        let failed = UserOpStatus {
            execution_error: Some("simulation reverted".into()),
            ..op(Failed, false)
        };
        let result = status(&[pay.clone(), op(MinedFail, true), op(Mining, false), failed]);
        assert_eq!(result.status, Failed);
        assert_eq!(result.message, "[3] simulation reverted");
        assert!(result.is_finalised && result.is_failure());

        let result = status(&[pay.clone(), op(Pending, false), op(MinedFail, true)]);
        assert_eq!(result.status, MinedFail);
        assert_eq!(result.message, "[2] Transaction failed on-chain");
        assert!(result.is_finalised);

        let result = status(&[pay.clone(), op(Pending, false), op(Mining, false)]);
        assert_eq!(result.status, Mining);
        assert_eq!(
            result.message,
            "[2] Transaction is mining, waiting for blockchain confirmation"
        );
        assert!(!result.is_finalised);

        let result = status(&[pay, op(MinedSuccess, true), op(Pending, false)]);
        assert_eq!(result.status, Pending);
        assert!(!result.is_finalised);
    }

    #[test]
    fn confirmation_counts_in_the_default_mode_only() {
        let ops = [op(MinedSuccess, true), op(MinedSuccess, false)];
        let result = status(&ops);
        assert_eq!(result.status, Pending);
        assert!(!result.is_finalised);
        let fast = supertransaction_status(&ops, ConfirmationMode::FastBlock);
        assert_eq!(fast.status, MinedSuccess);
        assert!(fast.is_finalised);

        let unconfirmed_fail = [op(MinedSuccess, true), op(MinedFail, false)];
        assert_eq!(status(&unconfirmed_fail).status, Pending);
        assert!(!status(&unconfirmed_fail).is_finalised);
        assert_eq!(
            supertransaction_status(&unconfirmed_fail, ConfirmationMode::FastBlock).status,
            MinedFail
        );
    }

    #[test]
    fn cleanups_are_ignored() {
        let result = status(&[
            op(MinedSuccess, true),
            op(MinedSuccess, true),
            cleanup(MinedFail),
            cleanup(Pending),
        ]);
        assert_eq!(result.status, MinedSuccess);
        assert!(result.is_finalised);
    }

    fn explorer_op(
        chain_id: u64,
        status: &str,
        tx: Option<u8>,
        clean_up: bool,
        id: u8,
    ) -> ExplorerUserOp {
        let mut op = serde_json::json!({
            "userOp": {
                "sender": format!("0x{}", "11".repeat(20)), "nonce": "0", "initCode": "0x",
                "callData": "0x", "callGasLimit": "1", "verificationGasLimit": "1",
                "maxFeePerGas": "1", "maxPriorityFeePerGas": "1", "paymasterAndData": "0x",
                "preVerificationGas": "1"
            },
            "userOpHash": B256::repeat_byte(id),
            "meeUserOpHash": B256::repeat_byte(id),
            "lowerBoundTimestamp": "0", "upperBoundTimestamp": "1",
            "maxGasLimit": "1", "maxFeePerGas": "1",
            "chainId": chain_id.to_string(),
            "isCleanUpUserOp": clean_up,
            "executionStatus": status,
            "isConfirmed": true
        });
        if let Some(byte) = tx {
            op["executionData"] = serde_json::to_value(B256::repeat_byte(byte)).unwrap();
        }
        serde_json::from_value(op).unwrap()
    }

    #[test]
    fn receipts_are_read_for_every_op_but_the_payment_and_failed_cleanups() {
        let ops = [
            explorer_op(8453, "MINED_SUCCESS", Some(0xa0), false, 1),
            explorer_op(8453, "MINED_SUCCESS", Some(0xa1), false, 2),
            explorer_op(10, "MINED_SUCCESS", Some(0xa2), false, 3),
            explorer_op(10, "MINED_SUCCESS", Some(0xa3), true, 4),
            explorer_op(10, "FAILED", None, true, 5),
        ];
        let targets = receipt_targets(&ops).unwrap();
        assert_eq!(
            targets,
            [
                ReceiptTarget {
                    mee_user_op_hash: B256::repeat_byte(2),
                    chain_id: 8453,
                    transaction_hash: B256::repeat_byte(0xa1),
                },
                ReceiptTarget {
                    mee_user_op_hash: B256::repeat_byte(3),
                    chain_id: 10,
                    transaction_hash: B256::repeat_byte(0xa2),
                },
                ReceiptTarget {
                    mee_user_op_hash: B256::repeat_byte(4),
                    chain_id: 10,
                    transaction_hash: B256::repeat_byte(0xa3),
                },
            ]
        );
        // A mined op without its transaction hash cannot be checked.
        let missing = [
            explorer_op(8453, "MINED_SUCCESS", Some(0xa0), false, 1),
            explorer_op(8453, "MINED_SUCCESS", None, false, 2),
        ];
        assert!(matches!(
            receipt_targets(&missing),
            Err(Error::MissingTransactionHash { mee_user_op_hash }) if mee_user_op_hash == B256::repeat_byte(2)
        ));
    }
}
