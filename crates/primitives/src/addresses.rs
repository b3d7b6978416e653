//! Canonical contract addresses.
//!
//! These are the addresses of the deployed upstream system. On real networks the node and the SDK
//! use them as they are; on the local devnet our own contracts are placed at the same addresses, so
//! any client built for the real networks (including the TypeScript SDK) works unchanged.

use alloy_primitives::{Address, address};

/// The ERC-4337 v0.7 EntryPoint.
pub const ENTRY_POINT_V07: Address = address!("0x0000000071727De22E5E9d8BAf0edAc6f37da032");

/// The deterministic CREATE2 deployer (`0x4e59…956C`), present on anvil and most networks.
pub const CREATE2_DEPLOYER: Address = address!("0x4e59b44847b379578588920cA78FbF26c0B4956C");

/// The salt the EntryPoint v0.7 was deployed with through [`CREATE2_DEPLOYER`].
pub const ENTRY_POINT_V07_SALT: [u8; 32] =
    alloy_primitives::hex!("90d8084deab30c2a37c45e8d47f49f2f7965183cb6990a98943ef94940681de3");

/// USDC on the local devnet: one address on every chain (Base's USDC address, so the fee token
/// of the reference flow on chain 8453 is where clients expect it).
pub const DEVNET_USDC: Address = address!("0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913");

/// The gas tank `@biconomy/abstractjs` names for `sponsorship: true` without options (on Base,
/// paying USDC). On the devnet our own account is placed at this address.
pub const DEFAULT_GAS_TANK: Address = address!("0x18eAc826f3dD77d065E75E285d3456B751AC80d5");

/// The contracts of one MEE version: the account implementation, its factory and bootstrap, and
/// the MEE validator (the account's immutable default validator and the session validator).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MeeVersionAddresses {
    /// The version string, e.g. `"2.0.0"`.
    pub version: &'static str,
    /// The `accountId()` the account implementation reports.
    pub account_id: &'static str,
    /// The account implementation (Nexus ABI).
    pub account_implementation: Address,
    /// The account factory.
    pub account_factory: Address,
    /// The bootstrap the factory's init data delegatecalls.
    pub bootstrap: Address,
    /// The K1 MEE validator.
    pub mee_validator: Address,
}

/// MEE 2.0.0: Nexus 1.2.0 with K1MeeValidator 1.0.1. The default version.
pub const MEE_2_0_0: MeeVersionAddresses = MeeVersionAddresses {
    version: "2.0.0",
    account_id: "biconomy.nexus.1.2.0",
    account_implementation: address!("0x000000004F43C49e93C970E84001853a70923B03"),
    account_factory: address!("0x000000001D1D5004a02bAfAb9de2D6CE5b7B13de"),
    bootstrap: address!("0x00000000D3254452a909E4eeD47455Af7E27C289"),
    mee_validator: address!("0x00000000d12897DDAdC2044614A9677B191A2d95"),
};

/// MEE 2.1.0: the same account ABI, with a validator that accepts EIP-7702-delegated owners.
pub const MEE_2_1_0: MeeVersionAddresses = MeeVersionAddresses {
    version: "2.1.0",
    account_id: "biconomy.nexus.1.2.0",
    account_implementation: address!("0x00000000383e8cBe298514674Ea60Ee1d1de50ac"),
    account_factory: address!("0x0000006648ED9B2B842552BE63Af870bC74af837"),
    bootstrap: address!("0x0000003eDf18913c01cBc482C978bBD3D6E8ffA3"),
    mee_validator: address!("0x0000000031ef4155C978d48a8A7d4EDba03b04fE"),
};

/// Every MEE version this workspace supports, default first.
pub const MEE_VERSIONS: [MeeVersionAddresses; 2] = [MEE_2_0_0, MEE_2_1_0];

/// The Smart Sessions v1 validator module.
pub const SMART_SESSIONS: Address = address!("0x00000000008bDABA73cD9815d79069c247Eb4bDA");

/// Smart Sessions policies at their canonical addresses.
pub mod policies {
    use alloy_primitives::{Address, address};

    /// Always passes.
    pub const SUDO: Address = address!("0x0000000000FEEc8D74e3143fBaBbca515358d869");
    /// A validity window.
    pub const TIME_FRAME: Address = address!("0x0000000000D30f611fA3bf652ac6879428586930");
    /// Per-argument rules on an action's calldata.
    pub const UNIVERSAL_ACTION: Address = address!("0x0000000000714Cf48FcF88A0bFBa70d313415032");
    /// A cap on the number of uses.
    pub const USAGE_LIMIT: Address = address!("0x00000000001d4479FA2A947026204d0283ceDe4B");
    /// A cap on the cumulative native value sent.
    pub const VALUE_LIMIT: Address = address!("0x000000000021dC45451291BCDfc9f0B46d6f0278");
    /// Caps on ERC-20 amounts transferred or approved, per token.
    pub const ERC20_SPENDING_LIMIT: Address =
        address!("0x000000000033212E272655D8a22402Db819477A6");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mee_versions_have_distinct_addresses() {
        let a = MEE_2_0_0;
        let b = MEE_2_1_0;
        for (x, y) in [
            (a.account_implementation, b.account_implementation),
            (a.account_factory, b.account_factory),
            (a.bootstrap, b.bootstrap),
            (a.mee_validator, b.mee_validator),
        ] {
            assert_ne!(x, y);
        }
    }
}
