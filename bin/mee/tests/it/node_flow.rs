//! The whole flow through a real `mee node` on a two-chain devnet, every step a separate `mee`
//! process: the owner prepares the account, grants off-chain, the session key uses the grant
//! with ENABLE_AND_USE on both chains, a call outside the policy is refused with the failing
//! rule named, and the owner revokes.

use std::{
    io::{Read, Write},
    net::TcpStream,
    process::{Child, Stdio},
    time::{Duration, Instant},
};

use alloy::{
    primitives::{Address, U256},
    providers::Provider,
    rpc::types::TransactionRequest,
    sol_types::SolCall,
};
use mee_contracts::tokens::TestUSDC;
use mee_devnet::{Devnet, node_key};
use mee_primitives::addresses::DEVNET_USDC;
use serde_json::Value;

use crate::{TempDir, fails, mee, ok};

const COUNTER: &str = "0xc0fFEE0000000000000000000000000000000003";
const RECIPIENT: &str = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";

/// A `mee node` child process, stopped on drop.
struct NodeProcess(Child);

impl Drop for NodeProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// Whether `GET /v1/info` answers 200 on `port`.
fn info_answers(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if write!(
        stream,
        "GET /v1/info HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n"
    )
    .is_err()
    {
        return false;
    }
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.1 200")
}

/// Starts `mee node` for `devnet` and waits until it answers.
fn start_node(devnet: &Devnet, dir: &TempDir) -> (NodeProcess, String) {
    let port = free_port();
    let mut config = format!(
        "listen = \"127.0.0.1:{port}\"\nnode_paymaster = \"{}\"\ndatabase_url = \"sqlite://{}\"\npoll_interval_ms = 100\n",
        Devnet::node_paymaster(),
        dir.join("node.db").display()
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
    // The devnet's self-hosted gas tank on Base pays sponsored supertransactions.
    let tanks = devnet.gas_tanks();
    config.push_str(&format!(
        "\n[[gas_tanks]]\nchain_id = 8453\naddress = \"{}\"\ntoken = \"{}\"\nowner_key = \"{}\"\n",
        tanks.self_hosted,
        tanks.token,
        mee_devnet::gas_tank_key().private_key
    ));
    let path = dir.join("node.toml");
    std::fs::write(&path, config).unwrap();
    let log = std::fs::File::create(dir.join("node.log")).unwrap();
    let child = mee()
        .arg("node")
        .arg("--config")
        .arg(&path)
        .env("MEE_NODE_KEY", node_key().private_key)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("mee node starts");
    let node = NodeProcess(child);
    let started = Instant::now();
    while !info_answers(port) {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the node did not answer within 60 s:\n{}",
            std::fs::read_to_string(dir.join("node.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    (node, format!("http://127.0.0.1:{port}/v1"))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_whole_flow_through_a_node() {
    let devnet = crate::two_chain_devnet().await;
    let tmp = TempDir::new();
    let (_node, url) = start_node(&devnet, &tmp);
    let rpc = crate::rpc_list(&devnet);
    let keys = devnet.test_keys();
    let (owner, session_key) = (&keys[4], &keys[5]);
    let owner_env = |command: &mut std::process::Command| {
        command
            .env("MEE_RPC", &rpc)
            .env("MEE_NODE_URL", &url)
            .env("MEE_OWNER_KEY", &owner.private_key);
    };
    let node_log = || std::fs::read_to_string(tmp.join("node.log")).unwrap_or_default();

    // The owner's future account holds USDC for the fees.
    let mut address = mee();
    owner_env(&mut address);
    let address = ok(address.args(["account", "address", "--json"]));
    let address: Value = serde_json::from_str(&address.stdout).unwrap();
    let account: Address = address["chains"][0]["address"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let base = devnet.chain(8453).unwrap().provider();
    let mint = TestUSDC::mintCall {
        to: account,
        amount: U256::from(100_000_000u64),
    }
    .abi_encode();
    base.send_transaction(
        TransactionRequest::default()
            .from(keys[3].address)
            .to(DEVNET_USDC)
            .input(mint.into()),
    )
    .await
    .unwrap()
    .get_receipt()
    .await
    .unwrap();

    // 1. Prepare: deploy and install Smart Sessions on both chains, paying on Base.
    let mut prepare = mee();
    owner_env(&mut prepare);
    let prepared = run_logged(
        prepare.args(["session", "prepare", "--json", "--fee-chain", "8453"]),
        &node_log,
    );
    let prepared: Value = serde_json::from_str(&prepared).unwrap();
    assert_eq!(prepared["receipt"]["status"], "MINED_SUCCESS", "{prepared}");
    let mut status = mee();
    owner_env(&mut status);
    let status = ok(status.args(["account", "status", "--json"]));
    let status: Value = serde_json::from_str(&status.stdout).unwrap();
    for chain in status["chains"].as_array().unwrap() {
        assert_eq!(chain["deployed"], true, "{status}");
        assert_eq!(chain["smart_sessions_installed"], true, "{status}");
    }

    // 2. Grant off-chain, to the session key.
    let details = tmp.join("details.json");
    let fixture = format!(
        "{}/tests/fixtures/permissions.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut grant = mee();
    owner_env(&mut grant);
    ok(grant
        .args(["session", "grant", "-p", &fixture, "--redeemer"])
        .arg(session_key.address.to_string())
        .arg("-o")
        .arg(&details));

    // 3. The session key uses it: ENABLE_AND_USE on both chains, the fee paid through the
    // session on Base.
    let session = |command: &mut std::process::Command| {
        command
            .args(["session", "use", "-d"])
            .arg(&details)
            .args(["--account", &account.to_string(), "--fee-chain", "8453"])
            .env("MEE_RPC", &rpc)
            .env("MEE_NODE_URL", &url)
            .env("MEE_SESSION_KEY", &session_key.private_key);
    };
    let mut first = mee();
    session(&mut first);
    let used = run_logged(
        first
            .args(["--json"])
            .args(["--call", &format!("8453:{COUNTER}:increment()")])
            .args(["--call", &format!("10:{COUNTER}:increment()")]),
        &node_log,
    );
    let used: Value = serde_json::from_str(&used).unwrap();
    assert_eq!(used["receipt"]["status"], "MINED_SUCCESS", "{used}");
    for permission in used["permissions"].as_array().unwrap() {
        assert_eq!(permission["mode"], "ENABLE_AND_USE");
    }
    let hash = used["supertransaction"].as_str().unwrap().to_owned();

    let enabled = ok(mee()
        .args(["session", "status", "--json", "-d"])
        .arg(&details)
        .args(["--account", &account.to_string()])
        .env("MEE_RPC", &rpc));
    let enabled: Value = serde_json::from_str(&enabled.stdout).unwrap();
    for permission in enabled["permissions"].as_array().unwrap() {
        assert_eq!(permission["enabled"], true, "{enabled}");
    }

    // 4. Used again: USE now, a transfer within the rules.
    let mut again = mee();
    session(&mut again);
    let again = run_logged(
        again.arg("--json").args([
            "--transfer",
            &format!("8453:{DEVNET_USDC}:{RECIPIENT}:1000000"),
        ]),
        &node_log,
    );
    let again: Value = serde_json::from_str(&again).unwrap();
    assert_eq!(again["permissions"][0]["mode"], "USE");
    assert_eq!(again["receipt"]["status"], "MINED_SUCCESS", "{again}");

    // 4b. Sponsored: the node's self-hosted gas tank pays (`--gas-tank` without
    // `--sponsorship-url`: the node is the sponsorship backend).
    let sponsored = run_logged(
        mee()
            .args(["session", "use", "-d"])
            .arg(&details)
            .args(["--account", &account.to_string(), "--sponsored", "--json"])
            .args(["--gas-tank", &devnet.gas_tanks().self_hosted.to_string()])
            .args(["--gas-tank-chain", "8453"])
            .args(["--call", &format!("10:{COUNTER}:increment()")])
            .env("MEE_RPC", &rpc)
            .env("MEE_NODE_URL", &url)
            .env("MEE_SESSION_KEY", &session_key.private_key),
        &node_log,
    );
    let sponsored: Value = serde_json::from_str(&sponsored).unwrap();
    assert_eq!(
        sponsored["receipt"]["status"], "MINED_SUCCESS",
        "{sponsored}"
    );
    let fee = &sponsored["receipt"]["fee"];
    assert_eq!(fee["sponsored"], true, "{sponsored}");
    assert_eq!(fee["chain_id"], 8453, "{sponsored}");

    // 5. Outside the rules: more than 10 USDC in one transfer.
    let mut outside = mee();
    session(&mut outside);
    let refused = fails(outside.args([
        "--transfer",
        &format!("8453:{DEVNET_USDC}:{COUNTER}:20000000"),
    ]));
    assert!(
        refused.stderr.contains("PolicyViolation")
            && refused
                .stderr
                .contains("rule #1 `arg2 <= 12000000 (total <= 52000000)` fails"),
        "{}\nnode log:\n{}",
        refused.stderr,
        node_log()
    );

    // The receipt of the first use, by hash.
    let receipt = ok(mee()
        .args(["receipt", &hash, "--json"])
        .env("MEE_NODE_URL", &url));
    let receipt: Value = serde_json::from_str(&receipt.stdout).unwrap();
    assert_eq!(receipt["status"], "MINED_SUCCESS");

    // 6. The owner revokes on both chains; the permission is gone.
    let mut revoke = mee();
    owner_env(&mut revoke);
    let revoked = run_logged(
        revoke
            .args(["session", "revoke", "--json", "--fee-chain", "8453", "-d"])
            .arg(&details),
        &node_log,
    );
    let revoked: Value = serde_json::from_str(&revoked).unwrap();
    assert_eq!(revoked["receipt"]["status"], "MINED_SUCCESS", "{revoked}");
    let gone = ok(mee()
        .args(["session", "status", "--json", "-d"])
        .arg(&details)
        .args(["--account", &account.to_string()])
        .env("MEE_RPC", &rpc));
    let gone: Value = serde_json::from_str(&gone.stdout).unwrap();
    for permission in gone["permissions"].as_array().unwrap() {
        assert_eq!(permission["enabled"], false, "{gone}");
    }
    let mut after = mee();
    session(&mut after);
    let after = fails(after.args(["--call", &format!("8453:{COUNTER}:increment()")]));
    assert!(
        after.stderr.contains("no longer valid on chain 8453"),
        "{}",
        after.stderr
    );
}

/// Runs a command that must succeed; on failure shows its stderr and the node's log.
fn run_logged(command: &mut std::process::Command, node_log: &dyn Fn() -> String) -> String {
    let out = crate::run(command);
    assert!(
        out.success,
        "{command:?} failed:\n{}\nnode log:\n{}",
        out.stderr,
        node_log()
    );
    out.stdout
}
