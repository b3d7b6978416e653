//! A node on a two-chain devnet, driven through its router, and helpers to build requests the
//! way the SDK does.

use std::time::Duration;

use alloy::{
    network::EthereumWallet,
    primitives::{Address, B256, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    signers::{SignerSync, local::PrivateKeySigner},
    sol,
};
use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode, header},
};
use mee_contracts::{entry_point::EntryPoint, tokens::TestUSDC};
use mee_devnet::Devnet;
use mee_node::{Config, Node, RunningNode};
use mee_primitives::{
    account::NexusDeployment,
    addresses::{DEVNET_USDC, ENTRY_POINT_V07, MEE_2_0_0},
    api::{
        ExecRequest, ExplorerResponse, PaymentInfo, QuoteRequest, QuoteResponse, QuoteType,
        UserOpRequest,
    },
    execution::{Call, encode_calls},
    mee_signature::quote_signature,
    nonce::{NonceKey, ValidationMode},
};
use serde_json::Value;
use tower::ServiceExt;

sol! {
    interface IERC20Transfer {
        function transfer(address to, uint256 amount) external returns (bool);
    }
}

/// The fee chain and the second chain of the tests.
pub(crate) const BASE: u64 = 8453;
pub(crate) const OPTIMISM: u64 = 10;

/// Where the node's fees go in the tests.
pub(crate) const FEE_RECEIVER: Address = Address::repeat_byte(0xfe);

/// A devnet with a node over it.
pub(crate) struct TestNode {
    pub(crate) devnet: Devnet,
    pub(crate) node: Node,
    pub(crate) router: Router,
    pub(crate) db: TempDb,
    quote_expiry_secs: u64,
}

/// A database file removed on drop.
pub(crate) struct TempDb(pub(crate) std::path::PathBuf);

impl TempDb {
    pub(crate) fn new() -> Self {
        Self(std::env::temp_dir().join(format!("mee-node-it-{}.db", unique_hash())))
    }

    pub(crate) fn url(&self) -> String {
        format!("sqlite://{}", self.0.display())
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}

/// The node configuration for a devnet.
pub(crate) fn config(devnet: &Devnet, database_url: &str, quote_expiry_secs: u64) -> Config {
    let chains: Vec<String> = devnet
        .chains()
        .iter()
        .map(|chain| {
            let tokens = if chain.chain_id() == BASE {
                format!(
                    r#"
                    [[chains.fee_tokens]]
                    address = "{DEVNET_USDC}"
                    name = "USD Coin"
                    symbol = "USDC"
                    decimals = 6
                    usd_price = 1.0
                    permit_enabled = true
                    "#
                )
            } else {
                String::new()
            };
            format!(
                r#"
                [[chains]]
                chain_id = {}
                rpc_url = "{}"
                native_usd_price = 3000.0
                {tokens}
                "#,
                chain.chain_id(),
                chain.rpc_url()
            )
        })
        .collect();
    let text = format!(
        r#"
        node_paymaster = "{}"
        fee_receiver = "{FEE_RECEIVER}"
        database_url = "{database_url}"
        quote_expiry_secs = {quote_expiry_secs}
        poll_interval_ms = 100
        {}
        "#,
        Devnet::node_paymaster(),
        chains.join("\n")
    );
    Config::from_toml(&text).expect("test config parses")
}

impl TestNode {
    pub(crate) async fn start() -> Self {
        Self::start_with_expiry(120).await
    }

    pub(crate) async fn start_with_expiry(quote_expiry_secs: u64) -> Self {
        Self::start_with(quote_expiry_secs, |_, _| {}).await
    }

    /// A node whose configuration `edit` adjusts.
    pub(crate) async fn start_with_config(
        quote_expiry_secs: u64,
        edit: impl FnOnce(&mut Config),
    ) -> Self {
        Self::start_with(quote_expiry_secs, |_, config| edit(config)).await
    }

    /// A node whose configuration `configure` adjusts (with the devnet at hand).
    pub(crate) async fn start_with(
        quote_expiry_secs: u64,
        configure: impl FnOnce(&Devnet, &mut Config),
    ) -> Self {
        let devnet = Devnet::builder()
            .chain_ids([BASE, OPTIMISM])
            .spawn()
            .await
            .expect("devnet starts");
        let db = TempDb::new();
        let mut config = config(&devnet, &db.url(), quote_expiry_secs);
        configure(&devnet, &mut config);
        let node = Node::connect(config, mee_devnet::node_key().signer())
            .await
            .expect("node connects");
        let router = node.router();
        Self {
            devnet,
            node,
            router,
            db,
            quote_expiry_secs,
        }
    }

    /// Another node process over the same chains and database, as after a restart.
    pub(crate) async fn restarted(&self) -> Node {
        Node::connect(
            config(&self.devnet, &self.db.url(), self.quote_expiry_secs),
            mee_devnet::node_key().signer(),
        )
        .await
        .expect("node reconnects")
    }

    /// Serves the node on a free local port and starts its executors.
    pub(crate) async fn serve(&self) -> RunningNode {
        self.node
            .clone()
            .spawn("127.0.0.1:0".parse().unwrap())
            .await
            .expect("node serves")
    }

    pub(crate) fn provider(&self, chain_id: u64) -> DynProvider {
        self.devnet.chain(chain_id).expect("chain").provider()
    }

    /// A provider that sends with `signer`.
    pub(crate) fn wallet(&self, chain_id: u64, signer: PrivateKeySigner) -> DynProvider {
        let url = self.devnet.chain(chain_id).expect("chain").rpc_url();
        ProviderBuilder::new()
            .wallet(EthereumWallet::from(signer))
            .connect_http(url.parse().expect("url"))
            .erased()
    }

    /// Sends a request through the router (no socket).
    pub(crate) async fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<String>,
    ) -> (StatusCode, Value) {
        let builder = Request::builder()
            .method(method)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/json")
            .header("x-api-key", "mee_test_key");
        let request = builder
            .body(body.map_or_else(Body::empty, Body::from))
            .expect("request");
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("router answers");
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 24)
            .await
            .expect("body");
        let json = serde_json::from_slice(&bytes)
            .unwrap_or_else(|err| panic!("{method} {path} answered non-JSON ({err}): {bytes:?}"));
        (status, json)
    }

    pub(crate) async fn post<T: serde::Serialize>(
        &self,
        path: &str,
        body: &T,
    ) -> (StatusCode, Value) {
        self.request(
            "POST",
            path,
            Some(serde_json::to_string(body).expect("serialises")),
        )
        .await
    }

    pub(crate) async fn quote(&self, request: &QuoteRequest) -> QuoteResponse {
        let (status, body) = self.post("/v1/quote", request).await;
        assert_eq!(status, StatusCode::OK, "quote refused: {body}");
        serde_json::from_value(body).expect("a quote")
    }

    pub(crate) async fn explorer(&self, hash: B256) -> ExplorerResponse {
        let (status, body) = self
            .request("GET", &format!("/v1/explorer/{hash}"), None)
            .await;
        assert_eq!(status, StatusCode::OK, "explorer: {body}");
        serde_json::from_value(body).expect("an explorer body")
    }

    /// Polls the explorer until every userOp is final and confirmed.
    pub(crate) async fn wait_final(&self, hash: B256) -> ExplorerResponse {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
        loop {
            let body = self.explorer(hash).await;
            if body
                .user_ops
                .iter()
                .all(|op| op.execution_status.is_final() && op.is_confirmed)
            {
                return body;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "supertransaction {hash} not final: {:?}",
                body.user_ops
                    .iter()
                    .map(|op| (op.execution_status, op.execution_error.clone()))
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub(crate) async fn usdc_balance(&self, chain_id: u64, who: Address) -> U256 {
        TestUSDC::new(DEVNET_USDC, self.provider(chain_id))
            .balanceOf(who)
            .call()
            .await
            .expect("balanceOf")
    }

    /// Sends USDC from a test key.
    pub(crate) async fn fund_usdc(
        &self,
        chain_id: u64,
        from: PrivateKeySigner,
        to: Address,
        amount: U256,
    ) {
        let usdc = TestUSDC::new(DEVNET_USDC, self.wallet(chain_id, from));
        usdc.transfer(to, amount)
            .send()
            .await
            .expect("send")
            .get_receipt()
            .await
            .expect("mined");
    }
}

/// An owner's account, the same address on every chain.
pub(crate) struct Account {
    pub(crate) owner: PrivateKeySigner,
    pub(crate) deployment: NexusDeployment,
    pub(crate) address: Address,
}

impl Account {
    pub(crate) async fn new(node: &TestNode, owner: PrivateKeySigner, index: u64) -> Self {
        let deployment = NexusDeployment::new(MEE_2_0_0, owner.address(), U256::from(index));
        let factory =
            mee_contracts::account::AccountFactory::new(deployment.factory(), node.provider(BASE));
        let address = factory
            .computeAccountAddress(deployment.init_data(), deployment.salt())
            .call()
            .await
            .expect("computeAccountAddress");
        Self {
            owner,
            deployment,
            address,
        }
    }

    /// A fresh full nonce for the default validator (or Smart Sessions), as the SDK takes it.
    /// The account of `owner`'s key at `index`, holding `usdc` on Base (minted to the key and
    /// sent to the counterfactual address).
    pub(crate) async fn funded(
        node: &TestNode,
        owner: &mee_devnet::TestKey,
        index: u64,
        usdc: U256,
    ) -> Self {
        let account = Self::new(node, owner.signer(), index).await;
        node.fund_usdc(BASE, owner.signer(), account.address, usdc)
            .await;
        account
    }

    pub(crate) async fn nonce(&self, node: &TestNode, chain_id: u64, validator: Address) -> U256 {
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let millis = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64
            + COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let key = NonceKey::from_millis(millis, ValidationMode::Validation, validator);
        EntryPoint::new(ENTRY_POINT_V07, node.provider(chain_id))
            .getNonce(self.address, key.to_u192())
            .call()
            .await
            .expect("getNonce")
    }

    pub(crate) async fn is_deployed(&self, node: &TestNode, chain_id: u64) -> bool {
        !node
            .provider(chain_id)
            .get_code_at(self.address)
            .await
            .expect("code")
            .is_empty()
    }

    /// A developer userOp transferring USDC, with `initCode` when asked.
    pub(crate) async fn transfer_op(
        &self,
        node: &TestNode,
        chain_id: u64,
        to: Address,
        amount: U256,
        deploy: bool,
    ) -> UserOpRequest {
        let now = now();
        let call = Call::new(
            DEVNET_USDC,
            alloy::sol_types::SolCall::abi_encode(&IERC20Transfer::transferCall { to, amount }),
        );
        UserOpRequest {
            lower_bound_timestamp: now,
            upper_bound_timestamp: now + 180,
            execution_simulation_retry_delay: None,
            sender: self.address,
            call_data: encode_calls(&[call]).expect("one call"),
            call_gas_limit: 700_000,
            nonce: self.nonce(node, chain_id, Address::ZERO).await,
            chain_id,
            is_clean_up_user_op: false,
            verification_gas_limit: None,
            init_code: deploy.then(|| self.deployment.init_code()),
            eip7702_auth: None,
            short_encoding: false,
            session_details: None,
            metadata: vec![serde_json::json!({
                "type": "CUSTOM", "description": "Custom on-chain action", "chainId": chain_id
            })],
            simulation_overrides: None,
        }
    }

    /// The payment info of a USDC fee on Base.
    pub(crate) async fn payment(&self, node: &TestNode, deploy: bool) -> PaymentInfo {
        PaymentInfo {
            sponsored: false,
            sender: self.address,
            token: DEVNET_USDC,
            nonce: self.nonce(node, BASE, Address::ZERO).await,
            call_gas_limit: 75_000,
            verification_gas_limit: 150_000,
            chain_id: BASE,
            gas_refund_address: None,
            eoa: None,
            init_code: deploy.then(|| self.deployment.init_code()),
            eip7702_auth: None,
            short_encoding: None,
            session_details: None,
            sponsorship_url: None,
            token_amount: None,
            token_wei_amount: None,
            token_value: None,
        }
    }

    /// Signs a quote as `signQuote` does for MEE 2.0.0.
    pub(crate) fn sign(&self, quote: &QuoteResponse) -> ExecRequest {
        sign_with(&self.owner, quote)
    }
}

/// The exec body of `quote` signed by `signer` (personal_sign of the hash, 0x177eee00 prefix).
pub(crate) fn sign_with(signer: &PrivateKeySigner, quote: &QuoteResponse) -> ExecRequest {
    let signature = signer
        .sign_message_sync(quote.hash.as_slice())
        .expect("sign");
    ExecRequest::new(quote.clone(), quote_signature(&signature.as_bytes()))
}

pub(crate) fn quote_request(
    user_ops: Vec<UserOpRequest>,
    payment_info: PaymentInfo,
) -> QuoteRequest {
    QuoteRequest {
        quote_type: QuoteType::Simple,
        user_ops,
        payment_info,
        mee_versions: Vec::new(),
        simulation: None,
        trigger: None,
        tags: None,
    }
}

/// A hash no other test uses.
pub(crate) fn unique_hash() -> B256 {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    alloy::primitives::keccak256(format!("{t}-{n}-{}", std::process::id()))
}

pub(crate) fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}
