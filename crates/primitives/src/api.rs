//! The MEE node's REST API: request and response bodies, shared by the node and its clients.
//!
//! The JSON follows the TypeScript SDK (`@biconomy/abstractjs` 1.2.3) exactly, so the unchanged SDK
//! works against the node:
//!
//! - keys are camelCase as the SDK writes them;
//! - big integers (`nonce`, gas limits, fees, amounts, chain ids of userOps) are **decimal
//!   strings**; when reading, `0x` hex strings and JSON numbers are accepted too;
//! - the time bounds of a quote *request* are JSON numbers, those of a quote *response* decimal
//!   strings (both are accepted when reading);
//! - fields the SDK leaves out when undefined are optional here and omitted when absent;
//! - unknown fields are ignored, so newer clients keep working.
//!
//! | Endpoint | Request | Response |
//! |---|---|---|
//! | `GET /v1/info` | – | [`InfoResponse`] |
//! | `POST /v1/quote`, `/v1/quote-permit` | [`QuoteRequest`] | [`QuoteResponse`] |
//! | `POST /v1/exec` | [`ExecRequest`] | [`ExecResponse`] |
//! | `GET /v1/explorer/{hash}` | – | [`ExplorerResponse`] |
//! | any error | – | [`ErrorBody`] |

use alloy_primitives::{Address, B256, Bytes, U256};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{session_details::SessionDetails, userop::UserOperation};

// ---------------------------------------------------------------------------------------------
// GET /v1/info
// ---------------------------------------------------------------------------------------------

/// `GET /v1/info`: what the node supports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InfoResponse {
    /// The node software's version.
    pub version: String,
    /// The node's address (the key that signs commitments and submits bundles).
    #[schema(value_type = schema::Address)]
    pub node: Address,
    /// The chains the node executes on.
    pub supported_chains: Vec<SupportedChain>,
    /// The fee tokens, per chain.
    pub supported_gas_tokens: Vec<SupportedGasTokens>,
    /// Wallet providers (the SDK never reads it).
    #[serde(
        rename = "supported_wallet_providers",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub supported_wallet_providers: Vec<WalletProvider>,
}

/// A chain in [`InfoResponse::supported_chains`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SupportedChain {
    /// The chain id (decimal string).
    #[serde(with = "num::dec_u64")]
    #[schema(value_type = schema::DecimalString)]
    pub chain_id: u64,
    /// A display name.
    pub name: String,
}

/// The fee tokens of one chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SupportedGasTokens {
    /// The chain id (decimal string).
    #[serde(with = "num::dec_u64")]
    #[schema(value_type = schema::DecimalString)]
    pub chain_id: u64,
    /// Whether any token is accepted (this node: never).
    #[serde(default)]
    pub is_arbitrary_fee_tokens_supported: bool,
    /// The accepted tokens.
    #[serde(default)]
    pub payment_tokens: Vec<PaymentToken>,
}

/// A fee token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentToken {
    /// The token's name.
    pub name: String,
    /// The token's address.
    #[schema(value_type = schema::Address)]
    pub address: Address,
    /// The token's symbol.
    pub symbol: String,
    /// The token's decimals.
    pub decimals: u8,
    /// Whether the token supports EIP-2612 `permit`.
    #[serde(default)]
    pub permit_enabled: bool,
}

/// A wallet provider entry of [`InfoResponse`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WalletProvider {
    /// The provider's name, e.g. `"BICO_V2"`.
    pub wallet_provider: String,
    /// Chain ids (decimal strings).
    #[serde(default)]
    pub supported_chains: Vec<String>,
    /// Whether EOAs are supported.
    #[serde(default)]
    pub eoa_enabled: bool,
}

// ---------------------------------------------------------------------------------------------
// POST /v1/quote
// ---------------------------------------------------------------------------------------------

/// The kind of quote, i.e. how the supertransaction will be signed.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema,
)]
pub enum QuoteType {
    /// An off-chain signature over the supertransaction hash.
    #[default]
    #[serde(rename = "simple")]
    Simple,
    /// An EIP-2612 permit whose deadline is the supertransaction hash (Fusion).
    #[serde(rename = "permit")]
    Permit,
    /// An on-chain transaction carrying the supertransaction hash (Fusion).
    #[serde(rename = "onchain")]
    Onchain,
    /// A MetaMask delegation (Fusion).
    #[serde(rename = "mm-dtk")]
    MmDtk,
    /// A Safe transaction (Fusion).
    #[serde(rename = "safe-sa")]
    SafeSa,
}

impl QuoteType {
    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Simple => "simple",
            Self::Permit => "permit",
            Self::Onchain => "onchain",
            Self::MmDtk => "mm-dtk",
            Self::SafeSa => "safe-sa",
        }
    }
}

/// `POST /v1/quote` (and `/v1/quote-permit`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QuoteRequest {
    /// How the quote will be signed.
    #[serde(default)]
    pub quote_type: QuoteType,
    /// The developer's userOps in execution order; cleanup userOps last.
    pub user_ops: Vec<UserOpRequest>,
    /// Who pays the fee, in what.
    pub payment_info: PaymentInfo,
    /// The MEE version of every chain involved.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mee_versions: Vec<MeeVersionEntry>,
    /// Simulation options (echoed, not interpreted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub simulation: Option<Value>,
    /// The Fusion token trigger (read with [`TokenTrigger::from_value`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger: Option<Value>,
    /// Free-form tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
}

/// One developer userOp of a [`QuoteRequest`]: the node fills in gas fees, the paymaster and the
/// signature.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserOpRequest {
    /// Not before this unix time (JSON number).
    #[serde(with = "num::num_u64")]
    pub lower_bound_timestamp: u64,
    /// Not after this unix time (JSON number).
    #[serde(with = "num::num_u64")]
    pub upper_bound_timestamp: u64,
    /// Milliseconds between simulation retries.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "num::opt_num_u64"
    )]
    pub execution_simulation_retry_delay: Option<u64>,
    /// The account on that chain.
    #[schema(value_type = schema::Address)]
    pub sender: Address,
    /// The account's calldata (`execute` / `executeComposable`).
    #[schema(value_type = schema::HexBytes)]
    pub call_data: Bytes,
    /// Gas for the execution phase.
    #[serde(with = "num::dec_u128")]
    #[schema(value_type = schema::DecimalString)]
    pub call_gas_limit: u128,
    /// The full EntryPoint nonce, `key << 64 | sequence`.
    #[serde(with = "num::dec_u256")]
    #[schema(value_type = schema::DecimalString)]
    pub nonce: U256,
    /// The chain.
    #[serde(with = "num::dec_u64")]
    #[schema(value_type = schema::DecimalString)]
    pub chain_id: u64,
    /// Whether this is a cleanup userOp (runs after the others; ignored in the status).
    #[serde(default)]
    pub is_clean_up_user_op: bool,
    /// Gas for the validation phase; the node's default when absent.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "num::opt_dec_u128"
    )]
    #[schema(value_type = Option<schema::DecimalString>)]
    pub verification_gas_limit: Option<u128>,
    /// `factory ‖ factoryData` when the account is not deployed yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<schema::HexBytes>)]
    pub init_code: Option<Bytes>,
    /// An EIP-7702 authorization (echoed, not interpreted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eip7702_auth: Option<Value>,
    /// Whether the supertransaction leaf is the raw userOp hash (session userOps).
    #[serde(default)]
    pub short_encoding: bool,
    /// The session this userOp uses (Smart Sessions flows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<schema::SessionDetailsJson>)]
    pub session_details: Option<SessionDetails>,
    /// What the userOp does, for explorers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metadata: Vec<Value>,
    /// Simulation state overrides (echoed, not interpreted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub simulation_overrides: Option<Value>,
}

/// Who pays the fee. In a request the SDK sends the first group of fields; the node's quote
/// echoes them and adds the amounts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentInfo {
    /// Whether a sponsor (gas tank) pays.
    #[serde(default)]
    pub sponsored: bool,
    /// The paying account on the fee chain (the gas tank when sponsored).
    #[schema(value_type = schema::Address)]
    pub sender: Address,
    /// The fee token.
    #[schema(value_type = schema::Address)]
    pub token: Address,
    /// The payment userOp's full EntryPoint nonce.
    #[serde(with = "num::dec_u256")]
    #[schema(value_type = schema::DecimalString)]
    pub nonce: U256,
    /// Gas for the payment userOp's execution (SDK default 75000).
    #[serde(with = "num::dec_u128")]
    #[schema(value_type = schema::DecimalString)]
    pub call_gas_limit: u128,
    /// Gas for the payment userOp's validation (SDK default 150000).
    #[serde(with = "num::dec_u128")]
    #[schema(value_type = schema::DecimalString)]
    pub verification_gas_limit: u128,
    /// The fee chain.
    #[serde(with = "num::dec_u64")]
    #[schema(value_type = schema::DecimalString)]
    pub chain_id: u64,
    /// Where unspent gas is refunded instead of the sender.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<schema::Address>)]
    pub gas_refund_address: Option<Address>,
    /// The EOA of Fusion and fee-payer flows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<schema::Address>)]
    pub eoa: Option<Address>,
    /// `factory ‖ factoryData` when the paying account is not deployed yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<schema::HexBytes>)]
    pub init_code: Option<Bytes>,
    /// An EIP-7702 authorization (echoed, not interpreted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eip7702_auth: Option<Value>,
    /// Whether the payment userOp's leaf is its raw hash (session flows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_encoding: Option<bool>,
    /// The session the payment userOp uses (session flows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<schema::SessionDetailsJson>)]
    pub session_details: Option<SessionDetails>,
    /// The sponsorship backend (sponsored quotes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sponsorship_url: Option<String>,
    /// The fee in whole tokens, e.g. `"0.01"` (responses).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_amount: Option<String>,
    /// The fee in the token's base units (responses).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "num::opt_dec_u256"
    )]
    #[schema(value_type = Option<schema::DecimalString>)]
    pub token_wei_amount: Option<U256>,
    /// The fee's value in USD, e.g. `"0.01"` (responses).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_value: Option<String>,
}

/// A Fusion token trigger (`trigger` of permit and on-chain quotes and of their exec body): the
/// token the owner's EOA approves or permits, on which chain, and how much.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenTrigger {
    /// The token (the zero address is the native token).
    pub token_address: Address,
    /// The trigger chain.
    #[serde(with = "num::num_u64")]
    pub chain_id: u64,
    /// Gas for the trigger's `transferFrom` (decimal string).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "num::opt_dec_u128"
    )]
    pub gas_limit: Option<u128>,
    /// The amount: without the fee in a quote request, with it in the exec body.
    #[serde(with = "num::dec_u256")]
    pub amount: U256,
    /// An approval larger than `amount`, when set.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "num::opt_dec_u256"
    )]
    pub approval_amount: Option<U256>,
    /// Who receives the amount (default: the account on the trigger chain).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_address: Option<Address>,
}

impl TokenTrigger {
    /// Reads a `trigger` field; `None` when it is absent or not a token trigger (a custom call).
    pub fn from_value(value: Option<&Value>) -> Result<Option<Self>, serde_json::Error> {
        match value {
            None | Some(Value::Null) => Ok(None),
            Some(v) if v.get("call").is_some() => Ok(None),
            Some(v) => Self::deserialize(v).map(Some),
        }
    }

    /// The allowance the trigger grants: `approvalAmount`, else `amount`.
    pub fn allowance(&self) -> U256 {
        self.approval_amount.unwrap_or(self.amount)
    }
}

/// The MEE version of the account on one chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MeeVersionEntry {
    /// The version's contract set.
    pub version: MeeVersionConfig,
    /// The chain (JSON number).
    #[serde(with = "num::num_u64")]
    pub chain_id: u64,
}

/// The SDK's configuration object of an MEE version (`getMEEVersion(...)`), as sent in
/// `meeVersions`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MeeVersionConfig {
    /// The version, e.g. `"2.0.0"`.
    pub version: String,
    /// The account id, e.g. `"biconomy.nexus.1.2.0"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// The account factory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<schema::Address>)]
    pub factory_address: Option<Address>,
    /// The bootstrap.
    #[serde(
        rename = "bootStrapAddress",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<schema::Address>)]
    pub bootstrap_address: Option<Address>,
    /// The account implementation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<schema::Address>)]
    pub implementation_address: Option<Address>,
    /// The MEE validator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<schema::Address>)]
    pub validator_address: Option<Address>,
    /// The default validator (`address(0)`: the account's own default validator).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<schema::Address>)]
    pub default_validator_address: Option<Address>,
    /// The native-token forwarder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<schema::Address>)]
    pub eth_forwarder_address: Option<Address>,
    /// The composability version, e.g. `"1.0.0"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub composability_version: Option<String>,
    /// Any other field of the configuration (kept as sent).
    #[serde(flatten)]
    #[schema(ignore)]
    pub extra: Map<String, Value>,
}

// ---------------------------------------------------------------------------------------------
// POST /v1/quote response
// ---------------------------------------------------------------------------------------------

/// The node's quote (`GetQuotePayload`): the supertransaction with every userOp filled in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QuoteResponse {
    /// The supertransaction hash (the merkle root of the userOps' leaves): what the user signs.
    #[schema(value_type = schema::Hash)]
    pub hash: B256,
    /// The node's address.
    #[schema(value_type = schema::Address)]
    pub node: Address,
    /// The node's signature over `hash` (EIP-191), so it recognises its own quotes.
    #[schema(value_type = schema::HexBytes)]
    pub commitment: Bytes,
    /// The quote type, echoed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote_type: Option<QuoteType>,
    /// The request's payment info plus the fee.
    pub payment_info: PaymentInfo,
    /// `[0]` is the payment userOp, always; then one per request userOp, in order.
    pub user_ops: Vec<FilledUserOp>,
}

/// One userOp of a quote (`MeeFilledUserOpDetails`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FilledUserOp {
    /// The userOp, without a signature until executed.
    pub user_op: UserOpJson,
    /// The ERC-4337 v0.7 hash of the userOp on its chain.
    #[schema(value_type = schema::Hash)]
    pub user_op_hash: B256,
    /// `keccak256(keccak256(abi.encode(userOpHash, lower, upper)))`.
    #[schema(value_type = schema::Hash)]
    pub mee_user_op_hash: B256,
    /// Not before this unix time (decimal string).
    #[serde(with = "num::dec_u64")]
    #[schema(value_type = schema::DecimalString)]
    pub lower_bound_timestamp: u64,
    /// Not after this unix time (decimal string).
    #[serde(with = "num::dec_u64")]
    #[schema(value_type = schema::DecimalString)]
    pub upper_bound_timestamp: u64,
    /// The sum of the userOp's gas limits.
    #[serde(with = "num::dec_u128")]
    #[schema(value_type = schema::DecimalString)]
    pub max_gas_limit: u128,
    /// The userOp's `maxFeePerGas`.
    #[serde(with = "num::dec_u128")]
    #[schema(value_type = schema::DecimalString)]
    pub max_fee_per_gas: u128,
    /// The chain (decimal string).
    #[serde(with = "num::dec_u64")]
    #[schema(value_type = schema::DecimalString)]
    pub chain_id: u64,
    /// An EIP-7702 authorization, echoed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eip7702_auth: Option<Value>,
    /// Whether this is a cleanup userOp.
    #[serde(default)]
    pub is_clean_up_user_op: bool,
    /// The session this userOp uses. In an exec request the client may have rewritten it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<schema::SessionDetailsJson>)]
    pub session_details: Option<SessionDetails>,
    /// Whether the leaf is the raw userOp hash.
    #[serde(default)]
    pub short_encoding: bool,
    /// The request's metadata, echoed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Vec<Value>>,
    /// The request's retry delay, echoed.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "num::opt_num_u64"
    )]
    pub execution_simulation_retry_delay: Option<u64>,
}

/// A v0.7 userOp in JSON, with `initCode` and `paymasterAndData` packed and decimal numbers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserOpJson {
    /// The account.
    #[schema(value_type = schema::Address)]
    pub sender: Address,
    /// `key << 64 | sequence`.
    #[serde(with = "num::dec_u256")]
    #[schema(value_type = schema::DecimalString)]
    pub nonce: U256,
    /// `factory ‖ factoryData`, or `0x`.
    #[schema(value_type = schema::HexBytes)]
    pub init_code: Bytes,
    /// What the account executes.
    #[schema(value_type = schema::HexBytes)]
    pub call_data: Bytes,
    /// Gas for the execution phase.
    #[serde(with = "num::dec_u128")]
    #[schema(value_type = schema::DecimalString)]
    pub call_gas_limit: u128,
    /// Gas for the validation phase.
    #[serde(with = "num::dec_u128")]
    #[schema(value_type = schema::DecimalString)]
    pub verification_gas_limit: u128,
    /// EIP-1559 max fee per gas.
    #[serde(with = "num::dec_u128")]
    #[schema(value_type = schema::DecimalString)]
    pub max_fee_per_gas: u128,
    /// EIP-1559 max priority fee per gas.
    #[serde(with = "num::dec_u128")]
    #[schema(value_type = schema::DecimalString)]
    pub max_priority_fee_per_gas: u128,
    /// `paymaster ‖ uint128 verificationGas ‖ uint128 postOpGas ‖ data`, or `0x`.
    #[schema(value_type = schema::HexBytes)]
    pub paymaster_and_data: Bytes,
    /// Gas paid for but not metered.
    #[serde(with = "num::dec_u256")]
    #[schema(value_type = schema::DecimalString)]
    pub pre_verification_gas: U256,
    /// The signature, once there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<schema::HexBytes>)]
    pub signature: Option<Bytes>,
}

/// Why a [`UserOpJson`] is not a valid userOp.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UserOpJsonError {
    /// `initCode` is neither empty nor at least a 20-byte factory address.
    #[error("initCode must be empty or start with a 20-byte factory address")]
    InitCode,
    /// `paymasterAndData` is neither empty nor at least 52 bytes.
    #[error("paymasterAndData must be empty or at least 52 bytes")]
    PaymasterAndData,
}

impl From<&UserOperation> for UserOpJson {
    fn from(op: &UserOperation) -> Self {
        Self {
            sender: op.sender,
            nonce: op.nonce,
            init_code: op.init_code(),
            call_data: op.call_data.clone(),
            call_gas_limit: op.call_gas_limit,
            verification_gas_limit: op.verification_gas_limit,
            max_fee_per_gas: op.max_fee_per_gas,
            max_priority_fee_per_gas: op.max_priority_fee_per_gas,
            paymaster_and_data: op.paymaster_and_data(),
            pre_verification_gas: op.pre_verification_gas,
            signature: (!op.signature.is_empty()).then(|| op.signature.clone()),
        }
    }
}

impl TryFrom<&UserOpJson> for UserOperation {
    type Error = UserOpJsonError;

    fn try_from(json: &UserOpJson) -> Result<Self, Self::Error> {
        let (factory, factory_data) = match json.init_code.len() {
            0 => (None, Bytes::new()),
            n if n < 20 => return Err(UserOpJsonError::InitCode),
            _ => (
                Some(Address::from_slice(&json.init_code[..20])),
                Bytes::copy_from_slice(&json.init_code[20..]),
            ),
        };
        let pmd = &json.paymaster_and_data;
        let (paymaster, pm_verification, pm_post_op, paymaster_data) = match pmd.len() {
            0 => (None, 0, 0, Bytes::new()),
            n if n < 52 => return Err(UserOpJsonError::PaymasterAndData),
            _ => (
                Some(Address::from_slice(&pmd[..20])),
                u128::from_be_bytes(pmd[20..36].try_into().expect("16 bytes")),
                u128::from_be_bytes(pmd[36..52].try_into().expect("16 bytes")),
                Bytes::copy_from_slice(&pmd[52..]),
            ),
        };
        Ok(Self {
            sender: json.sender,
            nonce: json.nonce,
            factory,
            factory_data,
            call_data: json.call_data.clone(),
            call_gas_limit: json.call_gas_limit,
            verification_gas_limit: json.verification_gas_limit,
            pre_verification_gas: json.pre_verification_gas,
            max_fee_per_gas: json.max_fee_per_gas,
            max_priority_fee_per_gas: json.max_priority_fee_per_gas,
            paymaster,
            paymaster_verification_gas_limit: pm_verification,
            paymaster_post_op_gas_limit: pm_post_op,
            paymaster_data,
            signature: json.signature.clone().unwrap_or_default(),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// POST /v1/exec
// ---------------------------------------------------------------------------------------------

/// `POST /v1/exec`: the quote as the node returned it, signed (`SignedQuote`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExecRequest {
    /// The supertransaction hash.
    #[schema(value_type = schema::Hash)]
    pub hash: B256,
    /// The node's address, echoed.
    #[schema(value_type = schema::Address)]
    pub node: Address,
    /// The node's commitment, echoed.
    #[schema(value_type = schema::HexBytes)]
    pub commitment: Bytes,
    /// The quote type, echoed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote_type: Option<QuoteType>,
    /// The quote's payment info, echoed.
    pub payment_info: PaymentInfo,
    /// The quote's userOps; session flows may have rewritten `sessionDetails`.
    pub user_ops: Vec<FilledUserOp>,
    /// `0x177eee00 ‖ 65-byte signature` over `hash` (simple mode), or a Fusion authorisation:
    /// `0x177eee02 ‖ permit` or `0x177eee01 ‖ (txHash, chainId)` ([`crate::fusion`]).
    #[schema(value_type = schema::HexBytes)]
    pub signature: Bytes,
    /// The MEE versions of the signed chains.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mee_versions: Vec<MeeVersionEntry>,
    /// Set by the SDK (`true`).
    #[serde(
        rename = "isEIP712TrustedSponsorshipSupported",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub is_eip712_trusted_sponsorship_supported: Option<bool>,
    /// The Fusion token trigger (read with [`TokenTrigger::from_value`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger: Option<Value>,
}

impl ExecRequest {
    /// The exec body for `quote` with `signature` (what the SDK's `signQuote` produces).
    pub fn new(quote: QuoteResponse, signature: Bytes) -> Self {
        Self {
            hash: quote.hash,
            node: quote.node,
            commitment: quote.commitment,
            quote_type: quote.quote_type,
            payment_info: quote.payment_info,
            user_ops: quote.user_ops,
            signature,
            mee_versions: Vec::new(),
            is_eip712_trusted_sponsorship_supported: Some(true),
            trigger: None,
        }
    }
}

/// `POST /v1/exec` response.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ExecResponse {
    /// The supertransaction hash, the id for `GET /v1/explorer/{hash}`.
    #[schema(value_type = schema::Hash)]
    pub hash: B256,
}

// ---------------------------------------------------------------------------------------------
// GET /v1/explorer/{hash}
// ---------------------------------------------------------------------------------------------

/// Where a userOp is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExecutionStatus {
    /// Waiting for its time window or its turn.
    Pending,
    /// Submitted; the transaction is not mined yet.
    Mining,
    /// Mined and the userOp's execution succeeded.
    MinedSuccess,
    /// Mined, but the userOp's execution reverted (the fee is still paid).
    MinedFail,
    /// Never mined: validation failed, the window passed, or the bundle was refused.
    Failed,
}

impl ExecutionStatus {
    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Mining => "MINING",
            Self::MinedSuccess => "MINED_SUCCESS",
            Self::MinedFail => "MINED_FAIL",
            Self::Failed => "FAILED",
        }
    }

    /// Parses the wire name.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "PENDING" => Self::Pending,
            "MINING" => Self::Mining,
            "MINED_SUCCESS" => Self::MinedSuccess,
            "MINED_FAIL" => Self::MinedFail,
            "FAILED" => Self::Failed,
            _ => return None,
        })
    }

    /// Whether the status can no longer change.
    pub const fn is_final(self) -> bool {
        matches!(self, Self::MinedSuccess | Self::MinedFail | Self::Failed)
    }
}

/// `GET /v1/explorer/{hash}`: the stored supertransaction with each userOp's execution state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExplorerResponse {
    /// The supertransaction hash.
    #[schema(value_type = schema::Hash)]
    pub hash: B256,
    /// The node's address.
    #[schema(value_type = schema::Address)]
    pub node: Address,
    /// The node's commitment.
    #[schema(value_type = schema::HexBytes)]
    pub commitment: Bytes,
    /// The quote type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote_type: Option<QuoteType>,
    /// The payment info with the fee.
    pub payment_info: PaymentInfo,
    /// `[0]` is the payment userOp.
    pub user_ops: Vec<ExplorerUserOp>,
}

/// A userOp of an [`ExplorerResponse`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExplorerUserOp {
    /// The userOp as quoted (signed once executed).
    #[serde(flatten)]
    pub op: FilledUserOp,
    /// Where the userOp is.
    pub execution_status: ExecutionStatus,
    /// The hash of the transaction that carried it, once submitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<schema::Hash>)]
    pub execution_data: Option<B256>,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_error: Option<String>,
    /// Whether a final status has enough confirmations.
    #[serde(default)]
    pub is_confirmed: bool,
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// The body of every error response. The SDK shows `errors` when present, else `message`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// A stable machine-readable code, e.g. `"QUOTE_EXPIRED"`.
    pub code: String,
    /// A human-readable message.
    pub message: String,
    /// Per-field problems of a request body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
}

/// One field's problem in an [`ErrorBody`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FieldError {
    /// What is wrong.
    pub msg: String,
    /// Where, e.g. `"userOps[0].nonce"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// OpenAPI schemas of the encodings
// ---------------------------------------------------------------------------------------------

/// OpenAPI schemas of the wire encodings the types above use through serde helpers (hex
/// addresses, hashes and bytes, decimal-string integers), so the derived schemas describe the
/// JSON exactly. Each is a named component of the node's OpenAPI document.
pub mod schema {
    use std::borrow::Cow;

    use utoipa::{
        PartialSchema, ToSchema,
        openapi::{
            RefOr,
            schema::{AdditionalProperties, ObjectBuilder, Schema, Type},
        },
    };

    fn string(pattern: &str, description: &str, example: &str) -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(pattern))
            .description(Some(description))
            .examples([example])
            .into()
    }

    macro_rules! string_schema {
        ($(#[$doc:meta])* $name:ident, $pattern:expr, $description:expr, $example:expr) => {
            $(#[$doc])*
            #[derive(Debug)]
            pub struct $name;

            impl PartialSchema for $name {
                fn schema() -> RefOr<Schema> {
                    string($pattern, $description, $example)
                }
            }

            impl ToSchema for $name {
                fn name() -> Cow<'static, str> {
                    Cow::Borrowed(stringify!($name))
                }
            }
        };
    }

    string_schema!(
        /// A 20-byte address, `0x`-prefixed hex (any case; written checksummed).
        Address,
        "^0x[0-9a-fA-F]{40}$",
        "A 20-byte address, 0x-prefixed hex.",
        "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"
    );
    string_schema!(
        /// A 32-byte hash, `0x`-prefixed hex.
        Hash,
        "^0x[0-9a-fA-F]{64}$",
        "A 32-byte hash, 0x-prefixed hex.",
        "0x6f1d6e3b0f3c1e0e7c3b1f1a3e0d2c4b5a69788796a5b4c3d2e1f00112233445"
    );
    string_schema!(
        /// Bytes of any length, `0x`-prefixed hex.
        HexBytes,
        "^0x([0-9a-fA-F]{2})*$",
        "Bytes, 0x-prefixed hex (\"0x\" when empty).",
        "0xe9ae5c53"
    );
    string_schema!(
        /// An unsigned integer as a decimal string (requests may also use `0x` hex or a JSON
        /// number).
        DecimalString,
        "^[0-9]+$",
        "An unsigned integer as a decimal string. Requests may also give 0x hex or a JSON number.",
        "75000"
    );

    /// `sessionDetails` ([`crate::session_details::SessionDetails`]): an object whose shape the
    /// TypeScript SDK defines; documented as a free-form object.
    #[derive(Debug)]
    pub struct SessionDetailsJson;

    impl PartialSchema for SessionDetailsJson {
        fn schema() -> RefOr<Schema> {
            ObjectBuilder::new()
                .schema_type(Type::Object)
                .additional_properties(Some(AdditionalProperties::FreeForm(true)))
                .description(Some(
                    "The Smart Sessions details of a userOp: mode, permissionId, signature and \
                     enableSessionData, as the TypeScript SDK writes them.",
                ))
                .into()
        }
    }

    impl ToSchema for SessionDetailsJson {
        fn name() -> Cow<'static, str> {
            Cow::Borrowed("SessionDetails")
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Number encodings
// ---------------------------------------------------------------------------------------------

/// Serde helpers: integers written as decimal strings (`dec_*`) or JSON numbers (`num_*`), read
/// from either, or from `0x` hex strings.
mod num {
    use std::fmt;

    use alloy_primitives::U256;
    use serde::{
        Deserializer, Serializer,
        de::{self, Visitor},
    };

    /// Reads an unsigned integer from a number, a decimal string or a `0x` hex string.
    struct AnyUint;

    impl Visitor<'_> for AnyUint {
        type Value = U256;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an unsigned integer, as a decimal string, 0x hex string or number")
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<U256, E> {
            Ok(U256::from(v))
        }

        fn visit_u128<E: de::Error>(self, v: u128) -> Result<U256, E> {
            Ok(U256::from(v))
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<U256, E> {
            u64::try_from(v)
                .map(U256::from)
                .map_err(|_| E::custom(format!("negative integer {v}")))
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<U256, E> {
            if v >= 0.0 && v.fract() == 0.0 && v < 9_007_199_254_740_992.0 {
                Ok(U256::from(v as u64))
            } else {
                Err(E::custom(format!("{v} is not an unsigned integer")))
            }
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<U256, E> {
            let parsed = match v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
                Some(hex) if !hex.is_empty() => U256::from_str_radix(hex, 16),
                Some(_) => return Err(E::custom("empty hex integer")),
                None if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) => {
                    U256::from_str_radix(v, 10)
                }
                None => return Err(E::custom(format!("invalid integer {v:?}"))),
            };
            parsed.map_err(|err| E::custom(format!("invalid integer {v:?}: {err}")))
        }
    }

    fn any_uint<'de, D: Deserializer<'de>>(d: D) -> Result<U256, D::Error> {
        d.deserialize_any(AnyUint)
    }

    fn narrow<'de, D: Deserializer<'de>, T: TryFrom<U256>>(value: U256) -> Result<T, D::Error> {
        T::try_from(value).map_err(|_| de::Error::custom(format!("integer {value} out of range")))
    }

    macro_rules! decimal {
        ($name:ident, $ty:ty) => {
            pub(super) mod $name {
                use super::*;

                pub(in super::super) fn serialize<S: Serializer>(
                    v: &$ty,
                    s: S,
                ) -> Result<S::Ok, S::Error> {
                    s.collect_str(v)
                }

                pub(in super::super) fn deserialize<'de, D: Deserializer<'de>>(
                    d: D,
                ) -> Result<$ty, D::Error> {
                    narrow::<D, $ty>(any_uint(d)?)
                }
            }
        };
    }

    macro_rules! optional {
        ($opt:ident, $name:ident, $ty:ty) => {
            pub(super) mod $opt {
                use serde::Deserialize;

                use super::*;

                struct Wrap($ty);

                impl<'de> Deserialize<'de> for Wrap {
                    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                        super::$name::deserialize(d).map(Wrap)
                    }
                }

                pub(in super::super) fn serialize<S: Serializer>(
                    v: &Option<$ty>,
                    s: S,
                ) -> Result<S::Ok, S::Error> {
                    match v {
                        Some(v) => s.collect_str(v),
                        None => s.serialize_none(),
                    }
                }

                pub(in super::super) fn deserialize<'de, D: Deserializer<'de>>(
                    d: D,
                ) -> Result<Option<$ty>, D::Error> {
                    Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
                }
            }
        };
    }

    decimal!(dec_u64, u64);
    decimal!(dec_u128, u128);
    decimal!(dec_u256, U256);
    optional!(opt_dec_u128, dec_u128, u128);
    optional!(opt_dec_u256, dec_u256, U256);

    pub(super) mod num_u64 {
        use super::*;

        pub(in super::super) fn serialize<S: Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_u64(*v)
        }

        pub(in super::super) fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<u64, D::Error> {
            narrow::<D, u64>(any_uint(d)?)
        }
    }

    pub(super) mod opt_num_u64 {
        use serde::Deserialize;

        use super::*;

        #[derive(Deserialize)]
        struct Wrap(#[serde(with = "super::num_u64")] u64);

        pub(in super::super) fn serialize<S: Serializer>(
            v: &Option<u64>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match v {
                Some(v) => s.serialize_u64(*v),
                None => s.serialize_none(),
            }
        }

        pub(in super::super) fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<u64>, D::Error> {
            Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn quote_vectors() -> Value {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/vectors/quote-requests.json");
        serde_json::from_str(&std::fs::read_to_string(path).expect("vector file"))
            .expect("vector JSON")
    }

    /// The same JSON up to the case of hex digits (addresses are written checksummed, bytes in
    /// lower case).
    fn normalise(value: &mut Value) {
        match value {
            Value::String(s) if s.starts_with("0x") => *s = s.to_lowercase(),
            Value::Array(items) => items.iter_mut().for_each(normalise),
            Value::Object(map) => map.values_mut().for_each(normalise),
            _ => {}
        }
    }

    fn round_trips<T: Serialize + serde::de::DeserializeOwned>(body: &Value, what: &str) -> T {
        let parsed: T = serde_json::from_value(body.clone())
            .unwrap_or_else(|err| panic!("{what} does not deserialize: {err}"));
        let mut again = serde_json::to_value(&parsed).expect("serializes");
        let mut expected = body.clone();
        normalise(&mut again);
        normalise(&mut expected);
        assert_eq!(
            again, expected,
            "{what} does not re-serialize to the same JSON"
        );
        parsed
    }

    #[test]
    fn every_sdk_request_body_round_trips() {
        let file = quote_vectors();
        let mut quotes = 0;
        let mut execs = 0;
        for case in file["cases"].as_array().expect("cases") {
            let name = case["name"].as_str().expect("name");
            for request in case["requests"].as_array().expect("requests") {
                let Some(body) = request.get("bodyVerbatim") else {
                    continue;
                };
                match request["path"].as_str().expect("path") {
                    "/quote" | "/quote-permit" | "//quote-permit" => {
                        let quote: QuoteRequest = round_trips(body, &format!("{name} quote"));
                        assert!(!quote.user_ops.is_empty());
                        quotes += 1;
                    }
                    "/exec" => {
                        let exec: ExecRequest = round_trips(body, &format!("{name} exec"));
                        assert_eq!(exec.signature.len(), 69, "{name}: prefix + 65 bytes");
                        assert!(exec.user_ops.len() >= 2);
                        execs += 1;
                    }
                    other => panic!("{name}: unexpected body on {other}"),
                }
            }
        }
        assert_eq!(quotes, 8);
        assert_eq!(execs, 8);
    }

    #[test]
    fn request_numbers_are_parsed_from_their_wire_forms() {
        let file = quote_vectors();
        let body = &file["cases"][0]["requests"][1]["bodyVerbatim"];
        let quote: QuoteRequest = serde_json::from_value(body.clone()).unwrap();
        let op = &quote.user_ops[0];
        assert_eq!(op.chain_id, 8453);
        assert_eq!(op.call_gas_limit, 700_000);
        assert_eq!(op.upper_bound_timestamp - op.lower_bound_timestamp, 180);
        assert_eq!(
            op.nonce.to_string(),
            body["userOps"][0]["nonce"].as_str().unwrap()
        );
        assert_eq!(quote.payment_info.call_gas_limit, 75_000);
        assert!(quote.payment_info.init_code.is_some());
        assert_eq!(quote.mee_versions[0].version.version, "2.0.0");
        assert_eq!(quote.quote_type, QuoteType::Simple);
    }

    #[test]
    fn numbers_accept_hex_and_json_numbers_and_reject_garbage() {
        let op = |nonce: Value, gas: Value| {
            serde_json::from_value::<UserOpRequest>(serde_json::json!({
                "lowerBoundTimestamp": "10", "upperBoundTimestamp": 20,
                "sender": "0x0000000000000000000000000000000000000001", "callData": "0x",
                "callGasLimit": gas, "nonce": nonce, "chainId": "8453",
            }))
        };
        let parsed = op(Value::from("0x10"), Value::from(5)).unwrap();
        assert_eq!(parsed.nonce, U256::from(16));
        assert_eq!(parsed.call_gas_limit, 5);
        assert_eq!(parsed.lower_bound_timestamp, 10);
        assert!(!parsed.is_clean_up_user_op);
        assert!(op(Value::from("12a"), Value::from(5)).is_err());
        assert!(op(Value::from("-1"), Value::from(5)).is_err());
        assert!(op(Value::from(""), Value::from(5)).is_err());
        assert!(op(Value::from(1), Value::from(-5)).is_err());
        assert!(op(Value::from(1), Value::from(1.5)).is_err());
        // 2^128 does not fit a gas limit.
        let too_big = "340282366920938463463374607431768211456";
        assert!(op(Value::from(1), Value::from(too_big)).is_err());
    }

    #[test]
    fn optional_fields_are_omitted_and_numbers_written_as_decimal_strings() {
        let op = UserOperation {
            nonce: U256::from(7) << 64,
            call_gas_limit: 75_000,
            ..Default::default()
        };
        let json = serde_json::to_value(UserOpJson::from(&op)).unwrap();
        assert_eq!(json["nonce"], "129127208515966861312");
        assert_eq!(json["callGasLimit"], "75000");
        assert_eq!(json["initCode"], "0x");
        assert!(json.get("signature").is_none());
    }

    #[test]
    fn user_op_json_converts_both_ways() {
        let op = UserOperation {
            sender: Address::repeat_byte(1),
            nonce: U256::from(3),
            factory: Some(Address::repeat_byte(2)),
            factory_data: Bytes::from_static(&[9, 9]),
            call_data: Bytes::from_static(&[1]),
            call_gas_limit: 10,
            verification_gas_limit: 20,
            pre_verification_gas: U256::from(30),
            max_fee_per_gas: 40,
            max_priority_fee_per_gas: 50,
            paymaster: Some(Address::repeat_byte(3)),
            paymaster_verification_gas_limit: 60,
            paymaster_post_op_gas_limit: 70,
            paymaster_data: Bytes::from_static(&[0x17, 0x0d]),
            signature: Bytes::from_static(&[5]),
        };
        let json = UserOpJson::from(&op);
        assert_eq!(UserOperation::try_from(&json).unwrap(), op);
        let mut bad = json.clone();
        bad.paymaster_and_data = Bytes::from_static(&[1; 40]);
        assert_eq!(
            UserOperation::try_from(&bad),
            Err(UserOpJsonError::PaymasterAndData)
        );
        bad = json;
        bad.init_code = Bytes::from_static(&[1; 5]);
        assert_eq!(
            UserOperation::try_from(&bad),
            Err(UserOpJsonError::InitCode)
        );
    }

    #[test]
    fn explorer_ops_flatten_the_quoted_op() {
        let file = quote_vectors();
        let exec = &file["cases"][0]["requests"][2]["bodyVerbatim"];
        let mut op = exec["userOps"][1].clone();
        op["executionStatus"] = "MINED_SUCCESS".into();
        op["executionData"] = format!("0x{}", "ab".repeat(32)).into();
        op["isConfirmed"] = true.into();
        let parsed: ExplorerUserOp = serde_json::from_value(op).unwrap();
        assert_eq!(parsed.execution_status, ExecutionStatus::MinedSuccess);
        assert!(parsed.is_confirmed);
        assert_eq!(parsed.op.chain_id, 8453);
        let json = serde_json::to_value(&parsed).unwrap();
        assert_eq!(json["executionStatus"], "MINED_SUCCESS");
        assert_eq!(json["lowerBoundTimestamp"], "1735689600");
        assert!(json.get("executionError").is_none());
    }

    #[test]
    fn error_bodies_have_code_and_message() {
        let body = ErrorBody {
            code: "QUOTE_EXPIRED".into(),
            message: "quote expired".into(),
            errors: None,
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"code":"QUOTE_EXPIRED","message":"quote expired"}"#
        );
    }
}
