//! Building, signing and submitting userOps by hand, from the wire formats alone: what a node does,
//! without one.

use alloy::{
    network::EthereumWallet,
    primitives::{Address, B256, Bytes, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::TransactionReceipt,
    signers::{SignerSync, local::PrivateKeySigner},
    sol_types::{SolCall, SolEvent},
};
use mee_contracts::{account::AccountFactory, entry_point::EntryPoint, tokens::TestUSDC};
use mee_devnet::{Devnet, DevnetChain};
use mee_primitives::{
    account::NexusDeployment,
    addresses::{DEVNET_USDC, ENTRY_POINT_V07, MEE_2_0_0},
    execution::{Call, encode_calls},
    mee_signature::{self, MeeUserOp},
    nonce::{NonceKey, ValidationMode},
    userop::{PackedUserOperation, UserOperation},
};

/// USDC base units per whole USDC.
pub(crate) const USDC: u64 = 1_000_000;

/// The node paymaster's `paymasterData` in USER refund mode with the fixed premium.
pub(crate) const PAYMASTER_DATA_USER: [u8; 8] = [0x17, 0x0d, 0xe0, 0x00, 0x9e, 0xe4, 0xce, 0x01];

/// A provider that signs with the devnet's node key (the node paymaster's owner).
pub(crate) fn node_provider(chain: &DevnetChain) -> DynProvider {
    ProviderBuilder::new()
        .wallet(EthereumWallet::from(mee_devnet::node_key().signer()))
        .connect_http(chain.rpc_url().parse().unwrap())
        .erased()
}

/// A provider that signs with `signer`.
pub(crate) fn wallet_provider(chain: &DevnetChain, signer: &PrivateKeySigner) -> DynProvider {
    ProviderBuilder::new()
        .wallet(EthereumWallet::from(signer.clone()))
        .connect_http(chain.rpc_url().parse().unwrap())
        .erased()
}

/// The MEE 2.0.0 account of `owner` (index 0), and its address from the factory on `chain`.
pub(crate) async fn owner_account(
    chain: &DevnetChain,
    owner: Address,
) -> (NexusDeployment, Address) {
    let deployment = NexusDeployment::new(MEE_2_0_0, owner, U256::ZERO);
    let factory = AccountFactory::new(MEE_2_0_0.account_factory, chain.provider());
    let address = factory
        .computeAccountAddress(deployment.init_data(), deployment.salt())
        .call()
        .await
        .unwrap();
    (deployment, address)
}

/// A userOp with generous gas limits, the node paymaster in USER mode, and fees from the chain.
pub(crate) async fn user_op(
    chain: &DevnetChain,
    sender: Address,
    nonce: U256,
    call_data: Bytes,
    init_code: Option<&NexusDeployment>,
) -> UserOperation {
    let fees = chain.provider().estimate_eip1559_fees().await.unwrap();
    UserOperation {
        sender,
        nonce,
        factory: init_code.map(|d| d.factory()),
        factory_data: init_code.map(|d| d.factory_data()).unwrap_or_default(),
        call_data,
        call_gas_limit: 300_000,
        verification_gas_limit: if init_code.is_some() {
            1_000_000
        } else {
            400_000
        },
        pre_verification_gas: U256::from(60_000),
        max_fee_per_gas: fees.max_fee_per_gas,
        max_priority_fee_per_gas: fees.max_priority_fee_per_gas,
        paymaster: Some(Devnet::node_paymaster()),
        paymaster_verification_gas_limit: 100_000,
        paymaster_post_op_gas_limit: 60_000,
        paymaster_data: Bytes::from_static(&PAYMASTER_DATA_USER),
        signature: Bytes::new(),
    }
}

/// The next nonce of `sender` under `key` (EntryPoint `getNonce`).
pub(crate) async fn next_nonce(chain: &DevnetChain, sender: Address, key: NonceKey) -> U256 {
    EntryPoint::new(ENTRY_POINT_V07, chain.provider())
        .getNonce(sender, key.to_u192())
        .call()
        .await
        .unwrap()
}

/// A nonce key for the account's default validator (or `validator`), distinct per `tag`.
pub(crate) fn nonce_key(tag: u64, validator: Address) -> NonceKey {
    NonceKey::new(tag, ValidationMode::Validation, validator)
}

/// `execute` calldata of one ERC-20 transfer.
pub(crate) fn usdc_transfer(to: Address, amount: U256) -> Bytes {
    let data = TestUSDC::transferCall { to, amount }.abi_encode();
    encode_calls(&[Call::new(DEVNET_USDC, data)]).unwrap()
}

/// One op of a supertransaction: the op, its chain and its time bounds.
pub(crate) struct SuperTxOp<'a> {
    pub(crate) chain: &'a DevnetChain,
    pub(crate) op: UserOperation,
    pub(crate) lower: u64,
    pub(crate) upper: u64,
    pub(crate) short: bool,
}

/// Signs the supertransaction's merkle root once with `signer` (personal_sign) and gives every op
/// its SIMPLE signature (full or short). Returns the root.
pub(crate) fn sign_supertransaction(ops: &mut [SuperTxOp<'_>], signer: &PrivateKeySigner) -> B256 {
    let leaves: Vec<MeeUserOp> = ops
        .iter()
        .map(|o| MeeUserOp {
            user_op_hash: o.op.hash(o.chain.chain_id()),
            lower_bound_timestamp: o.lower,
            upper_bound_timestamp: o.upper,
            short_encoding: o.short,
        })
        .collect();
    let root = mee_signature::supertransaction_tree(&leaves)
        .unwrap()
        .root();
    let signature = signer
        .sign_message_sync(root.as_slice())
        .unwrap()
        .as_bytes();
    let (_, signatures) = mee_signature::user_op_signatures(&leaves, &signature).unwrap();
    for (o, sig) in ops.iter_mut().zip(signatures) {
        o.op.signature = sig;
    }
    root
}

/// The outcome of one userOp in a mined bundle.
#[derive(Debug)]
pub(crate) struct OpOutcome {
    pub(crate) success: bool,
    pub(crate) actual_gas_used: U256,
    pub(crate) revert_reason: Option<Bytes>,
}

/// Submits `ops` in one `handleOps` from the node key. A bundle that fails validation reverts the
/// whole transaction: the error comes back as `Err` with the EntryPoint's reason.
pub(crate) async fn handle_ops(
    chain: &DevnetChain,
    ops: Vec<PackedUserOperation>,
) -> Result<(TransactionReceipt, Vec<OpOutcome>), String> {
    let provider = node_provider(chain);
    let entry_point = EntryPoint::new(ENTRY_POINT_V07, &provider);
    let ops: Vec<mee_contracts::entry_point::PackedUserOperation> =
        ops.into_iter().map(to_binding).collect();
    let call = entry_point
        .handleOps(ops, mee_devnet::node_key().address)
        .gas(8_000_000);
    // Simulate first, as a node does, so a failing bundle spends nothing and its reason is seen.
    if let Err(err) = call.call().await {
        return Err(decode_entry_point_error(
            &err.to_string(),
            err.as_revert_data(),
        ));
    }
    let receipt = call
        .send()
        .await
        .map_err(|e| e.to_string())?
        .get_receipt()
        .await
        .map_err(|e| e.to_string())?;
    assert!(
        receipt.status(),
        "handleOps reverted after a successful simulation"
    );
    let mut outcomes = Vec::new();
    for log in receipt.inner.logs() {
        if let Ok(event) = EntryPoint::UserOperationEvent::decode_log(&log.inner) {
            outcomes.push(OpOutcome {
                success: event.success,
                actual_gas_used: event.actualGasUsed,
                revert_reason: None,
            });
        } else if let Ok(event) = EntryPoint::UserOperationRevertReason::decode_log(&log.inner) {
            // Emitted before the op's UserOperationEvent.
            outcomes.push(OpOutcome {
                success: false,
                actual_gas_used: U256::ZERO,
                revert_reason: Some(event.revertReason.clone()),
            });
        }
    }
    // Merge each revert reason into the outcome of its op.
    let mut merged: Vec<OpOutcome> = Vec::new();
    for outcome in outcomes {
        match merged.last_mut() {
            Some(last) if last.revert_reason.is_some() && last.actual_gas_used.is_zero() => {
                last.actual_gas_used = outcome.actual_gas_used;
                last.success = outcome.success;
            }
            _ => merged.push(outcome),
        }
    }
    Ok((receipt, merged))
}

/// `FailedOp(opIndex, reason)` / `FailedOpWithRevert(opIndex, reason, inner)` as text.
fn decode_entry_point_error(fallback: &str, data: Option<Bytes>) -> String {
    use alloy::sol_types::SolInterface;
    let Some(data) = data else {
        return fallback.to_string();
    };
    match EntryPoint::EntryPointErrors::abi_decode(&data) {
        Ok(EntryPoint::EntryPointErrors::FailedOp(e)) => {
            format!("FailedOp({}, {})", e.opIndex, e.reason)
        }
        Ok(EntryPoint::EntryPointErrors::FailedOpWithRevert(e)) => {
            format!(
                "FailedOpWithRevert({}, {}, {})",
                e.opIndex,
                e.reason,
                decode_inner(&e.inner)
            )
        }
        Err(_) => fallback.to_string(),
    }
}

fn to_binding(op: PackedUserOperation) -> mee_contracts::entry_point::PackedUserOperation {
    mee_contracts::entry_point::PackedUserOperation {
        sender: op.sender,
        nonce: op.nonce,
        initCode: op.initCode,
        callData: op.callData,
        accountGasLimits: op.accountGasLimits,
        preVerificationGas: op.preVerificationGas,
        gasFees: op.gasFees,
        paymasterAndData: op.paymasterAndData,
        signature: op.signature,
    }
}

/// USDC balance of `who` on `chain`.
pub(crate) async fn usdc_balance(chain: &DevnetChain, who: Address) -> U256 {
    TestUSDC::new(DEVNET_USDC, chain.provider())
        .balanceOf(who)
        .call()
        .await
        .unwrap()
}

/// The latest block's timestamp.
pub(crate) async fn now(chain: &DevnetChain) -> u64 {
    let block = chain
        .provider()
        .get_block_by_number(Default::default())
        .await
        .unwrap()
        .unwrap();
    block.header.timestamp
}

/// Sends `amount` USDC from a funded test key to `to`.
pub(crate) async fn fund_usdc(
    chain: &DevnetChain,
    from: &PrivateKeySigner,
    to: Address,
    amount: U256,
) {
    let provider = wallet_provider(chain, from);
    TestUSDC::new(DEVNET_USDC, &provider)
        .transfer(to, amount)
        .send()
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
}

/// The node paymaster's EntryPoint deposit on `chain`.
pub(crate) async fn deposit_of_paymaster(chain: &DevnetChain) -> U256 {
    EntryPoint::new(ENTRY_POINT_V07, chain.provider())
        .balanceOf(Devnet::node_paymaster())
        .call()
        .await
        .unwrap()
}

/// A Smart Sessions error by name (e.g. `PolicyViolation`), else the raw bytes.
fn decode_inner(inner: &Bytes) -> String {
    const KNOWN: [(&str, [u8; 4]); 9] = [
        ("NoPoliciesSet", [0x1c, 0x79, 0x2c, 0x05]),
        ("PolicyViolation", [0x3b, 0x57, 0x73, 0x61]),
        ("InvalidPermissionId", [0x52, 0x6d, 0x0d, 0xa5]),
        ("HashMismatch", [0x0b, 0x08, 0xd5, 0xbe]),
        ("ChainIdMismatch", [0xe7, 0x5e, 0x23, 0x79]),
        ("InvalidEnableSignature", [0x3c, 0xa8, 0xef, 0x0c]),
        ("PolicyCheckReverted", [0xf4, 0x27, 0x07, 0x52]),
        ("PaymasterValidationNotEnabled", [0xd5, 0xdc, 0x9f, 0xa4]),
        ("InvalidData", [0x5c, 0xb0, 0x45, 0xdb]),
    ];
    let name = inner
        .get(..4)
        .and_then(|selector| KNOWN.iter().find(|(_, s)| s == selector))
        .map(|(name, _)| *name);
    match name {
        Some(name) => format!("{name}({inner})"),
        None => inner.to_string(),
    }
}
