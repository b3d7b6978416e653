// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import "../integration/MeeFixture.sol";
import {ERC7739ContextHashes, PolicyType} from "../../src/sessions/DataTypes.sol";

/// @notice ERC-1271 with session keys on the real account (§3.7): ERC-7739 TypedDataSign only, the
/// content must be enabled for the app domain, every ERC-1271 policy (at least one) must agree, then
/// the session validator decides. Also the management functions around ERC-1271 and actions.
contract SmartSessionErc1271Test is MeeFixture {
    address internal account;
    bytes32 internal pid;
    bytes32 internal constant APP_DOMAIN = keccak256("app-domain");
    string internal constant MAIL = "Mail(address to,string contents)";
    address internal constant PAYEE = address(0xFEE0);
    address internal constant APP = address(0xA99);
    bytes4 internal constant OK = 0x1626ba7e;
    bytes4 internal constant NO = 0xffffffff;

    function setUp() public override {
        super.setUp();
        vm.warp(1_700_000_000);
        account = _deployAccount(owner);
        usdc.mint(account, 1_000e6);
        Session[] memory sessions = new Session[](1);
        sessions[0] = _session1271(_one(_policy(SUDO, "")));
        pid = ss.getPermissionId(sessions[0]);
        _submit(_ownerOp(account, _prepareCall(account, sessions)));
    }

    function _one(PolicyData memory p) internal pure returns (PolicyData[] memory ps) {
        ps = new PolicyData[](1);
        ps[0] = p;
    }

    function _ctx(string memory content) internal pure returns (ERC7739Context[] memory c) {
        c = new ERC7739Context[](1);
        c[0].appDomainSeparator = APP_DOMAIN;
        c[0].contentNames = new string[](1);
        c[0].contentNames[0] = content;
    }

    function _session1271(PolicyData[] memory erc1271Policies) internal view returns (Session memory s) {
        s = _meeSession(PAYEE, keccak256("1271"));
        s.erc7739Policies.allowedERC7739Content = _ctx(MAIL);
        s.erc7739Policies.erc1271Policies = erc1271Policies;
    }

    // ---------------------------------------------------------------- ERC-7739 helpers

    function _contents(uint256 n) internal pure returns (bytes32) {
        return keccak256(abi.encode(keccak256(bytes(MAIL)), address(uint160(n)), keccak256("hello")));
    }

    /// @dev The app's EIP-712 digest the account is asked about.
    function _appHash(bytes32 contents) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(hex"1901", APP_DOMAIN, contents));
    }

    /// @dev The ERC-7739 TypedDataSign digest the session key signs, under the account's domain fields.
    function _finalHash(address acct, bytes32 contents, string memory name)
        internal
        view
        returns (bytes32)
    {
        bytes32 typeHash = keccak256(
            abi.encodePacked(
                "TypedDataSign(",
                name,
                " contents,string name,string version,uint256 chainId,address verifyingContract,bytes32 salt)",
                MAIL
            )
        );
        bytes32 structHash = keccak256(
            abi.encode(typeHash, contents, keccak256("Nexus"), keccak256("1.2.0"), block.chainid, acct, bytes32(0))
        );
        return keccak256(abi.encodePacked(hex"1901", APP_DOMAIN, structHash));
    }

    function _sessionSig(bytes32 permissionId, bytes32 contents, string memory description, uint256 key)
        internal
        view
        returns (bytes memory)
    {
        bytes memory validatorSig = signPacked(key, _finalHash(account, contents, "Mail"));
        return abi.encodePacked(
            permissionId, validatorSig, APP_DOMAIN, contents, description, uint16(bytes(description).length)
        );
    }

    /// @dev What an app calls: the account's isValidSignature with the SmartSession prefix.
    function _check(bytes32 hash, bytes memory sessionSig) internal returns (bytes4) {
        vm.prank(APP);
        return SmartAccount(payable(account)).isValidSignature(hash, abi.encodePacked(SMART_SESSION, sessionSig));
    }

    // ---------------------------------------------------------------- ERC-1271

    function test_1271_typedDataSign_valid() public {
        bytes32 c = _contents(1);
        vm.assertEq(uint32(_check(_appHash(c), _sessionSig(pid, c, MAIL, redeemerKey))), uint32(OK));
    }

    /// Explicit description form: `contentsType ‖ contentsName` (enabled as its own string).
    function test_1271_explicitDescription() public {
        string memory explicitDesc = string.concat(MAIL, "Mail");
        vm.prank(account);
        ss.enableERC1271Policies(pid, ERC7739Data(_ctx(explicitDesc), new PolicyData[](0)));
        bytes32 c = _contents(2);
        vm.assertEq(uint32(_check(_appHash(c), _sessionSig(pid, c, explicitDesc, redeemerKey))), uint32(OK));
    }

    function test_1271_wrongKey_invalid() public {
        bytes32 c = _contents(1);
        vm.assertEq(uint32(_check(_appHash(c), _sessionSig(pid, c, MAIL, ownerKey))), uint32(NO));
    }

    function test_1271_hashNotMatchingContents_invalid() public {
        bytes32 c = _contents(1);
        vm.assertEq(uint32(_check(_appHash(_contents(9)), _sessionSig(pid, c, MAIL, redeemerKey))), uint32(NO));
    }

    function test_1271_contentNotEnabled_invalid() public {
        string memory other = "Permit(address spender,uint256 value)";
        bytes32 c = _contents(1);
        bytes memory validatorSig = signPacked(redeemerKey, _finalHash(account, c, "Permit"));
        bytes memory sig =
            abi.encodePacked(pid, validatorSig, APP_DOMAIN, c, other, uint16(bytes(other).length));
        vm.assertEq(uint32(_check(_appHash(c), sig)), uint32(NO));
    }

    function test_1271_erc6492Unwrapped() public {
        bytes32 c = _contents(3);
        bytes memory inner = _sessionSig(pid, c, MAIL, redeemerKey);
        bytes memory wrapped = abi.encodePacked(
            abi.encode(address(0xFAC7), hex"1234", inner),
            bytes32(0x6492649264926492649264926492649264926492649264926492649264926492)
        );
        vm.assertEq(uint32(_check(_appHash(c), wrapped)), uint32(OK));
    }

    function test_1271_erc7739Detection() public {
        vm.prank(APP);
        bytes4 r = ss.isValidSignatureWithSender(
            APP, 0x7739773977397739773977397739773977397739773977397739773977397739, ""
        );
        vm.assertEq(uint32(r), uint32(0x77390001));
        // through the account, the highest version of the installed validators is reported
        bytes4 viaAccount = SmartAccount(payable(account)).isValidSignature(
            0x7739773977397739773977397739773977397739773977397739773977397739, ""
        );
        vm.assertEq(bytes2(viaAccount), bytes2(0x7739));
    }

    /// Requests sent by SmartSession itself are refused (a session cannot sign another session's enable).
    function test_1271_senderSmartSession_refused() public {
        bytes32 c = _contents(1);
        vm.prank(SMART_SESSION);
        bytes4 r = SmartAccount(payable(account)).isValidSignature(
            _appHash(c), abi.encodePacked(SMART_SESSION, _sessionSig(pid, c, MAIL, redeemerKey))
        );
        vm.assertEq(uint32(r), uint32(NO));
    }

    /// At least one ERC-1271 policy is required: removing the only one makes every signature invalid.
    function test_1271_noPolicy_invalid() public {
        address[] memory ps = new address[](1);
        ps[0] = SUDO;
        vm.prank(account);
        ss.disableERC1271Policies(pid, ps, new ERC7739Context[](0));
        vm.assertEq(ss.getERC1271Policies(account, pid).length, 0);
        bytes32 c = _contents(1);
        vm.assertEq(uint32(_check(_appHash(c), _sessionSig(pid, c, MAIL, redeemerKey))), uint32(NO));
    }

    /// Every ERC-1271 policy must agree: a time frame that has ended refuses.
    function test_1271_policyRefuses() public {
        PolicyData[] memory tf = new PolicyData[](1);
        tf[0] = _policy(TIMEFRAME, abi.encodePacked(uint48(block.timestamp + 100), uint48(0)));
        vm.prank(account);
        ss.enableERC1271Policies(pid, ERC7739Data(new ERC7739Context[](0), tf));
        bytes32 c = _contents(1);
        bytes memory sig = _sessionSig(pid, c, MAIL, redeemerKey);
        vm.assertEq(uint32(_check(_appHash(c), sig)), uint32(OK));
        vm.warp(block.timestamp + 100);
        vm.assertEq(uint32(_check(_appHash(c), sig)), uint32(NO));
    }

    function test_1271_removedSession_invalid() public {
        vm.prank(account);
        ss.removeSession(pid);
        bytes32 c = _contents(1);
        vm.assertEq(uint32(_check(_appHash(c), _sessionSig(pid, c, MAIL, redeemerKey))), uint32(NO));
    }

    // ---------------------------------------------------------------- views and management

    function test_getEnabledERC7739Content() public view {
        ERC7739ContextHashes[] memory got = ss.getEnabledERC7739Content(account, pid);
        vm.assertEq(got.length, 1);
        vm.assertEq(got[0].appDomainSeparator, APP_DOMAIN);
        vm.assertEq(got[0].contentNameHashes.length, 1);
        vm.assertEq(got[0].contentNameHashes[0], keccak256(bytes(MAIL)));
        vm.assertTrue(ss.isERC7739ContentEnabled(account, pid, APP_DOMAIN, MAIL));
        vm.assertFalse(ss.isERC7739ContentEnabled(account, pid, APP_DOMAIN, "Other()"));
        vm.assertFalse(ss.isERC7739ContentEnabled(account, pid, keccak256("other-domain"), MAIL));
    }

    /// Disabling the last content of a domain drops the domain; disabling policies by address.
    function test_disableERC1271Policies_contentAndPolicy() public {
        address[] memory ps = new address[](1);
        ps[0] = SUDO;
        vm.expectEmit(SMART_SESSION);
        emit ISmartSessionTypes.PolicyDisabled(pid, PolicyType.ERC1271, SUDO, account);
        vm.prank(account);
        ss.disableERC1271Policies(pid, ps, _ctx(MAIL));
        vm.assertFalse(ss.isERC7739ContentEnabled(account, pid, APP_DOMAIN, MAIL));
        vm.assertEq(ss.getEnabledERC7739Content(account, pid).length, 0);
        vm.assertFalse(ss.isERC1271PolicyEnabled(account, pid, SUDO));
        // the session itself and its userOp / action policies stay
        vm.assertTrue(ss.isPermissionEnabled(pid, account));
        vm.assertTrue(ss.isUserOpPolicyEnabled(account, pid, SUDO));
    }

    function test_disableERC1271Policies_requiresEnabledPermission() public {
        vm.prank(account);
        vm.expectRevert(abi.encodeWithSelector(ISmartSessionTypes.InvalidPermissionId.selector, keccak256("x")));
        ss.disableERC1271Policies(keccak256("x"), new address[](0), new ERC7739Context[](0));
    }

    function test_disableActionId_blocksTheAction() public {
        bytes32 actionId = keccak256(abi.encodePacked(address(usdc), usdc.transfer.selector));
        vm.assertTrue(ss.isActionIdEnabled(account, pid, actionId));
        vm.expectEmit(SMART_SESSION);
        emit ISmartSessionTypes.ActionIdDisabled(pid, actionId, account);
        vm.prank(account);
        ss.disableActionId(pid, actionId);
        vm.assertFalse(ss.isActionIdEnabled(account, pid, actionId));
        vm.assertEq(ss.getActionPolicies(account, pid, actionId).length, 0);
        vm.assertEq(ss.getEnabledActions(account, pid).length, 0);
        vm.assertFalse(ss.isActionPolicyEnabled(account, pid, actionId, USAGE_LIMIT));
        PackedUserOperation memory op = _signUse(_sessionOp(account, 0, _transfer(PAYEE, 1e6), 250_000), pid);
        _submitExpect(
            op,
            _failedOpWithRevert("AA23 reverted", abi.encodeWithSelector(ISmartSessionTypes.NoPoliciesSet.selector, pid))
        );
    }

    function test_disableActionId_requiresEnabledPermission() public {
        vm.prank(account);
        vm.expectRevert(abi.encodeWithSelector(ISmartSessionTypes.InvalidPermissionId.selector, keccak256("x")));
        ss.disableActionId(keccak256("x"), keccak256("a"));
    }

    function test_areEnabled() public view {
        Session memory s = _session1271(_one(_policy(SUDO, "")));
        vm.assertTrue(ss.areUserOpPoliciesEnabled(account, pid, s.userOpPolicies));
        vm.assertTrue(ss.areActionsEnabled(account, pid, s.actions));
        vm.assertTrue(ss.areERC1271PoliciesEnabled(account, pid, s.erc7739Policies.erc1271Policies));
        // any policy not enabled makes the answer false
        PolicyData[] memory tf = _one(_policy(TIMEFRAME, ""));
        vm.assertFalse(ss.areUserOpPoliciesEnabled(account, pid, tf));
        vm.assertFalse(ss.areERC1271PoliciesEnabled(account, pid, tf));
        s.actions[0].actionPolicies[1] = _policy(VALUE_LIMIT, "");
        vm.assertFalse(ss.areActionsEnabled(account, pid, s.actions));
        // and for another account nothing is enabled
        vm.assertFalse(ss.areUserOpPoliciesEnabled(address(0xDEAD), pid, _session1271(_one(_policy(SUDO, ""))).userOpPolicies));
        // an empty list is trivially enabled
        vm.assertTrue(ss.areUserOpPoliciesEnabled(account, pid, new PolicyData[](0)));
    }
}

