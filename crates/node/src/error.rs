//! The node's errors. `server::error` maps them to HTTP statuses and stable codes.

use alloy::primitives::B256;

/// A `Result` with the node's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the node.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A request is malformed or violates a rule (the message says which).
    #[error("{message}")]
    InvalidRequest {
        /// What is wrong.
        message: String,
        /// Where in the request body, e.g. `userOps[0].nonce`.
        path: Option<String>,
    },
    /// A chain the node does not serve.
    #[error("chain {0} is not supported by this node")]
    UnsupportedChain(u64),
    /// A fee token the node does not accept on that chain.
    #[error("fee token {token} is not supported on chain {chain_id}")]
    UnsupportedFeeToken {
        /// The chain.
        chain_id: u64,
        /// The token.
        token: alloy::primitives::Address,
    },
    /// A feature this node does not offer (sponsorship, Fusion quotes, …).
    #[error("{0} is not supported by this node")]
    Unsupported(String),
    /// No gas tank of this node at that address and chain.
    #[error("gas tank {address} on chain {chain_id} is not a gas tank of this node")]
    UnknownGasTank {
        /// The chain.
        chain_id: u64,
        /// The address asked for.
        address: alloy::primitives::Address,
    },
    /// The gas tank cannot pay (its balance is short of the fee).
    #[error("sponsorship unavailable: {0}")]
    SponsorshipUnavailable(String),
    /// The account cannot pay the quoted fee.
    #[error(
        "insufficient fee balance: account {account} holds {balance} of token {token} on chain {chain_id}, the fee is {fee}"
    )]
    InsufficientFeeBalance {
        /// The fee chain.
        chain_id: u64,
        /// The fee token.
        token: alloy::primitives::Address,
        /// The paying account.
        account: alloy::primitives::Address,
        /// Its balance (after the deployment the quote does, if any).
        balance: alloy::primitives::U256,
        /// The fee.
        fee: alloy::primitives::U256,
    },
    /// No quote with this hash was issued by this node.
    #[error("quote {0} was not issued by this node")]
    QuoteNotFound(B256),
    /// The exec body does not match the stored quote.
    #[error("the signed quote does not match the quote this node issued: {0}")]
    QuoteMismatch(String),
    /// The quote's validity has passed.
    #[error("quote {0} has expired")]
    QuoteExpired(B256),
    /// The quote was already executed.
    #[error("quote {0} was already executed")]
    AlreadyExecuted(B256),
    /// The signature is malformed or not by the account's owner or session key.
    #[error("invalid signature: {0}")]
    InvalidSignature(String),
    /// No supertransaction with this hash.
    #[error("supertransaction {0} not found")]
    SupertransactionNotFound(B256),
    /// A chain RPC failed.
    #[error("chain {chain_id} RPC error: {message}")]
    Rpc {
        /// The chain.
        chain_id: u64,
        /// The RPC error.
        message: String,
    },
    /// The storage backend failed.
    #[error("storage error: {0}")]
    Store(#[from] sqlx::Error),
    /// The configuration is invalid.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// A stored value could not be read back.
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
}

impl Error {
    /// An [`Error::InvalidRequest`] without a path.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::InvalidRequest {
            message: message.into(),
            path: None,
        }
    }

    /// An [`Error::InvalidRequest`] about the field at `path`.
    pub fn invalid_at(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::InvalidRequest {
            message: message.into(),
            path: Some(path.into()),
        }
    }

    /// An [`Error::Rpc`].
    pub fn rpc(chain_id: u64, message: impl std::fmt::Display) -> Self {
        Self::Rpc {
            chain_id,
            message: message.to_string(),
        }
    }

    /// Whether the caller caused the error (a 4xx), as opposed to the node or a chain.
    pub const fn is_user_error(&self) -> bool {
        !matches!(
            self,
            Self::Rpc { .. }
                | Self::Store(_)
                | Self::Config(_)
                | Self::Corrupt(_)
                | Self::SponsorshipUnavailable(_)
        )
    }
}
