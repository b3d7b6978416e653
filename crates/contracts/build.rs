//! Compiles `contracts/` with forge into `contracts/out/`, where the `sol!` bindings read the
//! artifacts from.
//!
//! forge and solc come from the repository's npm toolchain (`make setup` runs `npm ci`); nothing
//! is downloaded here. Test files are skipped: `forge test` compiles those itself.

use std::{
    env,
    path::{Path, PathBuf},
    process::Command,
};

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest_dir
        .join("../..")
        .canonicalize()
        .expect("workspace root");
    let contracts = root.join("contracts");

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

    run_forge(&forge, &contracts);
    extract_entry_point(&root);
}

/// Writes the EntryPoint v0.7 creation code from its npm artifact to `$OUT_DIR/EntryPoint.bin`.
fn extract_entry_point(root: &Path) {
    let artifact =
        root.join("node_modules/@account-abstraction/contracts/artifacts/EntryPoint.json");
    println!("cargo:rerun-if-changed={}", artifact.display());
    let json = std::fs::read_to_string(&artifact)
        .unwrap_or_else(|err| panic!("read {}: {err}; run `make setup`", artifact.display()));
    // The artifact is hardhat's format: `"bytecode": "0x…"`.
    let hex = json
        .split("\"bytecode\":")
        .nth(1)
        .and_then(|rest| rest.split('"').nth(1))
        .and_then(|hex| hex.strip_prefix("0x"))
        .unwrap_or_else(|| panic!("no bytecode in {}", artifact.display()));
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex bytecode"))
        .collect();
    let out = PathBuf::from(env::var("OUT_DIR").unwrap()).join("EntryPoint.bin");
    std::fs::write(&out, bytes).unwrap_or_else(|err| panic!("write {}: {err}", out.display()));
}

fn run_forge(forge: &Path, contracts: &Path) {
    let output = Command::new(forge)
        .args(["build", "--skip", "test", "--skip", "script"])
        .current_dir(contracts)
        // The wrapper at scripts/solc is a Node script; make sure forge's child finds `node`.
        .env("PATH", env::var("PATH").unwrap_or_default())
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
