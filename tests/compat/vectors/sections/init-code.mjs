// initCode / factoryData for owner accounts (MEE 2.0.0, Nexus 1.2.0).
import { decodeAbiParameters, decodeFunctionData } from "viem";
import { getInitDataNoRegistry, getFactoryData, NexusBootstrapAbi } from "@biconomy/abstractjs";
import { makeAccount, V200 } from "../lib/accounts.mjs";
import { resetDeterminism } from "../lib/determinism.mjs";
import { plain } from "../lib/json.mjs";
import * as F from "../lib/fixtures.mjs";

export default async function initCode() {
  const cases = [];
  for (const [name, signer, index] of [
    ["owner_index_0", F.owner, 0n],
    ["owner_index_1", F.owner, 1n],
    ["other_owner_index_0", F.other, 0n],
  ]) {
    resetDeterminism(`init-code:${name}`, F.T0_MS);
    const account = await makeAccount({ signer, chainIds: [F.BASE], index });
    const d = account.deploymentOn(F.BASE, true);
    const { factory, factoryData } = await d.getFactoryArgs();
    const initCode = d.getInitCode();
    // Cross-check with the exported pure helpers.
    const initData = getInitDataNoRegistry({
      defaultValidator: { module: "0x0000000000000000000000000000000000000000", data: signer.address },
      prevalidationHooks: [],
      validators: [],
      executors: [],
      hook: { module: "0x0000000000000000000000000000000000000000", data: `0x${"00".repeat(32)}` },
      fallbacks: [],
      bootStrapAddress: V200.bootStrapAddress,
    });
    if (getFactoryData({ initData, index }) !== factoryData) throw new Error(`${name}: factoryData differs from pure helpers`);
    const [bootstrap, bootstrapCall] = decodeAbiParameters([{ type: "address" }, { type: "bytes" }], initData);
    const decodedBootstrap = decodeFunctionData({ abi: NexusBootstrapAbi, data: bootstrapCall });
    cases.push({
      name,
      owner: signer.address,
      index,
      factory,
      salt: `0x${index.toString(16).padStart(64, "0")}`,
      initData,
      bootstrap,
      bootstrapCall,
      bootstrapFunction: decodedBootstrap.functionName,
      bootstrapArgs: plain(decodedBootstrap.args),
      factoryData,
      initCode,
    });
  }
  return {
    description:
      "Nexus account deployment data (MEE 2.0.0). factoryData = createAccount(bytes initData, bytes32 salt=pad32(index)) 0xea6d13ac; initData = abi.encode(bootstrap, initNexusWithDefaultValidatorAndOtherModulesNoRegistry(...)) 0x41bede03; initCode = factory || factoryData. From toNexusAccount (getFactoryArgs/getInitCode), cross-checked against getInitDataNoRegistry + getFactoryData. The counterfactual address needs factory.computeAccountAddress over RPC and is not recorded.",
    factoryAddress: V200.factoryAddress,
    bootstrapAddress: V200.bootStrapAddress,
    cases,
  };
}
