//! Integration tests of the node: real anvil chains, requests through the router.

mod common;
mod errors;
mod flow;
mod fusion;
mod resume;
