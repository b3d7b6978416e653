// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IEntryPoint} from "account-abstraction/interfaces/IEntryPoint.sol";
import {PackedUserOperation} from "account-abstraction/interfaces/PackedUserOperation.sol";
import {IValidator} from "../../../src/interfaces/IERC7579Module.sol";

/// @title MockMeeAccount
/// @notice Test-only ERC-7579-style account with one validator: forwards ERC-4337 validation to
/// it (paying the v0.7 prefund), executes single calls, routes ERC-1271 by a 20-byte validator
/// prefix and exposes the Nexus 1.2.0 EIP-712 domain.
contract MockMeeAccount {
    IEntryPoint public immutable entryPoint;
    address public validator;

    error NotAllowed();

    constructor(IEntryPoint entryPoint_, address validator_, bytes memory installData) payable {
        entryPoint = entryPoint_;
        validator = validator_;
        IValidator(validator_).onInstall(installData);
    }

    function validateUserOp(PackedUserOperation calldata userOp, bytes32 userOpHash, uint256 missingAccountFunds)
        external
        returns (uint256 validationData)
    {
        if (msg.sender != address(entryPoint)) revert NotAllowed();
        validationData = IValidator(validator).validateUserOp(userOp, userOpHash);
        if (missingAccountFunds != 0) {
            (bool ok,) = payable(msg.sender).call{value: missingAccountFunds}("");
            (ok);
        }
    }

    function execute(address to, uint256 value, bytes calldata data) external payable returns (bytes memory ret) {
        if (msg.sender != address(entryPoint) && msg.sender != address(this)) revert NotAllowed();
        bool ok;
        (ok, ret) = to.call{value: value}(data);
        if (!ok) {
            assembly {
                revert(add(ret, 0x20), mload(ret))
            }
        }
    }

    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        if (signature.length == 0) {
            try IValidator(validator).isValidSignatureWithSender(msg.sender, hash, signature) returns (bytes4 r) {
                return r;
            } catch {
                return 0xffffffff;
            }
        }
        if (signature.length < 20 || address(bytes20(signature[:20])) != validator) return 0xffffffff;
        try IValidator(validator).isValidSignatureWithSender(msg.sender, hash, signature[20:]) returns (bytes4 r) {
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
        return (hex"0f", "Nexus", "1.2.0", block.chainid, address(this), bytes32(0), new uint256[](0));
    }

    receive() external payable {}
}
