//! userop-hash.json: packing and v0.7 userOp hashes.

use alloy_primitives::Bytes;
use mee_primitives::userop::UserOperation;

use crate::vectors::*;

#[test]
fn userop_hashes_match_the_sdk() {
    let file = vectors("userop-hash.json");
    let cases = cases(&file, "cases");
    assert!(!cases.is_empty());
    for case in cases {
        let name = text(&case["name"]);
        let op = &case["userOp"];
        let opt_address = |key: &str| {
            op.get(key)
                .and_then(|v| v.as_str())
                .map(|_| address(&op[key]))
        };
        let opt_bytes = |key: &str| {
            op.get(key)
                .and_then(|v| v.as_str())
                .map(|_| bytes(&op[key]))
                .unwrap_or_default()
        };
        let opt_u128 = |key: &str| {
            op.get(key)
                .filter(|v| !v.is_null())
                .map(|_| u128_of(&op[key]))
                .unwrap_or(0)
        };
        let user_op = UserOperation {
            sender: address(&op["sender"]),
            nonce: uint(&op["nonce"]),
            factory: opt_address("factory"),
            factory_data: opt_bytes("factoryData"),
            call_data: bytes(&op["callData"]),
            call_gas_limit: u128_of(&op["callGasLimit"]),
            verification_gas_limit: u128_of(&op["verificationGasLimit"]),
            pre_verification_gas: uint(&op["preVerificationGas"]),
            max_fee_per_gas: u128_of(&op["maxFeePerGas"]),
            max_priority_fee_per_gas: u128_of(&op["maxPriorityFeePerGas"]),
            paymaster: opt_address("paymaster"),
            paymaster_verification_gas_limit: opt_u128("paymasterVerificationGasLimit"),
            paymaster_post_op_gas_limit: opt_u128("paymasterPostOpGasLimit"),
            paymaster_data: opt_bytes("paymasterData"),
            signature: opt_bytes("signature"),
        };
        let packed = &case["packed"];
        assert_eq!(
            user_op.init_code(),
            bytes(&packed["initCode"]),
            "{name}: initCode"
        );
        assert_eq!(
            user_op.account_gas_limits(),
            b256(&packed["accountGasLimits"]),
            "{name}: accountGasLimits"
        );
        assert_eq!(
            user_op.gas_fees(),
            b256(&packed["gasFees"]),
            "{name}: gasFees"
        );
        assert_eq!(
            user_op.paymaster_and_data(),
            bytes(&packed["paymasterAndData"]),
            "{name}: paymasterAndData"
        );
        let chain_id = u64_of(&case["chainId"]);
        assert_eq!(
            address(&case["entryPoint"]),
            mee_primitives::addresses::ENTRY_POINT_V07
        );
        assert_eq!(
            user_op.hash(chain_id).0,
            b256(&case["userOpHash"]),
            "{name}: userOpHash"
        );

        // The signature is not part of the hash.
        let mut signed = user_op.clone();
        signed.signature = Bytes::from_static(&[1, 2, 3]);
        assert_eq!(
            signed.hash(chain_id),
            user_op.hash(chain_id),
            "{name}: signature hashed"
        );
        // The chain is.
        assert_ne!(
            user_op.hash(chain_id + 1),
            user_op.hash(chain_id),
            "{name}: chain not bound"
        );
    }
}
