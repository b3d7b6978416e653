//! mee-signatures.json: merkle trees, proofs, the quote signature and per-userOp signatures.

use alloy::signers::{SignerSync, local::PrivateKeySigner};
use alloy_primitives::B256;
use mee_primitives::{
    mee_signature::{self, MeeUserOp},
    merkle,
    userop::UserOpHash,
};

use crate::vectors::*;

#[test]
fn simple_mode_trees_and_signatures_match_the_sdk() {
    let file = vectors("mee-signatures.json");
    let cases = cases(&file, "cases");
    assert!(cases.len() >= 5);
    for case in cases {
        let name = text(&case["name"]);
        let ops: Vec<MeeUserOp> = case["userOps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|op| MeeUserOp {
                user_op_hash: UserOpHash(b256(&op["userOpHash"])),
                lower_bound_timestamp: u64_of(&op["lowerBoundTimestamp"]),
                upper_bound_timestamp: u64_of(&op["upperBoundTimestamp"]),
                short_encoding: op["shortEncoding"].as_bool().unwrap(),
            })
            .collect();
        for (op, json) in ops.iter().zip(case["userOps"].as_array().unwrap()) {
            assert_eq!(
                op.mee_user_op_hash(),
                b256(&json["meeUserOpHash"]),
                "{name}: meeUserOpHash"
            );
        }

        let tree = mee_signature::supertransaction_tree(&ops).unwrap();
        assert_eq!(tree.root(), b256(&case["root"]), "{name}: root");

        // The quote signature: personal_sign of the 32-byte root, prefixed.
        let signer: PrivateKeySigner = text(&case["signerPrivateKey"]).parse().unwrap();
        assert_eq!(signer.address(), address(&case["signer"]));
        let sig = signer
            .sign_message_sync(tree.root().as_slice())
            .unwrap()
            .as_bytes();
        assert_eq!(
            mee_signature::quote_signature(&sig),
            bytes(&case["quoteSignature"]),
            "{name}: quote signature"
        );

        let (root, per_op) = mee_signature::user_op_signatures(&ops, &sig).unwrap();
        assert_eq!(root, tree.root());
        for expected in case["perUserOp"].as_array().unwrap() {
            let i = expected["index"].as_u64().unwrap() as usize;
            let proof: Vec<B256> = expected["proof"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_str().unwrap().parse().unwrap())
                .collect();
            assert_eq!(ops[i].leaf(), b256(&expected["leaf"]), "{name}[{i}]: leaf");
            assert_eq!(tree.proof(i).unwrap(), proof, "{name}[{i}]: proof");
            assert!(
                merkle::verify(&proof, root, ops[i].leaf()),
                "{name}[{i}]: proof verifies"
            );
            // Short-leaf (session) cases carry only the short encoding.
            if expected.get("fullSignature").is_some() {
                assert_eq!(
                    mee_signature::full_user_op_signature(
                        root,
                        ops[i].lower_bound_timestamp,
                        ops[i].upper_bound_timestamp,
                        &proof,
                        &sig
                    ),
                    bytes(&expected["fullSignature"]),
                    "{name}[{i}]: full signature"
                );
            } else {
                assert!(
                    ops[i].short_encoding,
                    "{name}[{i}]: only short-leaf cases omit it"
                );
            }
            assert_eq!(
                mee_signature::short_user_op_signature(root, &proof, &sig),
                bytes(&expected["shortSignature"]),
                "{name}[{i}]: short signature"
            );
            let chosen = if ops[i].short_encoding {
                "shortSignature"
            } else {
                "fullSignature"
            };
            assert_eq!(
                per_op[i],
                bytes(&expected[chosen]),
                "{name}[{i}]: chosen encoding"
            );
        }
    }
}
