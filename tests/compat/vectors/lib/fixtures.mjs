// Fixed inputs shared by all vector sections. Nothing here is secret: the
// keys are test keys chosen for readability.
import { getAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";

const addr = (a) => getAddress(a.toLowerCase());

export const OWNER_PK = `0x${"11".repeat(32)}`;
export const SESSION_PK = `0x${"22".repeat(32)}`;
export const OTHER_PK = `0x${"33".repeat(32)}`;

export const owner = privateKeyToAccount(OWNER_PK);
export const sessionSigner = privateKeyToAccount(SESSION_PK);
export const other = privateKeyToAccount(OTHER_PK);

/** 2025-01-01T00:00:00Z in milliseconds: the default clock of every case. */
export const T0_MS = 1735689600000;
export const T0 = 1735689600;

// Chains used by the multichain cases (all are in the SDK's hard-coded
// Cancun list, so no block lookup is needed for them).
export const BASE = 8453;
export const OPTIMISM = 10;
export const ARBITRUM = 42161;
export const POLYGON = 137;

// Real token addresses (checksummed) so the vectors read naturally.
export const USDC_BASE = addr("0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913");
export const USDC_OPTIMISM = addr("0x0b2C639c533813f4Aa9D7837CAf62653d097Ff85");
export const USDC_ARBITRUM = addr("0xaf88d065e77c8cC2239327C5EDb3A432268e5831");
export const USDC_POLYGON = addr("0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359");
export const WETH_BASE = addr("0x4200000000000000000000000000000000000006");

// Plain recipients / targets.
export const ALICE = addr("0xA11CE00000000000000000000000000000000001");
export const BOB = addr("0xB0B0000000000000000000000000000000000002");
export const COUNTER = addr("0xC0FFEE0000000000000000000000000000000003");

// Account addresses handed to the SDK through chainConfigurations[].accountAddress
// (the SDK would otherwise ask the factory's computeAccountAddress over RPC).
export const ACCOUNT = addr("0x50255639C0e4d184cEBFF9Ea78F3055283290700");
