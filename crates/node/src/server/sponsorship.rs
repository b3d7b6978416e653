//! The sponsorship endpoints: `GET /v1/sponsorship/nonce/{chainId}/{gasTank}` and
//! `POST /v1/sponsorship/sign/{chainId}/{gasTank}` (see [`crate::sponsorship`]).

use alloy::primitives::Address;
use axum::{
    Json,
    extract::{Path, State},
    response::{IntoResponse, Response},
};
use mee_primitives::api::QuoteResponse;

use super::{ApiJson, AppState, Rejection, parse};
use crate::sponsorship;

/// The `{chainId}/{gasTank}` path parameters.
fn tank_path(chain_id: &str, gas_tank: &str) -> Result<(u64, Address), Rejection> {
    let chain_id = chain_id
        .parse::<u64>()
        .map_err(|_| Rejection::BadPath(format!("{chain_id:?} is not a decimal chain id")))?;
    let gas_tank = gas_tank
        .parse::<Address>()
        .map_err(|_| Rejection::BadPath(format!("{gas_tank:?} is not an address")))?;
    Ok((chain_id, gas_tank))
}

/// The gas tank's next nonce for a sponsored quote (served by the sponsorship backend).
#[utoipa::path(
    get,
    path = "/v1/sponsorship/nonce/{chainId}/{gasTankAddress}",
    tag = "sponsorship",
    operation_id = "sponsorshipNonce",
    params(
        ("chainId" = String, Path, description = "The gas tank's chain id (decimal)."),
        ("gasTankAddress" = String, Path, description = "The gas tank's address."),
    ),
    responses(
        (status = 200, description = "The nonce.", body = crate::openapi::SponsorshipNonce),
        (status = "default", description = "An error.", body = mee_primitives::api::ErrorBody),
    ),
    security((), ("api_key" = [])),
)]
pub(super) async fn nonce(
    State(state): State<AppState>,
    Path((chain_id, gas_tank)): Path<(String, String)>,
) -> Response {
    let (chain_id, gas_tank) = match tank_path(&chain_id, &gas_tank) {
        Ok(path) => path,
        Err(rejection) => return rejection.into_response(),
    };
    match sponsorship::nonce(&state.node, chain_id, gas_tank).await {
        Ok(nonce) => Json(serde_json::json!({ "nonce": nonce.to_string() })).into_response(),
        Err(err) => err.into_response(),
    }
}

/// Signs a sponsored quote's payment userOp from the gas tank and returns the quote the client
/// then signs and executes (it replaces the node's quote).
#[utoipa::path(
    post,
    path = "/v1/sponsorship/sign/{chainId}/{gasTankAddress}",
    tag = "sponsorship",
    operation_id = "sponsorshipSign",
    params(
        ("chainId" = String, Path, description = "The gas tank's chain id (decimal)."),
        ("gasTankAddress" = String, Path, description = "The gas tank's address."),
    ),
    request_body(content = QuoteResponse, description = "The node's sponsored quote."),
    responses(
        (status = 200, description = "The sponsored quote.", body = QuoteResponse),
        (status = "default", description = "An error.", body = mee_primitives::api::ErrorBody),
    ),
    security((), ("api_key" = [])),
)]
pub(super) async fn sign(
    State(state): State<AppState>,
    Path((chain_id, gas_tank)): Path<(String, String)>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Response {
    let (chain_id, gas_tank) = match tank_path(&chain_id, &gas_tank) {
        Ok(path) => path,
        Err(rejection) => return rejection.into_response(),
    };
    let quote: QuoteResponse = match parse(body) {
        Ok(quote) => quote,
        Err(rejection) => return rejection.into_response(),
    };
    match sponsorship::sign(&state.node, chain_id, gas_tank, quote).await {
        Ok(quote) => Json(quote).into_response(),
        Err(err) => err.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_parameters_are_a_decimal_chain_and_an_address() {
        let (chain, tank) =
            tank_path("8453", "0x18eAc826f3dD77d065E75E285d3456B751AC80d5").unwrap();
        assert_eq!(chain, 8453);
        assert_eq!(tank, mee_primitives::addresses::DEFAULT_GAS_TANK);
        assert!(tank_path("0x2105", "0x18eAc826f3dD77d065E75E285d3456B751AC80d5").is_err());
        assert!(tank_path("8453", "tank").is_err());
    }
}
