// sessionDetails as the SDK returns and serialises them.
import { stringify as viemStringify } from "viem";
import { stringify as sdkStringify, parse as sdkParse } from "@biconomy/abstractjs";
import { runPrepare, runGrant, PREPARE_CASES, GRANT_CASES } from "../lib/session-flows.mjs";
import { plain } from "../lib/json.mjs";
import * as F from "../lib/fixtures.mjs";

const record = (sessionDetails) => {
  const tagged = sdkStringify(sessionDetails);
  // Round-trip check of the SDK's own serialiser.
  if (sdkStringify(sdkParse(tagged)) !== tagged) throw new Error("abstractjs stringify/parse does not round-trip");
  return {
    // What goes over HTTP (quote request userOps[i].sessionDetails): viem
    // stringify, bigint -> decimal string, key order as the SDK builds it.
    httpJsonVerbatim: JSON.parse(viemStringify(sessionDetails)),
    // abstractjs `stringify` (exported for persisting sessionDetails):
    // bigint -> {"__type":"bigint","value":"<decimal>"}; `parse` reverses it.
    sdkStringifyVerbatim: tagged,
  };
};

export default async function sessionDetails() {
  const prepare = [];
  for (const name of Object.keys(PREPARE_CASES)) {
    const r = await runPrepare(name);
    prepare.push({
      name,
      sdkFunction: "prepareEnableSessions (used by getSessionQuote mode PREPARE and prepareForPermissions)",
      inputs: {
        clockMs: F.T0_MS,
        rngSeedLabel: `prepare:${name}`,
        owner: F.owner.address,
        account: F.ACCOUNT,
        chainIds: r.case.chainIds,
        redeemer: F.sessionSigner.address,
        batchActions: r.case.batchActions,
        feeToken: r.case.feeToken ?? null,
        maxPaymentAmount: r.case.maxPaymentAmount ?? null,
        feeTokenDecimals: 6,
        actionsVerbatim: JSON.parse(viemStringify(r.actions)),
      },
      perChain: r.result.map((x) => ({
        chainId: x.sessionDetails.enableSessionData.enableSession.sessionToEnable.chainId,
        instructionCount: x.instructions.length,
        sessionDetails: record(x.sessionDetails),
      })),
    });
  }
  const grant = [];
  for (const name of Object.keys(GRANT_CASES)) {
    const r = await runGrant(name);
    grant.push({
      name,
      sdkFunction: GRANT_CASES[name].mode === "PERSONAL_SIGN" ? "grantMeePermissionPersonalSign" : "grantMeePermissionTypedDataSign",
      inputs: {
        clockMs: F.T0_MS,
        rngSeedLabel: GRANT_CASES[name].seed,
        owner: F.owner.address,
        account: F.ACCOUNT,
        sessionNonce: 0n,
        feeTokenDecimals: 6,
        paramsVerbatim: JSON.parse(viemStringify(r.params)),
      },
      sessionDetails: record(r.sessionDetails),
    });
  }
  return {
    description:
      "sessionDetails arrays. PREPARE entries have mode 0x00 and dummy enable data; GRANT entries have mode 0x02 and a real permissionEnableSig. `signature` is always getOwnableValidatorMockSignature({threshold:1}), a placeholder. Verbatim fields keep the SDK's checksummed addresses and key order.",
    prepare,
    grant,
  };
}
