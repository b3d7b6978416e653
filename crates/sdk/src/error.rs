//! The SDK's error type.

use alloy::primitives::{Address, B256, U256};

/// What can go wrong while building policies, actions, sessions and grants.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No session actions were given.
    #[error("no session actions given")]
    EmptyActions,
    /// A session action group has no actions.
    #[error("session actions for chain {chain_id} are empty")]
    EmptyActionsForChain {
        /// The chain of the empty group.
        chain_id: u64,
    },
    /// An action builder was given no chain ids.
    #[error("an action needs at least one chain id")]
    NoChainIds,
    /// The account has no deployment on a chain the request names.
    #[error("the multichain account is not configured on chain {0}")]
    UnknownChain(u64),
    /// The session redeemer (the session key's address) is missing.
    #[error("the session redeemer address is missing")]
    MissingRedeemer,
    /// A selector is not 4 bytes of hex.
    #[error("invalid function selector {0:?}: expected 0x and 8 hex digits")]
    BadSelector(String),
    /// A function signature is not `name(type,…)`.
    #[error("invalid function signature {0:?}: expected name(type,...)")]
    BadFunctionSignature(String),
    /// A universal policy was given more than 16 rules.
    #[error("a universal policy holds at most 16 rules, got {0}")]
    TooManyRules(usize),
    /// `calldata_argument` positions start at 1.
    #[error("calldata argument positions start at 1, got {0}")]
    BadCalldataArgument(u64),
    /// A comparison value is longer than 32 bytes.
    #[error("a comparison value is at most 32 bytes, got {0}")]
    ComparisonValueTooLong(usize),
    /// A batch of session actions has fewer than two entries.
    #[error("a batch needs at least 2 session actions, got {0}")]
    BatchTooSmall(usize),
    /// A batch mixes chains.
    #[error("batched session actions must share one chain, got {first} and {other}")]
    BatchMixedChains {
        /// The first entry's chain.
        first: u64,
        /// A different chain in the batch.
        other: u64,
    },
    /// The fee-token transfer's universal policy has no free rule slot for the payment rule.
    #[error(
        "cannot add the payment rule: the universal policy of the fee-token transfer on {token} already has 16 rules"
    )]
    PaymentPolicyConflict {
        /// The fee token.
        token: Address,
    },
    /// Raising a rule by the payment amount overflows 256 bits.
    #[error("raising a limit of {value} by the payment amount overflows")]
    PaymentAmountOverflow {
        /// The value that would overflow.
        value: U256,
    },
    /// A fee token is set, but neither a maximum payment amount nor its decimals are known.
    #[error("a fee token needs max_payment_amount or the token's decimals")]
    MissingMaxPaymentAmount,
    /// `ENABLE_AND_USE` was asked for with session details that hold no grant.
    #[error("ENABLE_AND_USE needs session details from a grant (mode 0x02)")]
    EnableWithoutGrant,
    /// `USE` was asked for with session details that still need enabling.
    #[error("USE mode does not take granted session details (mode 0x02); use ENABLE_AND_USE")]
    UseWithGrant,
    /// No session details are for the chain of a userOp.
    #[error("no session details found for chain {0}")]
    NoSessionDetails(u64),
    /// Policy init data did not decode.
    #[error("policy init data does not decode: {0}")]
    Abi(#[from] alloy::sol_types::Error),
    /// The signer failed.
    #[error("signing failed: {0}")]
    Signer(#[from] alloy::signers::Error),
    /// A JSON-RPC request to a chain failed.
    #[error("RPC request to chain {chain_id} failed: {source}")]
    Rpc {
        /// The chain.
        chain_id: u64,
        /// The transport's error.
        #[source]
        source: alloy::transports::TransportError,
    },
    /// A chain answered a call with data that does not decode as its return type.
    #[error("chain {chain_id} returned undecodable data for {function}: {source}")]
    BadReturn {
        /// The chain.
        chain_id: u64,
        /// The function called.
        function: &'static str,
        /// The decoding error.
        #[source]
        source: alloy::sol_types::Error,
    },
    /// An RPC URL does not parse.
    #[error("invalid RPC URL {url:?} for chain {chain_id}")]
    BadRpcUrl {
        /// The chain.
        chain_id: u64,
        /// The URL given.
        url: String,
    },
    /// A chain of the account has no RPC connection, but the request needs one.
    #[error("no RPC connection configured for chain {0}")]
    NoRpc(u64),
    /// The account address must be computed, but no signer (owner) was given.
    #[error("the account's signer (owner) address is missing")]
    MissingSigner,
    /// The account factory computed the zero address.
    #[error("the account factory on chain {0} returned the zero address")]
    ZeroAccountAddress(u64),
    /// The account was given by address, so its deployment data is unknown.
    #[error(
        "the account on chain {0} was given by address and is not deployed: its init code is unknown"
    )]
    NoInitCode(u64),
    /// An instruction has no calls.
    #[error("an instruction on chain {0} has no calls")]
    EmptyInstruction(u64),
    /// Plain and composable instructions were batched together.
    #[error("cannot batch composable and plain instructions on chain {0}")]
    MixedInstructionKinds(u64),
    /// A cleanup depends on a userOp that does not exist.
    #[error("a cleanup depends on userOp {index}, but the quote has {count} userOps")]
    BadCleanUpDependency {
        /// The index given.
        index: usize,
        /// The number of userOps.
        count: usize,
    },
    /// Cleanups were given without any instruction to depend on.
    #[error("cleanups need at least one instruction")]
    CleanUpWithoutInstructions,
    /// An HTTP request to the MEE node failed before an answer arrived.
    #[error("request to the MEE node failed: {0}")]
    Http(#[from] reqwest::Error),
    /// The MEE node answered with an error.
    #[error("MEE node error ({status}): {message}")]
    Node {
        /// The HTTP status.
        status: u16,
        /// The node's message, as the SDK extracts it.
        message: String,
    },
    /// The MEE node's answer is not the JSON expected.
    #[error("unexpected MEE node response: {0}")]
    BadResponse(#[source] serde_json::Error),
    /// Chains of the account or of a quote are not supported by the node.
    #[error("chains not supported by the MEE node: {0:?}")]
    UnsupportedChains(Vec<u64>),
    /// The fee token's chain has no fee tokens on the node.
    #[error("the MEE node takes no fee tokens on chain {0}")]
    UnsupportedFeeChain(u64),
    /// The supertransaction failed (off-chain or on-chain).
    #[error("supertransaction failed: {message}")]
    SupertransactionFailed {
        /// `FAILED` or `MINED_FAIL`.
        status: mee_primitives::api::ExecutionStatus,
        /// The SDK's message (`"[i] <error>"`).
        message: String,
    },
    /// Waiting for a receipt took longer than allowed.
    #[error("no final supertransaction status within {0:?}")]
    Timeout(std::time::Duration),
    /// A mined userOp's transaction has no receipt on its chain.
    #[error("no receipt of transaction {hash} on chain {chain_id}")]
    ReceiptNotFound {
        /// The chain asked.
        chain_id: u64,
        /// The transaction hash the node reported.
        hash: B256,
    },
    /// The node reports a userOp mined without its transaction hash.
    #[error("the MEE node reports userOp {mee_user_op_hash} mined without a transaction hash")]
    MissingTransactionHash {
        /// The userOp.
        mee_user_op_hash: B256,
    },
    /// A quote was asked for without a fee token or sponsorship.
    #[error("a quote needs a fee token or sponsorship")]
    MissingFee,
    /// A native-token cleanup was given without a fixed amount.
    #[error("a native-token cleanup needs a fixed amount")]
    NativeCleanUpNeedsAmount,
    /// A Fusion trigger cannot be used (native token, zero amount, failed trigger transaction).
    #[error("fusion: {0}")]
    Fusion(String),
}

impl Error {
    /// Whether the error comes from the caller's input (as opposed to a signer, chain or node
    /// failure).
    pub fn is_user_error(&self) -> bool {
        !matches!(
            self,
            Self::Signer(_)
                | Self::Rpc { .. }
                | Self::BadReturn { .. }
                | Self::ZeroAccountAddress(_)
                | Self::Http(_)
                | Self::Node { .. }
                | Self::BadResponse(_)
                | Self::SupertransactionFailed { .. }
                | Self::Timeout(_)
                | Self::ReceiptNotFound { .. }
                | Self::MissingTransactionHash { .. }
        )
    }

    /// Whether retrying the same request may succeed (a transport failure).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::Rpc { .. } | Self::Http(_) | Self::Timeout(_) | Self::ReceiptNotFound { .. }
        )
    }
}

/// The SDK's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
