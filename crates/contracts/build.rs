//! Compiles `contracts/` with forge and generates the `sol!` bindings of our contracts.
//!
//! forge and solc come from the repository's npm toolchain (`make setup` runs `npm ci`); nothing
//! is downloaded here. forge writes into `contracts/out/bindings/` (ignored by git), a directory of
//! its own: `forge test` writes `contracts/out/` with test files too, and forge then nests artifact
//! paths differently, so the bindings never read from there. The artifacts are found by their
//! compilation target, and `$OUT_DIR/bindings.rs` gets one `sol!` per contract with its absolute
//! path.

use std::{
    env,
    fmt::Write as _,
    fs,
    path::{Path, PathBuf},
    process::Command,
};

/// A contract name and its source file under `contracts/`.
type Contract = (&'static str, &'static str);

/// `(module, module docs, contracts)`: one Rust module of bindings.
type Module = (&'static str, &'static str, &'static [Contract]);

const CONTRACTS: &[Module] = &[
    (
        "account",
        "The smart account (Nexus 1.2.0 ABI), its factory and bootstrap.",
        &[
            ("SmartAccount", "src/account/SmartAccount.sol"),
            ("AccountFactory", "src/account/AccountFactory.sol"),
            ("AccountBootstrap", "src/account/AccountBootstrap.sol"),
        ],
    ),
    (
        "validators",
        "The K1 MEE validator (1.0.1 behaviour) and its variant that accepts EIP-7702-delegated owners.",
        &[
            ("K1MeeValidator", "src/validators/K1MeeValidator.sol"),
            (
                "K1MeeValidator7702",
                "src/validators/K1MeeValidator7702.sol",
            ),
        ],
    ),
    (
        "paymaster",
        "The node paymaster.",
        &[("NodePaymaster", "src/paymaster/NodePaymaster.sol")],
    ),
    (
        "sessions",
        "The Smart Sessions validator module and the contract its view functions are delegated to.",
        &[
            ("SmartSession", "src/sessions/SmartSession.sol"),
            ("SmartSessionViews", "src/sessions/SmartSessionViews.sol"),
        ],
    ),
    (
        "policies",
        "Smart Sessions policies.",
        &[
            ("SudoPolicy", "src/policies/SudoPolicy.sol"),
            ("TimeFramePolicy", "src/policies/TimeFramePolicy.sol"),
            ("UniActionPolicy", "src/policies/UniActionPolicy.sol"),
            ("UsageLimitPolicy", "src/policies/UsageLimitPolicy.sol"),
            ("ValueLimitPolicy", "src/policies/ValueLimitPolicy.sol"),
            (
                "ERC20SpendingLimitPolicy",
                "src/policies/ERC20SpendingLimitPolicy.sol",
            ),
        ],
    ),
    (
        "tokens",
        "Test tokens for local chains.",
        &[("TestUSDC", "src/tokens/TestUSDC.sol")],
    ),
    (
        "utils",
        "Chain utilities the devnet provides (Multicall3).",
        &[("Multicall3", "src/utils/Multicall3.sol")],
    ),
];

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest_dir
        .join("../..")
        .canonicalize()
        .expect("workspace root");
    let contracts = root.join("contracts");
    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap());

    println!("cargo:rerun-if-changed={}", contracts.join("src").display());
    println!(
        "cargo:rerun-if-changed={}",
        contracts.join("foundry.toml").display()
    );
    println!(
        "cargo:rerun-if-changed={}",
        root.join("package-lock.json").display()
    );
    println!(
        "cargo:rerun-if-changed={}",
        root.join("scripts/solc").display()
    );

    let forge = root.join("node_modules/@foundry-rs/forge-linux-amd64/bin/forge");
    let solc = root.join("node_modules/solc/package.json");
    if !forge.exists() || !solc.exists() {
        panic!(
            "\n\nThe Solidity toolchain is not installed (expected {}).\n\
             Run `make setup` (it runs `npm ci` at the repository root) and build again.\n\n",
            forge.display()
        );
    }

    let artifacts = contracts.join("out/bindings");
    run_forge(&forge, &contracts, &artifacts);
    write_bindings(&artifacts, &out_dir.join("bindings.rs"));
    extract_entry_point(&root, &out_dir);
}

fn run_forge(forge: &Path, contracts: &Path, artifacts: &Path) {
    let output = Command::new(forge)
        .args(["build", "--skip", "test", "--skip", "script", "--out"])
        .arg(artifacts)
        .arg("--cache-path")
        .arg(artifacts.join("cache"))
        .current_dir(contracts)
        .output()
        .unwrap_or_else(|err| panic!("failed to run {}: {err}", forge.display()));
    if !output.status.success() {
        panic!(
            "forge build failed in {}:\n{}\n{}",
            contracts.display(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// Finds each contract's artifact by its compilation target and writes the bindings module.
fn write_bindings(artifacts: &Path, dest: &Path) {
    let mut found = Vec::new();
    collect_artifacts(artifacts, &mut found);

    let mut code = String::new();
    for (module, docs, list) in CONTRACTS {
        writeln!(code, "/// {docs}\npub mod {module} {{").unwrap();
        for (name, source) in *list {
            let path = found
                .iter()
                .find(|(target, contract, _)| target == source && contract == name)
                .map(|(_, _, path)| path)
                .unwrap_or_else(|| panic!("no forge artifact for {name} ({source})"));
            writeln!(
                code,
                "    alloy::sol!(#[sol(rpc)] #[derive(Debug)] {name}, {:?});",
                path.display().to_string()
            )
            .unwrap();
        }
        writeln!(code, "}}\n").unwrap();
    }
    fs::write(dest, code).unwrap_or_else(|err| panic!("write {}: {err}", dest.display()));
}

/// `(compilation target source, contract name, artifact path)` of every artifact under `dir`.
fn collect_artifacts(dir: &Path, found: &mut Vec<(String, String, PathBuf)>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path
                .file_name()
                .is_some_and(|n| n != "build-info" && n != "cache")
            {
                collect_artifacts(&path, found);
            }
            continue;
        }
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let Ok(text) = fs::read_to_string(&path) else {
            continue;
        };
        let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
            continue;
        };
        if let Some(targets) = json
            .pointer("/metadata/settings/compilationTarget")
            .and_then(|t| t.as_object())
        {
            for (source, contract) in targets {
                if let Some(contract) = contract.as_str() {
                    found.push((source.clone(), contract.to_string(), path.clone()));
                }
            }
        }
    }
}

/// Writes the EntryPoint v0.7 creation code from its npm artifact to `$OUT_DIR/EntryPoint.bin`.
fn extract_entry_point(root: &Path, out_dir: &Path) {
    let artifact =
        root.join("node_modules/@account-abstraction/contracts/artifacts/EntryPoint.json");
    println!("cargo:rerun-if-changed={}", artifact.display());
    let text = fs::read_to_string(&artifact)
        .unwrap_or_else(|err| panic!("read {}: {err}; run `make setup`", artifact.display()));
    let json: serde_json::Value = serde_json::from_str(&text).expect("EntryPoint artifact JSON");
    let hex = json["bytecode"]
        .as_str()
        .and_then(|hex| hex.strip_prefix("0x"))
        .unwrap_or_else(|| panic!("no bytecode in {}", artifact.display()));
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex bytecode"))
        .collect();
    let out = out_dir.join("EntryPoint.bin");
    fs::write(&out, bytes).unwrap_or_else(|err| panic!("write {}: {err}", out.display()));
}
