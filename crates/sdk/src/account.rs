//! The multichain account: one Nexus deployment per chain.

use alloy::primitives::{Address, U256};
use mee_primitives::{
    account::NexusDeployment,
    addresses::{MEE_2_0_0, MeeVersionAddresses},
};

use crate::error::{Error, Result};

/// The account on one chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deployment {
    /// The chain.
    pub chain_id: u64,
    /// The account address on that chain.
    pub address: Address,
    /// The MEE version (contract set) on that chain.
    pub version: MeeVersionAddresses,
}

/// An account on several chains, usually at the same address.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MultichainAccount {
    deployments: Vec<Deployment>,
}

impl MultichainAccount {
    /// An account with no chains yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The account at `address` on each of `chain_ids`, under MEE 2.0.0.
    pub fn at(address: Address, chain_ids: impl IntoIterator<Item = u64>) -> Self {
        chain_ids
            .into_iter()
            .fold(Self::new(), |account, chain_id| {
                account.with_deployment(Deployment {
                    chain_id,
                    address,
                    version: MEE_2_0_0,
                })
            })
    }

    /// Adds (or replaces) the deployment on a chain.
    pub fn with_deployment(mut self, deployment: Deployment) -> Self {
        self.deployments
            .retain(|existing| existing.chain_id != deployment.chain_id);
        self.deployments.push(deployment);
        self
    }

    /// The deployments, in the order they were added.
    pub fn deployments(&self) -> &[Deployment] {
        &self.deployments
    }

    /// The deployment on `chain_id`.
    pub fn deployment_on(&self, chain_id: u64) -> Result<&Deployment> {
        self.deployments
            .iter()
            .find(|deployment| deployment.chain_id == chain_id)
            .ok_or(Error::UnknownChain(chain_id))
    }

    /// The account address on `chain_id`.
    pub fn address_on(&self, chain_id: u64) -> Result<Address> {
        Ok(self.deployment_on(chain_id)?.address)
    }
}

/// The deployment data (init code) of `owner`'s account number `index` on a chain of
/// `version`.
pub fn nexus_deployment(
    version: MeeVersionAddresses,
    owner: Address,
    index: u64,
) -> NexusDeployment {
    NexusDeployment::new(version, owner, U256::from(index))
}

#[cfg(test)]
mod tests {
    use alloy::primitives::address;

    use super::*;

    #[test]
    fn unknown_chains_are_errors() {
        let account = MultichainAccount::at(
            address!("0x50255639C0e4d184cEBFF9Ea78F3055283290700"),
            [8453, 10],
        );
        assert_eq!(account.deployments().len(), 2);
        assert!(account.address_on(10).is_ok());
        assert!(matches!(
            account.deployment_on(1),
            Err(Error::UnknownChain(1))
        ));
    }
}
