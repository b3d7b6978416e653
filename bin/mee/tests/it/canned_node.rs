//! `mee receipt` against a canned node on a local port: statuses, waiting, decoded failures,
//! the API key, and node errors. The explorer entries are built from a supertransaction the
//! TypeScript SDK recorded (`tests/vectors/quote-requests.json`).

use std::{
    io::{Read, Write},
    net::TcpListener,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
};

use alloy::{
    primitives::{Bytes, U256, b256},
    sol_types::SolError,
};
use mee_contracts::{entry_point::EntryPoint, sessions::SmartSession};
use mee_primitives::addresses::policies;
use serde_json::{Value, json};

use crate::{fails, mee, normalise, ok, snapshot};

/// What the node answers a request: `(status, body)` by method and path.
pub(crate) type Answer = Arc<dyn Fn(&str, &str) -> (u16, Value) + Send + Sync>;

/// Sees each request's method, path and JSON body.
pub(crate) type Observer = Arc<dyn Fn(&str, &str, &Value) + Send + Sync>;

/// Serves `answer` on a free port until the test ends; returns the base URL. Requests need
/// `x-api-key: test-key`.
pub(crate) fn serve(answer: Answer) -> String {
    serve_with_bodies(answer, Arc::new(|_: &str, _: &str, _: &Value| {}))
}

/// [`serve`], showing every request to `observe` first.
pub(crate) fn serve_with_bodies(answer: Answer, observe: Observer) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut buffer = Vec::new();
            let mut chunk = [0u8; 8192];
            let head_end = loop {
                if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                    break end + 4;
                }
                match stream.read(&mut chunk) {
                    Ok(0) | Err(_) => break buffer.len(),
                    Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                }
            };
            let head = String::from_utf8_lossy(&buffer[..head_end]).to_string();
            let length = head
                .lines()
                .find_map(|line| {
                    line.to_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().to_owned())
                })
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(0);
            while buffer.len() < head_end + length {
                match stream.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                }
            }
            let body: Value = serde_json::from_slice(&buffer[head_end..]).unwrap_or(Value::Null);
            let mut line = head.lines().next().unwrap_or_default().split(' ');
            let method = line.next().unwrap_or_default().to_owned();
            let path = line.next().unwrap_or_default().to_owned();
            let keyed = head
                .lines()
                .any(|line| line.to_lowercase() == "x-api-key: test-key");
            let (status, body) = if keyed {
                observe(&method, &path, &body);
                answer(&method, &path)
            } else {
                (
                    401,
                    json!({"code": "UNAUTHORIZED", "message": "missing api key"}),
                )
            };
            let text = body.to_string();
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
                text.len()
            );
        }
    });
    url
}

pub(crate) fn info() -> Value {
    json!({
        "version": "1.0.0",
        "node": "0x7564105E977516C53bE337314c7E53838967bDaC",
        "supportedChains": [{"chainId": "8453", "name": "Base"}, {"chainId": "10", "name": "OP"}],
        "supportedGasTokens": [{"chainId": "8453", "isArbitraryFeeTokensSupported": false, "paymentTokens": []}],
    })
}

/// The quote of the recorded two-chain supertransaction.
fn recorded_quote() -> Value {
    crate::recorded_quote("simple_deployed_two_chains_batched", "1234567")
}

/// The explorer entry with each userOp's `(status, confirmed, error)`.
fn explorer(quote: &Value, states: &[(&str, bool, Option<&str>)]) -> Value {
    let mut entry = quote.clone();
    for (index, (op, (status, confirmed, error))) in entry["userOps"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .zip(states)
        .enumerate()
    {
        op["executionStatus"] = json!(status);
        op["isConfirmed"] = json!(confirmed);
        if *status != "PENDING" {
            op["executionData"] = json!(format!("0x{:064x}", 0xaa00 + index));
        }
        if let Some(error) = error {
            op["executionError"] = json!(error);
        }
    }
    entry
}

/// The revert an EntryPoint reports when a usage limit stops a session userOp.
fn usage_limit_revert() -> String {
    let inner = SmartSession::PolicyViolation {
        permissionId: b256!("0x9e4d8ad4d2c8a1f2d2c1ba8b62e5cc5dd3d13c1f3ddf0c1a8b1bd56d1fbf1e11"),
        policy: policies::USAGE_LIMIT,
    }
    .abi_encode();
    let outer = EntryPoint::FailedOpWithRevert {
        opIndex: U256::from(1),
        reason: "AA23 reverted".to_owned(),
        inner: Bytes::from(inner),
    }
    .abi_encode();
    format!("simulation reverted: {}", Bytes::from(outer))
}

#[test]
fn receipts_statuses_and_decoded_failures() {
    let quote = recorded_quote();
    let hash = quote["hash"].as_str().unwrap().to_owned();
    let ops = quote["userOps"].as_array().unwrap().len();
    assert_eq!(ops, 3, "payment op and one op per chain");

    // A failed supertransaction: the second chain's op failed validation.
    let failed = explorer(
        &quote,
        &[
            ("MINED_SUCCESS", true, None),
            ("MINED_SUCCESS", true, None),
            ("FAILED", false, Some(&usage_limit_revert())),
        ],
    );
    let url = serve(Arc::new(move |method, path| match (method, path) {
        ("GET", "/v1/info") => (200, info()),
        ("GET", p) if p.starts_with("/v1/explorer/") => (200, failed.clone()),
        _ => (404, json!({"code": "NOT_FOUND", "message": "no route"})),
    }));
    let out = fails(
        mee()
            .args(["receipt", &hash, "--json", "--node-url", &url])
            .env("MEE_API_KEY", "test-key"),
    );
    snapshot("receipt-failed.json", &normalise(&out.stdout, None));
    assert!(
        out.stderr.contains("the supertransaction failed: [2]"),
        "{}",
        out.stderr
    );
    let text = ok_or_fail_text(&hash, &url);
    assert!(
        text.contains("-> PolicyViolation: the usage limit policy"),
        "{text}"
    );
    assert!(text.contains("no uses left"), "{text}");

    // Without the API key the node says so.
    let out = fails(mee().args(["receipt", &hash, "--node-url", &url]));
    assert!(
        out.stderr
            .contains("refused the request (HTTP 401): missing api key"),
        "{}",
        out.stderr
    );
}

/// The text output of a failing receipt.
fn ok_or_fail_text(hash: &str, url: &str) -> String {
    let out = fails(
        mee()
            .args(["receipt", hash, "--node-url", url])
            .env("MEE_API_KEY", "test-key"),
    );
    out.stdout
}

#[test]
fn receipt_waits_until_final() {
    let quote = recorded_quote();
    let hash = quote["hash"].as_str().unwrap().to_owned();
    let polls = Arc::new(AtomicUsize::new(0));
    let counter = polls.clone();
    let url = serve(Arc::new(move |method, path| match (method, path) {
        ("GET", "/v1/info") => (200, info()),
        ("GET", p) if p.starts_with("/v1/explorer/") => {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            let state = match n {
                0 => [
                    ("MINED_SUCCESS", true, None),
                    ("PENDING", false, None),
                    ("PENDING", false, None),
                ],
                1 => [
                    ("MINED_SUCCESS", true, None),
                    ("MINING", false, None),
                    ("MINED_SUCCESS", false, None),
                ],
                _ => [
                    ("MINED_SUCCESS", true, None),
                    ("MINED_SUCCESS", true, None),
                    ("MINED_SUCCESS", true, None),
                ],
            };
            (200, explorer(&quote, &state))
        }
        _ => (404, json!({"code": "NOT_FOUND", "message": "no route"})),
    }));

    // Without --wait: the status now.
    let now = ok(mee()
        .args(["receipt", &hash, "--node-url", &url, "--json"])
        .env("MEE_API_KEY", "test-key"));
    let report: Value = serde_json::from_str(&now.stdout).unwrap();
    assert_eq!(report["status"], "PENDING");
    assert_eq!(report["final"], false);

    let waited = ok(mee()
        .args([
            "receipt",
            &hash,
            "--wait",
            "--timeout",
            "20",
            "--node-url",
            &url,
        ])
        .env("MEE_API_KEY", "test-key"));
    assert!(polls.load(Ordering::SeqCst) >= 3);
    snapshot("receipt-success.txt", &normalise(&waited.stdout, None));
    assert!(
        waited.stderr.contains("MINING"),
        "progress on stderr: {}",
        waited.stderr
    );
}

#[test]
fn unknown_hashes_and_unreachable_nodes() {
    let url = serve(Arc::new(|method, path| match (method, path) {
        ("GET", "/v1/info") => (200, info()),
        _ => (
            404,
            json!({"code": "NOT_FOUND", "message": "Error: supertransaction not found"}),
        ),
    }));
    let hash = format!("0x{}", "ab".repeat(32));
    let out = fails(
        mee()
            .args(["receipt", &hash, "--node-url", &url])
            .env("MEE_API_KEY", "test-key"),
    );
    assert!(
        out.stderr
            .contains("refused the request (HTTP 404): supertransaction not found"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty());

    let closed = crate::closed_url();
    let out = fails(mee().args(["receipt", &hash]).env("MEE_NODE_URL", &closed));
    assert!(
        out.stderr
            .starts_with(&format!("error: cannot reach the MEE node at {closed}")),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("mee node"), "{}", out.stderr);

    let out = fails(mee().args(["receipt", "0x1234"]));
    assert!(out.stderr.contains("invalid value"), "{}", out.stderr);
}
