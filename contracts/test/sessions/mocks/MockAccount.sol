// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {PackedUserOperation} from "account-abstraction/interfaces/PackedUserOperation.sol";
import {ECDSA} from "solady/utils/ECDSA.sol";
import {IValidator, IModule} from "../../../src/interfaces/IERC7579Module.sol";
import {Execution} from "../../../src/interfaces/IERC7579Account.sol";

/// @notice Minimal ERC-7579 account for tests: validators only, nonce-routed validation (validator in
/// nonce bits 64..223), `execute` with the Nexus single / batch encodings, ERC-1271 routed by a
/// 20-byte validator prefix (address 0 = the owner's ECDSA key).
contract MockAccount {
    error NotAllowed();
    error ValidatorNotInstalled(address validator);
    error UnsupportedMode(bytes32 mode);

    event TryExecuteUnsuccessful(bytes callData, bytes result);

    address public immutable entryPoint;
    address public immutable owner;
    mapping(address => bool) public isValidatorInstalled;

    constructor(address entryPoint_, address owner_) {
        entryPoint = entryPoint_;
        owner = owner_;
    }

    receive() external payable {}

    modifier onlyPrivileged() {
        if (msg.sender != entryPoint && msg.sender != address(this) && msg.sender != owner) revert NotAllowed();
        _;
    }

    function installModule(uint256 typeId, address module, bytes calldata initData) external payable onlyPrivileged {
        if (typeId != 1) revert NotAllowed();
        isValidatorInstalled[module] = true;
        IModule(module).onInstall(initData);
    }

    function uninstallModule(uint256 typeId, address module, bytes calldata deInitData) external payable onlyPrivileged {
        if (typeId != 1) revert NotAllowed();
        isValidatorInstalled[module] = false;
        IModule(module).onUninstall(deInitData);
    }

    function validateUserOp(PackedUserOperation calldata userOp, bytes32 userOpHash, uint256 missingAccountFunds)
        external
        returns (uint256 validationData)
    {
        if (msg.sender != entryPoint) revert NotAllowed();
        address validator = address(uint160(userOp.nonce >> 64));
        if (!isValidatorInstalled[validator]) revert ValidatorNotInstalled(validator);
        validationData = IValidator(validator).validateUserOp(userOp, userOpHash);
        if (missingAccountFunds != 0) {
            (bool ok,) = payable(msg.sender).call{value: missingAccountFunds}("");
            ok;
        }
    }

    function execute(bytes32 mode, bytes calldata executionCalldata) external payable onlyPrivileged {
        bytes1 callType = mode[0];
        bytes1 execType = mode[1];
        if (execType != 0x00 && execType != 0x01) revert UnsupportedMode(mode);
        bool tryExec = execType == 0x01;
        if (callType == 0x00) {
            address target = address(bytes20(executionCalldata[0:20]));
            uint256 value = uint256(bytes32(executionCalldata[20:52]));
            _call(target, value, executionCalldata[52:], tryExec);
        } else if (callType == 0x01) {
            Execution[] memory execs = abi.decode(executionCalldata, (Execution[]));
            for (uint256 i; i < execs.length; ++i) {
                _call(execs[i].target, execs[i].value, execs[i].callData, tryExec);
            }
        } else {
            revert UnsupportedMode(mode);
        }
    }

    function _call(address target, uint256 value, bytes memory data, bool tryExec) internal {
        (bool ok, bytes memory ret) = target.call{value: value}(data);
        if (!ok) {
            if (tryExec) {
                emit TryExecuteUnsuccessful(data, ret);
            } else {
                assembly ("memory-safe") {
                    revert(add(ret, 0x20), mload(ret))
                }
            }
        }
    }

    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        if (signature.length == 0 && hash == 0x7739773977397739773977397739773977397739773977397739773977397739) {
            return 0x77390001;
        }
        if (signature.length < 20) return 0xffffffff;
        address validator = address(bytes20(signature[0:20]));
        bytes calldata sig = signature[20:];
        if (validator == address(0)) {
            address r1 = ECDSA.tryRecoverCalldata(hash, sig);
            address r2 = ECDSA.tryRecoverCalldata(ECDSA.toEthSignedMessageHash(hash), sig);
            return (r1 == owner || r2 == owner) && owner != address(0) ? bytes4(0x1626ba7e) : bytes4(0xffffffff);
        }
        if (!isValidatorInstalled[validator]) return 0xffffffff;
        try IValidator(validator).isValidSignatureWithSender(msg.sender, hash, sig) returns (bytes4 r) {
            return r;
        } catch {
            return 0xffffffff;
        }
    }

    function eip712Domain()
        external
        view
        returns (bytes1, string memory, string memory, uint256, address, bytes32, uint256[] memory)
    {
        return (hex"0f", "MockAccount", "1.0.0", block.chainid, address(this), bytes32(0), new uint256[](0));
    }
}
