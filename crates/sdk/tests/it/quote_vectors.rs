//! `POST quote` bodies against the TypeScript SDK's (quote-requests.json): the same inputs,
//! clock and salts, and a chain double answering the reads the SDK made.

use std::sync::Arc;

use alloy::{
    primitives::{Address, B256, Bytes, U256, address},
    signers::local::PrivateKeySigner,
    sol_types::SolCall,
    transports::{TransportError, TransportErrorKind},
};
use mee_sdk::{
    account::{ChainConfig, IAccount, IEntryPointNonces, MultichainAccount},
    action::CustomAction,
    client::{rewrite_session_details, sign_quote},
    clock::SteppingClock,
    instruction::{IErc20, Instruction},
    payment::FeeToken,
    primitives::{SessionDetails, addresses::ENTRY_POINT_V07, api::QuoteResponse},
    quote::QuoteParams,
    rpc::{ChainRpc, Rpc},
    session::{EnableSessions, UsageMode},
};
use serde_json::Value;

use super::{VectorRng, vectors};

const T0_MS: u64 = 1_735_689_600_000;
const BASE: u64 = 8453;
const OPTIMISM: u64 = 10;
const ACCOUNT: Address = address!("0x50255639C0e4d184cEBFF9Ea78F3055283290700");
const USDC: Address = address!("0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913");
const ALICE: Address = address!("0xA11CE00000000000000000000000000000000001");
const COUNTER: Address = address!("0xC0FFEE0000000000000000000000000000000003");

/// The chain the vectors were recorded on: the account deployed (or not) with Smart Sessions
/// installed (or not), and EntryPoint sequences at 0.
#[derive(Debug)]
struct RecordedChain {
    deployed: bool,
    installed: bool,
}

#[async_trait::async_trait]
impl ChainRpc for RecordedChain {
    async fn call(&self, to: Address, data: Bytes) -> Result<Bytes, TransportError> {
        if to == ENTRY_POINT_V07 {
            let call = IEntryPointNonces::getNonceCall::abi_decode(&data).unwrap();
            let nonce = U256::from(call.key) << 64;
            return Ok(IEntryPointNonces::getNonceCall::abi_encode_returns(&nonce).into());
        }
        if to == ACCOUNT && self.deployed {
            IAccount::isModuleInstalledCall::abi_decode(&data).unwrap();
            return Ok(IAccount::isModuleInstalledCall::abi_encode_returns(&self.installed).into());
        }
        Err(TransportErrorKind::custom_str("unexpected call"))
    }

    async fn code(&self, address: Address) -> Result<Bytes, TransportError> {
        Ok(if address == ACCOUNT && self.deployed {
            Bytes::from_static(&[0x60, 0x80])
        } else {
            Bytes::new()
        })
    }
}

fn key(byte: u8) -> PrivateKeySigner {
    PrivateKeySigner::from_bytes(&B256::repeat_byte(byte)).unwrap()
}

async fn account(
    signer: Address,
    chains: &[u64],
    deployed: bool,
    installed: bool,
) -> MultichainAccount {
    let rpc = Rpc(Arc::new(RecordedChain {
        deployed,
        installed,
    }));
    MultichainAccount::builder()
        .signer(signer)
        .chains(chains.iter().map(|&chain_id| {
            ChainConfig::new(chain_id)
                .rpc(rpc.clone())
                .account_address(ACCOUNT)
        }))
        .connect()
        .await
        .unwrap()
}

fn transfer(chain_id: u64) -> Instruction {
    let data = IErc20::transferCall {
        to: ALICE,
        amount: U256::from(1_000_000u64),
    }
    .abi_encode();
    Instruction::raw_calldata(chain_id, USDC, data)
}

fn counter(chain_id: u64) -> Instruction {
    Instruction::raw_calldata(chain_id, COUNTER, [0x27, 0x3e, 0xa3, 0xe3])
}

fn fee() -> FeeToken {
    FeeToken {
        address: USDC,
        chain_id: BASE,
    }
}

/// The recorded quote body of a case.
fn recorded(name: &str) -> Value {
    recorded_request(name, "/quote")
}

/// The recorded body of a case's request to `path`.
fn recorded_request(name: &str, path: &str) -> Value {
    let file = vectors("quote-requests.json");
    let case = file["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|case| case["name"] == name)
        .unwrap_or_else(|| panic!("no case {name}"));
    assert_eq!(case["clockMs"], T0_MS);
    case["requests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|request| request["path"] == path)
        .unwrap()["bodyVerbatim"]
        .clone()
}

fn details(value: &Value) -> SessionDetails {
    serde_json::from_value(value.clone()).unwrap()
}

/// Hex strings lowercased: the shared wire types write addresses in lowercase, the SDK
/// checksummed; the node reads both.
fn normalise(value: &mut Value) {
    match value {
        Value::String(text) if text.starts_with("0x") => *text = text.to_lowercase(),
        Value::Array(items) => items.iter_mut().for_each(normalise),
        Value::Object(map) => map.values_mut().for_each(normalise),
        _ => {}
    }
}

/// The first path where two JSON values differ.
fn first_difference(path: &str, a: &Value, b: &Value) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter()
                .find_map(|key| match (x.get(key), y.get(key)) {
                    (Some(a), Some(b)) => first_difference(&format!("{path}.{key}"), a, b),
                    (a, b) => Some(format!("{path}.{key}: {a:?} vs {b:?}")),
                })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (a, b))| first_difference(&format!("{path}[{i}]"), a, b)),
        _ if a == b => None,
        _ => Some(format!("{path}: {a} vs {b}")),
    }
}

async fn assert_body(name: &str, account: &MultichainAccount, params: QuoteParams) {
    let request = params
        .build_request(account, &SteppingClock::new(T0_MS))
        .await
        .unwrap_or_else(|err| panic!("{name}: {err}"));
    let mut built = serde_json::to_value(&request).unwrap();
    let mut expected = recorded(name);
    normalise(&mut built);
    normalise(&mut expected);
    if let Some(difference) = first_difference("", &built, &expected) {
        panic!("{name}: built vs recorded differ at {difference}");
    }
}

#[tokio::test]
async fn owner_quotes_match_the_sdk() {
    let owner = key(0x11).address();
    let undeployed = account(owner, &[BASE], false, false).await;
    assert_body(
        "simple_undeployed_fee_token",
        &undeployed,
        QuoteParams::new()
            .instruction(transfer(BASE))
            .fee_token(fee()),
    )
    .await;

    let deployed = account(owner, &[BASE, OPTIMISM], true, false).await;
    assert_body(
        "simple_deployed_two_chains_batched",
        &deployed,
        QuoteParams::new()
            .instructions([transfer(BASE), counter(BASE), counter(OPTIMISM)])
            .fee_token(fee()),
    )
    .await;
    assert_body(
        "simple_sponsored",
        &deployed,
        QuoteParams::new().instruction(counter(BASE)).sponsorship(),
    )
    .await;
}

#[tokio::test]
async fn session_use_quotes_match_the_sdk() {
    let session_key = key(0x22).address();
    let account = account(session_key, &[BASE, OPTIMISM], true, true).await;
    let prepared = details(&recorded("session_use_fee_token")["userOps"][0]["sessionDetails"]);
    assert_body(
        "session_use_fee_token",
        &account,
        QuoteParams::new()
            .instruction(transfer(BASE))
            .fee_token(fee())
            .session(vec![prepared.clone()], UsageMode::Use),
    )
    .await;
    assert_body(
        "session_use_sponsored",
        &account,
        QuoteParams::new()
            .instruction(counter(BASE))
            .sponsorship()
            .session(vec![prepared.clone()], UsageMode::Use),
    )
    .await;
    assert_body(
        "session_get_session_quote_use",
        &account,
        QuoteParams::new()
            .instruction(counter(BASE))
            .fee_token(fee())
            .session(vec![prepared], UsageMode::Use),
    )
    .await;

    // ENABLE_AND_USE with a two-chain grant: the fee chain's entry enables on the payment op,
    // Optimism's on its first userOp.
    let body = recorded("session_enable_and_use_two_chains");
    let granted = vec![
        details(&body["paymentInfo"]["sessionDetails"]),
        details(&body["userOps"][1]["sessionDetails"]),
    ];
    assert_body(
        "session_enable_and_use_two_chains",
        &account,
        QuoteParams::new()
            .instructions([counter(BASE), counter(OPTIMISM)])
            .fee_token(fee())
            .session(granted, UsageMode::EnableAndUse),
    )
    .await;
}

#[tokio::test]
async fn prepare_quote_matches_the_sdk() {
    let owner = key(0x11).address();
    let account = account(owner, &[BASE], false, false).await;
    let sessions = account.smart_sessions();
    let prepared = EnableSessions::new()
        .redeemer(key(0x22).address())
        .actions(
            CustomAction::try_function(COUNTER, "0x273ea3e3")
                .unwrap()
                .chain_id(BASE)
                .build(),
        )
        .fee_token(fee())
        .fee_token_decimals(6)
        .try_prepare(
            &account,
            &mut VectorRng::new("quote:session_prepare_undeployed"),
        )
        .unwrap();
    let plan = sessions.plan_preparation([BASE]).await.unwrap();
    assert!(plan[0].deploy && plan[0].install);
    let instructions = sessions.prepare_instructions(&plan, &prepared).unwrap();
    assert_body(
        "session_prepare_undeployed",
        &account,
        QuoteParams::new()
            .instructions(instructions)
            .fee_token(fee()),
    )
    .await;
}

/// The quote the recording node answered: the exec body without what signing adds, with the
/// session details the node echoed from the request.
fn answered_quote(name: &str) -> QuoteResponse {
    let request = recorded(name);
    let mut body = recorded_request(name, "/exec");
    let map = body.as_object_mut().unwrap();
    for added in [
        "signature",
        "meeVersions",
        "isEIP712TrustedSponsorshipSupported",
    ] {
        map.remove(added);
    }
    let echoed = std::iter::once(request["paymentInfo"]["sessionDetails"].clone()).chain(
        request["userOps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|op| op["sessionDetails"].clone()),
    );
    for (op, details) in map["userOps"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .zip(echoed)
    {
        let op = op.as_object_mut().unwrap();
        op.remove("sessionDetails");
        if !details.is_null() {
            op.insert("sessionDetails".into(), details);
        }
    }
    serde_json::from_value(body).unwrap()
}

async fn assert_exec(
    name: &str,
    signer: &PrivateKeySigner,
    session: Option<(Vec<SessionDetails>, bool)>,
) {
    let account = MultichainAccount::at(ACCOUNT, [BASE, OPTIMISM]);
    let quote = answered_quote(name);
    let sponsored = quote.payment_info.sponsored;
    let mut signed = sign_quote(&account, quote, signer).unwrap();
    if let Some((details, enable)) = session {
        rewrite_session_details(&mut signed.user_ops, sponsored, &details, enable).unwrap();
    }
    let mut built = serde_json::to_value(&signed).unwrap();
    let mut expected = recorded_request(name, "/exec");
    normalise(&mut built);
    normalise(&mut expected);
    if let Some(difference) = first_difference("", &built, &expected) {
        panic!("{name}: exec body differs at {difference}");
    }
}

#[tokio::test]
async fn exec_bodies_match_the_sdk() {
    let owner = key(0x11);
    let session_key = key(0x22);
    for name in [
        "simple_undeployed_fee_token",
        "simple_deployed_two_chains_batched",
        "simple_sponsored",
        "session_prepare_undeployed",
    ] {
        assert_exec(name, &owner, None).await;
    }
    let prepared = details(&recorded("session_use_fee_token")["userOps"][0]["sessionDetails"]);
    for name in [
        "session_use_fee_token",
        "session_use_sponsored",
        "session_get_session_quote_use",
    ] {
        assert_exec(name, &session_key, Some((vec![prepared.clone()], false))).await;
    }
    let body = recorded("session_enable_and_use_two_chains");
    let granted = vec![
        details(&body["paymentInfo"]["sessionDetails"]),
        details(&body["userOps"][1]["sessionDetails"]),
    ];
    assert_exec(
        "session_enable_and_use_two_chains",
        &session_key,
        Some((granted, true)),
    )
    .await;
}
