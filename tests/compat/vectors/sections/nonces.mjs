// Nonce keys and full nonces (Nexus NonceLib layout).
import { SMART_SESSIONS_ADDRESS, getNonceWithKeyUtil, getDefaultNonceKey } from "@biconomy/abstractjs";
import { makeAccount } from "../lib/accounts.mjs";
import { resetDeterminism } from "../lib/determinism.mjs";
import * as F from "../lib/fixtures.mjs";
import { toHex } from "viem";

export default async function nonces() {
  const cases = [];
  // Explicit keys through the SDK's nonce helper (EntryPoint.getNonce answered
  // by the mock chain as key << 64 | seq).
  for (const [name, key, validationMode, moduleAddress, seq] of [
    ["default_validator_key_12345_seq_0", 12345n, "0x00", "0x0000000000000000000000000000000000000000", 0n],
    ["smart_sessions_key_12345_seq_0", 12345n, "0x00", SMART_SESSIONS_ADDRESS, 0n],
    ["smart_sessions_key_max_seq_7", 16777214n, "0x00", SMART_SESSIONS_ADDRESS, 7n],
    ["key_wraps_mod_16777215", 16777215n + 5n, "0x00", "0x0000000000000000000000000000000000000000", 1n],
    ["module_enable_mode_byte", 1n, "0x01", SMART_SESSIONS_ADDRESS, 0n],
  ]) {
    resetDeterminism(`nonces:${name}`, F.T0_MS);
    const account = await makeAccount({ signer: F.owner, chainIds: [F.BASE], chainOpts: { entryPointSeq: seq } });
    const d = account.deploymentOn(F.BASE, true);
    const { nonceKey, nonce } = await getNonceWithKeyUtil(d.client, F.ACCOUNT, { key, validationMode, moduleAddress });
    cases.push({
      name,
      sdkFunction: "getNonceWithKeyUtil",
      input: { timestampPart: key, validationMode, moduleAddress, entryPointSequence: seq },
      nonceKey,
      nonceKeyHex: toHex(nonceKey, { size: 24 }),
      nonce,
      nonceHex: toHex(nonce, { size: 32 }),
      nonceDecimal: nonce.toString(10),
    });
  }
  // The default key: Date.now() % 16777215 with the clock stubbed.
  for (const [name, moduleAddress] of [
    ["account_get_nonce_default_validator", undefined],
    ["account_get_nonce_smart_sessions", SMART_SESSIONS_ADDRESS],
  ]) {
    resetDeterminism(`nonces:${name}`, F.T0_MS);
    const account = await makeAccount({ signer: F.owner, chainIds: [F.BASE] });
    const d = account.deploymentOn(F.BASE, true);
    const clock = F.T0_MS;
    resetDeterminism(`nonces:${name}`, clock);
    const { nonceKey, nonce } = await d.getNonceWithKey(F.ACCOUNT, moduleAddress ? { moduleAddress } : {});
    cases.push({
      name,
      sdkFunction: "deployment.getNonceWithKey (key = getDefaultNonceKey = Date.now())",
      input: { dateNowMs: clock, timestampPart: BigInt(clock) % 16777215n, validationMode: "0x00", moduleAddress: moduleAddress ?? "0x0000000000000000000000000000000000000000", entryPointSequence: 0n },
      nonceKey,
      nonceKeyHex: toHex(nonceKey, { size: 24 }),
      nonce,
      nonceHex: toHex(nonce, { size: 32 }),
      nonceDecimal: nonce.toString(10),
    });
  }
  resetDeterminism("nonces:successive", F.T0_MS);
  const successive = [];
  for (let i = 0; i < 3; i++) successive.push(await getDefaultNonceKey(F.ACCOUNT, F.BASE));
  return {
    description:
      "uint192 key = bytes3(timestampPart % 16777215) || bytes1 validationMode || bytes20 validator; nonce = key << 64 | sequence. The validator field is 0x0 for the Nexus default validator (MEE K1) and the Smart Sessions address for session userOps. Date.now() is stubbed (see tests/compat/vectors/README.md).",
    successiveDefaultKeysNote: "getDefaultNonceKey returns Date.now() and then waits 1 ms, so successive keys differ; with the stubbed clock they are consecutive",
    successiveDefaultKeys: successive,
    cases,
  };
}
