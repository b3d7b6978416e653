//! Sponsored supertransactions through HTTP: the gas tank pays the fee, the user's account pays
//! nothing; the sponsorship endpoints; unknown tanks refused.

use alloy::{
    primitives::{Address, B256, U256},
    providers::{Provider, ext::AnvilApi},
};
use axum::http::StatusCode;
use mee_devnet::Devnet;
use mee_node::{Config, config::GasTankConfig};
use mee_primitives::{
    addresses::{DEFAULT_GAS_TANK, DEVNET_USDC},
    api::{ExecutionStatus, PaymentInfo, QuoteResponse},
};

use crate::common::{Account, BASE, FEE_RECEIVER, OPTIMISM, TestNode, quote_request};

/// The DAPP refund mode with the fixed premium, as the node paymaster reads it.
const DAPP_FIXED: [u8; 8] = [0x17, 0x0d, 0xe0, 0x01, 0x9e, 0xe4, 0xce, 0x01];

/// Both devnet tanks on Base, owned by the devnet's gas-tank key.
pub(crate) fn with_gas_tanks(devnet: &Devnet, config: &mut Config) {
    let tanks = devnet.gas_tanks();
    for address in [tanks.self_hosted, tanks.sdk_default] {
        config.gas_tanks.push(GasTankConfig {
            chain_id: BASE,
            address,
            token: tanks.token,
            owner_key: Some(mee_devnet::gas_tank_key().private_key),
            refund_address: None,
            serves_sdk_default: false,
        });
    }
    config.validate().expect("valid gas tanks");
}

/// A sponsored payment as the SDK sends it: the tank, its token and chain, `nonce`.
pub(crate) fn sponsored_payment(tank: Address, nonce: U256) -> PaymentInfo {
    PaymentInfo {
        sponsored: true,
        sender: tank,
        token: DEVNET_USDC,
        nonce,
        call_gas_limit: 75_000,
        verification_gas_limit: 150_000,
        chain_id: BASE,
        gas_refund_address: None,
        eoa: None,
        init_code: None,
        eip7702_auth: None,
        short_encoding: None,
        session_details: None,
        // The SDK's default: the node ignores it.
        sponsorship_url: Some("https://network.biconomy.io/v1".into()),
        token_amount: None,
        token_wei_amount: None,
        token_value: None,
    }
}

async fn eth_balance(node: &TestNode, chain_id: u64, who: Address) -> U256 {
    node.provider(chain_id)
        .get_balance(who)
        .await
        .expect("balance")
}

/// Runs a sponsored two-chain transfer for a fresh account (number `index`), naming `requested`
/// as the gas tank, and checks that `tank` paid the fee and the refunds, and the account only
/// its transfers.
async fn sponsored_transfers(
    node: &TestNode,
    index: u64,
    (requested, tank): (Address, Address),
    nonce: U256,
    sign_first: bool,
) {
    let keys = node.devnet.test_keys();
    let account = Account::new(node, keys[2].signer(), 40 + index).await;
    let recipient = Address::repeat_byte(0x55);
    let amount = U256::from(2_000_000u64);
    for chain in [BASE, OPTIMISM] {
        node.fund_usdc(chain, keys[2].signer(), account.address, amount)
            .await;
    }
    let tank_usdc = node.usdc_balance(BASE, tank).await;
    let receiver_usdc = node.usdc_balance(BASE, FEE_RECEIVER).await;
    let tank_eth_op = eth_balance(node, OPTIMISM, tank).await;

    // Both userOps deploy the account on their chain; the tank pays on Base.
    let ops = vec![
        account
            .transfer_op(node, BASE, recipient, amount, true)
            .await,
        account
            .transfer_op(node, OPTIMISM, recipient, amount, true)
            .await,
    ];
    let quote = node
        .quote(&quote_request(ops, sponsored_payment(requested, nonce)))
        .await;
    assert!(quote.payment_info.sponsored);
    assert_eq!(quote.user_ops.len(), 3);
    let payment = &quote.user_ops[0];
    assert_eq!(payment.chain_id, BASE);
    assert_eq!(payment.user_op.sender, tank);
    assert!(payment.user_op.init_code.is_empty());
    if !nonce.is_zero() {
        assert_eq!(payment.user_op.nonce, nonce);
    }
    for op in &quote.user_ops {
        let pm = &op.user_op.paymaster_and_data;
        assert_eq!(&pm[52..60], DAPP_FIXED, "DAPP refund mode");
        assert_eq!(&pm[60..], tank.as_slice(), "refunds go to the tank");
    }
    let fee = quote.payment_info.token_wei_amount.expect("a fee");
    assert!(fee > U256::ZERO);

    let quote = if sign_first {
        // The SDK's self-hosted flow: the sponsor signs its part before the user signs.
        let (status, body) = node
            .post(&format!("/v1/sponsorship/sign/{BASE}/{tank}"), &quote)
            .await;
        assert_eq!(status, StatusCode::OK, "sign: {body}");
        let signed: QuoteResponse = serde_json::from_value(body).expect("a quote");
        assert_eq!(signed.hash, quote.hash);
        assert!(signed.user_ops[0].user_op.signature.is_some());
        signed
    } else {
        quote
    };
    let (status, body) = node.post("/v1/exec", &account.sign(&quote)).await;
    assert_eq!(status, StatusCode::OK, "exec: {body}");
    let done = node.wait_final(quote.hash).await;
    for (i, op) in done.user_ops.iter().enumerate() {
        assert_eq!(
            op.execution_status,
            ExecutionStatus::MinedSuccess,
            "userOps[{i}]: {:?}",
            op.execution_error
        );
    }

    // The account paid its transfers only; the tank the fee; unused gas went to the tank.
    for chain in [BASE, OPTIMISM] {
        assert!(account.is_deployed(node, chain).await);
        assert_eq!(node.usdc_balance(chain, account.address).await, U256::ZERO);
        assert_eq!(
            eth_balance(node, chain, account.address).await,
            U256::ZERO,
            "no refund to the user's account on {chain}"
        );
    }
    assert_eq!(node.usdc_balance(BASE, tank).await, tank_usdc - fee);
    assert_eq!(
        node.usdc_balance(BASE, FEE_RECEIVER).await,
        receiver_usdc + fee
    );
    assert!(
        eth_balance(node, OPTIMISM, tank).await > tank_eth_op,
        "the Optimism userOp's unused gas is refunded to the tank"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sponsored_supertransactions_on_two_chains_are_paid_by_the_gas_tanks() {
    let node = TestNode::start_with(120, with_gas_tanks).await;
    let running = node.serve().await;
    let tanks = node.devnet.gas_tanks();

    // The self-hosted tank: nonce from the sponsorship endpoint, signed through it.
    let (status, body) = node
        .request(
            "GET",
            &format!("/v1/sponsorship/nonce/{BASE}/{}", tanks.self_hosted),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "nonce: {body}");
    let nonce: U256 = body["nonce"].as_str().expect("a string").parse().unwrap();
    let (_, again) = node
        .request(
            "GET",
            &format!("/v1/sponsorship/nonce/{BASE}/{}", tanks.self_hosted),
            None,
        )
        .await;
    assert_ne!(
        again["nonce"], body["nonce"],
        "every caller gets its own key"
    );
    sponsored_transfers(
        &node,
        40,
        (tanks.self_hosted, tanks.self_hosted),
        nonce,
        true,
    )
    .await;

    // The SDK's trusted default tank: nonce 0, no sign call.
    sponsored_transfers(
        &node,
        41,
        (DEFAULT_GAS_TANK, DEFAULT_GAS_TANK),
        U256::ZERO,
        false,
    )
    .await;

    running.stop().await.expect("clean shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_self_hosted_tank_can_serve_the_sdk_default_tank() {
    // As on a real network, where the SDK's default tank is not ours.
    let node = TestNode::start_with(120, |devnet, config| {
        let tanks = devnet.gas_tanks();
        config.gas_tanks.push(GasTankConfig {
            chain_id: BASE,
            address: tanks.self_hosted,
            token: tanks.token,
            owner_key: Some(mee_devnet::gas_tank_key().private_key),
            refund_address: None,
            serves_sdk_default: true,
        });
    })
    .await;
    let running = node.serve().await;
    let tanks = node.devnet.gas_tanks();
    let default_usdc = node.usdc_balance(BASE, DEFAULT_GAS_TANK).await;
    sponsored_transfers(
        &node,
        42,
        (DEFAULT_GAS_TANK, tanks.self_hosted),
        U256::ZERO,
        false,
    )
    .await;
    assert_eq!(
        node.usdc_balance(BASE, DEFAULT_GAS_TANK).await,
        default_usdc,
        "the account at the default address was not used"
    );
    running.stop().await.expect("clean shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_tanks_wrong_tokens_and_stale_nonces_are_refused() {
    let node = TestNode::start_with(120, with_gas_tanks).await;
    let tanks = node.devnet.gas_tanks();
    let keys = node.devnet.test_keys();
    let account = Account::new(&node, keys[3].signer(), 50).await;
    let op = || account.transfer_op(&node, BASE, Address::repeat_byte(1), U256::from(1), true);

    // A quote naming a tank this node does not have.
    let stranger = Address::repeat_byte(0x99);
    let (status, body) = node
        .post(
            "/v1/quote",
            &quote_request(vec![op().await], sponsored_payment(stranger, U256::ZERO)),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["code"], "UNKNOWN_GAS_TANK");
    // A known tank on another chain.
    let mut elsewhere = sponsored_payment(tanks.self_hosted, U256::ZERO);
    elsewhere.chain_id = OPTIMISM;
    let (status, body) = node
        .post("/v1/quote", &quote_request(vec![op().await], elsewhere))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], "UNKNOWN_GAS_TANK");
    // The tank's token is USDC.
    let mut other_token = sponsored_payment(tanks.self_hosted, U256::ZERO);
    other_token.token = Address::repeat_byte(0x70);
    let (status, body) = node
        .post("/v1/quote", &quote_request(vec![op().await], other_token))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["errors"][0]["path"], "paymentInfo.token");
    // A nonce that is not the tank's current one.
    let (_, body) = node
        .request(
            "GET",
            &format!("/v1/sponsorship/nonce/{BASE}/{}", tanks.self_hosted),
            None,
        )
        .await;
    let nonce: U256 = body["nonce"].as_str().unwrap().parse().unwrap();
    let stale = sponsored_payment(tanks.self_hosted, nonce + U256::from(1));
    let (status, body) = node
        .post("/v1/quote", &quote_request(vec![op().await], stale))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("stale gas tank nonce"),
        "{body}"
    );

    // The endpoints: unknown tank, unknown chain, malformed path parameters.
    for (path, code) in [
        (
            format!("/v1/sponsorship/nonce/{BASE}/{stranger}"),
            "UNKNOWN_GAS_TANK",
        ),
        (
            format!("/v1/sponsorship/nonce/999/{}", tanks.self_hosted),
            "UNKNOWN_GAS_TANK",
        ),
        (
            format!("/v1/sponsorship/nonce/0x2105/{}", tanks.self_hosted),
            "INVALID_REQUEST",
        ),
        (
            format!("/v1/sponsorship/nonce/{BASE}/tank"),
            "INVALID_REQUEST",
        ),
    ] {
        let (status, body) = node.request("GET", &path, None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
        assert_eq!(body["code"], code, "{path}");
    }

    // sign: only sponsored quotes of this node, paid by that tank.
    let quote = node
        .quote(&quote_request(
            vec![op().await],
            sponsored_payment(tanks.self_hosted, U256::ZERO),
        ))
        .await;
    let (status, body) = node
        .post(
            &format!("/v1/sponsorship/sign/{BASE}/{DEFAULT_GAS_TANK}"),
            &quote,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("not by this gas tank")
    );
    let (status, body) = node
        .post(&format!("/v1/sponsorship/sign/{BASE}/{stranger}"), &quote)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], "UNKNOWN_GAS_TANK");
    let mut forged = quote.clone();
    forged.hash = alloy::primitives::B256::repeat_byte(3);
    let (status, body) = node
        .post(
            &format!("/v1/sponsorship/sign/{BASE}/{}", tanks.self_hosted),
            &forged,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["code"], "QUOTE_NOT_FOUND");

    // Nothing of this was executed: the tank still holds all its USDC.
    assert_eq!(
        node.usdc_balance(BASE, tanks.self_hosted).await,
        U256::from(1_000_000u64 * 1_000_000)
    );

    // A tank that cannot cover the fee: its USDC balance set to one base unit (solady's ERC-20
    // slot: keccak256(owner ‖ 8 zero bytes ‖ 0x87a211a2)).
    let slot = alloy::primitives::keccak256(
        [
            tanks.self_hosted.as_slice(),
            &[0u8; 8],
            &[0x87, 0xa2, 0x11, 0xa2],
        ]
        .concat(),
    );
    node.provider(BASE)
        .anvil_set_storage_at(DEVNET_USDC, slot.into(), B256::with_last_byte(1))
        .await
        .expect("set the balance");
    assert_eq!(
        node.usdc_balance(BASE, tanks.self_hosted).await,
        U256::from(1)
    );
    let (status, body) = node
        .post(
            "/v1/quote",
            &quote_request(
                vec![op().await],
                sponsored_payment(tanks.self_hosted, U256::ZERO),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["code"], "SPONSORSHIP_UNAVAILABLE");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_without_gas_tanks_refuses_sponsorship() {
    let node = TestNode::start().await;
    let keys = node.devnet.test_keys();
    let account = Account::new(&node, keys[3].signer(), 51).await;
    let op = account
        .transfer_op(&node, BASE, Address::repeat_byte(1), U256::from(1), true)
        .await;
    let (status, body) = node
        .post(
            "/v1/quote",
            &quote_request(vec![op], sponsored_payment(DEFAULT_GAS_TANK, U256::ZERO)),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["code"], "UNKNOWN_GAS_TANK");
}
