//! `mee node`: run an MEE node.

use std::{net::SocketAddr, path::PathBuf};

use alloy::signers::local::PrivateKeySigner;
use anyhow::Context;
use clap::Args;

/// Run an MEE node: the HTTP API and one executor per configured chain.
#[derive(Debug, Args)]
pub(crate) struct NodeArgs {
    /// The TOML configuration file.
    #[arg(long, short, env = "MEE_NODE_CONFIG")]
    config: PathBuf,

    /// The node's private key (hex); overrides `node_key` in the file.
    #[arg(long, env = "MEE_NODE_KEY", hide_env_values = true)]
    node_key: Option<String>,

    /// Where to listen; overrides `listen` in the file.
    #[arg(long, env = "MEE_NODE_LISTEN")]
    listen: Option<SocketAddr>,

    /// The database URL (`sqlite://…` or `postgres://…`); overrides `database_url`.
    #[arg(long, env = "MEE_NODE_DATABASE_URL")]
    database_url: Option<String>,
}

impl NodeArgs {
    pub(crate) async fn run(self) -> anyhow::Result<()> {
        let mut config = mee_node::Config::load(&self.config)?;
        if let Some(listen) = self.listen {
            config.listen = listen;
        }
        if let Some(url) = self.database_url {
            config.database_url = url;
        }
        let key = self
            .node_key
            .or_else(|| config.node_key.clone())
            .context("no node key: set node_key in the file, --node-key or MEE_NODE_KEY")?;
        let signer: PrivateKeySigner = key.trim().parse().context("invalid node key")?;
        let listen = config.listen;
        let chains: Vec<u64> = config.chains.iter().map(|c| c.chain_id).collect();
        let node = mee_node::Node::connect(config, signer.clone()).await?;
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("bind {listen}"))?;
        eprintln!(
            "MEE node {} listening on http://{}/v1 (chains {chains:?})",
            signer.address(),
            listener.local_addr()?
        );
        node.serve(listener, super::shutdown_signal()).await?;
        eprintln!("MEE node stopped");
        Ok(())
    }
}
