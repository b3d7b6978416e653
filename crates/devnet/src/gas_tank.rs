//! Gas tanks: the accounts that pay the fees of sponsored supertransactions.
//!
//! Every devnet chain gets two tanks, both our smart account (MEE 2.0.0, the K1 MEE validator as
//! default validator) owned by [`gas_tank_key`] and holding USDC:
//! - the **self-hosted tank**: the counterfactual account of that key (index 0), deployed through
//!   the factory, so its address is what `computeAccountAddress` gives on any network;
//! - the **SDK's default tank** at [`DEFAULT_GAS_TANK`] (`0x18eA…80d5`), the address
//!   `@biconomy/abstractjs` puts in `paymentInfo.sender` for `sponsorship: true`. On the devnet our
//!   account lives there: the account proxy's runtime code is copied to that address, its ERC-1967
//!   slot set to the implementation, and the account initialises itself (an impersonated call from
//!   the address to itself, which `initializeAccount` accepts) with the same owner.
//!
//! A node configured with both tanks (see the node's README section on sponsorship) therefore
//! serves `sponsorship: true` with no options as well as a self-hosted `gasTank`.

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, U256, b256, keccak256},
    providers::{Provider, ProviderBuilder, ext::AnvilApi},
    rpc::types::TransactionRequest,
    signers::local::PrivateKeySigner,
    sol_types::SolCall,
};
use mee_contracts::{
    account::{AccountFactory, SmartAccount},
    tokens::TestUSDC,
};
use mee_primitives::{
    account::NexusDeployment,
    addresses::{DEFAULT_GAS_TANK, DEVNET_USDC, MEE_2_0_0},
};
use serde::Serialize;

use crate::{DevnetError, keys::TestKey};

/// The ERC-1967 implementation slot of the account proxy.
const IMPLEMENTATION_SLOT: B256 =
    b256!("0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc");

/// The seed of the gas-tank owner's key (not one of anvil's default keys, so no test races it).
const GAS_TANK_KEY_SEED: &[u8] = b"mee-devnet gas tank owner";

/// The key that owns the devnet's gas tanks (local use only).
pub fn gas_tank_key() -> TestKey {
    let signer =
        PrivateKeySigner::from_bytes(&keccak256(GAS_TANK_KEY_SEED)).expect("a valid secp256k1 key");
    TestKey {
        address: signer.address(),
        private_key: format!("0x{}", alloy::hex::encode(signer.to_bytes())),
    }
}

/// The self-hosted tank's deployment: the gas-tank key's account number 0 under MEE 2.0.0.
pub fn gas_tank_deployment() -> NexusDeployment {
    NexusDeployment::new(MEE_2_0_0, gas_tank_key().address, U256::ZERO)
}

/// The gas tanks of a devnet chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct GasTanks {
    /// The self-hosted tank (the gas-tank key's counterfactual account, deployed).
    pub self_hosted: Address,
    /// The SDK's default tank address, where the devnet places the same owner's account.
    pub sdk_default: Address,
    /// The owner of both.
    pub owner: Address,
    /// The token both hold and pay fees in.
    pub token: Address,
}

/// Deploys the self-hosted tank, places the default tank and mints `usdc` to each.
pub(crate) async fn deploy_gas_tanks<P: Provider>(
    provider: &P,
    rpc_url: &str,
    chain_id: u64,
    usdc: U256,
) -> Result<GasTanks, DevnetError> {
    let step = |step: &'static str| {
        move |e: &dyn std::fmt::Display| DevnetError::deploy(chain_id, step, e)
    };
    let deployment = gas_tank_deployment();

    // The self-hosted tank, through the factory.
    let factory = AccountFactory::new(deployment.factory(), provider);
    let self_hosted = factory
        .computeAccountAddress(deployment.init_data(), deployment.salt())
        .call()
        .await
        .map_err(|e| step("gas tank address")(&e))?;
    let receipt = factory
        .createAccount(deployment.init_data(), deployment.salt())
        .send()
        .await
        .map_err(|e| step("deploy the gas tank")(&e))?
        .get_receipt()
        .await
        .map_err(|e| step("deploy the gas tank")(&e))?;
    if !receipt.status() {
        return Err(step("deploy the gas tank")(&"createAccount reverted"));
    }

    // The default tank: the proxy's code at the SDK's address, initialised by itself.
    let proxy = provider
        .get_code_at(self_hosted)
        .await
        .map_err(|e| step("read the account proxy")(&e))?;
    let url = rpc_url.parse().map_err(|_| step("rpc url")(&"invalid"))?;
    let plain = ProviderBuilder::new().connect_http(url);
    let place = step("place the default gas tank");
    plain
        .anvil_set_code(DEFAULT_GAS_TANK, proxy)
        .await
        .map_err(|e| place(&e))?;
    plain
        .anvil_set_storage_at(
            DEFAULT_GAS_TANK,
            U256::from_be_bytes(IMPLEMENTATION_SLOT.0),
            B256::left_padding_from(MEE_2_0_0.account_implementation.as_slice()),
        )
        .await
        .map_err(|e| place(&e))?;
    plain
        .anvil_set_balance(DEFAULT_GAS_TANK, U256::from(10u64).pow(U256::from(18u64)))
        .await
        .map_err(|e| place(&e))?;
    plain
        .anvil_impersonate_account(DEFAULT_GAS_TANK)
        .await
        .map_err(|e| place(&e))?;
    let init = SmartAccount::initializeAccountCall {
        initData: deployment.init_data(),
    }
    .abi_encode();
    let tx = TransactionRequest::default()
        .with_from(DEFAULT_GAS_TANK)
        .with_to(DEFAULT_GAS_TANK)
        .with_input(init)
        .with_gas_limit(2_000_000);
    let sent = plain.send_transaction(tx).await;
    let _ = plain
        .anvil_stop_impersonating_account(DEFAULT_GAS_TANK)
        .await;
    let receipt = sent
        .map_err(|e| place(&e))?
        .get_receipt()
        .await
        .map_err(|e| place(&e))?;
    if !receipt.status() {
        return Err(place(&"initializeAccount reverted"));
    }

    let token = TestUSDC::new(DEVNET_USDC, provider);
    for tank in [self_hosted, DEFAULT_GAS_TANK] {
        token
            .mint(tank, usdc)
            .send()
            .await
            .map_err(|e| step("fund the gas tanks")(&e))?
            .get_receipt()
            .await
            .map_err(|e| step("fund the gas tanks")(&e))?;
    }
    Ok(GasTanks {
        self_hosted,
        sdk_default: DEFAULT_GAS_TANK,
        owner: deployment.owner,
        token: DEVNET_USDC,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gas_tank_key_is_stable_and_not_a_test_key() {
        let key = gas_tank_key();
        assert_eq!(key.signer().address(), key.address);
        assert_eq!(gas_tank_key().address, key.address);
        assert!(
            crate::keys::test_keys()
                .iter()
                .all(|k| k.address != key.address)
        );
        assert_ne!(crate::keys::node_key().address, key.address);
    }
}
