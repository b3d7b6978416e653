//! What the devnet places on every chain, and how.
//!
//! Everything a chain needs is listed once, in [`placements`]. Each entry says where a contract must
//! end up and how it gets there:
//! - [`Method::Create2`]: sent through the deterministic deployer, for bytecode that reproduces the
//!   canonical address by itself (the EntryPoint v0.7 from its npm artifact does). If the predicted
//!   address differs, the entry falls back to deploy-and-copy and says so in the report.
//! - [`Method::DeployAndCopy`]: deployed with a normal transaction (so the constructor runs and
//!   immutables are filled), then its runtime code is copied to the canonical address with
//!   `anvil_setCode`. Constructor-set storage does not travel; our contracts keep none.

use alloy::{
    network::{EthereumWallet, TransactionBuilder},
    primitives::{Address, B256, Bytes, U256},
    providers::{Provider, ProviderBuilder, ext::AnvilApi},
    rpc::types::TransactionRequest,
};
use mee_contracts::{entry_point, tokens::TestUSDC};
use mee_primitives::addresses::{
    CREATE2_DEPLOYER, DEVNET_USDC, ENTRY_POINT_V07, ENTRY_POINT_V07_SALT,
};
use serde::Serialize;

use crate::{DevnetError, keys};

/// How a contract reached its address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// CREATE2 through the deterministic deployer reproduced the address.
    Create2,
    /// Deployed, then its runtime code was copied to the address.
    DeployAndCopy,
}

/// One contract to place on every chain.
#[derive(Clone, Debug)]
pub(crate) struct Placement {
    name: &'static str,
    address: Address,
    creation_code: Bytes,
    create2_salt: Option<B256>,
}

/// A contract the devnet placed.
#[derive(Clone, Debug, Serialize)]
pub struct Placed {
    /// What it is.
    pub name: &'static str,
    /// Where it is.
    pub address: Address,
    /// How it got there.
    pub method: Method,
}

/// The contracts of every devnet chain, in deployment order.
pub(crate) fn placements() -> Vec<Placement> {
    vec![
        Placement {
            name: "EntryPoint v0.7",
            address: ENTRY_POINT_V07,
            creation_code: entry_point::BYTECODE.clone(),
            create2_salt: Some(ENTRY_POINT_V07_SALT.into()),
        },
        Placement {
            name: "USDC (TestUSDC)",
            address: DEVNET_USDC,
            creation_code: TestUSDC::BYTECODE.clone(),
            create2_salt: None,
        },
    ]
}

/// Deploys every [`Placement`] on the chain at `rpc_url`, then mints `usdc_per_key` USDC to each
/// test key.
pub(crate) async fn deploy_chain(
    chain_id: u64,
    rpc_url: &str,
    usdc_per_key: U256,
) -> Result<Vec<Placed>, DevnetError> {
    let url = rpc_url
        .parse()
        .map_err(|_| DevnetError::deploy(chain_id, "rpc url", "invalid"))?;
    let deployer = keys::deployer_key();
    let provider = ProviderBuilder::new()
        .wallet(EthereumWallet::from(deployer.signer()))
        .connect_http(url);

    let mut placed = Vec::new();
    for placement in placements() {
        let method = place(&provider, chain_id, &placement).await?;
        let code = provider
            .get_code_at(placement.address)
            .await
            .map_err(|e| DevnetError::deploy(chain_id, placement.name, e))?;
        if code.is_empty() {
            return Err(DevnetError::deploy(
                chain_id,
                placement.name,
                "no code after placement",
            ));
        }
        placed.push(Placed {
            name: placement.name,
            address: placement.address,
            method,
        });
    }

    let usdc = TestUSDC::new(DEVNET_USDC, &provider);
    for key in keys::test_keys() {
        usdc.mint(key.address, usdc_per_key)
            .send()
            .await
            .map_err(|e| DevnetError::deploy(chain_id, "mint USDC", e))?
            .get_receipt()
            .await
            .map_err(|e| DevnetError::deploy(chain_id, "mint USDC", e))?;
    }
    Ok(placed)
}

async fn place<P: Provider>(
    provider: &P,
    chain_id: u64,
    placement: &Placement,
) -> Result<Method, DevnetError> {
    let err = |e: &dyn std::fmt::Display| DevnetError::deploy(chain_id, placement.name, e);

    if let Some(salt) = placement.create2_salt
        && CREATE2_DEPLOYER.create2_from_code(salt, &placement.creation_code) == placement.address
    {
        let deployer_code = provider
            .get_code_at(CREATE2_DEPLOYER)
            .await
            .map_err(|e| err(&e))?;
        if !deployer_code.is_empty() {
            let input = [salt.as_slice(), placement.creation_code.as_ref()].concat();
            let tx = TransactionRequest::default()
                .with_to(CREATE2_DEPLOYER)
                .with_input(input);
            let receipt = provider
                .send_transaction(tx)
                .await
                .map_err(|e| err(&e))?
                .get_receipt()
                .await
                .map_err(|e| err(&e))?;
            if !receipt.status() {
                return Err(err(&"CREATE2 deployment reverted"));
            }
            return Ok(Method::Create2);
        }
    }

    let tx = TransactionRequest::default().with_deploy_code(placement.creation_code.clone());
    let receipt = provider
        .send_transaction(tx)
        .await
        .map_err(|e| err(&e))?
        .get_receipt()
        .await
        .map_err(|e| err(&e))?;
    let deployed = receipt
        .contract_address
        .filter(|_| receipt.status())
        .ok_or_else(|| err(&"deployment reverted"))?;
    let runtime = provider.get_code_at(deployed).await.map_err(|e| err(&e))?;
    provider
        .anvil_set_code(placement.address, runtime)
        .await
        .map_err(|e| err(&e))?;
    Ok(Method::DeployAndCopy)
}

/// Whole USDC (6 decimals) as base units.
pub(crate) fn usdc(amount: u64) -> U256 {
    U256::from(amount) * U256::from(1_000_000u64)
}
