//! The MEE client against a canned node on a local port: connection checks, quote and exec
//! round trips, error bodies, and waiting for a receipt through changing explorer answers.

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use alloy::primitives::{B256, b256};
use mee_sdk::{
    Error, MeeClient, account::MultichainAccount, clock::SteppingClock, instruction::Instruction,
    payment::FeeToken, primitives::api::ExecutionStatus, quote::QuoteParams,
    status::ConfirmationMode,
};
use serde_json::{Value, json};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

use super::vectors;

const ACCOUNT: alloy::primitives::Address =
    alloy::primitives::address!("0x50255639C0e4d184cEBFF9Ea78F3055283290700");

/// What the canned node answers: `(status, body)` per request, by method and path.
type Answer = Arc<dyn Fn(&str, &str, &Value) -> (u16, Value) + Send + Sync>;

/// Serves `answer` on a free local port; returns the base URL.
async fn serve(answer: Answer) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let answer = answer.clone();
            tokio::spawn(async move {
                let mut buffer = Vec::new();
                let mut chunk = [0u8; 4096];
                let (head_end, length) = loop {
                    let n = socket.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buffer.extend_from_slice(&chunk[..n]);
                    if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buffer[..end]).to_lowercase();
                        let length = head
                            .lines()
                            .find_map(|line| line.strip_prefix("content-length:"))
                            .map(|value| value.trim().parse::<usize>().unwrap())
                            .unwrap_or(0);
                        break (end + 4, length);
                    }
                };
                while buffer.len() < head_end + length {
                    let n = socket.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    buffer.extend_from_slice(&chunk[..n]);
                }
                let head = String::from_utf8_lossy(&buffer[..head_end]).to_string();
                let mut request_line = head.lines().next().unwrap().split(' ');
                let method = request_line.next().unwrap().to_owned();
                let path = request_line.next().unwrap().to_owned();
                let body: Value =
                    serde_json::from_slice(&buffer[head_end..]).unwrap_or(Value::Null);
                let api_key = head
                    .lines()
                    .any(|line| line.to_lowercase() == "x-api-key: test-key");
                let (status, json) = if api_key {
                    answer(&method, &path, &body)
                } else {
                    (401, json!({"error": "missing api key"}))
                };
                let text = json.to_string();
                let response = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
                    text.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
            });
        }
    });
    url
}

fn info(chains: &[u64]) -> Value {
    json!({
        "version": "1.0.0",
        "node": "0x7564105E977516C53bE337314c7E53838967bDaC",
        "supportedChains": chains.iter().map(|c| json!({"chainId": c.to_string(), "name": "chain"})).collect::<Vec<_>>(),
        "supportedGasTokens": [{"chainId": "8453", "isArbitraryFeeTokensSupported": false, "paymentTokens": []}],
    })
}

/// The recorded exec body of the two-chain case, a quote the node has answered.
fn recorded_exec() -> Value {
    let file = vectors("quote-requests.json");
    let case = file["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|case| case["name"] == "simple_deployed_two_chains_batched")
        .unwrap()
        .clone();
    case["requests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["path"] == "/exec")
        .unwrap()["bodyVerbatim"]
        .clone()
}

fn quote_of(exec: &Value) -> Value {
    let mut quote = exec.clone();
    for added in [
        "signature",
        "meeVersions",
        "isEIP712TrustedSponsorshipSupported",
    ] {
        quote.as_object_mut().unwrap().remove(added);
    }
    quote
}

/// The explorer entry of `quote` with each userOp's `(status, tx, confirmed)`.
fn explorer(quote: &Value, states: &[(&str, Option<B256>, bool)]) -> Value {
    let mut entry = quote.clone();
    for (op, (status, tx, confirmed)) in entry["userOps"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .zip(states)
    {
        op["executionStatus"] = json!(status);
        op["isConfirmed"] = json!(confirmed);
        if let Some(tx) = tx {
            op["executionData"] = json!(tx.to_string());
        }
        if *status == "FAILED" {
            op["executionError"] = json!("simulation reverted");
        }
    }
    entry
}

async fn client(url: &str, chains: &[u64]) -> Result<MeeClient, Error> {
    let account = MultichainAccount::at(ACCOUNT, chains.iter().copied());
    MeeClient::builder()
        .url(url)
        .api_key("test-key")
        .account(account)
        .clock(Arc::new(SteppingClock::new(1_735_689_600_000)))
        .polling_interval(Duration::from_millis(5))
        .connect()
        .await
}

const TX_A: B256 = b256!("0x00000000000000000000000000000000000000000000000000000000000000aa");
const TX_B: B256 = b256!("0x00000000000000000000000000000000000000000000000000000000000000bb");

#[tokio::test]
async fn connect_checks_the_account_chains() {
    let url = serve(Arc::new(|_, path, _| match path {
        "/v1/info" => (200, info(&[8453])),
        _ => (404, json!({"error": "no route"})),
    }))
    .await;
    let connected = client(&url, &[8453]).await.unwrap();
    assert_eq!(connected.info().unwrap().supported_chains[0].chain_id, 8453);
    assert!(matches!(
        client(&url, &[8453, 10]).await,
        Err(Error::UnsupportedChains(chains)) if chains == vec![10]
    ));
    let unauthorised = MeeClient::builder().url(&url).connect().await;
    assert!(matches!(
        unauthorised,
        Err(Error::Node { status: 401, message }) if message == "missing api key"
    ));
}

#[tokio::test]
async fn quote_sign_exec_and_wait() {
    let exec = recorded_exec();
    let quote = quote_of(&exec);
    let explorer_calls = Arc::new(AtomicUsize::new(0));
    let answer: Answer = {
        let quote = quote.clone();
        let calls = explorer_calls.clone();
        Arc::new(move |method, path, body| match (method, path) {
            ("GET", "/v1/info") => (200, info(&[8453, 10])),
            ("POST", "/v1/quote") => {
                assert_eq!(body["quoteType"], "simple");
                assert_eq!(body["userOps"].as_array().unwrap().len(), 2);
                (200, quote.clone())
            }
            ("POST", "/v1/exec") => {
                let signature = body["signature"].as_str().unwrap();
                assert!(signature.starts_with("0x177eee00"));
                assert_eq!(signature.len(), 2 + 2 * (4 + 65));
                assert_eq!(body["isEIP712TrustedSponsorshipSupported"], true);
                (200, json!({"hash": body["hash"]}))
            }
            ("GET", p) if p.starts_with("/v1/explorer/") => {
                let n = calls.fetch_add(1, Ordering::SeqCst);
                let states: &[(&str, Option<B256>, bool)] = match n {
                    0 => &[
                        ("MINED_SUCCESS", Some(TX_A), true),
                        ("PENDING", None, false),
                        ("MINING", Some(TX_A), false),
                    ],
                    1 => &[
                        ("MINED_SUCCESS", Some(TX_A), true),
                        ("MINED_SUCCESS", Some(TX_A), false),
                        ("MINING", Some(TX_A), false),
                    ],
                    _ => &[
                        ("MINED_SUCCESS", Some(TX_A), true),
                        ("MINED_SUCCESS", Some(TX_A), true),
                        ("MINED_SUCCESS", Some(TX_B), true),
                    ],
                };
                (200, explorer(&quote, states))
            }
            _ => (404, json!({"error": "no route"})),
        })
    };
    let url = serve(answer).await;
    let client = client(&url, &[8453, 10]).await.unwrap();
    let owner =
        alloy::signers::local::PrivateKeySigner::from_bytes(&B256::repeat_byte(0x11)).unwrap();
    let params = QuoteParams::new()
        .instruction(Instruction::raw_calldata(8453, ACCOUNT, [1, 2, 3, 4]))
        .instruction(Instruction::raw_calldata(10, ACCOUNT, [1, 2, 3, 4]))
        .fee_token(FeeToken {
            address: ACCOUNT,
            chain_id: 8453,
        });
    // The offline account has no RPC: building the quote needs the chain.
    assert!(matches!(
        client.quote(&params).await,
        Err(Error::NoRpc(8453))
    ));

    let answered: mee_sdk::primitives::api::QuoteResponse =
        serde_json::from_value(quote.clone()).unwrap();
    let signed = client.sign_quote(answered, &owner).unwrap();
    assert_eq!(
        serde_json::to_value(&signed).unwrap()["signature"],
        exec["signature"],
        "the SDK's signature over the same hash"
    );
    let hash = client.exec(&signed).await.unwrap();
    assert_eq!(hash, signed.hash);

    let mut replaced = Vec::new();
    let receipt = client
        .wait_for_supertransaction_receipt(hash, Default::default(), |op, tx| {
            replaced.push((op, tx))
        })
        .await
        .unwrap();
    assert!(receipt.status.is_success() && receipt.status.is_finalised);
    assert_eq!(explorer_calls.load(Ordering::SeqCst), 3);
    assert_eq!(replaced.len(), 1);
    assert_eq!(replaced[0].1, TX_B);
    assert_eq!(replaced[0].0, signed.user_ops[2].mee_user_op_hash);
}

#[tokio::test]
async fn failures_and_timeouts_end_the_wait() {
    let quote = quote_of(&recorded_exec());
    let answer: Answer = Arc::new(move |method, path, _| match (method, path) {
        ("GET", "/v1/info") => (200, info(&[8453, 10])),
        ("GET", p) if p.ends_with(&B256::with_last_byte(1).to_string()) => (
            200,
            explorer(
                &quote,
                &[
                    ("MINED_SUCCESS", None, true),
                    ("MINED_SUCCESS", None, true),
                    ("FAILED", None, false),
                ],
            ),
        ),
        ("GET", p) if p.starts_with("/v1/explorer/") => (
            200,
            explorer(
                &quote,
                &[
                    ("MINED_SUCCESS", None, true),
                    ("PENDING", None, false),
                    ("PENDING", None, false),
                ],
            ),
        ),
        _ => (
            400,
            json!({"errors": [{"msg": "bad thing", "path": "userOps[0].nonce"}]}),
        ),
    });
    let url = serve(answer).await;
    let client = client(&url, &[8453]).await.unwrap();
    let failed = client
        .wait_for_supertransaction_receipt(B256::with_last_byte(1), Default::default(), |_, _| {})
        .await;
    assert!(matches!(
        failed,
        Err(Error::SupertransactionFailed { status: ExecutionStatus::Failed, message })
            if message == "[2] simulation reverted"
    ));
    let options = mee_sdk::client::WaitOptions {
        mode: ConfirmationMode::FastBlock,
        polling_interval: Some(Duration::from_millis(5)),
        timeout: Some(Duration::from_millis(30)),
        ..Default::default()
    };
    let pending = client
        .wait_for_supertransaction_receipt(B256::with_last_byte(2), options, |_, _| {})
        .await;
    assert!(matches!(pending, Err(Error::Timeout(_))));
    let receipt = client
        .supertransaction_receipt(B256::with_last_byte(2), ConfirmationMode::Confirmed)
        .await
        .unwrap();
    assert_eq!(receipt.status.status, ExecutionStatus::Pending);
    let rejected = client
        .exec(&serde_json::from_value(recorded_exec()).unwrap())
        .await;
    assert!(matches!(
        rejected,
        Err(Error::Node { status: 400, message }) if message == "userOps[0].nonce: bad thing"
    ));
}
