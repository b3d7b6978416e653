//! Init data of the Smart Sessions policies, and [`PolicyData`] constructors for each.
//!
//! | Policy | Init data |
//! |---|---|
//! | sudo | empty |
//! | universal action | `abi.encode(ActionConfig)`: a fully static 3136-byte tuple with 16 rule slots |
//! | time frame | `abi.encodePacked(uint48 validUntil, uint48 validAfter)` (validUntil first) |
//! | usage limit | `abi.encodePacked(uint128 limit)` |
//! | ERC-20 spending limits | `abi.encode(address[] tokens, uint256[] limits)` |
//! | value limit | `abi.encode(uint256 limit)` |

use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_sol_types::{SolValue, sol};

use crate::{addresses::policies, session::PolicyData};

/// The number of rule slots of a universal action policy.
pub const MAX_RULES: usize = 16;

sol! {
    /// A cumulative limit of a universal rule: the sum of the checked argument over all calls
    /// must stay at or below `limit`.
    #[derive(Debug, Default, PartialEq, Eq, Hash)]
    struct LimitUsage {
        /// The cap.
        uint256 limit;
        /// The amount already used (copied into the policy's state at init).
        uint256 used;
    }

    /// One rule of a universal action policy.
    #[derive(Debug, Default, PartialEq, Eq, Hash)]
    struct ParamRule {
        /// The [`ParamCondition`] as its byte.
        uint8 condition;
        /// Byte offset of the checked 32-byte word in the calldata, after the selector.
        uint64 offset;
        /// Whether the cumulative limit in `usage` applies.
        bool isLimited;
        /// The value the argument is compared with (`ref` in the contract).
        bytes32 refValue;
        /// The cumulative limit.
        LimitUsage usage;
    }

    /// The rules of a universal action policy: `length` active rules out of 16 slots.
    #[derive(Debug, Default, PartialEq, Eq, Hash)]
    struct ParamRules {
        /// How many slots are active.
        uint256 length;
        /// The slots.
        ParamRule[16] rules;
    }

    /// The init data of a universal action policy.
    #[derive(Debug, Default, PartialEq, Eq, Hash)]
    struct ActionConfig {
        /// The largest native value one call may carry.
        uint256 valueLimitPerUse;
        /// The argument rules.
        ParamRules paramRules;
    }
}

/// How a universal rule compares the calldata word with its reference (unsigned, as `bytes32`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ParamCondition {
    /// `param == ref`.
    Equal = 0,
    /// `param > ref`.
    GreaterThan = 1,
    /// `param < ref`.
    LessThan = 2,
    /// `param >= ref`.
    GreaterThanOrEqual = 3,
    /// `param <= ref`.
    LessThanOrEqual = 4,
    /// `param != ref`.
    NotEqual = 5,
}

impl ParamCondition {
    /// Every condition, by value.
    pub const ALL: [Self; 6] = [
        Self::Equal,
        Self::GreaterThan,
        Self::LessThan,
        Self::GreaterThanOrEqual,
        Self::LessThanOrEqual,
        Self::NotEqual,
    ];

    /// The condition of a byte, if it is one of the six.
    pub const fn from_u8(byte: u8) -> Option<Self> {
        match byte {
            0 => Some(Self::Equal),
            1 => Some(Self::GreaterThan),
            2 => Some(Self::LessThan),
            3 => Some(Self::GreaterThanOrEqual),
            4 => Some(Self::LessThanOrEqual),
            5 => Some(Self::NotEqual),
            _ => None,
        }
    }

    /// The SDK's name of the condition (`"equal"`, `"greaterThan"`, …).
    pub const fn sdk_name(self) -> &'static str {
        match self {
            Self::Equal => "equal",
            Self::GreaterThan => "greaterThan",
            Self::LessThan => "lessThan",
            Self::GreaterThanOrEqual => "greaterThanOrEqual",
            Self::LessThanOrEqual => "lessThanOrEqual",
            Self::NotEqual => "notEqual",
        }
    }

    /// The condition of an SDK name, if it is one.
    pub fn from_sdk_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|condition| condition.sdk_name() == name)
    }
}

/// How the unused rule slots (`length..16`) of a universal policy are filled. The contract
/// ignores them, but they are part of the init data and so of the enable digest.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum RulePadding {
    /// `{condition: GREATER_THAN, offset: 0, isLimited: false, ref: 0, usage: 0/0}`: the SDK's
    /// policy builder, used for session actions and the fee-token payment policy.
    #[default]
    Builder,
    /// `{condition: EQUAL, offset: slot * 32, isLimited: false, ref: 0, usage: 0/0}`: the SDK's
    /// exported `toActionConfig` helper.
    IndexedEqual,
}

impl RulePadding {
    /// The rule placed in unused slot `index`.
    pub fn rule(self, index: usize) -> ParamRule {
        match self {
            Self::Builder => ParamRule {
                condition: ParamCondition::GreaterThan as u8,
                ..ParamRule::default()
            },
            Self::IndexedEqual => ParamRule {
                condition: ParamCondition::Equal as u8,
                offset: index as u64 * 32,
                ..ParamRule::default()
            },
        }
    }
}

impl ParamRule {
    /// A rule without cumulative limit.
    pub fn new(condition: ParamCondition, offset: u64, reference: B256) -> Self {
        Self {
            condition: condition as u8,
            offset,
            isLimited: false,
            refValue: reference,
            usage: LimitUsage::default(),
        }
    }

    /// The rule with a cumulative limit (`isLimited = true`).
    pub fn limited(mut self, limit: U256, used: U256) -> Self {
        self.isLimited = true;
        self.usage = LimitUsage { limit, used };
        self
    }
}

impl ActionConfig {
    /// A config with `rules` in the first slots and the rest filled by `padding`. Returns `None`
    /// when there are more than [`MAX_RULES`] rules.
    pub fn new(
        value_limit_per_use: U256,
        rules: &[ParamRule],
        padding: RulePadding,
    ) -> Option<Self> {
        if rules.len() > MAX_RULES {
            return None;
        }
        let slots = std::array::from_fn(|index| {
            rules
                .get(index)
                .cloned()
                .unwrap_or_else(|| padding.rule(index))
        });
        Some(Self {
            valueLimitPerUse: value_limit_per_use,
            paramRules: ParamRules {
                length: U256::from(rules.len()),
                rules: slots,
            },
        })
    }

    /// The active rules (`rules[0..length]`, capped at 16).
    pub fn active_rules(&self) -> &[ParamRule] {
        let length = usize::try_from(self.paramRules.length)
            .unwrap_or(MAX_RULES)
            .min(MAX_RULES);
        &self.paramRules.rules[..length]
    }

    /// The init data: `abi.encode(ActionConfig)`, 3136 bytes.
    pub fn init_data(&self) -> Bytes {
        self.abi_encode().into()
    }

    /// Decodes universal-policy init data.
    pub fn decode(init_data: &[u8]) -> Result<Self, alloy_sol_types::Error> {
        Self::abi_decode(init_data)
    }
}

/// Init data of the time-frame policy: `abi.encodePacked(uint48 validUntil, uint48 validAfter)`.
/// Both are unix seconds; `valid_until == 0` means no end. Values are truncated to 48 bits as
/// `encodePacked` does.
pub fn time_frame_init_data(valid_after: u64, valid_until: u64) -> Bytes {
    let mut out = Vec::with_capacity(12);
    out.extend_from_slice(&valid_until.to_be_bytes()[2..]);
    out.extend_from_slice(&valid_after.to_be_bytes()[2..]);
    out.into()
}

/// Init data of the usage-limit policy: `abi.encodePacked(uint128 limit)`.
pub fn usage_limit_init_data(limit: u128) -> Bytes {
    limit.to_be_bytes().to_vec().into()
}

/// Init data of the ERC-20 spending-limits policy: `abi.encode(address[] tokens,
/// uint256[] limits)`, in the given order.
pub fn spending_limits_init_data(limits: &[(Address, U256)]) -> Bytes {
    let tokens: Vec<Address> = limits.iter().map(|(token, _)| *token).collect();
    let amounts: Vec<U256> = limits.iter().map(|(_, amount)| *amount).collect();
    (tokens, amounts).abi_encode_params().into()
}

/// Init data of the value-limit policy: `abi.encode(uint256 limit)`.
pub fn value_limit_init_data(limit: U256) -> Bytes {
    limit.abi_encode().into()
}

impl PolicyData {
    /// The sudo policy: always passes. Init data is empty.
    pub fn sudo() -> Self {
        Self::new(policies::SUDO, Bytes::new())
    }

    /// The universal action policy with `config`.
    pub fn universal(config: &ActionConfig) -> Self {
        Self::new(policies::UNIVERSAL_ACTION, config.init_data())
    }

    /// The time-frame policy: valid from `valid_after` until `valid_until` (unix seconds,
    /// `0` = no end).
    pub fn time_frame(valid_after: u64, valid_until: u64) -> Self {
        Self::new(
            policies::TIME_FRAME,
            time_frame_init_data(valid_after, valid_until),
        )
    }

    /// The usage-limit policy: at most `limit` uses.
    pub fn usage_limit(limit: u128) -> Self {
        Self::new(policies::USAGE_LIMIT, usage_limit_init_data(limit))
    }

    /// The ERC-20 spending-limits policy with per-token caps.
    pub fn spending_limits(limits: &[(Address, U256)]) -> Self {
        Self::new(
            policies::ERC20_SPENDING_LIMIT,
            spending_limits_init_data(limits),
        )
    }

    /// The value-limit policy: at most `limit` wei in total.
    pub fn value_limit(limit: U256) -> Self {
        Self::new(policies::VALUE_LIMIT, value_limit_init_data(limit))
    }

    /// Whether this is the universal action policy.
    pub fn is_universal(&self) -> bool {
        self.policy == policies::UNIVERSAL_ACTION
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{address, hex};

    use super::*;

    #[test]
    fn action_config_is_static_and_3136_bytes() {
        let config = ActionConfig::new(U256::ZERO, &[], RulePadding::Builder).unwrap();
        assert_eq!(config.init_data().len(), 3136);
        assert_eq!(ActionConfig::decode(&config.init_data()).unwrap(), config);
    }

    #[test]
    fn padding_schemes_differ() {
        let builder = RulePadding::Builder.rule(3);
        assert_eq!((builder.condition, builder.offset), (1, 0));
        let indexed = RulePadding::IndexedEqual.rule(3);
        assert_eq!((indexed.condition, indexed.offset), (0, 96));
    }

    #[test]
    fn more_than_sixteen_rules_are_rejected() {
        let rule = ParamRule::new(ParamCondition::Equal, 0, B256::ZERO);
        assert!(
            ActionConfig::new(U256::ZERO, &vec![rule.clone(); 16], RulePadding::Builder).is_some()
        );
        assert!(ActionConfig::new(U256::ZERO, &vec![rule; 17], RulePadding::Builder).is_none());
    }

    #[test]
    fn time_frame_puts_valid_until_first() {
        assert_eq!(
            time_frame_init_data(1735689600, 1735776000).as_ref(),
            hex!("00006775d700000067748580").as_slice()
        );
    }

    #[test]
    fn condition_names_round_trip() {
        for condition in ParamCondition::ALL {
            assert_eq!(
                ParamCondition::from_sdk_name(condition.sdk_name()),
                Some(condition)
            );
            assert_eq!(ParamCondition::from_u8(condition as u8), Some(condition));
        }
        assert_eq!(ParamCondition::from_u8(6), None);
    }

    #[test]
    fn spending_limits_keep_order() {
        let a = address!("0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913");
        let b = address!("0x4200000000000000000000000000000000000006");
        let data = spending_limits_init_data(&[(a, U256::from(1)), (b, U256::from(2))]);
        assert_eq!(data.len(), 256);
        assert_eq!(&data[96 + 12..128], a.as_slice());
    }
}
