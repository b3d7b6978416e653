//! The MEE node.
//!
//! Turns instructions into ERC-4337 v0.7 userOps on each chain, bundles them into one
//! supertransaction (one signature over a merkle root of the userOp hashes), charges its fee in an
//! ERC-20 token or from a sponsor, executes on every chain and reports receipts.
//!
//! The service is being built on the shared types of [`mee_sdk`]; this crate holds no code yet.

pub use mee_sdk as sdk;
