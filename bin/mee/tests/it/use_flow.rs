//! `mee session use` on a devnet account that is deployed with Smart Sessions installed, against
//! a canned node: the fee check, which userOps enable the granted session and which use it, a
//! grant invalidated on one chain, a permission that is not enabled, and a decoded policy
//! violation.
//!
//! The account is prepared without a node: the factory deploys it, and anvil lets the account
//! itself send the installation calls (impersonation), which is what a PREPARE supertransaction
//! does through the EntryPoint.

use std::sync::{Arc, Mutex};

use alloy::{
    primitives::{Address, Bytes, U256},
    providers::{Provider, ext::AnvilApi},
    rpc::types::TransactionRequest,
    sol_types::{SolCall, SolError},
};
use mee_contracts::{sessions::SmartSession, tokens::TestUSDC};
use mee_devnet::DevnetChain;
use mee_primitives::{
    SessionDetails,
    account::NexusDeployment,
    addresses::{DEVNET_USDC, MEE_2_0_0, SMART_SESSIONS, policies},
    session::{ISmartSession, enable_sessions_calldata},
};
use mee_sdk::account::MultichainAccount;
use serde_json::{Value, json};

use crate::{
    TempDir,
    canned_node::{Answer, info},
    fails, mee, normalise, ok, snapshot,
};

const COUNTER: &str = "0xc0fFEE0000000000000000000000000000000003";
const RECIPIENT: &str = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";

/// Sends `data` to `to` from `from` (an anvil dev key or an impersonated address).
async fn send(chain: &DevnetChain, from: Address, to: Address, data: impl Into<Bytes>) {
    let provider = chain.provider();
    let receipt = provider
        .send_transaction(
            TransactionRequest::default()
                .from(from)
                .to(to)
                .input(data.into().into()),
        )
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    assert!(receipt.status(), "transaction to {to} reverted");
}

/// Deploys `owner`'s account and installs Smart Sessions on `chain`, as PREPARE would.
async fn prepare(chain: &DevnetChain, owner: Address, funder: Address) -> Address {
    let deployment = NexusDeployment::new(MEE_2_0_0, owner, U256::ZERO);
    send(
        chain,
        funder,
        deployment.factory(),
        deployment.factory_data(),
    )
    .await;
    let account = MultichainAccount::builder()
        .signer(owner)
        .chain(mee_sdk::account::ChainConfig::new(chain.chain_id()).rpc(chain.provider()))
        .connect()
        .await
        .unwrap();
    let address = account.address_on(chain.chain_id()).unwrap();
    let provider = chain.provider();
    provider
        .anvil_set_balance(address, U256::from(10).pow(U256::from(18)))
        .await
        .unwrap();
    provider.anvil_impersonate_account(address).await.unwrap();
    for call in account
        .smart_sessions()
        .install_calls(chain.chain_id())
        .unwrap()
    {
        send(chain, address, call.to, call.data).await;
    }
    address
}

/// Runs `data` as the account itself on `chain`.
async fn as_account(chain: &DevnetChain, account: Address, to: Address, data: Vec<u8>) {
    send(chain, account, to, data).await;
}

/// The quote the canned node answers: a recorded two-chain session quote, paid by `account`.
fn canned_quote(account: Address) -> Value {
    let mut quote = crate::recorded_quote("session_enable_and_use_two_chains", "1500000");
    quote["paymentInfo"]["sender"] = json!(account);
    quote["paymentInfo"]
        .as_object_mut()
        .unwrap()
        .remove("sessionDetails");
    for op in quote["userOps"].as_array_mut().unwrap() {
        op.as_object_mut().unwrap().remove("sessionDetails");
    }
    quote
}

/// A node that quotes `quote` (or refuses with `refusal`), records exec bodies, and reports
/// every supertransaction as mined.
fn node(quote: Value, refusal: Option<String>, execs: Arc<Mutex<Vec<Value>>>) -> String {
    let hash = quote["hash"].clone();
    let explorer = {
        let mut entry = quote.clone();
        for (index, op) in entry["userOps"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .enumerate()
        {
            op["executionStatus"] = json!("MINED_SUCCESS");
            op["isConfirmed"] = json!(true);
            op["executionData"] = json!(format!("0x{:064x}", 0xbb00 + index));
        }
        entry
    };
    let answer: Answer = Arc::new(move |method, path| match (method, path) {
        ("GET", "/v1/info") => (200, info()),
        ("POST", "/v1/quote") => match &refusal {
            Some(message) => (
                400,
                json!({"code": "SIMULATION_FAILED", "message": message}),
            ),
            None => (200, quote.clone()),
        },
        ("POST", "/v1/exec") => (200, json!({"hash": hash})),
        ("GET", p) if p.starts_with("/v1/explorer/") => (200, explorer.clone()),
        _ => (404, json!({"code": "NOT_FOUND", "message": "no route"})),
    });
    serve_recording(answer, execs)
}

/// [`serve`], also keeping each `POST /v1/exec` body.
fn serve_recording(answer: Answer, execs: Arc<Mutex<Vec<Value>>>) -> String {
    crate::canned_node::serve_with_bodies(
        answer,
        Arc::new(move |method: &str, path: &str, body: &Value| {
            if method == "POST" && path == "/v1/exec" {
                execs.lock().unwrap().push(body.clone());
            }
        }),
    )
}

fn modes(exec: &Value) -> Vec<String> {
    exec["userOps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|op| {
            format!(
                "{}:{}",
                op["chainId"].as_str().unwrap(),
                op["sessionDetails"]["mode"].as_str().unwrap()
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn session_use_against_a_canned_node() {
    let devnet = crate::two_chain_devnet().await;
    let rpc = crate::rpc_list(&devnet);
    let keys = devnet.test_keys();
    let (owner, session_key, funder) = (&keys[0], &keys[1], keys[3].address);
    let base = devnet.chain(8453).unwrap();
    let op = devnet.chain(10).unwrap();
    let account = prepare(base, owner.address, funder).await;
    assert_eq!(prepare(op, owner.address, funder).await, account);
    let tmp = TempDir::new();
    let norm = |text: &str| normalise(text, Some(tmp.path()));

    // The owner grants; the account is ready on both chains now.
    let details_path = tmp.join("details.json");
    let fixture = format!(
        "{}/tests/fixtures/permissions.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let grant = ok(mee()
        .args(["session", "grant", "-p", &fixture, "-o"])
        .arg(&details_path)
        .env("MEE_RPC", &rpc)
        .env("MEE_OWNER_KEY", &owner.private_key));
    assert!(!grant.stderr.contains("not installed"), "{}", grant.stderr);
    let details: Vec<SessionDetails> =
        serde_json::from_str(&std::fs::read_to_string(&details_path).unwrap()).unwrap();
    let permission = details[0].permission_id;
    let status = ok(mee()
        .args(["session", "status", "--json", "-d"])
        .arg(&details_path)
        .args(["--account", &account.to_string()])
        .env("MEE_RPC", &rpc));
    let status: Value = serde_json::from_str(&status.stdout).unwrap();
    for chain in status["permissions"].as_array().unwrap() {
        assert_eq!(chain["account_deployed"], true);
        assert_eq!(chain["smart_sessions_installed"], true);
        assert_eq!(chain["enabled"], false);
        assert_eq!(chain["grant_signature_valid"], true);
    }

    let execs = Arc::new(Mutex::new(Vec::new()));
    let url = node(canned_quote(account), None, execs.clone());
    let use_session = || {
        let mut command = mee();
        command
            .args(["session", "use", "-d"])
            .arg(&details_path)
            .args(["--account", &account.to_string(), "--node-url", &url])
            .args(["--call", &format!("8453:{COUNTER}:increment()")])
            .args(["--call", &format!("10:{COUNTER}:increment()")])
            .args(["--fee-chain", "8453"])
            .env("MEE_API_KEY", "test-key")
            .env("MEE_RPC", &rpc)
            .env("MEE_SESSION_KEY", &session_key.private_key);
        command
    };

    // No USDC in the account: the fee cannot be paid, and nothing is executed.
    let broke = fails(&mut use_session());
    assert!(
        broke.stderr.contains(&format!(
            "not enough USDC for the fee: the account {account} holds 0 USDC on chain 8453, the fee is 1.5 USDC"
        )),
        "{}",
        broke.stderr
    );
    assert!(execs.lock().unwrap().is_empty());

    // Funded: the first userOp of each chain enables the granted session, the others use it.
    let mint = TestUSDC::mintCall {
        to: account,
        amount: U256::from(10_000_000u64),
    }
    .abi_encode();
    send(base, funder, DEVNET_USDC, mint).await;
    let used = ok(use_session().arg("--json"));
    snapshot("session-use.json", &norm(&used.stdout));
    let exec = execs.lock().unwrap().last().cloned().unwrap();
    assert_eq!(modes(&exec), ["8453:0x02", "8453:0x00", "10:0x02"]);
    assert!(
        exec["signature"]
            .as_str()
            .unwrap()
            .starts_with("0x177eee00")
    );
    for op in exec["userOps"].as_array().unwrap() {
        assert_eq!(op["sessionDetails"]["permissionId"], json!(permission));
    }

    // Enabled on Base (as after that first use): Base only uses it, OP still enables.
    as_account(
        base,
        account,
        SMART_SESSIONS,
        enable_sessions_calldata(vec![details[0].session()]).to_vec(),
    )
    .await;
    ok(&mut use_session());
    let exec = execs.lock().unwrap().last().cloned().unwrap();
    assert_eq!(modes(&exec), ["8453:0x00", "8453:0x00", "10:0x02"]);

    // The owner invalidates the grant's signature on OP: the session key is told before
    // anything is sent, and status shows it.
    let revoke = ISmartSession::revokeEnableSignatureCall {
        permissionId: permission.into_inner(),
    }
    .abi_encode();
    as_account(op, account, SMART_SESSIONS, revoke).await;
    let sent = execs.lock().unwrap().len();
    let stale = fails(&mut use_session());
    assert!(
        stale.stderr.contains(&format!(
            "the grant of permission {permission} is no longer valid on chain 10"
        )),
        "{}",
        stale.stderr
    );
    assert_eq!(execs.lock().unwrap().len(), sent);
    let status = ok(mee()
        .args(["session", "status", "-d"])
        .arg(&details_path)
        .args(["--account", &account.to_string()])
        .env("MEE_RPC", &rpc));
    snapshot("session-status-after-use.txt", &norm(&status.stdout));

    // USE on a chain where the permission is not enabled.
    let not_enabled = fails(use_session().args(["--mode", "use"]));
    assert!(
        not_enabled.stderr.contains(&format!(
            "permission {permission} is not enabled on chain 10"
        )),
        "{}",
        not_enabled.stderr
    );

    // On Base alone it works with USE.
    let execs_base = Arc::new(Mutex::new(Vec::new()));
    let mut base_quote = canned_quote(account);
    base_quote["userOps"].as_array_mut().unwrap().truncate(2);
    let base_url = node(base_quote, None, execs_base.clone());
    ok(mee()
        .args(["session", "use", "-d"])
        .arg(&details_path)
        .args(["--account", &account.to_string(), "--node-url", &base_url])
        .args([
            "--transfer",
            &format!("8453:{DEVNET_USDC}:{RECIPIENT}:1000000"),
        ])
        .env("MEE_API_KEY", "test-key")
        .env("MEE_RPC", &rpc)
        .env("MEE_SESSION_KEY", &session_key.private_key));
    assert_eq!(
        modes(&execs_base.lock().unwrap()[0]),
        ["8453:0x00", "8453:0x00"]
    );

    // The node's simulation hits the universal policy: the failing rule is named.
    let violation = SmartSession::PolicyViolation {
        permissionId: permission.into_inner(),
        policy: policies::UNIVERSAL_ACTION,
    }
    .abi_encode();
    let refusal = format!(
        "simulation failed: AA23 reverted {}",
        Bytes::from(violation)
    );
    let refusing = node(canned_quote(account), Some(refusal), Arc::default());
    let too_much = fails(
        mee()
            .args(["session", "use", "-d"])
            .arg(&details_path)
            .args(["--account", &account.to_string(), "--node-url", &refusing])
            .args([
                "--transfer",
                &format!("8453:{DEVNET_USDC}:{COUNTER}:20000000"),
            ])
            .env("MEE_API_KEY", "test-key")
            .env("MEE_RPC", &rpc)
            .env("MEE_SESSION_KEY", &session_key.private_key),
    );
    snapshot(
        "session-use-policy-violation.txt",
        &norm(
            &too_much
                .stderr
                .lines()
                .filter(|l| !l.ends_with('…'))
                .collect::<Vec<_>>()
                .join("\n"),
        ),
    );
    assert!(
        too_much
            .stderr
            .contains("PolicyViolation: the universal action policy"),
        "{}",
        too_much.stderr
    );
    assert!(
        too_much.stderr.contains(
            "rule #1 `arg2 <= 12000000 (total <= 52000000)` fails: the argument is 20000000"
        ),
        "{}",
        too_much.stderr
    );
}

/// A recorded owner quote (two chains), paid by `account`.
fn owner_quote(account: Address) -> Value {
    let mut quote = crate::recorded_quote("simple_deployed_two_chains_batched", "2500000");
    quote["paymentInfo"]["sender"] = json!(account);
    quote
}

/// The hex calldata of every userOp of a recorded quote request.
fn call_data(request: &Value) -> String {
    request["userOps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|op| op["callData"].as_str().unwrap().to_lowercase())
        .collect::<Vec<_>>()
        .join(" ")
}

#[tokio::test(flavor = "multi_thread")]
async fn prepare_and_revoke_against_a_canned_node() {
    let devnet = crate::two_chain_devnet().await;
    let rpc = crate::rpc_list(&devnet);
    let keys = devnet.test_keys();
    let (owner, funder) = (&keys[2], keys[3].address);
    let base = devnet.chain(8453).unwrap();
    let tmp = TempDir::new();
    let norm = |text: &str| normalise(text, Some(tmp.path()));
    let fixture = format!(
        "{}/tests/fixtures/permissions.toml",
        env!("CARGO_MANIFEST_DIR")
    );

    let address = ok(mee()
        .args(["account", "address", "--json", "--chains", "8453"])
        .env("MEE_RPC", &rpc)
        .env("MEE_OWNER_KEY", &owner.private_key));
    let address: Value = serde_json::from_str(&address.stdout).unwrap();
    let account: Address = address["chains"][0]["address"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();

    let quotes = Arc::new(Mutex::new(Vec::new()));
    let execs = Arc::new(Mutex::new(Vec::new()));
    let quote = owner_quote(account);
    let hash = quote["hash"].clone();
    let explorer = {
        let mut entry = quote.clone();
        for op in entry["userOps"].as_array_mut().unwrap() {
            op["executionStatus"] = json!("MINED_SUCCESS");
            op["isConfirmed"] = json!(true);
        }
        entry
    };
    let (seen_quotes, seen_execs) = (quotes.clone(), execs.clone());
    let url = crate::canned_node::serve_with_bodies(
        Arc::new(move |method, path| match (method, path) {
            ("GET", "/v1/info") => (200, info()),
            ("POST", "/v1/quote") => (200, quote.clone()),
            ("POST", "/v1/exec") => (200, json!({"hash": hash})),
            ("GET", p) if p.starts_with("/v1/explorer/") => (200, explorer.clone()),
            _ => (404, json!({"code": "NOT_FOUND", "message": "no route"})),
        }),
        Arc::new(
            move |method: &str, path: &str, body: &Value| match (method, path) {
                ("POST", "/v1/quote") => seen_quotes.lock().unwrap().push(body.clone()),
                ("POST", "/v1/exec") => seen_execs.lock().unwrap().push(body.clone()),
                _ => {}
            },
        ),
    );
    let details_path = tmp.join("prepared.json");
    let prepare = || {
        let mut command = mee();
        command
            .args(["session", "prepare", "--json", "-p", &fixture, "-o"])
            .arg(&details_path)
            .args(["--node-url", &url])
            .env("MEE_API_KEY", "test-key")
            .env("MEE_RPC", &rpc)
            .env("MEE_OWNER_KEY", &owner.private_key);
        command
    };

    // The fee comes from the account's future address, which holds nothing yet.
    let broke = fails(&mut prepare());
    assert!(
        broke.stderr.contains(&format!(
            "not enough USDC for the fee: the account {account} holds 0 USDC on chain 8453, the fee is 2.5 USDC. Send at least 2.5 USDC"
        )),
        "{}",
        broke.stderr
    );
    assert!(!details_path.exists(), "nothing written before execution");
    assert!(execs.lock().unwrap().is_empty());

    // Funded: one PREPARE quote that deploys, installs and enables on both chains.
    let mint = TestUSDC::mintCall {
        to: account,
        amount: U256::from(10_000_000u64),
    }
    .abi_encode();
    send(base, funder, DEVNET_USDC, mint).await;
    let prepared = ok(&mut prepare());
    snapshot("session-prepare.json", &norm(&prepared.stdout));
    let request = quotes.lock().unwrap().last().cloned().unwrap();
    let data = call_data(&request);
    let install = hex_of(&mee_sdk::account::IAccount::installModuleCall::SELECTOR);
    let enable = hex_of(&ISmartSession::enableSessionsCall::SELECTOR);
    assert_eq!(
        data.matches(&install).count(),
        2,
        "installModule on each chain"
    );
    assert_eq!(
        data.matches(&enable).count(),
        2,
        "enableSessions on each chain"
    );
    // The payment op deploys the account on the fee chain; OP's first op deploys it there.
    let deploying: Vec<&str> = request["userOps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|op| op["initCode"].as_str().is_some_and(|code| code.len() > 2))
        .map(|op| op["chainId"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(deploying, ["10"]);
    assert!(
        request["paymentInfo"]["initCode"]
            .as_str()
            .is_some_and(|code| code.len() > 2),
        "the payment op deploys on the fee chain"
    );
    let details: Vec<SessionDetails> =
        serde_json::from_str(&std::fs::read_to_string(&details_path).unwrap()).unwrap();
    assert_eq!(details.len(), 2);
    assert!(
        details
            .iter()
            .all(|entry| entry.mode == mee_primitives::SmartSessionMode::USE)
    );
    let exec = execs.lock().unwrap().last().cloned().unwrap();
    assert!(
        exec["signature"]
            .as_str()
            .unwrap()
            .starts_with("0x177eee00")
    );

    // Nothing was enabled on the chains (the node is canned), so there is nothing to remove...
    let revoke = || {
        let mut command = mee();
        command
            .args(["session", "revoke", "-d"])
            .arg(&details_path)
            .args(["--node-url", &url])
            .env("MEE_API_KEY", "test-key")
            .env("MEE_RPC", &rpc)
            .env("MEE_OWNER_KEY", &owner.private_key);
        command
    };
    let nothing = fails(&mut revoke());
    assert!(
        nothing
            .stderr
            .contains("nothing to revoke: the permission is not enabled on any of its chains"),
        "{}",
        nothing.stderr
    );
    // ...but outstanding grant signatures can be invalidated on both chains.
    ok(revoke().arg("--enable-signature"));
    let request = quotes.lock().unwrap().last().cloned().unwrap();
    let revoke_selector = hex_of(&ISmartSession::revokeEnableSignatureCall::SELECTOR);
    assert_eq!(
        call_data(&request).matches(&revoke_selector).count(),
        2,
        "one revokeEnableSignature per chain"
    );
}

fn hex_of(selector: &[u8]) -> String {
    alloy::primitives::hex::encode(selector)
}
