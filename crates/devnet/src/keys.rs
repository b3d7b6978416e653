//! Funded test keys.
//!
//! anvil funds the ten accounts of its default mnemonic
//! (`test test test test test test test test test test test junk`) with 10,000 ETH each. These keys
//! are public knowledge: use them only on local chains.

use alloy::{primitives::Address, signers::local::PrivateKeySigner};
use serde::Serialize;

/// The private keys of anvil's default accounts, in derivation order.
const ANVIL_DEFAULT_KEYS: [&str; 10] = [
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
    "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
    "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
    "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
    "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
    "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
];

/// Index of the key that deploys the devnet's contracts; it is not handed out as a test key, so
/// tests never race it for nonces.
const DEPLOYER_INDEX: usize = 9;
/// Index of the node's key: it owns the node paymaster and submits `handleOps`.
const NODE_INDEX: usize = 8;

/// A funded key of the devnet.
#[derive(Clone, Debug, Serialize)]
pub struct TestKey {
    /// The account's address.
    pub address: Address,
    /// The private key, 0x-prefixed hex.
    pub private_key: String,
}

impl TestKey {
    fn from_hex(key: &str) -> Self {
        let signer: PrivateKeySigner = key.parse().expect("valid built-in key");
        Self {
            address: signer.address(),
            private_key: key.to_string(),
        }
    }

    /// A signer for this key.
    pub fn signer(&self) -> PrivateKeySigner {
        self.private_key.parse().expect("valid built-in key")
    }
}

/// The test keys handed out to users of the devnet (every default key but the deployer's and the
/// node's).
pub fn test_keys() -> Vec<TestKey> {
    ANVIL_DEFAULT_KEYS
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != DEPLOYER_INDEX && *i != NODE_INDEX)
        .map(|(_, key)| TestKey::from_hex(key))
        .collect()
}

/// The node's key: the owner of the devnet's node paymaster, which only pays for bundles this key
/// submits.
pub fn node_key() -> TestKey {
    TestKey::from_hex(ANVIL_DEFAULT_KEYS[NODE_INDEX])
}

/// The key that deploys the devnet's contracts.
pub(crate) fn deployer_key() -> TestKey {
    TestKey::from_hex(ANVIL_DEFAULT_KEYS[DEPLOYER_INDEX])
}

#[cfg(test)]
mod tests {
    use alloy::primitives::address;

    use super::*;

    #[test]
    fn first_key_is_anvils_first_account() {
        assert_eq!(
            test_keys()[0].address,
            address!("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266")
        );
    }

    #[test]
    fn deployer_is_not_a_test_key() {
        let deployer = deployer_key().address;
        let node = node_key().address;
        assert_eq!(test_keys().len(), 8);
        assert!(
            test_keys()
                .iter()
                .all(|k| k.address != deployer && k.address != node)
        );
    }
}
