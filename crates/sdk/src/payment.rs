//! The fee-token payment policy.
//!
//! A session that pays the MEE fee with an ERC-20 token must permit `transfer` on that token up
//! to the maximum payment amount. [`add_payment_policy`] folds that permission into the
//! session's actions on the fee chain, as the SDK does:
//!
//! 1. every fee-token `transfer` action with a universal policy is updated: rules on the amount
//!    (offset 32) with `EQUAL`, `LESS_THAN` or `LESS_THAN_OR_EQUAL` get `ref` and `usage.limit`
//!    raised by the payment amount (`GREATER_THAN*` rules are left alone); if none of the 16
//!    slots has offset 32, a `LESS_THAN_OR_EQUAL` payment rule is added at slot `length`;
//! 2. without such an action, a new `transfer` action (`LESS_THAN_OR_EQUAL` the amount,
//!    cumulative limit = the amount) is appended to the first session action of the fee chain.
//!
//! A recipient rule is not relaxed, so a recipient-restricted fee-token transfer blocks the
//! payment to the node.

use alloy::primitives::{Address, B256, U256};
use mee_primitives::{
    PolicyData,
    policy::{ActionConfig, MAX_RULES, ParamCondition, ParamRule},
};
use serde::{Deserialize, Serialize};

use crate::{
    action::{Erc20Action, SessionAction, TRANSFER_SELECTOR},
    error::{Error, Result},
};

/// The offset of the amount argument of `transfer(to, amount)`.
const AMOUNT_OFFSET: u64 = 32;

/// The token the MEE fee is paid with, and its chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FeeToken {
    /// The ERC-20 token.
    pub address: Address,
    /// The chain it is paid on.
    pub chain_id: u64,
}

/// The default maximum payment amount: 5 whole tokens, `5 * 10^decimals`.
pub fn default_max_payment_amount(decimals: u8) -> U256 {
    U256::from(5) * U256::from(10).pow(U256::from(decimals))
}

/// Adds the payment permission for `fee_token` to `actions` (see the module docs). Session
/// actions on other chains are returned unchanged.
pub fn add_payment_policy(
    actions: Vec<SessionAction>,
    fee_token: &FeeToken,
    max_payment_amount: U256,
) -> Result<Vec<SessionAction>> {
    let is_fee_transfer = |chain_id: u64, target: Address, selector| {
        chain_id == fee_token.chain_id
            && target == fee_token.address
            && selector == TRANSFER_SELECTOR
    };
    let mut updated = Vec::with_capacity(actions.len());
    let mut has_universal_transfer = false;
    for mut session_action in actions {
        let chain_id = session_action.chain_id;
        for action in &mut session_action.actions {
            if !is_fee_transfer(chain_id, action.actionTarget, action.actionTargetSelector) {
                continue;
            }
            for policy in &mut action.actionPolicies {
                if policy.is_universal() {
                    has_universal_transfer = true;
                    *policy = raise_for_payment(policy, fee_token, max_payment_amount)?;
                }
            }
        }
        updated.push(session_action);
    }
    if !has_universal_transfer
        && let Some(first) = updated
            .iter_mut()
            .find(|entry| entry.chain_id == fee_token.chain_id)
    {
        let payment = Erc20Action::transfer(fee_token.address)
            .chain_id(fee_token.chain_id)
            .amount_limit_per_action(max_payment_amount)
            .max_amount_limit(max_payment_amount)
            .try_build()?;
        first
            .actions
            .extend(payment.into_iter().flat_map(|entry| entry.actions));
    }
    Ok(updated)
}

fn raise_for_payment(
    policy: &PolicyData,
    fee_token: &FeeToken,
    amount: U256,
) -> Result<PolicyData> {
    let mut config = ActionConfig::decode(&policy.initData)?;
    let raised = [
        ParamCondition::Equal,
        ParamCondition::LessThan,
        ParamCondition::LessThanOrEqual,
    ]
    .map(|condition| condition as u8);
    let mut has_amount_rule = false;
    for rule in &mut config.paramRules.rules {
        if rule.offset != AMOUNT_OFFSET {
            continue;
        }
        has_amount_rule = true;
        if raised.contains(&rule.condition) {
            let reference = U256::from_be_bytes(rule.refValue.0);
            let new_reference = reference
                .checked_add(amount)
                .ok_or(Error::PaymentAmountOverflow { value: reference })?;
            rule.refValue = B256::from(new_reference);
            rule.usage.limit =
                rule.usage
                    .limit
                    .checked_add(amount)
                    .ok_or(Error::PaymentAmountOverflow {
                        value: rule.usage.limit,
                    })?;
        }
    }
    if !has_amount_rule {
        let length = usize::try_from(config.paramRules.length).unwrap_or(usize::MAX);
        if length >= MAX_RULES {
            return Err(Error::PaymentPolicyConflict {
                token: fee_token.address,
            });
        }
        config.paramRules.rules[length] = ParamRule::new(
            ParamCondition::LessThanOrEqual,
            AMOUNT_OFFSET,
            B256::from(amount),
        );
        config.paramRules.length += U256::from(1);
    }
    Ok(PolicyData::universal(&config))
}

#[cfg(test)]
mod tests {
    use alloy::primitives::address;

    use super::*;
    use crate::{
        action::CustomAction,
        policy::{Rule, UniversalPolicy},
    };

    const USDC: Address = address!("0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913");
    const FEE: FeeToken = FeeToken {
        address: USDC,
        chain_id: 8453,
    };

    #[test]
    fn five_tokens_by_default() {
        assert_eq!(default_max_payment_amount(6), U256::from(5_000_000u64));
        assert_eq!(
            default_max_payment_amount(18),
            U256::from(5_000_000_000_000_000_000u128)
        );
    }

    #[test]
    fn full_universal_policy_is_a_conflict() {
        let full = UniversalPolicy::new().rules((0..16).map(|_| Rule::equal(0, 1u64)));
        let actions = Erc20Action::transfer(USDC)
            .chain_id(8453)
            .policy(full)
            .build();
        assert!(matches!(
            add_payment_policy(actions, &FEE, U256::from(5)),
            Err(Error::PaymentPolicyConflict { token }) if token == USDC
        ));
    }

    #[test]
    fn overflowing_reference_is_reported() {
        let actions = Erc20Action::transfer(USDC)
            .chain_id(8453)
            .amount_limit_per_action(U256::MAX)
            .build();
        assert!(matches!(
            add_payment_policy(actions, &FEE, U256::from(1)),
            Err(Error::PaymentAmountOverflow { .. })
        ));
    }

    #[test]
    fn no_fee_chain_entry_adds_nothing() {
        let actions = CustomAction::new(USDC, TRANSFER_SELECTOR)
            .chain_id(10)
            .build();
        assert_eq!(
            add_payment_policy(actions.clone(), &FEE, U256::from(5)).unwrap(),
            actions
        );
    }

    #[test]
    fn invalid_universal_init_data_is_an_error() {
        let broken = PolicyData::new(
            mee_primitives::addresses::policies::UNIVERSAL_ACTION,
            vec![1, 2, 3],
        );
        let actions = Erc20Action::transfer(USDC)
            .chain_id(8453)
            .policy(broken)
            .build();
        assert!(matches!(
            add_payment_policy(actions, &FEE, U256::from(5)),
            Err(Error::Abi(_))
        ));
    }
}
