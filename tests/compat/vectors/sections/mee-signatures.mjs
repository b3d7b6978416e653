// Supertransaction merkle roots/proofs (MEE < 2.2.1 "simple" mode), the
// owner's quote signature and the per-userOp SIMPLE signatures (full and
// short), plus the Smart Sessions wrappers the node puts around them.
import { concatHex, encodeAbiParameters, keccak256, hashMessage, recoverMessageAddress, slice } from "viem";
import { createMerkleTree, signQuote, encodeSmartSessionSignature, SmartSessionMode } from "@biconomy/abstractjs";
// LibZip (FastLZ) is what module-sdk's encodeSmartSessionSignature uses; it is
// the JS build of solady, a dependency of module-sdk.
import { LibZip } from "solady";
// sponsorSupertransaction is not exported from the package entry point; it is
// the only SDK code that builds a full per-userOp SIMPLE signature, so it is
// imported from the package's dist path.
import { sponsorSupertransaction } from "../../node_modules/@biconomy/abstractjs/dist/_esm/account/decorators/sponsorSupertransaction.js";
import { makeAccount } from "../lib/accounts.mjs";
import { resetDeterminism } from "../lib/determinism.mjs";
import { runGrant } from "../lib/session-flows.mjs";
import { plain } from "../lib/json.mjs";
import * as F from "../lib/fixtures.mjs";

const PREFIX = "0x177eee00";

/** Full leaf: keccak256(keccak256(abi.encode(userOpHash, lower, upper))). */
export const meeUserOpHash = (h, lower, upper) =>
  keccak256(keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "uint256" }, { type: "uint256" }], [h, BigInt(lower), BigInt(upper)])));

const fullSig = (root, lower, upper, proof, sig) =>
  concatHex([
    PREFIX,
    encodeAbiParameters(
      [{ type: "bytes32" }, { type: "uint48" }, { type: "uint48" }, { type: "bytes32[]" }, { type: "bytes" }],
      [root, Number(lower), Number(upper), proof, sig],
    ),
  ]);
const shortSig = (root, proof, sig) =>
  concatHex([PREFIX, encodeAbiParameters([{ type: "bytes32" }, { type: "bytes32[]" }, { type: "bytes" }], [root, proof, sig])]);

// Deterministic stand-in userOpHashes (any 32-byte values work for the tree).
const opHash = (i) => keccak256(`0x${(0x1000 + i).toString(16)}`);

export default async function meeSignatures() {
  resetDeterminism("mee-signatures", F.T0_MS);
  const account = await makeAccount({ signer: F.owner, chainIds: [F.BASE, F.OPTIMISM] });
  const sessionAccount = await makeAccount({ signer: F.sessionSigner, chainIds: [F.BASE, F.OPTIMISM] });
  const cases = [];
  for (const [name, count, shortEncoding, signerAccount, signerKey] of [
    ["one_userop_full_leaf", 1, false, account, F.OWNER_PK],
    ["three_userops_full_leaf", 3, false, account, F.OWNER_PK],
    ["four_userops_full_leaf", 4, false, account, F.OWNER_PK],
    ["three_userops_short_leaf_session_key", 3, true, sessionAccount, F.SESSION_PK],
    ["four_userops_short_leaf_session_key", 4, true, sessionAccount, F.SESSION_PK],
  ]) {
    const userOps = Array.from({ length: count }, (_, i) => {
      const lower = F.T0 + i;
      const upper = F.T0 + 180 + i;
      const userOpHash = opHash(i);
      return {
        chainId: String(i % 2 === 0 ? F.BASE : F.OPTIMISM),
        userOpHash,
        lowerBoundTimestamp: String(lower),
        upperBoundTimestamp: String(upper),
        meeUserOpHash: meeUserOpHash(userOpHash, lower, upper),
        shortEncoding,
        userOp: { sender: F.ACCOUNT, signature: "0x" },
      };
    });
    const leaves = userOps.map((u) => (shortEncoding ? u.userOpHash : u.meeUserOpHash));
    const tree = createMerkleTree(leaves);
    const root = tree.root;
    const quote = { hash: root, paymentInfo: { sponsored: false }, userOps };
    const signed = await signQuote({ account: signerAccount }, { quote });
    const rawSig = slice(signed.signature, 4);
    if ((await recoverMessageAddress({ message: { raw: root }, signature: rawSig })) !== signerAccount.signer.address) {
      throw new Error("quote signature does not recover");
    }
    const perUserOp = userOps.map((u, i) => {
      const proof = tree.getProof(i);
      return {
        index: i,
        leaf: leaves[i],
        proof,
        ...(shortEncoding
          ? { shortSignature: shortSig(root, proof, rawSig) }
          : { fullSignature: fullSig(root, u.lowerBoundTimestamp, u.upperBoundTimestamp, proof, rawSig), shortSignature: shortSig(root, proof, rawSig) }),
      };
    });
    // The SDK's own full-signature encoder (sponsorSupertransaction, index 0
    // only) must agree with the generator's encoder.
    if (!shortEncoding) {
      const q = structuredClone(quote);
      const sponsored = await sponsorSupertransaction(signerAccount, { chainId: F.BASE, quote: q });
      if (sponsored.userOps[0].userOp.signature !== perUserOp[0].fullSignature) throw new Error("full signature encoding differs from SDK");
    }
    cases.push({
      name,
      signerPrivateKey: signerKey,
      signer: signerAccount.signer.address,
      userOps: userOps.map((u) => ({
        userOpHash: u.userOpHash,
        lowerBoundTimestamp: u.lowerBoundTimestamp,
        upperBoundTimestamp: u.upperBoundTimestamp,
        meeUserOpHash: u.meeUserOpHash,
        shortEncoding: u.shortEncoding,
      })),
      leafKind: shortEncoding ? "raw userOpHash" : "meeUserOpHash",
      sortedLeaves: [...leaves].sort(),
      treeLayout: tree.dump().tree,
      root,
      signedMessageHash: hashMessage({ raw: root }),
      quoteSignature: signed.signature,
      perUserOp,
    });
  }

  // Smart Sessions userOp.signature wrappers around a short SIMPLE signature.
  const grant = await runGrant("two_chains_personal_sign");
  const entry = grant.sessionDetails[0];
  const meeSig = cases[3].perUserOp[0].shortSignature;
  const useSig = encodeSmartSessionSignature({ mode: SmartSessionMode.USE, permissionId: entry.permissionId, signature: meeSig });
  const enableSig = encodeSmartSessionSignature({
    mode: SmartSessionMode.UNSAFE_ENABLE,
    permissionId: entry.permissionId,
    signature: meeSig,
    enableSessionData: entry.enableSessionData,
  });
  const smartSessionSignatures = {
    sdkFunction: "encodeSmartSessionSignature (module-sdk, re-exported by abstractjs); the MEE node does this wrapping, the SDK only sends sessionDetails",
    permissionId: entry.permissionId,
    sessionValidatorSignature: meeSig,
    use: useSig,
    unsafeEnable: {
      sessionDetailsFrom: "session-details.json grant two_chains_personal_sign, chain 8453",
      signature: enableSig,
      mode: slice(enableSig, 0, 1),
      decompressedPayload: LibZip.flzDecompress(slice(enableSig, 1)),
      note: "payload = abi.encode(EnableSession{chainDigestIndex, hashesAndChainIds, sessionToEnable, permissionEnableSig = validator(20) || ownerSig}, bytes sessionValidatorSignature); compressed with solady LibZip.flzCompress (a decoder must accept any valid FastLZ stream; the compressed bytes are the SDK's)",
    },
  };
  return {
    description:
      "MEE 2.0.0 simple mode. Tree = SDK createMerkleTree (OZ SimpleMerkleTree, sortLeaves: true); proofs by original index. Full leaf = keccak256(keccak256(abi.encode(userOpHash, uint256 lower, uint256 upper))); short leaf = raw userOpHash. quoteSignature = SDK signQuote (personal_sign of the 32-byte root, prefixed 0x177eee00). fullSignature = 0x177eee00||abi.encode(bytes32 root, uint48 lower, uint48 upper, bytes32[] proof, bytes sig) (checked against the SDK's sponsorSupertransaction for index 0); shortSignature = 0x177eee00||abi.encode(bytes32 root, bytes32[] proof, bytes sig) (node-side, encoded with viem). userOpHashes are stand-ins: keccak256 of small integers.",
    cases,
    smartSessionSignatures,
  };
}
