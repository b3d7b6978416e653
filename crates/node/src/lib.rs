//! The MEE node.
//!
//! Takes developer userOps on several chains, adds the payment userOp that pays its fee in an
//! ERC-20 token, fills gas and paymaster fields, and returns one quote whose hash (a merkle root
//! of the userOps' leaves) the user signs once. On exec it checks that signature against the
//! account owners or session keys, builds every userOp's signature, and executes the
//! supertransaction chain by chain through its paymaster, reporting each userOp's status.
//!
//! The HTTP API is the one the TypeScript SDK `@biconomy/abstractjs` speaks; its bodies are the
//! types of [`mee_primitives::api`].
//!
//! - [`config`]: the TOML configuration.
//! - [`service`]: quotes, exec and the explorer ([`NodeService`]).
//! - [`server`]: the axum router ([`router`]), with optional API keys.
//! - [`openapi`]: the OpenAPI document of the API, served at `GET /v1/openapi.json`.
//! - [`metrics`]: Prometheus metrics, served at `GET /metrics`.
//! - [`executor`]: one task per chain that bundles and tracks userOps.
//! - [`sponsorship`]: gas tanks paying for sponsored supertransactions.
//! - [`gas`]: gas limits from simulation at quote time.
//! - [`eip7702`]: EIP-7702 authorizations (EOAs used as accounts).
//! - [`fusion`]: permit and on-chain trigger (Fusion) quotes and signatures.
//! - [`chain`], [`oracle`], [`store`]: the seams to chains, prices and storage.
//! - [`Node`]: starting, serving and stopping.
//!
//! ```no_run
//! # async fn run() -> mee_node::Result<()> {
//! let config = mee_node::Config::load("node.toml")?;
//! let key = config.node_key.clone().unwrap_or_default().parse().expect("a node key");
//! let node = mee_node::Node::connect(config, key).await?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await.expect("bind");
//! node.serve(listener, async { let _ = tokio::signal::ctrl_c().await; }).await
//! # }
//! ```

pub mod chain;
pub mod config;
pub mod eip7702;
mod error;
pub mod executor;
pub mod fusion;
pub mod gas;
pub mod metrics;
mod node;
pub mod openapi;
pub mod oracle;
pub mod server;
pub mod service;
pub mod sponsorship;
pub mod store;

pub use chain::{ChainClient, RpcChainClient};
pub use config::Config;
pub use error::{Error, Result};
pub use node::{Node, RunningNode};
pub use oracle::{FixedPriceOracle, PriceOracle};
pub use server::router;
pub use service::NodeService;
pub use store::Store;
