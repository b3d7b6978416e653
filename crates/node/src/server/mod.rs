//! The HTTP API. [`router`] builds the whole service from the node, so tests call it without a
//! socket.

mod auth;
mod error;
pub(crate) mod sponsorship;

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use alloy::primitives::B256;
use axum::{
    Json, Router,
    extract::{FromRequest, MatchedPath, Path, Request, State},
    http::{HeaderValue, Method, StatusCode, Uri, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use mee_primitives::api::{
    ErrorBody, ExecRequest, ExecResponse, ExplorerResponse, InfoResponse, QuoteRequest,
    QuoteResponse,
};
use serde::de::DeserializeOwned;
use tower::Layer;
use tower_http::{timeout::TimeoutLayer, trace::TraceLayer};

use self::auth::ApiKeys;
pub(crate) use self::error::Rejection;
use crate::{
    metrics::{self, ChainActivity},
    openapi::HealthResponse,
    service::NodeService,
};

#[derive(Clone, Debug)]
struct AppState {
    node: Arc<NodeService>,
}

/// The API router: `GET /v1/info`, `POST /v1/quote`, `POST /v1/quote-permit`, `POST /v1/exec`,
/// `GET /v1/explorer/{hash}`, `GET /v1/sponsorship/nonce/{chainId}/{gasTank}`,
/// `POST /v1/sponsorship/sign/{chainId}/{gasTank}`, `GET /health` (and `/v1/health`),
/// `GET /v1/openapi.json` and `GET /metrics`. Repeated slashes in paths are collapsed
/// (`/v1//quote-permit` is `/v1/quote-permit`); every answer but `/metrics`, errors included, is
/// JSON. With `api_keys` configured, `/v1` requests need an `x-api-key` (see
/// [`crate::Config::api_keys`]). Every answer is counted in [`metrics::global`].
pub fn router(node: Arc<NodeService>) -> Router {
    let limits = node.config().limits.clone();
    let keys = ApiKeys::new(&node.config().api_keys);
    let api = Router::new()
        .route("/v1/info", get(info))
        .route("/v1/quote", post(quote))
        .route("/v1/quote-permit", post(quote_permit))
        .route("/v1/exec", post(exec))
        .route("/v1/explorer/{hash}", get(explorer))
        .route(
            "/v1/sponsorship/nonce/{chain_id}/{gas_tank}",
            get(sponsorship::nonce),
        )
        .route(
            "/v1/sponsorship/sign/{chain_id}/{gas_tank}",
            post(sponsorship::sign),
        )
        .route("/health", get(health))
        .route("/v1/health", get(health_v1))
        .route("/v1/openapi.json", get(openapi_json))
        .route("/metrics", get(metrics))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(AppState { node })
        .layer(middleware::from_fn_with_state(keys, auth::require_api_key))
        .layer(middleware::map_response(json_errors))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(limits.request_timeout_secs),
        ))
        .layer(middleware::from_fn(record_request))
        .layer(axum::Extension(BodyLimit(limits.max_body_bytes)))
        .layer(TraceLayer::new_for_http());
    let normalised = tower::util::MapRequestLayer::new(collapse_slashes).layer(api);
    Router::new().fallback_service(normalised)
}

/// Counts every answered request by route template, method and status.
async fn record_request(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let method = match *request.method() {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::HEAD => "HEAD",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        _ => "OTHER",
    };
    let started = Instant::now();
    let response = next.run(request).await;
    metrics::global().observe_request(
        &route,
        method,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

/// The request body limit, for [`ApiJson`].
#[derive(Clone, Copy, Debug)]
struct BodyLimit(usize);

/// `a//b` → `a/b` in the path; the query is kept.
fn collapse_slashes(mut request: Request) -> Request {
    let uri = request.uri();
    if !uri.path().contains("//") {
        return request;
    }
    let mut path = uri.path().to_owned();
    while path.contains("//") {
        path = path.replace("//", "/");
    }
    let path_and_query = match uri.query() {
        Some(query) => format!("{path}?{query}"),
        None => path,
    };
    let mut parts = uri.clone().into_parts();
    if let Ok(pq) = path_and_query.parse() {
        parts.path_and_query = Some(pq);
        if let Ok(uri) = Uri::from_parts(parts) {
            *request.uri_mut() = uri;
        }
    }
    request
}

/// Turns bodiless error responses (timeouts, framework rejections) into JSON.
async fn json_errors(response: Response) -> Response {
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if is_json || response.status().is_success() {
        return response;
    }
    let rejection = match response.status() {
        StatusCode::REQUEST_TIMEOUT => Rejection::Timeout,
        StatusCode::METHOD_NOT_ALLOWED => Rejection::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => Rejection::BodyTooLarge(0),
        StatusCode::NOT_FOUND => Rejection::NotFound("this path".into()),
        status => Rejection::MalformedJson {
            message: status
                .canonical_reason()
                .unwrap_or("request failed")
                .to_owned(),
            path: None,
        },
    };
    let mut json = rejection.into_response();
    *json.status_mut() = response.status();
    json
}

/// A JSON body read within the size limit, with the path of the first field that does not fit.
struct ApiJson<T>(T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Rejection;

    async fn from_request(request: Request, _state: &S) -> Result<Self, Rejection> {
        let limit = request
            .extensions()
            .get::<BodyLimit>()
            .map_or(1 << 20, |l| l.0);
        let bytes = axum::body::to_bytes(request.into_body(), limit)
            .await
            .map_err(|_| Rejection::BodyTooLarge(limit))?;
        let mut deserializer = serde_json::Deserializer::from_slice(&bytes);
        let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
            let path = err.path().to_string();
            let inner = err.into_inner();
            let message = if inner.is_syntax() || inner.is_eof() {
                format!("malformed JSON: {inner}")
            } else {
                inner.to_string()
            };
            Rejection::MalformedJson {
                message,
                path: (path != ".").then_some(path),
            }
        })?;
        deserializer.end().map_err(|err| Rejection::MalformedJson {
            message: format!("malformed JSON: {err}"),
            path: None,
        })?;
        Ok(Self(value))
    }
}

/// What the node supports: its chains and fee tokens.
#[utoipa::path(
    get,
    path = "/v1/info",
    tag = "supertransactions",
    operation_id = "info",
    responses(
        (status = 200, description = "The node's chains and fee tokens.", body = InfoResponse),
        (status = "default", description = "An error.", body = ErrorBody),
    ),
    security((), ("api_key" = [])),
)]
async fn info(State(state): State<AppState>) -> Response {
    Json(state.node.info()).into_response()
}

/// Quotes a supertransaction: the payment userOp first, gas and fees filled in, the hash to sign.
#[utoipa::path(
    post,
    path = "/v1/quote",
    tag = "supertransactions",
    operation_id = "quote",
    request_body = QuoteRequest,
    responses(
        (status = 200, description = "The quote.", body = QuoteResponse),
        (status = "default", description = "An error.", body = ErrorBody),
    ),
    security((), ("api_key" = [])),
)]
async fn quote(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<serde_json::Value>,
) -> Response {
    let response = quote_response(&state, request).await;
    metrics::global().quote(response.status().is_success());
    response
}

/// The same as `POST /v1/quote`, at the path the SDK uses for Fusion and fee-payer quotes
/// (also reached as `/v1//quote-permit`).
#[utoipa::path(
    post,
    path = "/v1/quote-permit",
    tag = "supertransactions",
    operation_id = "quotePermit",
    request_body = QuoteRequest,
    responses(
        (status = 200, description = "The quote.", body = QuoteResponse),
        (status = "default", description = "An error.", body = ErrorBody),
    ),
    security((), ("api_key" = [])),
)]
async fn quote_permit(state: State<AppState>, request: ApiJson<serde_json::Value>) -> Response {
    quote(state, request).await
}

async fn quote_response(state: &AppState, request: serde_json::Value) -> Response {
    // Parsed in two steps so that shape errors carry their path.
    let request = match parse(request) {
        Ok(request) => request,
        Err(rejection) => return rejection.into_response(),
    };
    let started = Instant::now();
    match state.node.quote(request).await {
        Ok(quote) => {
            tracing::debug!(hash = %quote.hash, elapsed = ?started.elapsed(), "quoted");
            Json(quote).into_response()
        }
        Err(err) => err.into_response(),
    }
}

/// Executes a signed quote: checks it, builds the userOps' signatures and stores the
/// supertransaction before answering; the executors then run it.
#[utoipa::path(
    post,
    path = "/v1/exec",
    tag = "supertransactions",
    operation_id = "exec",
    request_body = ExecRequest,
    responses(
        (status = 200, description = "Accepted and stored.", body = ExecResponse),
        (status = "default", description = "An error.", body = ErrorBody),
    ),
    security((), ("api_key" = [])),
)]
async fn exec(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<serde_json::Value>,
) -> Response {
    let request: ExecRequest = match parse(request) {
        Ok(request) => request,
        Err(rejection) => {
            metrics::global().exec(false);
            return rejection.into_response();
        }
    };
    let result = state.node.exec(request).await;
    metrics::global().exec(result.is_ok());
    match result {
        Ok(hash) => Json(ExecResponse { hash }).into_response(),
        Err(err) => err.into_response(),
    }
}

/// A supertransaction with each userOp's execution status.
#[utoipa::path(
    get,
    path = "/v1/explorer/{hash}",
    tag = "supertransactions",
    operation_id = "explorer",
    params((
        "hash" = String,
        Path,
        pattern = "^0x[0-9a-fA-F]{64}$",
        description = "The supertransaction hash (32 bytes, hex)."
    )),
    responses(
        (status = 200, description = "The supertransaction.", body = ExplorerResponse),
        (status = "default", description = "An error.", body = ErrorBody),
    ),
    security((), ("api_key" = [])),
)]
async fn explorer(State(state): State<AppState>, Path(hash): Path<String>) -> Response {
    let Ok(hash) = hash.parse::<B256>() else {
        return Rejection::BadPath(format!("{hash:?} is not a 32-byte hex hash")).into_response();
    };
    match state.node.explorer(hash).await {
        Ok(body) => Json(body).into_response(),
        Err(err) => err.into_response(),
    }
}

/// Liveness.
#[utoipa::path(
    get,
    path = "/health",
    tag = "operations",
    operation_id = "health",
    responses(
        (status = 200, description = "The node serves.", body = HealthResponse),
        (status = "default", description = "An error.", body = ErrorBody),
    ),
)]
async fn health() -> Response {
    Json(HealthResponse {
        status: "ok".to_owned(),
    })
    .into_response()
}

/// Liveness, under the API's base URL.
#[utoipa::path(
    get,
    path = "/v1/health",
    tag = "operations",
    operation_id = "healthV1",
    responses(
        (status = 200, description = "The node serves.", body = HealthResponse),
        (status = "default", description = "An error.", body = ErrorBody),
    ),
)]
async fn health_v1() -> Response {
    health().await
}

/// This OpenAPI 3.1 document.
#[utoipa::path(
    get,
    path = "/v1/openapi.json",
    tag = "operations",
    operation_id = "openapi",
    responses(
        (status = 200, description = "The OpenAPI document.", content_type = "application/json", body = Object),
        (status = "default", description = "An error.", body = ErrorBody),
    ),
)]
async fn openapi_json() -> Response {
    Json(crate::openapi::document()).into_response()
}

/// Prometheus metrics in the text exposition format (see [`crate::metrics`]).
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    operation_id = "metrics",
    responses(
        (status = 200, description = "The metrics.", content_type = "text/plain", body = String),
        (status = "default", description = "An error.", body = ErrorBody),
    ),
)]
async fn metrics(State(state): State<AppState>) -> Response {
    let mut active = Vec::new();
    for chain in &state.node.config().chains {
        let chain_id = chain.chain_id;
        match state.node.store().active_ops(chain_id).await {
            Ok(ops) => {
                let mut activity = ChainActivity {
                    chain_id,
                    ..ChainActivity::default()
                };
                for op in ops {
                    match op.status {
                        mee_primitives::api::ExecutionStatus::Pending => activity.pending += 1,
                        mee_primitives::api::ExecutionStatus::Mining => activity.mining += 1,
                        _ => {}
                    }
                }
                active.push(activity);
            }
            Err(err) => tracing::warn!(chain_id, %err, "metrics: reading active userOps failed"),
        }
    }
    let mut response = metrics::global().render(&active).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

async fn not_found(uri: Uri) -> Response {
    Rejection::NotFound(uri.path().to_owned()).into_response()
}

async fn method_not_allowed() -> Response {
    Rejection::MethodNotAllowed.into_response()
}

fn parse<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, Rejection> {
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = err.path().to_string();
        Rejection::MalformedJson {
            message: err.into_inner().to_string(),
            path: (path != ".").then_some(path),
        }
    })
}

/// A JSON response with a fixed body, for tests of the error layer.
#[cfg(test)]
fn plain(status: StatusCode) -> Response {
    use axum::body::Body;
    let mut response = Response::new(Body::from("plain text"));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    response
}

#[cfg(test)]
mod tests {
    use axum::body::Body;

    use super::*;

    #[test]
    fn collapses_repeated_slashes_and_keeps_the_query() {
        let request = Request::builder()
            .uri("http://node/v1//quote-permit?x=1")
            .body(Body::empty())
            .unwrap();
        assert_eq!(collapse_slashes(request).uri().path(), "/v1/quote-permit");
        let request = Request::builder()
            .uri("/v1///explorer//0x01?a=b")
            .body(Body::empty())
            .unwrap();
        let uri = collapse_slashes(request).uri().clone();
        assert_eq!(uri.path(), "/v1/explorer/0x01");
        assert_eq!(uri.query(), Some("a=b"));
    }

    #[tokio::test]
    async fn plain_error_responses_become_json() {
        let response = json_errors(plain(StatusCode::REQUEST_TIMEOUT)).await;
        assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(body["code"], "TIMEOUT");
    }
}
