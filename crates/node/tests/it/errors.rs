//! Refusals: tampered, foreign, expired and replayed quotes, and malformed requests. Every
//! answer is a JSON 4xx with a stable code, and nothing executes.

use alloy::primitives::{Address, B256, U256};
use axum::http::StatusCode;

use crate::common::{Account, BASE, OPTIMISM, TestNode, quote_request, sign_with};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_execs_are_refused_and_nothing_executes() {
    let node = TestNode::start_with_expiry(3).await;
    let keys = node.devnet.test_keys();
    let account = Account::funded(&node, &keys[1], 0, U256::from(50_000_000u64)).await;
    let ops = vec![
        account
            .transfer_op(&node, BASE, Address::repeat_byte(9), U256::from(1), false)
            .await,
    ];
    let quote = node
        .quote(&quote_request(ops, account.payment(&node, true).await))
        .await;

    // Tampered: a changed callData no longer hashes to the quoted userOp.
    let mut tampered = account.sign(&quote);
    tampered.user_ops[1].user_op.call_data =
        alloy::primitives::Bytes::from_static(&[0xe9, 0xae, 0x5c, 0x53]);
    let (status, body) = node.post("/v1/exec", &tampered).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["code"], "QUOTE_MISMATCH");

    // A hash this node never issued.
    let mut foreign = account.sign(&quote);
    foreign.hash = B256::repeat_byte(1);
    let (status, body) = node.post("/v1/exec", &foreign).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["code"], "QUOTE_NOT_FOUND");

    // A forged commitment.
    let mut forged = account.sign(&quote);
    forged.commitment = alloy::primitives::Bytes::from_static(&[1; 65]);
    let (status, body) = node.post("/v1/exec", &forged).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], "QUOTE_MISMATCH");

    // Signed by someone else.
    let wrong = sign_with(&keys[2].signer(), &quote);
    let (status, body) = node.post("/v1/exec", &wrong).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["code"], "INVALID_SIGNATURE");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains(&keys[1].address.to_string())
    );

    // A signature without the simple-mode prefix.
    let mut unprefixed = account.sign(&quote);
    unprefixed.signature = unprefixed.signature.slice(4..);
    let (status, body) = node.post("/v1/exec", &unprefixed).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "INVALID_SIGNATURE");

    // None of that executed anything.
    let (status, body) = node
        .request("GET", &format!("/v1/explorer/{}", quote.hash), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["code"], "NOT_FOUND");

    // Expired: the node's quotes last 3 s here.
    tokio::time::sleep(std::time::Duration::from_millis(4_100)).await;
    let (status, body) = node.post("/v1/exec", &account.sign(&quote)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], "QUOTE_EXPIRED");
    assert!(!account.is_deployed(&node, BASE).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_get_json_client_errors() {
    let node = TestNode::start().await;
    let keys = node.devnet.test_keys();
    let account = Account::new(&node, keys[3].signer(), 0).await;
    let op = account
        .transfer_op(
            &node,
            OPTIMISM,
            Address::repeat_byte(9),
            U256::from(1),
            true,
        )
        .await;
    let valid = quote_request(vec![op.clone()], account.payment(&node, true).await);
    let valid_json = serde_json::to_value(&valid).unwrap();

    let cases: Vec<(&str, String, StatusCode, &str)> = vec![
        (
            "not JSON",
            "{".into(),
            StatusCode::BAD_REQUEST,
            "MALFORMED_JSON",
        ),
        (
            "empty body",
            String::new(),
            StatusCode::BAD_REQUEST,
            "MALFORMED_JSON",
        ),
        (
            "array",
            "[]".into(),
            StatusCode::BAD_REQUEST,
            "MALFORMED_JSON",
        ),
        (
            "wrong type",
            {
                let mut v = valid_json.clone();
                v["userOps"][0]["callGasLimit"] = serde_json::json!({"a": 1});
                v.to_string()
            },
            StatusCode::BAD_REQUEST,
            "MALFORMED_JSON",
        ),
        (
            "invalid hex",
            {
                let mut v = valid_json.clone();
                v["userOps"][0]["callData"] = "0xzz".into();
                v.to_string()
            },
            StatusCode::BAD_REQUEST,
            "MALFORMED_JSON",
        ),
        (
            "unknown chain",
            {
                let mut v = valid_json.clone();
                v["userOps"][0]["chainId"] = "999".into();
                v.to_string()
            },
            StatusCode::BAD_REQUEST,
            "UNSUPPORTED_CHAIN",
        ),
        (
            "fee token on a chain without fee tokens",
            {
                let mut v = valid_json.clone();
                v["paymentInfo"]["chainId"] = "10".into();
                v.to_string()
            },
            StatusCode::BAD_REQUEST,
            "UNSUPPORTED_FEE_TOKEN",
        ),
        (
            "inverted window",
            {
                let mut v = valid_json.clone();
                v["userOps"][0]["upperBoundTimestamp"] = (op.lower_bound_timestamp - 1).into();
                v.to_string()
            },
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
        ),
        (
            "huge gas",
            {
                let mut v = valid_json.clone();
                v["userOps"][0]["callGasLimit"] = "100000000".into();
                v.to_string()
            },
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
        ),
        (
            "undeployed without initCode",
            {
                let mut v = valid_json.clone();
                v["userOps"][0].as_object_mut().unwrap().remove("initCode");
                v.to_string()
            },
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
        ),
        (
            "initCode of another account",
            {
                let mut v = valid_json.clone();
                v["userOps"][0]["sender"] = Address::repeat_byte(5).to_string().into();
                v.to_string()
            },
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
        ),
        (
            "sponsored",
            {
                let mut v = valid_json.clone();
                v["paymentInfo"]["sponsored"] = true.into();
                v.to_string()
            },
            StatusCode::BAD_REQUEST,
            // This node has no gas tanks: the account named as payer is none of them.
            "UNKNOWN_GAS_TANK",
        ),
    ];
    for (name, body, expected, code) in cases {
        let (status, json) = node.request("POST", "/v1/quote", Some(body)).await;
        assert_eq!(status, expected, "{name}: {json}");
        assert_eq!(json["code"], code, "{name}: {json}");
        assert!(
            json["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{name}"
        );
    }

    // Field errors carry the path the SDK prints.
    let mut v = valid_json.clone();
    v["userOps"][0]["nonce"] = "12x".into();
    let (_, json) = node.request("POST", "/v1/quote", Some(v.to_string())).await;
    assert_eq!(json["errors"][0]["path"], "userOps[0].nonce");

    // Routing errors are JSON too; double slashes are accepted.
    let (status, json) = node.request("GET", "/v1/nope", None).await;
    assert_eq!(
        (status, json["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("ROUTE_NOT_FOUND"))
    );
    let (status, json) = node.request("GET", "/v1/quote", None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{json}");
    let (status, json) = node.request("GET", "/v1/explorer/0x1234", None).await;
    assert_eq!(
        (status, json["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("INVALID_REQUEST"))
    );
    let (status, _) = node.request("GET", "/v1//info", None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, json) = node.request("GET", "/health", None).await;
    assert_eq!(
        (status, json["status"].as_str()),
        (StatusCode::OK, Some("ok"))
    );

    // Oversized bodies are refused before parsing.
    let big = format!("{{\"x\":\"{}\"}}", "a".repeat(2 << 20));
    let (status, json) = node.request("POST", "/v1/quote", Some(big)).await;
    assert_eq!(
        (status, json["code"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("BODY_TOO_LARGE"))
    );

    // The valid request itself is accepted once the account can pay the fee.
    node.fund_usdc(
        BASE,
        keys[3].signer(),
        account.address,
        U256::from(10_000_000u64),
    )
    .await;
    let (status, json) = node
        .request("POST", "/v1//quote-permit", Some(valid_json.to_string()))
        .await;
    assert_eq!(status, StatusCode::OK, "{json}");
}
