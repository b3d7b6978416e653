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
//! - [`account`]: the multichain account.
//!
//! Wire types and encodings live in [`mee_primitives`], re-exported as [`primitives`].

pub mod account;
pub mod action;
pub mod composable;
mod error;
pub mod payment;
pub mod policy;
pub mod session;

pub use error::{Error, Result};
pub use mee_contracts as contracts;
pub use mee_primitives as primitives;
