//! Instructions: what a supertransaction does, as per-chain call lists.
//!
//! An [`Instruction`] is the SDK's `Instruction`: a chain, its calls (plain or composable), each
//! with a gas limit (default [`DEFAULT_CALL_GAS_LIMIT`]), metadata describing the calls for the
//! node and explorers, and optional time bounds. A quote turns each instruction into one userOp
//! (after [`batch_instructions`] merged those of one chain, as the SDK does by default);
//! [`CleanUp`]s add composable transfer userOps that run after the others.
//!
//! ```
//! use alloy::primitives::{U256, address};
//! use mee_sdk::instruction::{Erc20Instruction, Instruction, InstructionCall, batch_instructions};
//!
//! let usdc = address!("0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913");
//! let alice = address!("0xa11ce00000000000000000000000000000000001");
//! let counter = address!("0xc0fFEE0000000000000000000000000000000003");
//! let pay = Erc20Instruction::transfer(8453, usdc, alice, U256::from(1_000_000u64)).build();
//! let count = Instruction::builder(8453)
//!     .call(InstructionCall::new(counter, [0x27, 0x3e, 0xa3, 0xe3]).gas_limit(50_000))
//!     .build();
//! let merged = batch_instructions(vec![pay, count]).unwrap();
//! assert_eq!(merged.len(), 1);
//! assert_eq!(merged[0].call_gas_limit(), 750_000);
//! ```

use alloy::{
    primitives::{Address, B256, Bytes, FixedBytes, U256},
    sol,
    sol_types::SolCall,
};
use mee_primitives::{
    execution::{Call, ComposableExecution, encode_calls, encode_execute_composable},
    nonce::NonceKey,
};
use serde::{Deserialize, Serialize};

use crate::{
    action::TRANSFER_SELECTOR,
    composable::{ComposableCall, runtime},
    error::{Error, Result},
};

/// The gas limit of a call without one (the SDK's `LARGE_DEFAULT_GAS_LIMIT`).
pub const DEFAULT_CALL_GAS_LIMIT: u64 = 700_000;

/// The native-token forwarder of MEE 2.0.0 and 2.1.0 (`forward(recipient)` sends the call's
/// value on).
pub const ETH_FORWARDER: Address =
    alloy::primitives::address!("0x000000Afe527A978Ecb761008Af475cfF04132a1");

/// The description the SDK gives instructions without metadata.
pub const DEFAULT_METADATA_DESCRIPTION: &str = "Custom on-chain action";

/// `amount` of metadata whose amount is only known at execution time.
pub const RUNTIME_VALUE: &str = "RUNTIME_VALUE";

sol! {
    /// ERC-20 functions the instruction builders encode.
    #[derive(Debug, PartialEq, Eq)]
    interface IErc20 {
        /// Transfers `amount` to `to`.
        function transfer(address to, uint256 amount) external returns (bool);
        /// Transfers `amount` from `from` to `to` within the allowance.
        function transferFrom(address from, address to, uint256 amount) external returns (bool);
        /// Allows `spender` to transfer up to `amount`.
        function approve(address spender, uint256 amount) external returns (bool);
    }

    /// The native-token forwarder.
    #[derive(Debug, PartialEq, Eq)]
    interface IEthForwarder {
        /// Sends the call's value to `recipient`.
        function forward(address recipient) external payable;
    }
}

/// One plain call of an instruction.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InstructionCall {
    /// The call target.
    pub to: Address,
    /// The native value sent.
    pub value: U256,
    /// The calldata.
    pub data: Bytes,
    /// The call's gas limit (default [`DEFAULT_CALL_GAS_LIMIT`]).
    pub gas_limit: Option<u64>,
}

impl InstructionCall {
    /// A call of `data` on `to`, no value.
    pub fn new(to: Address, data: impl Into<Bytes>) -> Self {
        Self {
            to,
            value: U256::ZERO,
            data: data.into(),
            gas_limit: None,
        }
    }

    /// Native value to send.
    pub fn value(mut self, value: U256) -> Self {
        self.value = value;
        self
    }

    /// The call's gas limit.
    pub fn gas_limit(mut self, gas_limit: u64) -> Self {
        self.gas_limit = Some(gas_limit);
        self
    }

    /// The call without its gas limit.
    pub fn to_call(&self) -> Call {
        Call::new(self.to, self.data.clone()).with_value(self.value)
    }
}

/// One composable call of an instruction.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ComposableInstructionCall {
    /// The call.
    pub call: ComposableExecution,
    /// The call's gas limit (default [`DEFAULT_CALL_GAS_LIMIT`]).
    pub gas_limit: Option<u64>,
}

impl From<ComposableExecution> for ComposableInstructionCall {
    fn from(call: ComposableExecution) -> Self {
        Self {
            call,
            gas_limit: None,
        }
    }
}

/// The calls of an instruction: all plain or all composable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Calls {
    /// Plain calls: `execute` (single or batch).
    Plain(Vec<InstructionCall>),
    /// Composable calls: `executeComposable`.
    Composable(Vec<ComposableInstructionCall>),
}

impl Calls {
    /// The number of calls.
    pub fn len(&self) -> usize {
        match self {
            Self::Plain(calls) => calls.len(),
            Self::Composable(calls) => calls.len(),
        }
    }

    /// Whether there are no calls.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the calls are composable.
    pub fn is_composable(&self) -> bool {
        matches!(self, Self::Composable(_))
    }

    /// The calls as composable calls: plain calls become calls of their function with every
    /// argument static (what the SDK's `buildComposable` makes of a plain instruction), so they
    /// can share a batch with composable calls.
    pub fn into_composable(self) -> Vec<ComposableInstructionCall> {
        match self {
            Self::Composable(calls) => calls,
            Self::Plain(calls) => calls
                .into_iter()
                .map(|call| {
                    let composable = match call.data.get(..4) {
                        Some(selector) => {
                            let mut built = ComposableCall::with_selector(
                                call.to,
                                FixedBytes::from_slice(selector),
                            )
                            .value(call.value);
                            if call.data.len() > 4 {
                                built = built.static_bytes(call.data.slice(4..));
                            }
                            built.build()
                        }
                        // No function to call (a native transfer): the calldata as is.
                        None => ComposableExecution::raw_calldata(call.to, call.value, &call.data),
                    };
                    ComposableInstructionCall {
                        call: composable,
                        gas_limit: call.gas_limit,
                    }
                })
                .collect(),
        }
    }

    fn gas_limits(&self) -> Vec<Option<u64>> {
        match self {
            Self::Plain(calls) => calls.iter().map(|call| call.gas_limit).collect(),
            Self::Composable(calls) => calls.iter().map(|call| call.gas_limit).collect(),
        }
    }
}

/// What an instruction's metadata says a call does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MetadataKind {
    /// A token transfer.
    Transfer,
    /// A token approval.
    Approve,
    /// A withdrawal.
    Withdraw,
    /// A bridge transfer.
    Bridge,
    /// A swap.
    Swap,
    /// Adding liquidity.
    AddLiquidity,
    /// Removing liquidity.
    RemoveLiquidity,
    /// Staking.
    Stake,
    /// Unstaking.
    Unstake,
    /// Lending.
    Lend,
    /// Borrowing.
    Borrow,
    /// Anything else.
    Custom,
}

/// One metadata entry of an instruction, in the JSON form of quote requests.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    /// What the call does.
    #[serde(rename = "type")]
    pub kind: MetadataKind,
    /// A description (custom entries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The token moved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_address: Option<Address>,
    /// Who the tokens come from (the signer's EOA in the SDK).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_address: Option<Address>,
    /// The recipient (or spender).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_address: Option<Address>,
    /// The amount, a decimal string or [`RUNTIME_VALUE`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<String>,
    /// The chain (a JSON number).
    pub chain_id: u64,
}

impl Metadata {
    /// A custom entry with a description.
    pub fn custom(chain_id: u64, description: impl Into<String>) -> Self {
        Self {
            kind: MetadataKind::Custom,
            description: Some(description.into()),
            token_address: None,
            from_address: None,
            to_address: None,
            amount: None,
            chain_id,
        }
    }

    /// The entry the SDK adds to instructions without metadata.
    pub fn default_for(chain_id: u64) -> Self {
        Self::custom(chain_id, DEFAULT_METADATA_DESCRIPTION)
    }

    /// A token movement of `kind` (transfer or approval).
    pub fn token(
        kind: MetadataKind,
        chain_id: u64,
        token: Address,
        from: Option<Address>,
        to: Address,
        amount: Option<U256>,
    ) -> Self {
        Self {
            kind,
            description: None,
            token_address: Some(token),
            from_address: from,
            to_address: Some(to),
            amount: Some(
                amount.map_or_else(|| RUNTIME_VALUE.to_owned(), |amount| amount.to_string()),
            ),
            chain_id,
        }
    }
}

/// A chain's calls with their metadata and time bounds (the SDK's `Instruction`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instruction {
    /// The chain.
    pub chain_id: u64,
    /// The calls.
    pub calls: Calls,
    /// What the calls do (empty: the quote adds [`Metadata::default_for`]).
    pub metadata: Vec<Metadata>,
    /// Not valid before (unix seconds); the quote's default when absent.
    pub lower_bound_timestamp: Option<u64>,
    /// Not valid after (unix seconds); the quote's default when absent.
    pub upper_bound_timestamp: Option<u64>,
    /// The node's simulation retry delay in milliseconds.
    pub execution_simulation_retry_delay: Option<u64>,
}

impl Instruction {
    /// A builder of an instruction on `chain_id`.
    pub fn builder(chain_id: u64) -> InstructionBuilder {
        InstructionBuilder::new(chain_id)
    }

    /// One plain call of `data` on `to`.
    pub fn raw_calldata(chain_id: u64, to: Address, data: impl Into<Bytes>) -> Self {
        Self::builder(chain_id)
            .call(InstructionCall::new(to, data))
            .build()
    }

    /// Sends `value` wei to `to`.
    pub fn native_transfer(chain_id: u64, to: Address, value: U256) -> Self {
        Self::builder(chain_id)
            .call(InstructionCall::new(to, Bytes::new()).value(value))
            .metadata(Metadata::token(
                MetadataKind::Transfer,
                chain_id,
                Address::ZERO,
                None,
                to,
                Some(value),
            ))
            .build()
    }

    /// The userOp's `callGasLimit`: the sum of the calls' gas limits.
    pub fn call_gas_limit(&self) -> u64 {
        self.calls
            .gas_limits()
            .into_iter()
            .map(|limit| limit.unwrap_or(DEFAULT_CALL_GAS_LIMIT))
            .sum()
    }

    /// The userOp's `callData`: `execute` for plain calls (single or batch),
    /// `executeComposable` for composable ones.
    pub fn call_data(&self) -> Result<Bytes> {
        match &self.calls {
            Calls::Plain(calls) => {
                let calls: Vec<Call> = calls.iter().map(InstructionCall::to_call).collect();
                encode_calls(&calls).ok_or(Error::EmptyInstruction(self.chain_id))
            }
            Calls::Composable(calls) if calls.is_empty() => {
                Err(Error::EmptyInstruction(self.chain_id))
            }
            Calls::Composable(calls) => {
                let executions: Vec<ComposableExecution> =
                    calls.iter().map(|call| call.call.clone()).collect();
                Ok(encode_execute_composable(&executions))
            }
        }
    }

    /// The metadata the quote sends: the instruction's own, or the default entry.
    pub fn resolved_metadata(&self) -> Vec<Metadata> {
        if self.metadata.is_empty() {
            vec![Metadata::default_for(self.chain_id)]
        } else {
            self.metadata.clone()
        }
    }
}

/// Builder of an [`Instruction`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstructionBuilder {
    chain_id: u64,
    plain: Vec<InstructionCall>,
    composable: Vec<ComposableInstructionCall>,
    metadata: Vec<Metadata>,
    lower_bound_timestamp: Option<u64>,
    upper_bound_timestamp: Option<u64>,
    execution_simulation_retry_delay: Option<u64>,
}

impl InstructionBuilder {
    /// An instruction on `chain_id` with no calls yet.
    pub fn new(chain_id: u64) -> Self {
        Self {
            chain_id,
            plain: Vec::new(),
            composable: Vec::new(),
            metadata: Vec::new(),
            lower_bound_timestamp: None,
            upper_bound_timestamp: None,
            execution_simulation_retry_delay: None,
        }
    }

    /// Adds a plain call.
    pub fn call(mut self, call: InstructionCall) -> Self {
        self.plain.push(call);
        self
    }

    /// Adds plain calls.
    pub fn calls(mut self, calls: impl IntoIterator<Item = InstructionCall>) -> Self {
        self.plain.extend(calls);
        self
    }

    /// Adds a composable call with an optional gas limit.
    pub fn composable(
        mut self,
        call: impl Into<ComposableExecution>,
        gas_limit: Option<u64>,
    ) -> Self {
        self.composable.push(ComposableInstructionCall {
            call: call.into(),
            gas_limit,
        });
        self
    }

    /// Adds a metadata entry.
    pub fn metadata(mut self, metadata: Metadata) -> Self {
        self.metadata.push(metadata);
        self
    }

    /// Not valid before this unix time (seconds).
    pub fn lower_bound_timestamp(mut self, timestamp: u64) -> Self {
        self.lower_bound_timestamp = Some(timestamp);
        self
    }

    /// Not valid after this unix time (seconds).
    pub fn upper_bound_timestamp(mut self, timestamp: u64) -> Self {
        self.upper_bound_timestamp = Some(timestamp);
        self
    }

    /// The node's simulation retry delay in milliseconds.
    pub fn execution_simulation_retry_delay(mut self, millis: u64) -> Self {
        self.execution_simulation_retry_delay = Some(millis);
        self
    }

    /// The instruction; fails without calls, or with plain and composable calls mixed.
    pub fn try_build(self) -> Result<Instruction> {
        let calls = match (self.plain.is_empty(), self.composable.is_empty()) {
            (true, true) => return Err(Error::EmptyInstruction(self.chain_id)),
            (false, false) => return Err(Error::MixedInstructionKinds(self.chain_id)),
            (false, true) => Calls::Plain(self.plain),
            (true, false) => Calls::Composable(self.composable),
        };
        Ok(Instruction {
            chain_id: self.chain_id,
            calls,
            metadata: self.metadata,
            lower_bound_timestamp: self.lower_bound_timestamp,
            upper_bound_timestamp: self.upper_bound_timestamp,
            execution_simulation_retry_delay: self.execution_simulation_retry_delay,
        })
    }

    /// The instruction.
    ///
    /// # Panics
    ///
    /// When [`Self::try_build`] fails.
    pub fn build(self) -> Instruction {
        self.try_build().expect("invalid instruction")
    }
}

/// The ERC-20 operations with built-in instruction builders.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Erc20Op {
    Transfer { to: Address },
    TransferFrom { from: Address, to: Address },
    Approve { spender: Address },
}

/// Builder of an ERC-20 `transfer`, `transferFrom` or `approve` instruction with TRANSFER or
/// APPROVE metadata (the SDK's `build({type: "transfer" | "transferFrom" | "approve"})`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Erc20Instruction {
    chain_id: u64,
    token: Address,
    op: Erc20Op,
    amount: U256,
    gas_limit: Option<u64>,
    signer: Option<Address>,
}

impl Erc20Instruction {
    fn new(chain_id: u64, token: Address, op: Erc20Op, amount: U256) -> Self {
        Self {
            chain_id,
            token,
            op,
            amount,
            gas_limit: None,
            signer: None,
        }
    }

    /// `token.transfer(recipient, amount)`.
    pub fn transfer(chain_id: u64, token: Address, recipient: Address, amount: U256) -> Self {
        Self::new(chain_id, token, Erc20Op::Transfer { to: recipient }, amount)
    }

    /// `token.transferFrom(sender, recipient, amount)`.
    pub fn transfer_from(
        chain_id: u64,
        token: Address,
        sender: Address,
        recipient: Address,
        amount: U256,
    ) -> Self {
        Self::new(
            chain_id,
            token,
            Erc20Op::TransferFrom {
                from: sender,
                to: recipient,
            },
            amount,
        )
    }

    /// `token.approve(spender, amount)`.
    pub fn approve(chain_id: u64, token: Address, spender: Address, amount: U256) -> Self {
        Self::new(chain_id, token, Erc20Op::Approve { spender }, amount)
    }

    /// The call's gas limit.
    pub fn gas_limit(mut self, gas_limit: u64) -> Self {
        self.gas_limit = Some(gas_limit);
        self
    }

    /// The signer's EOA, recorded as the metadata's `fromAddress` (for `transferFrom`, the
    /// token owner is recorded instead).
    pub fn signer(mut self, signer: Address) -> Self {
        self.signer = Some(signer);
        self
    }

    /// The instruction.
    pub fn build(&self) -> Instruction {
        let (data, kind, from, to) = match self.op {
            Erc20Op::Transfer { to } => (
                IErc20::transferCall {
                    to,
                    amount: self.amount,
                }
                .abi_encode(),
                MetadataKind::Transfer,
                self.signer,
                to,
            ),
            Erc20Op::TransferFrom { from, to } => (
                IErc20::transferFromCall {
                    from,
                    to,
                    amount: self.amount,
                }
                .abi_encode(),
                MetadataKind::Transfer,
                Some(from),
                to,
            ),
            Erc20Op::Approve { spender } => (
                IErc20::approveCall {
                    spender,
                    amount: self.amount,
                }
                .abi_encode(),
                MetadataKind::Approve,
                self.signer,
                spender,
            ),
        };
        let mut call = InstructionCall::new(self.token, data);
        call.gas_limit = self.gas_limit;
        Instruction::builder(self.chain_id)
            .call(call)
            .metadata(Metadata::token(
                kind,
                self.chain_id,
                self.token,
                from,
                to,
                Some(self.amount),
            ))
            .build()
    }
}

/// Merges the instructions of each chain into one, as the SDK's quote does with `batch: true`:
/// calls and metadata are concatenated in order, the time window is the widest of the merged
/// ones and the retry delay the largest. Chains keep the order of their first instruction.
/// Plain and composable instructions of one chain cannot be merged.
pub fn batch_instructions(instructions: Vec<Instruction>) -> Result<Vec<Instruction>> {
    let mut merged: Vec<Instruction> = Vec::new();
    for instruction in instructions {
        let Some(existing) = merged
            .iter_mut()
            .find(|existing| existing.chain_id == instruction.chain_id)
        else {
            merged.push(instruction);
            continue;
        };
        match (&mut existing.calls, instruction.calls) {
            (Calls::Plain(calls), Calls::Plain(more)) => calls.extend(more),
            (Calls::Composable(calls), Calls::Composable(more)) => calls.extend(more),
            _ => return Err(Error::MixedInstructionKinds(instruction.chain_id)),
        }
        existing.metadata.extend(instruction.metadata);
        existing.lower_bound_timestamp = widest(
            existing.lower_bound_timestamp,
            instruction.lower_bound_timestamp,
            u64::min,
        );
        existing.upper_bound_timestamp = widest(
            existing.upper_bound_timestamp,
            instruction.upper_bound_timestamp,
            u64::max,
        );
        existing.execution_simulation_retry_delay = widest(
            existing.execution_simulation_retry_delay,
            instruction.execution_simulation_retry_delay,
            u64::max,
        );
    }
    Ok(merged)
}

fn widest(a: Option<u64>, b: Option<u64>, pick: fn(u64, u64) -> u64) -> Option<u64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(pick(a, b)),
        (a, b) => a.or(b),
    }
}

/// A token sweep that runs after the supertransaction's other userOps (the SDK's `CleanUp`):
/// the account's balance of `token` (or a fixed amount) goes to `recipient`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CleanUp {
    /// The token (`address(0)` for the native token, which needs a fixed amount).
    pub token: Address,
    /// The chain.
    pub chain_id: u64,
    /// A fixed amount; by default the account's whole balance at execution time.
    pub amount: Option<U256>,
    /// Who receives the tokens.
    pub recipient: Address,
    /// The cleanup call's gas limit.
    pub gas_limit: Option<u64>,
    /// The developer userOps (0-based, in quote order, payment op excluded) that must have run
    /// first; by default the last one.
    pub depends_on: Vec<usize>,
}

impl CleanUp {
    /// Sweeps the account's balance of `token` on `chain_id` to `recipient`.
    pub fn new(chain_id: u64, token: Address, recipient: Address) -> Self {
        Self {
            token,
            chain_id,
            amount: None,
            recipient,
            gas_limit: None,
            depends_on: Vec::new(),
        }
    }

    /// A fixed amount instead of the whole balance.
    pub fn amount(mut self, amount: U256) -> Self {
        self.amount = Some(amount).filter(|amount| !amount.is_zero());
        self
    }

    /// The cleanup call's gas limit.
    pub fn gas_limit(mut self, gas_limit: u64) -> Self {
        self.gas_limit = Some(gas_limit);
        self
    }

    /// Runs only after developer userOp `index` (0-based) has.
    pub fn depends_on(mut self, index: usize) -> Self {
        self.depends_on.push(index);
        self
    }

    /// The cleanup's instruction for the account at `account` on the cleanup's chain, given
    /// the nonce key and nonce of every developer userOp of the quote: a composable transfer
    /// with, for each userOp it depends on, the condition `EntryPoint.getNonce(account, key)
    /// >= nonce + 1` (that userOp has run).
    pub fn instruction(
        &self,
        account: Address,
        user_op_nonces: &[(NonceKey, U256)],
    ) -> Result<Instruction> {
        let dependencies: Vec<(NonceKey, U256)> = if self.depends_on.is_empty() {
            vec![
                *user_op_nonces
                    .last()
                    .ok_or(Error::CleanUpWithoutInstructions)?,
            ]
        } else {
            self.depends_on
                .iter()
                .map(|&index| {
                    user_op_nonces
                        .get(index)
                        .copied()
                        .ok_or(Error::BadCleanUpDependency {
                            index,
                            count: user_op_nonces.len(),
                        })
                })
                .collect::<Result<_>>()?
        };
        let (mut call, value, metadata_token) = if self.token.is_zero() {
            let amount = self.amount.ok_or(Error::NativeCleanUpNeedsAmount)?;
            let call = ComposableCall::with_selector(
                ETH_FORWARDER,
                IEthForwarder::forwardCall::SELECTOR.into(),
            )
            .value(amount)
            .static_word(self.recipient.into_word());
            (call, Some(amount), Address::ZERO)
        } else {
            let call = ComposableCall::with_selector(self.token, TRANSFER_SELECTOR)
                .static_word(self.recipient.into_word());
            let call = match self.amount {
                Some(amount) => call.static_word(B256::from(amount)),
                None => call.runtime(runtime::erc20_balance(self.token, account, Vec::new())),
            };
            (call, self.amount, self.token)
        };
        for (key, nonce) in dependencies {
            call = call.condition(runtime::entry_point_nonce(
                account,
                key.to_u192(),
                vec![runtime::gte(nonce + U256::from(1))],
            ));
        }
        let metadata = Metadata::token(
            MetadataKind::Transfer,
            self.chain_id,
            metadata_token,
            Some(account),
            self.recipient,
            value,
        );
        Instruction::builder(self.chain_id)
            .composable(call.build(), self.gas_limit)
            .metadata(metadata)
            .try_build()
    }
}

#[cfg(test)]
mod tests {
    use alloy::primitives::{address, hex};
    use mee_primitives::{execution::InputParamFetcherType, nonce::ValidationMode};

    use super::*;

    const USDC: Address = address!("0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913");
    const ALICE: Address = address!("0xA11CE00000000000000000000000000000000001");
    const COUNTER: Address = address!("0xC0FFEE0000000000000000000000000000000003");
    const ACCOUNT: Address = address!("0x50255639C0e4d184cEBFF9Ea78F3055283290700");

    #[test]
    fn erc20_transfer_matches_the_sdk_call_data() {
        // The single transfer of quote-requests.json `simple_undeployed_fee_token`.
        let instruction =
            Erc20Instruction::transfer(8453, USDC, ALICE, U256::from(1_000_000u64)).build();
        assert_eq!(
            instruction.call_data().unwrap(),
            Bytes::from(hex!(
                "e9ae5c53000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000400000000000000000000000000000000000000000000000000000000000000078833589fcd6edb6e08f4c7c32d4f71b54bda029130000000000000000000000000000000000000000000000000000000000000000a9059cbb000000000000000000000000a11ce0000000000000000000000000000000000100000000000000000000000000000000000000000000000000000000000f42400000000000000000"
            ))
        );
        assert_eq!(instruction.call_gas_limit(), DEFAULT_CALL_GAS_LIMIT);
        let json = serde_json::to_value(&instruction.metadata[0]).unwrap();
        assert_eq!(json["type"], "TRANSFER");
        assert_eq!(json["amount"], "1000000");
        assert_eq!(json["chainId"], 8453);
        assert!(json.get("fromAddress").is_none());
    }

    #[test]
    fn default_metadata_is_custom() {
        let instruction = Instruction::raw_calldata(10, COUNTER, hex!("273ea3e3"));
        let json = serde_json::to_value(instruction.resolved_metadata()).unwrap();
        assert_eq!(
            json,
            serde_json::json!([{"type": "CUSTOM", "description": "Custom on-chain action", "chainId": 10}])
        );
    }

    #[test]
    fn batching_merges_per_chain() {
        let a = Instruction::builder(8453)
            .call(InstructionCall::new(COUNTER, hex!("273ea3e3")))
            .lower_bound_timestamp(100)
            .upper_bound_timestamp(200)
            .build();
        let b = Instruction::raw_calldata(10, COUNTER, hex!("273ea3e3"));
        let c = Instruction::builder(8453)
            .call(InstructionCall::new(COUNTER, hex!("273ea3e3")).gas_limit(1))
            .lower_bound_timestamp(50)
            .upper_bound_timestamp(150)
            .execution_simulation_retry_delay(9)
            .metadata(Metadata::custom(8453, "count"))
            .build();
        let merged = batch_instructions(vec![a, b, c]).unwrap();
        assert_eq!(merged.len(), 2);
        assert_eq!(merged[0].chain_id, 8453);
        assert_eq!(merged[0].calls.len(), 2);
        assert_eq!(merged[0].call_gas_limit(), DEFAULT_CALL_GAS_LIMIT + 1);
        assert_eq!(merged[0].lower_bound_timestamp, Some(50));
        assert_eq!(merged[0].upper_bound_timestamp, Some(200));
        assert_eq!(merged[0].execution_simulation_retry_delay, Some(9));
        assert_eq!(merged[0].metadata.len(), 1);
        // Two calls encode as a batch.
        assert_eq!(&merged[0].call_data().unwrap()[4..5], &[1]);
        let composable = Instruction::builder(10)
            .composable(
                ComposableExecution::raw_calldata(COUNTER, U256::ZERO, &[1, 2, 3, 4]),
                None,
            )
            .build();
        assert!(matches!(
            batch_instructions(vec![merged[1].clone(), composable]),
            Err(Error::MixedInstructionKinds(10))
        ));
    }

    #[test]
    fn builders_reject_empty_and_mixed_calls() {
        assert!(matches!(
            Instruction::builder(1).try_build(),
            Err(Error::EmptyInstruction(1))
        ));
        assert!(matches!(
            Instruction::builder(1)
                .call(InstructionCall::default())
                .composable(ComposableExecution::default(), None)
                .try_build(),
            Err(Error::MixedInstructionKinds(1))
        ));
    }

    #[test]
    fn cleanups_are_conditional_composable_transfers() {
        let key = NonceKey::new(5, ValidationMode::Validation, Address::ZERO);
        let other = NonceKey::new(6, ValidationMode::Validation, Address::ZERO);
        let nonces = [(key, key.nonce(3)), (other, other.nonce(0))];
        let sweep = CleanUp::new(8453, USDC, ALICE)
            .instruction(ACCOUNT, &nonces)
            .unwrap();
        let Calls::Composable(calls) = &sweep.calls else {
            panic!("cleanups are composable");
        };
        let params = &calls[0].call.inputParams;
        // recipient (raw), balance (static call), then the dependency on the last userOp.
        assert_eq!(params.len(), 3);
        assert_eq!(params[1], runtime::erc20_balance(USDC, ACCOUNT, vec![]));
        assert_eq!(
            params[2],
            runtime::entry_point_nonce(
                ACCOUNT,
                other.to_u192(),
                vec![runtime::gte(other.nonce(0) + U256::from(1))]
            )
        );
        assert_eq!(sweep.metadata[0].amount.as_deref(), Some(RUNTIME_VALUE));

        let fixed = CleanUp::new(8453, USDC, ALICE)
            .amount(U256::from(5))
            .depends_on(0)
            .depends_on(1)
            .gas_limit(90_000)
            .instruction(ACCOUNT, &nonces)
            .unwrap();
        let Calls::Composable(calls) = &fixed.calls else {
            panic!("cleanups are composable");
        };
        let params = &calls[0].call.inputParams;
        assert_eq!(params.len(), 3);
        assert_eq!(params[0].fetcherType, InputParamFetcherType::RawBytes as u8);
        assert_eq!(params[0].paramData.len(), 64);
        assert_eq!(fixed.call_gas_limit(), 90_000);

        assert!(matches!(
            CleanUp::new(1, USDC, ALICE).instruction(ACCOUNT, &[]),
            Err(Error::CleanUpWithoutInstructions)
        ));
        assert!(matches!(
            CleanUp::new(1, USDC, ALICE)
                .depends_on(2)
                .instruction(ACCOUNT, &nonces),
            Err(Error::BadCleanUpDependency { index: 2, count: 2 })
        ));
        assert!(matches!(
            CleanUp::new(1, Address::ZERO, ALICE).instruction(ACCOUNT, &nonces),
            Err(Error::NativeCleanUpNeedsAmount)
        ));
        let native = CleanUp::new(1, Address::ZERO, ALICE)
            .amount(U256::from(7))
            .instruction(ACCOUNT, &nonces)
            .unwrap();
        let Calls::Composable(calls) = &native.calls else {
            panic!("cleanups are composable");
        };
        assert_eq!(calls[0].call.to, ETH_FORWARDER);
        assert_eq!(calls[0].call.value, U256::from(7));
    }
}
