//! Crash safety of `mee node`: the process is killed with SIGKILL after `/exec` answered and
//! while its first bundle waits in the mempool (mining held with `anvil_setAutomine false`),
//! restarted on the same database, and the supertransaction still completes exactly once:
//! every userOp mined once, the balances moved once, every status `MINED_SUCCESS`.
//!
//! Runs on SQLite (a file) and on PostgreSQL (a database of its own on the server at
//! `DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/test`, created and dropped by the
//! test). When that server is unreachable the PostgreSQL variant fails: `make postgres` (or
//! `scripts/postgres-setup`) installs and starts one.

use std::{
    process::{Child, Stdio},
    time::{Duration, Instant},
};

use alloy::{
    network::EthereumWallet,
    primitives::{Address, B256, U256},
    providers::{DynProvider, Provider, ProviderBuilder, ext::AnvilApi},
    rpc::types::Filter,
    signers::SignerSync,
    sol,
    sol_types::{SolCall, SolEvent},
};
use mee_contracts::{account::AccountFactory, entry_point::EntryPoint, tokens::TestUSDC};
use mee_devnet::{Devnet, node_key};
use mee_primitives::{
    account::NexusDeployment,
    addresses::{DEVNET_USDC, ENTRY_POINT_V07, MEE_2_0_0},
    api::{
        ExecRequest, ExecutionStatus, ExplorerResponse, PaymentInfo, QuoteRequest, QuoteResponse,
        QuoteType, UserOpRequest,
    },
    execution::{Call, encode_calls},
    mee_signature::quote_signature,
    nonce::{NonceKey, ValidationMode},
};
use sqlx::{Connection, Executor, PgConnection};

use crate::{TempDir, mee};

sol! {
    interface IERC20Transfer {
        function transfer(address to, uint256 amount) external returns (bool);
    }
}

const BASE: u64 = 8453;
const OPTIMISM: u64 = 10;
const FEE_RECEIVER: Address = Address::repeat_byte(0xfe);
const RECIPIENT: Address = Address::repeat_byte(0x5a);
const AMOUNT: u64 = 1_234;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_sqlite_node_completes_the_supertransaction_once_after_restart() {
    let dir = TempDir::new();
    let url = format!("sqlite://{}", dir.join("node.db").display());
    crash_and_resume(&dir, &url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_postgres_node_completes_the_supertransaction_once_after_restart() {
    let dir = TempDir::new();
    let database = PgDatabase::create().await;
    crash_and_resume(&dir, &database.url).await;
}

async fn crash_and_resume(dir: &TempDir, database_url: &str) {
    let devnet = Devnet::builder()
        .chain_ids([BASE, OPTIMISM])
        .spawn()
        .await
        .expect("devnet starts");
    let keys = devnet.test_keys();
    let owner = keys[6].signer();
    let deployment = NexusDeployment::new(MEE_2_0_0, owner.address(), U256::from(7));
    let base = devnet.chain(BASE).unwrap().provider();
    let optimism = devnet.chain(OPTIMISM).unwrap().provider();
    let account = AccountFactory::new(deployment.factory(), base.clone())
        .computeAccountAddress(deployment.init_data(), deployment.salt())
        .call()
        .await
        .expect("computeAccountAddress");
    for chain_id in [BASE, OPTIMISM] {
        let url = devnet.chain(chain_id).unwrap().rpc_url();
        let funder = ProviderBuilder::new()
            .wallet(EthereumWallet::from(keys[6].signer()))
            .connect_http(url.parse().unwrap());
        TestUSDC::new(DEVNET_USDC, funder)
            .transfer(account, U256::from(20_000_000u64))
            .send()
            .await
            .expect("fund")
            .get_receipt()
            .await
            .expect("funded");
    }

    let config = dir.join("node.toml");
    std::fs::write(&config, node_config(&devnet, database_url)).unwrap();
    let mut node = NodeProcess::start(&config, dir, "first");

    // Quote: the fee on Base (deploying the account there), a transfer on Optimism (deploying
    // it there too).
    let request = QuoteRequest {
        quote_type: QuoteType::Simple,
        user_ops: vec![transfer_op(&optimism, account, &deployment).await],
        payment_info: payment(&base, account, &deployment).await,
        mee_versions: Vec::new(),
        simulation: None,
        trigger: None,
        tags: None,
    };
    let http = reqwest::Client::new();
    let quote: QuoteResponse = post(&http, &node.url, "quote", &request).await;
    let signature = owner.sign_message_sync(quote.hash.as_slice()).unwrap();
    let exec = ExecRequest::new(quote.clone(), quote_signature(&signature.as_bytes()));

    // Mining held on both chains: whatever the node sends stays in the mempool.
    for provider in [&base, &optimism] {
        provider.anvil_set_auto_mine(false).await.unwrap();
    }
    let answer: serde_json::Value = post(&http, &node.url, "exec", &exec).await;
    assert_eq!(answer["hash"], quote.hash.to_string());

    // The payment bundle is sent (MINING) and cannot be mined: kill the node now.
    let sent = wait_for(
        &http,
        &node.url,
        quote.hash,
        "the payment bundle to be sent",
        // MINING is set when the executor claims the userOp; the bundle's hash is stored once
        // it is sent. Kill only after that.
        |body| {
            body.user_ops[0].execution_status == ExecutionStatus::Mining
                && body.user_ops[0].execution_data.is_some()
        },
    )
    .await;
    assert_eq!(sent.user_ops[1].execution_status, ExecutionStatus::Pending);
    node.kill();
    assert_eq!(
        usdc(&optimism, RECIPIENT).await,
        U256::ZERO,
        "nothing ran before the crash"
    );

    // A new process on the same database; mining resumes a moment later.
    let node = NodeProcess::start(&config, dir, "restarted");
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    // The restarted node found the sent bundle in the store and waits for it: nothing failed,
    // nothing jumped ahead of the payment.
    let resumed = wait_for(&http, &node.url, quote.hash, "the restarted node", |_| true).await;
    assert_eq!(
        resumed
            .user_ops
            .iter()
            .map(|op| op.execution_status)
            .collect::<Vec<_>>(),
        [ExecutionStatus::Mining, ExecutionStatus::Pending]
    );
    for provider in [&base, &optimism] {
        provider.anvil_set_auto_mine(true).await.unwrap();
        provider.anvil_mine(Some(1), None).await.unwrap();
    }
    let done = wait_for(&http, &node.url, quote.hash, "every userOp final", |body| {
        body.user_ops
            .iter()
            .all(|op| op.execution_status.is_final() && op.is_confirmed)
    })
    .await;
    for op in &done.user_ops {
        assert_eq!(
            op.execution_status,
            ExecutionStatus::MinedSuccess,
            "{:?}",
            op.execution_error
        );
    }

    // Exactly once: one UserOperationEvent per userOp, and the balances moved once.
    for (op, provider) in done.user_ops.iter().zip([&base, &optimism]) {
        let events = provider
            .get_logs(
                &Filter::new()
                    .address(ENTRY_POINT_V07)
                    .event_signature(EntryPoint::UserOperationEvent::SIGNATURE_HASH)
                    .topic1(op.op.user_op_hash)
                    .from_block(0),
            )
            .await
            .unwrap();
        assert_eq!(events.len(), 1, "userOp {} mined once", op.op.user_op_hash);
    }
    assert_eq!(usdc(&optimism, RECIPIENT).await, U256::from(AMOUNT));
    assert_eq!(
        usdc(&base, FEE_RECEIVER).await,
        quote.payment_info.token_wei_amount.unwrap()
    );
    // The restarted process sent only the Optimism bundle (the payment bundle was already in
    // the mempool) and saw both userOps final.
    let metrics = http
        .get(format!("{}/metrics", node.url.trim_end_matches("/v1")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let sample = |series: &str| {
        metrics
            .lines()
            .find_map(|line| {
                line.strip_prefix(series)?
                    .strip_prefix(' ')?
                    .parse::<f64>()
                    .ok()
            })
            .unwrap_or(0.0)
    };
    assert_eq!(
        sample("mee_executor_bundles_total{chain_id=\"10\",outcome=\"sent\"}"),
        1.0,
        "{metrics}"
    );
    assert_eq!(
        sample("mee_executor_bundles_total{chain_id=\"8453\",outcome=\"sent\"}"),
        0.0,
        "{metrics}"
    );
    assert_eq!(
        sample("mee_user_ops_finalized_total{status=\"MINED_SUCCESS\"}"),
        2.0,
        "{metrics}"
    );
    assert_eq!(
        sample("mee_user_ops_active{chain_id=\"10\",status=\"PENDING\"}"),
        0.0
    );

    // And a replay of the exec is refused.
    let replay = http
        .post(format!("{}/exec", node.url))
        .json(&exec)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), reqwest::StatusCode::CONFLICT);
}

/// A `mee node` child process, killed on drop.
struct NodeProcess {
    child: Child,
    url: String,
}

impl NodeProcess {
    fn start(config: &std::path::Path, dir: &TempDir, name: &str) -> Self {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let log = dir.join(&format!("node-{name}.log"));
        let child = mee()
            .args(["node", "--config"])
            .arg(config)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .env("MEE_NODE_KEY", node_key().private_key)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("mee node starts");
        let node = Self {
            child,
            url: format!("http://127.0.0.1:{port}/v1"),
        };
        let started = Instant::now();
        loop {
            let up = std::net::TcpStream::connect(("127.0.0.1", port)).is_ok();
            if up {
                return node;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "mee node did not listen within 60 s:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// SIGKILL, as a crash: no graceful shutdown.
    fn kill(&mut self) {
        self.child.kill().expect("kill");
        self.child.wait().expect("reaped");
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn node_config(devnet: &Devnet, database_url: &str) -> String {
    let mut config = format!(
        "node_paymaster = \"{}\"\nfee_receiver = \"{FEE_RECEIVER}\"\ndatabase_url = \"{database_url}\"\npoll_interval_ms = 100\n",
        Devnet::node_paymaster(),
    );
    for chain in devnet.chains() {
        config.push_str(&format!(
            "\n[[chains]]\nchain_id = {}\nrpc_url = \"{}\"\nnative_usd_price = 3000.0\n",
            chain.chain_id(),
            chain.rpc_url()
        ));
        config.push_str(&format!(
            "[[chains.fee_tokens]]\naddress = \"{DEVNET_USDC}\"\nname = \"USD Coin\"\nsymbol = \"USDC\"\ndecimals = 6\nusd_price = 1.0\n"
        ));
    }
    config
}

async fn nonce(provider: &DynProvider, account: Address, offset: u64) -> U256 {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
        + offset;
    let key = NonceKey::from_millis(millis, ValidationMode::Validation, Address::ZERO);
    EntryPoint::new(ENTRY_POINT_V07, provider.clone())
        .getNonce(account, key.to_u192())
        .call()
        .await
        .expect("getNonce")
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

async fn transfer_op(
    provider: &DynProvider,
    account: Address,
    deployment: &NexusDeployment,
) -> UserOpRequest {
    let call = Call::new(
        DEVNET_USDC,
        IERC20Transfer::transferCall {
            to: RECIPIENT,
            amount: U256::from(AMOUNT),
        }
        .abi_encode(),
    );
    let now = now();
    UserOpRequest {
        lower_bound_timestamp: now,
        upper_bound_timestamp: now + 600,
        execution_simulation_retry_delay: None,
        sender: account,
        call_data: encode_calls(&[call]).unwrap(),
        call_gas_limit: 300_000,
        nonce: nonce(provider, account, 1).await,
        chain_id: OPTIMISM,
        is_clean_up_user_op: false,
        verification_gas_limit: None,
        init_code: Some(deployment.init_code()),
        eip7702_auth: None,
        short_encoding: false,
        session_details: None,
        metadata: Vec::new(),
        simulation_overrides: None,
    }
}

async fn payment(
    provider: &DynProvider,
    account: Address,
    deployment: &NexusDeployment,
) -> PaymentInfo {
    PaymentInfo {
        sponsored: false,
        sender: account,
        token: DEVNET_USDC,
        nonce: nonce(provider, account, 2).await,
        call_gas_limit: 75_000,
        verification_gas_limit: 150_000,
        chain_id: BASE,
        gas_refund_address: None,
        eoa: None,
        init_code: Some(deployment.init_code()),
        eip7702_auth: None,
        short_encoding: None,
        session_details: None,
        sponsorship_url: None,
        token_amount: None,
        token_wei_amount: None,
        token_value: None,
    }
}

async fn usdc(provider: &DynProvider, who: Address) -> U256 {
    TestUSDC::new(DEVNET_USDC, provider.clone())
        .balanceOf(who)
        .call()
        .await
        .unwrap()
}

async fn post<T: serde::de::DeserializeOwned>(
    http: &reqwest::Client,
    base: &str,
    path: &str,
    body: &impl serde::Serialize,
) -> T {
    let response = http
        .post(format!("{base}/{path}"))
        .json(body)
        .send()
        .await
        .unwrap_or_else(|err| panic!("POST {path}: {err}"));
    let status = response.status();
    let text = response.text().await.unwrap();
    assert!(status.is_success(), "POST {path}: {status} {text}");
    serde_json::from_str(&text).unwrap_or_else(|err| panic!("POST {path}: {err}: {text}"))
}

async fn wait_for(
    http: &reqwest::Client,
    base: &str,
    hash: B256,
    what: &str,
    done: impl Fn(&ExplorerResponse) -> bool,
) -> ExplorerResponse {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let response = http
            .get(format!("{base}/explorer/{hash}"))
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "explorer: {}",
            response.status()
        );
        let body: ExplorerResponse = response.json().await.unwrap();
        if done(&body) {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "waited 90 s for {what}: {:?}",
            body.user_ops
                .iter()
                .map(|op| (op.execution_status, op.execution_error.clone()))
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A database of its own on the PostgreSQL server of `DATABASE_URL`.
struct PgDatabase {
    admin: String,
    name: String,
    url: String,
}

impl PgDatabase {
    async fn create() -> Self {
        let admin = std::env::var("DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
        let name = format!(
            "mee_crash_{}_{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        );
        let mut connection = PgConnection::connect(&admin).await.unwrap_or_else(|err| {
            panic!(
                "PostgreSQL at {admin} is unreachable ({err}): run `make postgres` \
                 (scripts/postgres-setup) or set DATABASE_URL"
            )
        });
        connection
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .expect("create database");
        let (base, _) = admin.rsplit_once('/').expect("a database in DATABASE_URL");
        Self {
            url: format!("{base}/{name}"),
            admin,
            name,
        }
    }
}

impl Drop for PgDatabase {
    /// Drops the database (also when the test failed), from a thread of its own since `Drop`
    /// cannot await.
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                let mut connection = PgConnection::connect(&admin).await?;
                connection
                    .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                    .await
                    .map(|_| ())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop the test database {}", self.name);
        }
    }
}
