//! Fusion quotes: supertransactions authorised by a token trigger of the owner's EOA instead of
//! an off-chain signature.
//!
//! - **permit** (`quoteType: "permit"`, on `/v1/quote-permit`): the EOA signs an EIP-2612 permit
//!   of the trigger token to its account, with `deadline` = the supertransaction hash. Exec gets
//!   `0x177eee02 ‖ (token, spender, domainSeparator, PERMIT_TYPEHASH, amount, chainId, nonce, v, r, s)`.
//! - **onchain** (`quoteType: "onchain"`, on `/v1/quote-permit` with a token trigger or on
//!   `/v1/quote` with a custom call): the EOA sends a transaction (an `approve`) whose calldata ends
//!   with the hash. Exec gets `0x177eee01 ‖ (txHash, chainId)`; the node waits until that
//!   transaction is mined with the configured confirmations.
//!
//! The SDK prepends a `transferFrom(eoa → account, amount)` userOp and, after the quote, adds the
//! fee to the trigger amount. When the trigger token is the fee token on the fee chain, the node's
//! payment userOp therefore takes the fee with `transferFrom(eoa, feeReceiver, fee)` out of the
//! same allowance. Each userOp's signature is built as the K1 MEE validator reads it for MEE
//! 2.0.0 / 2.1.0 ([`mee_primitives::fusion`]).

use std::time::Duration;

use alloy::{
    primitives::{Address, B256, Bytes, U256},
    sol,
    sol_types::{SolCall, SolValue},
};
use mee_primitives::{
    addresses::SMART_SESSIONS,
    api::{FilledUserOp, PaymentInfo, QuoteRequest, QuoteResponse, QuoteType, TokenTrigger},
    execution::{Call, encode_execute_single},
    fusion::{
        OnChainTriggerSignature, PERMIT_TYPEHASH, SdkPermitSignature, on_chain_user_op_signature,
        permit_user_op_signature,
    },
    mee_signature::{ERC20_PERMIT_MODE_PREFIX, ON_CHAIN_MODE_PREFIX, full_user_op_signature},
    nonce::NonceKey,
};

use crate::{
    chain::{ChainClient, SignedTransaction},
    error::{Error, Result},
};

sol! {
    /// The token functions a Fusion quote uses.
    interface IFusionToken {
        function transfer(address to, uint256 amount) external returns (bool);
        function transferFrom(address from, address to, uint256 amount) external returns (bool);
        function nonces(address owner) external view returns (uint256);
        function DOMAIN_SEPARATOR() external view returns (bytes32);
    }
}

/// How often a pending trigger transaction is polled.
const TRIGGER_POLL: Duration = Duration::from_millis(250);

/// What a quote request says about Fusion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FusionQuote {
    /// `permit` or `onchain`.
    pub quote_type: QuoteType,
    /// The token trigger (absent for an on-chain quote with a custom call).
    pub trigger: Option<TokenTrigger>,
    /// The owner's EOA (`paymentInfo.eoa`).
    pub eoa: Option<Address>,
}

impl FusionQuote {
    /// Reads and checks the Fusion part of a quote request: `None` for a simple quote.
    ///
    /// A permit quote needs an ERC-20 token trigger and `paymentInfo.eoa`; Fusion quotes carry
    /// owner userOps only (Smart Sessions userOps are signed by their session key, never by a
    /// trigger).
    pub fn from_request(request: &QuoteRequest) -> Result<Option<Self>> {
        let quote_type = request.quote_type;
        match quote_type {
            QuoteType::Simple => return Ok(None),
            QuoteType::Permit | QuoteType::Onchain => {}
            other => {
                return Err(Error::Unsupported(format!(
                    "quote type {:?}",
                    other.as_str()
                )));
            }
        }
        let trigger = TokenTrigger::from_value(request.trigger.as_ref())
            .map_err(|e| Error::invalid_at("trigger", e.to_string()))?;
        let eoa = request.payment_info.eoa;
        if quote_type == QuoteType::Permit {
            let Some(trigger) = &trigger else {
                return Err(Error::invalid_at(
                    "trigger",
                    "a permit quote needs a token trigger",
                ));
            };
            if trigger.token_address == Address::ZERO {
                return Err(Error::invalid_at(
                    "trigger.tokenAddress",
                    "the native token has no permit; use an on-chain quote",
                ));
            }
        }
        if trigger.is_some() && eoa.is_none() {
            return Err(Error::invalid_at(
                "paymentInfo.eoa",
                "a Fusion quote with a token trigger needs the owner's EOA",
            ));
        }
        if let Some(trigger) = &trigger
            && trigger.amount.is_zero()
        {
            return Err(Error::invalid_at(
                "trigger.amount",
                "must be greater than 0",
            ));
        }
        let session_nonces = std::iter::once(request.payment_info.nonce)
            .chain(request.user_ops.iter().map(|op| op.nonce));
        for nonce in session_nonces {
            if NonceKey::split(nonce).0.validator == SMART_SESSIONS {
                return Err(Error::Unsupported(
                    "Smart Sessions userOps in a Fusion quote".into(),
                ));
            }
        }
        Ok(Some(Self {
            quote_type,
            trigger,
            eoa,
        }))
    }

    /// The EOA that pays the fee by `transferFrom`, when the trigger token is the fee token on
    /// the fee chain (the trigger's allowance then covers the fee too); never when sponsored.
    pub fn fee_payer(&self, payment: &PaymentInfo) -> Option<Address> {
        if payment.sponsored {
            return None;
        }
        let trigger = self.trigger.as_ref()?;
        (trigger.token_address == payment.token && trigger.chain_id == payment.chain_id)
            .then_some(self.eoa)
            .flatten()
    }
}

/// The payment userOp's calldata: `transfer(receiver, fee)` from the account, or
/// `transferFrom(eoa, receiver, fee)` when a Fusion trigger's allowance pays.
pub fn payment_call_data(
    token: Address,
    fee_payer: Option<Address>,
    receiver: Address,
    fee: U256,
) -> Bytes {
    let data = match fee_payer {
        Some(from) => IFusionToken::transferFromCall {
            from,
            to: receiver,
            amount: fee,
        }
        .abi_encode(),
        None => IFusionToken::transferCall {
            to: receiver,
            amount: fee,
        }
        .abi_encode(),
    };
    encode_execute_single(&Call::new(token, data))
}

/// How the owner authorised a supertransaction, read from the exec body.
#[derive(Clone, Debug)]
pub enum Authorization {
    /// `0x177eee00`: a signature of the root (simple mode).
    Simple {
        /// The 65-byte signature.
        raw: Bytes,
        /// Who signed.
        signer: Address,
    },
    /// `0x177eee02`: an EIP-2612 permit with the root as deadline.
    Permit {
        /// The permit as the SDK sent it.
        permit: SdkPermitSignature,
        /// The owner who signed it.
        signer: Address,
        /// Whether the payment userOp is a sponsor's (then the first userOp of the user on the
        /// trigger chain submits the permit).
        sponsored: bool,
    },
    /// `0x177eee01`: a mined transaction carrying the root.
    OnChain {
        /// The trigger transaction.
        tx: SignedTransaction,
        /// Its chain.
        chain_id: u64,
    },
}

impl Authorization {
    /// Who authorised the supertransaction: it must own every (non-session) account.
    pub const fn signer(&self) -> Address {
        match self {
            Self::Simple { signer, .. } | Self::Permit { signer, .. } => *signer,
            Self::OnChain { tx, .. } => tx.from,
        }
    }

    /// The simple-mode signature, which session userOps wrap.
    pub fn simple_signature(&self) -> Option<&[u8]> {
        match self {
            Self::Simple { raw, .. } => Some(raw),
            _ => None,
        }
    }

    /// Owner userOp `index`'s full signature (MEE 2.0.0 / 2.1.0 layouts).
    pub fn user_op_signature(
        &self,
        index: usize,
        quoted: &[FilledUserOp],
        root: B256,
        proof: &[B256],
    ) -> Result<Bytes> {
        let op = &quoted[index];
        let (lower, upper) = (op.lower_bound_timestamp, op.upper_bound_timestamp);
        match self {
            Self::Simple { raw, .. } => Ok(full_user_op_signature(root, lower, upper, proof, raw)),
            Self::Permit {
                permit, sponsored, ..
            } => {
                // The user's first userOp on the trigger chain submits the permit; the others
                // only check it was signed.
                let chain = permit.chain_id.saturating_to::<u64>();
                let first_on_chain = quoted
                    .iter()
                    .enumerate()
                    .skip(usize::from(*sponsored))
                    .find_map(|(i, o)| (o.chain_id == chain).then_some(i));
                let is_permit_tx = first_on_chain == Some(index);
                Ok(permit_user_op_signature(
                    permit,
                    is_permit_tx,
                    root,
                    lower,
                    upper,
                    proof,
                ))
            }
            Self::OnChain { tx, .. } => {
                on_chain_user_op_signature(&tx.encoded, proof, lower, upper)
                    .map_err(|e| Error::InvalidSignature(format!("trigger transaction: {e}")))
            }
        }
    }
}

/// The node's view of the chains, for reading the authorisation.
pub trait ChainLookup: Sync {
    /// The client of `chain_id`, or [`Error::UnsupportedChain`].
    fn chain_client(&self, chain_id: u64) -> Result<&dyn ChainClient>;
}

/// Reads and checks the exec body's `signature` for the stored `quote`.
///
/// Permit: the typehash is EIP-2612's, the domain separator and nonce are the token's on the
/// trigger chain, the spender is an account of the supertransaction on that chain, and the
/// permit is signed by the quote's `eoa` (checked against each account's owner by the caller).
/// On-chain: the transaction exists on its chain, succeeded, ends its calldata with the root,
/// and is `confirmations` deep; a pending one is waited for up to `wait`.
pub async fn authorization(
    chains: &dyn ChainLookup,
    signature: &[u8],
    quote: &QuoteResponse,
    confirmations: u64,
    wait: Duration,
) -> Result<Authorization> {
    let quote_type = quote.quote_type.unwrap_or_default();
    let (root, quoted, eoa) = (quote.hash, &quote.user_ops, quote.payment_info.eoa);
    let prefix: [u8; 4] = signature
        .get(..4)
        .and_then(|p| p.try_into().ok())
        .ok_or_else(|| Error::InvalidSignature("shorter than its 4-byte mode prefix".into()))?;
    let expected = match quote_type {
        QuoteType::Simple => mee_primitives::mee_signature::SIMPLE_MODE_PREFIX,
        QuoteType::Permit => ERC20_PERMIT_MODE_PREFIX,
        QuoteType::Onchain => ON_CHAIN_MODE_PREFIX,
        other => {
            return Err(Error::Unsupported(format!(
                "quote type {:?}",
                other.as_str()
            )));
        }
    };
    // A permit quote may be signed on-chain instead (the SDK falls back when the permit cannot
    // be prepared); anything else must use its own mode.
    let accepted =
        prefix == expected || (quote_type == QuoteType::Permit && prefix == ON_CHAIN_MODE_PREFIX);
    if !accepted {
        return Err(Error::InvalidSignature(format!(
            "a {:?} quote must be signed with the prefix 0x{}",
            quote_type.as_str(),
            alloy::hex::encode(expected)
        )));
    }
    match prefix {
        ERC20_PERMIT_MODE_PREFIX => {
            let (permit, signer) =
                permit_authorization(chains, signature, eoa, root, quoted).await?;
            Ok(Authorization::Permit {
                permit,
                signer,
                sponsored: quote.payment_info.sponsored,
            })
        }
        ON_CHAIN_MODE_PREFIX => {
            on_chain_authorization(chains, signature, root, confirmations, wait).await
        }
        _ => simple_authorization(signature, root),
    }
}

fn simple_authorization(signature: &[u8], root: B256) -> Result<Authorization> {
    if signature.len() != 69 {
        return Err(Error::InvalidSignature(
            "expected 0x177eee00 followed by a 65-byte signature".into(),
        ));
    }
    let raw = &signature[4..];
    let signer = alloy::primitives::Signature::from_raw(raw)
        .ok()
        .and_then(|sig| sig.recover_address_from_msg(root.as_slice()).ok())
        .ok_or_else(|| Error::InvalidSignature("the signature does not recover".into()))?;
    Ok(Authorization::Simple {
        raw: Bytes::copy_from_slice(raw),
        signer,
    })
}

async fn permit_authorization(
    chains: &dyn ChainLookup,
    signature: &[u8],
    eoa: Option<Address>,
    root: B256,
    quoted: &[FilledUserOp],
) -> Result<(SdkPermitSignature, Address)> {
    let bad = |m: String| Error::InvalidSignature(format!("permit: {m}"));
    let permit = SdkPermitSignature::decode(signature).map_err(|e| bad(e.to_string()))?;
    if permit.permit_typehash != PERMIT_TYPEHASH {
        return Err(bad(format!(
            "typehash {} is not EIP-2612's Permit",
            permit.permit_typehash
        )));
    }
    let chain_id =
        u64::try_from(permit.chain_id).map_err(|_| bad(format!("chain id {}", permit.chain_id)))?;
    if !quoted
        .iter()
        .any(|op| op.chain_id == chain_id && op.user_op.sender == permit.spender)
    {
        return Err(bad(format!(
            "the spender {} is not an account of this supertransaction on chain {chain_id}",
            permit.spender
        )));
    }
    // The permit digest contains its owner: recover with the quote's EOA and compare.
    let owner = eoa.ok_or_else(|| bad("the quote names no EOA (paymentInfo.eoa)".into()))?;
    let recovered = alloy::primitives::Signature::from_raw(&permit.signature_bytes())
        .ok()
        .and_then(|sig| {
            sig.recover_address_from_prehash(&permit.digest(owner, root))
                .ok()
        });
    if recovered != Some(owner) {
        return Err(bad(format!("the permit is not signed by the EOA {owner}")));
    }
    let signer = owner;

    let chain = chains.chain_client(chain_id)?;
    let read = |data: Vec<u8>| async move {
        chain
            .call(permit.token, data.into())
            .await?
            .ok()
            .and_then(|out| B256::abi_decode(&out).ok())
            .ok_or_else(|| {
                bad(format!(
                    "token {} on chain {chain_id} has no EIP-2612 permit",
                    permit.token
                ))
            })
    };
    let separator = read(IFusionToken::DOMAIN_SEPARATORCall {}.abi_encode()).await?;
    if separator != permit.domain_separator {
        return Err(bad(format!(
            "domain separator {} is not the token's {separator}",
            permit.domain_separator
        )));
    }
    let nonce = U256::from_be_bytes(
        read(IFusionToken::noncesCall { owner: signer }.abi_encode())
            .await?
            .0,
    );
    if nonce != permit.nonce {
        return Err(bad(format!(
            "nonce {} is not the owner's current permit nonce {nonce}",
            permit.nonce
        )));
    }
    Ok((permit, signer))
}

async fn on_chain_authorization(
    chains: &dyn ChainLookup,
    signature: &[u8],
    root: B256,
    confirmations: u64,
    wait: Duration,
) -> Result<Authorization> {
    let bad = |m: String| Error::InvalidSignature(format!("on-chain trigger: {m}"));
    let trigger = OnChainTriggerSignature::decode(signature).map_err(|e| bad(e.to_string()))?;
    let chain = chains.chain_client(trigger.chain_id)?;
    let deadline = tokio::time::Instant::now() + wait;
    let tx = loop {
        let tx = chain.signed_transaction(trigger.tx_hash).await?;
        let depth = match &tx {
            Some(SignedTransaction {
                block_number: Some(block),
                ..
            }) => (chain.block_number().await? + 1).saturating_sub(*block),
            _ => 0,
        };
        match tx {
            Some(tx) if depth >= confirmations => break tx,
            _ if tokio::time::Instant::now() >= deadline => {
                return Err(Error::invalid_at(
                    "signature",
                    format!(
                        "trigger transaction {} on chain {} is not mined with {confirmations} \
                         confirmation(s) yet (seen {depth}); retry once it is",
                        trigger.tx_hash, trigger.chain_id
                    ),
                ));
            }
            _ => tokio::time::sleep(TRIGGER_POLL).await,
        }
    };
    if tx.success != Some(true) {
        return Err(bad(format!("transaction {} reverted", trigger.tx_hash)));
    }
    if tx.input.len() < 32 || tx.input[tx.input.len() - 32..] != root[..] {
        return Err(bad(format!(
            "transaction {} does not end its calldata with the supertransaction hash {root}",
            trigger.tx_hash
        )));
    }
    Ok(Authorization::OnChain {
        tx,
        chain_id: trigger.chain_id,
    })
}

#[cfg(test)]
mod tests {
    use mee_primitives::api::UserOpRequest;
    use serde_json::json;

    use super::*;

    fn request(quote_type: &str, trigger: serde_json::Value, eoa: Option<&str>) -> QuoteRequest {
        let mut payment = json!({
            "sponsored": false,
            "sender": "0x1111111111111111111111111111111111111111",
            "token": "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913",
            "nonce": "0", "callGasLimit": "75000", "verificationGasLimit": "150000",
            "chainId": "8453",
        });
        if let Some(eoa) = eoa {
            payment["eoa"] = json!(eoa);
        }
        let mut body = json!({
            "quoteType": quote_type,
            "userOps": [],
            "paymentInfo": payment,
            "meeVersions": [],
        });
        if !trigger.is_null() {
            body["trigger"] = trigger;
        }
        serde_json::from_value(body).unwrap()
    }

    fn usdc_trigger() -> serde_json::Value {
        json!({
            "tokenAddress": "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913",
            "chainId": 8453, "gasLimit": "75000", "amount": "3000000",
        })
    }

    const EOA: &str = "0x2222222222222222222222222222222222222222";

    #[test]
    fn simple_quotes_are_not_fusion() {
        let r = request("simple", serde_json::Value::Null, None);
        assert_eq!(FusionQuote::from_request(&r).unwrap(), None);
    }

    #[test]
    fn permit_quote_with_a_token_trigger() {
        let r = request("permit", usdc_trigger(), Some(EOA));
        let fusion = FusionQuote::from_request(&r).unwrap().unwrap();
        assert_eq!(fusion.quote_type, QuoteType::Permit);
        let trigger = fusion.trigger.as_ref().unwrap();
        assert_eq!(trigger.amount, U256::from(3_000_000u64));
        assert_eq!(trigger.gas_limit, Some(75_000));
        assert_eq!(
            fusion.fee_payer(&r.payment_info),
            Some(EOA.parse().unwrap())
        );
    }

    #[test]
    fn fee_is_taken_from_the_account_when_the_trigger_is_another_token() {
        let mut trigger = usdc_trigger();
        trigger["tokenAddress"] = json!("0x3333333333333333333333333333333333333333");
        let r = request("onchain", trigger, Some(EOA));
        let fusion = FusionQuote::from_request(&r).unwrap().unwrap();
        assert_eq!(fusion.fee_payer(&r.payment_info), None);
    }

    #[test]
    fn refuses_incomplete_fusion_requests() {
        let no_trigger = request("permit", serde_json::Value::Null, Some(EOA));
        assert!(matches!(
            FusionQuote::from_request(&no_trigger),
            Err(Error::InvalidRequest { path: Some(p), .. }) if p == "trigger"
        ));
        let no_eoa = request("permit", usdc_trigger(), None);
        assert!(matches!(
            FusionQuote::from_request(&no_eoa),
            Err(Error::InvalidRequest { path: Some(p), .. }) if p == "paymentInfo.eoa"
        ));
        let mut native = usdc_trigger();
        native["tokenAddress"] = json!(Address::ZERO);
        assert!(FusionQuote::from_request(&request("permit", native, Some(EOA))).is_err());
        let mut zero = usdc_trigger();
        zero["amount"] = json!("0");
        assert!(FusionQuote::from_request(&request("onchain", zero, Some(EOA))).is_err());
        assert!(matches!(
            FusionQuote::from_request(&request("mm-dtk", usdc_trigger(), Some(EOA))),
            Err(Error::Unsupported(_))
        ));
    }

    #[test]
    fn sponsored_fusion_quotes_never_pull_the_fee_from_the_eoa() {
        let mut r = request("permit", usdc_trigger(), Some(EOA));
        r.payment_info.sponsored = true;
        let fusion = FusionQuote::from_request(&r).unwrap().unwrap();
        assert_eq!(fusion.fee_payer(&r.payment_info), None);
    }

    #[test]
    fn custom_call_onchain_quotes_have_no_token_trigger() {
        let r = request("onchain", serde_json::Value::Null, Some(EOA));
        let fusion = FusionQuote::from_request(&r).unwrap().unwrap();
        assert_eq!(fusion.trigger, None);
        assert_eq!(fusion.fee_payer(&r.payment_info), None);
    }

    #[test]
    fn session_userops_are_refused() {
        let mut r = request("permit", usdc_trigger(), Some(EOA));
        let op: UserOpRequest = serde_json::from_value(json!({
            "lowerBoundTimestamp": 1, "upperBoundTimestamp": 2,
            "sender": "0x1111111111111111111111111111111111111111", "callData": "0x",
            "callGasLimit": "1", "chainId": "8453", "isCleanUpUserOp": false,
            "nonce": NonceKey::new(0, Default::default(), SMART_SESSIONS).nonce(0).to_string(),
        }))
        .unwrap();
        r.user_ops.push(op);
        assert!(matches!(
            FusionQuote::from_request(&r),
            Err(Error::Unsupported(_))
        ));
    }

    fn filled(chain_id: u64) -> FilledUserOp {
        FilledUserOp {
            user_op: mee_primitives::api::UserOpJson {
                sender: Address::repeat_byte(1),
                nonce: U256::ZERO,
                init_code: Bytes::new(),
                call_data: Bytes::new(),
                call_gas_limit: 1,
                verification_gas_limit: 1,
                max_fee_per_gas: 1,
                max_priority_fee_per_gas: 1,
                paymaster_and_data: Bytes::new(),
                pre_verification_gas: U256::ZERO,
                signature: None,
            },
            user_op_hash: B256::ZERO,
            mee_user_op_hash: B256::ZERO,
            lower_bound_timestamp: 10,
            upper_bound_timestamp: 20,
            max_gas_limit: 1,
            max_fee_per_gas: 1,
            chain_id,
            eip7702_auth: None,
            is_clean_up_user_op: false,
            session_details: None,
            short_encoding: false,
            metadata: None,
            execution_simulation_retry_delay: None,
        }
    }

    /// The `isPermitTx` word of a full permit userOp signature.
    fn is_permit_tx(signature: &[u8]) -> bool {
        signature[4 + 6 * 32 + 31] == 1
    }

    #[test]
    fn only_the_users_first_userop_on_the_trigger_chain_submits_the_permit() {
        let permit = SdkPermitSignature {
            token: Address::repeat_byte(2),
            spender: Address::repeat_byte(1),
            domain_separator: B256::repeat_byte(3),
            permit_typehash: PERMIT_TYPEHASH,
            amount: U256::from(5),
            chain_id: U256::from(8453),
            nonce: U256::ZERO,
            v: 27,
            r: B256::repeat_byte(4),
            s: B256::repeat_byte(5),
        };
        let quoted = [filled(10), filled(8453), filled(8453), filled(10)];
        let flags = |sponsored: bool| -> Vec<bool> {
            let auth = Authorization::Permit {
                permit,
                signer: Address::repeat_byte(6),
                sponsored,
            };
            (0..quoted.len())
                .map(|i| {
                    let sig = auth
                        .user_op_signature(i, &quoted, B256::repeat_byte(7), &[])
                        .unwrap();
                    is_permit_tx(&sig)
                })
                .collect()
        };
        assert_eq!(flags(false), [false, true, false, false]);
        let quoted_on_trigger_chain = [filled(8453), filled(8453), filled(10)];
        let auth = |sponsored| Authorization::Permit {
            permit,
            signer: Address::repeat_byte(6),
            sponsored,
        };
        let first = |sponsored, i| {
            is_permit_tx(
                &auth(sponsored)
                    .user_op_signature(i, &quoted_on_trigger_chain, B256::ZERO, &[])
                    .unwrap(),
            )
        };
        assert!(first(false, 0), "the payment op submits the permit");
        assert!(!first(false, 1));
        assert!(!first(true, 0), "a sponsor's payment op does not");
        assert!(first(true, 1), "the user's first op does");
    }

    #[test]
    fn payment_call_data_uses_transfer_from_for_the_eoa() {
        let token = Address::repeat_byte(1);
        let eoa = Address::repeat_byte(2);
        let receiver = Address::repeat_byte(3);
        let with_eoa = payment_call_data(token, Some(eoa), receiver, U256::from(7));
        let expected = IFusionToken::transferFromCall {
            from: eoa,
            to: receiver,
            amount: U256::from(7),
        }
        .abi_encode();
        assert!(
            with_eoa
                .windows(expected.len())
                .any(|w| w == expected.as_slice())
        );
        let plain = payment_call_data(token, None, receiver, U256::from(7));
        let expected = IFusionToken::transferCall {
            to: receiver,
            amount: U256::from(7),
        }
        .abi_encode();
        assert!(
            plain
                .windows(expected.len())
                .any(|w| w == expected.as_slice())
        );
    }
}
