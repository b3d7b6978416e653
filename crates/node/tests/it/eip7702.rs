//! EIP-7702: an EOA delegated to the MEE 2.1.0 account implementation runs a supertransaction
//! as its own account. The node sends the authorizations in type-4 `handleOps` transactions.

use alloy::{
    eips::eip7702::Authorization,
    primitives::{Address, U256},
    providers::Provider,
    signers::{SignerSync, local::PrivateKeySigner},
};
use axum::http::StatusCode;
use mee_primitives::{account::NexusDeployment, addresses::MEE_2_1_0, api::ExecutionStatus};

use crate::common::{Account, BASE, FEE_RECEIVER, OPTIMISM, TestNode, quote_request};

/// An authorization for every chain (chain id 0) at the EOA's first transaction nonce, in the
/// JSON shape the TypeScript SDK sends.
fn authorization(eoa: &PrivateKeySigner, implementation: Address) -> serde_json::Value {
    let auth = Authorization {
        chain_id: U256::ZERO,
        address: implementation,
        nonce: 0,
    };
    let signature = eoa.sign_hash_sync(&auth.signature_hash()).unwrap();
    serde_json::to_value(auth.into_signed(signature)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_eoa_in_7702_mode_runs_a_two_chain_supertransaction() {
    let node = TestNode::start().await;
    let running = node.serve().await;
    let keys = node.devnet.test_keys();
    let eoa = PrivateKeySigner::random();
    // The EOA is its own account: no factory, no initCode.
    let account = Account {
        owner: eoa.clone(),
        deployment: NexusDeployment::new(MEE_2_1_0, eoa.address(), U256::ZERO),
        address: eoa.address(),
    };
    for chain in [BASE, OPTIMISM] {
        node.fund_usdc(
            chain,
            keys[7].signer(),
            eoa.address(),
            U256::from(20_000_000u64),
        )
        .await;
    }
    let auth = authorization(&eoa, MEE_2_1_0.account_implementation);
    let recipient = Address::repeat_byte(0x77);
    let mut on_optimism = account
        .transfer_op(&node, OPTIMISM, recipient, U256::from(400u64), false)
        .await;
    on_optimism.eip7702_auth = Some(auth.clone());
    // Too little for the transfer: the node simulates the delegated EOA and raises it.
    on_optimism.call_gas_limit = 20_000;
    let on_base = account
        .transfer_op(&node, BASE, recipient, U256::from(300u64), false)
        .await;
    let mut payment = account.payment(&node, false).await;
    payment.eip7702_auth = Some(auth.clone());
    let quote = node
        .quote(&quote_request(vec![on_base, on_optimism], payment))
        .await;
    assert_eq!(quote.user_ops[0].eip7702_auth.as_ref(), Some(&auth));
    assert_eq!(quote.user_ops[2].eip7702_auth.as_ref(), Some(&auth));
    assert!(
        quote
            .user_ops
            .iter()
            .all(|op| op.user_op.init_code.is_empty())
    );

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

    // Both chains: the EOA is delegated to the implementation, by type-4 transactions.
    let mut designator = vec![0xef, 0x01, 0x00];
    designator.extend_from_slice(MEE_2_1_0.account_implementation.as_slice());
    for (chain, index) in [(BASE, 0), (OPTIMISM, 2)] {
        let provider = node.provider(chain);
        let code = provider.get_code_at(eoa.address()).await.unwrap();
        assert_eq!(code.as_ref(), designator.as_slice(), "delegated on {chain}");
        let tx = provider
            .get_transaction_by_hash(done.user_ops[index].execution_data.unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            alloy::consensus::Typed2718::ty(&tx),
            4,
            "the bundle on {chain} is an EIP-7702 transaction"
        );
    }
    assert_eq!(
        node.usdc_balance(OPTIMISM, recipient).await,
        U256::from(400u64)
    );
    assert_eq!(node.usdc_balance(BASE, recipient).await, U256::from(300u64));
    assert_eq!(
        node.usdc_balance(BASE, FEE_RECEIVER).await,
        quote.payment_info.token_wei_amount.unwrap()
    );

    // A second supertransaction needs no authorization: the delegation stays.
    let ops = vec![
        account
            .transfer_op(&node, OPTIMISM, recipient, U256::from(1u64), false)
            .await,
    ];
    let quote = node
        .quote(&quote_request(ops, account.payment(&node, false).await))
        .await;
    let (status, _) = node.post("/v1/exec", &account.sign(&quote)).await;
    assert_eq!(status, StatusCode::OK);
    let done = node.wait_final(quote.hash).await;
    assert!(
        done.user_ops
            .iter()
            .all(|op| op.execution_status == ExecutionStatus::MinedSuccess)
    );
    running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_authorization_by_someone_else_is_refused() {
    let node = TestNode::start().await;
    let keys = node.devnet.test_keys();
    let eoa = PrivateKeySigner::random();
    let account = Account {
        owner: eoa.clone(),
        deployment: NexusDeployment::new(MEE_2_1_0, eoa.address(), U256::ZERO),
        address: eoa.address(),
    };
    node.fund_usdc(
        BASE,
        keys[7].signer(),
        eoa.address(),
        U256::from(5_000_000u64),
    )
    .await;
    let mut op = account
        .transfer_op(
            &node,
            BASE,
            Address::repeat_byte(1),
            U256::from(1u64),
            false,
        )
        .await;
    op.eip7702_auth = Some(authorization(
        &PrivateKeySigner::random(),
        MEE_2_1_0.account_implementation,
    ));
    let (status, body) = node
        .post(
            "/v1/quote",
            &quote_request(vec![op], account.payment(&node, false).await),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["code"], "INVALID_REQUEST");
    assert_eq!(body["errors"][0]["path"], "userOps[0].eip7702Auth");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rust_sdk_in_7702_mode_signs_the_authorization_and_executes() {
    use mee_sdk::{
        MeeClient,
        account::{ChainConfig, MultichainAccount},
        client::WaitOptions,
        eip7702,
        instruction::Erc20Instruction,
        payment::FeeToken,
        primitives::addresses::DEVNET_USDC,
        quote::QuoteParams,
    };

    let node = TestNode::start().await;
    let running = node.serve().await;
    let keys = node.devnet.test_keys();
    let eoa = PrivateKeySigner::random();
    for chain in [BASE, OPTIMISM] {
        node.fund_usdc(
            chain,
            keys[7].signer(),
            eoa.address(),
            U256::from(9_000_000u64),
        )
        .await;
    }
    let account = MultichainAccount::builder()
        .signer(eoa.address())
        .eip7702(true)
        .chains([BASE, OPTIMISM].map(|chain| {
            ChainConfig::new(chain)
                .version(MEE_2_1_0)
                .rpc_url(node.devnet.chain(chain).unwrap().rpc_url().to_string())
        }))
        .connect()
        .await
        .unwrap();
    assert_eq!(account.address_on(OPTIMISM).unwrap(), eoa.address());
    let client = MeeClient::builder()
        .url(running.url())
        .account(account)
        .connect()
        .await
        .unwrap();
    // One authorization for both chains: the EOA has sent no transaction on either.
    let auth = eip7702::sign_authorization(&eoa, 0, MEE_2_1_0.account_implementation, 0).unwrap();
    let recipient = Address::repeat_byte(0x78);
    let params = QuoteParams::new()
        .instruction(
            Erc20Instruction::transfer(OPTIMISM, DEVNET_USDC, recipient, U256::from(55u64)).build(),
        )
        .fee_token(FeeToken {
            address: DEVNET_USDC,
            chain_id: BASE,
        })
        .eip7702_authorization(auth.clone());
    let request = client.quote_request(&params).await.unwrap();
    let sent = eip7702::authorization_json(&auth);
    assert_eq!(request.payment_info.eip7702_auth.as_ref(), Some(&sent));
    assert_eq!(request.user_ops[0].eip7702_auth.as_ref(), Some(&sent));
    assert!(request.user_ops[0].init_code.is_none());

    let hash = client.execute(&params, &eoa).await.unwrap();
    let receipt = client
        .wait_for_supertransaction_receipt(
            hash,
            WaitOptions {
                timeout: Some(std::time::Duration::from_secs(60)),
                ..WaitOptions::default()
            },
            |_, _| {},
        )
        .await
        .unwrap();
    assert!(
        receipt
            .explorer
            .user_ops
            .iter()
            .all(|op| op.execution_status == ExecutionStatus::MinedSuccess)
    );
    assert_eq!(
        node.usdc_balance(OPTIMISM, recipient).await,
        U256::from(55u64)
    );

    // Delegated now: the next request carries no authorization.
    let next = client.quote_request(&params).await.unwrap();
    assert!(next.payment_info.eip7702_auth.is_none());
    assert!(next.user_ops[0].eip7702_auth.is_none());
    running.stop().await.unwrap();
}
