//! Talking to a chain: the [`ChainClient`] seam and its JSON-RPC implementation over alloy.

use alloy::{
    network::{EthereumWallet, TransactionBuilder},
    primitives::{Address, B256, Bytes},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::{Filter, TransactionRequest},
    signers::local::PrivateKeySigner,
    sol_types::{SolCall, SolEvent, SolInterface},
};
use async_trait::async_trait;
use mee_contracts::entry_point::{self, EntryPoint};
use mee_primitives::{addresses::ENTRY_POINT_V07, userop::PackedUserOperation};
use url::Url;

use crate::error::{Error, Result};

/// EIP-1559 fees for the userOps of a quote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GasFees {
    /// `maxFeePerGas`.
    pub max_fee_per_gas: u128,
    /// `maxPriorityFeePerGas`.
    pub max_priority_fee_per_gas: u128,
}

/// Why a simulated `handleOps` would revert.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SimulationFailure {
    /// The EntryPoint refused one userOp (`FailedOp` / `FailedOpWithRevert`).
    FailedOp {
        /// The index of the userOp in the bundle.
        index: usize,
        /// The EntryPoint's reason, e.g. `AA23 reverted`.
        reason: String,
    },
    /// Any other revert.
    Reverted(String),
}

/// What happened to one userOp of a mined bundle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserOpOutcome {
    /// The userOp hash.
    pub user_op_hash: B256,
    /// Whether its execution succeeded.
    pub success: bool,
    /// The decoded revert reason when it did not.
    pub revert_reason: Option<String>,
}

/// A mined `handleOps` transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BundleReceipt {
    /// The transaction hash.
    pub tx_hash: B256,
    /// The block it was mined in.
    pub block_number: u64,
    /// Whether the transaction itself succeeded.
    pub success: bool,
    /// The userOps it executed.
    pub outcomes: Vec<UserOpOutcome>,
}

/// A signed transaction as it was sent, for Fusion on-chain triggers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedTransaction {
    /// Its sender.
    pub from: Address,
    /// Its calldata.
    pub input: Bytes,
    /// The signed transaction, EIP-2718 encoded (RLP list for legacy, `type ‖ rlp` otherwise).
    pub encoded: Bytes,
    /// The block it was mined in, once mined.
    pub block_number: Option<u64>,
    /// Whether it succeeded, once mined.
    pub success: Option<bool>,
}

/// One chain, as the node uses it.
#[async_trait]
pub trait ChainClient: Send + Sync + std::fmt::Debug {
    /// The chain id.
    fn chain_id(&self) -> u64;
    /// The address that submits bundles.
    fn node_address(&self) -> Address;
    /// Fees for new userOps.
    async fn gas_fees(&self) -> Result<GasFees>;
    /// The size of the code at `address`.
    async fn code_size(&self, address: Address) -> Result<usize>;
    /// `eth_call` from the node's address: `Ok(Ok(output))`, or `Ok(Err(revert data))`.
    async fn call(&self, to: Address, data: Bytes) -> Result<Result<Bytes, Bytes>>;
    /// Simulates `handleOps(ops, beneficiary)` from the node's address.
    async fn simulate_handle_ops(
        &self,
        ops: &[PackedUserOperation],
        beneficiary: Address,
        gas: u64,
    ) -> Result<Option<SimulationFailure>>;
    /// Sends `handleOps(ops, beneficiary)` from the node's key; returns the transaction hash.
    async fn submit_handle_ops(
        &self,
        ops: &[PackedUserOperation],
        beneficiary: Address,
        gas: u64,
    ) -> Result<B256>;
    /// The receipt of a bundle, once mined.
    async fn bundle_receipt(&self, tx_hash: B256) -> Result<Option<BundleReceipt>>;
    /// The latest block number.
    async fn block_number(&self) -> Result<u64>;
    /// Finds the `UserOperationEvent` of a userOp mined at or after `from_block`.
    async fn find_user_op(
        &self,
        user_op_hash: B256,
        from_block: u64,
    ) -> Result<Option<(BundleReceipt, UserOpOutcome)>>;
    /// A transaction by hash with its inclusion (Fusion on-chain triggers); `None` when the
    /// chain does not know it.
    async fn signed_transaction(&self, tx_hash: B256) -> Result<Option<SignedTransaction>> {
        let _ = tx_hash;
        Err(Error::Unsupported(
            "reading trigger transactions on this chain client".into(),
        ))
    }
}

/// A [`ChainClient`] over JSON-RPC.
#[derive(Clone, Debug)]
pub struct RpcChainClient {
    chain_id: u64,
    node: Address,
    provider: DynProvider,
}

impl RpcChainClient {
    /// A client of the chain at `rpc_url`, sending with `signer`. Checks the chain id.
    pub async fn connect(chain_id: u64, rpc_url: &Url, signer: PrivateKeySigner) -> Result<Self> {
        let node = signer.address();
        let provider = ProviderBuilder::new()
            .wallet(EthereumWallet::from(signer))
            .connect_http(rpc_url.clone())
            .erased();
        let actual = provider
            .get_chain_id()
            .await
            .map_err(|err| Error::rpc(chain_id, err))?;
        if actual != chain_id {
            return Err(Error::Config(format!(
                "{rpc_url} serves chain {actual}, configured as {chain_id}"
            )));
        }
        Ok(Self {
            chain_id,
            node,
            provider,
        })
    }

    fn err(&self, err: impl std::fmt::Display) -> Error {
        Error::rpc(self.chain_id, err)
    }

    fn handle_ops_tx(
        &self,
        ops: &[PackedUserOperation],
        beneficiary: Address,
        gas: u64,
    ) -> TransactionRequest {
        let ops = ops.iter().map(to_contract_op).collect();
        let data = EntryPoint::handleOpsCall { ops, beneficiary }.abi_encode();
        TransactionRequest::default()
            .with_from(self.node)
            .with_to(ENTRY_POINT_V07)
            .with_input(data)
            .with_gas_limit(gas)
    }
}

fn to_contract_op(op: &PackedUserOperation) -> entry_point::PackedUserOperation {
    entry_point::PackedUserOperation {
        sender: op.sender,
        nonce: op.nonce,
        initCode: op.initCode.clone(),
        callData: op.callData.clone(),
        accountGasLimits: op.accountGasLimits,
        preVerificationGas: op.preVerificationGas,
        gasFees: op.gasFees,
        paymasterAndData: op.paymasterAndData.clone(),
        signature: op.signature.clone(),
    }
}

/// A revert reason as text: `Error(string)` decoded, anything else as hex.
pub fn decode_revert_reason(data: &[u8]) -> String {
    use alloy::sol_types::{Revert, SolError};
    if data.is_empty() {
        return "reverted without a reason".to_owned();
    }
    match Revert::abi_decode(data) {
        Ok(revert) => revert.reason,
        Err(_) => format!("reverted with 0x{}", alloy::hex::encode(data)),
    }
}

fn simulation_failure(data: &[u8]) -> SimulationFailure {
    match EntryPoint::EntryPointErrors::abi_decode(data) {
        Ok(EntryPoint::EntryPointErrors::FailedOp(e)) => SimulationFailure::FailedOp {
            index: e.opIndex.saturating_to(),
            reason: e.reason,
        },
        Ok(EntryPoint::EntryPointErrors::FailedOpWithRevert(e)) => SimulationFailure::FailedOp {
            index: e.opIndex.saturating_to(),
            reason: format!("{}: {}", e.reason, decode_revert_reason(&e.inner)),
        },
        Err(_) => SimulationFailure::Reverted(decode_revert_reason(data)),
    }
}

fn outcomes(logs: &[alloy::rpc::types::Log]) -> Vec<UserOpOutcome> {
    let mut reasons = std::collections::HashMap::new();
    let mut outcomes = Vec::new();
    for log in logs.iter().filter(|l| l.address() == ENTRY_POINT_V07) {
        if let Ok(event) = log.log_decode::<EntryPoint::UserOperationRevertReason>() {
            let event = event.inner.data;
            reasons.insert(event.userOpHash, decode_revert_reason(&event.revertReason));
        } else if let Ok(event) = log.log_decode::<EntryPoint::UserOperationEvent>() {
            let event = event.inner.data;
            outcomes.push(UserOpOutcome {
                user_op_hash: event.userOpHash,
                success: event.success,
                revert_reason: None,
            });
        }
    }
    for outcome in &mut outcomes {
        if !outcome.success {
            outcome.revert_reason = Some(
                reasons
                    .remove(&outcome.user_op_hash)
                    .unwrap_or_else(|| "execution reverted".to_owned()),
            );
        }
    }
    outcomes
}

#[async_trait]
impl ChainClient for RpcChainClient {
    fn chain_id(&self) -> u64 {
        self.chain_id
    }

    async fn signed_transaction(&self, tx_hash: B256) -> Result<Option<SignedTransaction>> {
        use alloy::{consensus::Transaction as _, eips::Encodable2718};
        let Some(tx) = self
            .provider
            .get_transaction_by_hash(tx_hash)
            .await
            .map_err(|e| self.err(e))?
        else {
            return Ok(None);
        };
        let receipt = self
            .provider
            .get_transaction_receipt(tx_hash)
            .await
            .map_err(|e| self.err(e))?;
        let envelope = tx.inner.inner();
        Ok(Some(SignedTransaction {
            from: tx.inner.signer(),
            input: envelope.input().clone(),
            encoded: envelope.encoded_2718().into(),
            block_number: receipt.as_ref().and_then(|r| r.block_number),
            success: receipt.map(|r| r.status()),
        }))
    }

    fn node_address(&self) -> Address {
        self.node
    }

    async fn gas_fees(&self) -> Result<GasFees> {
        let estimate = self
            .provider
            .estimate_eip1559_fees()
            .await
            .map_err(|e| self.err(e))?;
        let priority = estimate.max_priority_fee_per_gas.max(1);
        Ok(GasFees {
            max_fee_per_gas: estimate.max_fee_per_gas.max(priority),
            max_priority_fee_per_gas: priority,
        })
    }

    async fn code_size(&self, address: Address) -> Result<usize> {
        let code = self
            .provider
            .get_code_at(address)
            .await
            .map_err(|e| self.err(e))?;
        Ok(code.len())
    }

    async fn call(&self, to: Address, data: Bytes) -> Result<Result<Bytes, Bytes>> {
        let tx = TransactionRequest::default()
            .with_from(self.node)
            .with_to(to)
            .with_input(data);
        match self.provider.call(tx).await {
            Ok(output) => Ok(Ok(output)),
            Err(err) => match err.as_error_resp().and_then(|e| e.as_revert_data()) {
                Some(data) => Ok(Err(data)),
                None if err
                    .as_error_resp()
                    .is_some_and(|e| e.message.contains("revert")) =>
                {
                    Ok(Err(Bytes::new()))
                }
                None => Err(self.err(err)),
            },
        }
    }

    async fn simulate_handle_ops(
        &self,
        ops: &[PackedUserOperation],
        beneficiary: Address,
        gas: u64,
    ) -> Result<Option<SimulationFailure>> {
        let tx = self.handle_ops_tx(ops, beneficiary, gas);
        // Simulate in the pending block: its timestamp is the one the bundle will see, while the
        // latest block's can lag behind the wall clock (a chain that mines only on demand), which
        // would refuse userOps whose window just opened.
        match self
            .provider
            .call(tx)
            .block(alloy::eips::BlockId::pending())
            .await
        {
            Ok(_) => Ok(None),
            Err(err) => match err.as_error_resp() {
                Some(resp) => match resp.as_revert_data() {
                    Some(data) => Ok(Some(simulation_failure(&data))),
                    None if resp.message.contains("revert") => {
                        Ok(Some(SimulationFailure::Reverted(resp.message.to_string())))
                    }
                    None => Err(self.err(err)),
                },
                None => Err(self.err(err)),
            },
        }
    }

    async fn submit_handle_ops(
        &self,
        ops: &[PackedUserOperation],
        beneficiary: Address,
        gas: u64,
    ) -> Result<B256> {
        let tx = self.handle_ops_tx(ops, beneficiary, gas);
        let pending = self
            .provider
            .send_transaction(tx)
            .await
            .map_err(|e| self.err(e))?;
        Ok(*pending.tx_hash())
    }

    async fn bundle_receipt(&self, tx_hash: B256) -> Result<Option<BundleReceipt>> {
        let Some(receipt) = self
            .provider
            .get_transaction_receipt(tx_hash)
            .await
            .map_err(|e| self.err(e))?
        else {
            return Ok(None);
        };
        Ok(Some(BundleReceipt {
            tx_hash,
            block_number: receipt.block_number.unwrap_or_default(),
            success: receipt.status(),
            outcomes: outcomes(receipt.inner.logs()),
        }))
    }

    async fn block_number(&self) -> Result<u64> {
        self.provider
            .get_block_number()
            .await
            .map_err(|e| self.err(e))
    }

    async fn find_user_op(
        &self,
        user_op_hash: B256,
        from_block: u64,
    ) -> Result<Option<(BundleReceipt, UserOpOutcome)>> {
        let filter = Filter::new()
            .address(ENTRY_POINT_V07)
            .event_signature(EntryPoint::UserOperationEvent::SIGNATURE_HASH)
            .topic1(user_op_hash)
            .from_block(from_block);
        let logs = self
            .provider
            .get_logs(&filter)
            .await
            .map_err(|e| self.err(e))?;
        let Some(tx_hash) = logs.first().and_then(|l| l.transaction_hash) else {
            return Ok(None);
        };
        let Some(receipt) = self.bundle_receipt(tx_hash).await? else {
            return Ok(None);
        };
        let outcome = receipt
            .outcomes
            .iter()
            .find(|o| o.user_op_hash == user_op_hash)
            .cloned();
        Ok(outcome.map(|o| (receipt, o)))
    }
}

#[cfg(test)]
mod tests {
    use alloy::{primitives::U256, sol_types::SolError};

    use super::*;

    #[test]
    fn decodes_failed_op_and_error_strings() {
        let failed = EntryPoint::FailedOp {
            opIndex: U256::from(1),
            reason: "AA24 signature error".into(),
        }
        .abi_encode();
        assert_eq!(
            simulation_failure(&failed),
            SimulationFailure::FailedOp {
                index: 1,
                reason: "AA24 signature error".into()
            }
        );
        let revert = alloy::sol_types::Revert::from("nope").abi_encode();
        assert_eq!(decode_revert_reason(&revert), "nope");
        assert_eq!(decode_revert_reason(&[1, 2]), "reverted with 0x0102");
        assert_eq!(
            simulation_failure(&[]),
            SimulationFailure::Reverted("reverted without a reason".into())
        );
    }
}
