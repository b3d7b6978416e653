//! Reading the golden vectors (`tests/vectors/*.json`) in Rust tests. Shared by the test targets of
//! several crates through `#[path]`, so each reads the files the same way.

use std::{path::PathBuf, str::FromStr};

use alloy_primitives::{Address, B256, Bytes, FixedBytes, U256};
use serde_json::Value;

/// Reads `tests/vectors/<file>` from the repository root.
pub(crate) fn vectors(file: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/vectors")
        .join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("read {}: {err}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|err| panic!("parse {}: {err}", path.display()))
}

/// The non-empty array `value[key]`.
pub(crate) fn cases<'a>(value: &'a Value, key: &str) -> &'a Vec<Value> {
    let list = value[key]
        .as_array()
        .unwrap_or_else(|| panic!("no array {key}"));
    assert!(!list.is_empty(), "{key} is empty");
    list
}

/// A case's `name`, for assertion messages.
pub(crate) fn name(case: &Value) -> &str {
    case["name"].as_str().unwrap_or("<unnamed>")
}

pub(crate) fn text(value: &Value) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value}"))
}

pub(crate) fn bytes(value: &Value) -> Bytes {
    Bytes::from_str(text(value)).unwrap_or_else(|err| panic!("{value}: {err}"))
}

pub(crate) fn b256(value: &Value) -> B256 {
    B256::from_str(text(value)).unwrap_or_else(|err| panic!("{value}: {err}"))
}

pub(crate) fn address(value: &Value) -> Address {
    Address::from_str(text(value)).unwrap_or_else(|err| panic!("{value}: {err}"))
}

pub(crate) fn selector(value: &Value) -> FixedBytes<4> {
    FixedBytes::from_str(text(value)).unwrap_or_else(|err| panic!("{value}: {err}"))
}

/// A bigint recorded as a decimal string, or a JSON number.
pub(crate) fn uint(value: &Value) -> U256 {
    match value {
        Value::Number(number) => U256::from(number.as_u64().expect("an unsigned number")),
        Value::String(text) => U256::from_str(text).unwrap_or_else(|err| panic!("{text}: {err}")),
        other => panic!("not an integer: {other}"),
    }
}

pub(crate) fn u64_of(value: &Value) -> u64 {
    u64::try_from(uint(value)).expect("fits in u64")
}

pub(crate) fn u128_of(value: &Value) -> u128 {
    u128::try_from(uint(value)).expect("fits in u128")
}
