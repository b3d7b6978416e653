//! One module per subcommand: its `XxxArgs` and `run()`, plus the option groups they share.

pub(crate) mod account;
pub(crate) mod bench;
pub(crate) mod decode;
pub(crate) mod demo;
pub(crate) mod devnet;
pub(crate) mod instructions;
pub(crate) mod keys;
pub(crate) mod node;
pub(crate) mod permissions;
pub(crate) mod receipt;
pub(crate) mod session;

use std::{fmt, path::Path, str::FromStr, time::Duration};

use alloy::primitives::{Address, U256};
use anyhow::{Context, bail};
use clap::Args;
use mee_primitives::addresses::{DEVNET_USDC, MEE_VERSIONS, MeeVersionAddresses};
use mee_sdk::{
    MeeClient,
    account::{ChainConfig, MultichainAccount},
    payment::FeeToken,
    quote::{QuoteParams, Sponsorship},
};
use serde::Serialize;

/// Options shared by every command that starts local chains.
#[derive(Debug, Clone, Args)]
pub(crate) struct ChainArgs {
    /// Chain ids to run, one anvil each.
    #[arg(long, value_delimiter = ',', default_values_t = mee_primitives::chains::REFERENCE_CHAINS)]
    pub(crate) chains: Vec<u64>,

    /// The anvil binary (default: the repository's npm toolchain, then PATH).
    #[arg(long, env = "MEE_ANVIL")]
    pub(crate) anvil: Option<std::path::PathBuf>,
}

impl ChainArgs {
    pub(crate) fn builder(&self) -> mee_devnet::DevnetBuilder {
        let builder = mee_devnet::Devnet::builder().chain_ids(self.chains.iter().copied());
        match &self.anvil {
            Some(path) => builder.anvil_path(path),
            None => builder,
        }
    }
}

/// Prints a progress line on stderr unless the output is JSON.
pub(crate) fn progress(quiet: bool, message: impl std::fmt::Display) {
    if !quiet {
        eprintln!("{message}");
    }
}

/// Waits for ctrl-c or SIGTERM.
pub(crate) async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("install the SIGTERM handler");
    tokio::select! {
        _ = ctrl_c => {}
        _ = term.recv() => {}
    }
}

/// Prints `value` as one pretty JSON document on stdout.
pub(crate) fn print_json(value: &impl Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Chains and accounts
// ---------------------------------------------------------------------------------------------

/// A chain's JSON-RPC endpoint, written `CHAIN_ID=URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RpcEndpoint {
    pub(crate) chain_id: u64,
    pub(crate) url: String,
}

impl FromStr for RpcEndpoint {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (chain_id, url) = text
            .split_once('=')
            .ok_or_else(|| format!("expected CHAIN_ID=URL, got {text:?}"))?;
        let chain_id = chain_id
            .trim()
            .parse()
            .map_err(|_| format!("{chain_id:?} is not a chain id"))?;
        let url = url.trim();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!("{url:?} is not an http(s) URL"));
        }
        Ok(Self {
            chain_id,
            url: url.to_owned(),
        })
    }
}

/// The chains a command reads: their RPC endpoints and which of them to use.
#[derive(Debug, Clone, Args)]
pub(crate) struct RpcArgs {
    /// JSON-RPC endpoint of a chain, `CHAIN_ID=URL`; repeat the flag or separate with commas.
    #[arg(
        long = "rpc",
        env = "MEE_RPC",
        hide_env_values = true,
        value_name = "CHAIN_ID=URL",
        value_delimiter = ','
    )]
    pub(crate) rpc: Vec<RpcEndpoint>,

    /// Chains to work on (default: every chain given with --rpc).
    #[arg(long, value_name = "IDS", value_delimiter = ',')]
    pub(crate) chains: Vec<u64>,

    /// MEE version of the account contracts on every chain.
    #[arg(long, value_name = "VERSION", default_value = "2.0.0", value_parser = parse_mee_version)]
    pub(crate) mee_version: MeeVersionAddresses,
}

fn parse_mee_version(text: &str) -> Result<MeeVersionAddresses, String> {
    MEE_VERSIONS
        .into_iter()
        .find(|version| version.version == text)
        .ok_or_else(|| {
            let known: Vec<&str> = MEE_VERSIONS.iter().map(|v| v.version).collect();
            format!("unknown MEE version {text:?} (known: {})", known.join(", "))
        })
}

impl RpcArgs {
    /// The chains to use: `required` (chains a file names) and `--chains`; with neither, every
    /// chain given with `--rpc`. In order, without repeats.
    pub(crate) fn chain_ids(&self, required: &[u64]) -> Vec<u64> {
        let candidates: Vec<u64> = if required.is_empty() && self.chains.is_empty() {
            self.rpc.iter().map(|rpc| rpc.chain_id).collect()
        } else {
            required.iter().chain(&self.chains).copied().collect()
        };
        let mut ids = Vec::new();
        for id in candidates {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        ids
    }

    /// The endpoint of `chain_id`, or an error that says how to configure it.
    pub(crate) fn url_of(&self, chain_id: u64) -> anyhow::Result<&str> {
        self.rpc
            .iter()
            .find(|rpc| rpc.chain_id == chain_id)
            .map(|rpc| rpc.url.as_str())
            .with_context(|| {
                format!(
                    "chain {chain_id} is not configured: pass --rpc {chain_id}=URL (or add it to MEE_RPC)"
                )
            })
    }

    /// One chain configuration per chain id, each with its endpoint and the MEE version, and
    /// the account address when it is given.
    pub(crate) fn configs(
        &self,
        chain_ids: &[u64],
        account: Option<Address>,
    ) -> anyhow::Result<Vec<ChainConfig>> {
        if chain_ids.is_empty() {
            bail!("no chains given: pass --rpc CHAIN_ID=URL (and optionally --chains)");
        }
        chain_ids
            .iter()
            .map(|&chain_id| {
                let config = ChainConfig::new(chain_id)
                    .rpc_url(self.url_of(chain_id)?)
                    .version(self.mee_version);
                Ok(match account {
                    Some(address) => config.account_address(address),
                    None => config,
                })
            })
            .collect()
    }

    /// Connects `signer`'s account (from the factory, or at `account`) on `chain_ids`.
    pub(crate) async fn connect(
        &self,
        chain_ids: &[u64],
        signer: Option<Address>,
        account: Option<Address>,
        index: u64,
    ) -> anyhow::Result<MultichainAccount> {
        let mut builder = MultichainAccount::builder()
            .index(index)
            .chains(self.configs(chain_ids, account)?);
        if let Some(signer) = signer {
            builder = builder.signer(signer);
        }
        builder
            .connect()
            .await
            .map_err(|err| decode::sdk_error(err, &self.context()))
    }

    /// What error messages may name: the chains' endpoints.
    pub(crate) fn context(&self) -> decode::ErrorContext {
        decode::ErrorContext {
            node_url: None,
            rpc: self
                .rpc
                .iter()
                .map(|rpc| (rpc.chain_id, rpc.url.clone()))
                .collect(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The MEE node
// ---------------------------------------------------------------------------------------------

/// The default node URL (the node's default listen address).
pub(crate) const DEFAULT_NODE_URL: &str = "http://127.0.0.1:3000/v1";

/// Where the MEE node is.
#[derive(Debug, Clone, Args)]
pub(crate) struct NodeArgs {
    /// The MEE node's base URL, including `/v1`.
    #[arg(long, env = "MEE_NODE_URL", value_name = "URL", default_value = DEFAULT_NODE_URL)]
    pub(crate) node_url: String,

    /// API key sent to the node as `x-api-key`.
    #[arg(long, env = "MEE_API_KEY", value_name = "KEY", hide_env_values = true)]
    pub(crate) api_key: Option<String>,
}

impl NodeArgs {
    /// A client of the node for `account`: asks `GET info` and checks the chains.
    pub(crate) async fn connect(
        &self,
        account: MultichainAccount,
        rpc: &RpcArgs,
    ) -> anyhow::Result<MeeClient> {
        let mut builder = MeeClient::builder()
            .url(self.node_url.clone())
            .account(account);
        if let Some(key) = &self.api_key {
            builder = builder.api_key(key.clone());
        }
        builder
            .connect()
            .await
            .map_err(|err| decode::sdk_error(err, &self.context(rpc)))
    }

    /// What error messages may name: the node URL and the chains' endpoints.
    pub(crate) fn context(&self, rpc: &RpcArgs) -> decode::ErrorContext {
        decode::ErrorContext {
            node_url: Some(self.node_url.clone()),
            ..rpc.context()
        }
    }
}

/// How the MEE fee is paid.
#[derive(Debug, Clone, Args)]
pub(crate) struct FeeArgs {
    /// Pay the fee in this ERC-20 token (default: USDC at
    /// 0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913, or for `prepare` the permissions file's).
    #[arg(long, value_name = "ADDRESS")]
    pub(crate) fee_token: Option<Address>,

    /// The chain the fee is paid on (default: the first chain, or for `prepare` the permissions
    /// file's).
    #[arg(long, value_name = "ID")]
    pub(crate) fee_chain: Option<u64>,

    /// Let a sponsor pay the fee instead.
    #[arg(long, conflicts_with_all = ["fee_token", "fee_chain"])]
    pub(crate) sponsored: bool,

    /// The sponsor's gas tank (with --sponsored; default: the SDK's).
    #[arg(long, value_name = "ADDRESS", requires = "sponsored")]
    pub(crate) gas_tank: Option<Address>,

    /// The gas tank's chain (with --sponsored).
    #[arg(long, value_name = "ID", requires = "sponsored")]
    pub(crate) gas_tank_chain: Option<u64>,

    /// The sponsorship backend URL (with --sponsored; default with --gas-tank: the node's URL,
    /// which serves its own gas tanks).
    #[arg(long, value_name = "URL", requires = "sponsored")]
    pub(crate) sponsorship_url: Option<String>,
}

impl FeeArgs {
    /// The fee token, or `None` when sponsored. `default` fills what the flags leave open: its
    /// token, and its chain (else `first_chain`).
    pub(crate) fn fee_token(
        &self,
        default: Option<FeeToken>,
        first_chain: Option<u64>,
    ) -> anyhow::Result<Option<FeeToken>> {
        if self.sponsored {
            return Ok(None);
        }
        let chain_id = self
            .fee_chain
            .or(default.map(|token| token.chain_id))
            .or(first_chain)
            .context("no fee chain: pass --fee-chain ID (or --sponsored)")?;
        let address = self
            .fee_token
            .or(default.map(|token| token.address))
            .unwrap_or(DEVNET_USDC);
        Ok(Some(FeeToken { address, chain_id }))
    }

    /// `params` paying as these options say. A sponsorship with a `--gas-tank` of its own and no
    /// `--sponsorship-url` goes to `node_url`'s sponsorship endpoints.
    pub(crate) fn apply(
        &self,
        params: QuoteParams,
        default: Option<FeeToken>,
        first_chain: Option<u64>,
        node_url: &str,
    ) -> anyhow::Result<QuoteParams> {
        match self.fee_token(default, first_chain)? {
            Some(token) => Ok(params.fee_token(token)),
            None => {
                let mut sponsorship = Sponsorship::default();
                if let Some(tank) = self.gas_tank {
                    sponsorship.gas_tank = tank;
                }
                if let Some(chain_id) = self.gas_tank_chain {
                    sponsorship.chain_id = chain_id;
                }
                match (&self.sponsorship_url, self.gas_tank) {
                    (Some(url), _) => sponsorship.url = url.clone(),
                    (None, Some(_)) => sponsorship.url = node_url.to_owned(),
                    (None, None) => {}
                }
                Ok(params.sponsored_by(sponsorship))
            }
        }
    }
}

/// How long to wait for a supertransaction's receipt.
#[derive(Debug, Clone, Args)]
pub(crate) struct WaitArgs {
    /// Return once the node accepted the supertransaction, without waiting for its receipt.
    #[arg(long)]
    pub(crate) no_wait: bool,

    /// Give up waiting for the receipt after this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 120)]
    pub(crate) timeout: u64,
}

impl WaitArgs {
    pub(crate) fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout)
    }
}

// ---------------------------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------------------------

/// Writes `contents` to `path`, refusing to replace an existing file unless `force`.
pub(crate) fn write_new_file(path: &Path, contents: &str, force: bool) -> anyhow::Result<()> {
    if path.exists() && !force {
        bail!(
            "{} exists already: pass --force to replace it",
            path.display()
        );
    }
    std::fs::write(path, contents).with_context(|| format!("writing {}", path.display()))
}

/// Reads a file, naming it in the error.
pub(crate) fn read_file(path: &Path, what: &str) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading the {what} {}", path.display()))
}

/// Serialises an amount as a decimal string (JSON numbers cannot hold 256 bits).
pub(crate) fn decimal<S: serde::Serializer>(
    value: &U256,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&value.to_string())
}

/// [`decimal`] for optional amounts.
pub(crate) fn decimal_opt<S: serde::Serializer>(
    value: &Option<U256>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(value) => decimal(value, serializer),
        None => serializer.serialize_none(),
    }
}

/// A token amount in base units, shown in whole tokens without trailing zeros.
pub(crate) struct Units {
    pub(crate) amount: U256,
    pub(crate) decimals: u8,
}

impl fmt::Display for Units {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match alloy::primitives::utils::format_units(self.amount, self.decimals) {
            Ok(text) if text.contains('.') => {
                f.write_str(text.trim_end_matches('0').trim_end_matches('.'))
            }
            Ok(text) => f.write_str(&text),
            Err(_) => write!(f, "{}", self.amount),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_drop_trailing_zeros() {
        let show = |amount: u64, decimals| {
            Units {
                amount: U256::from(amount),
                decimals,
            }
            .to_string()
        };
        assert_eq!(show(0, 6), "0");
        assert_eq!(show(1_500_000, 6), "1.5");
        assert_eq!(show(10_000_000, 6), "10");
        assert_eq!(show(1, 6), "0.000001");
        assert_eq!(show(120, 0), "120");
    }

    #[test]
    fn rpc_endpoints_parse() {
        let rpc: RpcEndpoint = "8453=http://127.0.0.1:8545".parse().unwrap();
        assert_eq!(rpc.chain_id, 8453);
        assert_eq!(rpc.url, "http://127.0.0.1:8545");
        for bad in ["8453", "x=http://a", "1=ws://a", "=http://a"] {
            assert!(bad.parse::<RpcEndpoint>().is_err(), "{bad}");
        }
    }
}
