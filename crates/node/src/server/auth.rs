//! Optional API keys: when the node has any, `/v1` requests must carry one in `x-api-key`.
//! `/v1/health`, `/v1/openapi.json` and the sponsorship backend (`/v1/sponsorship/…`, which the
//! TypeScript SDK calls without its key) stay open, and so does everything outside `/v1`
//! (`/health`, `/metrics`). The sponsorship routes only hand out a tank's nonce and sign quotes
//! this node issued, which needed a key to obtain.

use std::sync::Arc;

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::Rejection;

/// The header that carries the key (the TypeScript SDK sends it on every request).
pub(crate) const API_KEY_HEADER: &str = "x-api-key";

/// Paths under `/v1` that need no key.
const OPEN_PATHS: [&str; 2] = ["/v1/health", "/v1/openapi.json"];

/// Path prefixes under `/v1` that need no key: the sponsorship backend, called by clients
/// without their API key (`sponsorshipOptions.url` gets no `x-api-key`).
const OPEN_PREFIXES: [&str; 1] = ["/v1/sponsorship/"];

/// The configured keys; empty means none is required.
#[derive(Clone, Debug)]
pub(crate) struct ApiKeys(Arc<[Box<[u8]>]>);

impl ApiKeys {
    pub(crate) fn new(keys: &[String]) -> Self {
        Self(keys.iter().map(|k| k.as_bytes().into()).collect())
    }

    /// Whether `path` needs a key.
    fn guards(&self, path: &str) -> bool {
        !self.0.is_empty()
            && path.starts_with("/v1/")
            && !OPEN_PATHS.contains(&path)
            && !OPEN_PREFIXES.iter().any(|prefix| path.starts_with(prefix))
    }

    /// Whether `given` is one of the keys, comparing every key in full (no early exit on the
    /// first differing byte).
    fn accepts(&self, given: &[u8]) -> bool {
        self.0
            .iter()
            .fold(false, |found, key| found | constant_time_eq(key, given))
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

/// Refuses guarded requests without a valid key with `401`.
pub(crate) async fn require_api_key(
    State(keys): State<ApiKeys>,
    request: Request,
    next: Next,
) -> Response {
    if !keys.guards(request.uri().path()) {
        return next.run(request).await;
    }
    match request.headers().get(API_KEY_HEADER) {
        None => Rejection::MissingApiKey.into_response(),
        Some(key) if keys.accepts(key.as_bytes()) => next.run(request).await,
        Some(_) => Rejection::InvalidApiKey.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guards_v1_routes_only_when_keys_are_set() {
        let none = ApiKeys::new(&[]);
        assert!(!none.guards("/v1/quote"));
        let keys = ApiKeys::new(&["alpha".into(), "beta".into()]);
        for path in [
            "/v1/info",
            "/v1/quote",
            "/v1/exec",
            "/v1/explorer/0x01",
            "/v1/nope",
        ] {
            assert!(keys.guards(path), "{path}");
        }
        for path in [
            "/health",
            "/metrics",
            "/v1/health",
            "/v1/openapi.json",
            "/v1/sponsorship/nonce/8453/0x01",
            "/v1/sponsorship/sign/8453/0x01",
            "/",
        ] {
            assert!(!keys.guards(path), "{path}");
        }
    }

    #[test]
    fn accepts_exactly_the_configured_keys() {
        let keys = ApiKeys::new(&["alpha".into(), "beta".into()]);
        assert!(keys.accepts(b"alpha"));
        assert!(keys.accepts(b"beta"));
        for wrong in [&b"alph"[..], b"alphaa", b"Alpha", b"", b"gamma"] {
            assert!(!keys.accepts(wrong), "{wrong:?}");
        }
    }
}
