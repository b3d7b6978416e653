//! The OpenAPI 3.1 document of the HTTP API, derived from the handlers' `#[utoipa::path]`
//! annotations and the wire types of [`mee_primitives::api`], served at `GET /v1/openapi.json`.
//!
//! Every error answer has the [`ErrorBody`] schema (the `default` response of each operation).
//! Operations under `/v1` other than `/v1/health` and `/v1/openapi.json` name the `api_key`
//! security scheme (the `x-api-key` header); it is enforced only when the node is configured
//! with `api_keys`.

use std::sync::OnceLock;

use mee_primitives::api::{ErrorBody, schema::DecimalString};
use serde::Serialize;
use utoipa::{
    Modify, OpenApi, ToSchema,
    openapi::security::{ApiKey, ApiKeyValue, SecurityScheme},
};

use crate::server;

/// The derived document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "MEE node",
        description = "The HTTP API of the MEE node: quotes, execution and receipts of \
                       supertransactions, in the JSON the TypeScript SDK @biconomy/abstractjs \
                       1.2.3 speaks. Big integers are decimal strings; every error is an \
                       ErrorBody with a stable code.",
        license(name = "MIT OR Apache-2.0"),
    ),
    paths(
        server::info,
        server::quote,
        server::quote_permit,
        server::exec,
        server::explorer,
        server::health,
        server::health_v1,
        server::openapi_json,
        server::metrics,
        server::sponsorship::nonce,
        server::sponsorship::sign,
    ),
    components(schemas(ErrorBody, HealthResponse, SponsorshipNonce)),
    modifiers(&ApiKeyScheme),
    tags(
        (name = "supertransactions", description = "Quotes, execution and receipts."),
        (name = "sponsorship", description = "The self-hosted gas tank's sponsorship backend."),
        (name = "operations", description = "Health, metrics and this document."),
    )
)]
pub struct ApiDoc;

/// The document as JSON, built once.
pub fn document() -> &'static serde_json::Value {
    static DOCUMENT: OnceLock<serde_json::Value> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let mut doc = ApiDoc::openapi();
        doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
        serde_json::to_value(&doc).expect("the OpenAPI document serialises")
    })
}

/// The name of the security scheme of the `x-api-key` header.
pub const API_KEY_SCHEME: &str = "api_key";

struct ApiKeyScheme;

impl Modify for ApiKeyScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            API_KEY_SCHEME,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "x-api-key",
                "One of the node's configured api_keys; required only when the node has any.",
            ))),
        );
    }
}

/// `GET /health`.
#[derive(Debug, Serialize, ToSchema)]
pub struct HealthResponse {
    /// Always `"ok"` while the node serves.
    #[schema(examples("ok"))]
    pub status: String,
}

/// `GET /v1/sponsorship/nonce/{chainId}/{gasTankAddress}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SponsorshipNonce {
    /// The gas tank's next full EntryPoint nonce.
    #[schema(value_type = DecimalString)]
    pub nonce: String,
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn resolve<'a>(doc: &'a serde_json::Value, reference: &str) -> &'a serde_json::Value {
        let pointer = reference
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("{reference} is not local"));
        doc.pointer(pointer)
            .unwrap_or_else(|| panic!("{reference} does not resolve"))
    }

    fn refs<'a>(value: &'a serde_json::Value, out: &mut Vec<&'a str>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, value) in map {
                    match (key.as_str(), value) {
                        ("$ref", serde_json::Value::String(r)) => out.push(r),
                        _ => refs(value, out),
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }

    #[test]
    fn covers_every_route_with_an_error_schema() {
        let doc = document();
        assert_eq!(doc["openapi"], "3.1.0");
        let paths: BTreeSet<(String, String)> = doc["paths"]
            .as_object()
            .unwrap()
            .iter()
            .flat_map(|(path, item)| {
                item.as_object()
                    .unwrap()
                    .keys()
                    .map(move |method| (method.clone(), path.clone()))
            })
            .collect();
        let expected = [
            ("get", "/v1/info"),
            ("post", "/v1/quote"),
            ("post", "/v1/quote-permit"),
            ("post", "/v1/exec"),
            ("get", "/v1/explorer/{hash}"),
            ("get", "/health"),
            ("get", "/v1/health"),
            ("get", "/v1/openapi.json"),
            ("get", "/metrics"),
            ("get", "/v1/sponsorship/nonce/{chainId}/{gasTankAddress}"),
            ("post", "/v1/sponsorship/sign/{chainId}/{gasTankAddress}"),
        ];
        let expected: BTreeSet<(String, String)> = expected
            .iter()
            .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
            .collect();
        assert_eq!(paths, expected);
        for (method, path) in &paths {
            let op = &doc["paths"][path][method];
            assert!(op["operationId"].is_string(), "{method} {path}");
            let default = &op["responses"]["default"]["content"]["application/json"]["schema"];
            assert_eq!(
                default["$ref"], "#/components/schemas/ErrorBody",
                "{method} {path}"
            );
        }
    }

    #[test]
    fn every_reference_resolves_and_encodings_are_patterns() {
        let doc = document();
        let mut all = Vec::new();
        refs(doc, &mut all);
        assert!(all.len() > 20);
        for reference in all {
            resolve(doc, reference);
        }
        let schemas = &doc["components"]["schemas"];
        assert_eq!(schemas["Address"]["pattern"], "^0x[0-9a-fA-F]{40}$");
        assert_eq!(schemas["DecimalString"]["type"], "string");
        // Decimal-string integers refer to the DecimalString component.
        assert_eq!(
            schemas["UserOpJson"]["properties"]["nonce"]["$ref"],
            "#/components/schemas/DecimalString"
        );
        // Request timestamps are JSON numbers, response timestamps decimal strings.
        assert_eq!(
            schemas["UserOpRequest"]["properties"]["lowerBoundTimestamp"]["type"],
            "integer"
        );
        assert_eq!(
            schemas["FilledUserOp"]["properties"]["lowerBoundTimestamp"]["$ref"],
            "#/components/schemas/DecimalString"
        );
        let statuses = &schemas["ExecutionStatus"]["enum"];
        assert_eq!(
            statuses,
            &serde_json::json!(["PENDING", "MINING", "MINED_SUCCESS", "MINED_FAIL", "FAILED"])
        );
        assert_eq!(
            doc["components"]["securitySchemes"][API_KEY_SCHEME]["name"],
            "x-api-key"
        );
    }
}
