//! Prices: what the node's fee computation asks, behind the [`PriceOracle`] seam.

use std::collections::HashMap;

use alloy::primitives::{Address, U256};
use async_trait::async_trait;

use crate::{
    config::Config,
    error::{Error, Result},
};

/// A USD price with 8 decimals (`100_000_000` = one dollar).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct UsdPrice(pub u128);

impl UsdPrice {
    /// Decimals of the fixed-point representation.
    pub const DECIMALS: u32 = 8;

    /// From a float of dollars (rounded to 8 decimals); `None` when not positive and finite.
    pub fn from_f64(dollars: f64) -> Option<Self> {
        let scaled = (dollars * 1e8).round();
        (dollars.is_finite() && (1.0..1e30).contains(&scaled)).then_some(Self(scaled as u128))
    }
}

/// Prices of native tokens and fee tokens.
#[async_trait]
pub trait PriceOracle: Send + Sync + std::fmt::Debug {
    /// The USD price of `chain_id`'s native token.
    async fn native_usd(&self, chain_id: u64) -> Result<UsdPrice>;
    /// The USD price of `token` on `chain_id`.
    async fn token_usd(&self, chain_id: u64, token: Address) -> Result<UsdPrice>;
}

/// Fixed prices from the configuration.
#[derive(Clone, Debug, Default)]
pub struct FixedPriceOracle {
    native: HashMap<u64, UsdPrice>,
    tokens: HashMap<(u64, Address), UsdPrice>,
}

impl FixedPriceOracle {
    /// No prices.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the native token price of a chain.
    pub fn with_native(mut self, chain_id: u64, price: UsdPrice) -> Self {
        self.native.insert(chain_id, price);
        self
    }

    /// Sets a token's price.
    pub fn with_token(mut self, chain_id: u64, token: Address, price: UsdPrice) -> Self {
        self.tokens.insert((chain_id, token), price);
        self
    }

    /// The prices of a configuration.
    pub fn from_config(config: &Config) -> Result<Self> {
        let mut oracle = Self::new();
        for chain in &config.chains {
            let native = UsdPrice::from_f64(chain.native_usd_price).ok_or_else(|| {
                Error::Config(format!("chain {}: bad native price", chain.chain_id))
            })?;
            oracle = oracle.with_native(chain.chain_id, native);
            for token in &chain.fee_tokens {
                let price = UsdPrice::from_f64(token.usd_price).ok_or_else(|| {
                    Error::Config(format!("{} on {}: bad price", token.symbol, chain.chain_id))
                })?;
                oracle = oracle.with_token(chain.chain_id, token.address, price);
            }
        }
        Ok(oracle)
    }
}

#[async_trait]
impl PriceOracle for FixedPriceOracle {
    async fn native_usd(&self, chain_id: u64) -> Result<UsdPrice> {
        self.native
            .get(&chain_id)
            .copied()
            .ok_or(Error::UnsupportedChain(chain_id))
    }

    async fn token_usd(&self, chain_id: u64, token: Address) -> Result<UsdPrice> {
        self.tokens
            .get(&(chain_id, token))
            .copied()
            .ok_or(Error::UnsupportedFeeToken { chain_id, token })
    }
}

/// The fee in a token's base units for gas costs on several chains: `Σ wei × nativePrice`,
/// plus `premium_percent`, converted at `token_price`, rounded up.
pub fn fee_in_token(
    costs: &[(U256, UsdPrice)],
    token_price: UsdPrice,
    token_decimals: u8,
    premium_percent: u32,
) -> U256 {
    // Σ wei × price(1e-8 USD) → USD × 1e26.
    let usd_e26: U256 = costs
        .iter()
        .map(|(wei, price)| wei.saturating_mul(U256::from(price.0)))
        .fold(U256::ZERO, U256::saturating_add);
    let numerator = usd_e26
        .saturating_mul(U256::from(100 + u64::from(premium_percent)))
        .saturating_mul(U256::from(10).pow(U256::from(token_decimals)));
    let denominator =
        U256::from(10).pow(U256::from(18)) * U256::from(token_price.0) * U256::from(100);
    numerator.div_ceil(denominator)
}

/// `amount` base units of a token with `decimals` as a decimal string, e.g. `"0.01"`.
pub fn format_units(amount: U256, decimals: u8) -> String {
    let digits = amount.to_string();
    let decimals = usize::from(decimals);
    if decimals == 0 {
        return digits;
    }
    let padded = format!("{digits:0>width$}", width = decimals + 1);
    let (int, frac) = padded.split_at(padded.len() - decimals);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        int.to_owned()
    } else {
        format!("{int}.{frac}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_round_to_eight_decimals() {
        assert_eq!(UsdPrice::from_f64(1.0), Some(UsdPrice(100_000_000)));
        assert_eq!(UsdPrice::from_f64(3000.5), Some(UsdPrice(300_050_000_000)));
        assert_eq!(UsdPrice::from_f64(0.0), None);
        assert_eq!(UsdPrice::from_f64(-1.0), None);
        assert_eq!(UsdPrice::from_f64(f64::NAN), None);
    }

    #[test]
    fn fee_converts_gas_cost_to_token_units_and_rounds_up() {
        let eth = UsdPrice::from_f64(3000.0).unwrap();
        let usdc = UsdPrice::from_f64(1.0).unwrap();
        // 0.001 ETH at $3000 = $3 = 3_000_000 USDC units, no premium.
        let wei = U256::from(10u64.pow(15));
        assert_eq!(
            fee_in_token(&[(wei, eth)], usdc, 6, 0),
            U256::from(3_000_000)
        );
        // 10 % premium, two chains.
        assert_eq!(
            fee_in_token(&[(wei, eth), (wei, eth)], usdc, 6, 10),
            U256::from(6_600_000)
        );
        // One wei still costs one unit.
        assert_eq!(
            fee_in_token(&[(U256::from(1), eth)], usdc, 6, 0),
            U256::from(1)
        );
        assert_eq!(fee_in_token(&[], usdc, 6, 10), U256::ZERO);
    }

    #[test]
    fn formats_units() {
        assert_eq!(format_units(U256::from(10_000), 6), "0.01");
        assert_eq!(format_units(U256::from(1_500_000), 6), "1.5");
        assert_eq!(format_units(U256::from(2_000_000), 6), "2");
        assert_eq!(format_units(U256::from(7), 0), "7");
        assert_eq!(format_units(U256::ZERO, 6), "0");
    }

    #[tokio::test]
    async fn fixed_oracle_answers_configured_prices_only() {
        let token = Address::repeat_byte(1);
        let oracle = FixedPriceOracle::new()
            .with_native(1, UsdPrice(5))
            .with_token(1, token, UsdPrice(7));
        assert_eq!(oracle.native_usd(1).await.unwrap(), UsdPrice(5));
        assert_eq!(oracle.token_usd(1, token).await.unwrap(), UsdPrice(7));
        assert!(matches!(
            oracle.native_usd(2).await,
            Err(Error::UnsupportedChain(2))
        ));
        assert!(oracle.token_usd(1, Address::ZERO).await.is_err());
    }
}
