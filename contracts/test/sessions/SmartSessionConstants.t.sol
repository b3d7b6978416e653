// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test} from "../lib/Test.sol";
import {ISmartSession, ISmartSessionTypes} from "../../src/interfaces/ISmartSession.sol";
import {IPolicy, IUserOpPolicy, IActionPolicy, I1271Policy} from "../../src/interfaces/IPolicy.sol";
import {IdLib} from "../../src/sessions/lib/IdLib.sol";
import "../../src/sessions/lib/HashLib.sol";
import {FALLBACK_ACTIONID, FALLBACK_ACTIONID_SMARTSESSION_CALL} from "../../src/sessions/DataTypes.sol";
import {Session} from "../../src/sessions/DataTypes.sol";

/// @notice Selectors, error selectors, event topics, typehashes, domain separator, interface ids and
/// identifier vectors of Smart Sessions v1.
contract SmartSessionConstantsTest is Test {
    function test_selectors() public pure {
        vm.assertEq(uint32(ISmartSession.enableSessions.selector), 0x21712407);
        vm.assertEq(uint32(ISmartSession.removeSession.selector), 0xf867b08e);
        vm.assertEq(uint32(ISmartSession.enableUserOpPolicies.selector), 0x454c9d82);
        vm.assertEq(uint32(ISmartSession.disableUserOpPolicies.selector), 0xd056b06d);
        vm.assertEq(uint32(ISmartSession.enableActionPolicies.selector), 0x4e33ad2e);
        vm.assertEq(uint32(ISmartSession.disableActionPolicies.selector), 0x6e79eee0);
        vm.assertEq(uint32(ISmartSession.disableActionId.selector), 0x96e72962);
        vm.assertEq(uint32(ISmartSession.enableERC1271Policies.selector), 0xf5297b77);
        vm.assertEq(uint32(ISmartSession.disableERC1271Policies.selector), 0x02a1a4cd);
        vm.assertEq(uint32(ISmartSession.setPermit4337Paymaster.selector), 0x2e644d8d);
        vm.assertEq(uint32(ISmartSession.getNonce.selector), 0x795f9269);
        vm.assertEq(uint32(ISmartSession.revokeEnableSignature.selector), 0xf9b80369);
        vm.assertEq(uint32(ISmartSession.getSessionDigest.selector), 0x05defba6);
        vm.assertEq(uint32(ISmartSession.getPermissionId.selector), 0x1be1fffb);
        vm.assertEq(uint32(ISmartSession.isPermissionEnabled.selector), 0xadbc532f);
        vm.assertEq(uint32(ISmartSession.getPermissionIDs.selector), 0x7373f181);
        vm.assertEq(uint32(ISmartSession.getEnabledActions.selector), 0xa9fa4b44);
        vm.assertEq(uint32(ISmartSession.getUserOpPolicies.selector), 0x44d1628c);
        vm.assertEq(uint32(ISmartSession.getActionPolicies.selector), 0xd527ed6e);
        vm.assertEq(uint32(ISmartSession.getERC1271Policies.selector), 0xa67c714e);
        vm.assertEq(uint32(ISmartSession.getEnabledERC7739Content.selector), 0xd0e6f608);
        vm.assertEq(uint32(ISmartSession.getSessionValidatorAndConfig.selector), 0x496c8a91);
        vm.assertEq(uint32(ISmartSession.isISessionValidatorSet.selector), 0xc9a5ec39);
        vm.assertEq(uint32(ISmartSession.isUserOpPolicyEnabled.selector), 0xf77a7eac);
        vm.assertEq(uint32(ISmartSession.isActionPolicyEnabled.selector), 0x09e5aef8);
        vm.assertEq(uint32(ISmartSession.isERC1271PolicyEnabled.selector), 0xa7ef6205);
        vm.assertEq(uint32(ISmartSession.isActionIdEnabled.selector), 0xaf29e6b2);
        vm.assertEq(uint32(ISmartSession.isERC7739ContentEnabled.selector), 0xeab25667);
        vm.assertEq(uint32(ISmartSession.areActionsEnabled.selector), 0x2dadb5e9);
        vm.assertEq(uint32(ISmartSession.areUserOpPoliciesEnabled.selector), 0x2445e73e);
        vm.assertEq(uint32(ISmartSession.areERC1271PoliciesEnabled.selector), 0x1097109e);
        vm.assertEq(uint32(ISmartSession.validateUserOp.selector), 0x97003203);
        vm.assertEq(uint32(ISmartSession.isValidSignatureWithSender.selector), 0xf551e2ee);
        vm.assertEq(uint32(ISmartSession.onInstall.selector), 0x6d61fe70);
        vm.assertEq(uint32(ISmartSession.onUninstall.selector), 0x8a91b0e3);
        vm.assertEq(uint32(ISmartSession.isInitialized.selector), 0xd60b347f);
        vm.assertEq(uint32(ISmartSession.isModuleType.selector), 0xecd05961);
    }

    function test_errorSelectors() public pure {
        vm.assertEq(uint32(ISmartSessionTypes.InvalidPermissionId.selector), 0x526d0da5);
        vm.assertEq(uint32(ISmartSessionTypes.NoPoliciesSet.selector), 0x1c792c05);
        vm.assertEq(uint32(ISmartSessionTypes.PolicyViolation.selector), 0x3b577361);
        vm.assertEq(uint32(ISmartSessionTypes.PaymasterValidationNotEnabled.selector), 0xd5dc9fa4);
        vm.assertEq(uint32(ISmartSessionTypes.InvalidEnableSignature.selector), 0x3ca8ef0c);
        vm.assertEq(uint32(ISmartSessionTypes.ChainIdMismatch.selector), 0xe75e2379);
        vm.assertEq(uint32(ISmartSessionTypes.HashMismatch.selector), 0x0b08d5be);
        vm.assertEq(uint32(ISmartSessionTypes.InvalidISessionValidator.selector), 0xa7eae112);
        vm.assertEq(uint32(ISmartSessionTypes.SignerNotFound.selector), 0x6aeeaff8);
        vm.assertEq(uint32(ISmartSessionTypes.UnsupportedCallType.selector), 0xb96fcfe4);
        vm.assertEq(uint32(ISmartSessionTypes.UnsupportedExecutionType.selector), 0x6c4872f9);
        vm.assertEq(uint32(ISmartSessionTypes.InvalidSelfCall.selector), 0x540733ea);
        vm.assertEq(uint32(ISmartSessionTypes.InvalidTarget.selector), 0x82d5d76a);
        vm.assertEq(uint32(ISmartSessionTypes.UnsupportedPolicy.selector), 0x6a01dd01);
        vm.assertEq(uint32(ISmartSessionTypes.PolicyCheckReverted.selector), 0xf4270752);
    }

    function test_eventTopics() public pure {
        vm.assertEq(uint32(bytes4(ISmartSessionTypes.SessionCreated.selector)), 0xc5c98ce9);
        vm.assertEq(uint32(bytes4(ISmartSessionTypes.SessionRemoved.selector)), 0x1ff4377b);
        vm.assertEq(uint32(bytes4(ISmartSessionTypes.PolicyEnabled.selector)), 0x1c5ea73e);
        vm.assertEq(uint32(bytes4(ISmartSessionTypes.PolicyDisabled.selector)), 0xb2a53c8e);
        vm.assertEq(uint32(bytes4(ISmartSessionTypes.SessionValidatorEnabled.selector)), 0x9e1deb1d);
        vm.assertEq(uint32(bytes4(ISmartSessionTypes.SessionValidatorDisabled.selector)), 0x1b8b78a1);
        vm.assertEq(uint32(bytes4(ISmartSessionTypes.NonceIterated.selector)), 0xb21cd806);
        vm.assertEq(uint32(bytes4(ISmartSessionTypes.PermissionIdPermit4337Paymaster.selector)), 0x2c479309);
        vm.assertEq(uint32(bytes4(ISmartSessionTypes.ActionIdDisabled.selector)), 0xfb5966a1);
    }

    function test_policyInterfaceIds() public pure {
        vm.assertEq(uint32(type(IPolicy).interfaceId), 0x989c9e46);
        vm.assertEq(uint32(type(IUserOpPolicy).interfaceId), 0x7129edce);
        vm.assertEq(uint32(type(IActionPolicy).interfaceId), 0x05c00895);
        vm.assertEq(uint32(type(I1271Policy).interfaceId), 0xcbf34505);
    }

    function test_typehashesMatchTypeStrings() public pure {
        string memory policyData = "PolicyData(address policy,bytes initData)";
        string memory actionData =
            "ActionData(bytes4 actionTargetSelector,address actionTarget,PolicyData[] actionPolicies)";
        string memory ctx = "ERC7739Context(bytes32 appDomainSeparator,string[] contentName)";
        string memory data7739 = "ERC7739Data(ERC7739Context[] allowedERC7739Content,PolicyData[] erc1271Policies)";
        string memory perms =
            "SignedPermissions(bool permitGenericPolicy,bool permitAdminAccess,bool ignoreSecurityAttestations,bool permitERC4337Paymaster,PolicyData[] userOpPolicies,ERC7739Data erc7739Policies,ActionData[] actions)";
        string memory session =
            "SignedSession(address account,SignedPermissions permissions,address sessionValidator,bytes sessionValidatorInitData,bytes32 salt,address smartSession,uint256 nonce)";
        string memory chain = "ChainSession(uint64 chainId,SignedSession session)";
        vm.assertEq(POLICY_DATA_TYPEHASH, keccak256(bytes(policyData)));
        vm.assertEq(ACTION_DATA_TYPEHASH, keccak256(abi.encodePacked(actionData, policyData)));
        vm.assertEq(ERC7739_CONTEXT_TYPEHASH, keccak256(bytes(ctx)));
        vm.assertEq(ERC7739_DATA_TYPEHASH, keccak256(abi.encodePacked(data7739, ctx, policyData)));
        bytes memory permsDeps = abi.encodePacked(actionData, ctx, data7739, policyData);
        vm.assertEq(SIGNED_PERMISSIONS_TYPEHASH, keccak256(abi.encodePacked(perms, permsDeps)));
        vm.assertEq(SESSION_TYPEHASH, keccak256(abi.encodePacked(session, permsDeps, perms)));
        vm.assertEq(CHAIN_SESSION_TYPEHASH, keccak256(abi.encodePacked(chain, permsDeps, perms, session)));
        vm.assertEq(
            MULTICHAIN_SESSION_TYPEHASH,
            keccak256(
                bytes.concat(
                    abi.encodePacked("MultiChainSession(ChainSession[] sessionsAndChainIds)", actionData, chain),
                    abi.encodePacked(ctx, data7739, policyData),
                    abi.encodePacked(perms, session)
                )
            )
        );
        vm.assertEq(MULTICHAIN_DOMAIN_TYPEHASH, keccak256("EIP712Domain(string name,string version)"));
        vm.assertEq(
            MULTICHAIN_DOMAIN_SEPARATOR,
            keccak256(abi.encode(MULTICHAIN_DOMAIN_TYPEHASH, keccak256("SmartSession"), keccak256("1")))
        );
        vm.assertEq(MULTICHAIN_DOMAIN_SEPARATOR, 0x057501e891776d1482927e5f094ae44049a4d893ba2d7b334dd7db8d38d3a0e1);
    }

    function test_fallbackActionIds() public pure {
        vm.assertEq(FALLBACK_ACTIONID, IdLib.actionId(address(1), 0x00000001));
        vm.assertEq(FALLBACK_ACTIONID_SMARTSESSION_CALL, IdLib.actionId(address(1), 0x00000002));
    }

    function test_permissionIdVector() public pure {
        Session memory s;
        s.sessionValidator = 0x00000000d12897DDAdC2044614A9677B191A2d95;
        s.sessionValidatorInitData = hex"1111111111111111111111111111111111111111";
        s.salt = bytes32(uint256(1));
        vm.assertEq(
            IdLib.permissionIdMemory(s), 0x9453ad26516e4b39fca63531f2247a0b5ecd3578f3cffc409a16c5a80349a29d
        );
    }

    function test_actionIdVector() public pure {
        vm.assertEq(
            IdLib.actionId(0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913, 0xa9059cbb),
            0x7ff5e760a190b87478a7184809cb1ad6b0f3f74bd383c0856cd634b47d18bf22
        );
    }

    function test_configIds() public pure {
        bytes32 pid = keccak256("pid");
        bytes32 aid = keccak256("aid");
        address acct = address(0xA11CE);
        vm.assertEq(IdLib.userOpConfigId(pid, acct), keccak256(abi.encodePacked(acct, pid)));
        vm.assertEq(
            IdLib.actionConfigId(pid, aid, acct), keccak256(abi.encodePacked(acct, keccak256(abi.encodePacked(pid, aid))))
        );
        vm.assertEq(
            IdLib.erc1271ConfigId(pid, acct),
            keccak256(abi.encodePacked(acct, keccak256(abi.encodePacked(bytes9("ERC1271: "), pid))))
        );
    }
}
