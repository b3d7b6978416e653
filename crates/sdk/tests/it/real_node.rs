//! The MEE client against the real node (`mee-node`, in-process, on a socket) over a two-chain
//! devnet: quote, sign, exec, and wait for the receipt with each userOp's transaction receipt
//! read from its chain.

use std::time::Duration;

use alloy::{
    primitives::{Address, U256},
    providers::Provider,
    rpc::types::TransactionRequest,
    signers::local::PrivateKeySigner,
    sol_types::SolCall,
};
use mee_contracts::tokens::TestUSDC;
use mee_devnet::Devnet;
use mee_sdk::{
    MeeClient,
    account::{ChainConfig, MultichainAccount},
    client::WaitOptions,
    instruction::Erc20Instruction,
    payment::FeeToken,
    primitives::{
        addresses::{DEVNET_USDC, MEE_2_0_0},
        api::ExecutionStatus,
    },
    quote::QuoteParams,
    status::ConfirmationMode,
};

const BASE: u64 = 8453;
const OPTIMISM: u64 = 10;

/// The node's configuration: both chains, USDC fees on Base, SQLite in `db`.
fn node_config(devnet: &Devnet, db: &std::path::Path) -> mee_node::Config {
    let mut text = format!(
        "node_paymaster = \"{}\"\nfee_receiver = \"{}\"\ndatabase_url = \"sqlite://{}\"\npoll_interval_ms = 100\n",
        Devnet::node_paymaster(),
        Address::repeat_byte(0xfe),
        db.display()
    );
    for chain in devnet.chains() {
        text.push_str(&format!(
            "\n[[chains]]\nchain_id = {}\nrpc_url = \"{}\"\nnative_usd_price = 3000.0\n",
            chain.chain_id(),
            chain.rpc_url()
        ));
        if chain.chain_id() == BASE {
            text.push_str(&format!(
                "[[chains.fee_tokens]]\naddress = \"{DEVNET_USDC}\"\nname = \"USD Coin\"\n\
                 symbol = \"USDC\"\ndecimals = 6\nusd_price = 1.0\n"
            ));
        }
    }
    mee_node::Config::from_toml(&text).expect("config parses")
}

async fn usdc_balance(devnet: &Devnet, chain_id: u64, who: Address) -> U256 {
    TestUSDC::new(DEVNET_USDC, devnet.chain(chain_id).unwrap().provider())
        .balanceOf(who)
        .call()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quote_sign_exec_and_wait_with_receipts_on_the_real_node() {
    let devnet = Devnet::builder()
        .chain_ids([BASE, OPTIMISM])
        .spawn()
        .await
        .expect("devnet starts");
    let db = std::env::temp_dir().join(format!("mee-sdk-real-node-{}.db", std::process::id()));
    let node = mee_node::Node::connect(node_config(&devnet, &db), mee_devnet::node_key().signer())
        .await
        .expect("node connects");
    let running = node
        .spawn("127.0.0.1:0".parse().unwrap())
        .await
        .expect("node serves");

    // The owner's counterfactual account, funded with USDC on both chains.
    let keys = devnet.test_keys();
    let owner: PrivateKeySigner = keys[6].private_key.parse().unwrap();
    let account = MultichainAccount::builder()
        .signer(owner.address())
        .chains(devnet.chains().iter().map(|chain| {
            ChainConfig::new(chain.chain_id())
                .rpc_url(chain.rpc_url())
                .version(MEE_2_0_0)
        }))
        .connect()
        .await
        .expect("account connects");
    let address = account.deployment_on(BASE).unwrap().address;
    assert_eq!(account.deployment_on(OPTIMISM).unwrap().address, address);
    assert!(!account.is_deployed(BASE).await.unwrap());
    for chain in devnet.chains() {
        let mint = TestUSDC::mintCall {
            to: address,
            amount: U256::from(100_000_000u64),
        }
        .abi_encode();
        chain
            .provider()
            .send_transaction(
                TransactionRequest::default()
                    .from(keys[1].address)
                    .to(DEVNET_USDC)
                    .input(mint.into()),
            )
            .await
            .unwrap()
            .get_receipt()
            .await
            .unwrap();
    }

    let client = MeeClient::builder()
        .url(running.url())
        .account(account)
        .connect()
        .await
        .expect("client connects");
    let info = client.info().expect("info read on connection");
    assert_eq!(info.supported_chains.len(), 2);

    // Quote, sign, exec: 1.5 USDC to a recipient on each chain, the fee in USDC on Base.
    let recipient = Address::repeat_byte(0x5e);
    let amount = U256::from(1_500_000u64);
    let params = QuoteParams::new()
        .instructions([
            Erc20Instruction::transfer(BASE, DEVNET_USDC, recipient, amount).build(),
            Erc20Instruction::transfer(OPTIMISM, DEVNET_USDC, recipient, amount).build(),
        ])
        .fee_token(FeeToken {
            address: DEVNET_USDC,
            chain_id: BASE,
        });
    let quote = client.quote(&params).await.expect("quote");
    assert_eq!(quote.user_ops.len(), 3, "payment op + one op per chain");
    let fee = quote.payment_info.token_wei_amount.expect("a fee");
    assert!(fee > U256::ZERO);
    let signed = client.sign_quote(quote.clone(), &owner).expect("sign");
    let hash = client.exec(&signed).await.expect("exec");
    assert_eq!(hash, quote.hash);

    let options = WaitOptions {
        mode: ConfirmationMode::Confirmed,
        polling_interval: Some(Duration::from_millis(100)),
        timeout: Some(Duration::from_secs(120)),
        wait_for_receipts: true,
    };
    let mut replaced = 0;
    let receipt = client
        .wait_for_supertransaction_receipt(hash, options, |_, _| replaced += 1)
        .await
        .expect("the supertransaction succeeds");
    assert!(receipt.status.is_success() && receipt.status.is_finalised);
    assert_eq!(receipt.status.status, ExecutionStatus::MinedSuccess);
    assert_eq!(replaced, 0);

    // One chain receipt per developer op (the payment op is not fetched), each the mined,
    // successful transaction the explorer names.
    assert_eq!(receipt.receipts.len(), 2);
    for (op_receipt, op) in receipt.receipts.iter().zip(&receipt.explorer.user_ops[1..]) {
        assert_eq!(op_receipt.target.mee_user_op_hash, op.op.mee_user_op_hash);
        assert_eq!(op_receipt.target.chain_id, op.op.chain_id);
        assert_eq!(Some(op_receipt.target.transaction_hash), op.execution_data);
        assert_eq!(
            op_receipt.receipt.transaction_hash,
            op_receipt.target.transaction_hash
        );
        assert!(
            op_receipt.receipt.status(),
            "the handleOps transaction succeeded"
        );
        assert!(op_receipt.receipt.block_number.is_some());
    }
    let chains: Vec<u64> = receipt.receipts.iter().map(|r| r.target.chain_id).collect();
    assert_eq!(chains, [BASE, OPTIMISM]);

    // The transfers happened, and the account now exists on both chains.
    for chain_id in [BASE, OPTIMISM] {
        assert_eq!(usdc_balance(&devnet, chain_id, recipient).await, amount);
        assert!(client.account().is_deployed(chain_id).await.unwrap());
    }

    // Without asking for receipts, none are read.
    let receipt = client
        .supertransaction_receipt(hash, ConfirmationMode::Confirmed)
        .await
        .unwrap();
    assert!(receipt.receipts.is_empty());
    // A transaction the chain does not know is a typed error.
    let mut unknown = receipt.explorer.clone();
    unknown.user_ops[1].execution_data = Some(alloy::primitives::B256::repeat_byte(0xee));
    assert!(matches!(
        client.transaction_receipts(&unknown).await,
        Err(mee_sdk::Error::ReceiptNotFound { chain_id: BASE, .. })
    ));

    running.stop().await.expect("node stops");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
}
