//! Every error the HTTP API can answer, with its status and stable code. Bodies are always
//! [`ErrorBody`] JSON; the SDK shows `errors` when present, else `message`.

use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use mee_primitives::api::{ErrorBody, FieldError};

use crate::error::Error;

/// Errors raised by the HTTP layer itself, before a request reaches the node.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Rejection {
    /// The body is not JSON, or not of the expected shape.
    #[error("{message}")]
    MalformedJson {
        /// What is wrong.
        message: String,
        /// Where, when known.
        path: Option<String>,
    },
    /// The body exceeds the limit.
    #[error("request body larger than {0} bytes")]
    BodyTooLarge(usize),
    /// No such route.
    #[error("no route for {0}")]
    NotFound(String),
    /// The route exists, with other methods.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The request took too long.
    #[error("request timed out")]
    Timeout,
    /// A path parameter is malformed.
    #[error("{0}")]
    BadPath(String),
    /// The node requires an API key and the request has none.
    #[error("this node requires an API key in the x-api-key header")]
    MissingApiKey,
    /// The request's API key is not one of the node's.
    #[error("the x-api-key header does not hold a valid API key")]
    InvalidApiKey,
}

/// The status and stable code of an error.
pub(crate) const fn status_and_code(error: &Error) -> (StatusCode, &'static str) {
    match error {
        Error::InvalidRequest { .. } => (StatusCode::BAD_REQUEST, "INVALID_REQUEST"),
        Error::UnsupportedChain(_) => (StatusCode::BAD_REQUEST, "UNSUPPORTED_CHAIN"),
        Error::UnsupportedFeeToken { .. } => (StatusCode::BAD_REQUEST, "UNSUPPORTED_FEE_TOKEN"),
        Error::Unsupported(_) => (StatusCode::BAD_REQUEST, "UNSUPPORTED"),
        Error::UnknownGasTank { .. } => (StatusCode::BAD_REQUEST, "UNKNOWN_GAS_TANK"),
        Error::SponsorshipUnavailable(_) => {
            (StatusCode::SERVICE_UNAVAILABLE, "SPONSORSHIP_UNAVAILABLE")
        }
        Error::QuoteNotFound(_) => (StatusCode::NOT_FOUND, "QUOTE_NOT_FOUND"),
        Error::InsufficientFeeBalance { .. } => {
            (StatusCode::BAD_REQUEST, "INSUFFICIENT_FEE_BALANCE")
        }
        Error::QuoteMismatch(_) => (StatusCode::BAD_REQUEST, "QUOTE_MISMATCH"),
        Error::QuoteExpired(_) => (StatusCode::BAD_REQUEST, "QUOTE_EXPIRED"),
        Error::AlreadyExecuted(_) => (StatusCode::CONFLICT, "ALREADY_EXECUTED"),
        Error::InvalidSignature(_) => (StatusCode::UNAUTHORIZED, "INVALID_SIGNATURE"),
        Error::SupertransactionNotFound(_) => (StatusCode::NOT_FOUND, "NOT_FOUND"),
        Error::Rpc { .. } => (StatusCode::BAD_GATEWAY, "CHAIN_UNAVAILABLE"),
        Error::Store(_) => (StatusCode::INTERNAL_SERVER_ERROR, "STORAGE_ERROR"),
        Error::Config(_) | Error::Corrupt(_) => (StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL"),
    }
}

fn respond(status: StatusCode, code: &str, message: String, path: Option<String>) -> Response {
    let errors = path.map(|path| {
        vec![FieldError {
            msg: message.clone(),
            path: Some(path),
        }]
    });
    let body = ErrorBody {
        code: code.to_owned(),
        message,
        errors,
    };
    (status, Json(body)).into_response()
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let (status, code) = status_and_code(&self);
        if status.is_server_error() {
            tracing::error!(error = %self, code, "request failed");
        }
        match self {
            Self::InvalidRequest { message, path } => respond(status, code, message, path),
            other => respond(status, code, other.to_string(), None),
        }
    }
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        let message = self.to_string();
        match self {
            Self::MalformedJson { message, path } => {
                respond(StatusCode::BAD_REQUEST, "MALFORMED_JSON", message, path)
            }
            Self::BodyTooLarge(_) => respond(
                StatusCode::PAYLOAD_TOO_LARGE,
                "BODY_TOO_LARGE",
                message,
                None,
            ),
            Self::NotFound(_) => respond(StatusCode::NOT_FOUND, "ROUTE_NOT_FOUND", message, None),
            Self::MethodNotAllowed => respond(
                StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
                message,
                None,
            ),
            Self::Timeout => respond(StatusCode::REQUEST_TIMEOUT, "TIMEOUT", message, None),
            Self::BadPath(_) => respond(StatusCode::BAD_REQUEST, "INVALID_REQUEST", message, None),
            Self::MissingApiKey => {
                respond(StatusCode::UNAUTHORIZED, "MISSING_API_KEY", message, None)
            }
            Self::InvalidApiKey => {
                respond(StatusCode::UNAUTHORIZED, "INVALID_API_KEY", message, None)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use alloy::primitives::B256;

    use super::*;

    #[test]
    fn user_errors_are_4xx_and_node_errors_5xx() {
        let cases = [
            Error::invalid("x"),
            Error::UnsupportedChain(1),
            Error::QuoteExpired(B256::ZERO),
            Error::AlreadyExecuted(B256::ZERO),
            Error::InvalidSignature("x".into()),
            Error::rpc(1, "down"),
            Error::Corrupt("x".into()),
            Error::UnknownGasTank {
                chain_id: 1,
                address: alloy::primitives::Address::ZERO,
            },
            Error::SponsorshipUnavailable("x".into()),
        ];
        for error in cases {
            let (status, _) = status_and_code(&error);
            assert_eq!(status.is_client_error(), error.is_user_error(), "{error}");
        }
    }
}
