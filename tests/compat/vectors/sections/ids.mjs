// permissionIds, actionIds and Smart Sessions config ids.
import { encodeAbiParameters, encodePacked, keccak256, concatHex, stringToHex } from "viem";
import { getPermissionId, encodeValidationData, SMART_SESSIONS_ADDRESS, generateSalt, getMEEVersion, MEEVersion, getSessionValidatorInitData } from "@biconomy/abstractjs";
// getActionId is not re-exported by abstractjs; it comes from its peer
// dependency @rhinestone/module-sdk (the package abstractjs itself uses).
import { getActionId } from "@rhinestone/module-sdk";
import { resetDeterminism } from "../lib/determinism.mjs";
import * as F from "../lib/fixtures.mjs";

const V200 = getMEEVersion(MEEVersion.V2_0_0);
const V300 = getMEEVersion(MEEVersion.V3_0_0);

const permissionCase = (name, session, source) => ({
  name,
  input: {
    sessionValidator: session.sessionValidator,
    sessionValidatorInitData: session.sessionValidatorInitData,
    salt: session.salt,
  },
  hashPreimage: encodeAbiParameters(
    [{ type: "address" }, { type: "bytes" }, { type: "bytes32" }],
    [session.sessionValidator, session.sessionValidatorInitData, session.salt],
  ),
  permissionId: getPermissionId({ session }),
  source,
});

export default async function ids() {
  const permissionIds = [];
  permissionIds.push(
    permissionCase(
      "spec_example_k1_validator_redeemer_1111_salt_1",
      {
        sessionValidator: V200.validatorAddress,
        sessionValidatorInitData: `0x${"11".repeat(20)}`,
        salt: `0x${"00".repeat(31)}01`,
      },
      "getPermissionId (abstractjs re-export of module-sdk)",
    ),
  );
  permissionIds.push(
    permissionCase(
      "mee_2_0_0_session_validator_init_data_is_redeemer",
      {
        sessionValidator: V200.validatorAddress,
        sessionValidatorInitData: getSessionValidatorInitData(V200, F.sessionSigner.address),
        salt: `0x${"ab".repeat(32)}`,
      },
      "getSessionValidatorInitData(2.0.0 config, redeemer) + getPermissionId",
    ),
  );
  permissionIds.push(
    permissionCase(
      "mee_3_0_0_session_validator_init_data_packed",
      {
        sessionValidator: V300.validatorAddress,
        sessionValidatorInitData: getSessionValidatorInitData(V300, F.sessionSigner.address),
        salt: `0x${"ab".repeat(32)}`,
      },
      "getSessionValidatorInitData(3.0.0 config, redeemer) + getPermissionId (3.0.0 shown for its 41-byte init data only)",
    ),
  );
  permissionIds.push(
    permissionCase(
      "ownable_validator_threshold_1",
      {
        sessionValidator: "0x000000000013fdB5234E4E3162a810F54d9f7E98",
        sessionValidatorInitData: encodeValidationData({ threshold: 1, owners: [F.sessionSigner.address] }),
        salt: `0x${"00".repeat(32)}`,
      },
      "encodeValidationData (non-MEE OwnableValidator init data) + getPermissionId",
    ),
  );
  permissionIds.push(
    permissionCase(
      "ownable_validator_threshold_2_owners_sorted",
      {
        sessionValidator: "0x000000000013fdB5234E4E3162a810F54d9f7E98",
        sessionValidatorInitData: encodeValidationData({
          threshold: 2,
          owners: [F.other.address, F.sessionSigner.address, F.owner.address],
        }),
        salt: `0x${"00".repeat(32)}`,
      },
      "encodeValidationData sorts owners ascending before abi.encode(uint256,address[])",
    ),
  );
  resetDeterminism("ids:generated-salt", F.T0_MS);
  const salt = generateSalt();
  permissionIds.push({
    ...permissionCase(
      "generated_salt_first_of_stubbed_rng",
      {
        sessionValidator: V200.validatorAddress,
        sessionValidatorInitData: F.sessionSigner.address,
        salt,
      },
      "generateSalt() with crypto.getRandomValues stubbed (seed label 'ids:generated-salt')",
    ),
  });

  const actionCases = [
    ["spec_example_usdc_base_transfer", F.USDC_BASE, "0xa9059cbb"],
    ["usdc_base_approve", F.USDC_BASE, "0x095ea7b3"],
    ["usdc_base_transfer_from", F.USDC_BASE, "0x23b872dd"],
    ["value_selector_native_transfer", F.ALICE, "0xffffffff"],
    ["fallback_actionid", "0x0000000000000000000000000000000000000001", "0x00000001"],
    ["fallback_actionid_smartsession_call", "0x0000000000000000000000000000000000000001", "0x00000002"],
    ["counter_increment", F.COUNTER, "0x273ea3e3"],
  ];
  const actionIds = [];
  for (const [name, target, selector] of actionCases) {
    actionIds.push({
      name,
      input: { target, selector },
      preimage: encodePacked(["address", "bytes4"], [target, selector]),
      actionId: await getActionId({ target, selector }),
    });
  }

  // Config ids are never computed by the SDK (they are contract-internal);
  // computed here with viem from the formulas of onchain-formats.md §3.3.
  const permissionId = permissionIds[0].permissionId;
  const actionId = actionIds[0].actionId;
  const account = F.ACCOUNT;
  const configIds = {
    source: "viem keccak256/encodePacked (contract-internal formulas, no SDK function exists)",
    input: { account, permissionId, actionId },
    userOpPolicyConfigId: keccak256(encodePacked(["address", "bytes32"], [account, permissionId])),
    actionPolicyConfigId: keccak256(
      encodePacked(["address", "bytes32"], [account, keccak256(encodePacked(["bytes32", "bytes32"], [permissionId, actionId]))]),
    ),
    erc1271PolicyConfigId: keccak256(
      encodePacked(
        ["address", "bytes32"],
        [account, keccak256(concatHex([stringToHex("ERC1271: "), permissionId]))],
      ),
    ),
  };

  return {
    description: "Smart Sessions identifiers. permissionId = keccak256(abi.encode(address,bytes,bytes32)); actionId = keccak256(abi.encodePacked(address,bytes4)).",
    constants: {
      smartSessionsAddress: SMART_SESSIONS_ADDRESS,
      valueSelector: "0xffffffff",
      fallbackTargetFlag: "0x0000000000000000000000000000000000000001",
      fallbackTargetSelectorFlag: "0x00000001",
      fallbackTargetSelectorFlagPermittedToCallSmartSession: "0x00000002",
    },
    permissionIds,
    actionIds,
    configIds,
  };
}
