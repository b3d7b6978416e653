//! A local multichain devnet.
//!
//! [`Devnet`] runs one anvil per chain id (by default the four chains of the reference flow: 10,
//! 8453, 42161, 137) on free ports of 127.0.0.1 and prepares every chain the same way:
//! - the EntryPoint v0.7 at `0x0000000071727De22E5E9d8BAf0edAc6f37da032`, created through the
//!   deterministic deployer from the npm artifact, which reproduces the canonical address;
//! - USDC (a 6-decimal test token with EIP-2612 `permit`) at one fixed address on every chain;
//! - the account contracts of MEE 2.0.0 and 2.1.0 (implementation, factory, bootstrap, K1 MEE
//!   validator), Smart Sessions and its six policies, each at its canonical address;
//! - a node paymaster owned by the devnet's node key, with 100 ETH deposited on the EntryPoint;
//! - funded test keys: anvil's default accounts, each holding 10,000 ETH and 1,000,000 USDC.
//!
//! The anvil processes end when the [`Devnet`] is dropped, and also when the process that started
//! them dies (see the `anvil` module).
//!
//! ```no_run
//! # async fn run() -> Result<(), mee_devnet::DevnetError> {
//! let devnet = mee_devnet::Devnet::builder().spawn().await?;
//! for chain in devnet.chains() {
//!     println!("chain {} at {}", chain.chain_id(), chain.rpc_url());
//! }
//! # Ok(()) }
//! ```

mod anvil;
mod deploy;
mod gas_tank;
mod keys;

use std::{
    fmt,
    path::{Path, PathBuf},
};

use alloy::{
    primitives::{Address, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
};
use mee_primitives::{
    addresses::{DEVNET_USDC, ENTRY_POINT_V07, MEE_VERSIONS, MeeVersionAddresses, SMART_SESSIONS},
    chains::REFERENCE_CHAINS,
};
use serde::Serialize;

use crate::anvil::AnvilProcess;
pub use crate::{
    deploy::{MULTICALL3, Method, Placed},
    gas_tank::{GasTanks, gas_tank_deployment, gas_tank_key},
    keys::{TestKey, node_key, test_keys},
};

/// Environment variable naming the anvil binary to use.
pub const ANVIL_ENV: &str = "MEE_ANVIL";

/// Where `npm ci` installs anvil, relative to the repository root.
const NPM_ANVIL: &str = "node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil";

/// Errors of the devnet.
#[derive(Debug, thiserror::Error)]
pub enum DevnetError {
    /// No anvil binary was found.
    #[error(
        "anvil not found (looked in ${ANVIL_ENV}, ./{NPM_ANVIL} and above, and PATH); \
         run `make setup` at the repository root or set {ANVIL_ENV}"
    )]
    AnvilNotFound,
    /// The chain list is empty or names a chain twice.
    #[error("invalid chain list: {0}")]
    InvalidChains(String),
    /// anvil could not be started.
    #[error("failed to start anvil for chain {chain_id}: {source}")]
    Spawn {
        /// The chain id.
        chain_id: u64,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// anvil started but did not come up.
    #[error("anvil for chain {chain_id} failed to start: {reason}\n{output}")]
    Startup {
        /// The chain id.
        chain_id: u64,
        /// What went wrong.
        reason: String,
        /// The last lines anvil printed.
        output: String,
    },
    /// A deployment step failed.
    #[error("devnet setup failed on chain {chain_id} at {step}: {message}")]
    Deploy {
        /// The chain id.
        chain_id: u64,
        /// The step that failed.
        step: String,
        /// What went wrong.
        message: String,
    },
}

impl DevnetError {
    fn deploy(chain_id: u64, step: impl fmt::Display, message: impl fmt::Display) -> Self {
        Self::Deploy {
            chain_id,
            step: step.to_string(),
            message: message.to_string(),
        }
    }
}

/// Configures and starts a [`Devnet`].
#[derive(Clone, Debug)]
pub struct DevnetBuilder {
    chain_ids: Vec<u64>,
    anvil: Option<PathBuf>,
    usdc_per_key: U256,
    paymaster_deposit: U256,
    block_time: Option<u64>,
}

impl Default for DevnetBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl DevnetBuilder {
    /// The four reference chains, anvil from the repository's npm toolchain, instant mining.
    pub fn new() -> Self {
        Self {
            chain_ids: REFERENCE_CHAINS.to_vec(),
            anvil: None,
            usdc_per_key: deploy::usdc(1_000_000),
            paymaster_deposit: U256::from(100u64) * U256::from(10u64).pow(U256::from(18u64)),
            block_time: None,
        }
    }

    /// The chain ids to run, one anvil each.
    pub fn chain_ids(mut self, chain_ids: impl IntoIterator<Item = u64>) -> Self {
        self.chain_ids = chain_ids.into_iter().collect();
        self
    }

    /// The anvil binary. By default: `$MEE_ANVIL`, else the npm toolchain's anvil found from the
    /// current directory upwards, else `anvil` on `PATH`.
    pub fn anvil_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.anvil = Some(path.into());
        self
    }

    /// USDC minted to each test key on each chain, in base units (6 decimals).
    pub const fn usdc_per_key(mut self, amount: U256) -> Self {
        self.usdc_per_key = amount;
        self
    }

    /// The node paymaster's EntryPoint deposit on each chain, in wei (default 100 ETH).
    pub const fn paymaster_deposit(mut self, wei: U256) -> Self {
        self.paymaster_deposit = wei;
        self
    }

    /// Mine a block every `seconds` instead of one per transaction.
    pub const fn block_time(mut self, seconds: u64) -> Self {
        self.block_time = Some(seconds);
        self
    }

    /// Starts every chain and deploys the devnet's contracts on each.
    pub async fn spawn(self) -> Result<Devnet, DevnetError> {
        self.validate()?;
        let anvil = match self.anvil {
            Some(path) => path,
            None => find_anvil().ok_or(DevnetError::AnvilNotFound)?,
        };
        let mut extra_args = Vec::new();
        if let Some(seconds) = self.block_time {
            extra_args.extend(["--block-time".to_string(), seconds.to_string()]);
        }

        // Start all anvils in parallel; each waits for its own "Listening on" line.
        let started: Vec<Result<AnvilProcess, DevnetError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = self
                .chain_ids
                .iter()
                .map(|&id| {
                    let (anvil, extra_args) = (&anvil, &extra_args);
                    scope.spawn(move || AnvilProcess::spawn(anvil, id, extra_args))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("anvil start thread"))
                .collect()
        });
        let mut chains = Vec::with_capacity(started.len());
        for (process, &chain_id) in started.into_iter().zip(&self.chain_ids) {
            let process = process?;
            let rpc_url = format!("http://127.0.0.1:{}", process.port());
            tracing::debug!(chain_id, %rpc_url, pid = process.pid(), "anvil started");
            chains.push(DevnetChain {
                chain_id,
                rpc_url,
                placed: Vec::new(),
                process,
            });
        }

        // Deploy on all chains concurrently.
        let mut tasks = tokio::task::JoinSet::new();
        for (index, chain) in chains.iter().enumerate() {
            let (chain_id, rpc_url, usdc, deposit) = (
                chain.chain_id,
                chain.rpc_url.clone(),
                self.usdc_per_key,
                self.paymaster_deposit,
            );
            tasks.spawn(async move {
                let placed = deploy::deploy_chain(chain_id, &rpc_url, usdc, deposit).await;
                let tanks = match placed {
                    Ok(_) => deploy::deploy_gas_tanks(chain_id, &rpc_url, usdc)
                        .await
                        .map(Some),
                    Err(_) => Ok(None),
                };
                (index, placed, tanks)
            });
        }
        let mut gas_tanks = None;
        while let Some(joined) = tasks.join_next().await {
            let (index, placed, tanks) = joined.expect("deployment task panicked");
            chains[index].placed = placed?;
            gas_tanks = tanks?.or(gas_tanks);
        }
        Ok(Devnet {
            chains,
            usdc_per_key: self.usdc_per_key,
            gas_tanks: gas_tanks.expect("every chain has gas tanks"),
        })
    }

    fn validate(&self) -> Result<(), DevnetError> {
        if self.chain_ids.is_empty() {
            return Err(DevnetError::InvalidChains("no chain ids given".into()));
        }
        let mut seen = std::collections::HashSet::new();
        for id in &self.chain_ids {
            if *id == 0 {
                return Err(DevnetError::InvalidChains(
                    "chain id 0 is not allowed".into(),
                ));
            }
            if !seen.insert(id) {
                return Err(DevnetError::InvalidChains(format!(
                    "chain id {id} appears twice"
                )));
            }
        }
        Ok(())
    }
}

/// Local chains with the MEE contracts deployed. Dropping it stops every chain.
#[derive(Debug)]
pub struct Devnet {
    chains: Vec<DevnetChain>,
    usdc_per_key: U256,
    gas_tanks: GasTanks,
}

impl Devnet {
    /// A builder with the defaults of [`DevnetBuilder::new`].
    pub fn builder() -> DevnetBuilder {
        DevnetBuilder::new()
    }

    /// The chains, in the order they were requested.
    pub fn chains(&self) -> &[DevnetChain] {
        &self.chains
    }

    /// The chain with this id.
    pub fn chain(&self, chain_id: u64) -> Option<&DevnetChain> {
        self.chains.iter().find(|c| c.chain_id == chain_id)
    }

    /// The funded test keys (the same on every chain).
    pub fn test_keys(&self) -> Vec<TestKey> {
        test_keys()
    }

    /// The node paymaster (same address on every chain), owned by [`node_key`].
    pub fn node_paymaster() -> Address {
        deploy::node_paymaster_address()
    }

    /// The gas tanks (same addresses on every chain), owned by [`gas_tank_key`], each holding
    /// as much USDC as a test key.
    pub const fn gas_tanks(&self) -> GasTanks {
        self.gas_tanks
    }

    /// A serialisable description: chains, RPC URLs, contract addresses and test keys.
    pub fn info(&self) -> DevnetInfo {
        DevnetInfo {
            chains: self
                .chains
                .iter()
                .map(|c| ChainInfo {
                    chain_id: c.chain_id,
                    rpc_url: c.rpc_url.clone(),
                    contracts: c.placed.clone(),
                })
                .collect(),
            entry_point: ENTRY_POINT_V07,
            usdc: DEVNET_USDC,
            mee_versions: MEE_VERSIONS.iter().map(MeeVersionInfo::from).collect(),
            smart_sessions: SMART_SESSIONS,
            node_paymaster: Self::node_paymaster(),
            node_key: node_key(),
            usdc_per_key: self.usdc_per_key,
            test_keys: test_keys(),
            gas_tanks: self.gas_tanks,
            gas_tank_key: gas_tank_key(),
        }
    }
}

/// One chain of a [`Devnet`].
#[derive(Debug)]
pub struct DevnetChain {
    chain_id: u64,
    rpc_url: String,
    placed: Vec<Placed>,
    process: AnvilProcess,
}

impl DevnetChain {
    /// The chain id.
    pub const fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// The JSON-RPC URL.
    pub fn rpc_url(&self) -> &str {
        &self.rpc_url
    }

    /// The anvil process id.
    pub fn pid(&self) -> u32 {
        self.process.pid()
    }

    /// The contracts placed on this chain.
    pub fn contracts(&self) -> &[Placed] {
        &self.placed
    }

    /// A read-only provider for this chain.
    pub fn provider(&self) -> DynProvider {
        ProviderBuilder::new()
            .connect_http(self.rpc_url.parse().expect("devnet URLs are valid"))
            .erased()
    }
}

/// What [`Devnet::info`] reports.
#[derive(Clone, Debug, Serialize)]
pub struct DevnetInfo {
    /// Every chain.
    pub chains: Vec<ChainInfo>,
    /// The EntryPoint v0.7 (same address on every chain).
    pub entry_point: Address,
    /// USDC (same address on every chain).
    pub usdc: Address,
    /// The account contracts of each MEE version.
    pub mee_versions: Vec<MeeVersionInfo>,
    /// The Smart Sessions module.
    pub smart_sessions: Address,
    /// The node paymaster (funded on every chain).
    pub node_paymaster: Address,
    /// The node's key: owns the node paymaster and submits bundles (public anvil key).
    pub node_key: TestKey,
    /// USDC each test key holds on each chain at start, in base units.
    pub usdc_per_key: U256,
    /// The funded test keys (public anvil keys; local use only).
    pub test_keys: Vec<TestKey>,
    /// The gas tanks that pay for sponsored supertransactions.
    pub gas_tanks: GasTanks,
    /// The key that owns the gas tanks (local use only).
    pub gas_tank_key: TestKey,
}

/// The contracts of one MEE version in a [`DevnetInfo`].
#[derive(Clone, Debug, Serialize)]
pub struct MeeVersionInfo {
    /// The version, e.g. `"2.0.0"`.
    pub version: &'static str,
    /// The account implementation.
    pub account_implementation: Address,
    /// The account factory.
    pub account_factory: Address,
    /// The bootstrap.
    pub bootstrap: Address,
    /// The K1 MEE validator.
    pub mee_validator: Address,
}

impl From<&MeeVersionAddresses> for MeeVersionInfo {
    fn from(v: &MeeVersionAddresses) -> Self {
        Self {
            version: v.version,
            account_implementation: v.account_implementation,
            account_factory: v.account_factory,
            bootstrap: v.bootstrap,
            mee_validator: v.mee_validator,
        }
    }
}

/// One chain in a [`DevnetInfo`].
#[derive(Clone, Debug, Serialize)]
pub struct ChainInfo {
    /// The chain id.
    pub chain_id: u64,
    /// The JSON-RPC URL.
    pub rpc_url: String,
    /// The contracts placed on it.
    pub contracts: Vec<Placed>,
}

/// Finds anvil: `$MEE_ANVIL`, the npm toolchain from the current directory upwards, the npm
/// toolchain of the source tree this crate was built from, or `anvil` on `PATH`.
pub fn find_anvil() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(ANVIL_ENV) {
        return Some(PathBuf::from(path));
    }
    let from_cwd = std::env::current_dir().ok().and_then(|cwd| {
        cwd.ancestors()
            .map(|dir| dir.join(NPM_ANVIL))
            .find(|p| p.is_file())
    });
    let from_source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|dir| dir.join(NPM_ANVIL))
        .find(|p| p.is_file());
    from_cwd.or(from_source).or_else(|| {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join("anvil"))
                .find(|p| p.is_file())
        })
    })
}
