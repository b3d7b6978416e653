//! ERC-7579 account calldata: `execute(mode, executionCalldata)` for single and batch calls, and
//! `executeComposable` (native composability 1.0.0, MEE 2.0.0 / 2.1.0).
//!
//! The execution mode is `[callType 1][execType 1][unused 4][modeSelector 4][modePayload 22]`;
//! a single call encodes as `abi.encodePacked(target, uint256 value, callData)`, a batch as
//! `abi.encode(Execution[])`.

use alloy_primitives::{Address, B256, Bytes, FixedBytes, U256};
use alloy_sol_types::{SolCall, SolValue, sol};

sol! {
    /// One call of a batch.
    #[derive(Debug, Default, PartialEq, Eq, Hash)]
    struct Execution {
        /// The call target.
        address target;
        /// The native value sent.
        uint256 value;
        /// The calldata.
        bytes callData;
    }

    /// A constraint on a fetched input value.
    #[derive(Debug, Default, PartialEq, Eq, Hash)]
    struct Constraint {
        /// The [`ConstraintType`] as its byte.
        uint8 constraintType;
        /// `abi.encode(bytes32 value)` for EQ, GTE and LTE.
        bytes referenceData;
    }

    /// One input parameter of a composable call.
    #[derive(Debug, Default, PartialEq, Eq, Hash)]
    struct InputParam {
        /// The [`InputParamFetcherType`] as its byte.
        uint8 fetcherType;
        /// Raw bytes, or `abi.encode(address target, bytes callData)` for a static call.
        bytes paramData;
        /// Constraints the fetched value must meet.
        Constraint[] constraints;
    }

    /// One output parameter of a composable call.
    #[derive(Debug, Default, PartialEq, Eq, Hash)]
    struct OutputParam {
        /// The output fetcher type.
        uint8 fetcherType;
        /// Fetcher-specific data.
        bytes paramData;
    }

    /// A composable call (composability 1.0.0): the calldata is the selector followed by the
    /// concatenated input parameters.
    #[derive(Debug, Default, PartialEq, Eq, Hash)]
    struct ComposableExecution {
        /// The call target.
        address to;
        /// The native value sent.
        uint256 value;
        /// The function selector.
        bytes4 functionSig;
        /// The input parameters, in calldata order.
        InputParam[] inputParams;
        /// The output parameters.
        OutputParam[] outputParams;
    }

    /// The account functions that carry executions.
    #[derive(Debug, PartialEq, Eq)]
    interface IExecution {
        /// ERC-7579 `execute`.
        function execute(bytes32 mode, bytes executionCalldata) external payable;
        /// Native composability 1.0.0.
        function executeComposable(ComposableExecution[] executions) external payable;
        /// The ERC-20 `balanceOf` a balance fetcher calls.
        function balanceOf(address account) external view returns (uint256);
    }
}

/// A plain call: target, value and calldata.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Call {
    /// The call target.
    pub to: Address,
    /// The native value sent.
    pub value: U256,
    /// The calldata.
    pub data: Bytes,
}

impl Call {
    /// A call with no value.
    pub fn new(to: Address, data: impl Into<Bytes>) -> Self {
        Self {
            to,
            value: U256::ZERO,
            data: data.into(),
        }
    }

    /// The call with `value` wei attached.
    pub fn with_value(mut self, value: U256) -> Self {
        self.value = value;
        self
    }
}

impl From<Call> for Execution {
    fn from(call: Call) -> Self {
        Self {
            target: call.to,
            value: call.value,
            callData: call.data,
        }
    }
}

/// ERC-7579 call types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum CallType {
    /// One call.
    Single = 0x00,
    /// `Execution[]`.
    Batch = 0x01,
    /// Static call (fallbacks only).
    Static = 0xfe,
    /// Delegatecall.
    DelegateCall = 0xff,
}

/// ERC-7579 execution types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ExecType {
    /// Revert on failure.
    Default = 0x00,
    /// Emit `TryExecuteUnsuccessful` on failure.
    Try = 0x01,
}

/// An ERC-7579 execution mode word.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ExecutionMode(B256);

impl ExecutionMode {
    /// Single call, default execution: `0x00…00`.
    pub const SINGLE: Self = Self(B256::ZERO);
    /// Batch, default execution: `0x0100…00`.
    pub const BATCH: Self = Self::new(CallType::Batch, ExecType::Default, [0; 4], [0; 22]);

    /// A mode from its fields.
    pub const fn new(
        call_type: CallType,
        exec_type: ExecType,
        selector: [u8; 4],
        payload: [u8; 22],
    ) -> Self {
        let mut word = [0u8; 32];
        word[0] = call_type as u8;
        word[1] = exec_type as u8;
        let mut i = 0;
        while i < 4 {
            word[6 + i] = selector[i];
            i += 1;
        }
        let mut j = 0;
        while j < 22 {
            word[10 + j] = payload[j];
            j += 1;
        }
        Self(B256::new(word))
    }

    /// The mode word.
    pub const fn word(&self) -> B256 {
        self.0
    }

    /// The call type byte.
    pub const fn call_type_byte(&self) -> u8 {
        self.0.0[0]
    }

    /// The exec type byte.
    pub const fn exec_type_byte(&self) -> u8 {
        self.0.0[1]
    }
}

/// `execute(0x00…00, abi.encodePacked(target, value, callData))`.
pub fn encode_execute_single(call: &Call) -> Bytes {
    let mut execution = Vec::with_capacity(52 + call.data.len());
    execution.extend_from_slice(call.to.as_slice());
    execution.extend_from_slice(&call.value.to_be_bytes::<32>());
    execution.extend_from_slice(&call.data);
    IExecution::executeCall {
        mode: ExecutionMode::SINGLE.word(),
        executionCalldata: execution.into(),
    }
    .abi_encode()
    .into()
}

/// `execute(0x0100…00, abi.encode(Execution[]))`.
pub fn encode_execute_batch(calls: &[Call]) -> Bytes {
    let executions: Vec<Execution> = calls.iter().cloned().map(Execution::from).collect();
    IExecution::executeCall {
        mode: ExecutionMode::BATCH.word(),
        executionCalldata: executions.abi_encode().into(),
    }
    .abi_encode()
    .into()
}

/// The callData of a userOp carrying `calls`, as the SDK and the node encode it: one call as a
/// single execution, more as a batch. Returns `None` for no calls.
pub fn encode_calls(calls: &[Call]) -> Option<Bytes> {
    match calls {
        [] => None,
        [call] => Some(encode_execute_single(call)),
        calls => Some(encode_execute_batch(calls)),
    }
}

/// `executeComposable(executions)` (composability 1.0.0, selector `0xea5a6d91`).
pub fn encode_execute_composable(executions: &[ComposableExecution]) -> Bytes {
    IExecution::executeComposableCall {
        executions: executions.to_vec(),
    }
    .abi_encode()
    .into()
}

/// Where an input parameter's value comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum InputParamFetcherType {
    /// The bytes in `paramData`, as they are.
    RawBytes = 0,
    /// The return data of a static call `abi.encode(target, callData)`.
    StaticCall = 1,
    /// A balance (composability ≥ 1.1.0 only; 1.0.0 uses a `balanceOf` static call).
    Balance = 2,
}

/// How a fetched value is constrained.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ConstraintType {
    /// Equal to the reference.
    Eq = 0,
    /// Greater than or equal to the reference.
    Gte = 1,
    /// Less than or equal to the reference.
    Lte = 2,
    /// Within a range (not produced for runtime values).
    In = 3,
}

impl Constraint {
    /// A constraint with reference `abi.encode(bytes32 value)`.
    pub fn new(kind: ConstraintType, value: B256) -> Self {
        Self {
            constraintType: kind as u8,
            referenceData: value.abi_encode().into(),
        }
    }

    /// The value must equal `value`.
    pub fn equal(value: B256) -> Self {
        Self::new(ConstraintType::Eq, value)
    }

    /// The value must be at least `value`.
    pub fn gte(value: B256) -> Self {
        Self::new(ConstraintType::Gte, value)
    }

    /// The value must be at most `value`.
    pub fn lte(value: B256) -> Self {
        Self::new(ConstraintType::Lte, value)
    }
}

impl InputParam {
    /// Raw bytes placed into the calldata as they are.
    pub fn raw_bytes(data: impl Into<Bytes>) -> Self {
        Self {
            fetcherType: InputParamFetcherType::RawBytes as u8,
            paramData: data.into(),
            constraints: Vec::new(),
        }
    }

    /// The return data of `target.staticcall(calldata)`, checked against `constraints`.
    pub fn static_call(
        target: Address,
        calldata: impl Into<Bytes>,
        constraints: Vec<Constraint>,
    ) -> Self {
        let calldata: Bytes = calldata.into();
        Self {
            fetcherType: InputParamFetcherType::StaticCall as u8,
            paramData: (target, calldata).abi_encode_params().into(),
            constraints,
        }
    }

    /// `token.balanceOf(owner)` at execution time, as composability 1.0.0 expresses it (a
    /// static call).
    pub fn erc20_balance(token: Address, owner: Address, constraints: Vec<Constraint>) -> Self {
        Self::static_call(
            token,
            IExecution::balanceOfCall { account: owner }.abi_encode(),
            constraints,
        )
    }
}

impl ComposableExecution {
    /// A composable call with no input parameters yet.
    pub fn new(to: Address, value: U256, function_sig: FixedBytes<4>) -> Self {
        Self {
            to,
            value,
            functionSig: function_sig,
            inputParams: Vec::new(),
            outputParams: Vec::new(),
        }
    }

    /// A composable call carrying plain calldata: the selector (first 4 bytes, zero-padded when
    /// shorter) and the rest as one raw-bytes parameter.
    pub fn raw_calldata(to: Address, value: U256, calldata: &[u8]) -> Self {
        let mut selector = [0u8; 4];
        let head = calldata.len().min(4);
        selector[..head].copy_from_slice(&calldata[..head]);
        let mut call = Self::new(to, value, FixedBytes::new(selector));
        call.inputParams
            .push(InputParam::raw_bytes(Bytes::copy_from_slice(
                &calldata[head..],
            )));
        call
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{address, hex};

    use super::*;

    #[test]
    fn selectors_match_the_account() {
        assert_eq!(IExecution::executeCall::SELECTOR, hex!("e9ae5c53"));
        assert_eq!(
            IExecution::executeComposableCall::SELECTOR,
            hex!("ea5a6d91")
        );
    }

    #[test]
    fn mode_words() {
        assert_eq!(ExecutionMode::BATCH.word().0[0], 1);
        assert_eq!(ExecutionMode::BATCH.word().0[1..], [0u8; 31]);
        let mode = ExecutionMode::new(CallType::DelegateCall, ExecType::Try, [1, 2, 3, 4], [9; 22]);
        assert_eq!(mode.call_type_byte(), 0xff);
        assert_eq!(mode.exec_type_byte(), 0x01);
        assert_eq!(&mode.word().0[6..10], &[1, 2, 3, 4]);
        assert_eq!(&mode.word().0[10..], &[9; 22]);
    }

    #[test]
    fn single_call_is_packed() {
        let call = Call::new(
            address!("0xa11ce00000000000000000000000000000000001"),
            hex!("273ea3e3"),
        )
        .with_value(U256::from(1));
        let data = encode_execute_single(&call);
        // selector, mode, offset, length, then 20 + 32 + 4 packed bytes.
        assert_eq!(&data[4 + 32 * 3..4 + 32 * 3 + 20], call.to.as_slice());
        assert_eq!(encode_calls(std::slice::from_ref(&call)).unwrap(), data);
        assert!(encode_calls(&[]).is_none());
    }

    #[test]
    fn raw_calldata_splits_the_selector() {
        let call = ComposableExecution::raw_calldata(Address::ZERO, U256::ZERO, &hex!("273ea3e3"));
        assert_eq!(call.functionSig, FixedBytes::new(hex!("273ea3e3")));
        assert_eq!(call.inputParams, vec![InputParam::raw_bytes(Bytes::new())]);
    }
}
