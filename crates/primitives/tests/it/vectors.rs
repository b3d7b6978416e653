//! Loading the golden vectors and reading their values.

use std::{path::PathBuf, str::FromStr};

use alloy_primitives::{Address, B256, Bytes, U256};
use serde_json::Value;

/// Reads `tests/vectors/<name>` from the repository root.
pub(crate) fn load(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/vectors")
        .join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("read {}: {err}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|err| panic!("parse {}: {err}", path.display()))
}

/// The `cases` array of a vector file.
pub(crate) fn cases(file: &Value) -> &Vec<Value> {
    file["cases"].as_array().expect("a cases array")
}

pub(crate) fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} is not a string in {v}"))
}

pub(crate) fn b256(v: &Value, key: &str) -> B256 {
    B256::from_str(str_of(v, key)).unwrap_or_else(|e| panic!("{key}: {e}"))
}

pub(crate) fn bytes(v: &Value, key: &str) -> Bytes {
    Bytes::from_str(str_of(v, key)).unwrap_or_else(|e| panic!("{key}: {e}"))
}

pub(crate) fn address(v: &Value, key: &str) -> Address {
    Address::from_str(str_of(v, key)).unwrap_or_else(|e| panic!("{key}: {e}"))
}

/// A decimal string (or JSON number) as U256.
pub(crate) fn u256(v: &Value, key: &str) -> U256 {
    match &v[key] {
        Value::String(s) => U256::from_str(s).unwrap_or_else(|e| panic!("{key}: {e}")),
        Value::Number(n) => U256::from(n.as_u64().expect("unsigned")),
        other => panic!("{key} is not a number: {other}"),
    }
}

pub(crate) fn u128_of(v: &Value, key: &str) -> u128 {
    u256(v, key).to::<u128>()
}

pub(crate) fn u64_of(v: &Value, key: &str) -> u64 {
    u256(v, key).to::<u64>()
}
