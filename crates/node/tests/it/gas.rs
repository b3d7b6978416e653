//! Gas at quote time: limits raised from a simulation of each userOp, and quotes whose fee the
//! account cannot pay refused.

use alloy::primitives::{Address, U256};
use axum::http::StatusCode;
use mee_primitives::api::ExecutionStatus;

use crate::common::{Account, BASE, OPTIMISM, TestNode, quote_request};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_low_call_gas_is_raised_and_the_userop_succeeds() {
    let node = TestNode::start().await;
    let running = node.serve().await;
    let keys = node.devnet.test_keys();
    let account = Account::new(&node, keys[4].signer(), 11).await;
    for chain in [BASE, OPTIMISM] {
        node.fund_usdc(
            chain,
            keys[4].signer(),
            account.address,
            U256::from(20_000_000u64),
        )
        .await;
    }
    let recipient = Address::repeat_byte(0x5a);
    let amount = U256::from(250_000u64);
    // 20,000 gas cannot run the account's execute and a USDC transfer to a fresh holder.
    let mut low = account
        .transfer_op(&node, OPTIMISM, recipient, amount, true)
        .await;
    low.call_gas_limit = 20_000;
    let mut ample = account
        .transfer_op(&node, BASE, recipient, amount, false)
        .await;
    ample.call_gas_limit = 300_000;
    let request = quote_request(vec![low, ample], account.payment(&node, true).await);
    let quote = node.quote(&request).await;

    let raised = quote.user_ops[1].user_op.call_gas_limit;
    assert!(
        raised > 40_000 && raised < 300_000,
        "the transfer's call gas was raised to a simulated need: {raised}"
    );
    assert_eq!(
        quote.user_ops[2].user_op.call_gas_limit, 300_000,
        "a sufficient limit is kept"
    );
    // The deploying userOp's verification gas covers its deployment.
    assert!(quote.user_ops[1].user_op.verification_gas_limit >= 1_000_000);

    // The fee is computed from the raised limit: the same quote asking 300,000 costs more.
    let mut request_high = request.clone();
    request_high.user_ops[0].call_gas_limit = 3_000_000;
    request_high.user_ops[0].nonce = account.nonce(&node, OPTIMISM, Address::ZERO).await;
    request_high.user_ops[1].nonce = account.nonce(&node, BASE, Address::ZERO).await;
    request_high.payment_info.nonce = account.nonce(&node, BASE, Address::ZERO).await;
    let high = node.quote(&request_high).await;
    assert!(high.payment_info.token_wei_amount > quote.payment_info.token_wei_amount);

    let (status, body) = node.post("/v1/exec", &account.sign(&quote)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let done = node.wait_final(quote.hash).await;
    for (i, op) in done.user_ops.iter().enumerate() {
        assert_eq!(
            op.execution_status,
            ExecutionStatus::MinedSuccess,
            "userOps[{i}]: {:?}",
            op.execution_error
        );
    }
    assert_eq!(node.usdc_balance(OPTIMISM, recipient).await, amount);
    assert_eq!(node.usdc_balance(BASE, recipient).await, amount);
    running.stop().await.expect("clean shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fee_the_account_cannot_pay_is_refused_at_quote_time() {
    let node = TestNode::start().await;
    let keys = node.devnet.test_keys();
    let account = Account::new(&node, keys[5].signer(), 12).await;
    let ops = vec![
        account
            .transfer_op(
                &node,
                OPTIMISM,
                Address::repeat_byte(3),
                U256::from(1),
                true,
            )
            .await,
    ];
    // No USDC at all on the fee chain (the account is not even deployed).
    let (status, body) = node
        .post(
            "/v1/quote",
            &quote_request(ops.clone(), account.payment(&node, true).await),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["code"], "INSUFFICIENT_FEE_BALANCE");
    let message = body["message"].as_str().unwrap();
    assert!(message.contains("holds 0"), "{message}");
    assert!(message.contains(&account.address.to_string()), "{message}");

    // Some USDC, but less than the fee.
    node.fund_usdc(BASE, keys[5].signer(), account.address, U256::from(10u64))
        .await;
    let (status, body) = node
        .post(
            "/v1/quote",
            &quote_request(ops.clone(), account.payment(&node, true).await),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["code"], "INSUFFICIENT_FEE_BALANCE");
    assert!(body["message"].as_str().unwrap().contains("holds 10 "));

    // Enough: quoted.
    node.fund_usdc(
        BASE,
        keys[5].signer(),
        account.address,
        U256::from(10_000_000u64),
    )
    .await;
    let quote = node
        .quote(&quote_request(ops, account.payment(&node, true).await))
        .await;
    assert!(quote.payment_info.token_wei_amount.unwrap() > U256::from(10u64));
}
