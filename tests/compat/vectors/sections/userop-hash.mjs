// ERC-4337 v0.7 userOp hashes as the SDK computes them (viem
// getUserOperationHash through deployment.getUserOpHash).
import { concatHex, toHex, encodeAbiParameters, keccak256 } from "viem";
import { toPackedUserOperation } from "viem/account-abstraction";
import { makeAccount } from "../lib/accounts.mjs";
import { resetDeterminism } from "../lib/determinism.mjs";
import { plain } from "../lib/json.mjs";
import * as F from "../lib/fixtures.mjs";

export const PAYMASTER = "0x0000000000000000000000000000000000c0ffee";

export const fixedUserOps = () => [
  {
    name: "no_initcode_no_paymaster",
    userOp: {
      sender: F.ACCOUNT,
      nonce: (0x0186a000n << 200n) | 5n,
      callData: "0xe9ae5c53",
      callGasLimit: 700000n,
      verificationGasLimit: 150000n,
      preVerificationGas: 50000n,
      maxFeePerGas: 2000000000n,
      maxPriorityFeePerGas: 1000000n,
      signature: "0x",
    },
  },
  {
    name: "with_factory_and_paymaster",
    userOp: {
      sender: F.ACCOUNT,
      nonce: 0n,
      factory: "0x000000001D1D5004a02bAfAb9de2D6CE5b7B13de",
      factoryData: "0xea6d13ac00",
      callData: "0xea5a6d91",
      callGasLimit: 1400000n,
      verificationGasLimit: 1000000n,
      preVerificationGas: 123456n,
      maxFeePerGas: 30000000000n,
      maxPriorityFeePerGas: 1500000000n,
      paymaster: PAYMASTER,
      paymasterVerificationGasLimit: 30000n,
      paymasterPostOpGasLimit: 40000n,
      paymasterData: "0x170de0009ee4ce01",
      signature: "0x177eee00",
    },
  },
];

export default async function useropHash() {
  resetDeterminism("userop-hash", F.T0_MS);
  const cases = [];
  for (const chainId of [F.BASE, F.OPTIMISM]) {
    const account = await makeAccount({ signer: F.owner, chainIds: [chainId] });
    const d = account.deploymentOn(chainId, true);
    for (const { name, userOp } of fixedUserOps()) {
      const packed = toPackedUserOperation(userOp);
      cases.push({
        name: `${name}_chain_${chainId}`,
        chainId,
        entryPoint: "0x0000000071727de22e5e9d8baf0edac6f37da032",
        userOp: plain(userOp),
        packed: plain(packed),
        userOpHash: d.getUserOpHash(userOp),
      });
    }
  }
  return {
    description:
      "userOpHash = keccak256(abi.encode(keccak256(abi.encode(sender, nonce, keccak256(initCode), keccak256(callData), accountGasLimits, preVerificationGas, gasFees, keccak256(paymasterAndData))), entryPoint, chainId)). `packed` is viem toPackedUserOperation (initCode = factory||factoryData, accountGasLimits = verificationGasLimit<<128|callGasLimit, gasFees = maxPriorityFeePerGas<<128|maxFeePerGas, paymasterAndData = paymaster||uint128 pmVerificationGas||uint128 postOpGas||paymasterData). The signature is not hashed.",
    cases,
  };
}
