//! Shared types of the MEE workspace.
//!
//! This crate is light on purpose (`alloy-primitives` and `alloy-sol-types` only), so the SDK, the
//! node and the devnet share identifiers, wire types and encodings without pulling in each other's
//! dependencies.
//!
//! - [`addresses`]: where the deployed system lives — the EntryPoint v0.7, the contract sets of
//!   each supported MEE version, Smart Sessions and its policies.
//! - [`chains`]: the chains the reference flow uses.
//! - [`userop`]: ERC-4337 v0.7 userOps, packed and unpacked, and their hash.
//! - [`merkle`]: the supertransaction merkle tree.
//! - [`mee_signature`]: MEE simple-mode leaves and per-userOp signatures.

pub mod addresses;
pub mod chains;
pub mod mee_signature;
pub mod merkle;
pub mod userop;
