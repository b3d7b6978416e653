//! Shared types of the MEE workspace.
//!
//! This crate is light on purpose (`alloy-primitives`, `alloy-sol-types` and `serde`), so the
//! SDK, the node and the devnet share identifiers, wire types and encodings without pulling in
//! each other's dependencies. Every encoding here equals the TypeScript SDK's
//! (`@biconomy/abstractjs` 1.2.3) byte for byte; the golden vectors in `tests/vectors` check it.
//!
//! - [`addresses`]: where the deployed system lives — the EntryPoint v0.7, the contract sets of
//!   each supported MEE version, Smart Sessions and its policies.
//! - [`chains`]: the chains the reference flow uses.
//! - [`userop`]: ERC-4337 v0.7 userOps, packed and unpacked, and their hash.
//! - [`merkle`]: the supertransaction merkle tree.
//! - [`mee_signature`]: MEE simple-mode leaves and per-userOp signatures.
//! - [`ids`]: permission, action and policy config ids.
//! - [`session`]: the Smart Sessions structs, `enableSessions` calldata and the EIP-712 enable
//!   digests.
//! - [`policy`]: init data of every policy, and [`PolicyData`] constructors.
//! - [`session_signature`]: the Smart Sessions userOp signature (USE and ENABLE modes).
//! - [`flz`]: FastLZ compression as Solady's `LibZip` reads it.
//! - [`execution`]: ERC-7579 `execute` and composable `executeComposable` calldata.
//! - [`nonce`]: Nexus nonce keys.
//! - [`account`]: Nexus account init data, factory data and `initCode`.
//! - [`session_details`]: the `sessionDetails` JSON of session quotes.
//! - [`api`]: the MEE node's REST request and response bodies.
//! - [`fusion`]: Fusion (permit and on-chain trigger) signatures, as the SDK sends them and as
//!   the MEE validator reads them.

pub mod account;
pub mod addresses;
pub mod api;
pub mod chains;
pub mod execution;
pub mod flz;
pub mod fusion;
pub mod ids;
pub mod mee_signature;
pub mod merkle;
pub mod nonce;
pub mod policy;
pub mod session;
pub mod session_details;
pub mod session_signature;
pub mod userop;

pub use ids::{ActionId, ConfigId, PermissionId};
pub use session::{
    ActionData, ChainDigest, ERC7739Context, ERC7739Data, EnableSession, PolicyData, Session,
    SmartSessionMode,
};
pub use session_details::SessionDetails;
