//! The CLI against a two-chain devnet: account addresses and status, an off-chain grant in one
//! process read back by another, and the errors a user meets before a node is involved.

use std::{path::Path, sync::Arc};

use alloy::primitives::{Address, B256, Signature, eip191_hash_message};
use mee_primitives::{ChainDigest, SessionDetails, SmartSessionMode, session::multichain_digest};
use serde_json::Value;

use crate::{TempDir, closed_url, fails, mee, normalise, ok, snapshot};

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// The owner signature of granted details recovers to `owner` under `typed` or personal
/// signing.
fn grant_signer(details: &[SessionDetails], typed: bool) -> Address {
    let enable = &details[0].enable_session_data.enable_session;
    let digests: Vec<ChainDigest> = enable
        .hashes_and_chain_ids
        .iter()
        .map(|entry| ChainDigest {
            chainId: entry.chain_id,
            sessionDigest: B256::from_slice(&entry.session_digest),
        })
        .collect();
    let digest = multichain_digest(&digests);
    let hash = if typed {
        digest
    } else {
        eip191_hash_message(digest)
    };
    Signature::from_raw(&enable.permission_enable_sig)
        .unwrap()
        .recover_address_from_prehash(&hash)
        .unwrap()
}

fn read_details(path: &Path) -> Vec<SessionDetails> {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn accounts_grant_and_status_on_a_devnet() {
    let devnet = crate::two_chain_devnet().await;
    let rpc = crate::rpc_list(&devnet);
    let keys = devnet.test_keys();
    let owner = &keys[0];
    let session_key = &keys[1];
    let tmp = TempDir::new();
    let norm = |text: &str| normalise(text, Some(tmp.path()));

    // Addresses from the factory: by owner address, and from the owner key.
    let by_address = ok(mee()
        .args(["account", "address", "--json", "--owner"])
        .arg(owner.address.to_string())
        .env("MEE_RPC", &rpc));
    snapshot("account-address.json", &norm(&by_address.stdout));
    let report: Value = serde_json::from_str(&by_address.stdout).unwrap();
    let account: Address = report["chains"][0]["address"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        report["chains"][1]["address"],
        report["chains"][0]["address"]
    );
    let by_key = ok(mee()
        .args(["account", "address", "--rpc", &rpc, "--chains", "10"])
        .env("MEE_OWNER_KEY", &owner.private_key));
    assert_eq!(
        by_key.stdout,
        format!("chain      address\n10         {account}\n")
    );
    assert!(!by_key.stderr.contains(&owner.private_key[2..]));

    let status = ok(mee()
        .args(["account", "status", "--json", "--token"])
        .arg(mee_primitives::addresses::DEVNET_USDC.to_string())
        .args(["--owner", &owner.address.to_string()])
        .env("MEE_RPC", &rpc));
    snapshot("account-status.json", &norm(&status.stdout));

    // The owner grants in one process...
    let details_path = tmp.join("details.json");
    let grant = ok(mee()
        .args([
            "session",
            "grant",
            "--json",
            "--permissions",
            &fixture("permissions.toml"),
        ])
        .arg("--out")
        .arg(&details_path)
        .env("MEE_RPC", &rpc)
        .env("MEE_OWNER_KEY", &owner.private_key));
    snapshot("session-grant.json", &norm(&grant.stdout));
    for output in [&grant.stdout, &grant.stderr] {
        assert!(
            !output.contains(&owner.private_key[2..]),
            "the key is never printed"
        );
    }
    assert!(
        grant
            .stderr
            .contains("Smart Sessions is not installed on the account on chain 8453"),
        "{}",
        grant.stderr
    );
    let details_text = std::fs::read_to_string(&details_path).unwrap();
    snapshot("session-details.json", &details_text);
    let details = read_details(&details_path);
    assert_eq!(details.len(), 2);
    assert!(
        details
            .iter()
            .all(|entry| entry.mode == SmartSessionMode::UNSAFE_ENABLE)
    );
    assert_eq!(grant_signer(&details, false), owner.address);

    // ...the same permissions in JSON give the same grant, byte for byte...
    let from_json = tmp.join("details-from-json.json");
    ok(mee()
        .args(["session", "grant", "-p", &fixture("permissions.json"), "-o"])
        .arg(&from_json)
        .env("MEE_RPC", &rpc)
        .env("MEE_OWNER_KEY", &owner.private_key));
    assert_eq!(std::fs::read_to_string(&from_json).unwrap(), details_text);

    // ...an EIP-712 signature differs but recovers to the owner too...
    let typed = tmp.join("typed.json");
    ok(mee()
        .args([
            "session",
            "grant",
            "--signature",
            "typed",
            "-p",
            &fixture("permissions.toml"),
            "-o",
        ])
        .arg(&typed)
        .args(["--rpc", &rpc])
        .env("MEE_OWNER_KEY", &owner.private_key));
    let typed_details = read_details(&typed);
    assert_eq!(typed_details[0].permission_id, details[0].permission_id);
    assert_ne!(
        typed_details[0]
            .enable_session_data
            .enable_session
            .permission_enable_sig,
        details[0]
            .enable_session_data
            .enable_session
            .permission_enable_sig
    );
    assert_eq!(grant_signer(&typed_details, true), owner.address);

    // ...and an existing file is not replaced without --force.
    let again = fails(
        mee()
            .args(["session", "grant", "-p", &fixture("permissions.toml"), "-o"])
            .arg(&details_path)
            .env("MEE_RPC", &rpc)
            .env("MEE_OWNER_KEY", &owner.private_key),
    );
    assert!(
        again.stderr.contains("exists already: pass --force"),
        "{}",
        again.stderr
    );

    // A separate process reads the file back: parsed, not enabled on-chain, grant still valid.
    let status = ok(mee()
        .args(["session", "status", "--json", "--details"])
        .arg(&details_path)
        .args(["--account", &account.to_string()])
        .env("MEE_RPC", &rpc));
    snapshot("session-status.json", &norm(&status.stdout));
    let report: Value = serde_json::from_str(&status.stdout).unwrap();
    let permissions = report["permissions"].as_array().unwrap();
    assert_eq!(permissions.len(), 2);
    for (permission, entry) in permissions.iter().zip(&details) {
        assert_eq!(permission["enabled"], false);
        assert_eq!(permission["grant_signature_valid"], true);
        assert_eq!(permission["permission_id"], entry.permission_id.to_string());
        let redeemer: Address = permission["details"]["redeemer"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(redeemer, session_key.address);
    }
    let base_actions = permissions[0]["details"]["actions"].as_array().unwrap();
    assert_eq!(
        base_actions.len(),
        2,
        "counter and USDC transfer (with the fee folded in)"
    );
    assert_eq!(base_actions[1]["policies"][0]["type"], "universal");
    let text = ok(mee()
        .args(["session", "status", "-d"])
        .arg(&details_path)
        .args(["--owner", &owner.address.to_string(), "--rpc", &rpc]));
    snapshot("session-status.txt", &norm(&text.stdout));

    // By permission id, on the chains given.
    let by_id = ok(mee()
        .args(["session", "status", "--json", "--permission-id"])
        .arg(details[0].permission_id.to_string())
        .args(["--account", &account.to_string(), "--chains", "8453"])
        .env("MEE_RPC", &rpc));
    let by_id: Value = serde_json::from_str(&by_id.stdout).unwrap();
    assert_eq!(by_id["permissions"].as_array().unwrap().len(), 1);
    assert!(by_id["permissions"][0].get("details").is_none());

    // Commands that need the node say where they looked for it.
    let node = closed_url();
    let prepare = fails(
        mee()
            .args([
                "session",
                "prepare",
                "--node-url",
                &node,
                "--fee-chain",
                "8453",
            ])
            .env("MEE_RPC", &rpc)
            .env("MEE_OWNER_KEY", &owner.private_key),
    );
    assert!(
        prepare
            .stderr
            .contains(&format!("error: cannot reach the MEE node at {node}")),
        "{}",
        prepare.stderr
    );
    let revoke = fails(
        mee()
            .args(["session", "revoke", "--enable-signature", "-d"])
            .arg(&details_path)
            .env("MEE_NODE_URL", &node)
            .env("MEE_RPC", &rpc)
            .env("MEE_OWNER_KEY", &owner.private_key),
    );
    assert!(
        revoke
            .stderr
            .contains(&format!("error: cannot reach the MEE node at {node}")),
        "{}",
        revoke.stderr
    );
    let use_ = fails(
        mee()
            .args(["session", "use", "-d"])
            .arg(&details_path)
            .args(["--account", &account.to_string()])
            .args([
                "--call",
                "8453:0xc0fFEE0000000000000000000000000000000003:increment()",
            ])
            .env("MEE_NODE_URL", &node)
            .env("MEE_RPC", &rpc)
            .env("MEE_SESSION_KEY", &session_key.private_key),
    );
    assert!(
        use_.stderr
            .contains(&format!("error: cannot reach the MEE node at {node}")),
        "{}",
        use_.stderr
    );
    assert!(!use_.stderr.contains(&session_key.private_key[2..]));

    // A node that answers: the session key learns the account is not ready yet.
    let info = Arc::new(|method: &str, path: &str| match (method, path) {
        ("GET", "/v1/info") => (200, crate::canned_node::info()),
        _ => (
            404,
            serde_json::json!({"code": "NOT_FOUND", "message": "no route"}),
        ),
    });
    let canned = crate::canned_node::serve(info);
    let not_ready = fails(
        mee()
            .args(["session", "use", "-d"])
            .arg(&details_path)
            .args(["--account", &account.to_string(), "--node-url", &canned])
            .args([
                "--call",
                "8453:0xc0fFEE0000000000000000000000000000000003:increment()",
            ])
            .env("MEE_API_KEY", "test-key")
            .env("MEE_RPC", &rpc)
            .env("MEE_SESSION_KEY", &session_key.private_key),
    );
    assert!(
        not_ready.stderr.contains(&format!(
            "the account {account} is not deployed on chain 8453: the owner runs `mee session prepare` first"
        )),
        "{}",
        not_ready.stderr
    );

    // The wrong session key is refused before anything is sent.
    let wrong_key = fails(
        mee()
            .args(["session", "use", "-d"])
            .arg(&details_path)
            .args(["--account", &account.to_string()])
            .args([
                "--call",
                "8453:0xc0fFEE0000000000000000000000000000000003:increment()",
            ])
            .env("MEE_RPC", &rpc)
            .env("MEE_SESSION_KEY", &keys[2].private_key),
    );
    assert!(
        wrong_key.stderr.contains(&format!(
            "the session key {} is not the redeemer",
            keys[2].address
        )),
        "{}",
        wrong_key.stderr
    );

    // Chains and keys that are missing.
    let unconfigured = fails(
        mee()
            .args([
                "account",
                "address",
                "--chains",
                "42161",
                "--owner",
                &owner.address.to_string(),
            ])
            .env("MEE_RPC", &rpc),
    );
    assert!(
        unconfigured
            .stderr
            .contains("chain 42161 is not configured: pass --rpc 42161=URL"),
        "{}",
        unconfigured.stderr
    );
    let dead_rpc = closed_url();
    let unreachable = fails(
        mee()
            .args(["account", "address", "--owner", &owner.address.to_string()])
            .arg("--rpc")
            .arg(format!("8453={dead_rpc}")),
    );
    assert!(
        unreachable.stderr.contains(&format!(
            "chain 8453: the JSON-RPC endpoint {dead_rpc} failed"
        )),
        "{}",
        unreachable.stderr
    );
    let no_key = fails(
        mee()
            .args(["session", "grant", "-p", &fixture("permissions.toml"), "-o"])
            .arg(tmp.join("nope.json"))
            .env("MEE_RPC", &rpc),
    );
    assert!(
        no_key.stderr.contains("no owner key: set MEE_OWNER_KEY"),
        "{}",
        no_key.stderr
    );
    let bad_key = fails(
        mee()
            .args(["account", "address"])
            .env("MEE_RPC", &rpc)
            .env("MEE_OWNER_KEY", "0xnot-a-key-deadbeefdeadbeef"),
    );
    assert!(
        bad_key
            .stderr
            .contains("$MEE_OWNER_KEY does not hold a valid owner private key")
    );
    assert!(!bad_key.stderr.contains("deadbeefdeadbeef"));

    // A key file works like the variable.
    let key_file = tmp.join("owner.key");
    std::fs::write(&key_file, format!("{}\n", owner.private_key)).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let from_file = ok(mee()
        .args(["account", "address", "--chains", "8453", "--owner-key-file"])
        .arg(&key_file)
        .env("MEE_RPC", &rpc));
    assert!(from_file.stdout.contains(&account.to_string()));
    assert!(from_file.stderr.is_empty() || !from_file.stderr.contains("readable by other users"));
}
