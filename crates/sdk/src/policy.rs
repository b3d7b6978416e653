//! Policy builders: sudo, universal action rules, time frame, usage limit, spending limits and
//! value limit.
//!
//! ```
//! use alloy::primitives::{U256, address};
//! use mee_sdk::policy::{Policy, Rule, UniversalPolicy, calldata_argument};
//!
//! # fn main() -> mee_sdk::Result<()> {
//! let recipient = address!("0xa11ce00000000000000000000000000000000001");
//! let universal = UniversalPolicy::new()
//!     .rule(Rule::equal(calldata_argument(1)?, recipient))
//!     .rule(Rule::less_than_or_equal(calldata_argument(2)?, U256::from(10_000_000u64)));
//! let policies = vec![
//!     Policy::Universal(universal).try_build()?,
//!     Policy::UsageLimit(5).try_build()?,
//! ];
//! assert_eq!(policies[0].initData.len(), 3136);
//! # Ok(())
//! # }
//! ```

use alloy::primitives::{Address, B256, U256};
use mee_primitives::{
    PolicyData,
    policy::{ActionConfig, MAX_RULES, ParamCondition, ParamRule, RulePadding},
};

use crate::error::{Error, Result};

/// The byte offset of the `n`-th (1-based) 32-byte argument after the selector:
/// `(n - 1) * 32`.
pub fn calldata_argument(n: u64) -> Result<u64> {
    if n == 0 {
        return Err(Error::BadCalldataArgument(n));
    }
    Ok((n - 1) * 32)
}

/// A value a universal rule compares an argument with, as a 32-byte word: addresses and short
/// byte strings are left-padded, integers are big-endian `uint256`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ComparisonValue(pub B256);

impl ComparisonValue {
    /// Left-pads up to 32 bytes of hex data into a word.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        if bytes.len() > 32 {
            return Err(Error::ComparisonValueTooLong(bytes.len()));
        }
        let mut word = [0u8; 32];
        word[32 - bytes.len()..].copy_from_slice(bytes);
        Ok(Self(B256::new(word)))
    }
}

impl From<B256> for ComparisonValue {
    fn from(value: B256) -> Self {
        Self(value)
    }
}

impl From<Address> for ComparisonValue {
    fn from(value: Address) -> Self {
        Self(value.into_word())
    }
}

impl From<U256> for ComparisonValue {
    fn from(value: U256) -> Self {
        Self(B256::from(value))
    }
}

impl From<u64> for ComparisonValue {
    fn from(value: u64) -> Self {
        Self::from(U256::from(value))
    }
}

impl From<u128> for ComparisonValue {
    fn from(value: u128) -> Self {
        Self::from(U256::from(value))
    }
}

/// One rule of a universal policy: compare the 32-byte word at `offset` (after the selector)
/// with a reference, optionally with a cumulative limit.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Rule {
    /// The comparison.
    pub condition: ParamCondition,
    /// Byte offset after the selector ([`calldata_argument`]).
    pub offset: u64,
    /// The reference value.
    pub reference: ComparisonValue,
    /// The cumulative limit and the amount already used, when limited.
    pub usage: Option<(U256, U256)>,
}

impl Rule {
    /// A rule without cumulative limit.
    pub fn new(
        condition: ParamCondition,
        offset: u64,
        reference: impl Into<ComparisonValue>,
    ) -> Self {
        Self {
            condition,
            offset,
            reference: reference.into(),
            usage: None,
        }
    }

    /// `argument == reference`.
    pub fn equal(offset: u64, reference: impl Into<ComparisonValue>) -> Self {
        Self::new(ParamCondition::Equal, offset, reference)
    }

    /// `argument > reference`.
    pub fn greater_than(offset: u64, reference: impl Into<ComparisonValue>) -> Self {
        Self::new(ParamCondition::GreaterThan, offset, reference)
    }

    /// `argument < reference`.
    pub fn less_than(offset: u64, reference: impl Into<ComparisonValue>) -> Self {
        Self::new(ParamCondition::LessThan, offset, reference)
    }

    /// `argument >= reference`.
    pub fn greater_than_or_equal(offset: u64, reference: impl Into<ComparisonValue>) -> Self {
        Self::new(ParamCondition::GreaterThanOrEqual, offset, reference)
    }

    /// `argument <= reference`.
    pub fn less_than_or_equal(offset: u64, reference: impl Into<ComparisonValue>) -> Self {
        Self::new(ParamCondition::LessThanOrEqual, offset, reference)
    }

    /// `argument != reference`.
    pub fn not_equal(offset: u64, reference: impl Into<ComparisonValue>) -> Self {
        Self::new(ParamCondition::NotEqual, offset, reference)
    }

    /// Adds a cumulative limit: the sum of the argument over all calls stays at or below
    /// `limit`.
    pub fn limited(self, limit: U256) -> Self {
        self.limited_with_used(limit, U256::ZERO)
    }

    /// Adds a cumulative limit of which `used` is already spent (copied into the policy state).
    pub fn limited_with_used(mut self, limit: U256, used: U256) -> Self {
        self.usage = Some((limit, used));
        self
    }

    /// The on-chain rule.
    pub fn to_param_rule(&self) -> ParamRule {
        let rule = ParamRule::new(self.condition, self.offset, self.reference.0);
        match self.usage {
            Some((limit, used)) => rule.limited(limit, used),
            None => rule,
        }
    }
}

/// Builder of a universal action policy (up to 16 argument rules and a per-call value cap).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct UniversalPolicy {
    rules: Vec<Rule>,
    value_limit_per_use: U256,
    padding: RulePadding,
}

impl UniversalPolicy {
    /// A policy with no rules, value limit 0 and the SDK builder's padding.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a rule.
    pub fn rule(mut self, rule: Rule) -> Self {
        self.rules.push(rule);
        self
    }

    /// Adds several rules.
    pub fn rules(mut self, rules: impl IntoIterator<Item = Rule>) -> Self {
        self.rules.extend(rules);
        self
    }

    /// The largest native value one call may carry (default 0).
    pub fn value_limit_per_use(mut self, limit: U256) -> Self {
        self.value_limit_per_use = limit;
        self
    }

    /// How unused rule slots are filled (default [`RulePadding::Builder`], as the SDK's
    /// `buildActionPolicy`).
    pub fn padding(mut self, padding: RulePadding) -> Self {
        self.padding = padding;
        self
    }

    /// The policy's `ActionConfig`.
    pub fn try_action_config(&self) -> Result<ActionConfig> {
        if self.rules.len() > MAX_RULES {
            return Err(Error::TooManyRules(self.rules.len()));
        }
        let rules: Vec<ParamRule> = self.rules.iter().map(Rule::to_param_rule).collect();
        ActionConfig::new(self.value_limit_per_use, &rules, self.padding)
            .ok_or(Error::TooManyRules(self.rules.len()))
    }

    /// The policy data.
    pub fn try_build(&self) -> Result<PolicyData> {
        Ok(PolicyData::universal(&self.try_action_config()?))
    }

    /// The policy data.
    ///
    /// # Panics
    ///
    /// With more than 16 rules; see [`Self::try_build`].
    pub fn build(&self) -> PolicyData {
        self.try_build().expect("invalid universal policy")
    }
}

/// A policy to build, as the SDK's `buildActionPolicy` types plus the value limit and
/// ready-made policy data.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Policy {
    /// Always passes.
    Sudo,
    /// Argument rules.
    Universal(UniversalPolicy),
    /// A validity window in unix seconds (`valid_until == 0` = no end).
    TimeFrame {
        /// Start.
        valid_after: u64,
        /// End.
        valid_until: u64,
    },
    /// At most this many uses.
    UsageLimit(u128),
    /// Per-token caps on ERC-20 amounts transferred or approved.
    SpendingLimits(Vec<(Address, U256)>),
    /// A cap on the total native value sent.
    ValueLimit(U256),
    /// Policy data built elsewhere, used as is.
    Data(PolicyData),
}

impl Policy {
    /// The policy data.
    pub fn try_build(&self) -> Result<PolicyData> {
        Ok(match self {
            Self::Sudo => PolicyData::sudo(),
            Self::Universal(universal) => universal.try_build()?,
            Self::TimeFrame {
                valid_after,
                valid_until,
            } => PolicyData::time_frame(*valid_after, *valid_until),
            Self::UsageLimit(limit) => PolicyData::usage_limit(*limit),
            Self::SpendingLimits(limits) => PolicyData::spending_limits(limits),
            Self::ValueLimit(limit) => PolicyData::value_limit(*limit),
            Self::Data(data) => data.clone(),
        })
    }

    /// The policy data.
    ///
    /// # Panics
    ///
    /// When [`Self::try_build`] fails.
    pub fn build(&self) -> PolicyData {
        self.try_build().expect("invalid policy")
    }
}

impl From<PolicyData> for Policy {
    fn from(data: PolicyData) -> Self {
        Self::Data(data)
    }
}

impl From<UniversalPolicy> for Policy {
    fn from(universal: UniversalPolicy) -> Self {
        Self::Universal(universal)
    }
}

#[cfg(test)]
mod tests {
    use alloy::primitives::{address, hex};

    use super::*;

    #[test]
    fn calldata_argument_is_one_based() {
        assert_eq!(calldata_argument(1).unwrap(), 0);
        assert_eq!(calldata_argument(3).unwrap(), 64);
        assert!(matches!(
            calldata_argument(0),
            Err(Error::BadCalldataArgument(0))
        ));
    }

    #[test]
    fn comparison_values_are_left_padded() {
        let value = ComparisonValue::from_bytes(&hex!("1234")).unwrap();
        assert_eq!(value.0[30..], [0x12, 0x34]);
        assert_eq!(value, ComparisonValue::from(0x1234u64));
        let recipient = address!("0xa11ce00000000000000000000000000000000001");
        assert_eq!(ComparisonValue::from(recipient).0[12..], recipient[..]);
        assert!(matches!(
            ComparisonValue::from_bytes(&[0; 33]),
            Err(Error::ComparisonValueTooLong(33))
        ));
    }

    #[test]
    fn seventeen_rules_are_too_many() {
        let sixteen = UniversalPolicy::new().rules((0..16).map(|i| Rule::equal(i * 32, i)));
        assert!(sixteen.try_build().is_ok());
        let seventeen = sixteen.rule(Rule::equal(0, 0u64));
        assert!(matches!(
            seventeen.try_build(),
            Err(Error::TooManyRules(17))
        ));
        assert!(matches!(
            Policy::Universal(seventeen).try_build(),
            Err(Error::TooManyRules(17))
        ));
    }

    #[test]
    fn limited_rules_carry_usage() {
        let rule =
            Rule::less_than_or_equal(32, 5u64).limited_with_used(U256::from(50), U256::from(3));
        let param = rule.to_param_rule();
        assert!(param.isLimited);
        assert_eq!(param.usage.limit, U256::from(50));
        assert_eq!(param.usage.used, U256::from(3));
        assert!(!Rule::equal(0, 1u64).to_param_rule().isLimited);
    }
}
