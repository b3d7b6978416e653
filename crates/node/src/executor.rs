//! The executor: one task per chain that bundles the stored userOps into `handleOps`
//! transactions and tracks them to a final status.
//!
//! Order: the payment userOp goes alone and first; a supertransaction's other userOps wait until
//! it is mined successfully; cleanup userOps wait until every other userOp is final. A userOp is
//! submitted only within its window (`lowerBound ≤ now ≤ upperBound`) and after a simulated
//! `handleOps` passed, so a failing bundle never spends gas. Status flow: `PENDING → MINING →
//! MINED_SUCCESS | MINED_FAIL`, or `FAILED`.
//!
//! A bundle not mined within [`ExecutorArgs::fee_bump_after`] is sent again with the same
//! sender nonce and fees raised by at least 12.5 % (see [`GasFees::bumped`]), at most
//! [`ExecutorArgs::max_fee_bumps`] times; the explorer then shows the replacement's hash.
//! Whichever of the transactions is mined completes the userOps. A userOp that carries an
//! EIP-7702 authorization goes in a type-4 transaction carrying it, unless its sender is
//! already delegated as it asks.

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use alloy::primitives::{Address, B256};
use mee_primitives::{api::ExecutionStatus, userop::UserOperation};
use tokio::sync::watch;
use tracing::{debug, info, warn};

use crate::{
    chain::{BundleReceipt, BundleTx, ChainClient, GasFees, SentBundle, SimulationFailure},
    eip7702::{self, SignedAuthorization},
    error::{Error, Result},
    service::{bundle_gas, now_secs},
    store::{OpRecord, OpUpdate, Store},
};

/// What an executor task needs.
#[derive(Clone, Debug)]
pub struct ExecutorArgs {
    /// The chain it executes on.
    pub chain: Arc<dyn ChainClient>,
    /// Where the userOps are.
    pub store: Arc<dyn Store>,
    /// Who receives the EntryPoint's gas compensation.
    pub beneficiary: Address,
    /// Blocks before a final status is reported confirmed (1 = the inclusion block).
    pub confirmations: u64,
    /// How often to look for work.
    pub poll_interval: Duration,
    /// How long to wait for a bundle's receipt before leaving it to later rounds.
    pub receipt_timeout: Duration,
    /// How long a sent bundle may stay unmined before it is replaced with higher fees.
    pub fee_bump_after: Duration,
    /// How many times one bundle may be replaced.
    pub max_fee_bumps: u32,
}

/// Runs the executor until `shutdown` turns `true`.
pub async fn run(args: ExecutorArgs, mut shutdown: watch::Receiver<bool>) {
    let chain_id = args.chain.chain_id();
    info!(chain_id, "executor started");
    let executor = Executor { args };
    loop {
        if *shutdown.borrow() {
            break;
        }
        if let Err(err) = executor.round().await {
            warn!(chain_id, %err, "executor round failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(executor.args.poll_interval) => {}
            _ = shutdown.changed() => {}
        }
    }
    info!(chain_id, "executor stopped");
}

struct Executor {
    args: ExecutorArgs,
}

fn failed(error: impl Into<String>) -> OpUpdate {
    OpUpdate {
        status: ExecutionStatus::Failed,
        tx_hash: None,
        error: Some(error.into()),
        block_number: None,
        confirmed: true,
    }
}

const fn back_to_pending() -> OpUpdate {
    OpUpdate {
        status: ExecutionStatus::Pending,
        tx_hash: None,
        error: None,
        block_number: None,
        confirmed: false,
    }
}

impl Executor {
    fn chain_id(&self) -> u64 {
        self.args.chain.chain_id()
    }

    /// One pass over the chain's active userOps.
    async fn round(&self) -> Result<()> {
        let ops = self.args.store.active_ops(self.chain_id()).await?;
        if ops.is_empty() {
            return Ok(());
        }
        let mut pending: BTreeMap<B256, Vec<OpRecord>> = BTreeMap::new();
        for op in ops {
            match op.status {
                ExecutionStatus::Mining => self.resume(&op).await?,
                ExecutionStatus::Pending => pending.entry(op.stx_hash).or_default().push(op),
                _ => self.confirm(&op).await?,
            }
        }
        for (stx_hash, ops) in pending {
            self.advance(stx_hash, ops).await?;
        }
        Ok(())
    }

    /// A userOp left in `MINING` (by an earlier round or an earlier run): look for its
    /// transaction or its event, or release it.
    async fn resume(&self, op: &OpRecord) -> Result<()> {
        if let Some(tx_hash) = op.tx_hash
            && let Some(receipt) = self.args.chain.bundle_receipt(tx_hash).await?
        {
            return self.finish(std::slice::from_ref(op), &receipt).await;
        }
        if let Some((receipt, _)) = self.args.chain.find_user_op(op.user_op_hash, 0).await? {
            return self.finish(std::slice::from_ref(op), &receipt).await;
        }
        if op.tx_hash.is_none() {
            // Claimed but never sent: the EntryPoint nonce still guards against a double
            // execution, so it is safe to try again.
            debug!(stx = %op.stx_hash, index = op.index, "releasing an unsent claim");
            self.args
                .store
                .update(op.stx_hash, op.index, &back_to_pending())
                .await?;
        }
        Ok(())
    }

    /// Marks a mined userOp confirmed once deep enough.
    async fn confirm(&self, op: &OpRecord) -> Result<()> {
        let Some(block) = op.block_number else {
            return Ok(());
        };
        let head = self.args.chain.block_number().await?;
        if head + 1 >= block + self.args.confirmations {
            let update = OpUpdate {
                status: op.status,
                tx_hash: op.tx_hash,
                error: op.error.clone(),
                block_number: op.block_number,
                confirmed: true,
            };
            self.args
                .store
                .update(op.stx_hash, op.index, &update)
                .await?;
        }
        Ok(())
    }

    /// Fails expired userOps and submits those whose turn it is.
    async fn advance(&self, stx_hash: B256, pending: Vec<OpRecord>) -> Result<()> {
        let store = &self.args.store;
        let now = now_secs();
        let all = store.ops(stx_hash).await?;
        let payment = all.first().map(|op| op.status);
        let others_final = |index: u32| {
            all.iter()
                .filter(|o| o.index != index && !o.is_cleanup)
                .all(|o| o.status.is_final())
        };
        let mut ready = Vec::new();
        for op in pending {
            if now > op.upper_bound {
                let message = format!("execution window ended at {}", op.upper_bound);
                store.update(stx_hash, op.index, &failed(message)).await?;
                continue;
            }
            if op.index != 0 {
                match payment {
                    Some(ExecutionStatus::MinedSuccess) => {}
                    Some(ExecutionStatus::MinedFail | ExecutionStatus::Failed) => {
                        store
                            .update(stx_hash, op.index, &failed("the fee payment failed"))
                            .await?;
                        continue;
                    }
                    _ => continue,
                }
            }
            if op.is_cleanup && !others_final(op.index) {
                continue;
            }
            if now < op.lower_bound {
                continue;
            }
            ready.push(op);
        }
        // The payment userOp goes alone.
        if ready.iter().any(|op| op.index == 0) {
            ready.retain(|op| op.index == 0);
        }
        if ready.is_empty() {
            return Ok(());
        }
        let indices: Vec<u32> = ready.iter().map(|op| op.index).collect();
        let claimed = store.claim(stx_hash, &indices).await?;
        ready.retain(|op| claimed.contains(&op.index));
        if ready.is_empty() {
            return Ok(());
        }
        self.submit(stx_hash, &ready).await
    }

    /// The EIP-7702 authorizations `ops` carry in their quote, except those already in effect.
    async fn authorizations(
        &self,
        stx_hash: B256,
        ops: &[OpRecord],
        user_ops: &[UserOperation],
    ) -> Result<Vec<SignedAuthorization>> {
        let Some(stored) = self.args.store.quote(stx_hash).await? else {
            return Ok(Vec::new());
        };
        let mut authorizations = Vec::new();
        for (op, user_op) in ops.iter().zip(user_ops) {
            let Some(value) = stored
                .quote
                .user_ops
                .get(op.index as usize)
                .and_then(|quoted| quoted.eip7702_auth.as_ref())
            else {
                continue;
            };
            let auth = eip7702::parse(
                value,
                user_op.sender,
                self.chain_id(),
                &format!("userOps[{}].eip7702Auth", op.index),
            )
            .map_err(|e| Error::Corrupt(e.to_string()))?;
            let code = self.args.chain.code(user_op.sender).await?;
            if code != eip7702::delegation_code(auth.address) {
                authorizations.push(auth);
            }
        }
        Ok(authorizations)
    }

    /// Simulates, sends and tracks one bundle.
    async fn submit(&self, stx_hash: B256, ops: &[OpRecord]) -> Result<()> {
        let store = &self.args.store;
        let chain = &self.args.chain;
        let release = || async {
            for op in ops {
                store.update(stx_hash, op.index, &back_to_pending()).await?;
            }
            Ok::<_, Error>(())
        };
        let user_ops = ops
            .iter()
            .map(|op| {
                UserOperation::try_from(&op.user_op).map_err(|e| Error::Corrupt(e.to_string()))
            })
            .collect::<Result<Vec<_>>>()?;
        let authorizations = match self.authorizations(stx_hash, ops, &user_ops).await {
            Ok(authorizations) => authorizations,
            Err(err) => {
                release().await?;
                return Err(err);
            }
        };
        let bundle = BundleTx {
            ops: user_ops.iter().map(UserOperation::pack).collect(),
            beneficiary: self.args.beneficiary,
            gas: bundle_gas(&user_ops),
            authorizations,
            nonce: None,
            fees: None,
        };

        let simulation = match chain.simulate_handle_ops(&bundle).await {
            Ok(simulation) => simulation,
            Err(err) => {
                release().await?;
                return Err(err);
            }
        };
        match simulation {
            None => {}
            Some(SimulationFailure::FailedOp { index, reason })
                if reason.starts_with("AA22")
                    && ops
                        .get(index)
                        .is_some_and(|op| now_secs() <= op.upper_bound) =>
            {
                // The window is open by the node's clock but not by the chain's (its next block's
                // timestamp lags behind): try again on a later tick; `advance` fails the userOp
                // once its upper bound has passed.
                debug!(%stx_hash, index, %reason, "userOp not yet due on chain");
                release().await?;
                return Ok(());
            }
            Some(SimulationFailure::FailedOp { index, reason }) => {
                warn!(%stx_hash, index, %reason, "simulation refused a userOp");
                for (i, op) in ops.iter().enumerate() {
                    let update = if i == index {
                        failed(reason.clone())
                    } else {
                        back_to_pending()
                    };
                    store.update(stx_hash, op.index, &update).await?;
                }
                return Ok(());
            }
            Some(SimulationFailure::Reverted(reason)) => {
                warn!(%stx_hash, %reason, "simulated bundle reverted");
                for op in ops {
                    store
                        .update(
                            stx_hash,
                            op.index,
                            &failed(format!("bundle reverted: {reason}")),
                        )
                        .await?;
                }
                return Ok(());
            }
        }

        let sent = chain.send_bundle(&bundle).await;
        crate::metrics::global().bundle_sent(self.chain_id(), sent.is_ok());
        let sent = match sent {
            Ok(sent) => sent,
            Err(err) => {
                release().await?;
                return Err(err);
            }
        };
        info!(
            %stx_hash,
            tx_hash = %sent.tx_hash,
            chain_id = self.chain_id(),
            ops = ops.len(),
            authorizations = bundle.authorizations.len(),
            "bundle sent"
        );
        self.mark_mining(stx_hash, ops, sent.tx_hash).await?;
        self.track(stx_hash, ops, &bundle, sent).await
    }

    async fn mark_mining(&self, stx_hash: B256, ops: &[OpRecord], tx_hash: B256) -> Result<()> {
        for op in ops {
            let update = OpUpdate {
                status: ExecutionStatus::Mining,
                tx_hash: Some(tx_hash),
                error: None,
                block_number: None,
                confirmed: false,
            };
            self.args.store.update(stx_hash, op.index, &update).await?;
        }
        Ok(())
    }

    /// Waits for `sent` (or a replacement) to be mined, replacing it with higher fees while it
    /// is not.
    async fn track(
        &self,
        stx_hash: B256,
        ops: &[OpRecord],
        bundle: &BundleTx,
        sent: SentBundle,
    ) -> Result<()> {
        let chain = &self.args.chain;
        let deadline = tokio::time::Instant::now() + self.args.receipt_timeout;
        let mut sent_txs = vec![sent];
        let mut last_sent_at = tokio::time::Instant::now();
        loop {
            for tx in sent_txs.iter().rev() {
                if let Some(receipt) = chain.bundle_receipt(tx.tx_hash).await? {
                    return self.finish(ops, &receipt).await;
                }
            }
            if tokio::time::Instant::now() > deadline {
                // Later rounds pick it up through `resume`.
                return Ok(());
            }
            let bumps = sent_txs.len() - 1;
            if bumps < self.args.max_fee_bumps as usize
                && last_sent_at.elapsed() >= self.args.fee_bump_after
            {
                let last = *sent_txs.last().expect("one was sent");
                let current = chain.gas_fees().await.unwrap_or(GasFees {
                    max_fee_per_gas: 0,
                    max_priority_fee_per_gas: 0,
                });
                let replacement = BundleTx {
                    nonce: Some(last.nonce),
                    fees: Some(last.fees.bumped(current)),
                    ..bundle.clone()
                };
                match chain.send_bundle(&replacement).await {
                    Ok(new) => {
                        info!(
                            %stx_hash,
                            replaced = %last.tx_hash,
                            tx_hash = %new.tx_hash,
                            nonce = new.nonce,
                            max_fee_per_gas = new.fees.max_fee_per_gas,
                            "bundle not mined in time; sent again with higher fees"
                        );
                        self.mark_mining(stx_hash, ops, new.tx_hash).await?;
                        sent_txs.push(new);
                    }
                    // Typically: one of the sent transactions was mined meanwhile.
                    Err(err) => warn!(%stx_hash, %err, "fee bump not sent"),
                }
                last_sent_at = tokio::time::Instant::now();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Records the outcome of a mined bundle for `ops`.
    async fn finish(&self, ops: &[OpRecord], receipt: &BundleReceipt) -> Result<()> {
        let head = self.args.chain.block_number().await?;
        let confirmed = head + 1 >= receipt.block_number + self.args.confirmations;
        for op in ops {
            let outcome = receipt
                .outcomes
                .iter()
                .find(|o| o.user_op_hash == op.user_op_hash);
            let update = match outcome {
                Some(outcome) => OpUpdate {
                    status: if outcome.success {
                        ExecutionStatus::MinedSuccess
                    } else {
                        ExecutionStatus::MinedFail
                    },
                    tx_hash: Some(receipt.tx_hash),
                    error: outcome.revert_reason.clone(),
                    block_number: Some(receipt.block_number),
                    confirmed,
                },
                None => {
                    let reason = if receipt.success {
                        "the bundle did not execute this userOp"
                    } else {
                        "the bundle transaction reverted"
                    };
                    OpUpdate {
                        tx_hash: Some(receipt.tx_hash),
                        ..failed(reason)
                    }
                }
            };
            self.args
                .store
                .update(op.stx_hash, op.index, &update)
                .await?;
        }
        Ok(())
    }
}
