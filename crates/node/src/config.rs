//! The node's configuration, loadable from TOML.
//!
//! ```toml
//! listen = "127.0.0.1:3000"
//! node_key = "0x…"                      # the key that signs quotes and submits bundles
//! node_paymaster = "0x…"                # owned by node_key, funded on every chain
//! fee_receiver = "0x…"                  # default: the node key's address
//! database_url = "sqlite://mee-node.db" # or postgres://…
//! api_keys = ["…"]                      # optional: clients must send one in x-api-key
//! fee_bump_after_secs = 12              # resend a bundle not mined after this long …
//! max_fee_bumps = 3                     # … with 12.5 % higher fees, at most this often
//!
//! [limits]
//! gas_buffer_percent = 30               # added to simulated gas when a limit is raised
//!
//! [[chains]]
//! chain_id = 8453
//! name = "Base"
//! rpc_url = "http://127.0.0.1:8545"
//! native_usd_price = 3000.0
//!
//! [[chains.fee_tokens]]
//! address = "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"
//! name = "USD Coin"
//! symbol = "USDC"
//! decimals = 6
//! usd_price = 1.0
//!
//! [[gas_tanks]]                          # sponsorship, see `crate::sponsorship`
//! chain_id = 8453
//! address = "0x…"                       # the tank account (ours, K1 MEE validator)
//! token = "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"  # a fee token of that chain
//! owner_key = "0x…"                     # the tank's owner; default: node_key
//! refund_address = "0x…"                # unused gas of sponsored userOps; default: the tank
//! serves_sdk_default = false            # pay for quotes naming the SDK's default tank
//! ```

use std::{net::SocketAddr, path::Path, time::Duration};

use alloy::primitives::Address;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::error::{Error, Result};

/// The whole node configuration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the HTTP server listens.
    #[serde(default = "defaults::listen")]
    pub listen: SocketAddr,
    /// The node's private key (hex). May be left out and given on the command line instead.
    #[serde(default, skip_serializing)]
    pub node_key: Option<String>,
    /// The node paymaster (same address on every chain), owned by the node key.
    pub node_paymaster: Address,
    /// Who receives the fees; the node key's address when absent.
    #[serde(default)]
    pub fee_receiver: Option<Address>,
    /// `sqlite://path`, `sqlite::memory:` or `postgres://…`.
    #[serde(default = "defaults::database_url")]
    pub database_url: String,
    /// The chains the node executes on.
    pub chains: Vec<ChainConfig>,
    /// How long a quote can be executed after it was issued, in seconds.
    #[serde(default = "defaults::quote_expiry_secs")]
    pub quote_expiry_secs: u64,
    /// Blocks on top of the inclusion block before a userOp is reported confirmed (1 = the
    /// inclusion block itself).
    #[serde(default = "defaults::confirmations")]
    pub confirmations: u64,
    /// How often each chain's executor looks for work, in milliseconds.
    #[serde(default = "defaults::poll_interval_ms")]
    pub poll_interval_ms: u64,
    /// How long a sent bundle may stay unmined before it is sent again with higher fees, in
    /// seconds.
    #[serde(default = "defaults::fee_bump_after_secs")]
    pub fee_bump_after_secs: u64,
    /// How many times one bundle may be sent again with higher fees.
    #[serde(default = "defaults::max_fee_bumps")]
    pub max_fee_bumps: u32,
    /// Gas limits, windows and the fee premium.
    #[serde(default)]
    pub limits: Limits,
    /// API keys. When any is set, every `/v1` request except `GET /v1/health`,
    /// `GET /v1/openapi.json` and the sponsorship backend (`/v1/sponsorship/…`) must carry one of them in the `x-api-key` header (else `401`
    /// with code `MISSING_API_KEY` or `INVALID_API_KEY`). `/health` and `/metrics` stay open.
    /// Empty (the default): no key is required and any sent key is ignored.
    #[serde(default, skip_serializing)]
    pub api_keys: Vec<String>,
    /// The gas tanks that pay for sponsored supertransactions (none: sponsorship is refused).
    #[serde(default)]
    pub gas_tanks: Vec<GasTankConfig>,
}

/// A gas tank: an account of ours the operator funds with a fee token, paying the fees of
/// sponsored supertransactions (see [`crate::sponsorship`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GasTankConfig {
    /// The tank's chain.
    pub chain_id: u64,
    /// The tank account: a smart account whose MEE validator owner is `owner_key`.
    pub address: Address,
    /// The token it pays fees in: a fee token of its chain.
    pub token: Address,
    /// The tank owner's private key (hex); the node key when absent.
    #[serde(default, skip_serializing)]
    pub owner_key: Option<String>,
    /// Where unused gas of the sponsored userOps is refunded; the tank when absent.
    #[serde(default)]
    pub refund_address: Option<Address>,
    /// Whether this tank pays for quotes naming the SDK's default gas tank
    /// (`0x18eA…80d5`, what `sponsorship: true` without options sends).
    #[serde(default)]
    pub serves_sdk_default: bool,
}

/// One chain.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainConfig {
    /// The chain id.
    pub chain_id: u64,
    /// A display name for `GET /v1/info`.
    #[serde(default)]
    pub name: Option<String>,
    /// The JSON-RPC endpoint.
    pub rpc_url: Url,
    /// The price of the chain's native token in USD.
    pub native_usd_price: f64,
    /// The tokens fees can be paid in on this chain.
    #[serde(default)]
    pub fee_tokens: Vec<FeeTokenConfig>,
}

/// A fee token.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeeTokenConfig {
    /// The token contract.
    pub address: Address,
    /// The token's name.
    pub name: String,
    /// The token's symbol.
    pub symbol: String,
    /// The token's decimals.
    pub decimals: u8,
    /// A fixed USD price.
    pub usd_price: f64,
    /// Whether the token supports EIP-2612 `permit`.
    #[serde(default)]
    pub permit_enabled: bool,
}

/// Gas caps, defaults, time-window rules and the fee premium.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// The largest `callGasLimit` a userOp may ask for.
    pub max_call_gas: u128,
    /// The largest `verificationGasLimit` a userOp may ask for.
    pub max_verification_gas: u128,
    /// `verificationGasLimit` when a userOp gives none.
    pub default_verification_gas: u128,
    /// The least `verificationGasLimit` of a userOp that deploys its account.
    pub deploy_verification_gas: u128,
    /// The paymaster's validation gas.
    pub paymaster_verification_gas: u128,
    /// The paymaster's `postOp` gas.
    pub paymaster_post_op_gas: u128,
    /// `preVerificationGas` before the per-byte part.
    pub pre_verification_gas_base: u128,
    /// The most userOps one quote may hold (the payment userOp included).
    pub max_user_ops: usize,
    /// The widest execution window of a userOp, in seconds.
    pub max_window_secs: u64,
    /// How far in the future a userOp's window may start, in seconds.
    pub max_start_delay_secs: u64,
    /// Percentage added to the gas cost in the fee.
    pub fee_premium_percent: u32,
    /// Request bodies larger than this are refused, in bytes.
    pub max_body_bytes: usize,
    /// Percentage added to the simulated gas of a userOp when its limit must be raised.
    pub gas_buffer_percent: u32,
    /// Requests that take longer than this are cut off, in seconds.
    pub request_timeout_secs: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_call_gas: 10_000_000,
            max_verification_gas: 3_000_000,
            default_verification_gas: 500_000,
            deploy_verification_gas: 1_000_000,
            paymaster_verification_gas: 100_000,
            paymaster_post_op_gas: 50_000,
            pre_verification_gas_base: 50_000,
            max_user_ops: 32,
            max_window_secs: 24 * 3600,
            max_start_delay_secs: 24 * 3600,
            fee_premium_percent: 10,
            max_body_bytes: 1 << 20,
            gas_buffer_percent: 30,
            request_timeout_secs: 30,
        }
    }
}

mod defaults {
    use std::net::SocketAddr;

    pub(super) fn listen() -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], 3000))
    }
    pub(super) fn database_url() -> String {
        "sqlite://mee-node.db".to_owned()
    }
    pub(super) const fn quote_expiry_secs() -> u64 {
        120
    }
    pub(super) const fn confirmations() -> u64 {
        1
    }
    pub(super) const fn poll_interval_ms() -> u64 {
        200
    }
    pub(super) const fn fee_bump_after_secs() -> u64 {
        12
    }
    pub(super) const fn max_fee_bumps() -> u32 {
        3
    }
}

impl Config {
    /// Parses a TOML document.
    pub fn from_toml(text: &str) -> Result<Self> {
        let config: Self = toml::from_str(text).map_err(|err| Error::Config(err.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    /// Reads and parses a TOML file.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|err| Error::Config(format!("read {}: {err}", path.display())))?;
        Self::from_toml(&text)
    }

    /// Checks the values that parsing cannot.
    pub fn validate(&self) -> Result<()> {
        if self.chains.is_empty() {
            return Err(Error::Config("no chains configured".into()));
        }
        let mut seen = std::collections::HashSet::new();
        for chain in &self.chains {
            if !seen.insert(chain.chain_id) {
                return Err(Error::Config(format!(
                    "chain {} listed twice",
                    chain.chain_id
                )));
            }
            if !(chain.native_usd_price.is_finite() && chain.native_usd_price > 0.0) {
                return Err(Error::Config(format!(
                    "chain {}: native_usd_price must be positive",
                    chain.chain_id
                )));
            }
            for token in &chain.fee_tokens {
                if !(token.usd_price.is_finite() && token.usd_price > 0.0) {
                    return Err(Error::Config(format!(
                        "chain {}: fee token {} needs a positive usd_price",
                        chain.chain_id, token.symbol
                    )));
                }
            }
        }
        if self.api_keys.iter().any(|key| key.trim().is_empty()) {
            return Err(Error::Config("api_keys must not contain empty keys".into()));
        }
        for tank in &self.gas_tanks {
            let chain = self.chain(tank.chain_id).ok_or_else(|| {
                Error::Config(format!(
                    "gas tank {}: chain {} is not configured",
                    tank.address, tank.chain_id
                ))
            })?;
            if chain.fee_token(tank.token).is_none() {
                return Err(Error::Config(format!(
                    "gas tank {}: token {} is not a fee token of chain {}",
                    tank.address, tank.token, tank.chain_id
                )));
            }
            if let Some(key) = &tank.owner_key
                && key
                    .parse::<alloy::signers::local::PrivateKeySigner>()
                    .is_err()
            {
                return Err(Error::Config(format!(
                    "gas tank {}: owner_key is not a private key",
                    tank.address
                )));
            }
        }
        if self.confirmations == 0 {
            return Err(Error::Config("confirmations must be at least 1".into()));
        }
        Ok(())
    }

    /// The chain with this id.
    pub fn chain(&self, chain_id: u64) -> Option<&ChainConfig> {
        self.chains.iter().find(|c| c.chain_id == chain_id)
    }

    /// How long quotes stay executable.
    pub const fn quote_expiry(&self) -> Duration {
        Duration::from_secs(self.quote_expiry_secs)
    }
}

impl ChainConfig {
    /// The configured fee token at `address`.
    pub fn fee_token(&self, address: Address) -> Option<&FeeTokenConfig> {
        self.fee_tokens.iter().find(|t| t.address == address)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"
        node_key = "0x01"
        node_paymaster = "0x0000000000000000000000000000000000000b0b"
        database_url = "sqlite::memory:"
        quote_expiry_secs = 60

        [limits]
        fee_premium_percent = 5

        [[chains]]
        chain_id = 8453
        name = "Base"
        rpc_url = "http://127.0.0.1:8545"
        native_usd_price = 3000.0

        [[chains.fee_tokens]]
        address = "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"
        name = "USD Coin"
        symbol = "USDC"
        decimals = 6
        usd_price = 1.0
        permit_enabled = true

        [[chains]]
        chain_id = 10
        rpc_url = "http://127.0.0.1:8546"
        native_usd_price = 3000.0
    "#;

    #[test]
    fn parses_the_documented_shape_with_defaults() {
        let config = Config::from_toml(EXAMPLE).unwrap();
        assert_eq!(config.chains.len(), 2);
        assert_eq!(config.quote_expiry_secs, 60);
        assert_eq!(config.confirmations, 1);
        assert_eq!(config.limits.fee_premium_percent, 5);
        assert_eq!(config.limits.max_call_gas, Limits::default().max_call_gas);
        assert_eq!(config.limits.gas_buffer_percent, 30);
        assert_eq!((config.fee_bump_after_secs, config.max_fee_bumps), (12, 3));
        assert_eq!(config.listen.port(), 3000);
        let base = config.chain(8453).unwrap();
        assert_eq!(base.fee_tokens[0].decimals, 6);
        assert!(base.fee_token(base.fee_tokens[0].address).is_some());
        assert!(config.chain(10).unwrap().fee_tokens.is_empty());
    }

    #[test]
    fn rejects_unknown_keys_duplicates_and_bad_prices() {
        let unknown = EXAMPLE.replace("quote_expiry_secs", "quote_expiry_seconds");
        assert!(matches!(Config::from_toml(&unknown), Err(Error::Config(_))));
        let duplicate = EXAMPLE.replace("chain_id = 10", "chain_id = 8453");
        assert!(
            matches!(Config::from_toml(&duplicate), Err(Error::Config(m)) if m.contains("twice"))
        );
        let free = EXAMPLE.replace("usd_price = 1.0", "usd_price = 0.0");
        assert!(Config::from_toml(&free).is_err());
    }

    #[test]
    fn api_keys_are_optional_never_empty_and_never_serialised() {
        assert!(Config::from_toml(EXAMPLE).unwrap().api_keys.is_empty());
        let keyed = EXAMPLE.replace(
            "quote_expiry_secs = 60",
            "quote_expiry_secs = 60\napi_keys = [\"k1\", \"k2\"]",
        );
        let config = Config::from_toml(&keyed).unwrap();
        assert_eq!(config.api_keys, ["k1", "k2"]);
        assert!(!toml::to_string(&config).unwrap().contains("k1"));
        let blank = EXAMPLE.replace(
            "quote_expiry_secs = 60",
            "quote_expiry_secs = 60\napi_keys = [\" \"]",
        );
        assert!(
            matches!(Config::from_toml(&blank), Err(Error::Config(m)) if m.contains("api_keys"))
        );
    }

    #[test]
    fn gas_tanks_need_a_configured_chain_and_fee_token() {
        let tank = |chain: u64, token: &str, key: &str| {
            format!(
                "{EXAMPLE}\n[[gas_tanks]]\nchain_id = {chain}\naddress = \"0x00000000000000000000000000000000000000aa\"\ntoken = \"{token}\"\n{key}\n"
            )
        };
        let usdc = "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913";
        let key = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
        let config =
            Config::from_toml(&tank(8453, usdc, &format!("owner_key = \"{key}\""))).unwrap();
        assert_eq!(config.gas_tanks.len(), 1);
        assert!(!config.gas_tanks[0].serves_sdk_default);
        assert!(config.gas_tanks[0].refund_address.is_none());
        for bad in [
            tank(1, usdc, ""),
            tank(10, usdc, ""),
            tank(8453, "0x00000000000000000000000000000000000000bb", ""),
            tank(8453, usdc, "owner_key = \"nope\""),
        ] {
            assert!(
                matches!(Config::from_toml(&bad), Err(Error::Config(m)) if m.contains("gas tank")),
                "{bad}"
            );
        }
    }
}
