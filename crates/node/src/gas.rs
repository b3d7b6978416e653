//! Gas at quote time: simulate what each userOp will execute and size its limits from that.
//!
//! A client's `callGasLimit` is a guess (the TypeScript SDK asks for 700,000 per call). The node
//! runs every userOp of a quote through `eth_simulateV1`, chain by chain and in quote order (so a
//! userOp sees what the ones before it did, such as the payment userOp deploying the account):
//! the factory call of a userOp that deploys its account, then the account's calldata called from
//! the EntryPoint, exactly as `handleOps` calls it after validation. No signature is needed for
//! that, so it works before the user signs. When a userOp needs more gas than it asked for, its
//! limit is raised to the simulated use plus a buffer, and the fee (computed from the limits
//! afterwards) reflects it. A limit is never lowered, and a userOp whose simulation reverts keeps
//! its limit: it may depend on something the simulation cannot see (another chain, a trigger).
//!
//! [`check_fee_payment`] runs the payment userOp with the real fee before a quote is issued, so a
//! quote whose fee the account cannot pay is refused up front.

use alloy::{
    primitives::{Address, Bytes, U256},
    sol,
    sol_types::{SolCall, SolValue},
};
use mee_primitives::{addresses::ENTRY_POINT_V07, userop::UserOperation};
use tracing::{debug, warn};

use crate::{
    chain::{ChainClient, SimCall, decode_revert_reason},
    eip7702::delegation_code,
    error::{Error, Result},
};

sol! {
    /// The ERC-20 balance read of the fee check.
    interface IERC20Balance {
        function balanceOf(address account) external view returns (uint256);
    }
}

/// How simulated gas turns into limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GasPolicy {
    /// Percentage added to the simulated gas. It covers the refunds the simulation deducted
    /// (at most a fifth of the gas used), the 1/64 each nested call keeps back, and state that
    /// changes between the quote and the execution.
    pub buffer_percent: u32,
    /// No limit is raised above this `callGasLimit`.
    pub max_call_gas: u128,
    /// No limit is raised above this `verificationGasLimit`.
    pub max_verification_gas: u128,
    /// Gas reserved for validation on top of a deployment's gas.
    pub validation_gas: u128,
}

/// What a simulation measured for one userOp.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// Gas of the factory call, when the userOp deploys its account and the call succeeded.
    pub deploy: Option<u64>,
    /// Gas of the account call, when it succeeded.
    pub execution: Option<u64>,
}

/// A userOp whose gas a quote fills.
#[derive(Debug)]
pub struct GasTarget<'a> {
    /// Its chain.
    pub chain_id: u64,
    /// The userOp; its gas limits are raised in place.
    pub op: &'a mut UserOperation,
    /// The implementation an EIP-7702 authorization of this userOp delegates the sender to.
    pub delegate: Option<Address>,
    /// Whether its limits may be changed (the payment userOp's call is sized by the node).
    pub adjust: bool,
}

impl GasPolicy {
    fn buffered(&self, gas: u64) -> u128 {
        u128::from(gas) * u128::from(100 + self.buffer_percent) / 100
    }

    /// Raises `op`'s limits to what `usage` needs; never lowers them.
    pub fn apply(&self, op: &mut UserOperation, usage: Usage) {
        if let Some(gas) = usage.execution {
            let needed = self.buffered(gas).min(self.max_call_gas);
            if needed > op.call_gas_limit {
                debug!(
                    sender = %op.sender,
                    asked = op.call_gas_limit,
                    needed,
                    "raising callGasLimit"
                );
                op.call_gas_limit = needed;
            }
        }
        if let Some(gas) = usage.deploy {
            let needed = (self.buffered(gas) + self.validation_gas).min(self.max_verification_gas);
            op.verification_gas_limit = op.verification_gas_limit.max(needed);
        }
    }
}

/// The calls that replay `ops` (one chain, in order): for each, the factory call if it deploys
/// its account, then the account call from the EntryPoint. Returns the calls and, per userOp,
/// the indices of its deploy and execution calls.
fn replay_calls(ops: &[&UserOperation]) -> (Vec<SimCall>, Vec<(Option<usize>, usize)>) {
    let mut calls = Vec::with_capacity(ops.len() * 2);
    let mut index = Vec::with_capacity(ops.len());
    for op in ops {
        let deploy = op.factory.map(|factory| {
            calls.push(SimCall {
                from: ENTRY_POINT_V07,
                to: factory,
                data: op.factory_data.clone(),
            });
            calls.len() - 1
        });
        calls.push(SimCall {
            from: ENTRY_POINT_V07,
            to: op.sender,
            data: op.call_data.clone(),
        });
        index.push((deploy, calls.len() - 1));
    }
    (calls, index)
}

/// Simulates `ops` of one chain in order and reports each one's gas.
pub async fn simulate_chain(
    chain: &dyn ChainClient,
    ops: &[&UserOperation],
    code_overrides: &[(Address, Bytes)],
) -> Result<Vec<Usage>> {
    let (calls, index) = replay_calls(ops);
    let outcomes = chain.simulate_calls(&calls, code_overrides).await?;
    Ok(index
        .into_iter()
        .zip(ops)
        .map(|((deploy, execution), op)| {
            let execution = &outcomes[execution];
            if !execution.success {
                debug!(
                    chain_id = chain.chain_id(),
                    sender = %op.sender,
                    reason = %decode_revert_reason(&execution.output),
                    "simulated execution reverts; keeping the requested gas"
                );
            }
            Usage {
                deploy: deploy
                    .map(|i| &outcomes[i])
                    .filter(|o| o.success)
                    .map(|o| o.gas_used),
                execution: execution.success.then_some(execution.gas_used),
            }
        })
        .collect())
}

/// Sizes the gas of every target from a simulation of its chain. A chain whose RPC cannot
/// simulate leaves its userOps as they are (logged): the executor still simulates before sending.
pub async fn fill(
    chains: &std::collections::HashMap<u64, std::sync::Arc<dyn ChainClient>>,
    targets: &mut [GasTarget<'_>],
    policy: &GasPolicy,
) -> Result<()> {
    let mut chain_ids: Vec<u64> = targets.iter().map(|t| t.chain_id).collect();
    chain_ids.sort_unstable();
    chain_ids.dedup();
    for chain_id in chain_ids {
        let chain = chains
            .get(&chain_id)
            .ok_or(Error::UnsupportedChain(chain_id))?;
        let positions: Vec<usize> = (0..targets.len())
            .filter(|&i| targets[i].chain_id == chain_id)
            .collect();
        let overrides: Vec<(Address, Bytes)> = positions
            .iter()
            .filter_map(|&i| {
                targets[i]
                    .delegate
                    .map(|to| (targets[i].op.sender, delegation_code(to)))
            })
            .collect();
        let ops: Vec<&UserOperation> = positions.iter().map(|&i| &*targets[i].op).collect();
        let usages = match simulate_chain(chain.as_ref(), &ops, &overrides).await {
            Ok(usages) => usages,
            Err(err) => {
                warn!(chain_id, %err, "cannot simulate the quote's userOps; keeping their gas");
                continue;
            }
        };
        for (i, usage) in positions.into_iter().zip(usages) {
            if targets[i].adjust {
                policy.apply(targets[i].op, usage);
            }
        }
    }
    Ok(())
}

/// Refuses a quote whose payment userOp would revert with the fee in it: runs its deployment
/// (if any) and its call with the final calldata, and reads the account's token balance.
pub async fn check_fee_payment(
    chain: &dyn ChainClient,
    payment: &UserOperation,
    delegate: Option<Address>,
    token: Address,
    fee: U256,
) -> Result<()> {
    let (mut calls, index) = replay_calls(&[payment]);
    let (_, execution) = index[0];
    // The balance is read after the deployment and before the payment.
    calls.insert(
        execution,
        SimCall {
            from: payment.sender,
            to: token,
            data: IERC20Balance::balanceOfCall {
                account: payment.sender,
            }
            .abi_encode()
            .into(),
        },
    );
    let overrides: Vec<(Address, Bytes)> = delegate
        .map(|to| (payment.sender, delegation_code(to)))
        .into_iter()
        .collect();
    let outcomes = match chain.simulate_calls(&calls, &overrides).await {
        Ok(outcomes) => outcomes,
        Err(err) => {
            warn!(chain_id = chain.chain_id(), %err, "cannot simulate the fee payment");
            return Ok(());
        }
    };
    let balance = outcomes[execution]
        .success
        .then(|| U256::abi_decode(&outcomes[execution].output).ok())
        .flatten();
    let paid = &outcomes[execution + 1];
    if let Some(balance) = balance
        && balance < fee
    {
        return Err(Error::InsufficientFeeBalance {
            chain_id: chain.chain_id(),
            token,
            account: payment.sender,
            balance,
            fee,
        });
    }
    if !paid.success {
        return Err(Error::invalid_at(
            "paymentInfo",
            format!(
                "the fee payment of {fee} would revert: {}",
                decode_revert_reason(&paid.output)
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(factory: Option<Address>) -> UserOperation {
        UserOperation {
            sender: Address::repeat_byte(1),
            nonce: U256::ZERO,
            factory,
            factory_data: Bytes::from_static(&[9]),
            call_data: Bytes::from_static(&[7]),
            call_gas_limit: 700_000,
            verification_gas_limit: 150_000,
            pre_verification_gas: U256::ZERO,
            max_fee_per_gas: 0,
            max_priority_fee_per_gas: 0,
            paymaster: None,
            paymaster_verification_gas_limit: 0,
            paymaster_post_op_gas_limit: 0,
            paymaster_data: Bytes::new(),
            signature: Bytes::new(),
        }
    }

    const POLICY: GasPolicy = GasPolicy {
        buffer_percent: 30,
        max_call_gas: 10_000_000,
        max_verification_gas: 3_000_000,
        validation_gas: 200_000,
    };

    #[test]
    fn raises_but_never_lowers() {
        let mut small = op(None);
        POLICY.apply(
            &mut small,
            Usage {
                deploy: None,
                execution: Some(1_000_000),
            },
        );
        assert_eq!(small.call_gas_limit, 1_300_000);
        let mut ample = op(None);
        POLICY.apply(
            &mut ample,
            Usage {
                deploy: None,
                execution: Some(50_000),
            },
        );
        assert_eq!(ample.call_gas_limit, 700_000);
        let mut reverting = op(None);
        POLICY.apply(&mut reverting, Usage::default());
        assert_eq!(reverting.call_gas_limit, 700_000);
        let mut huge = op(None);
        POLICY.apply(
            &mut huge,
            Usage {
                deploy: Some(400_000),
                execution: Some(100_000_000),
            },
        );
        assert_eq!(huge.call_gas_limit, POLICY.max_call_gas);
        assert_eq!(huge.verification_gas_limit, 520_000 + 200_000);
    }

    #[test]
    fn replays_deployment_then_execution_from_the_entry_point() {
        let factory = Address::repeat_byte(0xfa);
        let (deploying, plain) = (op(Some(factory)), op(None));
        let (calls, index) = replay_calls(&[&deploying, &plain]);
        assert_eq!(index, vec![(Some(0), 1), (None, 2)]);
        assert_eq!(calls[0].to, factory);
        assert_eq!(calls[0].data, deploying.factory_data);
        assert!(calls.iter().all(|c| c.from == ENTRY_POINT_V07));
        assert_eq!(calls[2].to, plain.sender);
        assert_eq!(calls[2].data, plain.call_data);
    }
}
