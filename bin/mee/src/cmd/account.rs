//! `mee account`: the owner's smart account on each chain.

use alloy::primitives::{Address, U256};
use anyhow::Context;
use clap::{Args, Subcommand};
use mee_primitives::addresses::SMART_SESSIONS;
use mee_sdk::account::{ModuleType, MultichainAccount};
use serde::Serialize;

use super::{RpcArgs, Units, decode, keys::OwnerKeyArgs, print_json, progress};

alloy::sol! {
    /// The ERC-20 reads of `--token`.
    interface IErc20Balance {
        function balanceOf(address owner) external view returns (uint256);
        function decimals() external view returns (uint8);
        function symbol() external view returns (string);
    }
}

/// The smart account of an owner: its address on each chain, and whether it is ready for
/// sessions.
#[derive(Debug, Args)]
pub(crate) struct AccountArgs {
    #[command(subcommand)]
    command: AccountCommand,
}

#[derive(Debug, Subcommand)]
enum AccountCommand {
    /// The account's address on each chain, from the account factory.
    Address(AddressArgs),
    /// Per chain: is the account deployed, is Smart Sessions installed, what does it hold.
    Status(StatusArgs),
}

/// Whose account: an owner address or key, or the account's address itself.
#[derive(Debug, Clone, Args)]
pub(crate) struct OwnerArgs {
    /// The owner's address (default: the address of the owner key).
    #[arg(long, value_name = "ADDRESS")]
    pub(crate) owner: Option<Address>,

    #[command(flatten)]
    pub(crate) owner_key: OwnerKeyArgs,

    /// The account index (the factory salt).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub(crate) index: u64,
}

impl OwnerArgs {
    /// The owner's address: `--owner`, else the owner key's.
    pub(crate) fn owner(&self) -> anyhow::Result<Address> {
        match self.owner {
            Some(owner) => Ok(owner),
            None => self
                .owner_key
                .address_if_given()?
                .context("no owner: pass --owner ADDRESS, or set MEE_OWNER_KEY / --owner-key-file"),
        }
    }
}

#[derive(Debug, Args)]
struct AddressArgs {
    #[command(flatten)]
    owner: OwnerArgs,

    #[command(flatten)]
    rpc: RpcArgs,

    /// Print one JSON document instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct StatusArgs {
    #[command(flatten)]
    owner: OwnerArgs,

    /// The account's address, instead of computing it from the owner.
    #[arg(long, value_name = "ADDRESS", env = "MEE_ACCOUNT")]
    account: Option<Address>,

    /// Also show the account's balance of this ERC-20 token.
    #[arg(long, value_name = "ADDRESS")]
    token: Option<Address>,

    #[command(flatten)]
    rpc: RpcArgs,

    /// Print one JSON document instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Serialize)]
struct AddressReport {
    owner: Address,
    index: u64,
    mee_version: &'static str,
    chains: Vec<ChainAddress>,
}

#[derive(Debug, Serialize)]
struct ChainAddress {
    chain_id: u64,
    address: Address,
}

#[derive(Debug, Serialize)]
struct StatusReport {
    owner: Option<Address>,
    mee_version: &'static str,
    chains: Vec<ChainStatus>,
}

#[derive(Debug, Serialize)]
pub(crate) struct ChainStatus {
    pub(crate) chain_id: u64,
    pub(crate) address: Address,
    pub(crate) deployed: bool,
    pub(crate) account_id: Option<String>,
    pub(crate) smart_sessions_installed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) token: Option<TokenBalance>,
}

#[derive(Debug, Serialize)]
pub(crate) struct TokenBalance {
    pub(crate) address: Address,
    pub(crate) symbol: String,
    pub(crate) decimals: u8,
    #[serde(serialize_with = "super::decimal")]
    pub(crate) balance: U256,
}

impl AccountArgs {
    pub(crate) async fn run(self) -> anyhow::Result<()> {
        match self.command {
            AccountCommand::Address(args) => args.run().await,
            AccountCommand::Status(args) => args.run().await,
        }
    }
}

impl AddressArgs {
    async fn run(self) -> anyhow::Result<()> {
        let owner = self.owner.owner()?;
        let chain_ids = self.rpc.chain_ids(&[]);
        progress(
            self.json,
            format!(
                "asking the account factory on {} chain(s)…",
                chain_ids.len()
            ),
        );
        let account = self
            .rpc
            .connect(&chain_ids, Some(owner), None, self.owner.index)
            .await?;
        let report = AddressReport {
            owner,
            index: self.owner.index,
            mee_version: self.rpc.mee_version.version,
            chains: account
                .deployments()
                .iter()
                .map(|d| ChainAddress {
                    chain_id: d.chain_id,
                    address: d.address,
                })
                .collect(),
        };
        if self.json {
            return print_json(&report);
        }
        println!("{:<10} address", "chain");
        for chain in &report.chains {
            println!("{:<10} {}", chain.chain_id, chain.address);
        }
        Ok(())
    }
}

/// Deployment, account id, Smart Sessions and, optionally, a token balance on every chain.
pub(crate) async fn chain_statuses(
    account: &MultichainAccount,
    token: Option<Address>,
    rpc: &RpcArgs,
) -> anyhow::Result<Vec<ChainStatus>> {
    let ctx = rpc.context();
    let sdk = |err| decode::sdk_error(err, &ctx);
    let mut statuses = Vec::new();
    for deployment in account.deployments() {
        let chain_id = deployment.chain_id;
        let deployed = account.is_deployed(chain_id).await.map_err(sdk)?;
        let account_id = if deployed {
            Some(account_id_of(account, chain_id).await.map_err(sdk)?)
        } else {
            None
        };
        let installed = account
            .is_module_installed(
                chain_id,
                ModuleType::Validator,
                SMART_SESSIONS,
                Default::default(),
            )
            .await
            .map_err(sdk)?;
        let token = match token {
            Some(token) => Some(
                token_balance(account, chain_id, token, deployment.address)
                    .await
                    .map_err(sdk)?,
            ),
            None => None,
        };
        statuses.push(ChainStatus {
            chain_id,
            address: deployment.address,
            deployed,
            account_id,
            smart_sessions_installed: installed,
            token,
        });
    }
    Ok(statuses)
}

async fn account_id_of(account: &MultichainAccount, chain_id: u64) -> mee_sdk::Result<String> {
    let deployment = account.deployment_on(chain_id)?;
    // The account's own accountId(): what is deployed at the address, not the implementation.
    deployment
        .rpc()?
        .call_sol(
            chain_id,
            deployment.address,
            &mee_sdk::account::IAccount::accountIdCall {},
        )
        .await
}

/// The decimals of `token` on `chain_id`.
pub(crate) async fn token_decimals(
    account: &MultichainAccount,
    chain_id: u64,
    token: Address,
) -> mee_sdk::Result<u8> {
    account
        .rpc_on(chain_id)?
        .call_sol(chain_id, token, &IErc20Balance::decimalsCall {})
        .await
}

/// `holder`'s balance of `token` on `chain_id`, with its symbol and decimals.
pub(crate) async fn token_balance(
    account: &MultichainAccount,
    chain_id: u64,
    token: Address,
    holder: Address,
) -> mee_sdk::Result<TokenBalance> {
    let rpc = account.rpc_on(chain_id)?;
    let balance = rpc
        .call_sol(
            chain_id,
            token,
            &IErc20Balance::balanceOfCall { owner: holder },
        )
        .await?;
    let decimals = token_decimals(account, chain_id, token).await?;
    let symbol = rpc
        .call_sol(chain_id, token, &IErc20Balance::symbolCall {})
        .await
        .unwrap_or_else(|_| "tokens".to_owned());
    Ok(TokenBalance {
        address: token,
        symbol,
        decimals,
        balance,
    })
}

impl StatusArgs {
    async fn run(self) -> anyhow::Result<()> {
        let owner = match self.account {
            Some(_) => self
                .owner
                .owner
                .or(self.owner.owner_key.address_if_given()?),
            None => Some(self.owner.owner()?),
        };
        let chain_ids = self.rpc.chain_ids(&[]);
        progress(
            self.json,
            format!("reading the account on {} chain(s)…", chain_ids.len()),
        );
        let account = self
            .rpc
            .connect(&chain_ids, owner, self.account, self.owner.index)
            .await?;
        let report = StatusReport {
            owner,
            mee_version: self.rpc.mee_version.version,
            chains: chain_statuses(&account, self.token, &self.rpc).await?,
        };
        if self.json {
            return print_json(&report);
        }
        println!(
            "{:<8} {:<42} {:<9} {:<15}{}",
            "chain",
            "address",
            "deployed",
            "smart sessions",
            if self.token.is_some() {
                "  balance"
            } else {
                ""
            }
        );
        for chain in &report.chains {
            let balance = chain
                .token
                .as_ref()
                .map(|t| {
                    format!(
                        "  {} {}",
                        Units {
                            amount: t.balance,
                            decimals: t.decimals
                        },
                        t.symbol
                    )
                })
                .unwrap_or_default();
            println!(
                "{:<8} {:<42} {:<9} {:<15}{balance}",
                chain.chain_id,
                chain.address.to_string(),
                yes_no(chain.deployed),
                if chain.smart_sessions_installed {
                    "installed"
                } else {
                    "not installed"
                },
            );
        }
        if report
            .chains
            .iter()
            .any(|chain| !chain.smart_sessions_installed)
        {
            eprintln!(
                "note: sessions need the account deployed with Smart Sessions installed: the owner \
                 runs `mee session prepare` (it deploys and installs where needed)"
            );
        }
        Ok(())
    }
}

pub(crate) fn yes_no(value: bool) -> &'static str {
    if value { "yes" } else { "no" }
}
