//! The operational surface through the router, without chains: the OpenAPI document, the
//! metrics and the optional API keys.

use std::sync::Arc;

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode, header},
};
use mee_node::{Config, FixedPriceOracle, NodeService, router, store};
use serde_json::Value;
use tower::ServiceExt;

/// A node over no chain clients (requests that reach a chain are not sent here).
async fn node(api_keys: &[&str]) -> Router {
    let keys = api_keys
        .iter()
        .map(|k| format!("\"{k}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let config = Config::from_toml(&format!(
        r#"
        node_paymaster = "0x0000000000000000000000000000000000000b0b"
        database_url = "sqlite::memory:"
        api_keys = [{keys}]

        [[chains]]
        chain_id = 8453
        name = "Base"
        rpc_url = "http://127.0.0.1:1"
        native_usd_price = 3000.0
        "#
    ))
    .expect("config");
    let oracle = Arc::new(FixedPriceOracle::from_config(&config).expect("oracle"));
    let store = store::connect(&config.database_url).await.expect("store");
    let signer = mee_devnet::node_key().signer();
    router(Arc::new(NodeService::new(
        config,
        signer,
        Vec::new(),
        oracle,
        store,
    )))
}

async fn send(
    router: &Router,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: Option<&str>,
) -> (StatusCode, Option<String>, Vec<u8>) {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(key) = key {
        request = request.header("x-api-key", key);
    }
    let request = request
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_owned())))
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned());
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 24)
        .await
        .unwrap();
    (status, content_type, bytes.to_vec())
}

async fn json(
    router: &Router,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: Option<&str>,
) -> (StatusCode, Value) {
    let (status, content_type, bytes) = send(router, method, path, key, body).await;
    assert_eq!(
        content_type.as_deref(),
        Some("application/json"),
        "{method} {path}"
    );
    (status, serde_json::from_slice(&bytes).expect("JSON"))
}

/// The value of one sample line of the metrics text.
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or(0.0)
}

async fn scrape(router: &Router) -> String {
    let (status, content_type, bytes) = send(router, "GET", "/metrics", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        content_type
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    String::from_utf8(bytes).unwrap()
}

#[tokio::test]
async fn serves_the_openapi_document_for_every_route() {
    let router = node(&[]).await;
    let (status, doc) = json(&router, "GET", "/v1/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc, *mee_node::openapi::document());
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/v1/info",
        "/v1/quote",
        "/v1/quote-permit",
        "/v1/exec",
        "/v1/explorer/{hash}",
        "/health",
        "/metrics",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
    // Every error the router answers has the documented ErrorBody shape.
    let error = &doc["components"]["schemas"]["ErrorBody"];
    let required: Vec<&str> = error["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let (status, body) = json(&router, "POST", "/v1/quote", None, Some("{")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    for field in required {
        assert!(body[field].is_string(), "{field} missing in {body}");
    }
}

#[tokio::test]
async fn api_keys_guard_v1_routes_when_configured() {
    let router = node(&["k-one", "k-two"]).await;
    let (status, body) = json(&router, "GET", "/v1/info", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "MISSING_API_KEY");
    let (status, body) = json(&router, "GET", "/v1/info", Some("k-three"), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "INVALID_API_KEY");
    let (status, body) = json(&router, "GET", "/v1/info", Some("k-two"), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["supportedChains"][0]["chainId"], "8453");
    // The key is checked before the body is read.
    let (status, body) = json(&router, "POST", "/v1/exec", Some("nope"), Some("{")).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("INVALID_API_KEY"))
    );
    // Also on the SDK's double-slash path.
    let (status, _) = json(&router, "POST", "/v1//quote-permit", None, Some("{}")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = json(
        &router,
        "POST",
        "/v1//quote-permit",
        Some("k-one"),
        Some("{}"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Open without a key: health, the document and the metrics.
    for path in ["/health", "/v1/health", "/v1/openapi.json"] {
        let (status, _) = json(&router, "GET", path, None, None).await;
        assert_eq!(status, StatusCode::OK, "{path}");
    }
    scrape(&router).await;
}

#[tokio::test]
async fn without_api_keys_any_or_no_key_is_accepted() {
    let router = node(&[]).await;
    for key in [None, Some("anything")] {
        let (status, _) = json(&router, "GET", "/v1/info", key, None).await;
        assert_eq!(status, StatusCode::OK);
    }
}

#[tokio::test]
async fn metrics_count_requests_by_route_template_and_outcomes() {
    let router = node(&[]).await;
    let before = scrape(&router).await;
    let explorer_404 =
        "mee_http_requests_total{route=\"/v1/explorer/{hash}\",method=\"GET\",status=\"404\"}";
    let quote_400 = "mee_http_requests_total{route=\"/v1/quote\",method=\"POST\",status=\"400\"}";
    let unmatched = "mee_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"}";
    let refused_quotes = "mee_quotes_total{outcome=\"refused\"}";
    let refused_execs = "mee_execs_total{outcome=\"refused\"}";

    let hash = format!("0x{}", "ab".repeat(32));
    for _ in 0..2 {
        let (status, _) = json(&router, "GET", &format!("/v1/explorer/{hash}"), None, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    json(&router, "POST", "/v1/quote", None, Some("[]")).await;
    json(&router, "POST", "/v1/exec", None, Some("{\"hash\": 1}")).await;
    json(&router, "GET", "/v1/no/such/route", None, None).await;

    let after = scrape(&router).await;
    let delta = |series: &str| sample(&after, series) - sample(&before, series);
    assert_eq!(delta(explorer_404), 2.0, "{after}");
    assert_eq!(delta(quote_400), 1.0);
    assert_eq!(delta(unmatched), 1.0);
    assert_eq!(delta(refused_quotes), 1.0);
    assert_eq!(delta(refused_execs), 1.0);
    // The gauge of active userOps is there for the configured chain even with none active.
    assert!(after.contains("mee_user_ops_active{chain_id=\"8453\",status=\"PENDING\"} 0"));
    assert!(after.contains("mee_build_info{version="));
}
