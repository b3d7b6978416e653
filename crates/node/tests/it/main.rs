//! Integration tests of the node: real anvil chains, requests through the router.

mod common;
mod eip7702;
mod errors;
mod feebump;
mod flow;
mod fusion;
mod gas;
mod ops;
mod resume;
mod sponsored;
mod sponsored_sessions;
mod timebounds;
