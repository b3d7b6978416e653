//! The demo's world: local chains, an MEE node serving them in-process with its SQLite file in
//! a temporary directory, and the keys and clients of the owner and the session key.

use std::path::PathBuf;

use alloy::{
    network::{EthereumWallet, TransactionBuilder},
    primitives::{Address, B256, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::{TransactionReceipt, TransactionRequest},
    signers::local::PrivateKeySigner,
    sol_types::SolCall,
};
use anyhow::{Context, bail};
use mee_contracts::tokens::TestUSDC;
use mee_devnet::{Devnet, node_key};
use mee_primitives::addresses::DEVNET_USDC;
use mee_sdk::{
    MeeClient,
    account::{ChainConfig, MultichainAccount},
};

use super::report::ChainTx;
use crate::cmd::ChainArgs;

/// A temporary directory, removed on drop.
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    fn new() -> anyhow::Result<Self> {
        let dir = std::env::temp_dir().join(format!(
            "mee-demo-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default()
        ));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(Self(dir))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Chains and node, stopped by [`World::stop`] (and on drop: the anvils die with the devnet).
pub(crate) struct World {
    pub(crate) devnet: Devnet,
    node: Option<mee_node::RunningNode>,
    pub(crate) node_url: String,
    _dir: TempDir,
}

impl World {
    /// Starts the chains, then the node over them.
    pub(crate) async fn start(chains: &ChainArgs) -> anyhow::Result<Self> {
        let devnet = chains
            .builder()
            .spawn()
            .await
            .context("starting the devnet")?;
        let dir = TempDir::new()?;
        let config = node_config(&devnet, &dir.0.join("node.db"))?;
        let node = mee_node::Node::connect(config, node_key().signer())
            .await
            .context("starting the MEE node")?
            .spawn(([127, 0, 0, 1], 0).into())
            .await
            .context("starting the MEE node's HTTP server")?;
        let node_url = node.url();
        Ok(Self {
            devnet,
            node: Some(node),
            node_url,
            _dir: dir,
        })
    }

    /// Stops the node (in-flight requests finish, executors stop), then the chains.
    pub(crate) async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(node) = self.node.take() {
            node.stop().await.context("stopping the MEE node")?;
        }
        Ok(())
    }

    /// The chain ids, in order.
    pub(crate) fn chain_ids(&self) -> Vec<u64> {
        self.devnet.chains().iter().map(|c| c.chain_id()).collect()
    }

    /// A read-only provider of `chain_id`.
    pub(crate) fn provider(&self, chain_id: u64) -> anyhow::Result<DynProvider> {
        Ok(self
            .devnet
            .chain(chain_id)
            .with_context(|| format!("chain {chain_id} is not part of the devnet"))?
            .provider())
    }

    /// A provider of `chain_id` that signs with `signer`.
    pub(crate) fn wallet(
        &self,
        chain_id: u64,
        signer: &PrivateKeySigner,
    ) -> anyhow::Result<DynProvider> {
        let chain = self
            .devnet
            .chain(chain_id)
            .with_context(|| format!("chain {chain_id} is not part of the devnet"))?;
        Ok(ProviderBuilder::new()
            .wallet(EthereumWallet::from(signer.clone()))
            .connect_http(chain.rpc_url().parse()?)
            .erased())
    }

    /// `signer`'s multichain account on every chain: the owner's own (`account` = `None`), or
    /// the owner's account used by a session key (`account` given).
    pub(crate) async fn account(
        &self,
        signer: Address,
        account: Option<Address>,
    ) -> anyhow::Result<MultichainAccount> {
        let configs = self.devnet.chains().iter().map(|chain| {
            let config = ChainConfig::new(chain.chain_id()).rpc_url(chain.rpc_url());
            match account {
                Some(address) => config.account_address(address),
                None => config,
            }
        });
        Ok(MultichainAccount::builder()
            .signer(signer)
            .chains(configs)
            .connect()
            .await?)
    }

    /// A client of the node for `account`.
    pub(crate) async fn client(&self, account: MultichainAccount) -> anyhow::Result<MeeClient> {
        Ok(MeeClient::builder()
            .url(self.node_url.clone())
            .account(account)
            .polling_interval(std::time::Duration::from_millis(100))
            .connect()
            .await?)
    }

    /// The devnet faucet: a test key sends `eth` and mints `usdc` to `to` on `chain_id`.
    pub(crate) async fn faucet(
        &self,
        chain_id: u64,
        to: Address,
        eth: U256,
        usdc: U256,
    ) -> anyhow::Result<Vec<ChainTx>> {
        let provider = self.provider(chain_id)?;
        let from = self.devnet.test_keys()[0].address;
        let mint = TestUSDC::mintCall { to, amount: usdc }.abi_encode();
        let mut txs = Vec::new();
        for (what, request) in [
            (
                format!(
                    "faucet: {} ETH to the owner",
                    eth / U256::from(10u64.pow(18))
                ),
                TransactionRequest::default().from(from).to(to).value(eth),
            ),
            (
                format!(
                    "faucet: mint {} USDC to the owner",
                    super::report::usdc(usdc)
                ),
                TransactionRequest::default()
                    .from(from)
                    .to(DEVNET_USDC)
                    .input(mint.into()),
            ),
        ] {
            let receipt = provider
                .send_transaction(request)
                .await?
                .get_receipt()
                .await?;
            txs.push(chain_tx(chain_id, what, &receipt)?);
        }
        Ok(txs)
    }

    /// `owner` sends `amount` USDC to `to` on `chain_id`, signing the transaction itself.
    pub(crate) async fn usdc_transfer(
        &self,
        chain_id: u64,
        owner: &PrivateKeySigner,
        to: Address,
        amount: U256,
    ) -> anyhow::Result<ChainTx> {
        let provider = self.wallet(chain_id, owner)?;
        let data = TestUSDC::transferCall { to, amount }.abi_encode();
        let request = TransactionRequest::default()
            .with_from(owner.address())
            .with_to(DEVNET_USDC)
            .with_input(data);
        let receipt = provider
            .send_transaction(request)
            .await?
            .get_receipt()
            .await?;
        chain_tx(
            chain_id,
            format!(
                "owner EOA transfers {} USDC to the account",
                super::report::usdc(amount)
            ),
            &receipt,
        )
    }

    /// `holder`'s USDC balance on `chain_id`, read from the chain.
    pub(crate) async fn usdc_balance(
        &self,
        chain_id: u64,
        holder: Address,
    ) -> anyhow::Result<U256> {
        Ok(TestUSDC::new(DEVNET_USDC, self.provider(chain_id)?)
            .balanceOf(holder)
            .call()
            .await?)
    }

    /// `owner`'s USDC allowance for `spender` on `chain_id`, read from the chain.
    pub(crate) async fn usdc_allowance(
        &self,
        chain_id: u64,
        owner: Address,
        spender: Address,
    ) -> anyhow::Result<U256> {
        Ok(TestUSDC::new(DEVNET_USDC, self.provider(chain_id)?)
            .allowance(owner, spender)
            .call()
            .await?)
    }

    /// The receipt of `tx` on `chain_id`.
    pub(crate) async fn receipt(
        &self,
        chain_id: u64,
        tx: B256,
    ) -> anyhow::Result<TransactionReceipt> {
        self.provider(chain_id)?
            .get_transaction_receipt(tx)
            .await?
            .with_context(|| format!("no receipt for {tx} on chain {chain_id}"))
    }
}

/// A [`ChainTx`] from a receipt; a reverted transaction is an error.
fn chain_tx(chain_id: u64, what: String, receipt: &TransactionReceipt) -> anyhow::Result<ChainTx> {
    if !receipt.status() {
        bail!(
            "chain {chain_id}: {what} reverted (tx {})",
            receipt.transaction_hash
        );
    }
    Ok(ChainTx {
        chain_id,
        what,
        hash: receipt.transaction_hash,
        success: true,
        gas_used: receipt.gas_used,
        gas_cost_wei: U256::from(receipt.gas_used) * U256::from(receipt.effective_gas_price),
    })
}

/// The node's configuration over `devnet`: every chain, USDC as fee token on each, the
/// node paymaster of the devnet, the devnet's gas tanks on Base, SQLite at `db`.
fn node_config(devnet: &Devnet, db: &std::path::Path) -> anyhow::Result<mee_node::Config> {
    let mut text = format!(
        "listen = \"127.0.0.1:0\"\nnode_paymaster = \"{}\"\ndatabase_url = \"sqlite://{}\"\npoll_interval_ms = 100\n",
        Devnet::node_paymaster(),
        db.display()
    );
    for chain in devnet.chains() {
        text.push_str(&format!(
            "\n[[chains]]\nchain_id = {}\nrpc_url = \"{}\"\nnative_usd_price = 3000.0\n\
             [[chains.fee_tokens]]\naddress = \"{DEVNET_USDC}\"\nname = \"USD Coin\"\n\
             symbol = \"USDC\"\ndecimals = 6\nusd_price = 1.0\npermit_enabled = true\n",
            chain.chain_id(),
            chain.rpc_url()
        ));
    }
    // Sponsored supertransactions are paid on Base by the devnet's two gas tanks: the account
    // at the SDK's default tank address and the self-hosted one.
    let tanks = devnet.gas_tanks();
    for address in [tanks.sdk_default, tanks.self_hosted] {
        text.push_str(&format!(
            "\n[[gas_tanks]]\nchain_id = 8453\naddress = \"{address}\"\ntoken = \"{}\"\nowner_key = \"{}\"\n",
            tanks.token,
            mee_devnet::gas_tank_key().private_key
        ));
    }
    Ok(mee_node::Config::from_toml(&text)?)
}
