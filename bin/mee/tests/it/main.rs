//! `mee` as a user runs it: one process per command, checked against committed snapshots.
//!
//! Snapshots live in `tests/snapshots/`. A test fails when an output drifts from its snapshot;
//! `UPDATE_SNAPSHOTS=1 cargo test -p mee --test it` rewrites them. Outputs are normalised first:
//! local ports and temporary paths vary between runs.

mod canned_node;
mod crash;
mod demo;
mod devnet;
mod errors;
mod help;
mod node_flow;
mod use_flow;

use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
    sync::atomic::{AtomicU32, Ordering},
};

/// The environment variables `mee` reads; cleared for every test run so a developer's shell
/// does not leak in.
const MEE_ENV: [&str; 8] = [
    "MEE_OWNER_KEY",
    "MEE_SESSION_KEY",
    "MEE_NODE_URL",
    "MEE_API_KEY",
    "MEE_RPC",
    "MEE_ACCOUNT",
    "MEE_ANVIL",
    "RUST_LOG",
];

/// A devnet of Base and Optimism (8453, 10), the two chains the CLI tests use.
pub(crate) async fn two_chain_devnet() -> mee_devnet::Devnet {
    mee_devnet::Devnet::builder()
        .chain_ids([8453, 10])
        .spawn()
        .await
        .expect("devnet starts")
}

/// `devnet`'s RPC endpoints as `mee` reads them from `--rpc` / `MEE_RPC`: `id=url,…`.
pub(crate) fn rpc_list(devnet: &mee_devnet::Devnet) -> String {
    devnet
        .chains()
        .iter()
        .map(|chain| format!("{}={}", chain.chain_id(), chain.rpc_url()))
        .collect::<Vec<_>>()
        .join(",")
}

/// The quote of a flow the TypeScript SDK recorded (`tests/vectors/quote-requests.json`): the
/// `exec` body of case `name` without what the client adds to the node's quote, its fee set to
/// `fee` (base units).
pub(crate) fn recorded_quote(name: &str, fee: &str) -> serde_json::Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/vectors/quote-requests.json"
    );
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let case = file["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|case| case["name"] == name)
        .unwrap_or_else(|| panic!("no recorded case {name}"));
    let mut quote = case["requests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["path"] == "/exec")
        .unwrap()["bodyVerbatim"]
        .clone();
    for added in [
        "signature",
        "meeVersions",
        "isEIP712TrustedSponsorshipSupported",
    ] {
        quote.as_object_mut().unwrap().remove(added);
    }
    quote["paymentInfo"]["tokenWeiAmount"] = serde_json::json!(fee);
    quote
}

/// `mee` with a clean environment.
pub(crate) fn mee() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mee"));
    for name in MEE_ENV {
        command.env_remove(name);
    }
    command
}

/// What a run printed.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) success: bool,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

pub(crate) fn run(command: &mut Command) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = command.output().expect("mee runs");
    Run {
        success: status.success(),
        stdout: String::from_utf8(stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(stderr).expect("stderr is UTF-8"),
    }
}

/// Runs and expects success, showing stderr otherwise.
pub(crate) fn ok(command: &mut Command) -> Run {
    let out = run(command);
    assert!(
        out.success,
        "{command:?} failed:\nstdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    out
}

/// Runs and expects failure.
pub(crate) fn fails(command: &mut Command) -> Run {
    let out = run(command);
    assert!(
        !out.success,
        "{command:?} succeeded but should fail:\nstdout:\n{}",
        out.stdout
    );
    out
}

/// Replaces what varies between runs: `127.0.0.1:<port>` and the temporary directory.
pub(crate) fn normalise(text: &str, tmp: Option<&Path>) -> String {
    let mut text = match tmp {
        Some(dir) => text.replace(&dir.display().to_string(), "<tmp>"),
        None => text.to_owned(),
    };
    for host in ["127.0.0.1:", "localhost:"] {
        let mut out = String::with_capacity(text.len());
        let mut rest = text.as_str();
        while let Some(at) = rest.find(host) {
            let after = &rest[at + host.len()..];
            let digits = after.bytes().take_while(u8::is_ascii_digit).count();
            out.push_str(&rest[..at + host.len()]);
            if digits > 0 {
                out.push_str("<port>");
            }
            rest = &after[digits..];
        }
        out.push_str(rest);
        text = out;
    }
    text
}

/// Compares `actual` with the snapshot `name`, or writes it under `UPDATE_SNAPSHOTS=1`.
pub(crate) fn snapshot(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "no snapshot {}: run `UPDATE_SNAPSHOTS=1 cargo test -p mee --test it` and review it",
            path.display()
        )
    });
    if expected != actual {
        let first = expected
            .lines()
            .zip(actual.lines())
            .position(|(e, a)| e != a)
            .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
        panic!(
            "snapshot {name} drifted at line {}:\n  expected: {:?}\n  actual:   {:?}\n\
             full output:\n{actual}\n(if the change is intended: UPDATE_SNAPSHOTS=1 cargo test -p mee --test it)",
            first + 1,
            expected.lines().nth(first).unwrap_or("<end>"),
            actual.lines().nth(first).unwrap_or("<end>"),
        );
    }
}

/// A fresh temporary directory, removed on drop.
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    pub(crate) fn new() -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "mee-cli-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }

    pub(crate) fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A local URL nothing listens on.
pub(crate) fn closed_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}/v1")
}

#[test]
fn normalisation_hides_ports_and_temporary_paths() {
    let dir = Path::new("/tmp/mee-cli-1-2");
    assert_eq!(
        normalise(
            "http://127.0.0.1:8545/v1 and /tmp/mee-cli-1-2/details.json at 127.0.0.1:x",
            Some(dir)
        ),
        "http://127.0.0.1:<port>/v1 and <tmp>/details.json at 127.0.0.1:x"
    );
}
