//! Chain ids of the reference flow.

/// OP Mainnet.
pub const OPTIMISM: u64 = 10;
/// Base.
pub const BASE: u64 = 8453;
/// Arbitrum One.
pub const ARBITRUM: u64 = 42161;
/// Polygon PoS.
pub const POLYGON: u64 = 137;

/// The four chains of the reference Smart Sessions example, in its order. The local devnet runs
/// one anvil per id with the same ids, so addresses and signatures are those of the real networks.
pub const REFERENCE_CHAINS: [u64; 4] = [OPTIMISM, BASE, ARBITRUM, POLYGON];
