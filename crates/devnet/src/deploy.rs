//! What the devnet places on every chain, and how.
//!
//! Everything a chain needs is listed once, in [`placements`], in deployment order. Each entry says
//! where a contract must end up and how it gets there:
//! - [`Method::Create2`]: sent through the deterministic deployer `0x4e59…956C`, so the address
//!   follows from the creation code and salt and is the same on every chain. The EntryPoint v0.7
//!   from its npm artifact reproduces its canonical address this way. If an entry's canonical
//!   address differs from the CREATE2 prediction, it falls back to deploy-and-copy and says so.
//! - [`Method::DeployAndCopy`]: deployed with a normal transaction (so the constructor runs and
//!   immutables are filled), then its runtime code is copied to the canonical address with
//!   `anvil_setCode`. Constructor-set storage does not travel; our contracts keep none.
//!
//! After the placements, [`deploy_chain`] funds the node paymaster's EntryPoint deposit and mints
//! USDC to every test key.

use alloy::{
    network::{EthereumWallet, TransactionBuilder},
    primitives::{Address, B256, Bytes, U256, address, b256},
    providers::{Provider, ProviderBuilder, ext::AnvilApi},
    rpc::types::TransactionRequest,
    sol_types::SolConstructor,
};
use mee_contracts::{
    account::{AccountBootstrap, AccountFactory, SmartAccount},
    entry_point,
    paymaster::NodePaymaster,
    policies::{
        ERC20SpendingLimitPolicy, SudoPolicy, TimeFramePolicy, UniActionPolicy, UsageLimitPolicy,
        ValueLimitPolicy,
    },
    sessions::{SmartSession, SmartSessionViews},
    tokens::TestUSDC,
    utils::Multicall3,
    validators::{K1MeeValidator, K1MeeValidator7702},
};
use mee_primitives::addresses::{
    CREATE2_DEPLOYER, DEVNET_USDC, ENTRY_POINT_V07, ENTRY_POINT_V07_SALT, MEE_2_0_0, MEE_2_1_0,
    MeeVersionAddresses, SMART_SESSIONS, policies,
};
use serde::Serialize;

use crate::{DevnetError, keys};

/// Multicall3's canonical address (the same on most EVM chains). viem's `multicall`, and through
/// it the TypeScript SDK's permit detection, calls it.
pub const MULTICALL3: Address = address!("0xcA11bde05977b3631167028862bE2a173976CA11");

/// The salt of the devnet's own CREATE2 placements (the node paymaster, the Smart Sessions views).
const DEVNET_SALT: B256 =
    b256!("0x6d65652d6465766e657400000000000000000000000000000000000000000001");

/// The init data the account implementation hands its default validator at construction: 20 bytes
/// of `0xEe…`, as in the deployed implementation.
const IMPLEMENTATION_VALIDATOR_INIT: [u8; 20] = [0xee; 20];

/// How a contract reached its address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// CREATE2 through the deterministic deployer.
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

impl Placement {
    /// Created through the deterministic deployer; `address` is the canonical address it must
    /// reach (or its own CREATE2 address when it has none).
    fn create2(name: &'static str, salt: B256, creation_code: Bytes, address: Address) -> Self {
        Self {
            name,
            address,
            creation_code,
            create2_salt: Some(salt),
        }
    }

    /// Deployed, then copied to `address`.
    fn copied(name: &'static str, address: Address, creation_code: Bytes) -> Self {
        Self {
            name,
            address,
            creation_code,
            create2_salt: None,
        }
    }

    fn predicted(&self) -> Option<Address> {
        self.create2_salt
            .map(|salt| CREATE2_DEPLOYER.create2_from_code(salt, &self.creation_code))
    }
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

fn with_args(code: &Bytes, args: impl SolConstructor) -> Bytes {
    [code.as_ref(), &args.abi_encode()].concat().into()
}

/// The account implementation, bootstrap and factory of one MEE version, after its validator.
fn account_contracts(version: MeeVersionAddresses) -> [Placement; 3] {
    let init = Bytes::copy_from_slice(&IMPLEMENTATION_VALIDATOR_INIT);
    [
        Placement::copied(
            "account implementation",
            version.account_implementation,
            with_args(
                &SmartAccount::BYTECODE,
                SmartAccount::constructorCall {
                    anEntryPoint: ENTRY_POINT_V07,
                    defaultValidator: version.mee_validator,
                    initData: init.clone(),
                },
            ),
        ),
        Placement::copied(
            "account bootstrap",
            version.bootstrap,
            with_args(
                &AccountBootstrap::BYTECODE,
                AccountBootstrap::constructorCall {
                    defaultValidator: version.mee_validator,
                    initData: init,
                },
            ),
        ),
        Placement::copied(
            "account factory",
            version.account_factory,
            with_args(
                &AccountFactory::BYTECODE,
                AccountFactory::constructorCall {
                    implementation: version.account_implementation,
                },
            ),
        ),
    ]
}

/// The node paymaster every devnet chain has: owned by the devnet's node key, at the same address
/// on every chain.
pub(crate) fn node_paymaster() -> Placement {
    let code = with_args(
        &NodePaymaster::BYTECODE,
        NodePaymaster::constructorCall {
            entryPoint_: ENTRY_POINT_V07,
            owner_: keys::node_key().address,
        },
    );
    let address = CREATE2_DEPLOYER.create2_from_code(DEVNET_SALT, &code);
    Placement::create2("node paymaster", DEVNET_SALT, code, address)
}

/// The address of [`node_paymaster`].
pub(crate) fn node_paymaster_address() -> Address {
    node_paymaster().address
}

/// Where the Smart Sessions module's view functions live (it delegatecalls them).
fn smart_session_views() -> Placement {
    let code = SmartSessionViews::BYTECODE.clone();
    let address = CREATE2_DEPLOYER.create2_from_code(DEVNET_SALT, &code);
    Placement::create2("Smart Sessions views", DEVNET_SALT, code, address)
}

/// The contracts of every devnet chain, in deployment order (validators before the accounts that
/// call them at construction).
pub(crate) fn placements() -> Vec<Placement> {
    let views = smart_session_views();
    let mut list = vec![
        Placement::create2(
            "EntryPoint v0.7",
            ENTRY_POINT_V07_SALT.into(),
            entry_point::BYTECODE.clone(),
            ENTRY_POINT_V07,
        ),
        Placement::copied("USDC (TestUSDC)", DEVNET_USDC, TestUSDC::BYTECODE.clone()),
        Placement::copied(
            "K1 MEE validator (2.0.0)",
            MEE_2_0_0.mee_validator,
            K1MeeValidator::BYTECODE.clone(),
        ),
        Placement::copied(
            "K1 MEE validator (2.1.0, 7702 owners)",
            MEE_2_1_0.mee_validator,
            K1MeeValidator7702::BYTECODE.clone(),
        ),
    ];
    list.extend(account_contracts(MEE_2_0_0));
    list.extend(account_contracts(MEE_2_1_0));
    list.push(Placement::copied(
        "Smart Sessions",
        SMART_SESSIONS,
        with_args(
            &SmartSession::BYTECODE,
            SmartSession::constructorCall {
                views: views.address,
            },
        ),
    ));
    list.push(views);
    list.extend([
        Placement::copied("SudoPolicy", policies::SUDO, SudoPolicy::BYTECODE.clone()),
        Placement::copied(
            "TimeFramePolicy",
            policies::TIME_FRAME,
            TimeFramePolicy::BYTECODE.clone(),
        ),
        Placement::copied(
            "UniActionPolicy",
            policies::UNIVERSAL_ACTION,
            UniActionPolicy::BYTECODE.clone(),
        ),
        Placement::copied(
            "UsageLimitPolicy",
            policies::USAGE_LIMIT,
            UsageLimitPolicy::BYTECODE.clone(),
        ),
        Placement::copied(
            "ValueLimitPolicy",
            policies::VALUE_LIMIT,
            ValueLimitPolicy::BYTECODE.clone(),
        ),
        Placement::copied(
            "ERC20SpendingLimitPolicy",
            policies::ERC20_SPENDING_LIMIT,
            ERC20SpendingLimitPolicy::BYTECODE.clone(),
        ),
    ]);
    list.push(node_paymaster());
    list.push(Placement::copied(
        "Multicall3",
        MULTICALL3,
        Multicall3::BYTECODE.clone(),
    ));
    list
}

/// Deploys every [`Placement`] on the chain at `rpc_url`, funds the node paymaster with
/// `paymaster_deposit` wei on the EntryPoint, and mints `usdc_per_key` USDC to each test key.
pub(crate) async fn deploy_chain(
    chain_id: u64,
    rpc_url: &str,
    usdc_per_key: U256,
    paymaster_deposit: U256,
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

    let step = |step: &'static str| {
        move |e: &dyn std::fmt::Display| DevnetError::deploy(chain_id, step, e)
    };
    let paymaster = NodePaymaster::new(node_paymaster().address, &provider);
    paymaster
        .deposit()
        .value(paymaster_deposit)
        .send()
        .await
        .map_err(|e| step("fund the node paymaster")(&e))?
        .get_receipt()
        .await
        .map_err(|e| step("fund the node paymaster")(&e))?;

    let usdc = TestUSDC::new(DEVNET_USDC, &provider);
    for key in keys::test_keys() {
        usdc.mint(key.address, usdc_per_key)
            .send()
            .await
            .map_err(|e| step("mint USDC")(&e))?
            .get_receipt()
            .await
            .map_err(|e| step("mint USDC")(&e))?;
    }
    Ok(placed)
}

/// The gas tanks of the chain at `rpc_url` (see the `gas_tank` module), each funded with
/// `usdc` USDC.
pub(crate) async fn deploy_gas_tanks(
    chain_id: u64,
    rpc_url: &str,
    usdc: U256,
) -> Result<crate::GasTanks, DevnetError> {
    let url = rpc_url
        .parse()
        .map_err(|_| DevnetError::deploy(chain_id, "rpc url", "invalid"))?;
    let provider = ProviderBuilder::new()
        .wallet(EthereumWallet::from(keys::deployer_key().signer()))
        .connect_http(url);
    crate::gas_tank::deploy_gas_tanks(&provider, rpc_url, chain_id, usdc).await
}

async fn place<P: Provider>(
    provider: &P,
    chain_id: u64,
    placement: &Placement,
) -> Result<Method, DevnetError> {
    let err = |e: &dyn std::fmt::Display| DevnetError::deploy(chain_id, placement.name, e);

    if let (Some(salt), Some(predicted)) = (placement.create2_salt, placement.predicted())
        && predicted == placement.address
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

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn every_placement_has_its_own_address() {
        let list = placements();
        let addresses: HashSet<Address> = list.iter().map(|p| p.address).collect();
        assert_eq!(addresses.len(), list.len());
    }

    #[test]
    fn validators_come_before_the_accounts_that_call_them() {
        let list = placements();
        let index = |a: Address| list.iter().position(|p| p.address == a).unwrap();
        for version in [MEE_2_0_0, MEE_2_1_0] {
            assert!(index(version.mee_validator) < index(version.account_implementation));
            assert!(index(version.account_implementation) < index(version.account_factory));
        }
    }

    #[test]
    fn create2_entries_land_where_they_claim() {
        for p in placements().iter().filter(|p| p.create2_salt.is_some()) {
            assert_eq!(p.predicted(), Some(p.address), "{}", p.name);
        }
    }
}
