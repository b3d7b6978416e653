//! The owner flow end to end: quote, sign, exec, execution on two chains, receipts.

use std::time::Instant;

use alloy::primitives::{Address, U256};
use axum::http::StatusCode;
use mee_primitives::api::ExecutionStatus;

use crate::common::{Account, BASE, FEE_RECEIVER, OPTIMISM, TestNode, quote_request};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_chain_supertransaction_pays_usdc_deploys_and_executes() {
    let node = TestNode::start().await;
    let running = node.serve().await;
    let keys = node.devnet.test_keys();
    let account = Account::new(&node, keys[0].signer(), 7).await;
    let recipient = Address::repeat_byte(0x77);
    let amount = U256::from(1_500_000u64);

    // The account is counterfactual: fund it with USDC on both chains.
    for chain in [BASE, OPTIMISM] {
        assert!(!account.is_deployed(&node, chain).await);
        node.fund_usdc(
            chain,
            keys[0].signer(),
            account.address,
            U256::from(100_000_000u64),
        )
        .await;
    }

    // GET info through a real socket lists both chains and USDC on Base.
    let info: serde_json::Value = reqwest::get(format!("{}/info", running.url()))
        .await
        .expect("info")
        .json()
        .await
        .expect("json");
    let chains: Vec<&str> = info["supportedChains"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["chainId"].as_str().unwrap())
        .collect();
    assert_eq!(chains, ["10", "8453"]);
    assert_eq!(info["supportedGasTokens"][0]["chainId"], "8453");
    assert_eq!(
        info["supportedGasTokens"][0]["paymentTokens"][0]["symbol"],
        "USDC"
    );

    // Quote: payment on Base deploys the account there; the Optimism op deploys it there.
    let ops = vec![
        account
            .transfer_op(&node, BASE, recipient, amount, false)
            .await,
        account
            .transfer_op(&node, OPTIMISM, recipient, amount, true)
            .await,
    ];
    let request = quote_request(ops, account.payment(&node, true).await);
    let started = Instant::now();
    let quote = node.quote(&request).await;
    let quote_latency = started.elapsed();
    assert_eq!(quote.user_ops.len(), 3);
    assert_eq!(quote.user_ops[0].chain_id, BASE);
    assert!(
        !quote.user_ops[0].user_op.init_code.is_empty(),
        "payment op deploys"
    );
    assert!(quote.user_ops[1].user_op.init_code.is_empty());
    assert!(!quote.user_ops[2].user_op.init_code.is_empty());
    let fee = quote.payment_info.token_wei_amount.expect("fee");
    assert!(fee > U256::ZERO);
    assert_eq!(quote.node, mee_devnet::node_key().address);

    // Exec through the socket, as the SDK would.
    let exec = account.sign(&quote);
    let started = Instant::now();
    let response = reqwest::Client::new()
        .post(format!("{}//exec", running.url()))
        .json(&exec)
        .send()
        .await
        .expect("exec");
    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["hash"], quote.hash.to_string());

    let done = node.wait_final(quote.hash).await;
    let exec_to_mined = started.elapsed();
    for (i, op) in done.user_ops.iter().enumerate() {
        assert_eq!(
            op.execution_status,
            ExecutionStatus::MinedSuccess,
            "userOps[{i}]: {:?}",
            op.execution_error
        );
        assert!(op.execution_data.is_some());
        assert!(op.op.user_op.signature.is_some());
    }
    eprintln!("quote latency {quote_latency:?}, exec to mined and confirmed {exec_to_mined:?}");

    // On chain: deployed on both chains, transfers done, fee paid on Base.
    for chain in [BASE, OPTIMISM] {
        assert!(
            account.is_deployed(&node, chain).await,
            "deployed on {chain}"
        );
        assert_eq!(node.usdc_balance(chain, recipient).await, amount);
    }
    assert_eq!(node.usdc_balance(BASE, FEE_RECEIVER).await, fee);
    assert_eq!(
        node.usdc_balance(BASE, account.address).await,
        U256::from(100_000_000u64) - amount - fee
    );
    // The receipts the SDK fetches exist.
    let receipt = alloy::providers::Provider::get_transaction_receipt(
        &node.provider(OPTIMISM),
        done.user_ops[2].execution_data.unwrap(),
    )
    .await
    .unwrap()
    .expect("mined");
    assert!(receipt.status());

    // Replaying the exec is refused.
    let (status, body) = node.post("/v1/exec", &exec).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["code"], "ALREADY_EXECUTED");

    // A second supertransaction on the now deployed account.
    let ops = vec![
        account
            .transfer_op(&node, OPTIMISM, recipient, amount, false)
            .await,
    ];
    let quote = node
        .quote(&quote_request(ops, account.payment(&node, false).await))
        .await;
    assert!(
        quote
            .user_ops
            .iter()
            .all(|op| op.user_op.init_code.is_empty())
    );
    let fee2 = quote.payment_info.token_wei_amount.unwrap();
    let (status, body) = node
        .post(
            "/v1/quote-permit",
            &quote_request(
                vec![
                    account
                        .transfer_op(&node, BASE, recipient, amount, false)
                        .await,
                ],
                account.payment(&node, false).await,
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "quote-permit: {body}");
    let (status, _) = node.post("/v1/exec", &account.sign(&quote)).await;
    assert_eq!(status, StatusCode::OK);
    let done = node.wait_final(quote.hash).await;
    assert!(
        done.user_ops
            .iter()
            .all(|op| op.execution_status == ExecutionStatus::MinedSuccess)
    );
    assert_eq!(
        node.usdc_balance(OPTIMISM, recipient).await,
        amount * U256::from(2)
    );
    assert_eq!(node.usdc_balance(BASE, FEE_RECEIVER).await, fee + fee2);

    running.stop().await.expect("clean shutdown");
}
