//! Nexus account deployment data for MEE 2.x: init data, bootstrap call, factory data and
//! userOp `initCode`.
//!
//! - `initData = abi.encode(address bootstrap, bytes bootstrapCall)`;
//! - `bootstrapCall = initNexusWithDefaultValidatorAndOtherModulesNoRegistry(owner (20 bytes),
//!   [], [], (address(0), bytes32(0)), [], [])`;
//! - `factoryData = createAccount(initData, bytes32(index))`;
//! - `initCode = factory ‖ factoryData`.

use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_sol_types::{SolCall, SolValue, sol};

use crate::addresses::MeeVersionAddresses;

sol! {
    /// A module and its init data, as the bootstrap takes it.
    #[derive(Debug, Default, PartialEq, Eq, Hash)]
    struct BootstrapConfig {
        /// The module.
        address module;
        /// Its init data.
        bytes data;
    }

    /// A pre-validation hook, as the bootstrap takes it.
    #[derive(Debug, Default, PartialEq, Eq, Hash)]
    struct BootstrapPreValidationHookConfig {
        /// The hook type (8 = ERC-1271, 9 = ERC-4337).
        uint256 hookType;
        /// The hook.
        address module;
        /// Its init data.
        bytes data;
    }

    /// The bootstrap and factory functions of account deployment.
    #[derive(Debug, PartialEq, Eq)]
    interface INexusDeployment {
        /// Initialises the default validator with `defaultValidatorInitData` and installs the
        /// other modules (MEE 2.x bootstrap).
        function initNexusWithDefaultValidatorAndOtherModulesNoRegistry(
            bytes defaultValidatorInitData,
            BootstrapConfig[] validators,
            BootstrapConfig[] executors,
            BootstrapConfig hook,
            BootstrapConfig[] fallbacks,
            BootstrapPreValidationHookConfig[] preValidationHooks
        ) external;
        /// Deploys an account (idempotent).
        function createAccount(bytes initData, bytes32 salt) external payable returns (address);
        /// The counterfactual address of an account.
        function computeAccountAddress(bytes initData, bytes32 salt) external view returns (address);
    }
}

/// The deployment data of a Nexus account owned by an EOA through the MEE validator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NexusDeployment {
    /// The contracts of the MEE version.
    pub version: MeeVersionAddresses,
    /// The owner EOA (the default validator's init data).
    pub owner: Address,
    /// The account index (the CREATE2 salt).
    pub index: U256,
}

impl NexusDeployment {
    /// The deployment of `owner`'s account number `index` under `version`.
    pub fn new(version: MeeVersionAddresses, owner: Address, index: U256) -> Self {
        Self {
            version,
            owner,
            index,
        }
    }

    /// The bootstrap call the account delegatecalls during initialisation.
    pub fn bootstrap_call(&self) -> Bytes {
        INexusDeployment::initNexusWithDefaultValidatorAndOtherModulesNoRegistryCall {
            defaultValidatorInitData: Bytes::copy_from_slice(self.owner.as_slice()),
            validators: Vec::new(),
            executors: Vec::new(),
            // The bootstrap skips a zero hook, but these 32 zero bytes are part of initData.
            hook: BootstrapConfig {
                module: Address::ZERO,
                data: B256::ZERO.to_vec().into(),
            },
            fallbacks: Vec::new(),
            preValidationHooks: Vec::new(),
        }
        .abi_encode()
        .into()
    }

    /// `abi.encode(bootstrap, bootstrapCall)`.
    pub fn init_data(&self) -> Bytes {
        (self.version.bootstrap, self.bootstrap_call())
            .abi_encode_params()
            .into()
    }

    /// The CREATE2 salt: `bytes32(index)`.
    pub fn salt(&self) -> B256 {
        B256::from(self.index)
    }

    /// `createAccount(initData, salt)`.
    pub fn factory_data(&self) -> Bytes {
        INexusDeployment::createAccountCall {
            initData: self.init_data(),
            salt: self.salt(),
        }
        .abi_encode()
        .into()
    }

    /// The factory address.
    pub fn factory(&self) -> Address {
        self.version.account_factory
    }

    /// `factory ‖ factoryData`, the userOp `initCode` of the account's first userOp.
    pub fn init_code(&self) -> Bytes {
        [self.factory().as_slice(), self.factory_data().as_ref()]
            .concat()
            .into()
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{address, hex};

    use super::*;
    use crate::addresses::MEE_2_0_0;

    #[test]
    fn selectors_match_the_deployed_contracts() {
        assert_eq!(
            INexusDeployment::initNexusWithDefaultValidatorAndOtherModulesNoRegistryCall::SELECTOR,
            hex!("41bede03")
        );
        assert_eq!(
            INexusDeployment::createAccountCall::SELECTOR,
            hex!("ea6d13ac")
        );
    }

    #[test]
    fn init_code_is_factory_then_factory_data() {
        let deployment = NexusDeployment::new(
            MEE_2_0_0,
            address!("0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A"),
            U256::from(1),
        );
        let init_code = deployment.init_code();
        assert_eq!(&init_code[..20], MEE_2_0_0.account_factory.as_slice());
        assert_eq!(&init_code[20..], deployment.factory_data().as_ref());
        assert_eq!(deployment.salt(), B256::with_last_byte(1));
    }
}
