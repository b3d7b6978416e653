//! Starting and stopping a node: chains, store, executors and the HTTP server.

use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};

use alloy::signers::local::PrivateKeySigner;
use tokio::{net::TcpListener, sync::watch, task::JoinHandle};

use crate::{
    chain::{ChainClient, RpcChainClient},
    config::Config,
    error::{Error, Result},
    executor::{self, ExecutorArgs},
    oracle::FixedPriceOracle,
    server,
    service::NodeService,
    store,
};

/// A configured node, ready to serve.
#[derive(Clone, Debug)]
pub struct Node {
    service: Arc<NodeService>,
}

impl Node {
    /// Connects to every configured chain (checking chain ids) and opens the store.
    pub async fn connect(config: Config, signer: PrivateKeySigner) -> Result<Self> {
        config.validate()?;
        let mut chains: Vec<Arc<dyn ChainClient>> = Vec::with_capacity(config.chains.len());
        for chain in &config.chains {
            let client =
                RpcChainClient::connect(chain.chain_id, &chain.rpc_url, signer.clone()).await?;
            chains.push(Arc::new(client));
        }
        let oracle = Arc::new(FixedPriceOracle::from_config(&config)?);
        let store = store::connect(&config.database_url).await?;
        Ok(Self::new(NodeService::new(
            config, signer, chains, oracle, store,
        )))
    }

    /// A node over an assembled service.
    pub fn new(service: NodeService) -> Self {
        Self {
            service: Arc::new(service),
        }
    }

    /// The service behind the API.
    pub const fn service(&self) -> &Arc<NodeService> {
        &self.service
    }

    /// The HTTP API.
    pub fn router(&self) -> axum::Router {
        server::router(self.service.clone())
    }

    /// Starts one executor per chain; they stop when `shutdown` turns `true`.
    pub fn spawn_executors(&self, shutdown: &watch::Receiver<bool>) -> Vec<JoinHandle<()>> {
        let config = self.service.config();
        self.service
            .chains()
            .map(|chain| {
                let args = ExecutorArgs {
                    chain: chain.clone(),
                    store: self.service.store().clone(),
                    beneficiary: self.service.address(),
                    confirmations: config.confirmations,
                    poll_interval: Duration::from_millis(config.poll_interval_ms),
                    receipt_timeout: Duration::from_secs(60),
                    fee_bump_after: Duration::from_secs(config.fee_bump_after_secs),
                    max_fee_bumps: config.max_fee_bumps,
                };
                tokio::spawn(executor::run(args, shutdown.clone()))
            })
            .collect()
    }

    /// Serves on `listener` with the executors running, until `shutdown` completes; then stops
    /// accepting, finishes in-flight requests and stops the executors.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<()> {
        let (stop, stopped) = watch::channel(false);
        let executors = self.spawn_executors(&stopped);
        let served = axum::serve(listener, self.router())
            .with_graceful_shutdown(shutdown)
            .await;
        let _ = stop.send(true);
        for executor in executors {
            let _ = executor.await;
        }
        served.map_err(|err| Error::Config(format!("HTTP server failed: {err}")))
    }

    /// Binds `addr` (port 0 for any) and serves in the background.
    pub async fn spawn(self, addr: SocketAddr) -> Result<RunningNode> {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|err| Error::Config(format!("bind {addr}: {err}")))?;
        let addr = listener
            .local_addr()
            .map_err(|err| Error::Config(err.to_string()))?;
        let (stop, mut stopped) = watch::channel(false);
        let task = tokio::spawn(self.serve(listener, async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        }));
        Ok(RunningNode { addr, stop, task })
    }
}

/// A node serving in the background ([`Node::spawn`]).
#[derive(Debug)]
pub struct RunningNode {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: JoinHandle<Result<()>>,
}

impl RunningNode {
    /// Where it listens.
    pub const fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The API base URL, `http://addr/v1`.
    pub fn url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// Shuts down gracefully and waits for it.
    pub async fn stop(self) -> Result<()> {
        let _ = self.stop.send(true);
        self.task
            .await
            .map_err(|err| Error::Config(format!("node task failed: {err}")))?
    }
}
