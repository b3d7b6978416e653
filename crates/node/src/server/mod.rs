//! The HTTP API. [`router`] builds the whole service from the node, so tests call it without a
//! socket.

mod error;
mod sponsorship;

use std::{sync::Arc, time::Duration};

use alloy::primitives::B256;
use axum::{
    Json, Router,
    extract::{FromRequest, Path, Request, State},
    http::{StatusCode, Uri, header},
    middleware,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use mee_primitives::api::{ExecRequest, ExecResponse};
use serde::de::DeserializeOwned;
use tower::Layer;
use tower_http::{timeout::TimeoutLayer, trace::TraceLayer};

pub(crate) use self::error::Rejection;
use crate::service::NodeService;

#[derive(Clone, Debug)]
struct AppState {
    node: Arc<NodeService>,
}

/// The API router: `GET /v1/info`, `POST /v1/quote`, `POST /v1/quote-permit`, `POST /v1/exec`,
/// `GET /v1/explorer/{hash}`, `GET /v1/sponsorship/nonce/{chainId}/{gasTank}`,
/// `POST /v1/sponsorship/sign/{chainId}/{gasTank}` and `GET /health`. Repeated slashes in paths are collapsed
/// (`/v1//quote-permit` is `/v1/quote-permit`); every answer, errors included, is JSON.
pub fn router(node: Arc<NodeService>) -> Router {
    let limits = node.config().limits.clone();
    let api = Router::new()
        .route("/v1/info", get(info))
        .route("/v1/quote", post(quote))
        .route("/v1/quote-permit", post(quote))
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
        .route("/v1/health", get(health))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(AppState { node })
        .layer(middleware::map_response(json_errors))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(limits.request_timeout_secs),
        ))
        .layer(axum::Extension(BodyLimit(limits.max_body_bytes)))
        .layer(TraceLayer::new_for_http());
    let normalised = tower::util::MapRequestLayer::new(collapse_slashes).layer(api);
    Router::new().fallback_service(normalised)
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

async fn info(State(state): State<AppState>) -> Response {
    Json(state.node.info()).into_response()
}

async fn quote(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<serde_json::Value>,
) -> Response {
    // Parsed in two steps so that shape errors carry their path.
    let request = match parse(request) {
        Ok(request) => request,
        Err(rejection) => return rejection.into_response(),
    };
    let started = std::time::Instant::now();
    match state.node.quote(request).await {
        Ok(quote) => {
            tracing::debug!(hash = %quote.hash, elapsed = ?started.elapsed(), "quoted");
            Json(quote).into_response()
        }
        Err(err) => err.into_response(),
    }
}

async fn exec(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<serde_json::Value>,
) -> Response {
    let request: ExecRequest = match parse(request) {
        Ok(request) => request,
        Err(rejection) => return rejection.into_response(),
    };
    match state.node.exec(request).await {
        Ok(hash) => Json(ExecResponse { hash }).into_response(),
        Err(err) => err.into_response(),
    }
}

async fn explorer(State(state): State<AppState>, Path(hash): Path<String>) -> Response {
    let Ok(hash) = hash.parse::<B256>() else {
        return Rejection::BadPath(format!("{hash:?} is not a 32-byte hex hash")).into_response();
    };
    match state.node.explorer(hash).await {
        Ok(body) => Json(body).into_response(),
        Err(err) => err.into_response(),
    }
}

async fn health() -> Response {
    Json(serde_json::json!({ "status": "ok" })).into_response()
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
    use axum::{body::Body, http::HeaderValue};
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
