//! `mee demo --json` as a person runs it: one process that starts four chains and the node,
//! runs the whole flow and stops. The chains are gone when it returns, so the test checks the
//! numbers the demo read back from the chains (balances, allowances, `isPermissionEnabled`,
//! receipts) and the decoded reasons of the refusals.

use serde_json::Value;

use crate::{TempDir, mee, ok};

const RECIPIENT: &str = "0x1111111111111111111111111111111111111111";
const UNIVERSAL_ACTION: &str = "0x0000000000714cf48fcf88a0bfba70d313415032";
const USAGE_LIMIT: &str = "0x00000000001d4479fa2a947026204d0283cede4b";
/// The owner's key, given in a file (not one of the devnet's funded keys).
const OWNER_KEY: &str = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";

fn step<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|step| step["name"] == name)
        .unwrap_or_else(|| panic!("no step {name} in {report:#}"))
}

fn amount(value: &Value) -> u128 {
    value
        .as_str()
        .unwrap_or_else(|| panic!("{value} is not a decimal string"))
        .parse()
        .unwrap()
}

/// The value a step read from `chain_id` for `what` of `of`.
fn read(step: &Value, chain_id: u64, what: &str, of: &str) -> u128 {
    let found = step["reads"]
        .as_array()
        .unwrap_or_else(|| panic!("no reads in {step:#}"))
        .iter()
        .find(|read| {
            read["chain_id"] == chain_id
                && read["what"] == what
                && read["of"].as_str().unwrap().eq_ignore_ascii_case(of)
        })
        .unwrap_or_else(|| panic!("no {what} of {of} on {chain_id} in {step:#}"));
    amount(&found["value"])
}

fn assert_mined(step: &Value) {
    let stx = &step["supertransaction"];
    assert_eq!(stx["status"], "MINED_SUCCESS", "{step:#}");
    for op in stx["user_ops"].as_array().unwrap() {
        assert_eq!(op["status"], "MINED_SUCCESS", "{op}");
        assert!(op["transaction"].is_string(), "{op}");
        assert!(op["gas_used"].as_u64().unwrap() > 21_000, "{op}");
    }
    // The fee read from the payment transaction's logs is the quoted fee.
    assert_eq!(stx["fee_paid"], stx["fee_quoted"], "{stx:#}");
    assert!(amount(&stx["fee_paid"]) > 0, "{stx:#}");
}

/// `(chain_id, enabled)` of every permission line of a step with `label`.
fn enabled(step: &Value, label: &str) -> Vec<(u64, bool)> {
    let mut lines: Vec<(u64, bool)> = step["permissions"]
        .as_array()
        .unwrap_or_else(|| panic!("no permissions in {step:#}"))
        .iter()
        .filter(|line| line["label"].as_str().unwrap().starts_with(label))
        .map(|line| {
            (
                line["chain_id"].as_u64().unwrap(),
                line["enabled"].as_bool().unwrap(),
            )
        })
        .collect();
    lines.sort_unstable();
    lines
}

#[test]
fn the_demo_runs_the_whole_flow_and_reports_what_the_chains_say() {
    let tmp = TempDir::new();
    let key_file = tmp.join("owner.key");
    std::fs::write(&key_file, OWNER_KEY).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let out = ok(mee()
        .args(["demo", "--json", "--owner-key-file"])
        .arg(&key_file));
    let report: Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|err| panic!("{err}: not one JSON document:\n{}", out.stdout));
    assert!(
        out.stderr.trim().is_empty(),
        "--json prints no progress:\n{}",
        out.stderr
    );

    // The owner came from the file; the session key was generated.
    let owner: alloy::signers::local::PrivateKeySigner = OWNER_KEY.parse().unwrap();
    let owner = owner.address().to_string().to_lowercase();
    assert_eq!(report["owner"], owner.as_str());
    assert_ne!(report["session_key"], owner.as_str());
    assert_eq!(report["chains"], serde_json::json!([10, 8453, 42161, 137]));
    let account = report["account"].as_str().unwrap();

    // Funded: the owner's EOA holds 15 USDC on the fee chain (the trigger's 10 and the fee),
    // read back from the chain.
    let fund = step(&report, "fund");
    assert_eq!(read(fund, 8453, "USDC balance", &owner), 15_000_000);
    assert!(
        fund["notes"][0]
            .as_str()
            .unwrap()
            .contains("permit trigger")
    );

    // Prepared: deployed with Smart Sessions on all four chains, in one supertransaction.
    let prepare = step(&report, "prepare");
    assert_mined(prepare);
    let accounts = prepare["accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 4);
    for chain in accounts {
        assert_eq!(chain["deployed"], true, "{chain}");
        assert_eq!(chain["smart_sessions_installed"], true, "{chain}");
        assert_eq!(chain["address"], account);
    }
    assert_eq!(
        prepare["supertransaction"]["user_ops"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
    // The permit trigger moved 10 USDC from the EOA into the account; the EOA paid the fee.
    assert_eq!(read(prepare, 8453, "USDC balance", account), 10_000_000);
    assert_eq!(
        read(prepare, 8453, "USDC balance", &owner),
        5_000_000 - amount(&prepare["supertransaction"]["fee_paid"])
    );
    assert!(amount(&prepare["supertransaction"]["fee_paid"]) > 0);

    // Granted on-chain on four chains; and with batch_actions = false on 42161.
    let grant = step(&report, "grant");
    assert_mined(grant);
    assert_eq!(
        enabled(grant, "A"),
        vec![(10, true), (137, true), (8453, true), (42161, true)]
    );
    let unbatched = step(&report, "grant_unbatched");
    assert_mined(unbatched);
    assert_eq!(enabled(unbatched, "C"), vec![(42161, true)]);

    // USE across two chains: the recipient got 1 USDC on 10, the spender 2 USDC of allowance on
    // 8453, and the account paid the fee on 8453.
    let used = step(&report, "use");
    assert_mined(used);
    let ops = used["supertransaction"]["user_ops"].as_array().unwrap();
    let chains: Vec<u64> = ops
        .iter()
        .map(|op| op["chain_id"].as_u64().unwrap())
        .collect();
    assert_eq!(chains, vec![8453, 10, 8453]);
    assert_eq!(read(used, 10, "USDC balance", RECIPIENT), 1_000_000);
    assert_eq!(read(used, 10, "USDC balance", account), 2_000_000);
    assert_eq!(read(used, 8453, "USDC allowance", account), 2_000_000);
    let before_use = 10_000_000
        - amount(&grant["supertransaction"]["fee_paid"])
        - amount(&unbatched["supertransaction"]["fee_paid"]);
    assert_eq!(
        read(used, 8453, "USDC balance", account),
        before_use - amount(&used["supertransaction"]["fee_paid"])
    );

    // Sponsored USE: the devnet's gas tank paid; the account's USDC on the fee chain is
    // untouched.
    let sponsored = step(&report, "use_sponsored");
    assert_eq!(sponsored["outcome"], "done", "{sponsored:#}");
    assert_mined(sponsored);
    assert_eq!(sponsored["supertransaction"]["sponsored"], true);
    assert_eq!(
        read(sponsored, 8453, "USDC balance", account),
        read(used, 8453, "USDC balance", account),
        "the sponsor paid the fee"
    );

    // ENABLE_AND_USE: the off-chain grant is enabled on both chains by its first use.
    let enable = step(&report, "enable_and_use");
    assert_mined(enable);
    assert_eq!(enabled(enable, "B"), vec![(137, true), (8453, true)]);
    assert_eq!(read(enable, 137, "USDC allowance", account), 1_000_000);

    // Inspect: every permission enabled where it was granted.
    let inspect = step(&report, "inspect");
    assert_eq!(inspect["permissions"].as_array().unwrap().len(), 7);
    assert!(
        enabled(inspect, "").iter().all(|(_, on)| *on),
        "{inspect:#}"
    );

    // The four refusals, each with the contracts' reason decoded.
    let refusal = |name: &str| {
        let step = step(&report, name);
        assert_eq!(step["outcome"], "rejected", "{step:#}");
        assert_eq!(step["supertransaction"]["status"], "FAILED", "{step:#}");
        step["rejection"].clone()
    };
    let outside = refusal("refused_outside_grant");
    assert_eq!(outside["error"], "NoPoliciesSet");
    assert_eq!(outside["chain_id"], 42161);

    let over_amount = refusal("refused_over_amount");
    assert_eq!(over_amount["error"], "PolicyViolation");
    assert_eq!(over_amount["policy"], UNIVERSAL_ACTION);
    assert_eq!(over_amount["policy_name"], "universal action");
    assert!(
        over_amount["decoded"]
            .as_array()
            .unwrap()
            .iter()
            .any(|line| line.as_str().unwrap().contains(
                "rule #2 `arg2 <= 1000000 (total <= 2000000)` fails: the argument is 1500000"
            )),
        "{over_amount:#}"
    );

    let over_usage = refusal("refused_over_usage");
    assert_eq!(over_usage["error"], "PolicyViolation");
    assert_eq!(over_usage["policy"], USAGE_LIMIT);
    assert_eq!(over_usage["chain_id"], 8453);

    // Revoked everywhere; the next use is refused because the permission is gone.
    let revoke = step(&report, "revoke");
    assert_mined(revoke);
    assert_eq!(
        enabled(revoke, "A"),
        vec![(10, false), (137, false), (8453, false), (42161, false)]
    );
    let after = refusal("refused_after_revoke");
    assert_eq!(after["error"], "InvalidPermissionId");
    let after_step = step(&report, "refused_after_revoke");
    assert_eq!(after_step["supertransaction"]["fee_paid"], "0");

    let summary = &report["summary"];
    assert_eq!(summary["steps"], 14);
    assert_eq!(summary["rejected_as_expected"], 4);
    assert_eq!(summary["done"], 10);
    let fees: u128 = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|step| step["supertransaction"]["fee_paid"].as_str())
        .map(|fee| fee.parse::<u128>().unwrap())
        .sum();
    assert_eq!(amount(&summary["fees_paid"]), fees);
    assert!(summary["elapsed_ms"].as_u64().unwrap() > 0);
}

#[test]
fn the_demo_refuses_a_chain_list_without_its_chains() {
    let out = crate::fails(mee().args(["demo", "--chains", "10,8453"]));
    assert!(
        out.stderr.contains("the demo needs chain 42161"),
        "{}",
        out.stderr
    );
}
