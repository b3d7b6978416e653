//! Every command's `--help`, as committed snapshots: the CLI's documented surface.

use crate::{mee, ok, snapshot};

/// Every command path, `mee` itself first.
const COMMANDS: &[&[&str]] = &[
    &[],
    &["demo"],
    &["devnet"],
    &["account"],
    &["account", "address"],
    &["account", "status"],
    &["session"],
    &["session", "grant"],
    &["session", "prepare"],
    &["session", "use"],
    &["session", "status"],
    &["session", "revoke"],
    &["receipt"],
    &["bench"],
];

#[test]
fn help_of_every_command() {
    for path in COMMANDS {
        let out = ok(mee().args(*path).arg("--help"));
        let name = if path.is_empty() {
            "mee".to_owned()
        } else {
            format!("mee-{}", path.join("-"))
        };
        assert!(out.stderr.is_empty(), "{name}: help goes to stdout");
        snapshot(&format!("help/{name}.txt"), &out.stdout);
    }
}

#[test]
fn keys_are_not_taken_on_the_command_line() {
    for path in [
        &["session", "grant"][..],
        &["session", "use"],
        &["session", "prepare"],
    ] {
        for flag in ["--owner-key", "--session-key", "--private-key", "--key"] {
            let out = crate::run(mee().args(path).args([flag, "0x01"]));
            assert!(!out.success, "{path:?} {flag} was accepted");
            assert!(out.stderr.contains("unexpected argument"), "{}", out.stderr);
        }
    }
}
