//! ERC-4337 v0.7 userOps: the unpacked form the node and its API work with, the packed form the
//! EntryPoint takes, and the userOp hash.

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_sol_types::{SolValue, sol};

use crate::addresses::ENTRY_POINT_V07;

sol! {
    /// A userOp as the EntryPoint v0.7 takes it (`handleOps`, `getUserOpHash`).
    #[derive(Debug, Default, PartialEq, Eq)]
    struct PackedUserOperation {
        address sender;
        uint256 nonce;
        bytes initCode;
        bytes callData;
        bytes32 accountGasLimits;
        uint256 preVerificationGas;
        bytes32 gasFees;
        bytes paymasterAndData;
        bytes signature;
    }
}

/// The ERC-4337 hash of a userOp: what the account's validator signs or checks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UserOpHash(pub B256);

impl From<B256> for UserOpHash {
    fn from(hash: B256) -> Self {
        Self(hash)
    }
}

/// A v0.7 userOp with its fields unpacked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserOperation {
    /// The account.
    pub sender: Address,
    /// `key << 64 | sequence`.
    pub nonce: U256,
    /// The factory that deploys the account, when it is not deployed yet.
    pub factory: Option<Address>,
    /// The factory's calldata (only with `factory`).
    pub factory_data: Bytes,
    /// What the account executes.
    pub call_data: Bytes,
    /// Gas for the execution phase.
    pub call_gas_limit: u128,
    /// Gas for the validation phase (including deployment).
    pub verification_gas_limit: u128,
    /// Gas paid for but not metered (calldata, bundler overhead).
    pub pre_verification_gas: U256,
    /// EIP-1559 max fee per gas.
    pub max_fee_per_gas: u128,
    /// EIP-1559 max priority fee per gas.
    pub max_priority_fee_per_gas: u128,
    /// The paymaster, if one pays.
    pub paymaster: Option<Address>,
    /// Gas for the paymaster's validation.
    pub paymaster_verification_gas_limit: u128,
    /// Gas for the paymaster's `postOp`.
    pub paymaster_post_op_gas_limit: u128,
    /// Data for the paymaster.
    pub paymaster_data: Bytes,
    /// The signature the account's validator checks (not hashed).
    pub signature: Bytes,
}

/// `high << 128 | low` as 32 bytes.
fn pack_u128s(high: u128, low: u128) -> B256 {
    let mut out = [0u8; 32];
    out[..16].copy_from_slice(&high.to_be_bytes());
    out[16..].copy_from_slice(&low.to_be_bytes());
    B256::from(out)
}

impl UserOperation {
    /// `factory ‖ factoryData`, or empty.
    pub fn init_code(&self) -> Bytes {
        match self.factory {
            Some(factory) => [factory.as_slice(), &self.factory_data].concat().into(),
            None => Bytes::new(),
        }
    }

    /// `verificationGasLimit << 128 | callGasLimit`.
    pub fn account_gas_limits(&self) -> B256 {
        pack_u128s(self.verification_gas_limit, self.call_gas_limit)
    }

    /// `maxPriorityFeePerGas << 128 | maxFeePerGas`.
    pub fn gas_fees(&self) -> B256 {
        pack_u128s(self.max_priority_fee_per_gas, self.max_fee_per_gas)
    }

    /// `paymaster ‖ uint128 verificationGas ‖ uint128 postOpGas ‖ paymasterData`, or empty.
    pub fn paymaster_and_data(&self) -> Bytes {
        match self.paymaster {
            Some(paymaster) => [
                paymaster.as_slice(),
                &self.paymaster_verification_gas_limit.to_be_bytes(),
                &self.paymaster_post_op_gas_limit.to_be_bytes(),
                &self.paymaster_data,
            ]
            .concat()
            .into(),
            None => Bytes::new(),
        }
    }

    /// The packed form the EntryPoint takes.
    pub fn pack(&self) -> PackedUserOperation {
        PackedUserOperation {
            sender: self.sender,
            nonce: self.nonce,
            initCode: self.init_code(),
            callData: self.call_data.clone(),
            accountGasLimits: self.account_gas_limits(),
            preVerificationGas: self.pre_verification_gas,
            gasFees: self.gas_fees(),
            paymasterAndData: self.paymaster_and_data(),
            signature: self.signature.clone(),
        }
    }

    /// The v0.7 userOp hash on `chain_id` for the canonical EntryPoint.
    pub fn hash(&self, chain_id: u64) -> UserOpHash {
        self.pack().hash(ENTRY_POINT_V07, chain_id)
    }

    /// The most the userOp can cost in wei: all gas limits at `maxFeePerGas`.
    pub fn max_cost(&self) -> U256 {
        let gas = U256::from(self.call_gas_limit)
            + U256::from(self.verification_gas_limit)
            + U256::from(self.paymaster_verification_gas_limit)
            + U256::from(self.paymaster_post_op_gas_limit)
            + self.pre_verification_gas;
        gas * U256::from(self.max_fee_per_gas)
    }
}

impl PackedUserOperation {
    /// `keccak256(abi.encode(keccak256(abi.encode(sender, nonce, keccak256(initCode),
    /// keccak256(callData), accountGasLimits, preVerificationGas, gasFees,
    /// keccak256(paymasterAndData))), entryPoint, chainId))`. The signature is not hashed.
    pub fn hash(&self, entry_point: Address, chain_id: u64) -> UserOpHash {
        let inner = keccak256(
            (
                self.sender,
                self.nonce,
                keccak256(&self.initCode),
                keccak256(&self.callData),
                self.accountGasLimits,
                self.preVerificationGas,
                self.gasFees,
                keccak256(&self.paymasterAndData),
            )
                .abi_encode(),
        );
        UserOpHash(keccak256(
            (inner, entry_point, U256::from(chain_id)).abi_encode(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::address;

    use super::*;

    #[test]
    fn packs_gas_fields_high_then_low() {
        let op = UserOperation {
            call_gas_limit: 0x0aae60,
            verification_gas_limit: 0x0249f0,
            max_fee_per_gas: 2,
            max_priority_fee_per_gas: 1,
            ..Default::default()
        };
        assert_eq!(
            op.account_gas_limits().to_string(),
            "0x000000000000000000000000000249f0000000000000000000000000000aae60"
        );
        assert_eq!(op.gas_fees().0[15], 1);
        assert_eq!(op.gas_fees().0[31], 2);
    }

    #[test]
    fn init_code_and_paymaster_data_are_empty_without_factory_or_paymaster() {
        let mut op = UserOperation {
            factory_data: Bytes::from_static(&[1, 2]),
            ..Default::default()
        };
        assert!(op.init_code().is_empty());
        assert!(op.paymaster_and_data().is_empty());
        op.paymaster = Some(address!("0x0000000000000000000000000000000000c0ffee"));
        op.paymaster_verification_gas_limit = 1;
        op.paymaster_post_op_gas_limit = 2;
        let pmd = op.paymaster_and_data();
        assert_eq!(pmd.len(), 52);
        assert_eq!(pmd[35], 1);
        assert_eq!(pmd[51], 2);
    }

    #[test]
    fn max_cost_sums_every_gas_limit() {
        let op = UserOperation {
            call_gas_limit: 1,
            verification_gas_limit: 2,
            paymaster_verification_gas_limit: 3,
            paymaster_post_op_gas_limit: 4,
            pre_verification_gas: U256::from(5),
            max_fee_per_gas: 10,
            ..Default::default()
        };
        assert_eq!(op.max_cost(), U256::from(150));
    }
}
