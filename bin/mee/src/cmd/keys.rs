//! Private keys: read from an environment variable or a file, never from the command line, and
//! never printed (errors name where a key was looked for, not what was found).

use std::path::{Path, PathBuf};

use alloy::{primitives::Address, signers::local::PrivateKeySigner};
use anyhow::{Context, bail};
use clap::Args;

/// The environment variable holding the owner's private key.
pub(crate) const OWNER_KEY_ENV: &str = "MEE_OWNER_KEY";
/// The environment variable holding the session key.
pub(crate) const SESSION_KEY_ENV: &str = "MEE_SESSION_KEY";

/// Where the owner's key comes from.
#[derive(Debug, Clone, Args)]
pub(crate) struct OwnerKeyArgs {
    /// File holding the owner's private key as hex (default: the MEE_OWNER_KEY environment
    /// variable). Keys are never taken on the command line.
    #[arg(long, value_name = "PATH")]
    pub(crate) owner_key_file: Option<PathBuf>,
}

impl OwnerKeyArgs {
    /// The owner's signer.
    pub(crate) fn signer(&self) -> anyhow::Result<PrivateKeySigner> {
        load("owner", OWNER_KEY_ENV, self.owner_key_file.as_deref())
    }

    /// The owner's address when a key is available (a file, or the variable set), else `None`.
    pub(crate) fn address_if_given(&self) -> anyhow::Result<Option<Address>> {
        if self.owner_key_file.is_none() && std::env::var_os(OWNER_KEY_ENV).is_none() {
            return Ok(None);
        }
        Ok(Some(self.signer()?.address()))
    }
}

/// Where the session key comes from.
#[derive(Debug, Clone, Args)]
pub(crate) struct SessionKeyArgs {
    /// File holding the session key as hex (default: the MEE_SESSION_KEY environment variable).
    /// Keys are never taken on the command line.
    #[arg(long, value_name = "PATH")]
    pub(crate) session_key_file: Option<PathBuf>,
}

impl SessionKeyArgs {
    /// The session key's signer.
    pub(crate) fn signer(&self) -> anyhow::Result<PrivateKeySigner> {
        load("session", SESSION_KEY_ENV, self.session_key_file.as_deref())
    }
}

/// Loads the `role` key from `path` (warning when others may read it).
pub(crate) fn load_file(role: &str, path: &Path) -> anyhow::Result<PrivateKeySigner> {
    load(role, "", Some(path))
}

/// Loads the `role` key from `file`, else from the variable `env`.
fn load(role: &str, env: &str, file: Option<&Path>) -> anyhow::Result<PrivateKeySigner> {
    let (text, source) = match file {
        Some(path) => {
            warn_if_readable_by_others(path);
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading the {role} key file {}", path.display()))?;
            (text, format!("the file {}", path.display()))
        }
        None => match std::env::var(env) {
            Ok(text) => (text, format!("${env}")),
            Err(std::env::VarError::NotPresent) => bail!(
                "no {role} key: set {env} to the private key (hex) or pass --{role}-key-file PATH"
            ),
            Err(std::env::VarError::NotUnicode(_)) => {
                bail!("{env} is not valid text: expected a hex private key")
            }
        },
    };
    parse_key(&text).with_context(|| {
        format!("{source} does not hold a valid {role} private key (expected 32 bytes of hex)")
    })
}

/// Parses a hex private key, with or without `0x`, ignoring surrounding whitespace. The error
/// never contains the input.
fn parse_key(text: &str) -> anyhow::Result<PrivateKeySigner> {
    let trimmed = text.trim();
    let digits = trimmed.strip_prefix("0x").unwrap_or(trimmed);
    if digits.len() != 64 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        bail!("not 64 hex digits");
    }
    digits
        .parse::<PrivateKeySigner>()
        .map_err(|_| anyhow::anyhow!("not a secp256k1 private key"))
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(metadata) = std::fs::metadata(path)
        && metadata.permissions().mode() & 0o077 != 0
    {
        eprintln!(
            "warning: the key file {} is readable by other users (chmod 600 it)",
            path.display()
        );
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

    #[test]
    fn keys_parse_with_or_without_prefix_and_whitespace() {
        let with = parse_key(KEY).unwrap();
        let without = parse_key(&format!("  {}\n", &KEY[2..])).unwrap();
        assert_eq!(with.address(), without.address());
        assert_eq!(
            with.address(),
            "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
                .parse::<Address>()
                .unwrap()
        );
    }

    #[test]
    fn bad_keys_are_refused_without_echoing_them() {
        for bad in [
            "",
            "0x1234",
            &KEY[..60],
            &format!("{KEY}00"),
            &KEY.replace('a', "g"),
        ] {
            let err = format!("{:#}", parse_key(bad).unwrap_err());
            if bad.len() > 12 {
                assert!(!err.contains(&bad[2..12]), "{err}");
            }
        }
        // The zero scalar is 64 hex digits but no key.
        let zero = format!("0x{}", "0".repeat(64));
        assert!(parse_key(&zero).is_err());
    }
}
