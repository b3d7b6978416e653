//! Sponsored Smart Sessions with the Rust SDK against the node: the owner prepares (sponsored by
//! the SDK's default tank), a session key uses the permission on two chains sponsored by the
//! node's self-hosted tank (nonce and sign through the sponsorship endpoints), and a second key
//! uses an off-chain grant with ENABLE_AND_USE sponsored by the default tank. The account's
//! USDC moves only by the transfers it makes.

use alloy::{
    primitives::{Address, U256},
    signers::local::PrivateKeySigner,
    sol_types::SolCall,
};
use mee_primitives::{addresses::DEVNET_USDC, api::ExecutionStatus};
use mee_sdk::{
    MeeClient,
    account::{ChainConfig, MultichainAccount},
    action::CustomAction,
    client::WaitOptions,
    instruction::Instruction,
    quote::{QuoteParams, Sponsorship},
    session::{EnableSessions, GrantPermission, GrantSignature, UsageMode},
};

use crate::{
    common::{BASE, FEE_RECEIVER, OPTIMISM, TestNode},
    sponsored::with_gas_tanks,
};

alloy::sol! {
    interface IUsdc {
        function transfer(address to, uint256 amount) external returns (bool);
    }
}

const CHAINS: [u64; 2] = [BASE, OPTIMISM];

fn chain_configs(node: &TestNode, account: Option<Address>) -> Vec<ChainConfig> {
    CHAINS
        .iter()
        .map(|&id| {
            let config = ChainConfig::new(id).rpc_url(node.devnet.chain(id).unwrap().rpc_url());
            match account {
                Some(address) => config.account_address(address),
                None => config,
            }
        })
        .collect()
}

async fn client(url: &str, account: MultichainAccount) -> MeeClient {
    MeeClient::builder()
        .url(url)
        .account(account)
        .connect()
        .await
        .expect("client connects")
}

async fn wait_success(client: &MeeClient, hash: alloy::primitives::B256) {
    let options = WaitOptions {
        timeout: Some(std::time::Duration::from_secs(90)),
        ..WaitOptions::default()
    };
    let receipt = client
        .wait_for_supertransaction_receipt(hash, options, |_, _| {})
        .await
        .expect("the supertransaction succeeds");
    assert_eq!(receipt.status.status, ExecutionStatus::MinedSuccess);
}

/// A USDC transfer on both chains.
fn transfers(to: Address, amount: U256) -> QuoteParams {
    let data = IUsdc::transferCall { to, amount }.abi_encode();
    CHAINS.iter().fold(QuoteParams::new(), |params, &chain| {
        params.instruction(Instruction::raw_calldata(chain, DEVNET_USDC, data.clone()))
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sponsored_session_use_and_enable_and_use_with_the_rust_sdk() {
    let node = TestNode::start_with(120, with_gas_tanks).await;
    let running = node.serve().await;
    let url = running.url();
    let tanks = node.devnet.gas_tanks();
    let keys = node.devnet.test_keys();
    let owner = keys[5].signer();

    let account = MultichainAccount::builder()
        .signer(alloy::signers::Signer::address(&owner))
        .index(77)
        .chains(chain_configs(&node, None))
        .connect()
        .await
        .expect("account");
    let address = account.address_on(BASE).unwrap();
    let funds = U256::from(10_000_000u64);
    for chain in CHAINS {
        node.fund_usdc(chain, keys[5].signer(), address, funds)
            .await;
    }
    let owner_client = client(&url, account.clone()).await;
    let usdc_transfer = CustomAction::try_function(DEVNET_USDC, "transfer(address,uint256)")
        .unwrap()
        .chain_ids(CHAINS)
        .build();
    let default_tank_before = node.usdc_balance(BASE, tanks.sdk_default).await;
    let self_hosted_before = node.usdc_balance(BASE, tanks.self_hosted).await;

    // Prepare (deploy, install, enable on both chains), sponsored by the default tank.
    let session_key = PrivateKeySigner::random();
    let enable = EnableSessions::new()
        .redeemer(session_key.address())
        .actions(usdc_transfer.clone());
    let (hash, details) = owner_client
        .prepare_for_permissions(Some(&enable), QuoteParams::new().sponsorship(), &owner)
        .await
        .expect("prepare")
        .expect("something to prepare");
    wait_success(&owner_client, hash).await;
    for chain in CHAINS {
        assert_eq!(
            node.usdc_balance(chain, address).await,
            funds,
            "prepare was free"
        );
    }

    // USE on both chains, sponsored by the node's self-hosted tank through its endpoints.
    let recipient = Address::repeat_byte(0x5e);
    let amount = U256::from(1_000_000u64);
    let on_owner_account = MultichainAccount::builder()
        .signer(session_key.address())
        .chains(chain_configs(&node, Some(address)))
        .connect()
        .await
        .expect("the owner's account for the session key");
    let session_client = client(&url, on_owner_account).await;
    let self_hosted = Sponsorship::self_hosted(tanks.self_hosted, DEVNET_USDC, BASE, url.clone());
    assert!(!self_hosted.is_trusted() && !self_hosted.is_biconomy_backend());
    let hash = session_client
        .use_permission(
            details.clone(),
            UsageMode::Use,
            transfers(recipient, amount).sponsored_by(self_hosted),
            &session_key,
        )
        .await
        .expect("sponsored USE");
    wait_success(&session_client, hash).await;
    let explorer = node.explorer(hash).await;
    assert_eq!(explorer.user_ops[0].op.user_op.sender, tanks.self_hosted);
    for chain in CHAINS {
        assert_eq!(node.usdc_balance(chain, recipient).await, amount);
        assert_eq!(node.usdc_balance(chain, address).await, funds - amount);
    }

    // ENABLE_AND_USE of an off-chain grant for another key, sponsored by the default tank.
    let grantee = PrivateKeySigner::random();
    let granted = owner_client
        .grant_permission(
            &GrantPermission::new()
                .redeemer(grantee.address())
                .session_actions(usdc_transfer),
            &owner,
            GrantSignature::TypedData,
        )
        .await
        .expect("grant");
    let on_owner_account = MultichainAccount::builder()
        .signer(grantee.address())
        .chains(chain_configs(&node, Some(address)))
        .connect()
        .await
        .expect("the owner's account for the grantee");
    let grantee_client = client(&url, on_owner_account).await;
    let hash = grantee_client
        .use_permission(
            granted.clone(),
            UsageMode::EnableAndUse,
            transfers(recipient, amount).sponsorship(),
            &grantee,
        )
        .await
        .expect("sponsored ENABLE_AND_USE");
    wait_success(&grantee_client, hash).await;
    let enabled = account
        .smart_sessions()
        .check_enabled_permissions(&granted)
        .await
        .expect("check");
    assert!(
        enabled
            .values()
            .flat_map(|chains| chains.values())
            .all(|on| *on),
        "{enabled:?}"
    );
    for chain in CHAINS {
        assert_eq!(
            node.usdc_balance(chain, recipient).await,
            amount * U256::from(2)
        );
        assert_eq!(
            node.usdc_balance(chain, address).await,
            funds - amount * U256::from(2),
            "the account paid no fee on {chain}"
        );
    }

    // The tanks paid every fee: two for the default tank, one for the self-hosted one.
    let default_paid = default_tank_before - node.usdc_balance(BASE, tanks.sdk_default).await;
    let self_hosted_paid = self_hosted_before - node.usdc_balance(BASE, tanks.self_hosted).await;
    assert!(default_paid > U256::ZERO && self_hosted_paid > U256::ZERO);
    assert_eq!(
        node.usdc_balance(BASE, FEE_RECEIVER).await,
        default_paid + self_hosted_paid
    );

    running.stop().await.expect("clean shutdown");
}
