//! An owner supertransaction built by hand from the wire formats: factory initCode, nonce key,
//! `execute` calldata, one SIMPLE-mode signature over the merkle root of userOps on two chains,
//! each executed through `handleOps` with the node paymaster paying.

use alloy::{
    primitives::{Address, U256, address},
    providers::Provider,
    signers::local::PrivateKeySigner,
};
use mee_devnet::Devnet;

use crate::harness::*;

const RECIPIENT: Address = address!("0x00000000000000000000000000000000000b0b0b");

#[tokio::test]
async fn owner_supertransaction_on_two_chains_deploys_and_moves_usdc() {
    let devnet = Devnet::builder()
        .chain_ids([8453, 10])
        .spawn()
        .await
        .unwrap();
    let owner = PrivateKeySigner::random();
    let funder = devnet.test_keys()[0].signer();

    let mut ops = Vec::new();
    let mut accounts = Vec::new();
    for chain in devnet.chains() {
        let (deployment, account) = owner_account(chain, owner.address()).await;
        assert!(
            chain
                .provider()
                .get_code_at(account)
                .await
                .unwrap()
                .is_empty()
        );
        fund_usdc(chain, &funder, account, U256::from(100 * USDC)).await;

        let key = nonce_key(0x0a0b0c, Address::ZERO);
        let nonce = next_nonce(chain, account, key).await;
        assert_eq!(
            nonce,
            key.nonce(0),
            "an undeployed account starts at sequence 0"
        );
        let call_data = usdc_transfer(RECIPIENT, U256::from(10 * USDC));
        let op = user_op(chain, account, nonce, call_data, Some(&deployment)).await;
        let now = now(chain).await;
        ops.push(SuperTxOp {
            chain,
            op,
            lower: now - 60,
            upper: now + 600,
            short: false,
        });
        accounts.push(account);
    }
    // The same owner has the same account address on both chains.
    assert_eq!(accounts[0], accounts[1]);

    sign_supertransaction(&mut ops, &owner);

    for (o, account) in ops.iter().zip(&accounts) {
        let node_before = o
            .chain
            .provider()
            .get_balance(mee_devnet::node_key().address)
            .await
            .unwrap();
        let (_, outcomes) = handle_ops(o.chain, vec![o.op.pack()])
            .await
            .expect("bundle passes");
        assert_eq!(outcomes.len(), 1);
        assert!(
            outcomes[0].success,
            "op on chain {} failed: {:?}",
            o.chain.chain_id(),
            outcomes[0]
        );
        eprintln!(
            "chain {}: deploy + USDC transfer, actualGasUsed {}",
            o.chain.chain_id(),
            outcomes[0].actual_gas_used
        );

        assert!(
            !o.chain
                .provider()
                .get_code_at(*account)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            usdc_balance(o.chain, RECIPIENT).await,
            U256::from(10 * USDC)
        );
        assert_eq!(usdc_balance(o.chain, *account).await, U256::from(90 * USDC));
        // The paymaster paid from its EntryPoint deposit, and in USER refund mode it sent the
        // unused part of the op's maximum cost back to the account.
        let refund = o.chain.provider().get_balance(*account).await.unwrap();
        assert!(
            refund > U256::ZERO && refund < o.op.max_cost(),
            "refund {refund}"
        );
        let deposit = deposit_of_paymaster(o.chain).await;
        let hundred_eth = U256::from(100u64) * U256::from(10u64).pow(U256::from(18));
        assert!(
            deposit + refund < hundred_eth,
            "the deposit paid gas and refund"
        );
        let node_after = o
            .chain
            .provider()
            .get_balance(mee_devnet::node_key().address)
            .await
            .unwrap();
        assert!(node_after > node_before - U256::from(10u64).pow(U256::from(16)));
    }
}

#[tokio::test]
async fn tampered_or_foreign_ops_fail_validation_and_cost_the_paymaster_nothing() {
    let devnet = Devnet::builder().chain_ids([42161]).spawn().await.unwrap();
    let chain = &devnet.chains()[0];
    let owner = PrivateKeySigner::random();
    let (deployment, account) = owner_account(chain, owner.address()).await;
    fund_usdc(
        chain,
        &devnet.test_keys()[0].signer(),
        account,
        U256::from(100 * USDC),
    )
    .await;
    let key = nonce_key(7, Address::ZERO);
    let nonce = next_nonce(chain, account, key).await;
    let op = user_op(
        chain,
        account,
        nonce,
        usdc_transfer(RECIPIENT, U256::from(USDC)),
        Some(&deployment),
    )
    .await;
    let now = now(chain).await;

    // Signed by someone who is not the owner.
    let mut ops = vec![SuperTxOp {
        chain,
        op: op.clone(),
        lower: now - 60,
        upper: now + 600,
        short: false,
    }];
    sign_supertransaction(&mut ops, &PrivateKeySigner::random());
    let err = handle_ops(chain, vec![ops[0].op.pack()]).await.unwrap_err();
    assert!(err.contains("AA24"), "{err}");

    // Signed by the owner, then the amount changed: the leaf no longer matches.
    let mut ops = vec![SuperTxOp {
        chain,
        op,
        lower: now - 60,
        upper: now + 600,
        short: false,
    }];
    sign_supertransaction(&mut ops, &owner);
    let mut tampered = ops[0].op.clone();
    tampered.call_data = usdc_transfer(RECIPIENT, U256::from(99 * USDC));
    let err = handle_ops(chain, vec![tampered.pack()]).await.unwrap_err();
    assert!(err.contains("AA24"), "{err}");

    // The bounds are part of the signature: an op whose window has passed is refused.
    let mut expired = vec![SuperTxOp {
        chain,
        op: ops[0].op.clone(),
        lower: now - 600,
        upper: now - 300,
        short: false,
    }];
    sign_supertransaction(&mut expired, &owner);
    let err = handle_ops(chain, vec![expired[0].op.pack()])
        .await
        .unwrap_err();
    assert!(err.contains("AA22"), "{err}");

    // Nothing was executed and the paymaster's deposit is untouched.
    assert!(
        chain
            .provider()
            .get_code_at(account)
            .await
            .unwrap()
            .is_empty()
    );
    let deposit = deposit_of_paymaster(chain).await;
    assert_eq!(
        deposit,
        U256::from(100u64) * U256::from(10u64).pow(U256::from(18))
    );

    // The untampered op still goes through.
    let (_, outcomes) = handle_ops(chain, vec![ops[0].op.pack()]).await.unwrap();
    assert!(outcomes[0].success);
}
