#![doc = include_str!("../README.md")]
//!
//! ## Modules
//!
//! - [`policy`]: policy builders (sudo, universal rules, time frame, usage, spending and value
//!   limits).
//! - [`action`]: session actions (ERC-20 transfer / approve / transferFrom, custom functions,
//!   batches).
//! - [`composable`]: composable calls with runtime values, constraints and conditions.
//! - [`payment`]: the fee-token payment permission.
//! - [`session`]: preparing sessions for on-chain enabling, granting them with an owner
//!   signature, and checking session details before use.
//! - [`account`]: the multichain account, offline or connected to each chain's RPC.
//! - [`rpc`]: the chain reads behind a trait ([`rpc::ChainRpc`]).
//! - [`instruction`]: instructions (per-chain calls), their batching, and cleanups.
//! - [`smart_sessions`]: Smart Sessions on a connected account: enabled permissions, enable
//!   nonces and digests from the chain, install / enable / revoke instructions, on-chain grants.
//! - [`client`]: the MEE node client: info, quote, sign, exec, receipts, and the session flows.
//! - [`fusion`]: Fusion quotes started by a token trigger (permit or on-chain `approve`).
//! - [`quote`]: quote parameters and the `POST quote` body, built as the SDK builds it.
//! - [`status`]: a supertransaction's status from its explorer entry, by the SDK's rules.
//! - [`clock`]: the clocks behind time bounds and nonce keys.
//! - [`eip7702`]: EIP-7702 mode, the owner's EOA as the account (signed authorizations).
//!
//! Wire types and encodings live in [`mee_primitives`], re-exported as [`primitives`].

pub mod account;
pub mod action;
pub mod client;
pub mod clock;
pub mod composable;
pub mod eip7702;
mod error;
pub mod fusion;
pub mod instruction;
pub mod payment;
pub mod policy;
pub mod quote;
pub mod rpc;
pub mod session;
pub mod smart_sessions;
pub mod status;

pub use client::{MeeClient, MeeClientBuilder};
pub use error::{Error, Result};
pub use mee_contracts as contracts;
pub use mee_primitives as primitives;
