//! Fusion supertransactions through the router on the devnet: a USDC permit trigger, an
//! on-chain `approve` trigger, and refused permits.

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, U256},
    providers::Provider,
    rpc::types::TransactionRequest,
    signers::{SignerSync, local::PrivateKeySigner},
    sol,
    sol_types::SolCall,
};
use axum::http::StatusCode;
use mee_contracts::tokens::TestUSDC;
use mee_primitives::{
    addresses::DEVNET_USDC,
    api::{ExecRequest, ExecutionStatus, QuoteRequest, QuoteResponse, QuoteType, UserOpRequest},
    execution::{Call, encode_calls},
    fusion::{
        OnChainTriggerSignature, PERMIT_TYPEHASH, SdkPermitSignature, on_chain_trigger_calldata,
        permit_digest,
    },
    mee_signature::quote_signature,
};
use serde_json::json;

use crate::common::{Account, BASE, FEE_RECEIVER, TestNode, quote_request};

sol! {
    interface IFusionErc20 {
        function transfer(address to, uint256 amount) external returns (bool);
        function transferFrom(address from, address to, uint256 amount) external returns (bool);
        function approve(address spender, uint256 amount) external returns (bool);
    }
}

/// The node's executors, stopped on drop.
struct Executors(tokio::sync::watch::Sender<bool>);

impl Executors {
    fn start(node: &TestNode) -> Self {
        let (stop, shutdown) = tokio::sync::watch::channel(false);
        node.node.spawn_executors(&shutdown);
        Self(stop)
    }
}

impl Drop for Executors {
    fn drop(&mut self) {
        let _ = self.0.send(true);
    }
}

/// USDC base units.
fn usdc(whole: u64) -> U256 {
    U256::from(whole) * U256::from(1_000_000u64)
}

/// What the SDK's `getFusionQuote` sends for a USDC trigger of `amount` on Base whose funds go to
/// `recipient`: the trigger's `transferFrom(eoa → account)` batched with the transfer, the
/// payment op deploying the account, and `paymentInfo.eoa`.
async fn fusion_request(
    node: &TestNode,
    account: &Account,
    quote_type: QuoteType,
    amount: U256,
    recipient: Address,
) -> QuoteRequest {
    let eoa = account.owner.address();
    let calls = [
        Call::new(
            DEVNET_USDC,
            IFusionErc20::transferFromCall {
                from: eoa,
                to: account.address,
                amount,
            }
            .abi_encode(),
        ),
        Call::new(
            DEVNET_USDC,
            IFusionErc20::transferCall {
                to: recipient,
                amount,
            }
            .abi_encode(),
        ),
    ];
    let mut op: UserOpRequest = account
        .transfer_op(node, BASE, recipient, amount, false)
        .await;
    op.call_data = encode_calls(&calls).expect("two calls");
    let mut payment = account.payment(node, true).await;
    payment.eoa = Some(eoa);
    let mut request = quote_request(vec![op], payment);
    request.quote_type = quote_type;
    request.trigger = Some(json!({
        "tokenAddress": DEVNET_USDC,
        "chainId": BASE,
        "gasLimit": "75000",
        "amount": amount.to_string(),
    }));
    request
}

async fn quote_permit(node: &TestNode, request: &QuoteRequest) -> QuoteResponse {
    // The SDK's feePayer path has a leading slash: `…/v1//quote-permit`.
    let (status, body) = node.post("/v1//quote-permit", request).await;
    assert_eq!(status, StatusCode::OK, "quote-permit refused: {body}");
    serde_json::from_value(body).expect("a quote")
}

/// The exec body of a permit quote as `signPermitQuote` builds it (MEE < 3.0.0).
async fn sign_permit(
    node: &TestNode,
    signer: &PrivateKeySigner,
    owner: Address,
    spender: Address,
    value: U256,
    quote: &QuoteResponse,
) -> ExecRequest {
    sign_permit_with(node, signer, owner, spender, value, quote, |_, _| {}).await
}

/// [`sign_permit`] after `tweak` changed the nonce or the domain separator.
async fn sign_permit_with(
    node: &TestNode,
    signer: &PrivateKeySigner,
    owner: Address,
    spender: Address,
    value: U256,
    quote: &QuoteResponse,
    tweak: impl FnOnce(&mut U256, &mut B256),
) -> ExecRequest {
    let usdc = TestUSDC::new(DEVNET_USDC, node.provider(BASE));
    let mut nonce = usdc.nonces(owner).call().await.expect("nonces");
    let mut domain_separator = usdc.DOMAIN_SEPARATOR().call().await.expect("separator");
    tweak(&mut nonce, &mut domain_separator);
    let digest = permit_digest(
        domain_separator,
        owner,
        spender,
        value,
        nonce,
        U256::from_be_bytes(quote.hash.0),
    );
    let sig = signer.sign_hash_sync(&digest).expect("sign");
    let bytes = sig.as_bytes();
    let permit = SdkPermitSignature {
        token: DEVNET_USDC,
        spender,
        domain_separator,
        permit_typehash: PERMIT_TYPEHASH,
        amount: value,
        chain_id: U256::from(BASE),
        nonce,
        v: bytes[64],
        r: B256::from_slice(&bytes[..32]),
        s: B256::from_slice(&bytes[32..64]),
    };
    let mut exec = ExecRequest::new(quote.clone(), permit.encode());
    exec.trigger = Some(json!({
        "tokenAddress": DEVNET_USDC, "chainId": BASE, "gasLimit": "75000",
        "amount": value.to_string(),
    }));
    exec
}

fn fee_of(quote: &QuoteResponse) -> U256 {
    quote.payment_info.token_wei_amount.expect("tokenWeiAmount")
}

async fn assert_all_succeeded(node: &TestNode, hash: B256) {
    let done = node.wait_final(hash).await;
    for op in &done.user_ops {
        assert_eq!(
            op.execution_status,
            ExecutionStatus::MinedSuccess,
            "{:?}",
            op.execution_error
        );
    }
}

#[tokio::test]
async fn permit_trigger_moves_the_tokens_and_the_eoa_pays_amount_and_fee() {
    let node = TestNode::start().await;
    let _executors = Executors::start(&node);
    let owner = node.devnet.test_keys()[3].signer();
    let account = Account::new(&node, owner.clone(), 31).await;
    let recipient = Address::repeat_byte(0x5a);
    let amount = usdc(3);

    let request = fusion_request(&node, &account, QuoteType::Permit, amount, recipient).await;
    let quote = quote_permit(&node, &request).await;
    assert_eq!(quote.quote_type, Some(QuoteType::Permit));
    let fee = fee_of(&quote);
    assert!(fee > U256::ZERO);

    let eoa_before = node.usdc_balance(BASE, owner.address()).await;
    let receiver_before = node.usdc_balance(BASE, FEE_RECEIVER).await;
    let exec = sign_permit(
        &node,
        &owner,
        owner.address(),
        account.address,
        amount + fee,
        &quote,
    )
    .await;
    let (status, body) = node.post("/v1/exec", &exec).await;
    assert_eq!(status, StatusCode::OK, "exec refused: {body}");
    assert_all_succeeded(&node, quote.hash).await;

    assert!(account.is_deployed(&node, BASE).await);
    assert_eq!(node.usdc_balance(BASE, recipient).await, amount);
    assert_eq!(
        node.usdc_balance(BASE, owner.address()).await,
        eoa_before - amount - fee,
        "the EOA paid the amount and the fee"
    );
    assert_eq!(
        node.usdc_balance(BASE, FEE_RECEIVER).await,
        receiver_before + fee
    );
    assert_eq!(node.usdc_balance(BASE, account.address).await, U256::ZERO);
    let usdc = TestUSDC::new(DEVNET_USDC, node.provider(BASE));
    assert_eq!(
        usdc.allowance(owner.address(), account.address)
            .call()
            .await
            .unwrap(),
        U256::ZERO,
        "the permit's allowance is used up exactly"
    );
}

#[tokio::test]
async fn on_chain_trigger_waits_for_the_approve_and_executes() {
    let node = TestNode::start().await;
    let _executors = Executors::start(&node);
    let owner = node.devnet.test_keys()[4].signer();
    let account = Account::new(&node, owner.clone(), 32).await;
    let recipient = Address::repeat_byte(0x5b);
    let amount = usdc(2);

    let request = fusion_request(&node, &account, QuoteType::Onchain, amount, recipient).await;
    let quote = quote_permit(&node, &request).await;
    assert_eq!(quote.quote_type, Some(QuoteType::Onchain));
    let fee = fee_of(&quote);
    let eoa_before = node.usdc_balance(BASE, owner.address()).await;

    // An exec naming a transaction the chain does not know is refused (after the bounded wait).
    let unknown = OnChainTriggerSignature {
        tx_hash: B256::repeat_byte(0x77),
        chain_id: BASE,
    };
    let (status, body) = node
        .post(
            "/v1/exec",
            &ExecRequest::new(quote.clone(), unknown.encode()),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("not mined"),
        "{body}"
    );

    // The EOA approves amount + fee with the hash appended, as `signOnChainQuote` does.
    let approve = IFusionErc20::approveCall {
        spender: account.address,
        amount: amount + fee,
    }
    .abi_encode();
    let tx = TransactionRequest::default()
        .with_to(DEVNET_USDC)
        .with_input(on_chain_trigger_calldata(&approve, quote.hash));
    let receipt = node
        .wallet(BASE, owner.clone())
        .send_transaction(tx)
        .await
        .expect("send approve")
        .get_receipt()
        .await
        .expect("mined");
    assert!(receipt.status());

    let signature = OnChainTriggerSignature {
        tx_hash: receipt.transaction_hash,
        chain_id: BASE,
    };
    let mut exec = ExecRequest::new(quote.clone(), signature.encode());
    exec.trigger = Some(json!({
        "tokenAddress": DEVNET_USDC, "chainId": BASE, "amount": (amount + fee).to_string(),
    }));
    let (status, body) = node.post("/v1/exec", &exec).await;
    assert_eq!(status, StatusCode::OK, "exec refused: {body}");
    assert_all_succeeded(&node, quote.hash).await;

    assert_eq!(node.usdc_balance(BASE, recipient).await, amount);
    assert_eq!(
        node.usdc_balance(BASE, owner.address()).await,
        eoa_before - amount - fee
    );
}

#[tokio::test]
async fn bad_permits_are_refused_and_nothing_executes() {
    let node = TestNode::start().await;
    let owner = node.devnet.test_keys()[5].signer();
    let account = Account::new(&node, owner.clone(), 33).await;
    let amount = usdc(1);
    let request = fusion_request(
        &node,
        &account,
        QuoteType::Permit,
        amount,
        Address::repeat_byte(0x5c),
    )
    .await;
    let quote = quote_permit(&node, &request).await;
    let value = amount + fee_of(&quote);
    let refused = |what: &'static str| {
        move |(status, body): (StatusCode, serde_json::Value)| {
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}: {body}");
            assert_eq!(body["code"], "INVALID_SIGNATURE", "{what}: {body}");
            body["message"].as_str().unwrap().to_owned()
        }
    };

    // Signed by another key.
    let stranger = PrivateKeySigner::random();
    let exec = sign_permit(
        &node,
        &stranger,
        owner.address(),
        account.address,
        value,
        &quote,
    )
    .await;
    let message = refused("another signer")(node.post("/v1/exec", &exec).await);
    assert!(message.contains("not signed by the EOA"), "{message}");

    // Signed by the owner, with a nonce the token will not accept.
    let exec = sign_permit_with(
        &node,
        &owner,
        owner.address(),
        account.address,
        value,
        &quote,
        |nonce, _| *nonce += U256::from(1),
    )
    .await;
    let message = refused("wrong nonce")(node.post("/v1/exec", &exec).await);
    assert!(message.contains("nonce"), "{message}");

    // Signed by the owner under another domain (the token on another chain).
    let exec = sign_permit_with(
        &node,
        &owner,
        owner.address(),
        account.address,
        value,
        &quote,
        |_, domain| {
            *domain =
                mee_primitives::fusion::token_domain_separator("USD Coin", "2", 1, DEVNET_USDC)
        },
    )
    .await;
    let message = refused("wrong domain")(node.post("/v1/exec", &exec).await);
    assert!(message.contains("domain separator"), "{message}");

    // A signature tampered with after signing.
    let mut exec = sign_permit(
        &node,
        &owner,
        owner.address(),
        account.address,
        value,
        &quote,
    )
    .await;
    let mut permit = SdkPermitSignature::decode(&exec.signature).unwrap();
    permit.amount += U256::from(1);
    exec.signature = permit.encode();
    refused("tampered amount")(node.post("/v1/exec", &exec).await);

    // A spender that is not the account.
    let exec = sign_permit(
        &node,
        &owner,
        owner.address(),
        Address::repeat_byte(0x99),
        value,
        &quote,
    )
    .await;
    let message = refused("wrong spender")(node.post("/v1/exec", &exec).await);
    assert!(message.contains("spender"), "{message}");

    // A simple-mode signature on a permit quote.
    let simple = owner.sign_message_sync(quote.hash.as_slice()).unwrap();
    let exec = ExecRequest::new(quote.clone(), quote_signature(&simple.as_bytes()));
    refused("simple mode")(node.post("/v1/exec", &exec).await);

    // Nothing was stored or executed: the explorer does not know the hash.
    let (status, _) = node
        .request("GET", &format!("/v1/explorer/{}", quote.hash), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!account.is_deployed(&node, BASE).await);
}

#[tokio::test]
async fn fusion_quotes_are_checked() {
    let node = TestNode::start().await;
    let owner = node.devnet.test_keys()[6].signer();
    let account = Account::new(&node, owner, 34).await;
    let mut request = fusion_request(
        &node,
        &account,
        QuoteType::Permit,
        usdc(1),
        Address::repeat_byte(0x5d),
    )
    .await;
    request.payment_info.eoa = None;
    let (status, body) = node.post("/v1/quote-permit", &request).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["errors"][0]["path"], "paymentInfo.eoa");

    request.payment_info.eoa = Some(account.owner.address());
    request.trigger = None;
    let (status, body) = node.post("/v1/quote-permit", &request).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["errors"][0]["path"], "trigger");

    // The payment op of a USDC-triggered quote pulls the fee from the EOA.
    let request = fusion_request(
        &node,
        &account,
        QuoteType::Permit,
        usdc(1),
        Address::repeat_byte(0x5d),
    )
    .await;
    let quote = quote_permit(&node, &request).await;
    let payment_call = &quote.user_ops[0].user_op.call_data;
    let expected = IFusionErc20::transferFromCall {
        from: account.owner.address(),
        to: FEE_RECEIVER,
        amount: fee_of(&quote),
    }
    .abi_encode();
    assert!(
        payment_call
            .windows(expected.len())
            .any(|w| w == expected.as_slice()),
        "payment call {payment_call}"
    );
}

/// The Rust SDK against the node over HTTP: `fusion_quote` + `sign_permit_quote`, then
/// `fusion_quote` + `sign_on_chain_quote`, each moving USDC from the EOA through its account.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_sdk_fusion_permit_and_on_chain() {
    use mee_sdk::{
        MeeClient,
        account::{ChainConfig, MultichainAccount},
        fusion::{FusionMode, Trigger},
        instruction::Erc20Instruction,
        payment::FeeToken,
        quote::QuoteParams,
    };

    let node = TestNode::start().await;
    let running = node.serve().await;
    let owner = node.devnet.test_keys()[7].signer();
    let rpc_url = node.devnet.chain(BASE).unwrap().rpc_url().to_owned();
    let account = MultichainAccount::builder()
        .signer(owner.address())
        .index(35)
        .chain(ChainConfig::new(BASE).rpc_url(rpc_url))
        .connect()
        .await
        .expect("account");
    let sca = account.address_on(BASE).unwrap();
    let client = MeeClient::builder()
        .url(running.url())
        .account(account)
        .connect()
        .await
        .expect("client");
    let fee_token = FeeToken {
        address: DEVNET_USDC,
        chain_id: BASE,
    };

    // Permit: 2 USDC to a recipient, the account deployed by the payment userOp.
    let recipient = Address::repeat_byte(0x5e);
    let amount = usdc(2);
    let params = QuoteParams::new()
        .fee_token(fee_token)
        .instruction(Erc20Instruction::transfer(BASE, DEVNET_USDC, recipient, amount).build());
    let fusion = client
        .fusion_quote(
            params,
            Trigger::new(DEVNET_USDC, BASE, amount),
            FusionMode::Permit,
        )
        .await
        .expect("permit quote");
    assert_eq!(fusion.quote.quote_type, Some(QuoteType::Permit));
    let fee = fee_of(&fusion.quote);
    assert_eq!(fusion.trigger.amount, amount + fee);
    let eoa_before = node.usdc_balance(BASE, owner.address()).await;
    let signed = client
        .sign_permit_quote(&fusion, &owner)
        .await
        .expect("permit");
    let hash = client.exec(&signed).await.expect("exec");
    assert_all_succeeded(&node, hash).await;
    assert_eq!(node.usdc_balance(BASE, recipient).await, amount);
    assert_eq!(
        node.usdc_balance(BASE, owner.address()).await,
        eoa_before - amount - fee
    );

    // On-chain: 1 USDC kept in the (now deployed) account, authorised by an approve ‖ hash.
    let amount = usdc(1);
    let before = node.usdc_balance(BASE, sca).await;
    let eoa_before = node.usdc_balance(BASE, owner.address()).await;
    let fusion = client
        .fusion_quote(
            QuoteParams::new().fee_token(fee_token),
            Trigger::new(DEVNET_USDC, BASE, amount),
            FusionMode::OnChain,
        )
        .await
        .expect("on-chain quote");
    assert_eq!(fusion.quote.quote_type, Some(QuoteType::Onchain));
    let fee = fee_of(&fusion.quote);
    let signed = client
        .sign_on_chain_quote(&fusion, &node.wallet(BASE, owner.clone()), 1)
        .await
        .expect("trigger transaction");
    let hash = client.exec(&signed).await.expect("exec");
    assert_all_succeeded(&node, hash).await;
    assert_eq!(node.usdc_balance(BASE, sca).await, before + amount);
    assert_eq!(
        node.usdc_balance(BASE, owner.address()).await,
        eoa_before - amount - fee
    );
    running.stop().await.expect("node stops");
}

/// An on-chain quote with a custom-call trigger (`POST /v1/quote`, no token trigger): the fee
/// comes from the funded account; a transaction without the hash, or from another sender, is
/// refused; the EOA's own transaction carrying the hash executes the supertransaction.
#[tokio::test]
async fn custom_call_on_chain_trigger() {
    let node = TestNode::start().await;
    let _executors = Executors::start(&node);
    let keys = node.devnet.test_keys();
    let owner = keys[1].signer();
    let account = Account::new(&node, owner.clone(), 36).await;
    node.fund_usdc(BASE, keys[0].signer(), account.address, usdc(20))
        .await;
    let recipient = Address::repeat_byte(0x5f);
    let op = account
        .transfer_op(&node, BASE, recipient, usdc(4), false)
        .await;
    let mut payment = account.payment(&node, true).await;
    payment.eoa = Some(owner.address());
    let mut request = quote_request(vec![op], payment);
    request.quote_type = QuoteType::Onchain;
    let quote = node.quote(&request).await;
    assert_eq!(quote.quote_type, Some(QuoteType::Onchain));
    let fee = fee_of(&quote);

    let send = |signer: PrivateKeySigner, data: alloy::primitives::Bytes| {
        let wallet = node.wallet(BASE, signer);
        async move {
            let tx = TransactionRequest::default()
                .with_to(Address::repeat_byte(0x42))
                .with_input(data);
            let receipt = wallet
                .send_transaction(tx)
                .await
                .expect("send")
                .get_receipt()
                .await
                .expect("mined");
            OnChainTriggerSignature {
                tx_hash: receipt.transaction_hash,
                chain_id: BASE,
            }
        }
    };
    let exec_with =
        |signature: OnChainTriggerSignature| ExecRequest::new(quote.clone(), signature.encode());

    // Calldata that does not end with the hash.
    let wrong = send(owner.clone(), vec![0x15, 0x0b, 0x7a, 0x02].into()).await;
    let (status, body) = node.post("/v1/exec", &exec_with(wrong)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("does not end"),
        "{body}"
    );

    // The hash, but sent by someone else.
    let stranger = send(keys[2].signer(), on_chain_trigger_calldata(&[], quote.hash)).await;
    let (status, body) = node.post("/v1/exec", &exec_with(stranger)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("owned by"),
        "{body}"
    );

    // The owner's transaction carrying the hash.
    let trigger = send(owner.clone(), on_chain_trigger_calldata(&[], quote.hash)).await;
    let (status, body) = node.post("/v1/exec", &exec_with(trigger)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_all_succeeded(&node, quote.hash).await;
    assert_eq!(node.usdc_balance(BASE, recipient).await, usdc(4));
    assert_eq!(
        node.usdc_balance(BASE, account.address).await,
        usdc(16) - fee,
        "the account paid the fee"
    );
}
