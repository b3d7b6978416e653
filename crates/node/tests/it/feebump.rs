//! Fee bumps: a bundle that is not mined in time is sent again with the same nonce and higher
//! fees, and the replacement completes the supertransaction.

use std::time::Duration;

use alloy::{
    primitives::{Address, B256, U256},
    providers::{Provider, ext::AnvilApi},
};
use axum::http::StatusCode;
use mee_primitives::api::ExecutionStatus;

use crate::common::{Account, BASE, TestNode, quote_request};

/// Polls the explorer until the payment userOp is `MINING` with a hash other than `not`.
async fn payment_tx(node: &TestNode, hash: B256, not: Option<B256>) -> B256 {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let body = node.explorer(hash).await;
        let op = &body.user_ops[0];
        if op.execution_status == ExecutionStatus::Mining
            && let Some(tx) = op.execution_data
            && Some(tx) != not
        {
            return tx;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "payment userOp: {:?} {:?}",
            op.execution_status,
            op.execution_data
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stuck_bundle_is_replaced_with_higher_fees() {
    let node = TestNode::start_with_config(120, |config| {
        config.fee_bump_after_secs = 1;
        config.max_fee_bumps = 2;
    })
    .await;
    let running = node.serve().await;
    let keys = node.devnet.test_keys();
    let account = Account::funded(&node, &keys[6], 31, U256::from(20_000_000u64)).await;
    let recipient = Address::repeat_byte(0x31);
    let ops = vec![
        account
            .transfer_op(&node, BASE, recipient, U256::from(3u64), false)
            .await,
    ];
    let quote = node
        .quote(&quote_request(ops, account.payment(&node, true).await))
        .await;

    // Base stops mining: the first bundle stays in the pool.
    let base = node.provider(BASE);
    base.anvil_set_auto_mine(false).await.unwrap();
    let (status, body) = node.post("/v1/exec", &account.sign(&quote)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let first = payment_tx(&node, quote.hash, None).await;
    let first_tx = base
        .get_transaction_by_hash(first)
        .await
        .unwrap()
        .expect("pending in the pool");

    // About a second later the node sends it again: same nonce, fees up by an eighth at least.
    let second = payment_tx(&node, quote.hash, Some(first)).await;
    let second_tx = base
        .get_transaction_by_hash(second)
        .await
        .unwrap()
        .expect("the replacement is in the pool");
    use alloy::consensus::Transaction;
    assert_eq!(second_tx.nonce(), first_tx.nonce());
    assert!(
        second_tx.max_fee_per_gas() * 8 >= first_tx.max_fee_per_gas() * 9,
        "{} after {}",
        second_tx.max_fee_per_gas(),
        first_tx.max_fee_per_gas()
    );
    let first_tip = first_tx.max_priority_fee_per_gas().unwrap();
    assert!(second_tx.max_priority_fee_per_gas().unwrap() * 8 >= first_tip * 9);

    // Base mines again; the replacement completes the supertransaction.
    base.anvil_mine(Some(1), None).await.unwrap();
    base.anvil_set_auto_mine(true).await.unwrap();
    let done = node.wait_final(quote.hash).await;
    for (i, op) in done.user_ops.iter().enumerate() {
        assert_eq!(
            op.execution_status,
            ExecutionStatus::MinedSuccess,
            "userOps[{i}]: {:?}",
            op.execution_error
        );
    }
    let mined = done.user_ops[0].execution_data.unwrap();
    assert_ne!(mined, first, "the replacement was mined, not the first");
    let mined_tx = base.get_transaction_by_hash(mined).await.unwrap().unwrap();
    assert_eq!(mined_tx.nonce(), first_tx.nonce());
    assert!(base.get_transaction_receipt(first).await.unwrap().is_none());
    assert_eq!(node.usdc_balance(BASE, recipient).await, U256::from(3u64));
    running.stop().await.unwrap();
}
