//! Execution windows and order through HTTP: a userOp whose window opens later waits for it, one
//! whose window has closed fails with a reason, and a cleanup userOp runs after the others.

use std::time::Duration;

use alloy::{
    primitives::{Address, B256, U256},
    providers::Provider,
};
use axum::http::StatusCode;
use mee_primitives::api::ExecutionStatus;

use crate::common::{Account, BASE, OPTIMISM, TestNode, now, quote_request};

/// The timestamp of the block that mined `tx`.
async fn mined_at(node: &TestNode, chain_id: u64, tx: B256) -> u64 {
    let provider = node.provider(chain_id);
    let receipt = provider
        .get_transaction_receipt(tx)
        .await
        .unwrap()
        .expect("mined");
    let block = provider
        .get_block_by_number(receipt.block_number.unwrap().into())
        .await
        .unwrap()
        .expect("block");
    block.header.timestamp
}

async fn funded(node: &TestNode, key: usize, index: u64) -> Account {
    let keys = node.devnet.test_keys();
    let account = Account::new(node, keys[key].signer(), index).await;
    for chain in [BASE, OPTIMISM] {
        node.fund_usdc(
            chain,
            keys[key].signer(),
            account.address,
            U256::from(30_000_000u64),
        )
        .await;
    }
    account
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_userop_waits_for_its_lower_bound_then_executes() {
    let node = TestNode::start().await;
    let running = node.serve().await;
    let account = funded(&node, 1, 21).await;
    let recipient = Address::repeat_byte(0x21);
    let mut later = account
        .transfer_op(&node, OPTIMISM, recipient, U256::from(7u64), true)
        .await;
    let lower = now() + 5;
    later.lower_bound_timestamp = lower;
    later.upper_bound_timestamp = lower + 120;
    let quote = node
        .quote(&quote_request(
            vec![later],
            account.payment(&node, true).await,
        ))
        .await;
    assert_eq!(quote.user_ops[1].lower_bound_timestamp, lower);
    let (status, body) = node.post("/v1/exec", &account.sign(&quote)).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // The fee is paid at once; the userOp waits for its window.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let early = node.explorer(quote.hash).await;
    assert!(now() < lower, "the check ran before the window opened");
    assert_eq!(
        early.user_ops[0].execution_status,
        ExecutionStatus::MinedSuccess
    );
    assert_eq!(early.user_ops[1].execution_status, ExecutionStatus::Pending);
    assert_eq!(node.usdc_balance(OPTIMISM, recipient).await, U256::ZERO);

    let done = node.wait_final(quote.hash).await;
    let op = &done.user_ops[1];
    assert_eq!(
        op.execution_status,
        ExecutionStatus::MinedSuccess,
        "{:?}",
        op.execution_error
    );
    let at = mined_at(&node, OPTIMISM, op.execution_data.unwrap()).await;
    assert!(at >= lower, "mined at {at}, before its lower bound {lower}");
    assert_eq!(
        node.usdc_balance(OPTIMISM, recipient).await,
        U256::from(7u64)
    );
    running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_userop_past_its_upper_bound_fails_with_a_reason() {
    let node = TestNode::start().await;
    let running = node.serve().await;
    let account = funded(&node, 2, 22).await;
    let recipient = Address::repeat_byte(0x22);
    let on_time = account
        .transfer_op(&node, BASE, recipient, U256::from(5u64), false)
        .await;
    let mut too_late = account
        .transfer_op(&node, OPTIMISM, recipient, U256::from(5u64), true)
        .await;
    let upper = now() + 3;
    too_late.upper_bound_timestamp = upper;
    let quote = node
        .quote(&quote_request(
            vec![on_time, too_late],
            account.payment(&node, true).await,
        ))
        .await;
    // Signed and sent only after the second userOp's window closed.
    tokio::time::sleep(Duration::from_millis(
        (upper + 1 - now()).max(1) * 1000 + 200,
    ))
    .await;
    let (status, body) = node.post("/v1/exec", &account.sign(&quote)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let done = node.wait_final(quote.hash).await;
    assert_eq!(
        done.user_ops[0].execution_status,
        ExecutionStatus::MinedSuccess
    );
    assert_eq!(
        done.user_ops[1].execution_status,
        ExecutionStatus::MinedSuccess
    );
    let late = &done.user_ops[2];
    assert_eq!(late.execution_status, ExecutionStatus::Failed);
    assert!(late.execution_data.is_none(), "never sent");
    let reason = late.execution_error.as_deref().unwrap();
    assert_eq!(reason, format!("execution window ended at {upper}"));
    assert!(!account.is_deployed(&node, OPTIMISM).await);
    assert_eq!(node.usdc_balance(OPTIMISM, recipient).await, U256::ZERO);
    assert_eq!(node.usdc_balance(BASE, recipient).await, U256::from(5u64));
    running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cleanup_userop_runs_after_the_others() {
    let node = TestNode::start().await;
    let running = node.serve().await;
    let account = funded(&node, 3, 23).await;
    let (recipient, sweep) = (Address::repeat_byte(0x23), Address::repeat_byte(0x24));
    // The regular userOp runs late on Optimism; the cleanup's own window is open from the start.
    let mut regular = account
        .transfer_op(&node, OPTIMISM, recipient, U256::from(9u64), true)
        .await;
    let lower = now() + 4;
    regular.lower_bound_timestamp = lower;
    regular.upper_bound_timestamp = lower + 120;
    let mut cleanup = account
        .transfer_op(&node, BASE, sweep, U256::from(11u64), false)
        .await;
    cleanup.is_clean_up_user_op = true;
    cleanup.upper_bound_timestamp = lower + 210;
    let quote = node
        .quote(&quote_request(
            vec![regular, cleanup],
            account.payment(&node, true).await,
        ))
        .await;
    assert!(quote.user_ops[2].is_clean_up_user_op);
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
    let regular_at = mined_at(&node, OPTIMISM, done.user_ops[1].execution_data.unwrap()).await;
    let cleanup_at = mined_at(&node, BASE, done.user_ops[2].execution_data.unwrap()).await;
    assert!(regular_at >= lower);
    assert!(
        cleanup_at >= regular_at,
        "cleanup mined at {cleanup_at}, the regular userOp at {regular_at}"
    );
    assert_eq!(node.usdc_balance(BASE, sweep).await, U256::from(11u64));
    running.stop().await.unwrap();
}
