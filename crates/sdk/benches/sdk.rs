//! The SDK's local (no network) hot paths, measured with criterion, on the same inputs as the
//! TypeScript SDK's side (`tests/compat/bench/sdk.mjs`):
//!
//! - `session_use_sign`: a session signer's part of `usePermission` once the node has
//!   answered the quote: sign the quote with the session key (`0x177eee00 ‖ personal_sign`),
//!   set each userOp's `sessionDetails` (mode `USE`), and serialise the `exec` body.
//! - `enable_4_chains`: the owner's part of a four-chain grant: the per-chain session digests,
//!   the multichain (`MultiChainSession`) EIP-712 digest and the owner's personal signature.
//!
//! Both inputs come from `tests/compat/bench/inputs.json` (fixed keys and salts, a canned quote
//! from the golden vectors). Before measuring, the bench checks its outputs against the
//! vectors and writes them to `<target>/bench/sdk-rust-outputs.json`, where
//! `tests/compat/bench/run.mjs` compares them with the TypeScript SDK's.

#![allow(missing_docs)]

use std::{fs, path::PathBuf, str::FromStr};

use alloy::{
    primitives::{Address, B256, U256},
    signers::{SignerSync, local::PrivateKeySigner},
};
use criterion::{Criterion, criterion_group, criterion_main};
use mee_sdk::{
    account::MultichainAccount,
    client::{rewrite_session_details, sign_quote},
    primitives::{
        SessionDetails,
        api::QuoteResponse,
        session::{ChainDigest, SmartSessionMode, multichain_digest, session_digest},
        session_details::SessionEntry,
    },
};
use serde_json::{Value, json};

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn inputs() -> Value {
    let path = workspace().join("tests/compat/bench/inputs.json");
    let text = fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    serde_json::from_str(&text).expect("inputs.json")
}

fn text(value: &Value) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value}"))
}

/// The session USE case: the canned quote, the session details and the session key.
struct SessionUse {
    account: MultichainAccount,
    quote: QuoteResponse,
    details: Vec<SessionDetails>,
    signer: PrivateKeySigner,
}

impl SessionUse {
    fn load(inputs: &Value) -> Self {
        let case = &inputs["sessionUse"];
        let chain_ids: Vec<u64> = case["chainIds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|id| id.as_u64().unwrap())
            .collect();
        Self {
            account: MultichainAccount::at(
                Address::from_str(text(&case["account"])).unwrap(),
                chain_ids,
            ),
            quote: serde_json::from_value(case["quote"].clone()).expect("quote"),
            details: serde_json::from_value(case["sessionDetails"].clone()).expect("details"),
            signer: PrivateKeySigner::from_str(text(&case["sessionPrivateKey"])).unwrap(),
        }
    }

    /// The benchmarked work: the `exec` body's bytes.
    fn run(&self) -> Vec<u8> {
        let quote = self.quote.clone();
        let sponsored = quote.payment_info.sponsored;
        let mut signed = sign_quote(&self.account, quote, &self.signer).expect("sign");
        rewrite_session_details(&mut signed.user_ops, sponsored, &self.details, false)
            .expect("rewrite");
        serde_json::to_vec(&signed).expect("serialise")
    }
}

/// The four-chain enable case: the sessions, the account and the owner key.
struct Enable {
    account: Address,
    nonce: U256,
    sessions: Vec<(u64, mee_sdk::primitives::Session)>,
    owner: PrivateKeySigner,
}

impl Enable {
    fn load(inputs: &Value) -> Self {
        let case = &inputs["enable"];
        let sessions = case["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|session| {
                let entry: SessionEntry = serde_json::from_value(session.clone()).expect("session");
                (entry.chain_id, entry.to_session())
            })
            .collect();
        Self {
            account: Address::from_str(text(&case["account"])).unwrap(),
            nonce: U256::from_str(text(&case["sessionNonce"])).unwrap(),
            sessions,
            owner: PrivateKeySigner::from_str(text(&case["ownerPrivateKey"])).unwrap(),
        }
    }

    /// The benchmarked work: the multichain digest and the owner's 65-byte signature.
    fn run(&self) -> (B256, [u8; 65]) {
        let digests: Vec<ChainDigest> = self
            .sessions
            .iter()
            .map(|(chain_id, session)| ChainDigest {
                chainId: *chain_id,
                sessionDigest: session_digest(
                    self.account,
                    session,
                    SmartSessionMode::UNSAFE_ENABLE,
                    self.nonce,
                ),
            })
            .collect();
        let digest = multichain_digest(&digests);
        let signature = self
            .owner
            .sign_message_sync(digest.as_slice())
            .expect("sign");
        (digest, signature.as_bytes())
    }
}

/// Hex strings lowercased: the Rust wire types write addresses in lowercase, the SDK
/// checksummed.
fn normalise(value: &mut Value) {
    match value {
        Value::String(text) if text.starts_with("0x") => *text = text.to_lowercase(),
        Value::Array(items) => items.iter_mut().for_each(normalise),
        Value::Object(map) => map.values_mut().for_each(normalise),
        _ => {}
    }
}

/// Checks one run of each case against the golden vectors and writes the outputs for the
/// side-by-side runner.
fn check_and_record(inputs: &Value, session_use: &SessionUse, enable: &Enable) {
    let body: Value = serde_json::from_slice(&session_use.run()).unwrap();
    let mut normalised = body.clone();
    let mut expected = inputs["sessionUse"]["expectedExecBody"].clone();
    normalise(&mut normalised);
    normalise(&mut expected);
    assert_eq!(
        normalised, expected,
        "session USE exec body differs from the TypeScript SDK's"
    );
    let (digest, signature) = enable.run();
    let signature = format!("0x{}", alloy::hex::encode(signature));
    assert_eq!(
        digest.to_string(),
        text(&inputs["enable"]["expectedMultichainDigest"])
    );
    assert_eq!(signature, text(&inputs["enable"]["expectedSignature"]));
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| workspace().join("target"), |dir| workspace().join(dir));
    let dir = target.join("bench");
    fs::create_dir_all(&dir).unwrap();
    let outputs = json!({
        "sessionUse": { "execBody": body },
        "enable": { "multichainDigest": digest.to_string(), "signature": signature },
    });
    fs::write(
        dir.join("sdk-rust-outputs.json"),
        serde_json::to_vec_pretty(&outputs).unwrap(),
    )
    .unwrap();
}

fn benches(c: &mut Criterion) {
    let inputs = inputs();
    let session_use = SessionUse::load(&inputs);
    let enable = Enable::load(&inputs);
    check_and_record(&inputs, &session_use, &enable);
    c.bench_function("session_use_sign", |b| b.iter(|| session_use.run()));
    c.bench_function("enable_4_chains", |b| b.iter(|| enable.run()));
}

criterion_group!(sdk, benches);
criterion_main!(sdk);
