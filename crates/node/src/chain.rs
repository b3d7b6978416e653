//! Talking to a chain: the [`ChainClient`] seam and its JSON-RPC implementation over alloy.

use alloy::{
    eips::eip7702::SignedAuthorization,
    network::{EthereumWallet, TransactionBuilder, TransactionBuilder7702},
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

/// A `handleOps` transaction to send ([`ChainClient::send_bundle`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BundleTx {
    /// The userOps.
    pub ops: Vec<PackedUserOperation>,
    /// Who receives the EntryPoint's gas compensation.
    pub beneficiary: Address,
    /// The transaction's gas limit.
    pub gas: u64,
    /// EIP-7702 authorizations; when present the transaction is of type 4.
    pub authorizations: Vec<SignedAuthorization>,
    /// The sender nonce; the next pending one when `None`. A replacement reuses the nonce.
    pub nonce: Option<u64>,
    /// The fees; the chain's current estimate when `None`.
    pub fees: Option<GasFees>,
}

/// A sent `handleOps` transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SentBundle {
    /// Its hash.
    pub tx_hash: B256,
    /// The sender nonce it used.
    pub nonce: u64,
    /// The fees it offered.
    pub fees: GasFees,
}

impl GasFees {
    /// The fees of a replacement transaction: at least 12.5 % above `self` on both fields (what
    /// EIP-1559 pools require, above the 10 % of older ones) and at least `current`.
    pub fn bumped(self, current: Self) -> Self {
        let up = |fee: u128| fee + fee.div_ceil(8).max(1);
        let priority = up(self.max_priority_fee_per_gas).max(current.max_priority_fee_per_gas);
        let max = up(self.max_fee_per_gas)
            .max(current.max_fee_per_gas)
            .max(priority);
        Self {
            max_fee_per_gas: max,
            max_priority_fee_per_gas: priority,
        }
    }
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

/// One call of a simulated sequence ([`ChainClient::simulate_calls`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimCall {
    /// The caller (not checked: simulations run without signatures or balances).
    pub from: Address,
    /// The callee.
    pub to: Address,
    /// The calldata.
    pub data: Bytes,
}

/// The result of one simulated call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimOutcome {
    /// Whether the call succeeded.
    pub success: bool,
    /// The gas the transaction used (intrinsic gas included, refunds deducted).
    pub gas_used: u64,
    /// The return data, or the revert data.
    pub output: Bytes,
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
    /// Simulates `bundle` (its nonce and fees aside) from the node's address.
    async fn simulate_handle_ops(&self, bundle: &BundleTx) -> Result<Option<SimulationFailure>>;
    /// Runs `calls` one after the other on top of the latest block, each seeing the state the
    /// previous ones left, with the code of the given accounts replaced first. Nothing is sent.
    async fn simulate_calls(
        &self,
        calls: &[SimCall],
        code_overrides: &[(Address, Bytes)],
    ) -> Result<Vec<SimOutcome>>;
    /// Signs `bundle` with the node's key and sends it.
    async fn send_bundle(&self, bundle: &BundleTx) -> Result<SentBundle>;
    /// The code at `address`.
    async fn code(&self, address: Address) -> Result<Bytes>;
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

    fn handle_ops_tx(&self, bundle: &BundleTx) -> TransactionRequest {
        let ops = bundle.ops.iter().map(to_contract_op).collect();
        let data = EntryPoint::handleOpsCall {
            ops,
            beneficiary: bundle.beneficiary,
        }
        .abi_encode();
        let tx = TransactionRequest::default()
            .with_from(self.node)
            .with_to(ENTRY_POINT_V07)
            .with_input(data)
            .with_gas_limit(bundle.gas);
        if bundle.authorizations.is_empty() {
            tx
        } else {
            tx.with_authorization_list(bundle.authorizations.clone())
        }
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

    async fn simulate_handle_ops(&self, bundle: &BundleTx) -> Result<Option<SimulationFailure>> {
        let tx = self.handle_ops_tx(bundle);
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

    async fn simulate_calls(
        &self,
        calls: &[SimCall],
        code_overrides: &[(Address, Bytes)],
    ) -> Result<Vec<SimOutcome>> {
        use alloy::rpc::types::{
            simulate::{SimBlock, SimulatePayload},
            state::{AccountOverride, StateOverridesBuilder},
        };
        if calls.is_empty() {
            return Ok(Vec::new());
        }
        let overrides = code_overrides
            .iter()
            .fold(StateOverridesBuilder::default(), |b, (address, code)| {
                b.append(*address, AccountOverride::default().with_code(code.clone()))
            })
            .build();
        let payload = SimulatePayload {
            block_state_calls: vec![SimBlock {
                block_overrides: None,
                state_overrides: (!code_overrides.is_empty()).then_some(overrides),
                calls: calls
                    .iter()
                    .map(|call| {
                        TransactionRequest::default()
                            .with_from(call.from)
                            .with_to(call.to)
                            .with_input(call.data.clone())
                    })
                    .collect(),
            }],
            trace_transfers: false,
            validation: false,
            return_full_transactions: false,
        };
        let blocks = self
            .provider
            .simulate(&payload)
            .await
            .map_err(|e| self.err(e))?;
        let results = blocks
            .into_iter()
            .next()
            .map(|block| block.calls)
            .unwrap_or_default();
        if results.len() != calls.len() {
            return Err(self.err(format!(
                "eth_simulateV1 answered {} results for {} calls",
                results.len(),
                calls.len()
            )));
        }
        Ok(results
            .into_iter()
            .map(|r| SimOutcome {
                success: r.status,
                gas_used: r.gas_used,
                output: match (r.status, r.error.and_then(|e| e.data)) {
                    (false, Some(data)) => data,
                    _ => r.return_data,
                },
            })
            .collect())
    }

    async fn send_bundle(&self, bundle: &BundleTx) -> Result<SentBundle> {
        let nonce = match bundle.nonce {
            Some(nonce) => nonce,
            None => self
                .provider
                .get_transaction_count(self.node)
                .pending()
                .await
                .map_err(|e| self.err(e))?,
        };
        let fees = match bundle.fees {
            Some(fees) => fees,
            None => self.gas_fees().await?,
        };
        let tx = self
            .handle_ops_tx(bundle)
            .with_nonce(nonce)
            .with_max_fee_per_gas(fees.max_fee_per_gas)
            .with_max_priority_fee_per_gas(fees.max_priority_fee_per_gas);
        let pending = self
            .provider
            .send_transaction(tx)
            .await
            .map_err(|e| self.err(e))?;
        Ok(SentBundle {
            tx_hash: *pending.tx_hash(),
            nonce,
            fees,
        })
    }

    async fn code(&self, address: Address) -> Result<Bytes> {
        self.provider
            .get_code_at(address)
            .await
            .map_err(|e| self.err(e))
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
    fn replacement_fees_rise_by_an_eighth_at_least() {
        let sent = GasFees {
            max_fee_per_gas: 1_000,
            max_priority_fee_per_gas: 100,
        };
        let low = GasFees {
            max_fee_per_gas: 1,
            max_priority_fee_per_gas: 1,
        };
        let bumped = sent.bumped(low);
        assert_eq!(bumped.max_fee_per_gas, 1_125);
        assert_eq!(bumped.max_priority_fee_per_gas, 113);
        let high = GasFees {
            max_fee_per_gas: 5_000,
            max_priority_fee_per_gas: 400,
        };
        assert_eq!(sent.bumped(high), high);
        let tiny = GasFees {
            max_fee_per_gas: 1,
            max_priority_fee_per_gas: 1,
        };
        assert_eq!(tiny.bumped(low).max_fee_per_gas, 2);
    }

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
