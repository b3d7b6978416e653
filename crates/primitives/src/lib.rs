//! Shared types of the MEE workspace.
//!
//! This crate is light on purpose (it depends on `alloy-primitives` only), so the SDK, the node
//! and the devnet share identifiers and constants without pulling in each other's dependencies.
//!
//! - [`addresses`]: where the deployed system lives — the EntryPoint v0.7, the contract sets of
//!   each supported MEE version, Smart Sessions and its policies.
//! - [`chains`]: the chains the reference flow uses.

pub mod addresses;
pub mod chains;
