//! Session actions: what a session key may call, per chain.
//!
//! [`Erc20Action`] builds `transfer`, `approve` and `transferFrom` actions with the SDK's
//! options and defaults; [`CustomAction`] any selector; [`batch`] merges groups on one chain.

use std::time::{SystemTime, UNIX_EPOCH};

use alloy::primitives::{Address, FixedBytes, U256, keccak256};
use mee_primitives::{ActionData, PolicyData};
use serde::{Deserialize, Serialize};

use crate::{
    error::{Error, Result},
    policy::{Policy, Rule, UniversalPolicy, calldata_argument},
};

/// `transfer(address,uint256)`.
pub const TRANSFER_SELECTOR: FixedBytes<4> = FixedBytes::new([0xa9, 0x05, 0x9c, 0xbb]);
/// `approve(address,uint256)`.
pub const APPROVE_SELECTOR: FixedBytes<4> = FixedBytes::new([0x09, 0x5e, 0xa7, 0xb3]);
/// `transferFrom(address,address,uint256)`.
pub const TRANSFER_FROM_SELECTOR: FixedBytes<4> = FixedBytes::new([0x23, 0xb8, 0x72, 0xdd]);

/// One day in seconds: the default length of an action's validity window.
pub const DEFAULT_VALIDITY_SECS: u64 = 86_400;

/// Actions permitted on one chain (the SDK's `SessionAction`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionAction {
    /// The actions.
    pub actions: Vec<ActionData>,
    /// The chain.
    pub chain_id: u64,
}

/// The three ERC-20 actions with built-in rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Erc20ActionKind {
    /// `transfer(to, amount)`: recipient is argument 1, amount argument 2.
    Transfer,
    /// `approve(spender, amount)`: spender is argument 1, amount argument 2.
    Approve,
    /// `transferFrom(from, to, amount)`: recipient is argument 2, amount argument 3.
    TransferFrom,
}

impl Erc20ActionKind {
    /// The function selector.
    pub const fn selector(self) -> FixedBytes<4> {
        match self {
            Self::Transfer => TRANSFER_SELECTOR,
            Self::Approve => APPROVE_SELECTOR,
            Self::TransferFrom => TRANSFER_FROM_SELECTOR,
        }
    }

    /// The 1-based positions of the recipient and amount arguments.
    pub const fn argument_positions(self) -> (u64, u64) {
        match self {
            Self::Transfer | Self::Approve => (1, 2),
            Self::TransferFrom => (2, 3),
        }
    }
}

/// Builder of an ERC-20 session action, with the SDK's options:
///
/// - `recipient`: an `EQUAL` rule on the recipient (spender for `approve`);
/// - `max_amount_limit`: a cumulative `LESS_THAN_OR_EQUAL` rule on the amount with reference
///   `amount_limit_per_action` (or `max_amount_limit` when that is not set);
/// - `amount_limit_per_action` alone: a per-call `LESS_THAN_OR_EQUAL` rule;
/// - `usage_limit`: a usage-limit policy;
/// - `valid_after` / `valid_until`: a time-frame policy; a missing start is "now", a missing
///   end is start + 1 day;
/// - with none of these, the sudo policy;
/// - `policies`: explicit policies, used instead of all the above (a spending-limits policy's
///   tokens are replaced by the action's token).
///
/// Zero values count as not set, as in the SDK.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Erc20Action {
    kind: Erc20ActionKind,
    token: Address,
    chain_ids: Vec<u64>,
    recipient: Option<Address>,
    amount_limit_per_action: Option<U256>,
    max_amount_limit: Option<U256>,
    usage_limit: Option<u128>,
    valid_after: Option<u64>,
    valid_until: Option<u64>,
    policies: Vec<Policy>,
    now: Option<u64>,
}

impl Erc20Action {
    /// An action of `kind` on `token`.
    pub fn new(kind: Erc20ActionKind, token: Address) -> Self {
        Self {
            kind,
            token,
            chain_ids: Vec::new(),
            recipient: None,
            amount_limit_per_action: None,
            max_amount_limit: None,
            usage_limit: None,
            valid_after: None,
            valid_until: None,
            policies: Vec::new(),
            now: None,
        }
    }

    /// A `transfer` action on `token`.
    pub fn transfer(token: Address) -> Self {
        Self::new(Erc20ActionKind::Transfer, token)
    }

    /// An `approve` action on `token`.
    pub fn approve(token: Address) -> Self {
        Self::new(Erc20ActionKind::Approve, token)
    }

    /// A `transferFrom` action on `token`.
    pub fn transfer_from(token: Address) -> Self {
        Self::new(Erc20ActionKind::TransferFrom, token)
    }

    /// Adds a chain (one [`SessionAction`] is built per chain).
    pub fn chain_id(mut self, chain_id: u64) -> Self {
        self.chain_ids.push(chain_id);
        self
    }

    /// Adds chains.
    pub fn chain_ids(mut self, chain_ids: impl IntoIterator<Item = u64>) -> Self {
        self.chain_ids.extend(chain_ids);
        self
    }

    /// Only this recipient (spender for `approve`).
    pub fn recipient(mut self, recipient: Address) -> Self {
        self.recipient = Some(recipient);
        self
    }

    /// At most this amount per call.
    pub fn amount_limit_per_action(mut self, amount: U256) -> Self {
        self.amount_limit_per_action = Some(amount);
        self
    }

    /// At most this amount over all calls.
    pub fn max_amount_limit(mut self, amount: U256) -> Self {
        self.max_amount_limit = Some(amount);
        self
    }

    /// At most this many calls.
    pub fn usage_limit(mut self, limit: u128) -> Self {
        self.usage_limit = Some(limit);
        self
    }

    /// Not before this unix time (seconds).
    pub fn valid_after(mut self, timestamp: u64) -> Self {
        self.valid_after = Some(timestamp);
        self
    }

    /// Not after this unix time (seconds).
    pub fn valid_until(mut self, timestamp: u64) -> Self {
        self.valid_until = Some(timestamp);
        self
    }

    /// Adds an explicit policy; explicit policies replace every other option.
    pub fn policy(mut self, policy: impl Into<Policy>) -> Self {
        self.policies.push(policy.into());
        self
    }

    /// The clock reading (unix seconds) used for the time-frame defaults, instead of the
    /// system clock.
    pub fn now(mut self, timestamp: u64) -> Self {
        self.now = Some(timestamp);
        self
    }

    /// The action's policies.
    pub fn try_policies(&self) -> Result<Vec<PolicyData>> {
        if !self.policies.is_empty() {
            return resolve_policies(self.token, &self.policies);
        }
        let (recipient_position, amount_position) = self.kind.argument_positions();
        let nonzero = |value: Option<U256>| value.filter(|value| !value.is_zero());
        let per_action = nonzero(self.amount_limit_per_action);
        let mut rules = Vec::new();
        if let Some(recipient) = self.recipient {
            rules.push(Rule::equal(
                calldata_argument(recipient_position)?,
                recipient,
            ));
        }
        let amount_offset = calldata_argument(amount_position)?;
        if let Some(max) = nonzero(self.max_amount_limit) {
            rules.push(
                Rule::less_than_or_equal(amount_offset, per_action.unwrap_or(max)).limited(max),
            );
        } else if let Some(per_action) = per_action {
            rules.push(Rule::less_than_or_equal(amount_offset, per_action));
        }
        let mut policies = Vec::new();
        if !rules.is_empty() {
            policies.push(UniversalPolicy::new().rules(rules).try_build()?);
        }
        if let Some(limit) = self.usage_limit.filter(|limit| *limit != 0) {
            policies.push(PolicyData::usage_limit(limit));
        }
        let valid_after = self.valid_after.filter(|t| *t != 0);
        let valid_until = self.valid_until.filter(|t| *t != 0);
        if valid_after.is_some() || valid_until.is_some() {
            let start = valid_after.unwrap_or_else(|| self.now.unwrap_or_else(unix_now));
            let end = valid_until.unwrap_or(start + DEFAULT_VALIDITY_SECS);
            policies.push(PolicyData::time_frame(start, end));
        }
        if policies.is_empty() {
            policies.push(PolicyData::sudo());
        }
        Ok(policies)
    }

    /// One [`SessionAction`] per chain.
    pub fn try_build(&self) -> Result<Vec<SessionAction>> {
        let action = ActionData::new(self.token, self.kind.selector(), self.try_policies()?);
        per_chain(&self.chain_ids, action)
    }

    /// One [`SessionAction`] per chain.
    ///
    /// # Panics
    ///
    /// When [`Self::try_build`] fails.
    pub fn build(&self) -> Vec<SessionAction> {
        self.try_build().expect("invalid ERC-20 session action")
    }
}

/// Builder of an action on any function: a target, a selector and policies (sudo by default).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomAction {
    target: Address,
    selector: FixedBytes<4>,
    chain_ids: Vec<u64>,
    policies: Vec<Policy>,
}

impl CustomAction {
    /// An action on `target`'s function `selector`.
    pub fn new(target: Address, selector: FixedBytes<4>) -> Self {
        Self {
            target,
            selector,
            chain_ids: Vec::new(),
            policies: Vec::new(),
        }
    }

    /// An action on `target`'s function given as a hex selector (`"0x273ea3e3"`) or a
    /// signature (`"increment()"`, `"transfer(address,uint256)"`).
    pub fn try_function(target: Address, function: &str) -> Result<Self> {
        Ok(Self::new(target, parse_function_selector(function)?))
    }

    /// Adds a chain.
    pub fn chain_id(mut self, chain_id: u64) -> Self {
        self.chain_ids.push(chain_id);
        self
    }

    /// Adds chains.
    pub fn chain_ids(mut self, chain_ids: impl IntoIterator<Item = u64>) -> Self {
        self.chain_ids.extend(chain_ids);
        self
    }

    /// Adds a policy (without any, the action gets the sudo policy).
    pub fn policy(mut self, policy: impl Into<Policy>) -> Self {
        self.policies.push(policy.into());
        self
    }

    /// One [`SessionAction`] per chain.
    pub fn try_build(&self) -> Result<Vec<SessionAction>> {
        let policies = resolve_policies(self.target, &self.policies)?;
        per_chain(
            &self.chain_ids,
            ActionData::new(self.target, self.selector, policies),
        )
    }

    /// One [`SessionAction`] per chain.
    ///
    /// # Panics
    ///
    /// When [`Self::try_build`] fails.
    pub fn build(&self) -> Vec<SessionAction> {
        self.try_build().expect("invalid custom session action")
    }
}

/// Merges session actions of one chain into one (the SDK's `batch` action type). Needs at
/// least two entries.
pub fn batch(actions: Vec<SessionAction>) -> Result<SessionAction> {
    if actions.len() < 2 {
        return Err(Error::BatchTooSmall(actions.len()));
    }
    let chain_id = actions[0].chain_id;
    if let Some(other) = actions.iter().find(|action| action.chain_id != chain_id) {
        return Err(Error::BatchMixedChains {
            first: chain_id,
            other: other.chain_id,
        });
    }
    Ok(SessionAction {
        actions: actions
            .into_iter()
            .flat_map(|action| action.actions)
            .collect(),
        chain_id,
    })
}

/// Parses a hex selector (`0x` and 8 hex digits) or a function signature (`name(type,…)`).
pub fn parse_function_selector(function: &str) -> Result<FixedBytes<4>> {
    let function = function.trim();
    if let Some(digits) = function.strip_prefix("0x") {
        if digits.len() != 8 {
            return Err(Error::BadSelector(function.to_owned()));
        }
        return digits
            .parse::<FixedBytes<4>>()
            .map_err(|_| Error::BadSelector(function.to_owned()));
    }
    let valid = function
        .split_once('(')
        .filter(|(name, rest)| {
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
                && !name.starts_with(|c: char| c.is_ascii_digit())
                && rest.ends_with(')')
                && rest[..rest.len() - 1]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, ',' | '[' | ']' | '(' | ')'))
        })
        .is_some();
    if !valid {
        return Err(Error::BadFunctionSignature(function.to_owned()));
    }
    Ok(FixedBytes::from_slice(&keccak256(function.as_bytes())[..4]))
}

/// Explicit policies of an action, or sudo when there are none; spending limits are bound to
/// the action's own contract.
fn resolve_policies(contract: Address, policies: &[Policy]) -> Result<Vec<PolicyData>> {
    if policies.is_empty() {
        return Ok(vec![PolicyData::sudo()]);
    }
    policies
        .iter()
        .map(|policy| match policy {
            Policy::SpendingLimits(limits) => {
                let bound: Vec<(Address, U256)> =
                    limits.iter().map(|(_, limit)| (contract, *limit)).collect();
                Ok(PolicyData::spending_limits(&bound))
            }
            other => other.try_build(),
        })
        .collect()
}

fn per_chain(chain_ids: &[u64], action: ActionData) -> Result<Vec<SessionAction>> {
    if chain_ids.is_empty() {
        return Err(Error::NoChainIds);
    }
    Ok(chain_ids
        .iter()
        .map(|&chain_id| SessionAction {
            actions: vec![action.clone()],
            chain_id,
        })
        .collect())
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use alloy::primitives::address;
    use mee_primitives::addresses::policies;

    use super::*;

    const USDC: Address = address!("0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913");

    #[test]
    fn no_options_is_sudo() {
        let built = Erc20Action::transfer(USDC).chain_id(8453).build();
        assert_eq!(built[0].actions[0].actionPolicies, vec![PolicyData::sudo()]);
        assert_eq!(built[0].actions[0].actionTargetSelector, TRANSFER_SELECTOR);
    }

    #[test]
    fn time_frame_defaults() {
        let until_only = Erc20Action::transfer(USDC)
            .chain_id(1)
            .valid_until(2_000)
            .now(1_000);
        assert_eq!(
            until_only.try_policies().unwrap(),
            vec![PolicyData::time_frame(1_000, 2_000)]
        );
        let after_only = Erc20Action::transfer(USDC)
            .chain_id(1)
            .valid_after(5_000)
            .now(1_000);
        assert_eq!(
            after_only.try_policies().unwrap(),
            vec![PolicyData::time_frame(5_000, 5_000 + DEFAULT_VALIDITY_SECS)]
        );
    }

    #[test]
    fn explicit_spending_limits_bind_to_the_token() {
        let other = address!("0x4200000000000000000000000000000000000006");
        let action = Erc20Action::transfer(USDC)
            .chain_id(1)
            .recipient(other)
            .policy(Policy::SpendingLimits(vec![(other, U256::from(7))]));
        let policies = action.try_policies().unwrap();
        assert_eq!(
            policies,
            vec![PolicyData::spending_limits(&[(USDC, U256::from(7))])]
        );
        assert_eq!(policies[0].policy, policies::ERC20_SPENDING_LIMIT);
    }

    #[test]
    fn selectors_and_signatures() {
        assert_eq!(selector_of("transfer(address,uint256)"), TRANSFER_SELECTOR);
        assert_eq!(selector_of("0x095ea7b3"), APPROVE_SELECTOR);
        assert_eq!(
            selector_of("transferFrom(address,address,uint256)"),
            TRANSFER_FROM_SELECTOR
        );
        for bad in ["0x1234", "0xzzzzzzzz", "0x1234567890"] {
            assert!(
                matches!(parse_function_selector(bad), Err(Error::BadSelector(_))),
                "{bad}"
            );
        }
        for bad in [
            "",
            "transfer",
            "transfer(address",
            "(uint256)",
            "1abc()",
            "a b()",
        ] {
            assert!(
                matches!(
                    parse_function_selector(bad),
                    Err(Error::BadFunctionSignature(_))
                ),
                "{bad}"
            );
        }
        assert!(CustomAction::try_function(USDC, "nope").is_err());
    }

    fn selector_of(function: &str) -> FixedBytes<4> {
        parse_function_selector(function).unwrap()
    }

    #[test]
    fn builders_need_chains() {
        assert!(matches!(
            Erc20Action::approve(USDC).try_build(),
            Err(Error::NoChainIds)
        ));
        assert!(matches!(
            CustomAction::new(USDC, TRANSFER_SELECTOR).try_build(),
            Err(Error::NoChainIds)
        ));
    }

    #[test]
    fn batches_need_two_entries_on_one_chain() {
        let one = CustomAction::new(USDC, TRANSFER_SELECTOR)
            .chain_id(1)
            .build();
        assert!(matches!(batch(one.clone()), Err(Error::BatchTooSmall(1))));
        let other_chain = CustomAction::new(USDC, APPROVE_SELECTOR)
            .chain_id(2)
            .build();
        assert!(matches!(
            batch([one.clone(), other_chain].concat()),
            Err(Error::BatchMixedChains { first: 1, other: 2 })
        ));
        let same_chain = CustomAction::new(USDC, APPROVE_SELECTOR)
            .chain_id(1)
            .build();
        let merged = batch([one, same_chain].concat()).unwrap();
        assert_eq!(merged.actions.len(), 2);
        assert_eq!(merged.chain_id, 1);
    }

    #[test]
    fn too_many_rules_surface_from_explicit_policies() {
        let universal = UniversalPolicy::new().rules((0..17).map(|i| Rule::equal(i * 32, i)));
        let action = CustomAction::new(USDC, TRANSFER_SELECTOR)
            .chain_id(1)
            .policy(universal);
        assert!(matches!(action.try_build(), Err(Error::TooManyRules(17))));
    }
}
