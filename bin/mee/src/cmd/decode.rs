//! Errors a person can act on: SDK errors with the node URL or chain endpoint they concern, and
//! revert data found in node messages decoded into Smart Sessions, EntryPoint and token errors
//! with what to do about them.

use std::fmt;

use alloy::{
    primitives::{Address, B256, hex},
    sol_types::{GenericRevertReason, SolInterface},
};
use anyhow::anyhow;
use mee_contracts::{
    entry_point::EntryPoint::EntryPointErrors, sessions::SmartSession::SmartSessionErrors,
    tokens::TestUSDC::TestUSDCErrors,
};
use mee_primitives::addresses::policies;

use super::permissions::policy_name;

/// What error messages may name.
#[derive(Debug, Clone, Default)]
pub(crate) struct ErrorContext {
    /// The node's URL, when a node is involved.
    pub(crate) node_url: Option<String>,
    /// Each chain's RPC endpoint.
    pub(crate) rpc: Vec<(u64, String)>,
}

impl ErrorContext {
    fn node(&self) -> &str {
        self.node_url.as_deref().unwrap_or(super::DEFAULT_NODE_URL)
    }

    fn rpc_of(&self, chain_id: u64) -> String {
        self.rpc
            .iter()
            .find(|(id, _)| *id == chain_id)
            .map(|(_, url)| url.clone())
            .unwrap_or_else(|| "(no endpoint)".to_owned())
    }
}

/// An SDK error as a message that says what went wrong where, and what to do.
pub(crate) fn sdk_error(err: mee_sdk::Error, ctx: &ErrorContext) -> anyhow::Error {
    use mee_sdk::Error as E;
    match err {
        E::Http(http) if http.is_connect() || http.is_timeout() => anyhow!(
            "cannot reach the MEE node at {}: {}. Is it running? Start one with `mee node`, or \
             point --node-url (MEE_NODE_URL) at it",
            ctx.node(),
            root_cause(&http)
        ),
        E::Http(http) => anyhow!(
            "request to the MEE node at {} failed: {}",
            ctx.node(),
            root_cause(&http)
        ),
        E::Node { status, message } => anyhow!(
            "the MEE node at {} refused the request (HTTP {status}): {message}{}",
            ctx.node(),
            explanation_suffix(&message)
        ),
        E::BadResponse(source) => anyhow!(
            "the MEE node at {} answered with unexpected JSON ({source}): is --node-url the \
             node's base URL including /v1?",
            ctx.node()
        ),
        E::UnsupportedChains(chains) => anyhow!(
            "the MEE node at {} does not serve chain(s) {}: add them to the node's \
             configuration, or leave them out of --chains / the permissions",
            ctx.node(),
            join(&chains)
        ),
        E::UnsupportedFeeChain(chain_id) => anyhow!(
            "the MEE node at {} takes no fee tokens on chain {chain_id}: pay on another chain \
             (--fee-chain) or pass --sponsored",
            ctx.node()
        ),
        E::SupertransactionFailed { status, message } => anyhow!(
            "the supertransaction failed ({}): {message}{}",
            status.as_str(),
            explanation_suffix(&message)
        ),
        E::Timeout(after) => anyhow!(
            "no final status within {} s: the supertransaction may still complete; check later \
             with `mee receipt <hash> --wait`",
            after.as_secs()
        ),
        E::Rpc { chain_id, source } => anyhow!(
            "chain {chain_id}: the JSON-RPC endpoint {} failed: {source}",
            ctx.rpc_of(chain_id)
        ),
        E::BadReturn {
            chain_id, function, ..
        } => anyhow!(
            "chain {chain_id}: {function} returned unexpected data from {}: are the MEE contracts \
             deployed there (is it the right chain)?",
            ctx.rpc_of(chain_id)
        ),
        E::UnknownChain(chain_id) | E::NoRpc(chain_id) => anyhow!(
            "chain {chain_id} is not configured: pass --rpc {chain_id}=URL (or add it to MEE_RPC)"
        ),
        other => anyhow!(other),
    }
}

fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = err;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

fn join(chains: &[u64]) -> String {
    chains
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `"\n  → …"` lines explaining what `message` contains, or nothing.
pub(crate) fn explanation_suffix(message: &str) -> String {
    explain(message)
        .into_iter()
        .map(|line| format!("\n  -> {line}"))
        .collect()
}

/// Explanations of every known error found in `message` (revert data in hex, EntryPoint
/// `AAxx` codes).
pub(crate) fn explain(message: &str) -> Vec<String> {
    let mut lines: Vec<String> = findings(message).iter().map(ToString::to_string).collect();
    if let Some(code) = entry_point_code(message)
        && let Some(hint) = aa_hint(code)
        && !lines.iter().any(|line| line.contains(code))
    {
        lines.push(format!("{code}: {hint}"));
    }
    lines
}

/// A decoded error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Finding {
    /// A Smart Sessions error.
    Session(SessionError),
    /// The EntryPoint refused op `index` with `reason` (`AAxx …`).
    EntryPoint { index: u64, reason: String },
    /// The ERC-20 token lacks balance or allowance.
    Token(&'static str),
    /// A policy contract's own error.
    Policy(String),
    /// `Error(string)` or `Panic(uint256)`.
    Revert(String),
}

/// The Smart Sessions errors with something to say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SessionError {
    InvalidPermissionId(B256),
    NoPoliciesSet(B256),
    PolicyViolation {
        permission_id: B256,
        policy: Address,
    },
    PolicyCheckReverted(B256),
    PaymasterValidationNotEnabled(B256),
    InvalidEnableSignature {
        account: Address,
    },
    ChainIdMismatch(u64),
    HashMismatch {
        provided: B256,
        computed: B256,
    },
    SignerNotFound(B256),
    Other(String),
}

/// Every known error whose ABI encoding appears in `message` as `0x` hex, outermost first
/// (errors nested in `FailedOpWithRevert` follow their wrapper).
pub(crate) fn findings(message: &str) -> Vec<Finding> {
    let mut found = Vec::new();
    for blob in hex_blobs(message) {
        decode_into(&blob, &mut found);
    }
    found.dedup();
    found
}

fn decode_into(data: &[u8], found: &mut Vec<Finding>) {
    if data.len() < 4 {
        return;
    }
    if let Ok(error) = SmartSessionErrors::abi_decode(data) {
        found.push(Finding::Session(session_error(error)));
    } else if let Ok(error) = EntryPointErrors::abi_decode(data) {
        match error {
            EntryPointErrors::FailedOp(op) => found.push(Finding::EntryPoint {
                index: op.opIndex.saturating_to(),
                reason: op.reason,
            }),
            EntryPointErrors::FailedOpWithRevert(op) => {
                found.push(Finding::EntryPoint {
                    index: op.opIndex.saturating_to(),
                    reason: op.reason,
                });
                decode_into(&op.inner, found);
            }
        }
    } else if let Ok(error) = TestUSDCErrors::abi_decode(data) {
        let text = match error {
            TestUSDCErrors::InsufficientBalance(_) => "InsufficientBalance",
            TestUSDCErrors::InsufficientAllowance(_) => "InsufficientAllowance",
            _ => return,
        };
        found.push(Finding::Token(text));
    } else if let Some(text) = policy_error(data) {
        found.push(Finding::Policy(text));
    } else if let Some(reason) = GenericRevertReason::decode(data) {
        found.push(Finding::Revert(reason.to_string()));
    }
}

fn session_error(error: SmartSessionErrors) -> SessionError {
    use SmartSessionErrors as S;
    match error {
        S::InvalidPermissionId(e) => SessionError::InvalidPermissionId(e.permissionId),
        S::NoPoliciesSet(e) => SessionError::NoPoliciesSet(e.permissionId),
        S::PolicyViolation(e) => SessionError::PolicyViolation {
            permission_id: e.permissionId,
            policy: e.policy,
        },
        S::PolicyCheckReverted(e) => SessionError::PolicyCheckReverted(e.revertData),
        S::PaymasterValidationNotEnabled(e) => {
            SessionError::PaymasterValidationNotEnabled(e.permissionId)
        }
        S::InvalidEnableSignature(e) => SessionError::InvalidEnableSignature { account: e.account },
        S::ChainIdMismatch(e) => SessionError::ChainIdMismatch(e.providedChainId),
        S::HashMismatch(e) => SessionError::HashMismatch {
            provided: e.providedHash,
            computed: e.computedHash,
        },
        S::SignerNotFound(e) => SessionError::SignerNotFound(e.permissionId),
        other => SessionError::Other(error_name(&other)),
    }
}

fn error_name(error: &SmartSessionErrors) -> String {
    let debug = format!("{error:?}");
    debug
        .split(['(', ' ', '{'])
        .next()
        .unwrap_or("Smart Sessions error")
        .to_owned()
}

/// A policy contract's own error (raised while a session is enabled or a call checked).
fn policy_error(data: &[u8]) -> Option<String> {
    use mee_contracts::policies::{
        ERC20SpendingLimitPolicy::ERC20SpendingLimitPolicyErrors as Spending,
        TimeFramePolicy::TimeFramePolicyErrors as TimeFrame,
        UniActionPolicy::UniActionPolicyErrors as UniAction,
        UsageLimitPolicy::UsageLimitPolicyErrors as Usage,
    };
    if let Ok(error) = UniAction::abi_decode(data) {
        return Some(match error {
            UniAction::ValueLimitExceeded(e) => format!(
                "ValueLimitExceeded: the call sends {} wei, the universal policy allows {} per call",
                e.value, e.limit
            ),
            UniAction::TooManyRules(e) => {
                format!(
                    "TooManyRules: a universal policy holds at most 16 rules, got {}",
                    e.length
                )
            }
            UniAction::InvalidInitDataLength(e) => format!(
                "InvalidInitDataLength: the universal policy's init data is {} bytes",
                e.length
            ),
            UniAction::PolicyNotInitialized(_) => not_initialized("universal action"),
        });
    }
    if let Ok(TimeFrame::InvalidTimeFrame(e)) = TimeFrame::abi_decode(data) {
        return Some(format!(
            "InvalidTimeFrame: the time frame policy refuses valid_after {} after valid_until {}",
            e.validAfter, e.validUntil
        ));
    }
    if let Ok(error) = Spending::abi_decode(data) {
        return Some(match error {
            Spending::InvalidLimit(_) => {
                "InvalidLimit: the ERC-20 spending limit policy refuses a limit of 0".to_owned()
            }
            Spending::InvalidTokenAddress(e) => format!(
                "InvalidTokenAddress: the ERC-20 spending limit policy refuses token {}",
                e.token
            ),
            Spending::InvalidInitData(_) => {
                "InvalidInitData: the ERC-20 spending limit policy's init data is malformed"
                    .to_owned()
            }
            Spending::PolicyNotInitialized(_) => not_initialized("ERC-20 spending limit"),
        });
    }
    if let Ok(Usage::InvalidLimit(_)) = Usage::abi_decode(data) {
        return Some(
            "InvalidLimit: the usage limit or value limit policy refuses a limit of 0 when the \
             session is enabled"
                .to_owned(),
        );
    }
    None
}

fn not_initialized(policy: &str) -> String {
    format!(
        "PolicyNotInitialized: the {policy} policy has no configuration for this permission on \
         this account (the permission is not enabled here)"
    )
}

/// What a failing policy usually means.
fn policy_hint(policy: Address) -> &'static str {
    match policy {
        p if p == policies::UNIVERSAL_ACTION => {
            "an argument rule of the call does not hold (or its cumulative limit is used up)"
        }
        p if p == policies::TIME_FRAME => "the permission is outside its validity window",
        p if p == policies::USAGE_LIMIT => "the permission has no uses left",
        p if p == policies::VALUE_LIMIT => "the native value sent exceeds the permitted total",
        p if p == policies::ERC20_SPENDING_LIMIT => {
            "the token amount exceeds what the permission may still spend"
        }
        _ => "the policy refused the call",
    }
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidPermissionId(id) => write!(
                f,
                "InvalidPermissionId: permission {id} is not enabled on this account (never \
                 enabled, revoked, or enabled for another account); check with `mee session \
                 status`, then prepare it again or use a grant (ENABLE_AND_USE)"
            ),
            Self::NoPoliciesSet(id) => write!(
                f,
                "NoPoliciesSet: permission {id} has no policy for this call: the session may not \
                 call this target and function"
            ),
            Self::PolicyViolation {
                permission_id,
                policy,
            } => write!(
                f,
                "PolicyViolation: the {} policy ({policy}) refused the call under permission \
                 {permission_id}: {}",
                policy_name(*policy).unwrap_or("unknown"),
                policy_hint(*policy)
            ),
            Self::PolicyCheckReverted(data) => write!(
                f,
                "PolicyCheckReverted: a policy reverted while checking the call ({data})"
            ),
            Self::PaymasterValidationNotEnabled(id) => write!(
                f,
                "PaymasterValidationNotEnabled: permission {id} may not use the node's paymaster \
                 (the session was created without permitERC4337Paymaster)"
            ),
            Self::InvalidEnableSignature { account } => write!(
                f,
                "InvalidEnableSignature: the owner's grant signature does not verify for account \
                 {account}: it was signed by another key or for another account"
            ),
            Self::ChainIdMismatch(chain_id) => write!(
                f,
                "ChainIdMismatch: the grant has no session digest for chain {chain_id}"
            ),
            Self::HashMismatch { provided, computed } => write!(
                f,
                "HashMismatch: the grant's session digest {provided} is not the chain's \
                 {computed}: its enable signature was revoked (the enable nonce moved) or the \
                 session changed; grant the permission again"
            ),
            Self::SignerNotFound(id) => write!(
                f,
                "SignerNotFound: permission {id} has no session validator on this account"
            ),
            Self::Other(name) => write!(f, "{name} (Smart Sessions)"),
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Session(error) => error.fmt(f),
            Self::EntryPoint { index, reason } => {
                write!(f, "the EntryPoint refused userOp {index}: {reason}")?;
                if let Some(hint) = entry_point_code(reason).and_then(aa_hint) {
                    write!(f, " ({hint})")?;
                }
                Ok(())
            }
            Self::Token(name) => write!(
                f,
                "{name}: the token balance or allowance is too low for the transfer (fund the \
                 account: `mee account status --token <address>` shows its balance)"
            ),
            Self::Policy(text) => f.write_str(text),
            Self::Revert(reason) => write!(f, "reverted: {reason}"),
        }
    }
}

/// The `AAxx` code in an EntryPoint reason.
fn entry_point_code(text: &str) -> Option<&str> {
    let start = text.find("AA")?;
    let code = text.get(start..start + 4)?;
    code[2..]
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then_some(code)
}

fn aa_hint(code: &str) -> Option<&'static str> {
    Some(match code {
        "AA10" => "the account exists already, but the userOp carries init code",
        "AA13" => "deploying the account failed",
        "AA20" => "the account is not deployed: prepare it first (`mee session prepare`)",
        "AA21" => "the account did not pay the prefund",
        "AA22" => "the userOp expired or is not valid yet: ask for a new quote",
        "AA23" => "the account's validation reverted",
        "AA24" => "signature error: the signer is not the owner or the session's redeemer",
        "AA25" => "invalid account nonce: another userOp used it; ask for a new quote",
        "AA31" => "the paymaster's deposit is too low",
        "AA33" => "the paymaster's validation reverted",
        "AA34" => "the paymaster's signature is invalid",
        _ => return None,
    })
}

/// Every `0x`-prefixed run of at least 4 bytes of hex in `text`.
fn hex_blobs(text: &str) -> Vec<Vec<u8>> {
    let bytes = text.as_bytes();
    let mut blobs = Vec::new();
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] == b'0' && (bytes[i + 1] == b'x' || bytes[i + 1] == b'X') {
            let start = i + 2;
            let mut end = start;
            while end < bytes.len() && bytes[end].is_ascii_hexdigit() {
                end += 1;
            }
            let digits = &text[start..end];
            if digits.len() >= 8
                && digits.len().is_multiple_of(2)
                && let Ok(blob) = hex::decode(digits)
            {
                blobs.push(blob);
            }
            i = end;
        } else {
            i += 1;
        }
    }
    blobs
}

#[cfg(test)]
mod tests {
    use alloy::{
        primitives::{Bytes, U256, address, b256},
        sol_types::{SolError, SolValue},
    };
    use mee_contracts::{entry_point::EntryPoint, sessions::SmartSession};

    use super::*;

    const PERMISSION: B256 =
        b256!("0x1111111111111111111111111111111111111111111111111111111111111111");

    #[test]
    fn selectors_are_the_specified_ones() {
        // docs: spec/onchain-formats.md §3.8 "Errors".
        assert_eq!(
            SmartSession::InvalidPermissionId::SELECTOR,
            [0x52, 0x6d, 0x0d, 0xa5]
        );
        assert_eq!(
            SmartSession::NoPoliciesSet::SELECTOR,
            [0x1c, 0x79, 0x2c, 0x05]
        );
        assert_eq!(
            SmartSession::PolicyViolation::SELECTOR,
            [0x3b, 0x57, 0x73, 0x61]
        );
        assert_eq!(
            SmartSession::HashMismatch::SELECTOR,
            [0x0b, 0x08, 0xd5, 0xbe]
        );
        assert_eq!(
            SmartSession::InvalidEnableSignature::SELECTOR,
            [0x3c, 0xa8, 0xef, 0x0c]
        );
        assert_eq!(
            SmartSession::PolicyCheckReverted::SELECTOR,
            [0xf4, 0x27, 0x07, 0x52]
        );
        assert_eq!(
            SmartSession::PaymasterValidationNotEnabled::SELECTOR,
            [0xd5, 0xdc, 0x9f, 0xa4]
        );
    }

    #[test]
    fn policy_violation_inside_failed_op_with_revert() {
        let inner = SmartSession::PolicyViolation {
            permissionId: PERMISSION,
            policy: policies::USAGE_LIMIT,
        }
        .abi_encode();
        let outer = EntryPoint::FailedOpWithRevert {
            opIndex: U256::from(1),
            reason: "AA23 reverted".to_owned(),
            inner: Bytes::from(inner),
        }
        .abi_encode();
        let message = format!(
            "simulation failed: execution reverted: {}",
            Bytes::from(outer)
        );
        let found = findings(&message);
        assert_eq!(
            found,
            vec![
                Finding::EntryPoint {
                    index: 1,
                    reason: "AA23 reverted".to_owned()
                },
                Finding::Session(SessionError::PolicyViolation {
                    permission_id: PERMISSION,
                    policy: policies::USAGE_LIMIT
                }),
            ]
        );
        let text = explain(&message).join("\n");
        assert!(text.contains("the usage limit policy"), "{text}");
        assert!(text.contains("no uses left"), "{text}");
        assert!(text.contains("AA23"), "{text}");
    }

    #[test]
    fn other_errors_and_plain_codes() {
        let invalid = SmartSession::InvalidPermissionId {
            permissionId: PERMISSION,
        }
        .abi_encode();
        let text = explain(&format!("boom {}", Bytes::from(invalid))).join("\n");
        assert!(
            text.starts_with("InvalidPermissionId: permission 0x1111"),
            "{text}"
        );

        let hash = SmartSession::HashMismatch {
            providedHash: PERMISSION,
            computedHash: B256::ZERO,
        }
        .abi_encode();
        assert!(explain(&Bytes::from(hash).to_string())[0].contains("revoked"));

        let revert = (String::from("ERC20: transfer amount exceeds balance"),).abi_encode_params();
        let mut error_string = vec![0x08, 0xc3, 0x79, 0xa0];
        error_string.extend(revert);
        assert_eq!(
            findings(&Bytes::from(error_string).to_string()),
            vec![Finding::Revert(
                "revert: ERC20: transfer amount exceeds balance".to_owned()
            )]
        );

        let invalid_limit = format!(
            "AA23 reverted: reverted with {}",
            Bytes::from([0xe5, 0x5f, 0xb5, 0x09])
        );
        assert!(
            explain(&invalid_limit)
                .iter()
                .any(|line| line.contains("refuses a limit of 0")),
            "{:?}",
            explain(&invalid_limit)
        );

        assert_eq!(
            explain("AA25 invalid account nonce"),
            vec!["AA25: invalid account nonce: another userOp used it; ask for a new quote"]
        );
        assert!(explain("nothing to see 0x12 here 0xzz").is_empty());
        let token = address!("0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913");
        assert!(
            explain(&format!("{token}")).is_empty(),
            "an address is no error"
        );
    }
}
