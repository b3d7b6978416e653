//! Rust client for Smart Sessions on an MEE.
//!
//! The client side of the workspace: multichain accounts, the Smart Sessions module, policy and
//! action builders, instructions and the MEE node client. It shares its identifiers and contract
//! bindings with the node through [`mee_primitives`] and [`mee_contracts`].
//!
//! The crate currently re-exports those shared pieces; the client itself is being built on top.

pub use mee_contracts as contracts;
pub use mee_primitives as primitives;
