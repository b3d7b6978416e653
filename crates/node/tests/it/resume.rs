//! Persistence and failure reporting: a supertransaction accepted by one node process is
//! executed by the next, and a reverting userOp is reported as MINED_FAIL with its reason.

use alloy::primitives::{Address, U256};
use axum::http::StatusCode;
use mee_primitives::api::ExecutionStatus;

use crate::common::{Account, BASE, FEE_RECEIVER, OPTIMISM, TestNode, quote_request};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accepted_supertransactions_survive_a_restart() {
    let node = TestNode::start().await;
    let keys = node.devnet.test_keys();
    let account = Account::funded(&node, &keys[4], 0, U256::from(50_000_000u64)).await;
    node.fund_usdc(
        OPTIMISM,
        keys[4].signer(),
        account.address,
        U256::from(5_000_000u64),
    )
    .await;
    let recipient = Address::repeat_byte(0x55);
    let ops = vec![
        account
            .transfer_op(&node, OPTIMISM, recipient, U256::from(1_000), true)
            .await,
    ];
    let quote = node
        .quote(&quote_request(ops, account.payment(&node, true).await))
        .await;

    // The first process accepts the exec but runs no executor: everything stays pending.
    let (status, body) = node.post("/v1/exec", &account.sign(&quote)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let pending = node.explorer(quote.hash).await;
    assert!(
        pending
            .user_ops
            .iter()
            .all(|op| op.execution_status == ExecutionStatus::Pending)
    );

    // A new process over the same database executes it, once.
    let restarted = node.restarted().await;
    let running = restarted
        .spawn("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let done = node.wait_final(quote.hash).await;
    assert!(
        done.user_ops
            .iter()
            .all(|op| op.execution_status == ExecutionStatus::MinedSuccess)
    );
    assert_eq!(
        node.usdc_balance(OPTIMISM, recipient).await,
        U256::from(1_000)
    );
    let fee = quote.payment_info.token_wei_amount.unwrap();
    assert_eq!(node.usdc_balance(BASE, FEE_RECEIVER).await, fee);
    running.stop().await.unwrap();

    // And the replay is still refused after the restart.
    let (status, body) = node.post("/v1/exec", &account.sign(&quote)).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("ALREADY_EXECUTED"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reverting_userop_is_mined_fail_with_its_reason() {
    let node = TestNode::start().await;
    let running = node.serve().await;
    let keys = node.devnet.test_keys();
    let account = Account::funded(&node, &keys[5], 0, U256::from(50_000_000u64)).await;
    // More USDC than the account holds on Optimism (none).
    let ops = vec![
        account
            .transfer_op(
                &node,
                OPTIMISM,
                Address::repeat_byte(1),
                U256::from(10),
                true,
            )
            .await,
    ];
    let quote = node
        .quote(&quote_request(ops, account.payment(&node, true).await))
        .await;
    let (status, _) = node.post("/v1/exec", &account.sign(&quote)).await;
    assert_eq!(status, StatusCode::OK);
    let done = node.wait_final(quote.hash).await;
    assert_eq!(
        done.user_ops[0].execution_status,
        ExecutionStatus::MinedSuccess
    );
    let failed = &done.user_ops[1];
    assert_eq!(failed.execution_status, ExecutionStatus::MinedFail);
    assert!(failed.is_confirmed);
    let reason = failed.execution_error.as_deref().expect("a reason");
    // The token's InsufficientBalance() error.
    assert_eq!(reason, "reverted with 0xf4d678b8");
    // The account was still deployed (validation ran) and the fee was paid.
    assert!(account.is_deployed(&node, OPTIMISM).await);
    assert_eq!(
        node.usdc_balance(BASE, FEE_RECEIVER).await,
        quote.payment_info.token_wei_amount.unwrap()
    );
    running.stop().await.unwrap();
}
