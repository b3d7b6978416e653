//! Integration tests of the node: real anvil chains, requests through the router.

mod common;
mod errors;
mod feebump;
mod flow;
mod gas;
mod resume;
mod timebounds;
