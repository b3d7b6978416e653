//! Smart Sessions, policies, calldata, initCode and nonce vectors: every case of the vector files
//! this crate covers, byte for byte. Each test walks all cases of its file and names the failing one.

use alloy_primitives::{Address, B256, Bytes, U256, eip191_hash_message, hex};
use alloy_sol_types::{SolCall, SolStruct, SolValue};
use mee_primitives::{
    ActionId, ConfigId, PermissionId,
    account::NexusDeployment,
    addresses::{self, MEE_2_0_0, SMART_SESSIONS},
    execution::{
        Call, ComposableExecution, Constraint, ExecutionMode, InputParam, encode_execute_batch,
        encode_execute_composable, encode_execute_single,
    },
    flz,
    ids::{
        FALLBACK_TARGET_FLAG, FALLBACK_TARGET_SELECTOR_FLAG,
        FALLBACK_TARGET_SELECTOR_FLAG_PERMITTED_TO_CALL_SMARTSESSION, VALUE_SELECTOR,
    },
    nonce::{NonceKey, ValidationMode},
    policy::{ActionConfig, ParamCondition, ParamRule, RulePadding},
    session::{
        self, ActionData, ChainDigest, ChainSession, ERC7739Context, ERC7739Data, ISmartSession,
        MultiChainSession, PolicyData, SMART_SESSION_DOMAIN, Session, SignedPermissions,
        SignedSession, SmartSessionMode, eip712_type_hash,
    },
    session_details::{self, ActionEntry, SessionDetails},
    session_signature::{self, SessionSignature},
};
use serde_json::Value;

use crate::vectors::*;

/// A `Session` written as in session-abi.json (no chain id; policies may lack `address`).
fn session_from_json(value: &Value) -> Session {
    let actions: Vec<ActionEntry> = serde_json::from_value(value["actions"].clone()).unwrap();
    Session {
        sessionValidator: address(&value["sessionValidator"]),
        sessionValidatorInitData: bytes(&value["sessionValidatorInitData"]),
        salt: b256(&value["salt"]),
        userOpPolicies: serde_json::from_value(value["userOpPolicies"].clone()).unwrap(),
        erc7739Policies: serde_json::from_value(value["erc7739Policies"].clone()).unwrap(),
        actions: actions.into_iter().map(ActionData::from).collect(),
        permitERC4337Paymaster: value["permitERC4337Paymaster"].as_bool().unwrap(),
    }
}

#[test]
fn ids_json() {
    let file = vectors("ids.json");
    let constants = &file["constants"];
    assert_eq!(address(&constants["smartSessionsAddress"]), SMART_SESSIONS);
    assert_eq!(selector(&constants["valueSelector"]), VALUE_SELECTOR);
    assert_eq!(
        address(&constants["fallbackTargetFlag"]),
        FALLBACK_TARGET_FLAG
    );
    assert_eq!(
        selector(&constants["fallbackTargetSelectorFlag"]),
        FALLBACK_TARGET_SELECTOR_FLAG
    );
    assert_eq!(
        selector(&constants["fallbackTargetSelectorFlagPermittedToCallSmartSession"]),
        FALLBACK_TARGET_SELECTOR_FLAG_PERMITTED_TO_CALL_SMARTSESSION
    );

    for case in cases(&file, "permissionIds") {
        let input = &case["input"];
        let validator = address(&input["sessionValidator"]);
        let init_data = bytes(&input["sessionValidatorInitData"]);
        let salt = b256(&input["salt"]);
        let preimage = (validator, init_data.clone(), salt).abi_encode_params();
        assert_eq!(
            Bytes::from(preimage),
            bytes(&case["hashPreimage"]),
            "{}",
            name(case)
        );
        let id = PermissionId::from_parts(validator, &init_data, salt);
        assert_eq!(
            id.into_inner(),
            b256(&case["permissionId"]),
            "{}",
            name(case)
        );
        let session = Session {
            sessionValidator: validator,
            sessionValidatorInitData: init_data,
            salt,
            ..Session::default()
        };
        assert_eq!(session.permission_id(), id, "{}", name(case));
    }

    for case in cases(&file, "actionIds") {
        let target = address(&case["input"]["target"]);
        let sel = selector(&case["input"]["selector"]);
        let preimage = [target.as_slice(), sel.as_slice()].concat();
        assert_eq!(
            Bytes::from(preimage),
            bytes(&case["preimage"]),
            "{}",
            name(case)
        );
        let id = ActionId::from_parts(target, sel);
        assert_eq!(id.into_inner(), b256(&case["actionId"]), "{}", name(case));
        if sel == VALUE_SELECTOR {
            assert_eq!(ActionId::for_call(target, &[]), id, "{}", name(case));
        }
    }
    let fallback = ActionId::from_parts(FALLBACK_TARGET_FLAG, FALLBACK_TARGET_SELECTOR_FLAG);
    assert_eq!(fallback, ActionId::FALLBACK);

    let config = &file["configIds"];
    let account = address(&config["input"]["account"]);
    let permission_id = PermissionId::new(b256(&config["input"]["permissionId"]));
    let action_id = ActionId::new(b256(&config["input"]["actionId"]));
    assert_eq!(
        ConfigId::user_op_policy(account, permission_id).into_inner(),
        b256(&config["userOpPolicyConfigId"])
    );
    assert_eq!(
        ConfigId::action_policy(account, permission_id, action_id).into_inner(),
        b256(&config["actionPolicyConfigId"])
    );
    assert_eq!(
        ConfigId::erc1271_policy(account, permission_id).into_inner(),
        b256(&config["erc1271PolicyConfigId"])
    );
}

/// `toBytes32` of a universal rule's comparison value: hex left-padded, integers as uint256.
fn comparison_value(value: &Value) -> B256 {
    match value {
        Value::String(text) if text.starts_with("0x") => {
            let raw = hex::decode(text).unwrap();
            let mut word = [0u8; 32];
            word[32 - raw.len()..].copy_from_slice(&raw);
            B256::new(word)
        }
        other => B256::from(uint(other)),
    }
}

/// The universal policy the SDK's builder makes from its `{rules, valueLimitPerUse}` params.
fn universal_from_params(params: &Value) -> ActionConfig {
    let rules: Vec<ParamRule> = params["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|rule| {
            let condition = ParamCondition::from_sdk_name(text(&rule["condition"])).unwrap();
            let mut built = ParamRule::new(
                condition,
                u64_of(&rule["calldataOffset"]),
                comparison_value(&rule["comparisonValue"]),
            );
            if rule["isLimited"].as_bool() == Some(true) {
                built = built.limited(uint(&rule["usage"]["limit"]), uint(&rule["usage"]["used"]));
            }
            built
        })
        .collect();
    let value_limit = params.get("valueLimitPerUse").map(uint).unwrap_or_default();
    ActionConfig::new(value_limit, &rules, RulePadding::Builder).unwrap()
}

#[test]
fn policies_json() {
    let file = vectors("policies.json");
    let addresses_json = &file["addresses"];
    assert_eq!(address(&addresses_json["sudo"]), addresses::policies::SUDO);
    assert_eq!(
        address(&addresses_json["universalAction"]),
        addresses::policies::UNIVERSAL_ACTION
    );
    assert_eq!(
        address(&addresses_json["timeFrame"]),
        addresses::policies::TIME_FRAME
    );
    assert_eq!(
        address(&addresses_json["usageLimit"]),
        addresses::policies::USAGE_LIMIT
    );
    assert_eq!(
        address(&addresses_json["valueLimit"]),
        addresses::policies::VALUE_LIMIT
    );
    assert_eq!(
        address(&addresses_json["spendingLimits"]),
        addresses::policies::ERC20_SPENDING_LIMIT
    );

    let conditions = file["paramCondition"].as_object().unwrap();
    assert_eq!(conditions.len(), ParamCondition::ALL.len());
    for (condition_name, byte) in conditions {
        let condition = ParamCondition::from_u8(byte.as_u64().unwrap() as u8).unwrap();
        assert_eq!(
            format!("{condition:?}").to_uppercase(),
            condition_name.replace('_', "")
        );
    }

    let unused = &file["defaultUnusedRule"];
    let padding = RulePadding::Builder.rule(5);
    assert_eq!(
        u64::from(padding.condition),
        unused["condition"].as_u64().unwrap()
    );
    assert_eq!(padding.offset, u64_of(&unused["offset"]));
    assert_eq!(padding.isLimited, unused["isLimited"].as_bool().unwrap());
    assert_eq!(padding.refValue, b256(&unused["ref"]));
    assert_eq!(padding.usage.limit, uint(&unused["usage"]["limit"]));

    for case in cases(&file, "cases") {
        let params = &case["params"];
        let policy = address(&case["policy"]);
        let built = if policy == addresses::policies::SUDO {
            PolicyData::sudo()
        } else if policy == addresses::policies::UNIVERSAL_ACTION {
            let config = universal_from_params(params);
            let decoded = ActionConfig::decode(&bytes(&case["initData"])).unwrap();
            assert_eq!(decoded, config, "{}", name(case));
            PolicyData::universal(&config)
        } else if policy == addresses::policies::TIME_FRAME {
            PolicyData::time_frame(u64_of(&params["validAfter"]), u64_of(&params["validUntil"]))
        } else if policy == addresses::policies::USAGE_LIMIT {
            PolicyData::usage_limit(u128::try_from(uint(&params["limit"])).unwrap())
        } else if policy == addresses::policies::ERC20_SPENDING_LIMIT {
            let list = params
                .get("tokenLimits")
                .unwrap_or(params)
                .as_array()
                .unwrap();
            let limits: Vec<(Address, U256)> = list
                .iter()
                .map(|entry| (address(&entry["token"]), uint(&entry["limit"])))
                .collect();
            PolicyData::spending_limits(&limits)
        } else if policy == addresses::policies::VALUE_LIMIT {
            PolicyData::value_limit(uint(&params["limit"]))
        } else {
            panic!("{}: unknown policy {policy}", name(case));
        };
        assert_eq!(built.policy, policy, "{}", name(case));
        assert_eq!(address(&case["address"]), policy, "{}", name(case));
        assert_eq!(built.initData, bytes(&case["initData"]), "{}", name(case));
        assert_eq!(
            built.initData.len() as u64,
            case["initDataLength"].as_u64().unwrap(),
            "{}",
            name(case)
        );
    }
}

#[test]
fn session_abi_json() {
    let file = vectors("session-abi.json");
    assert_eq!(
        hex::encode_prefixed(ISmartSession::enableSessionsCall::SELECTOR),
        text(&file["enableSessionsSelector"])
    );
    assert_eq!(
        ISmartSession::enableSessionsCall::SIGNATURE,
        text(&file["enableSessionsSignature"])
    );
    assert_eq!(
        ISmartSession::getPermissionIdCall::SIGNATURE,
        format!("getPermissionId({})", text(&file["sessionAbiType"]))
    );

    let mut by_name = std::collections::HashMap::new();
    for case in cases(&file, "sessions") {
        let session = session_from_json(&case["session"]);
        assert_eq!(
            Bytes::from(session.abi_encode()),
            bytes(&case["abiEncodedSession"]),
            "{}",
            name(case)
        );
        let permission_id = session.permission_id();
        assert_eq!(
            permission_id.into_inner(),
            b256(&case["permissionId"]),
            "{}",
            name(case)
        );
        let get_id = ISmartSession::getPermissionIdCall {
            session: session.clone(),
        }
        .abi_encode();
        assert_eq!(
            Bytes::from(get_id),
            bytes(&case["getPermissionIdCalldata"]),
            "{}",
            name(case)
        );
        let nonce_call =
            ISmartSession::getNonceCall::abi_decode(&bytes(&case["getNonceCalldata"])).unwrap();
        assert_eq!(
            nonce_call.permissionId,
            permission_id.into_inner(),
            "{}",
            name(case)
        );
        let account = nonce_call.account;
        let reencoded = ISmartSession::getNonceCall {
            permissionId: permission_id.into(),
            account,
        };
        assert_eq!(
            Bytes::from(reencoded.abi_encode()),
            bytes(&case["getNonceCalldata"])
        );
        let digest_call = ISmartSession::getSessionDigestCall {
            permissionId: permission_id.into(),
            account,
            data: session.clone(),
            mode: SmartSessionMode::UNSAFE_ENABLE.as_u8(),
        };
        assert_eq!(
            Bytes::from(digest_call.abi_encode()),
            bytes(&case["getSessionDigestCalldataUnsafeEnable"]),
            "{}",
            name(case)
        );
        by_name.insert(name(case).to_owned(), session);
    }

    for case in cases(&file, "enableSessions") {
        let sessions: Vec<Session> = case["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|session_name| by_name[text(session_name)].clone())
            .collect();
        assert_eq!(address(&case["to"]), SMART_SESSIONS, "{}", name(case));
        assert_eq!(uint(&case["value"]), U256::ZERO, "{}", name(case));
        assert_eq!(
            session::enable_sessions_calldata(sessions),
            bytes(&case["calldata"]),
            "{}",
            name(case)
        );
    }
}

/// Every sessionDetails entry of session-details.json: (case name, chain index, HTTP JSON,
/// SDK-stringify JSON).
fn session_details_entries(file: &Value) -> Vec<(String, usize, Value, Value)> {
    let mut entries = Vec::new();
    for case in cases(file, "prepare") {
        for (index, chain) in case["perChain"].as_array().unwrap().iter().enumerate() {
            let details = &chain["sessionDetails"];
            let tagged: Value =
                serde_json::from_str(text(&details["sdkStringifyVerbatim"])).unwrap();
            entries.push((
                name(case).to_owned(),
                index,
                details["httpJsonVerbatim"].clone(),
                tagged,
            ));
        }
    }
    for case in cases(file, "grant") {
        let details = &case["sessionDetails"];
        let tagged: Value = serde_json::from_str(text(&details["sdkStringifyVerbatim"])).unwrap();
        for (index, entry) in details["httpJsonVerbatim"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
        {
            entries.push((
                name(case).to_owned(),
                index,
                entry.clone(),
                tagged[index].clone(),
            ));
        }
    }
    entries
}

#[test]
fn session_details_json_round_trips() {
    let file = vectors("session-details.json");
    let entries = session_details_entries(&file);
    assert_eq!(entries.len(), 5 + 2 + 2 + 4 + 4);
    for (case, index, http, tagged) in entries {
        let details: SessionDetails = serde_json::from_value(http.clone())
            .unwrap_or_else(|err| panic!("{case}[{index}]: {err}"));
        assert_eq!(
            serde_json::to_value(&details).unwrap(),
            http,
            "{case}[{index}] HTTP JSON"
        );
        let from_tagged: SessionDetails = serde_json::from_value(tagged.clone()).unwrap();
        assert_eq!(from_tagged, details, "{case}[{index}] SDK stringify form");
        let ours: Value =
            serde_json::from_str(&session_details::to_sdk_stringify(&details).unwrap()).unwrap();
        assert_eq!(ours, tagged, "{case}[{index}] SDK stringify JSON");
        assert_eq!(
            details.permission_id,
            details.session().permission_id(),
            "{case}[{index}]"
        );
        assert_eq!(
            details.signature,
            session_details::MOCK_SIGNATURE,
            "{case}[{index}]"
        );
        if details.mode == SmartSessionMode::USE {
            assert_eq!(
                SessionDetails::prepared(details.session(), details.chain_id()),
                details,
                "{case}[{index}] prepared form"
            );
        } else {
            let enable = details.to_enable_session().unwrap();
            assert_eq!(usize::from(enable.chainDigestIndex), index, "{case}");
            assert_eq!(
                enable.hashesAndChainIds[index].chainId,
                details.chain_id(),
                "{case}"
            );
        }
    }
}

#[test]
fn enable_digests_json() {
    let file = vectors("enable-digests.json");
    assert_eq!(
        SMART_SESSION_DOMAIN.separator(),
        b256(&file["domainSeparator"])
    );
    assert_eq!(
        SMART_SESSION_DOMAIN.name.as_deref(),
        file["domain"]["name"].as_str()
    );
    assert_eq!(
        SMART_SESSION_DOMAIN.version.as_deref(),
        file["domain"]["version"].as_str()
    );

    let ours: [(&str, String, B256); 8] = [
        (
            "POLICY_DATA_TYPEHASH",
            PolicyData::eip712_encode_type().into(),
            eip712_type_hash::<PolicyData>(),
        ),
        (
            "ACTION_DATA_TYPEHASH",
            ActionData::eip712_encode_type().into(),
            eip712_type_hash::<ActionData>(),
        ),
        (
            "ERC7739_CONTEXT_TYPEHASH",
            ERC7739Context::eip712_encode_type().into(),
            eip712_type_hash::<ERC7739Context>(),
        ),
        (
            "ERC7739_DATA_TYPEHASH",
            ERC7739Data::eip712_encode_type().into(),
            eip712_type_hash::<ERC7739Data>(),
        ),
        (
            "SIGNED_PERMISSIONS_TYPEHASH",
            SignedPermissions::eip712_encode_type().into(),
            eip712_type_hash::<SignedPermissions>(),
        ),
        (
            "SESSION_TYPEHASH",
            SignedSession::eip712_encode_type().into(),
            eip712_type_hash::<SignedSession>(),
        ),
        (
            "CHAIN_SESSION_TYPEHASH",
            ChainSession::eip712_encode_type().into(),
            eip712_type_hash::<ChainSession>(),
        ),
        (
            "MULTICHAIN_SESSION_TYPEHASH",
            MultiChainSession::eip712_encode_type().into(),
            eip712_type_hash::<MultiChainSession>(),
        ),
    ];
    let typehashes = file["typehashes"].as_object().unwrap();
    assert_eq!(typehashes.len(), ours.len());
    for (key, encode_type, hash) in ours {
        assert_eq!(encode_type, text(&typehashes[key]["type"]), "{key}");
        assert_eq!(hash, b256(&typehashes[key]["hash"]), "{key}");
    }

    let details_file = vectors("session-details.json");
    for case in cases(&file, "cases") {
        let grant = details_file["grant"]
            .as_array()
            .unwrap()
            .iter()
            .find(|grant| grant["name"] == case["name"])
            .unwrap_or_else(|| panic!("{}: no grant case", name(case)));
        let details: Vec<SessionDetails> =
            serde_json::from_value(grant["sessionDetails"]["httpJsonVerbatim"].clone()).unwrap();
        let mut chain_digests = Vec::new();
        for chain in case["perChain"].as_array().unwrap() {
            let index = chain["chainDigestIndex"].as_u64().unwrap() as usize;
            let entry = &details[index];
            let session = entry.session();
            assert_eq!(
                entry.chain_id(),
                u64_of(&chain["chainId"]),
                "{}",
                name(case)
            );
            assert_eq!(
                session.permission_id().into_inner(),
                b256(&chain["permissionId"]),
                "{}",
                name(case)
            );
            let mode = SmartSessionMode::from_u8(chain["mode"].as_u64().unwrap() as u8).unwrap();
            let digest = session::session_digest(
                address(&chain["account"]),
                &session,
                mode,
                uint(&chain["sessionNonce"]),
            );
            assert_eq!(
                digest,
                b256(&chain["sessionDigest"]),
                "{} chain {index}",
                name(case)
            );
            chain_digests.push(ChainDigest {
                chainId: entry.chain_id(),
                sessionDigest: digest,
            });
        }
        let multichain = session::multichain_digest(&chain_digests);
        assert_eq!(
            multichain,
            b256(&case["multichainDigest"]),
            "{}",
            name(case)
        );
        let signed_hash = match text(&case["sdkFunction"]) {
            "grantMeePermissionPersonalSign" => eip191_hash_message(multichain),
            "grantMeePermissionTypedDataSign" => multichain,
            other => panic!("{}: unknown sdkFunction {other}", name(case)),
        };
        assert_eq!(signed_hash, b256(&case["signedHash"]), "{}", name(case));
        for entry in &details {
            assert_eq!(
                entry
                    .enable_session_data
                    .enable_session
                    .permission_enable_sig,
                bytes(&case["permissionEnableSig"])
            );
            let enable = entry.to_enable_session().unwrap();
            assert_eq!(
                enable.permissionEnableSig,
                bytes(&case["permissionEnableSigWithValidator"]),
                "{}",
                name(case)
            );
            assert_eq!(enable.hashesAndChainIds, chain_digests, "{}", name(case));
        }
    }
}

#[test]
fn mee_signatures_json_smart_session_wrappers() {
    let file = vectors("mee-signatures.json");
    let wrappers = &file["smartSessionSignatures"];
    let permission_id = PermissionId::new(b256(&wrappers["permissionId"]));
    let validator_sig = bytes(&wrappers["sessionValidatorSignature"]);
    let use_sig = session_signature::encode_use(permission_id, &validator_sig);
    assert_eq!(use_sig, bytes(&wrappers["use"]));
    assert_eq!(
        SessionSignature::decode(&use_sig).unwrap(),
        SessionSignature::Use {
            permission_id,
            signature: validator_sig.clone()
        }
    );

    let unsafe_enable = &wrappers["unsafeEnable"];
    let sdk_signature = bytes(&unsafe_enable["signature"]);
    assert_eq!(
        hex::encode_prefixed([sdk_signature[0]]),
        text(&unsafe_enable["mode"])
    );
    let payload = flz::decompress(&sdk_signature[1..]).unwrap();
    assert_eq!(
        Bytes::from(payload.clone()),
        bytes(&unsafe_enable["decompressedPayload"])
    );

    // The enable data comes from the two-chain personal-sign grant, chain 8453.
    let details_file = vectors("session-details.json");
    let grant = details_file["grant"]
        .as_array()
        .unwrap()
        .iter()
        .find(|grant| grant["name"] == "two_chains_personal_sign")
        .unwrap();
    let details: Vec<SessionDetails> =
        serde_json::from_value(grant["sessionDetails"]["httpJsonVerbatim"].clone()).unwrap();
    let entry = details
        .iter()
        .find(|entry| entry.chain_id() == 8453)
        .unwrap();
    let enable = entry.to_enable_session().unwrap();
    assert_eq!(
        session_signature::enable_payload(&enable, &validator_sig),
        payload
    );

    let ours =
        session_signature::encode_enable(SmartSessionMode::UNSAFE_ENABLE, &enable, &validator_sig);
    assert_eq!(ours[0], sdk_signature[0]);
    assert_eq!(flz::decompress(&ours[1..]).unwrap(), payload);
    for signature in [&ours, &sdk_signature] {
        let decoded = SessionSignature::decode(signature).unwrap();
        assert_eq!(decoded.permission_id(), entry.permission_id);
        assert_eq!(
            decoded,
            SessionSignature::Enable {
                mode: SmartSessionMode::UNSAFE_ENABLE,
                enable_session: Box::new(enable.clone()),
                signature: validator_sig.clone(),
            }
        );
    }
}

fn call_from_json(value: &Value) -> Call {
    let data = value.get("data").map(bytes).unwrap_or_default();
    Call::new(address(&value["to"]), data).with_value(uint(&value["value"]))
}

fn composable_from_json(value: &Value) -> ComposableExecution {
    let input_params = value["inputParams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|param| InputParam {
            fetcherType: param["fetcherType"].as_u64().unwrap() as u8,
            paramData: bytes(&param["paramData"]),
            constraints: param["constraints"]
                .as_array()
                .unwrap()
                .iter()
                .map(|constraint| Constraint {
                    constraintType: constraint["constraintType"].as_u64().unwrap() as u8,
                    referenceData: bytes(&constraint["referenceData"]),
                })
                .collect(),
        })
        .collect();
    assert_eq!(value["outputParams"].as_array().map(Vec::len), Some(0));
    ComposableExecution {
        to: address(&value["to"]),
        value: uint(&value["value"]),
        functionSig: selector(&value["functionSig"]),
        inputParams: input_params,
        outputParams: Vec::new(),
    }
}

#[test]
fn calldata_json() {
    let file = vectors("calldata.json");
    assert_eq!(
        ExecutionMode::SINGLE.word(),
        b256(&file["modes"]["EXECUTE_SINGLE"])
    );
    assert_eq!(
        ExecutionMode::BATCH.word(),
        b256(&file["modes"]["EXECUTE_BATCH"])
    );

    for case in cases(&file, "single") {
        let calls: Vec<Call> = case["calls"]
            .as_array()
            .unwrap()
            .iter()
            .map(call_from_json)
            .collect();
        assert_eq!(calls.len(), 1, "{}", name(case));
        assert_eq!(
            encode_execute_single(&calls[0]),
            bytes(&case["callData"]),
            "{}",
            name(case)
        );
        assert_eq!(
            mee_primitives::execution::encode_calls(&calls).unwrap(),
            bytes(&case["callData"])
        );
    }
    for case in cases(&file, "batch") {
        let calls: Vec<Call> = case["calls"]
            .as_array()
            .unwrap()
            .iter()
            .map(call_from_json)
            .collect();
        assert!(calls.len() > 1, "{}", name(case));
        assert_eq!(
            encode_execute_batch(&calls),
            bytes(&case["callData"]),
            "{}",
            name(case)
        );
        assert_eq!(
            mee_primitives::execution::encode_calls(&calls).unwrap(),
            bytes(&case["callData"])
        );
    }
    for case in cases(&file, "composable") {
        let executions: Vec<ComposableExecution> = case["composableCalls"]
            .as_array()
            .unwrap()
            .iter()
            .map(composable_from_json)
            .collect();
        assert_eq!(
            encode_execute_composable(&executions),
            bytes(&case["callData"]),
            "{}",
            name(case)
        );
        // Runtime balance arguments (fetcher 2 in the SDK's input) become balanceOf static calls.
        let args = case["params"]["data"]["args"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for arg in args.iter().filter(|arg| arg.get("isRuntime").is_some()) {
            let runtime = &arg["inputParams"][0];
            if runtime["fetcherType"] == 2 {
                let data = bytes(&runtime["paramData"]);
                let constraints = composable_from_json(&serde_json::json!({
                    "to": Address::ZERO, "value": "0", "functionSig": "0x00000000",
                    "inputParams": [runtime], "outputParams": []
                }))
                .inputParams
                .remove(0)
                .constraints;
                let param = InputParam::erc20_balance(
                    Address::from_slice(&data[..20]),
                    Address::from_slice(&data[20..40]),
                    constraints,
                );
                assert!(executions[0].inputParams.contains(&param), "{}", name(case));
            }
        }
    }
}

#[test]
fn init_code_json() {
    let file = vectors("init-code.json");
    assert_eq!(address(&file["factoryAddress"]), MEE_2_0_0.account_factory);
    assert_eq!(address(&file["bootstrapAddress"]), MEE_2_0_0.bootstrap);
    for case in cases(&file, "cases") {
        let deployment =
            NexusDeployment::new(MEE_2_0_0, address(&case["owner"]), uint(&case["index"]));
        assert_eq!(
            deployment.factory(),
            address(&case["factory"]),
            "{}",
            name(case)
        );
        assert_eq!(deployment.salt(), b256(&case["salt"]), "{}", name(case));
        assert_eq!(
            MEE_2_0_0.bootstrap,
            address(&case["bootstrap"]),
            "{}",
            name(case)
        );
        assert_eq!(
            deployment.bootstrap_call(),
            bytes(&case["bootstrapCall"]),
            "{}",
            name(case)
        );
        assert_eq!(
            deployment.init_data(),
            bytes(&case["initData"]),
            "{}",
            name(case)
        );
        assert_eq!(
            deployment.factory_data(),
            bytes(&case["factoryData"]),
            "{}",
            name(case)
        );
        assert_eq!(
            deployment.init_code(),
            bytes(&case["initCode"]),
            "{}",
            name(case)
        );
    }
}

#[test]
fn nonces_json() {
    let file = vectors("nonces.json");
    for case in cases(&file, "cases") {
        let input = &case["input"];
        let mode_byte =
            u8::from_str_radix(text(&input["validationMode"]).trim_start_matches("0x"), 16)
                .unwrap();
        let mode = ValidationMode::from_u8(mode_byte).unwrap();
        let key = NonceKey::new(
            u64_of(&input["timestampPart"]),
            mode,
            address(&input["moduleAddress"]),
        );
        if let Some(now) = input.get("dateNowMs") {
            let from_clock =
                NonceKey::from_millis(u64_of(now), mode, address(&input["moduleAddress"]));
            assert_eq!(from_clock, key, "{}", name(case));
        }
        assert_eq!(
            U256::from(key.to_u192()),
            uint(&case["nonceKey"]),
            "{}",
            name(case)
        );
        assert_eq!(
            hex::encode_prefixed(key.to_bytes()),
            text(&case["nonceKeyHex"]),
            "{}",
            name(case)
        );
        let sequence = u64_of(&input["entryPointSequence"]);
        let nonce = key.nonce(sequence);
        assert_eq!(nonce, uint(&case["nonce"]), "{}", name(case));
        assert_eq!(
            nonce.to_string(),
            text(&case["nonceDecimal"]),
            "{}",
            name(case)
        );
        assert_eq!(B256::from(nonce), b256(&case["nonceHex"]), "{}", name(case));
        let (split_key, split_sequence) = NonceKey::split(nonce);
        assert_eq!(split_key.to_bytes(), key.to_bytes(), "{}", name(case));
        assert_eq!(split_sequence, sequence, "{}", name(case));
    }
}
