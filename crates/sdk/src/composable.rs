//! Composable calls (native composability 1.0.0): calldata assembled at execution time from
//! static arguments and runtime values, with constraints and conditions.
//!
//! ```
//! use alloy::primitives::{B256, U256, address};
//! use mee_sdk::composable::{ComposableCall, runtime};
//!
//! let usdc = address!("0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913");
//! let account = address!("0x50255639C0e4d184cEBFF9Ea78F3055283290700");
//! let alice = address!("0xa11ce00000000000000000000000000000000001");
//! // transfer(alice, <the account's whole USDC balance, at least 1>)
//! let call = ComposableCall::new(usdc, "transfer(address,uint256)")
//!     .unwrap()
//!     .static_word(alice.into_word())
//!     .runtime(runtime::erc20_balance(usdc, account, vec![runtime::gte(U256::from(1))]))
//!     .build();
//! assert_eq!(call.inputParams.len(), 2);
//! ```

use alloy::{
    primitives::{Address, B256, Bytes, FixedBytes, U256},
    sol,
};
use mee_primitives::{
    addresses::ENTRY_POINT_V07,
    execution::{
        ComposableExecution, InputParam, InputParamFetcherType, encode_execute_composable,
    },
};

use crate::{action::parse_function_selector, error::Result};

sol! {
    /// View functions the runtime helpers call.
    interface IRuntimeViews {
        /// ERC-20 allowance.
        function allowance(address owner, address spender) external view returns (uint256);
        /// EntryPoint v0.7 nonce of a key.
        function getNonce(address sender, uint192 key) external view returns (uint256);
    }
}

/// Runtime values and constraints.
pub mod runtime {
    use alloy::primitives::{Address, B256, Bytes, U256, aliases::U192};
    use alloy::sol_types::SolCall;
    use mee_primitives::execution::{Constraint, InputParam};

    use super::{ENTRY_POINT_V07, IRuntimeViews};

    /// The value must equal `value`.
    pub fn eq(value: impl Into<B256Like>) -> Constraint {
        Constraint::equal(value.into().0)
    }

    /// The value must be at least `value`.
    pub fn gte(value: impl Into<B256Like>) -> Constraint {
        Constraint::gte(value.into().0)
    }

    /// The value must be at most `value`.
    pub fn lte(value: impl Into<B256Like>) -> Constraint {
        Constraint::lte(value.into().0)
    }

    /// A 32-byte constraint reference (`toBytes32` of an integer, an address or a word).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct B256Like(pub B256);

    impl From<U256> for B256Like {
        fn from(value: U256) -> Self {
            Self(B256::from(value))
        }
    }

    impl From<B256> for B256Like {
        fn from(value: B256) -> Self {
            Self(value)
        }
    }

    impl From<Address> for B256Like {
        fn from(value: Address) -> Self {
            Self(value.into_word())
        }
    }

    impl From<bool> for B256Like {
        fn from(value: bool) -> Self {
            Self(B256::with_last_byte(value.into()))
        }
    }

    /// The return data of `target.staticcall(calldata)`.
    pub fn static_call(
        target: Address,
        calldata: impl Into<Bytes>,
        constraints: Vec<Constraint>,
    ) -> InputParam {
        InputParam::static_call(target, calldata, constraints)
    }

    /// `token.balanceOf(owner)` (a `balanceOf` static call in composability 1.0.0).
    pub fn erc20_balance(
        token: Address,
        owner: Address,
        constraints: Vec<Constraint>,
    ) -> InputParam {
        InputParam::erc20_balance(token, owner, constraints)
    }

    /// `token.allowance(owner, spender)`.
    pub fn allowance(
        token: Address,
        owner: Address,
        spender: Address,
        constraints: Vec<Constraint>,
    ) -> InputParam {
        let call = IRuntimeViews::allowanceCall { owner, spender };
        InputParam::static_call(token, call.abi_encode(), constraints)
    }

    /// `EntryPoint.getNonce(account, key)`.
    pub fn entry_point_nonce(
        account: Address,
        key: U192,
        constraints: Vec<Constraint>,
    ) -> InputParam {
        let call = IRuntimeViews::getNonceCall {
            sender: account,
            key,
        };
        InputParam::static_call(ENTRY_POINT_V07, call.abi_encode(), constraints)
    }
}

/// Builder of one composable call: the function, then its arguments in order (static words
/// and runtime values), then conditions. Adjacent static arguments are merged into one
/// raw-bytes parameter, as the SDK's efficient mode does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComposableCall {
    call: ComposableExecution,
    conditions: Vec<InputParam>,
}

impl ComposableCall {
    /// A call to `to`'s function given as a hex selector or a signature.
    pub fn new(to: Address, function: &str) -> Result<Self> {
        Ok(Self::with_selector(to, parse_function_selector(function)?))
    }

    /// A call to `to`'s function `selector`.
    pub fn with_selector(to: Address, selector: FixedBytes<4>) -> Self {
        Self {
            call: ComposableExecution::new(to, U256::ZERO, selector),
            conditions: Vec::new(),
        }
    }

    /// Native value to send.
    pub fn value(mut self, value: U256) -> Self {
        self.call.value = value;
        self
    }

    /// A static argument already ABI-encoded (its head words).
    pub fn static_bytes(mut self, encoded: impl Into<Bytes>) -> Self {
        let encoded: Bytes = encoded.into();
        match self.call.inputParams.last_mut() {
            Some(last)
                if last.fetcherType == InputParamFetcherType::RawBytes as u8
                    && last.constraints.is_empty() =>
            {
                last.paramData = [last.paramData.as_ref(), encoded.as_ref()].concat().into();
            }
            _ => self.call.inputParams.push(InputParam::raw_bytes(encoded)),
        }
        self
    }

    /// A static 32-byte argument.
    pub fn static_word(self, word: B256) -> Self {
        self.static_bytes(Bytes::copy_from_slice(word.as_slice()))
    }

    /// A runtime argument (see [`runtime`]).
    pub fn runtime(mut self, param: InputParam) -> Self {
        self.call.inputParams.push(param);
        self
    }

    /// A condition: a static call whose result must meet its constraints, checked after the
    /// arguments (appended as an extra parameter).
    pub fn condition(mut self, condition: InputParam) -> Self {
        self.conditions.push(condition);
        self
    }

    /// The composable call.
    pub fn build(self) -> ComposableExecution {
        let mut call = self.call;
        call.inputParams.extend(self.conditions);
        call
    }
}

/// `executeComposable(calls)` calldata.
pub fn encode_composable(calls: Vec<ComposableCall>) -> Bytes {
    let executions: Vec<ComposableExecution> =
        calls.into_iter().map(ComposableCall::build).collect();
    encode_execute_composable(&executions)
}

#[cfg(test)]
mod tests {
    use alloy::primitives::address;

    use super::*;

    #[test]
    fn adjacent_static_arguments_merge() {
        let call = ComposableCall::with_selector(Address::ZERO, FixedBytes::ZERO)
            .static_word(B256::with_last_byte(1))
            .static_word(B256::with_last_byte(2))
            .runtime(runtime::erc20_balance(Address::ZERO, Address::ZERO, vec![]))
            .static_word(B256::with_last_byte(3))
            .build();
        assert_eq!(call.inputParams.len(), 3);
        assert_eq!(call.inputParams[0].paramData.len(), 64);
        assert_eq!(call.inputParams[2].paramData.len(), 32);
    }

    #[test]
    fn conditions_come_last() {
        let token = address!("0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913");
        let condition = runtime::erc20_balance(token, token, vec![runtime::gte(U256::from(5))]);
        let call = ComposableCall::with_selector(token, FixedBytes::ZERO)
            .condition(condition.clone())
            .static_word(B256::ZERO)
            .build();
        assert_eq!(call.inputParams.last(), Some(&condition));
        assert!(ComposableCall::new(token, "bad").is_err());
    }
}
