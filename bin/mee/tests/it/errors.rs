//! Errors a person can act on, for what the other tests do not reach: a node that does not
//! serve a chain, and a fee chain where the node takes no fee token. Each message names the
//! node and says what to change.

use std::sync::Arc;

use mee_devnet::Devnet;
use serde_json::json;

use crate::{
    canned_node::{Answer, info, serve},
    fails, mee,
};

#[tokio::test(flavor = "multi_thread")]
async fn chains_the_node_does_not_serve_are_named() {
    let devnet = Devnet::builder()
        .chain_ids([8453, 10, 137])
        .spawn()
        .await
        .expect("devnet starts");
    let rpc = crate::rpc_list(&devnet);
    let owner = &devnet.test_keys()[6];
    // The canned node serves 8453 and 10, and takes fees on 8453 only.
    let answer: Answer = Arc::new(|method, path| match (method, path) {
        ("GET", "/v1/info") => (200, info()),
        _ => (404, json!({"code": "NOT_FOUND", "message": "no route"})),
    });
    let node = serve(answer);
    let prepare = |chains: &str, fee_chain: &str| {
        fails(
            mee()
                .args([
                    "session",
                    "prepare",
                    "--chains",
                    chains,
                    "--fee-chain",
                    fee_chain,
                ])
                .env("MEE_RPC", &rpc)
                .env("MEE_NODE_URL", &node)
                .env("MEE_API_KEY", "test-key")
                .env("MEE_OWNER_KEY", &owner.private_key),
        )
    };

    let unserved = prepare("8453,137", "8453");
    assert!(
        unserved.stderr.contains(&format!(
            "error: the MEE node at {node} does not serve chain(s) 137: add them to the node's \
             configuration, or leave them out of --chains / the permissions"
        )),
        "{}",
        unserved.stderr
    );

    let no_fee_token = prepare("8453,10", "10");
    assert!(
        no_fee_token.stderr.contains(&format!(
            "error: the MEE node at {node} takes no fee tokens on chain 10: pay on another chain \
             (--fee-chain) or pass --sponsored"
        )),
        "{}",
        no_fee_token.stderr
    );
    assert!(!no_fee_token.stderr.contains(&owner.private_key[2..]));
}
