//! The permissions file: what a session key may do, per chain, in TOML or JSON.
//!
//! ```toml
//! redeemer = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"   # the session key's address
//! salt = "0x…"                  # optional, 32 bytes: same salt and redeemer = same permission id
//! batch_actions = true          # optional (PREPARE): one session and one call per chain
//!
//! [fee]                         # optional: let the session pay the MEE fee in this token
//! token = "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"
//! chain_id = 8453
//! max_payment_amount = "5000000"  # base units; default 5 tokens
//!
//! [[action]]                    # any function: target + function (signature or selector)
//! chains = [8453, 10]
//! target = "0xc0fFEE0000000000000000000000000000000003"
//! function = "increment()"      # no policies: sudo
//!
//! [[action]]
//! chains = [8453]
//! target = "0x…"
//! function = "0xa9059cbb"
//! [[action.policy]]
//! type = "universal"
//! rules = [
//!   { arg = 1, condition = "equal", value = "0xa11ce00000000000000000000000000000000001" },
//!   { arg = 2, condition = "<=", value = "1000000", limit = "5000000" },
//! ]
//! [[action.policy]]
//! type = "time_frame"
//! valid_after = 1700000000
//! valid_until = 1900000000
//!
//! [[action]]                    # ERC-20 transfer / approve / transfer_from with built-in rules
//! chains = [8453]
//! erc20 = "transfer"
//! target = "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"
//! recipient = "0x…"
//! amount_limit_per_action = "10000000"
//! max_amount_limit = "100000000"
//! usage_limit = 10
//! valid_until = 1900000000
//! ```
//!
//! Policies (`type`): `sudo`; `universal` (`rules` with `arg` (1-based argument) or `offset`
//! (bytes after the selector), `condition` (`equal`/`==`, `not_equal`/`!=`, `less_than`/`<`,
//! `less_than_or_equal`/`<=`, `greater_than`/`>`, `greater_than_or_equal`/`>=`, or the SDK's
//! camelCase names), `value`, optional cumulative `limit` and `used`; optional
//! `value_limit_per_use`); `time_frame` (`valid_after`, `valid_until`, unix seconds, 0 = open);
//! `usage_limit` (`limit`); `spending_limit` (`limit`: the total the action's target token may
//! move); `value_limit` (`limit` in wei); `raw` (`address`, `init_data`: any policy contract).
//! The JSON form has the same keys (`action` or `actions`, `policy` or `policies`). Amounts are
//! integers or strings (decimal, `0x` hex, `_` separators allowed).

use std::{fmt, path::Path};

use alloy::{
    primitives::{Address, B256, Bytes, FixedBytes, U256},
    sol_types::SolValue,
};
use anyhow::{Context, bail, ensure};
use mee_primitives::{
    ActionData, PolicyData,
    addresses::policies,
    policy::{ActionConfig, ParamCondition},
};
use mee_sdk::{
    action::{CustomAction, Erc20Action, Erc20ActionKind, SessionAction, TRANSFER_SELECTOR},
    payment::FeeToken,
    policy::{ComparisonValue, Policy, Rule, UniversalPolicy, calldata_argument},
};
use serde::{Deserialize, Deserializer, Serialize, de};

/// A permissions file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PermissionsFile {
    /// The session key's address (may be given on the command line instead).
    #[serde(default)]
    pub(crate) redeemer: Option<Address>,
    /// The session salt (random when absent).
    #[serde(default)]
    pub(crate) salt: Option<B256>,
    /// The fee-token payment permission.
    #[serde(default)]
    pub(crate) fee: Option<FeeSection>,
    /// Whether a chain's actions form one session (PREPARE; default true).
    #[serde(default = "default_true")]
    pub(crate) batch_actions: bool,
    /// The actions.
    #[serde(rename = "action", alias = "actions", default)]
    pub(crate) actions: Vec<ActionSpec>,
}

fn default_true() -> bool {
    true
}

/// `[fee]`: the token the session key pays MEE fees with.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FeeSection {
    pub(crate) token: Address,
    pub(crate) chain_id: u64,
    #[serde(default)]
    pub(crate) max_payment_amount: Option<Amount>,
}

impl FeeSection {
    pub(crate) fn fee_token(&self) -> FeeToken {
        FeeToken {
            address: self.token,
            chain_id: self.chain_id,
        }
    }
}

/// One `[[action]]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ActionSpec {
    #[serde(alias = "chain_ids")]
    pub(crate) chains: Vec<u64>,
    pub(crate) target: Address,
    #[serde(default, alias = "selector")]
    pub(crate) function: Option<String>,
    #[serde(default)]
    pub(crate) erc20: Option<Erc20Kind>,
    #[serde(rename = "policy", alias = "policies", default)]
    pub(crate) policies: Vec<PolicySpec>,
    #[serde(default)]
    pub(crate) recipient: Option<Address>,
    #[serde(default)]
    pub(crate) amount_limit_per_action: Option<Amount>,
    #[serde(default)]
    pub(crate) max_amount_limit: Option<Amount>,
    #[serde(default)]
    pub(crate) usage_limit: Option<u64>,
    #[serde(default)]
    pub(crate) valid_after: Option<u64>,
    #[serde(default)]
    pub(crate) valid_until: Option<u64>,
}

/// The ERC-20 actions with built-in rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Erc20Kind {
    Transfer,
    Approve,
    #[serde(alias = "transferFrom")]
    TransferFrom,
}

impl From<Erc20Kind> for Erc20ActionKind {
    fn from(kind: Erc20Kind) -> Self {
        match kind {
            Erc20Kind::Transfer => Self::Transfer,
            Erc20Kind::Approve => Self::Approve,
            Erc20Kind::TransferFrom => Self::TransferFrom,
        }
    }
}

/// One `[[action.policy]]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum PolicySpec {
    Sudo,
    #[serde(alias = "universal_action")]
    Universal {
        #[serde(default)]
        rules: Vec<RuleSpec>,
        #[serde(default)]
        value_limit_per_use: Option<Amount>,
    },
    TimeFrame {
        #[serde(default)]
        valid_after: u64,
        #[serde(default)]
        valid_until: u64,
    },
    UsageLimit {
        limit: u64,
    },
    #[serde(alias = "spending_limits")]
    SpendingLimit {
        limit: Amount,
    },
    ValueLimit {
        limit: Amount,
    },
    Raw {
        address: Address,
        #[serde(default)]
        init_data: Bytes,
    },
}

/// One rule of a universal policy.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleSpec {
    #[serde(default)]
    pub(crate) arg: Option<u64>,
    #[serde(default)]
    pub(crate) offset: Option<u64>,
    pub(crate) condition: Condition,
    pub(crate) value: RuleValue,
    #[serde(default)]
    pub(crate) limit: Option<Amount>,
    #[serde(default)]
    pub(crate) used: Option<Amount>,
}

/// A rule's comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Condition(pub(crate) ParamCondition);

impl<'de> Deserialize<'de> for Condition {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse_condition(&text)
            .map(Self)
            .ok_or_else(|| de::Error::custom(format!(
                "unknown condition {text:?} (expected equal, not_equal, less_than, less_than_or_equal, greater_than, greater_than_or_equal, or ==, !=, <, <=, >, >=)"
            )))
    }
}

fn parse_condition(text: &str) -> Option<ParamCondition> {
    use ParamCondition::*;
    if let Some(condition) = ParamCondition::from_sdk_name(text) {
        return Some(condition);
    }
    Some(match text {
        "equal" | "eq" | "==" => Equal,
        "not_equal" | "ne" | "!=" => NotEqual,
        "less_than" | "lt" | "<" => LessThan,
        "less_than_or_equal" | "lte" | "le" | "<=" => LessThanOrEqual,
        "greater_than" | "gt" | ">" => GreaterThan,
        "greater_than_or_equal" | "gte" | "ge" | ">=" => GreaterThanOrEqual,
        _ => return None,
    })
}

/// The symbol of a condition, for display.
pub(crate) fn condition_symbol(condition: ParamCondition) -> &'static str {
    match condition {
        ParamCondition::Equal => "==",
        ParamCondition::NotEqual => "!=",
        ParamCondition::LessThan => "<",
        ParamCondition::LessThanOrEqual => "<=",
        ParamCondition::GreaterThan => ">",
        ParamCondition::GreaterThanOrEqual => ">=",
    }
}

/// An unsigned amount: an integer, or a string in decimal or `0x` hex (with `_` separators).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Amount(pub(crate) U256);

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match NumberOrText::deserialize(deserializer)? {
            NumberOrText::Number(n) => Ok(Self(U256::from(n))),
            NumberOrText::Text(text) => parse_amount(&text).map(Self).map_err(de::Error::custom),
        }
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum NumberOrText {
    Number(u64),
    Text(String),
}

/// Parses a decimal or `0x` hex amount, ignoring `_`.
pub(crate) fn parse_amount(text: &str) -> Result<U256, String> {
    let cleaned: String = text.trim().chars().filter(|c| *c != '_').collect();
    let parsed = match cleaned.strip_prefix("0x") {
        Some(hex) if !hex.is_empty() => U256::from_str_radix(hex, 16),
        None if !cleaned.is_empty() && cleaned.bytes().all(|b| b.is_ascii_digit()) => {
            U256::from_str_radix(&cleaned, 10)
        }
        _ => return Err(format!("{text:?} is not an amount (decimal or 0x hex)")),
    };
    parsed.map_err(|err| format!("{text:?} is not an amount: {err}"))
}

/// What a rule compares with: an integer, or a string (decimal integer, or `0x` hex of at most
/// 32 bytes, left-padded; an address is 20 bytes of hex).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RuleValue(pub(crate) ComparisonValue);

impl<'de> Deserialize<'de> for RuleValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match NumberOrText::deserialize(deserializer)? {
            NumberOrText::Number(n) => Ok(Self(ComparisonValue::from(n))),
            NumberOrText::Text(text) => {
                let trimmed = text.trim();
                if let Some(hex) = trimmed.strip_prefix("0x") {
                    let bytes = alloy::primitives::hex::decode(hex)
                        .map_err(|_| de::Error::custom(format!("{text:?} is not hex")))?;
                    ComparisonValue::from_bytes(&bytes)
                        .map(Self)
                        .map_err(de::Error::custom)
                } else {
                    parse_amount(trimmed)
                        .map(|value| Self(ComparisonValue::from(value)))
                        .map_err(de::Error::custom)
                }
            }
        }
    }
}

impl PermissionsFile {
    /// Reads a TOML or JSON file (by extension; `.json` is JSON, anything else TOML unless it
    /// starts with `{`).
    pub(crate) fn load(path: &Path) -> anyhow::Result<Self> {
        let text = super::read_file(path, "permissions file")?;
        Self::parse(
            &text,
            path.extension().and_then(|e| e.to_str()) == Some("json"),
        )
        .with_context(|| format!("in the permissions file {}", path.display()))
    }

    /// Parses TOML, or JSON when `json` or when the text starts with `{`.
    pub(crate) fn parse(text: &str, json: bool) -> anyhow::Result<Self> {
        let file: Self = if json || text.trim_start().starts_with('{') {
            serde_json::from_str(text)?
        } else {
            toml::from_str(text)?
        };
        ensure!(
            !file.actions.is_empty(),
            "no actions: add at least one [[action]]"
        );
        Ok(file)
    }

    /// Every chain an action or the fee names, in order of first appearance.
    pub(crate) fn chain_ids(&self) -> Vec<u64> {
        let mut ids = Vec::new();
        for id in self
            .actions
            .iter()
            .flat_map(|action| action.chains.iter().copied())
            .chain(self.fee.as_ref().map(|fee| fee.chain_id))
        {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        ids
    }

    /// The session actions, one entry per action and chain, in file order. `now` (unix
    /// seconds) fills missing ERC-20 time-frame starts.
    pub(crate) fn session_actions(&self, now: u64) -> anyhow::Result<Vec<SessionAction>> {
        if let Some(fee) = &self.fee {
            ensure!(
                self.actions
                    .iter()
                    .any(|action| action.chains.contains(&fee.chain_id)),
                "the fee is paid on chain {0}, but no action is on chain {0}: add one there or \
                 choose a chain with actions for [fee] chain_id",
                fee.chain_id
            );
        }
        let mut built: Vec<SessionAction> = Vec::new();
        for (index, action) in self.actions.iter().enumerate() {
            let entries = action.build(now).with_context(|| {
                format!(
                    "action #{} (target {} on chains {:?})",
                    index + 1,
                    action.target,
                    action.chains
                )
            })?;
            built.extend(entries);
        }
        if let Some(fee) = &self.fee {
            let fee_chain: Vec<ActionData> = built
                .iter()
                .filter(|entry| entry.chain_id == fee.chain_id)
                .flat_map(|entry| entry.actions.iter().cloned())
                .collect();
            if let Some(recipient) = fee_transfer_recipient(&fee_chain, &fee.fee_token()) {
                bail!(
                    "the transfer action on the fee token {} (chain {}) only allows recipient \
                     {recipient}, so the session could not pay the node's fee with it: drop the \
                     recipient rule there, or pay fees with another token or chain",
                    fee.token,
                    fee.chain_id
                );
            }
        }
        Ok(built)
    }
}

/// The only recipient a fee-token `transfer` action allows, if one does: such a rule also
/// refuses the fee payment to the node (the payment permission raises amount rules only).
pub(crate) fn fee_transfer_recipient(actions: &[ActionData], fee: &FeeToken) -> Option<String> {
    actions
        .iter()
        .filter(|action| {
            action.actionTarget == fee.address && action.actionTargetSelector == TRANSFER_SELECTOR
        })
        .flat_map(|action| action.actionPolicies.iter())
        .filter(|policy| policy.is_universal())
        .filter_map(|policy| ActionConfig::decode(&policy.initData).ok())
        .find_map(|config| {
            config
                .active_rules()
                .iter()
                .find(|rule| rule.offset == 0 && rule.condition == ParamCondition::Equal as u8)
                .map(|rule| word_text(rule.refValue))
        })
}

impl ActionSpec {
    fn build(&self, now: u64) -> anyhow::Result<Vec<SessionAction>> {
        ensure!(!self.chains.is_empty(), "no chains: set chains = [ID, …]");
        let policies = self
            .policies
            .iter()
            .map(|policy| policy.to_policy(self.target))
            .collect::<anyhow::Result<Vec<_>>>()?;
        match (self.erc20, &self.function) {
            (Some(_), Some(_)) => {
                bail!("give either erc20 (transfer, approve, transfer_from) or function, not both")
            }
            (None, None) => bail!(
                "no function: set function = \"name(types)\" or a selector \"0x12345678\", or erc20 = \"transfer\""
            ),
            (None, Some(function)) => {
                let erc20_options = [
                    ("recipient", self.recipient.is_some()),
                    (
                        "amount_limit_per_action",
                        self.amount_limit_per_action.is_some(),
                    ),
                    ("max_amount_limit", self.max_amount_limit.is_some()),
                    ("usage_limit", self.usage_limit.is_some()),
                    ("valid_after", self.valid_after.is_some()),
                    ("valid_until", self.valid_until.is_some()),
                ];
                if let Some((name, _)) = erc20_options.iter().find(|(_, set)| *set) {
                    bail!(
                        "{name} applies to erc20 actions only; for a function action express it \
                         as a policy ([[action.policy]])"
                    );
                }
                let mut action = CustomAction::try_function(self.target, function)?
                    .chain_ids(self.chains.iter().copied());
                for policy in policies {
                    action = action.policy(policy);
                }
                Ok(action.try_build()?)
            }
            (Some(kind), None) => {
                let mut action = Erc20Action::new(kind.into(), self.target)
                    .chain_ids(self.chains.iter().copied())
                    .now(now);
                if let Some(recipient) = self.recipient {
                    action = action.recipient(recipient);
                }
                if let Some(amount) = self.amount_limit_per_action {
                    action = action.amount_limit_per_action(amount.0);
                }
                if let Some(amount) = self.max_amount_limit {
                    action = action.max_amount_limit(amount.0);
                }
                if let Some(limit) = self.usage_limit {
                    action = action.usage_limit(u128::from(limit));
                }
                if let Some(timestamp) = self.valid_after {
                    action = action.valid_after(timestamp);
                }
                if let Some(timestamp) = self.valid_until {
                    action = action.valid_until(timestamp);
                }
                for policy in policies {
                    action = action.policy(policy);
                }
                Ok(action.try_build()?)
            }
        }
    }
}

impl PolicySpec {
    fn to_policy(&self, target: Address) -> anyhow::Result<Policy> {
        Ok(match self {
            Self::Sudo => Policy::Sudo,
            Self::Universal {
                rules,
                value_limit_per_use,
            } => {
                let mut universal = UniversalPolicy::new();
                for (index, rule) in rules.iter().enumerate() {
                    universal = universal.rule(
                        rule.to_rule()
                            .with_context(|| format!("rule #{}", index + 1))?,
                    );
                }
                if let Some(limit) = value_limit_per_use {
                    universal = universal.value_limit_per_use(limit.0);
                }
                // Fail here, with the file's context, rather than at build time.
                universal.try_action_config()?;
                Policy::Universal(universal)
            }
            Self::TimeFrame {
                valid_after,
                valid_until,
            } => {
                ensure!(
                    *valid_until == 0 || valid_until > valid_after,
                    "time_frame: valid_until ({valid_until}) must be after valid_after ({valid_after})"
                );
                Policy::TimeFrame {
                    valid_after: *valid_after,
                    valid_until: *valid_until,
                }
            }
            Self::UsageLimit { limit } => {
                ensure!(
                    *limit > 0,
                    "usage_limit: the limit must be at least 1 (the policy refuses 0)"
                );
                Policy::UsageLimit(u128::from(*limit))
            }
            Self::SpendingLimit { limit } => {
                ensure!(
                    !limit.0.is_zero(),
                    "spending_limit: the limit must be above 0 (the policy refuses 0)"
                );
                Policy::SpendingLimits(vec![(target, limit.0)])
            }
            Self::ValueLimit { limit } => {
                ensure!(
                    !limit.0.is_zero(),
                    "value_limit: the limit must be above 0 (the policy refuses 0); to forbid \
                     native value leave the policy out, calls then may carry none under a \
                     universal policy's value_limit_per_use (0 by default)"
                );
                Policy::ValueLimit(limit.0)
            }
            Self::Raw { address, init_data } => {
                Policy::Data(PolicyData::new(*address, init_data.clone()))
            }
        })
    }
}

impl RuleSpec {
    fn to_rule(&self) -> anyhow::Result<Rule> {
        let offset = match (self.arg, self.offset) {
            (Some(arg), None) => calldata_argument(arg)?,
            (None, Some(offset)) => offset,
            _ => bail!("give exactly one of arg (1-based argument) or offset (bytes)"),
        };
        let rule = Rule::new(self.condition.0, offset, self.value.0);
        Ok(match (self.limit, self.used) {
            (Some(limit), used) => rule.limited_with_used(limit.0, used.unwrap_or_default().0),
            (None, Some(_)) => bail!("used needs a limit"),
            (None, None) => rule,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Reading policies back
// ---------------------------------------------------------------------------------------------

/// A policy as read back from session details, for reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum PolicyView {
    Sudo,
    Universal {
        value_limit_per_use: String,
        rules: Vec<RuleView>,
    },
    TimeFrame {
        valid_after: u64,
        valid_until: u64,
    },
    UsageLimit {
        limit: String,
    },
    SpendingLimit {
        limits: Vec<(Address, String)>,
    },
    ValueLimit {
        limit: String,
    },
    Other {
        address: Address,
        init_data: Bytes,
    },
}

/// A universal rule as read back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct RuleView {
    pub(crate) arg: Option<u64>,
    pub(crate) offset: u64,
    pub(crate) condition: &'static str,
    pub(crate) value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) limit: Option<String>,
}

impl fmt::Display for RuleView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.arg {
            Some(arg) => write!(f, "arg{arg}")?,
            None => write!(f, "bytes[{}..]", self.offset)?,
        }
        write!(f, " {} {}", self.condition, self.value)?;
        if let Some(limit) = &self.limit {
            write!(f, " (total <= {limit})")?;
        }
        Ok(())
    }
}

/// The name of a known policy contract.
pub(crate) fn policy_name(address: Address) -> Option<&'static str> {
    Some(match address {
        a if a == policies::SUDO => "sudo",
        a if a == policies::UNIVERSAL_ACTION => "universal action",
        a if a == policies::TIME_FRAME => "time frame",
        a if a == policies::USAGE_LIMIT => "usage limit",
        a if a == policies::VALUE_LIMIT => "value limit",
        a if a == policies::ERC20_SPENDING_LIMIT => "ERC-20 spending limit",
        _ => return None,
    })
}

/// A word shown as an address when it looks like one, else as an integer.
pub(crate) fn word_text(word: B256) -> String {
    let value = U256::from_be_bytes(word.0);
    if word[..12].iter().all(|b| *b == 0) && value > U256::from(u64::MAX) {
        Address::from_word(word).to_checksum(None)
    } else {
        value.to_string()
    }
}

impl PolicyView {
    /// Decodes a policy's init data; unknown or malformed policies are shown raw.
    pub(crate) fn of(policy: &PolicyData) -> Self {
        Self::decode(policy).unwrap_or_else(|| Self::Other {
            address: policy.policy,
            init_data: policy.initData.clone(),
        })
    }

    fn decode(policy: &PolicyData) -> Option<Self> {
        let data = policy.initData.as_ref();
        Some(match policy.policy {
            a if a == policies::SUDO => Self::Sudo,
            a if a == policies::UNIVERSAL_ACTION => {
                let config = ActionConfig::decode(data).ok()?;
                let rules = config
                    .active_rules()
                    .iter()
                    .map(|rule| RuleView {
                        arg: (rule.offset % 32 == 0).then_some(rule.offset / 32 + 1),
                        offset: rule.offset,
                        condition: ParamCondition::from_u8(rule.condition)
                            .map(condition_symbol)
                            .unwrap_or("?"),
                        value: word_text(rule.refValue),
                        limit: rule.isLimited.then(|| rule.usage.limit.to_string()),
                    })
                    .collect();
                Self::Universal {
                    value_limit_per_use: config.valueLimitPerUse.to_string(),
                    rules,
                }
            }
            a if a == policies::TIME_FRAME && data.len() == 12 => {
                let read = |bytes: &[u8]| {
                    bytes
                        .iter()
                        .fold(0u64, |acc, byte| (acc << 8) | u64::from(*byte))
                };
                Self::TimeFrame {
                    valid_until: read(&data[..6]),
                    valid_after: read(&data[6..]),
                }
            }
            a if a == policies::USAGE_LIMIT && data.len() == 16 => Self::UsageLimit {
                limit: u128::from_be_bytes(data.try_into().ok()?).to_string(),
            },
            a if a == policies::ERC20_SPENDING_LIMIT => {
                let (tokens, limits) = <(Vec<Address>, Vec<U256>)>::abi_decode_params(data).ok()?;
                Self::SpendingLimit {
                    limits: tokens
                        .into_iter()
                        .zip(limits)
                        .map(|(token, limit)| (token, limit.to_string()))
                        .collect(),
                }
            }
            a if a == policies::VALUE_LIMIT => Self::ValueLimit {
                limit: U256::abi_decode(data).ok()?.to_string(),
            },
            _ => return None,
        })
    }
}

impl fmt::Display for PolicyView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sudo => f.write_str("sudo"),
            Self::Universal {
                value_limit_per_use,
                rules,
            } => {
                let rules: Vec<String> = rules.iter().map(ToString::to_string).collect();
                write!(f, "universal [{}]", rules.join(", "))?;
                if value_limit_per_use != "0" {
                    write!(f, " value <= {value_limit_per_use}")?;
                }
                Ok(())
            }
            Self::TimeFrame {
                valid_after,
                valid_until,
            } => write!(f, "time frame {valid_after}..{valid_until}"),
            Self::UsageLimit { limit } => write!(f, "usage limit {limit}"),
            Self::SpendingLimit { limits } => {
                let limits: Vec<String> = limits
                    .iter()
                    .map(|(token, limit)| format!("{limit} of {token}"))
                    .collect();
                write!(f, "spending limit {}", limits.join(", "))
            }
            Self::ValueLimit { limit } => write!(f, "value limit {limit} wei"),
            Self::Other { address, .. } => write!(f, "policy {address}"),
        }
    }
}

/// The selector of a function signature or hex selector, for display.
pub(crate) fn selector_text(selector: FixedBytes<4>) -> String {
    match selector.0 {
        [0xa9, 0x05, 0x9c, 0xbb] => format!("{selector} transfer(address,uint256)"),
        [0x09, 0x5e, 0xa7, 0xb3] => format!("{selector} approve(address,uint256)"),
        [0x23, 0xb8, 0x72, 0xdd] => format!("{selector} transferFrom(address,address,uint256)"),
        _ => selector.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use alloy::primitives::address;
    use mee_sdk::action::TRANSFER_SELECTOR;

    use super::*;

    const USDC: Address = address!("0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913");
    const ALICE: Address = address!("0xa11ce00000000000000000000000000000000001");

    fn parse(text: &str) -> PermissionsFile {
        PermissionsFile::parse(text, false).unwrap()
    }

    #[test]
    fn erc20_actions_match_the_sdk_builder() {
        let file = parse(
            r#"
            redeemer = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
            [[action]]
            chains = [8453, 10]
            erc20 = "transfer"
            target = "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"
            recipient = "0xa11ce00000000000000000000000000000000001"
            amount_limit_per_action = "10_000_000"
            max_amount_limit = 100000000
            usage_limit = 5
            valid_until = 2000
            "#,
        );
        let built = file.session_actions(1_000).unwrap();
        let expected = Erc20Action::transfer(USDC)
            .chain_ids([8453, 10])
            .recipient(ALICE)
            .amount_limit_per_action(U256::from(10_000_000u64))
            .max_amount_limit(U256::from(100_000_000u64))
            .usage_limit(5)
            .valid_until(2_000)
            .now(1_000)
            .build();
        assert_eq!(built, expected);
        assert_eq!(file.chain_ids(), vec![8453, 10]);
    }

    #[test]
    fn custom_actions_and_every_policy_type() {
        let file = parse(
            r#"
            [[action]]
            chains = [8453]
            target = "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"
            function = "transfer(address,uint256)"
            [[action.policy]]
            type = "universal"
            value_limit_per_use = "0x10"
            rules = [
              { arg = 1, condition = "==", value = "0xa11ce00000000000000000000000000000000001" },
              { offset = 32, condition = "lessThanOrEqual", value = 7, limit = "70", used = 1 },
            ]
            [[action.policy]]
            type = "time_frame"
            valid_after = 10
            valid_until = 20
            [[action.policy]]
            type = "usage_limit"
            limit = 3
            [[action.policy]]
            type = "spending_limit"
            limit = "1000"
            [[action.policy]]
            type = "value_limit"
            limit = "1"
            [[action.policy]]
            type = "sudo"
            [[action.policy]]
            type = "raw"
            address = "0x0000000000FEEc8D74e3143fBaBbca515358d869"
            init_data = "0x"
            "#,
        );
        let built = file.session_actions(0).unwrap();
        let expected = CustomAction::new(USDC, TRANSFER_SELECTOR)
            .chain_id(8453)
            .policy(
                UniversalPolicy::new()
                    .value_limit_per_use(U256::from(16))
                    .rule(Rule::equal(0, ALICE))
                    .rule(
                        Rule::less_than_or_equal(32, 7u64)
                            .limited_with_used(U256::from(70), U256::from(1)),
                    ),
            )
            .policy(Policy::TimeFrame {
                valid_after: 10,
                valid_until: 20,
            })
            .policy(Policy::UsageLimit(3))
            .policy(Policy::SpendingLimits(vec![(USDC, U256::from(1000))]))
            .policy(Policy::ValueLimit(U256::from(1)))
            .policy(Policy::Sudo)
            .policy(PolicyData::sudo())
            .build();
        assert_eq!(built, expected);

        // And back: every policy reads as what the file said.
        let views: Vec<String> = built[0].actions[0]
            .actionPolicies
            .iter()
            .map(|policy| PolicyView::of(policy).to_string())
            .collect();
        assert_eq!(
            views,
            [
                &format!("universal [arg1 == {ALICE}, arg2 <= 7 (total <= 70)] value <= 16"),
                "time frame 10..20",
                "usage limit 3",
                &format!("spending limit 1000 of {USDC}"),
                "value limit 1 wei",
                "sudo",
                "sudo",
            ]
        );
    }

    #[test]
    fn json_has_the_same_shape() {
        let json = r#"{
            "redeemer": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
            "fee": { "token": "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913", "chain_id": 8453 },
            "actions": [
              { "chains": [8453], "target": "0xc0fFEE0000000000000000000000000000000003",
                "selector": "0xd09de08a",
                "policies": [ { "type": "usage_limit", "limit": 2 } ] }
            ]
        }"#;
        let file = PermissionsFile::parse(json, true).unwrap();
        assert_eq!(file.fee.as_ref().unwrap().chain_id, 8453);
        let built = file.session_actions(0).unwrap();
        assert_eq!(
            built[0].actions[0].actionPolicies,
            vec![PolicyData::usage_limit(2)]
        );
    }

    #[test]
    fn mistakes_are_explained() {
        let cases = [
            ("redeemer = \"0x00\"", "invalid"),
            (
                "[[action]]\nchains=[1]\ntarget=\"0xc0fFEE0000000000000000000000000000000003\"",
                "no function",
            ),
            (
                "[[action]]\nchains=[1]\ntarget=\"0xc0fFEE0000000000000000000000000000000003\"\nfunction=\"f()\"\nrecipient=\"0xc0fFEE0000000000000000000000000000000003\"",
                "recipient applies to erc20 actions only",
            ),
            (
                "[[action]]\nchains=[1]\ntarget=\"0xc0fFEE0000000000000000000000000000000003\"\nfunction=\"nope\"",
                "invalid function signature",
            ),
            (
                "[[action]]\nchains=[1]\ntarget=\"0xc0fFEE0000000000000000000000000000000003\"\nfunction=\"f()\"\n[[action.policy]]\ntype=\"universal\"\nrules=[{arg=0,condition=\"==\",value=1}]",
                "positions start at 1",
            ),
            (
                "[[action]]\nchains=[1]\ntarget=\"0xc0fFEE0000000000000000000000000000000003\"\nfunction=\"f()\"\n[[action.policy]]\ntype=\"universal\"\nrules=[{arg=1,condition=\"~\",value=1}]",
                "unknown condition",
            ),
            (
                "[[action]]\nchains=[1]\ntarget=\"0xc0fFEE0000000000000000000000000000000003\"\nfunction=\"f()\"\n[[action.policy]]\ntype=\"time_frame\"\nvalid_after=5\nvalid_until=4",
                "must be after",
            ),
            (
                "[[action]]\nchains=[1]\ntarget=\"0xc0fFEE0000000000000000000000000000000003\"\nfunction=\"f()\"\n[[action.policy]]\ntype=\"limit\"",
                "unknown variant",
            ),
            (
                "[fee]\ntoken=\"0xc0fFEE0000000000000000000000000000000003\"\nchain_id=2\n[[action]]\nchains=[1]\ntarget=\"0xc0fFEE0000000000000000000000000000000003\"\nfunction=\"f()\"",
                "no action is on chain 2",
            ),
            (
                "colour = 1\n[[action]]\nchains=[1]\ntarget=\"0xc0fFEE0000000000000000000000000000000003\"\nfunction=\"f()\"",
                "unknown field",
            ),
            ("", "no actions"),
            (
                "[[action]]\nchains=[1]\ntarget=\"0xc0fFEE0000000000000000000000000000000003\"\nfunction=\"f()\"\n[[action.policy]]\ntype=\"value_limit\"\nlimit=0",
                "value_limit: the limit must be above 0",
            ),
            (
                "[[action]]\nchains=[1]\ntarget=\"0xc0fFEE0000000000000000000000000000000003\"\nfunction=\"f()\"\n[[action.policy]]\ntype=\"usage_limit\"\nlimit=0",
                "usage_limit: the limit must be at least 1",
            ),
            (
                "[[action]]\nchains=[1]\ntarget=\"0xc0fFEE0000000000000000000000000000000003\"\nfunction=\"f()\"\n[[action.policy]]\ntype=\"spending_limit\"\nlimit=\"0\"",
                "spending_limit: the limit must be above 0",
            ),
        ];
        for (text, expected) in cases {
            let err = PermissionsFile::parse(text, false)
                .and_then(|file| file.session_actions(0).map(|_| ()))
                .unwrap_err();
            let message = format!("{err:#}");
            assert!(message.contains(expected), "{text:?}: {message}");
        }
    }

    #[test]
    fn a_recipient_rule_on_the_fee_transfer_is_refused() {
        let restricted = r#"
            [fee]
            token = "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"
            chain_id = 8453
            max_payment_amount = 5
            [[action]]
            chains = [8453, 10]
            erc20 = "transfer"
            target = "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"
            recipient = "0xa11ce00000000000000000000000000000000001"
        "#;
        let err = parse(restricted)
            .session_actions(0)
            .unwrap_err()
            .to_string();
        assert!(err.contains("could not pay the node's fee"), "{err}");
        // Limited by amount only, the fee can be paid (the payment raises the limit).
        let amount_only = restricted.replace(
            r#"recipient = "0xa11ce00000000000000000000000000000000001""#,
            "amount_limit_per_action = 7",
        );
        assert!(parse(&amount_only).session_actions(0).is_ok());
        // Restricted on another chain than the fee chain: fine.
        let fee_elsewhere = parse(
            r#"
            [fee]
            token = "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"
            chain_id = 10
            max_payment_amount = 5
            [[action]]
            chains = [10]
            target = "0xc0fFEE0000000000000000000000000000000003"
            function = "f()"
            [[action]]
            chains = [8453]
            erc20 = "transfer"
            target = "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"
            recipient = "0xa11ce00000000000000000000000000000000001"
        "#,
        );
        assert!(fee_elsewhere.session_actions(0).is_ok());
    }

    #[test]
    fn amounts_and_values() {
        assert_eq!(parse_amount("1_000").unwrap(), U256::from(1000));
        assert_eq!(parse_amount("0xff").unwrap(), U256::from(255));
        assert!(parse_amount("1.5").is_err());
        assert!(parse_amount("-1").is_err());
        assert_eq!(word_text(ALICE.into_word()), ALICE.to_checksum(None));
        assert_eq!(word_text(B256::from(U256::from(42))), "42");
    }
}
