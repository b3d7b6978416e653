//! Fusion: supertransactions started by a token trigger of the owner's EOA (the SDK's
//! `getFusionQuote`, `signFusionQuote` and `executeFusionQuote`).
//!
//! The EOA holds the tokens; its account does not. The quote gets a first instruction
//! `transferFrom(eoa → recipient, amount)` on the trigger chain, and the node's payment userOp
//! pulls the fee from the EOA too, so the trigger's allowance is `amount + fee`. The owner then
//! authorises the whole supertransaction in one of two ways:
//!
//! - [`FusionMode::Permit`]: an EIP-2612 permit of the token to its account whose `deadline` is
//!   the supertransaction hash (no transaction from the EOA, no gas);
//! - [`FusionMode::OnChain`]: an `approve(account, amount + fee)` transaction whose calldata ends
//!   with the hash; the node waits until it is mined.
//!
//! ```no_run
//! # async fn run(client: mee_sdk::MeeClient, owner: alloy::signers::local::PrivateKeySigner,
//! #     params: mee_sdk::quote::QuoteParams) -> mee_sdk::Result<()> {
//! use alloy::primitives::{U256, address};
//! use mee_sdk::fusion::{FusionMode, Trigger};
//!
//! let usdc = address!("0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913");
//! let trigger = Trigger::new(usdc, 8453, U256::from(3_000_000u64));
//! let fusion = client.fusion_quote(params, trigger, FusionMode::Permit).await?;
//! let signed = client.sign_permit_quote(&fusion, &owner).await?;
//! let hash = client.exec(&signed).await?;
//! # Ok(()) }
//! ```

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, Bytes, U256},
    providers::Provider,
    rpc::types::TransactionRequest,
    signers::SignerSync,
    sol,
    sol_types::SolCall,
};
use mee_primitives::{
    api::{ExecRequest, MeeVersionEntry, QuoteResponse, QuoteType, TokenTrigger},
    fusion::{
        OnChainTriggerSignature, PERMIT_TYPEHASH, SdkPermitSignature, on_chain_trigger_calldata,
        permit_digest,
    },
};

use crate::{
    MeeClient,
    account::MultichainAccount,
    error::{Error, Result},
    instruction::{Calls, Erc20Instruction, Instruction},
    quote::{DEFAULT_PAYMENT_GAS_LIMIT, QuoteParams, mee_version_entry},
};

sol! {
    /// The EIP-2612 reads of a permit.
    interface IPermitToken {
        function nonces(address owner) external view returns (uint256);
        function DOMAIN_SEPARATOR() external view returns (bytes32);
        function approve(address spender, uint256 amount) external returns (bool);
    }
}

/// How the owner authorises a Fusion quote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FusionMode {
    /// An EIP-2612 permit with the supertransaction hash as deadline (`quoteType: "permit"`).
    Permit,
    /// An `approve` transaction carrying the hash (`quoteType: "onchain"`).
    OnChain,
}

impl FusionMode {
    /// The quote type sent to the node.
    pub const fn quote_type(self) -> QuoteType {
        match self {
            Self::Permit => QuoteType::Permit,
            Self::OnChain => QuoteType::Onchain,
        }
    }
}

/// A token trigger (the SDK's `TokenTrigger`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trigger {
    /// The ERC-20 token the EOA holds.
    pub token: Address,
    /// The trigger chain.
    pub chain_id: u64,
    /// The amount moved from the EOA, without the fee.
    pub amount: U256,
    /// A larger allowance to grant than `amount + fee`.
    pub approval_amount: Option<U256>,
    /// Who receives the amount (default: the account on the trigger chain).
    pub recipient: Option<Address>,
    /// Gas of the `transferFrom` call (default 75,000).
    pub gas_limit: Option<u64>,
}

impl Trigger {
    /// `amount` of `token` on `chain_id`, to the account.
    pub const fn new(token: Address, chain_id: u64, amount: U256) -> Self {
        Self {
            token,
            chain_id,
            amount,
            approval_amount: None,
            recipient: None,
            gas_limit: None,
        }
    }

    /// Sends the amount to `recipient` instead of the account.
    pub const fn recipient(mut self, recipient: Address) -> Self {
        self.recipient = Some(recipient);
        self
    }

    /// Grants `approval` (at least the amount plus the fee).
    pub const fn approval_amount(mut self, approval: U256) -> Self {
        self.approval_amount = Some(approval);
        self
    }

    /// The gas limit of the `transferFrom` call.
    pub const fn gas_limit(mut self, gas_limit: u64) -> Self {
        self.gas_limit = Some(gas_limit);
        self
    }

    fn wire(&self, amount: U256) -> TokenTrigger {
        TokenTrigger {
            token_address: self.token,
            chain_id: self.chain_id,
            gas_limit: Some(self.gas_limit.map_or(DEFAULT_PAYMENT_GAS_LIMIT, u128::from)),
            amount,
            approval_amount: self.approval_amount,
            recipient_address: self.recipient,
        }
    }
}

/// A Fusion quote and its trigger, whose amount includes the fee (the SDK's `FusionQuote`).
#[derive(Clone, Debug, PartialEq)]
pub struct FusionQuote {
    /// The node's quote.
    pub quote: QuoteResponse,
    /// The trigger as signed and sent to exec: `amount` = the trigger amount + the fee.
    pub trigger: TokenTrigger,
    /// The owner's EOA.
    pub owner: Address,
    /// The account on the trigger chain (the permit's spender).
    pub spender: Address,
}

impl FusionQuote {
    /// The allowance the owner grants: `approvalAmount`, else amount + fee.
    pub fn allowance(&self) -> U256 {
        self.trigger.allowance()
    }
}

impl MeeClient {
    /// The SDK's `getFusionQuote` for a token trigger: prepends `transferFrom(eoa → recipient,
    /// amount)` on the trigger chain, sets `paymentInfo.eoa`, asks `POST quote-permit` for a
    /// `mode` quote and adds the fee to the trigger amount (unless sponsored).
    pub async fn fusion_quote(
        &self,
        params: QuoteParams,
        trigger: Trigger,
        mode: FusionMode,
    ) -> Result<FusionQuote> {
        if trigger.token == Address::ZERO {
            return Err(Error::Fusion(
                "native-token triggers are not supported; use an ERC-20".into(),
            ));
        }
        if trigger.amount.is_zero() {
            return Err(Error::Fusion("the trigger amount must not be zero".into()));
        }
        let owner = self.account().signer().ok_or(Error::MissingSigner)?;
        let spender = self.account().address_on(trigger.chain_id)?;
        let recipient = trigger.recipient.unwrap_or(spender);
        let pull = Erc20Instruction::transfer_from(
            trigger.chain_id,
            trigger.token,
            owner,
            recipient,
            trigger.amount,
        )
        .gas_limit(
            trigger
                .gas_limit
                .unwrap_or(DEFAULT_PAYMENT_GAS_LIMIT as u64),
        )
        .build();
        // As the SDK does: when any instruction is composable, so is the trigger's pull.
        let pull = if params
            .instruction_list()
            .iter()
            .any(|instruction| instruction.calls.is_composable())
        {
            Instruction {
                calls: Calls::Composable(pull.calls.into_composable()),
                ..pull
            }
        } else {
            pull
        };
        let mut instructions = vec![pull];
        instructions.extend(params.instruction_list().iter().cloned());
        let params = params.replace_instructions(instructions).eoa(owner);
        let sponsored = params.is_sponsored();

        let mut request = self.quote_request(&params).await?;
        request.quote_type = mode.quote_type();
        request.trigger =
            Some(serde_json::to_value(trigger.wire(trigger.amount)).map_err(Error::BadResponse)?);
        let quote: QuoteResponse = self.post_json("quote-permit", &request).await?;
        let fee = if sponsored {
            U256::ZERO
        } else {
            quote.payment_info.token_wei_amount.unwrap_or_default()
        };
        Ok(FusionQuote {
            trigger: trigger.wire(trigger.amount + fee),
            quote,
            owner,
            spender,
        })
    }

    /// The SDK's `signPermitQuote` (MEE < 3.0.0): reads the owner's permit nonce and the token's
    /// `DOMAIN_SEPARATOR` on the trigger chain and signs the permit with `signer` (the owner).
    pub async fn sign_permit_quote(
        &self,
        fusion: &FusionQuote,
        signer: &impl SignerSync,
    ) -> Result<ExecRequest> {
        let chain_id = fusion.trigger.chain_id;
        let token = fusion.trigger.token_address;
        let rpc = self.account().rpc_on(chain_id)?;
        let nonce = rpc
            .call_sol(
                chain_id,
                token,
                &IPermitToken::noncesCall {
                    owner: fusion.owner,
                },
            )
            .await?;
        let domain_separator = rpc
            .call_sol(chain_id, token, &IPermitToken::DOMAIN_SEPARATORCall {})
            .await?;
        sign_permit(self.account(), fusion, nonce, domain_separator, signer)
    }

    /// The SDK's `signOnChainQuote` for an ERC-20 trigger: sends `approve(account, allowance) ‖
    /// hash` from the owner's EOA through `wallet` (a provider of the trigger chain that signs
    /// as the owner), waits for `confirmations`, and builds the exec body.
    pub async fn sign_on_chain_quote<P: Provider>(
        &self,
        fusion: &FusionQuote,
        wallet: &P,
        confirmations: u64,
    ) -> Result<ExecRequest> {
        let tx = TransactionRequest::default()
            .with_from(fusion.owner)
            .with_to(fusion.trigger.token_address)
            .with_input(on_chain_call_data(fusion));
        let rpc_error =
            |e: &dyn std::fmt::Display| Error::Fusion(format!("trigger transaction: {e}"));
        let receipt = wallet
            .send_transaction(tx)
            .await
            .map_err(|e| rpc_error(&e))?
            .with_required_confirmations(confirmations.max(1))
            .get_receipt()
            .await
            .map_err(|e| rpc_error(&e))?;
        if !receipt.status() {
            return Err(Error::Fusion(format!(
                "trigger transaction {} reverted",
                receipt.transaction_hash
            )));
        }
        on_chain_exec_request(self.account(), fusion, receipt.transaction_hash)
    }

    async fn post_json<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: &impl serde::Serialize,
    ) -> Result<T> {
        self.request(reqwest::Method::POST, path, Some(body)).await
    }
}

/// The permit's EIP-712 digest and the exec body, offline: `0x177eee02 ‖ (token, spender,
/// domainSeparator, PERMIT_TYPEHASH, allowance, chainId, nonce, v, r, s)`.
pub fn sign_permit(
    account: &MultichainAccount,
    fusion: &FusionQuote,
    nonce: U256,
    domain_separator: B256,
    signer: &impl SignerSync,
) -> Result<ExecRequest> {
    let value = fusion.allowance();
    let digest = permit_digest(
        domain_separator,
        fusion.owner,
        fusion.spender,
        value,
        nonce,
        U256::from_be_bytes(fusion.quote.hash.0),
    );
    let signature = signer.sign_hash_sync(&digest)?;
    let bytes = signature.as_bytes();
    let permit = SdkPermitSignature {
        token: fusion.trigger.token_address,
        spender: fusion.spender,
        domain_separator,
        permit_typehash: PERMIT_TYPEHASH,
        amount: value,
        chain_id: U256::from(fusion.trigger.chain_id),
        nonce,
        v: bytes[64],
        r: B256::from_slice(&bytes[..32]),
        s: B256::from_slice(&bytes[32..64]),
    };
    exec_request(account, fusion, permit.encode())
}

/// The calldata of the on-chain trigger: `approve(account, allowance) ‖ hash`.
pub fn on_chain_call_data(fusion: &FusionQuote) -> Bytes {
    let approve = IPermitToken::approveCall {
        spender: fusion.spender,
        amount: fusion.allowance(),
    }
    .abi_encode();
    on_chain_trigger_calldata(&approve, fusion.quote.hash)
}

/// The exec body once the trigger transaction `tx_hash` is mined: `0x177eee01 ‖ (txHash,
/// chainId)`.
pub fn on_chain_exec_request(
    account: &MultichainAccount,
    fusion: &FusionQuote,
    tx_hash: B256,
) -> Result<ExecRequest> {
    let signature = OnChainTriggerSignature {
        tx_hash,
        chain_id: fusion.trigger.chain_id,
    };
    exec_request(account, fusion, signature.encode())
}

fn exec_request(
    account: &MultichainAccount,
    fusion: &FusionQuote,
    signature: Bytes,
) -> Result<ExecRequest> {
    let mut signed = ExecRequest::new(fusion.quote.clone(), signature);
    signed.mee_versions = mee_versions(account, &fusion.quote)?;
    signed.trigger = Some(serde_json::to_value(&fusion.trigger).map_err(Error::BadResponse)?);
    Ok(signed)
}

/// The versions of the chains of the userOps the owner signs (all but a sponsored payment op).
fn mee_versions(
    account: &MultichainAccount,
    quote: &QuoteResponse,
) -> Result<Vec<MeeVersionEntry>> {
    let start = usize::from(quote.payment_info.sponsored);
    let mut chains: Vec<u64> = Vec::new();
    for op in quote.user_ops.iter().skip(start) {
        if !chains.contains(&op.chain_id) {
            chains.push(op.chain_id);
        }
    }
    chains
        .into_iter()
        .map(|chain_id| {
            Ok(mee_version_entry(
                account.deployment_on(chain_id)?.version,
                chain_id,
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use alloy::{
        primitives::{address, b256},
        signers::local::PrivateKeySigner,
    };
    use mee_primitives::{
        addresses::DEVNET_USDC, api::PaymentInfo, fusion::token_domain_separator,
    };

    use super::*;

    fn fusion(owner: Address) -> (MultichainAccount, FusionQuote) {
        let spender = address!("0x1111111111111111111111111111111111111111");
        let account = MultichainAccount::at(spender, [8453]).with_signer(owner);
        let quote = QuoteResponse {
            hash: b256!("0x2222222222222222222222222222222222222222222222222222222222222222"),
            node: Address::repeat_byte(3),
            commitment: Bytes::new(),
            quote_type: Some(QuoteType::Permit),
            payment_info: PaymentInfo {
                sponsored: false,
                sender: spender,
                token: DEVNET_USDC,
                nonce: U256::ZERO,
                call_gas_limit: 75_000,
                verification_gas_limit: 150_000,
                chain_id: 8453,
                gas_refund_address: None,
                eoa: Some(owner),
                init_code: None,
                eip7702_auth: None,
                short_encoding: None,
                session_details: None,
                sponsorship_url: None,
                token_amount: None,
                token_wei_amount: Some(U256::from(10_000u64)),
                token_value: None,
            },
            user_ops: Vec::new(),
        };
        let trigger = Trigger::new(DEVNET_USDC, 8453, U256::from(3_010_000u64))
            .wire(U256::from(3_010_000u64));
        (
            account,
            FusionQuote {
                quote,
                trigger,
                owner,
                spender,
            },
        )
    }

    #[test]
    fn permit_signature_recovers_to_the_owner_under_the_token_domain() {
        let owner = PrivateKeySigner::random();
        let (account, fusion) = fusion(owner.address());
        let domain = token_domain_separator("USD Coin", "2", 8453, DEVNET_USDC);
        let signed = sign_permit(&account, &fusion, U256::from(5), domain, &owner).unwrap();
        let permit = SdkPermitSignature::decode(&signed.signature).unwrap();
        assert_eq!(permit.token, DEVNET_USDC);
        assert_eq!(permit.spender, fusion.spender);
        assert_eq!(permit.amount, U256::from(3_010_000u64));
        assert_eq!(permit.nonce, U256::from(5));
        assert_eq!(permit.chain_id, U256::from(8453));
        assert_eq!(permit.domain_separator, domain);
        let sig = alloy::primitives::Signature::from_raw(&permit.signature_bytes()).unwrap();
        let digest = permit.digest(owner.address(), fusion.quote.hash);
        assert_eq!(
            sig.recover_address_from_prehash(&digest).unwrap(),
            owner.address()
        );
        assert_eq!(signed.trigger.as_ref().unwrap()["amount"], "3010000");
        assert_eq!(signed.mee_versions.len(), 0, "no userOps in this quote");
    }

    #[test]
    fn on_chain_trigger_calldata_and_exec_body() {
        let owner = Address::repeat_byte(9);
        let (account, fusion) = fusion(owner);
        let data = on_chain_call_data(&fusion);
        assert_eq!(&data[..4], &IPermitToken::approveCall::SELECTOR);
        assert_eq!(&data[data.len() - 32..], fusion.quote.hash.as_slice());
        let approve = IPermitToken::approveCall::abi_decode(&data[..data.len() - 32]).unwrap();
        assert_eq!(approve.spender, fusion.spender);
        assert_eq!(approve.amount, fusion.allowance());

        let tx_hash = B256::repeat_byte(0x42);
        let signed = on_chain_exec_request(&account, &fusion, tx_hash).unwrap();
        assert_eq!(
            OnChainTriggerSignature::decode(&signed.signature).unwrap(),
            OnChainTriggerSignature {
                tx_hash,
                chain_id: 8453
            }
        );
    }

    /// `tests/vectors/fusion.json`, written by the TypeScript SDK's own functions.
    fn vectors() -> serde_json::Value {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/vectors/fusion.json"
        );
        serde_json::from_str(&std::fs::read_to_string(path).expect("fusion.json")).unwrap()
    }

    fn vector_fusion(case: &serde_json::Value, owner: Address) -> (MultichainAccount, FusionQuote) {
        let (account, mut fusion) = fusion(owner);
        let parse_u256 = |v: &serde_json::Value| v.as_str().map(|s| s.parse::<U256>().unwrap());
        fusion.spender = case["spender"].as_str().unwrap().parse().unwrap();
        fusion.quote.hash = case["quoteHash"].as_str().unwrap().parse().unwrap();
        fusion.trigger.amount = parse_u256(&case["amount"]).unwrap();
        fusion.trigger.approval_amount = parse_u256(&case["approvalAmount"]);
        (account, fusion)
    }

    #[test]
    fn permit_signatures_equal_the_typescript_sdk() {
        let file = vectors();
        let cases = file["permits"].as_array().unwrap();
        assert!(!cases.is_empty());
        for case in cases {
            let signer: PrivateKeySigner =
                case["ownerPrivateKey"].as_str().unwrap().parse().unwrap();
            let (account, fusion) = vector_fusion(case, signer.address());
            let nonce: U256 = case["nonce"].as_str().unwrap().parse().unwrap();
            let domain: B256 = case["domainSeparator"].as_str().unwrap().parse().unwrap();
            assert_eq!(
                domain,
                token_domain_separator("USD Coin", "2", 8453, DEVNET_USDC)
            );
            let signed = sign_permit(&account, &fusion, nonce, domain, &signer).unwrap();
            assert_eq!(
                signed.signature.to_string(),
                case["signature"].as_str().unwrap(),
                "{}",
                case["name"]
            );
        }
    }

    #[test]
    fn on_chain_triggers_equal_the_typescript_sdk() {
        let file = vectors();
        let cases = file["onChain"].as_array().unwrap();
        assert!(!cases.is_empty());
        for case in cases {
            let (account, fusion) = vector_fusion(case, Address::repeat_byte(9));
            assert_eq!(
                on_chain_call_data(&fusion).to_string(),
                case["callData"].as_str().unwrap(),
                "{}",
                case["name"]
            );
            let tx_hash: B256 = case["txHash"].as_str().unwrap().parse().unwrap();
            let signed = on_chain_exec_request(&account, &fusion, tx_hash).unwrap();
            assert_eq!(
                signed.signature.to_string(),
                case["signature"].as_str().unwrap()
            );
        }
    }

    #[test]
    fn approval_amount_overrides_the_allowance() {
        let (_, mut fusion) = fusion(Address::repeat_byte(9));
        fusion.trigger.approval_amount = Some(U256::from(9_999_999u64));
        assert_eq!(fusion.allowance(), U256::from(9_999_999u64));
    }
}
