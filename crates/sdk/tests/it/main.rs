//! Golden-vector tests of the builders: every case of the vector files the SDK covers.
//!
//! The vectors were produced by the TypeScript SDK (`tests/vectors/README.md`), with a fixed
//! clock and a keccak-stream RNG seeded per case (`tests/compat/vectors/lib/determinism.mjs`);
//! the tests replay both.

mod client;
mod differential;
mod quote_vectors;
mod real_node;
// Shared with other crates' tests; each uses part of it.
#[path = "../../../../tests/vectors/read.rs"]
#[allow(dead_code)]
mod vectors;

use std::str::FromStr;

use alloy::{
    primitives::{Address, B256, Bytes, U256, keccak256},
    signers::local::PrivateKeySigner,
    sol_types::SolValue,
};
use mee_sdk::{
    account::MultichainAccount,
    action::{CustomAction, Erc20Action, SessionAction, batch, parse_function_selector},
    composable::{ComposableCall, encode_composable, runtime},
    payment::{FeeToken, add_payment_policy},
    policy::{ComparisonValue, Policy, Rule, UniversalPolicy, calldata_argument},
    primitives::{
        ActionData, PolicyData, SessionDetails,
        addresses::{SMART_SESSIONS, policies},
        policy::ParamCondition,
    },
    session::{EnableSessions, GrantPermission, GrantSignature, SaltSource},
};
use serde_json::Value;
use vectors::*;

/// The RNG the vector generator installs: block `i` of a case is
/// `keccak256(keccak256("vectors:" + label) ‖ uint256(i))`.
struct VectorRng {
    seed: B256,
    counter: u64,
}

impl VectorRng {
    fn new(label: &str) -> Self {
        Self {
            seed: keccak256(format!("vectors:{label}")),
            counter: 0,
        }
    }
}

impl SaltSource for VectorRng {
    fn next_salt(&mut self) -> B256 {
        let block = keccak256(
            [
                self.seed.as_slice(),
                &U256::from(self.counter).to_be_bytes::<32>(),
            ]
            .concat(),
        );
        self.counter += 1;
        block
    }
}

/// A universal rule from the SDK's builder params.
fn rule_from_params(rule: &Value) -> Rule {
    let condition = ParamCondition::from_sdk_name(text(&rule["condition"])).unwrap();
    let reference = match &rule["comparisonValue"] {
        Value::String(value) if value.starts_with("0x") => {
            ComparisonValue::from_bytes(&Bytes::from_str(value).unwrap()).unwrap()
        }
        other => ComparisonValue::from(uint(other)),
    };
    let built = Rule::new(condition, u64_of(&rule["calldataOffset"]), reference);
    if rule["isLimited"].as_bool() == Some(true) {
        built.limited_with_used(uint(&rule["usage"]["limit"]), uint(&rule["usage"]["used"]))
    } else {
        built
    }
}

/// A policy from the SDK's `buildActionPolicy` params, or ready-made policy data.
fn policy_from_params(params: &Value) -> Policy {
    if params.get("initData").is_some() {
        return Policy::Data(serde_json::from_value::<PolicyData>(params.clone()).unwrap());
    }
    match params["type"].as_str() {
        Some("sudo") => Policy::Sudo,
        Some("universal") => {
            let rules = params["rules"]
                .as_array()
                .unwrap()
                .iter()
                .map(rule_from_params);
            let mut universal = UniversalPolicy::new().rules(rules);
            if let Some(limit) = params.get("valueLimitPerUse") {
                universal = universal.value_limit_per_use(uint(limit));
            }
            Policy::Universal(universal)
        }
        Some("timeframe") => Policy::TimeFrame {
            valid_after: u64_of(&params["validAfter"]),
            valid_until: u64_of(&params["validUntil"]),
        },
        Some("usageLimit") => Policy::UsageLimit(u128::try_from(uint(&params["limit"])).unwrap()),
        Some("spendingLimits") => Policy::SpendingLimits(
            params["tokenLimits"]
                .as_array()
                .unwrap()
                .iter()
                .map(|limit| (address(&limit["token"]), uint(&limit["limit"])))
                .collect(),
        ),
        other => panic!("unknown policy params {other:?}"),
    }
}

#[test]
fn policies_json_through_the_builders() {
    let file = vectors("policies.json");
    for case in cases(&file, "calldataArgument") {
        assert_eq!(
            calldata_argument(u64_of(&case["n"])).unwrap(),
            u64_of(&case["offset"])
        );
    }
    for case in cases(&file, "cases") {
        let params = &case["params"];
        let policy = address(&case["policy"]);
        let built = if params.get("type").is_some() {
            policy_from_params(params)
        } else if policy == policies::SUDO {
            Policy::Sudo
        } else if policy == policies::TIME_FRAME {
            Policy::TimeFrame {
                valid_after: u64_of(&params["validAfter"]),
                valid_until: u64_of(&params["validUntil"]),
            }
        } else if policy == policies::USAGE_LIMIT {
            Policy::UsageLimit(u128::try_from(uint(&params["limit"])).unwrap())
        } else if policy == policies::ERC20_SPENDING_LIMIT {
            Policy::SpendingLimits(
                params
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|limit| (address(&limit["token"]), uint(&limit["limit"])))
                    .collect(),
            )
        } else if policy == policies::VALUE_LIMIT {
            Policy::ValueLimit(uint(&params["limit"]))
        } else {
            panic!("{}: no builder for {policy}", name(case));
        };
        let data = built.try_build().unwrap();
        assert_eq!(data.policy, policy, "{}", name(case));
        assert_eq!(
            data.initData,
            Bytes::from_str(text(&case["initData"])).unwrap(),
            "{}",
            name(case)
        );
    }
}

fn session_actions(value: &Value) -> Vec<SessionAction> {
    serde_json::from_value(value.clone()).unwrap()
}

/// `buildSessionAction({type, data})` through the Rust builders.
fn build_session_action(params: &Value, clock_ms: u64) -> Vec<SessionAction> {
    let data = &params["data"];
    let chain_ids: Vec<u64> = data["chainIds"]
        .as_array()
        .map(|ids| ids.iter().map(u64_of).collect())
        .unwrap_or_default();
    let policies: Vec<Policy> = data["policies"]
        .as_array()
        .map(|list| list.iter().map(policy_from_params).collect())
        .unwrap_or_default();
    match text(&params["type"]) {
        kind @ ("transfer" | "approve" | "transferFrom") => {
            let token = address(&data["contractAddress"]);
            let mut action = match kind {
                "transfer" => Erc20Action::transfer(token),
                "approve" => Erc20Action::approve(token),
                _ => Erc20Action::transfer_from(token),
            }
            .chain_ids(chain_ids)
            .now(clock_ms / 1000);
            if let Some(recipient) = data.get("recipientAddress") {
                action = action.recipient(address(recipient));
            }
            if let Some(amount) = data.get("amountLimitPerAction") {
                action = action.amount_limit_per_action(uint(amount));
            }
            if let Some(amount) = data.get("maxAmountLimit") {
                action = action.max_amount_limit(uint(amount));
            }
            if let Some(limit) = data.get("usageLimit") {
                action = action.usage_limit(u128::try_from(uint(limit)).unwrap());
            }
            if let Some(after) = data.get("validAfter") {
                action = action.valid_after(u64_of(after));
            }
            if let Some(until) = data.get("validUntil") {
                action = action.valid_until(u64_of(until));
            }
            for policy in policies {
                action = action.policy(policy);
            }
            action.try_build().unwrap()
        }
        "custom" => {
            let mut action = CustomAction::try_function(
                address(&data["contractAddress"]),
                text(&data["functionSignature"]),
            )
            .unwrap()
            .chain_ids(chain_ids);
            for policy in policies {
                action = action.policy(policy);
            }
            action.try_build().unwrap()
        }
        "batch" => vec![batch(session_actions(&data["actions"])).unwrap()],
        other => panic!("unknown action type {other}"),
    }
}

#[test]
fn session_actions_json_builders() {
    let file = vectors("session-actions.json");
    for case in cases(&file, "builders") {
        let built = build_session_action(&case["params"], u64_of(&case["clockMs"]));
        assert_eq!(built, session_actions(&case["output"]), "{}", name(case));
    }
}

#[test]
fn session_actions_json_payment_merge() {
    let file = vectors("session-actions.json");
    for case in cases(&file, "paymentPolicyMerge") {
        let fee_token: FeeToken = serde_json::from_value(case["feeToken"].clone()).unwrap();
        let merged = add_payment_policy(
            session_actions(&case["input"]),
            &fee_token,
            uint(&case["maxPaymentAmount"]),
        )
        .unwrap();
        assert_eq!(merged, session_actions(&case["output"]), "{}", name(case));
    }
}

#[test]
fn session_details_json_prepare() {
    let file = vectors("session-details.json");
    let session_abi = vectors("session-abi.json");
    let mut enable_calldata_checked = 0;
    for case in cases(&file, "prepare") {
        let inputs = &case["inputs"];
        let chain_ids: Vec<u64> = inputs["chainIds"]
            .as_array()
            .unwrap()
            .iter()
            .map(u64_of)
            .collect();
        let account = MultichainAccount::at(address(&inputs["account"]), chain_ids);
        let mut request = EnableSessions::new()
            .redeemer(address(&inputs["redeemer"]))
            .actions(session_actions(&inputs["actionsVerbatim"]))
            .batch_actions(inputs["batchActions"].as_bool().unwrap())
            .fee_token_decimals(inputs["feeTokenDecimals"].as_u64().unwrap() as u8);
        if !inputs["feeToken"].is_null() {
            request =
                request.fee_token(serde_json::from_value(inputs["feeToken"].clone()).unwrap());
        }
        if !inputs["maxPaymentAmount"].is_null() {
            request = request.max_payment_amount(uint(&inputs["maxPaymentAmount"]));
        }
        let prepared = request
            .try_prepare(&account, &mut VectorRng::new(text(&inputs["rngSeedLabel"])))
            .unwrap();
        let per_chain = case["perChain"].as_array().unwrap();
        assert_eq!(prepared.len(), per_chain.len(), "{}", name(case));
        for (ours, expected) in prepared.iter().zip(per_chain) {
            assert_eq!(
                ours.chain_id,
                u64_of(&expected["chainId"]),
                "{}",
                name(case)
            );
            assert_eq!(
                serde_json::to_value(&ours.details).unwrap(),
                expected["sessionDetails"]["httpJsonVerbatim"],
                "{} chain {}",
                name(case),
                ours.chain_id
            );
            assert_eq!(
                ours.enable_calls.len() as u64,
                expected["instructionCount"].as_u64().unwrap(),
                "{}",
                name(case)
            );
            for call in &ours.enable_calls {
                assert_eq!(call.to, SMART_SESSIONS);
                assert!(call.value.is_zero());
            }
            // The enableSessions calldata vectors were recorded from these sessions.
            for enable in cases(&session_abi, "enableSessions") {
                if enable["sessions"].as_array().unwrap().len() != 1 {
                    continue;
                }
                let recorded = cases(&session_abi, "sessions")
                    .iter()
                    .find(|session| session["name"] == enable["sessions"][0])
                    .unwrap();
                if text(&recorded["permissionId"]) == ours.details.permission_id.to_string() {
                    enable_calldata_checked += 1;
                    assert_eq!(
                        ours.enable_calls[0].data,
                        Bytes::from_str(text(&enable["calldata"])).unwrap(),
                        "{}",
                        name(case)
                    );
                }
            }
        }
    }
    assert!(
        enable_calldata_checked > 0,
        "no prepared session matched session-abi.json"
    );
}

fn signer_of(case: &Value) -> PrivateKeySigner {
    let key = B256::from_str(text(&case["signerPrivateKey"])).unwrap();
    let signer = PrivateKeySigner::from_bytes(&key).unwrap();
    assert_eq!(signer.address(), address(&case["signer"]));
    signer
}

fn grant_of(inputs: &Value) -> GrantPermission {
    let params = &inputs["paramsVerbatim"];
    let mut grant = GrantPermission::new()
        .redeemer(address(&params["redeemer"]))
        .fee_token(serde_json::from_value(params["feeToken"].clone()).unwrap())
        .fee_token_decimals(inputs["feeTokenDecimals"].as_u64().unwrap() as u8);
    for action in params["actions"].as_array().unwrap() {
        let chain_id = u64_of(&action["chainId"]);
        grant = grant
            .action(
                chain_id,
                serde_json::from_value::<ActionData>(action.clone()).unwrap(),
            )
            .nonce(chain_id, uint(&inputs["sessionNonce"]));
    }
    grant
}

fn grant_kind(sdk_function: &str) -> GrantSignature {
    match sdk_function {
        "grantMeePermissionPersonalSign" => GrantSignature::PersonalSign,
        "grantMeePermissionTypedDataSign" => GrantSignature::TypedData,
        other => panic!("unknown grant function {other}"),
    }
}

#[test]
fn session_details_json_grant() {
    let file = vectors("session-details.json");
    let digests = vectors("enable-digests.json");
    for case in cases(&file, "grant") {
        let inputs = &case["inputs"];
        let digest_case = cases(&digests, "cases")
            .iter()
            .find(|digest| digest["name"] == case["name"])
            .unwrap_or_else(|| panic!("{}: no enable-digests case", name(case)));
        let signer = signer_of(digest_case);
        assert_eq!(signer.address(), address(&inputs["owner"]));
        let chain_ids: Vec<u64> = inputs["paramsVerbatim"]["actions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|action| u64_of(&action["chainId"]))
            .collect();
        let account = MultichainAccount::at(address(&inputs["account"]), chain_ids);
        let details = grant_of(inputs)
            .try_sign(
                &account,
                &mut VectorRng::new(text(&inputs["rngSeedLabel"])),
                &signer,
                grant_kind(text(&case["sdkFunction"])),
            )
            .unwrap();
        assert_eq!(
            serde_json::to_value(&details).unwrap(),
            case["sessionDetails"]["httpJsonVerbatim"],
            "{}",
            name(case)
        );
        let parsed: Vec<SessionDetails> =
            serde_json::from_value(case["sessionDetails"]["httpJsonVerbatim"].clone()).unwrap();
        assert_eq!(details, parsed, "{}", name(case));
    }
}

#[test]
fn enable_digests_json_signatures() {
    let file = vectors("enable-digests.json");
    let details_file = vectors("session-details.json");
    for case in cases(&file, "cases") {
        let grant_case = cases(&details_file, "grant")
            .iter()
            .find(|grant| grant["name"] == case["name"])
            .unwrap();
        let inputs = &grant_case["inputs"];
        let chain_ids: Vec<u64> = case["perChain"]
            .as_array()
            .unwrap()
            .iter()
            .map(|chain| u64_of(&chain["chainId"]))
            .collect();
        let account = MultichainAccount::at(address(&inputs["account"]), chain_ids);
        let unsigned = grant_of(inputs)
            .try_unsigned(&account, &mut VectorRng::new(text(&inputs["rngSeedLabel"])))
            .unwrap();
        for (digest, chain) in unsigned
            .chain_digests
            .iter()
            .zip(case["perChain"].as_array().unwrap())
        {
            assert_eq!(digest.chainId, u64_of(&chain["chainId"]), "{}", name(case));
            assert_eq!(
                digest.sessionDigest.to_string(),
                text(&chain["sessionDigest"]),
                "{}",
                name(case)
            );
        }
        assert_eq!(
            unsigned.multichain_digest.to_string(),
            text(&case["multichainDigest"]),
            "{}",
            name(case)
        );
        let kind = grant_kind(text(&case["sdkFunction"]));
        assert_eq!(
            unsigned.signing_hash(kind).to_string(),
            text(&case["signedHash"]),
            "{}",
            name(case)
        );
        let signature = unsigned.sign(&signer_of(case), kind).unwrap();
        assert_eq!(
            signature.to_string(),
            text(&case["permissionEnableSig"]),
            "{}",
            name(case)
        );
        let details = unsigned.into_details(signature);
        let with_validator = details[0].to_enable_session().unwrap().permissionEnableSig;
        assert_eq!(
            with_validator.to_string(),
            text(&case["permissionEnableSigWithValidator"])
        );
    }
}

#[test]
fn function_selectors_of_the_vectors() {
    assert_eq!(
        parse_function_selector("increment()").unwrap().to_string(),
        "0xd09de08a"
    );
    assert_eq!(
        parse_function_selector("0x273ea3e3").unwrap().to_string(),
        "0x273ea3e3"
    );
}

/// A constraint from its JSON form (`referenceData = abi.encode(bytes32)`).
fn constraint_of(value: &Value) -> mee_sdk::primitives::execution::Constraint {
    let reference = B256::from_str(text(&value["referenceData"])).unwrap();
    match value["constraintType"].as_u64().unwrap() {
        0 => runtime::eq(reference),
        1 => runtime::gte(reference),
        2 => runtime::lte(reference),
        other => panic!("unexpected constraint type {other}"),
    }
}

/// The signature `name(type,…)` of `function` in an ABI, and its input types.
fn function_signature(abi: &Value, function: &str) -> (String, Vec<String>) {
    let item = abi
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["type"] == "function" && item["name"] == function)
        .unwrap_or_else(|| panic!("no function {function}"));
    let types: Vec<String> = item["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|input| text(&input["type"]).to_owned())
        .collect();
    (format!("{function}({})", types.join(",")), types)
}

fn static_word(kind: &str, value: &Value) -> B256 {
    match kind {
        "address" => address(value).into_word(),
        kind if kind.starts_with("uint") => B256::from(uint(value)),
        other => panic!("no static encoding for {other}"),
    }
}

#[test]
fn calldata_json_composable_builder() {
    let file = vectors("calldata.json");
    for case in cases(&file, "composable") {
        let expected: Vec<mee_sdk::primitives::execution::ComposableExecution> =
            case["composableCalls"]
                .as_array()
                .unwrap()
                .iter()
                .map(|call| {
                    let params = call["inputParams"].as_array().unwrap();
                    let mut built =
                        ComposableCall::new(address(&call["to"]), text(&call["functionSig"]))
                            .unwrap()
                            .value(uint(&call["value"]));
                    for param in params {
                        let data = Bytes::from_str(text(&param["paramData"])).unwrap();
                        built = if param["fetcherType"] == 0 {
                            built.static_bytes(data)
                        } else {
                            let (target, calldata) =
                                <(Address, Bytes)>::abi_decode_params(&data).unwrap();
                            let constraints = param["constraints"]
                                .as_array()
                                .unwrap()
                                .iter()
                                .map(constraint_of)
                                .collect();
                            built.runtime(runtime::static_call(target, calldata, constraints))
                        };
                    }
                    built.build()
                })
                .collect();
        let built = match case["params"]["type"].as_str() {
            None => expected.clone(),
            Some("rawCalldata") => {
                let data = &case["params"]["data"];
                let calldata = Bytes::from_str(text(&data["calldata"])).unwrap();
                vec![
                    mee_sdk::primitives::execution::ComposableExecution::raw_calldata(
                        address(&data["to"]),
                        U256::ZERO,
                        &calldata,
                    ),
                ]
            }
            Some("default") => {
                let data = &case["params"]["data"];
                let (signature, types) =
                    function_signature(&data["abi"], text(&data["functionName"]));
                let mut call = ComposableCall::new(address(&data["to"]), &signature).unwrap();
                if let Some(value) = data.get("value") {
                    call = call.value(uint(value));
                }
                for (arg, kind) in data["args"].as_array().unwrap().iter().zip(&types) {
                    if arg.get("isRuntime").is_none() {
                        call = call.static_word(static_word(kind, arg));
                        continue;
                    }
                    let runtime_param = &arg["inputParams"][0];
                    let param_data = Bytes::from_str(text(&runtime_param["paramData"])).unwrap();
                    let constraints: Vec<_> = runtime_param["constraints"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(constraint_of)
                        .collect();
                    call = call.runtime(match runtime_param["fetcherType"].as_u64().unwrap() {
                        2 => runtime::erc20_balance(
                            Address::from_slice(&param_data[..20]),
                            Address::from_slice(&param_data[20..40]),
                            constraints,
                        ),
                        1 => {
                            let (target, calldata) =
                                <(Address, Bytes)>::abi_decode_params(&param_data).unwrap();
                            runtime::static_call(target, calldata, constraints)
                        }
                        other => panic!("{}: fetcher {other}", name(case)),
                    });
                }
                for condition in data["conditions"].as_array().cloned().unwrap_or_default() {
                    let (signature, arg_types) = function_signature(
                        &condition["functionAbi"],
                        text(&condition["functionName"]),
                    );
                    let mut calldata = parse_function_selector(&signature).unwrap().to_vec();
                    for (arg, kind) in condition["args"].as_array().unwrap().iter().zip(&arg_types)
                    {
                        calldata.extend_from_slice(static_word(kind, arg).as_slice());
                    }
                    let reference = B256::from(uint(&condition["constraint"]["value"]));
                    let constraint = match condition["constraint"]["type"].as_u64().unwrap() {
                        0 => runtime::eq(reference),
                        1 => runtime::gte(reference),
                        2 => runtime::lte(reference),
                        other => panic!("{}: constraint {other}", name(case)),
                    };
                    call = call.condition(runtime::static_call(
                        address(&condition["targetContract"]),
                        calldata,
                        vec![constraint],
                    ));
                }
                vec![call.build()]
            }
            Some(other) => panic!("{}: unknown params type {other}", name(case)),
        };
        assert_eq!(built, expected, "{}", name(case));
        let calls: Vec<ComposableCall> = built
            .iter()
            .map(|execution| {
                let mut call = ComposableCall::with_selector(execution.to, execution.functionSig)
                    .value(execution.value);
                for param in &execution.inputParams {
                    call = call.runtime(param.clone());
                }
                call
            })
            .collect();
        assert_eq!(
            encode_composable(calls),
            Bytes::from_str(text(&case["callData"])).unwrap(),
            "{}",
            name(case)
        );
    }
}
