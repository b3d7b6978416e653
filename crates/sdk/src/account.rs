//! The multichain account: one Nexus deployment per chain, with an optional RPC connection per
//! chain for the reads the flows need.
//!
//! [`MultichainAccount::at`] describes an account offline (enough for building sessions).
//! [`MultichainAccount::builder`] connects it: per chain a [`ChainConfig`] with the chain id,
//! an RPC endpoint and the MEE version, and the account address either asked from the
//! factory (`AccountFactory.computeAccountAddress(initData, salt)` by `eth_call`, as the SDK
//! does), given explicitly (a session signer working on the owner's account), or the signer's
//! own address (EIP-7702 mode).
//!
//! ```no_run
//! # async fn run() -> mee_sdk::Result<()> {
//! use alloy::primitives::address;
//! use mee_sdk::account::{ChainConfig, MultichainAccount};
//!
//! let owner = address!("0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A");
//! let account = MultichainAccount::builder()
//!     .signer(owner)
//!     .chain(ChainConfig::new(8453).rpc_url("http://127.0.0.1:8545"))
//!     .chain(ChainConfig::new(10).rpc_url("http://127.0.0.1:8546"))
//!     .connect()
//!     .await?;
//! if !account.is_deployed(8453).await? {
//!     let init_code = account.init_code(8453).await?;
//!     assert!(init_code.is_some());
//! }
//! # Ok(()) }
//! ```

use alloy::{
    primitives::{Address, Bytes, U256},
    sol,
};
use mee_primitives::{
    account::{INexusDeployment, NexusDeployment},
    addresses::{ENTRY_POINT_V07, MEE_2_0_0, MeeVersionAddresses},
    nonce::{NonceKey, ValidationMode},
};

use crate::{
    clock::Clock,
    error::{Error, Result},
    rpc::{Rpc, connect_http},
};

sol! {
    /// The account functions the SDK calls or encodes.
    #[derive(Debug, PartialEq, Eq)]
    interface IAccount {
        /// Installs an ERC-7579 module.
        function installModule(uint256 moduleTypeId, address module, bytes initData) external payable;
        /// Uninstalls an ERC-7579 module.
        function uninstallModule(uint256 moduleTypeId, address module, bytes deInitData) external payable;
        /// Whether a module is installed.
        function isModuleInstalled(uint256 moduleTypeId, address module, bytes additionalContext) external view returns (bool);
        /// The account implementation's id.
        function accountId() external view returns (string);
    }

    /// The EntryPoint v0.7 nonce view.
    #[derive(Debug, PartialEq, Eq)]
    interface IEntryPointNonces {
        /// `key << 64 | sequence` of the sender's next userOp with that key.
        function getNonce(address sender, uint192 key) external view returns (uint256 nonce);
    }
}

/// ERC-7579 module types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ModuleType {
    /// A validator (type 1).
    Validator = 1,
    /// An executor (type 2).
    Executor = 2,
    /// A fallback handler (type 3).
    Fallback = 3,
    /// A hook (type 4).
    Hook = 4,
}

impl ModuleType {
    /// The module type id as the account takes it.
    pub fn id(self) -> U256 {
        U256::from(self as u8)
    }
}

/// The account on one chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deployment {
    /// The chain.
    pub chain_id: u64,
    /// The account address on that chain.
    pub address: Address,
    /// The MEE version (contract set) on that chain.
    pub version: MeeVersionAddresses,
    /// How the account is deployed when it is not yet (known when the account address comes
    /// from the factory).
    pub init: Option<NexusDeployment>,
    /// The chain's RPC connection, if any.
    pub rpc: Option<Rpc>,
}

impl Deployment {
    /// The account at `address` on `chain_id` under `version`, without RPC or init data.
    pub fn new(chain_id: u64, address: Address, version: MeeVersionAddresses) -> Self {
        Self {
            chain_id,
            address,
            version,
            init: None,
            rpc: None,
        }
    }

    /// The chain's RPC connection.
    pub fn rpc(&self) -> Result<&Rpc> {
        self.rpc.as_ref().ok_or(Error::NoRpc(self.chain_id))
    }
}

/// An account on several chains, usually at the same address.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MultichainAccount {
    deployments: Vec<Deployment>,
    signer: Option<Address>,
}

/// Where a chain's RPC comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
enum RpcSource {
    None,
    Url(String),
    Client(Rpc),
}

/// One chain of a [`MultichainAccountBuilder`]: chain id, RPC endpoint, MEE version and,
/// optionally, the account address (the SDK's `chainConfigurations[i]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainConfig {
    chain_id: u64,
    rpc: RpcSource,
    version: MeeVersionAddresses,
    account_address: Option<Address>,
}

impl ChainConfig {
    /// Chain `chain_id` under MEE 2.0.0, without RPC.
    pub fn new(chain_id: u64) -> Self {
        Self {
            chain_id,
            rpc: RpcSource::None,
            version: MEE_2_0_0,
            account_address: None,
        }
    }

    /// The chain's JSON-RPC URL (HTTP).
    pub fn rpc_url(mut self, url: impl Into<String>) -> Self {
        self.rpc = RpcSource::Url(url.into());
        self
    }

    /// A ready RPC connection (an alloy provider or any [`crate::rpc::ChainRpc`]).
    pub fn rpc(mut self, rpc: impl Into<Rpc>) -> Self {
        self.rpc = RpcSource::Client(rpc.into());
        self
    }

    /// The MEE version on this chain (default 2.0.0).
    pub fn version(mut self, version: MeeVersionAddresses) -> Self {
        self.version = version;
        self
    }

    /// The account address on this chain, instead of asking the factory (e.g. the owner's
    /// account when the signer is a session key).
    pub fn account_address(mut self, address: Address) -> Self {
        self.account_address = Some(address);
        self
    }
}

/// Builder of a connected [`MultichainAccount`] (the SDK's `toMultichainNexusAccount`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MultichainAccountBuilder {
    signer: Option<Address>,
    index: u64,
    chains: Vec<ChainConfig>,
    eip7702: bool,
}

impl MultichainAccountBuilder {
    /// No chains, account index 0.
    pub fn new() -> Self {
        Self::default()
    }

    /// The signer's address: the owner EOA (the default validator's data), or a session key
    /// when every chain's account address is given.
    pub fn signer(mut self, signer: Address) -> Self {
        self.signer = Some(signer);
        self
    }

    /// The account index (the factory salt, default 0).
    pub fn index(mut self, index: u64) -> Self {
        self.index = index;
        self
    }

    /// Adds (or replaces) a chain.
    pub fn chain(mut self, chain: ChainConfig) -> Self {
        self.chains
            .retain(|existing| existing.chain_id != chain.chain_id);
        self.chains.push(chain);
        self
    }

    /// Adds chains.
    pub fn chains(self, chains: impl IntoIterator<Item = ChainConfig>) -> Self {
        chains.into_iter().fold(self, Self::chain)
    }

    /// EIP-7702 mode: the account is the signer's EOA itself on every chain without an explicit
    /// address.
    pub fn eip7702(mut self, eip7702: bool) -> Self {
        self.eip7702 = eip7702;
        self
    }

    /// Connects every chain and resolves the account addresses (one `eth_call` per chain whose
    /// address comes from the factory).
    pub async fn connect(self) -> Result<MultichainAccount> {
        let mut account = MultichainAccount {
            deployments: Vec::with_capacity(self.chains.len()),
            signer: self.signer,
        };
        for chain in self.chains {
            let rpc = match chain.rpc {
                RpcSource::None => None,
                RpcSource::Url(url) => Some(connect_http(chain.chain_id, &url)?),
                RpcSource::Client(rpc) => Some(rpc),
            };
            let init = match (self.signer, self.eip7702) {
                (Some(owner), false) => Some(NexusDeployment::new(
                    chain.version,
                    owner,
                    U256::from(self.index),
                )),
                _ => None,
            };
            let address = match (chain.account_address, self.eip7702) {
                (Some(address), _) => address,
                (None, true) => self.signer.ok_or(Error::MissingSigner)?,
                (None, false) => {
                    let init = init.as_ref().ok_or(Error::MissingSigner)?;
                    let rpc = rpc.as_ref().ok_or(Error::NoRpc(chain.chain_id))?;
                    compute_account_address(rpc, chain.chain_id, init).await?
                }
            };
            // As in the SDK, the deployment data follows from the signer even when the address is
            // given; it is only used while the account has no code.
            account.deployments.push(Deployment {
                chain_id: chain.chain_id,
                address,
                version: chain.version,
                init,
                rpc,
            });
        }
        Ok(account)
    }
}

/// `AccountFactory.computeAccountAddress(initData, salt)` on a chain.
pub async fn compute_account_address(
    rpc: &Rpc,
    chain_id: u64,
    deployment: &NexusDeployment,
) -> Result<Address> {
    let call = INexusDeployment::computeAccountAddressCall {
        initData: deployment.init_data(),
        salt: deployment.salt(),
    };
    let address = rpc.call_sol(chain_id, deployment.factory(), &call).await?;
    if address.is_zero() {
        return Err(Error::ZeroAccountAddress(chain_id));
    }
    Ok(address)
}

impl MultichainAccount {
    /// An account with no chains yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder of a connected account.
    pub fn builder() -> MultichainAccountBuilder {
        MultichainAccountBuilder::new()
    }

    /// The account at `address` on each of `chain_ids`, under MEE 2.0.0, offline.
    pub fn at(address: Address, chain_ids: impl IntoIterator<Item = u64>) -> Self {
        chain_ids
            .into_iter()
            .fold(Self::new(), |account, chain_id| {
                account.with_deployment(Deployment::new(chain_id, address, MEE_2_0_0))
            })
    }

    /// Adds (or replaces) the deployment on a chain.
    pub fn with_deployment(mut self, deployment: Deployment) -> Self {
        self.deployments
            .retain(|existing| existing.chain_id != deployment.chain_id);
        self.deployments.push(deployment);
        self
    }

    /// Sets the signer's address (the EOA that signs quotes: the owner or a session key).
    pub fn with_signer(mut self, signer: Address) -> Self {
        self.signer = Some(signer);
        self
    }

    /// The signer's address, if known.
    pub fn signer(&self) -> Option<Address> {
        self.signer
    }

    /// The deployments, in the order they were added.
    pub fn deployments(&self) -> &[Deployment] {
        &self.deployments
    }

    /// The chain ids, in order.
    pub fn chain_ids(&self) -> Vec<u64> {
        self.deployments.iter().map(|d| d.chain_id).collect()
    }

    /// The deployment on `chain_id`.
    pub fn deployment_on(&self, chain_id: u64) -> Result<&Deployment> {
        self.deployments
            .iter()
            .find(|deployment| deployment.chain_id == chain_id)
            .ok_or(Error::UnknownChain(chain_id))
    }

    /// The account address on `chain_id`.
    pub fn address_on(&self, chain_id: u64) -> Result<Address> {
        Ok(self.deployment_on(chain_id)?.address)
    }

    /// The RPC connection of `chain_id`.
    pub fn rpc_on(&self, chain_id: u64) -> Result<&Rpc> {
        self.deployment_on(chain_id)?.rpc()
    }

    /// Whether the account has code on `chain_id` (`eth_getCode != 0x`).
    pub async fn is_deployed(&self, chain_id: u64) -> Result<bool> {
        let deployment = self.deployment_on(chain_id)?;
        let code = deployment.rpc()?.code(chain_id, deployment.address).await?;
        Ok(!code.is_empty())
    }

    /// Whether `module` is installed as `module_type` (`isModuleInstalled` by `eth_call`). An
    /// account without code has no modules: that is `false` without a call.
    pub async fn is_module_installed(
        &self,
        chain_id: u64,
        module_type: ModuleType,
        module: Address,
        context: Bytes,
    ) -> Result<bool> {
        if !self.is_deployed(chain_id).await? {
            return Ok(false);
        }
        let deployment = self.deployment_on(chain_id)?;
        let call = IAccount::isModuleInstalledCall {
            moduleTypeId: module_type.id(),
            module,
            additionalContext: context,
        };
        deployment
            .rpc()?
            .call_sol(chain_id, deployment.address, &call)
            .await
    }

    /// The init code (`factory ‖ createAccount(initData, salt)`) the first userOp on
    /// `chain_id` must carry: `None` when the account is deployed. An undeployed account given
    /// by address has no known init code.
    pub async fn init_code(&self, chain_id: u64) -> Result<Option<Bytes>> {
        if self.is_deployed(chain_id).await? {
            return Ok(None);
        }
        self.offline_init_code(chain_id).map(Some)
    }

    /// The init code of the account on `chain_id`, without checking whether it is deployed.
    pub fn offline_init_code(&self, chain_id: u64) -> Result<Bytes> {
        self.deployment_on(chain_id)?
            .init
            .as_ref()
            .map(NexusDeployment::init_code)
            .ok_or(Error::NoInitCode(chain_id))
    }

    /// `EntryPoint.getNonce(account, key)`: the full nonce (`key << 64 | sequence`) of the
    /// account's next userOp with `key`.
    pub async fn nonce(&self, chain_id: u64, key: NonceKey) -> Result<U256> {
        let deployment = self.deployment_on(chain_id)?;
        let call = IEntryPointNonces::getNonceCall {
            sender: deployment.address,
            key: key.to_u192(),
        };
        deployment
            .rpc()?
            .call_sol(chain_id, ENTRY_POINT_V07, &call)
            .await
    }

    /// A fresh nonce key for `validator` (`address(0)` = the default validator, or the Smart
    /// Sessions address in session quotes) from `clock`, and the account's nonce under it.
    pub async fn next_nonce(
        &self,
        chain_id: u64,
        validator: Address,
        clock: &dyn Clock,
    ) -> Result<(NonceKey, U256)> {
        let key = NonceKey::from_millis(clock.now_millis(), ValidationMode::Validation, validator);
        let nonce = self.nonce(chain_id, key).await?;
        Ok((key, nonce))
    }

    /// `accountId()` of the account implementation on `chain_id`.
    pub async fn account_id(&self, chain_id: u64) -> Result<String> {
        let deployment = self.deployment_on(chain_id)?;
        deployment
            .rpc()?
            .call_sol(
                chain_id,
                deployment.version.account_implementation,
                &IAccount::accountIdCall {},
            )
            .await
    }
}

/// The deployment data (init code) of `owner`'s account number `index` on a chain of
/// `version`.
pub fn nexus_deployment(
    version: MeeVersionAddresses,
    owner: Address,
    index: u64,
) -> NexusDeployment {
    NexusDeployment::new(version, owner, U256::from(index))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use alloy::{primitives::address, sol_types::SolCall, transports::TransportError};

    use super::*;
    use crate::rpc::ChainRpc;

    const OWNER: Address = address!("0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A");
    const ACCOUNT: Address = address!("0x50255639C0e4d184cEBFF9Ea78F3055283290700");

    /// A chain where the factory answers with a fixed address and one account has code.
    #[derive(Debug)]
    struct FakeChain {
        computed: Address,
        deployed: Option<Address>,
    }

    #[async_trait::async_trait]
    impl ChainRpc for FakeChain {
        async fn call(&self, to: Address, data: Bytes) -> Result<Bytes, TransportError> {
            if to == MEE_2_0_0.account_factory
                && data.starts_with(&INexusDeployment::computeAccountAddressCall::SELECTOR)
            {
                return Ok(
                    INexusDeployment::computeAccountAddressCall::abi_encode_returns(&self.computed)
                        .into(),
                );
            }
            if to == ENTRY_POINT_V07 {
                let call = IEntryPointNonces::getNonceCall::abi_decode(&data).unwrap();
                let nonce = (U256::from(call.key) << 64) | U256::from(7);
                return Ok(IEntryPointNonces::getNonceCall::abi_encode_returns(&nonce).into());
            }
            if Some(to) == self.deployed {
                let call = IAccount::isModuleInstalledCall::abi_decode(&data).unwrap();
                let installed = call.moduleTypeId == U256::from(1);
                return Ok(IAccount::isModuleInstalledCall::abi_encode_returns(&installed).into());
            }
            Err(alloy::transports::TransportErrorKind::custom_str(
                "unexpected call",
            ))
        }

        async fn code(&self, address: Address) -> Result<Bytes, TransportError> {
            Ok(if Some(address) == self.deployed {
                Bytes::from_static(&[0x60])
            } else {
                Bytes::new()
            })
        }
    }

    /// A chain whose every request fails.
    #[derive(Debug)]
    struct Down;

    #[async_trait::async_trait]
    impl ChainRpc for Down {
        async fn call(&self, _: Address, _: Bytes) -> Result<Bytes, TransportError> {
            Err(alloy::transports::TransportErrorKind::custom_str(
                "connection refused",
            ))
        }

        async fn code(&self, _: Address) -> Result<Bytes, TransportError> {
            Err(alloy::transports::TransportErrorKind::custom_str(
                "connection refused",
            ))
        }
    }

    fn fake(computed: Address, deployed: Option<Address>) -> Rpc {
        Rpc(Arc::new(FakeChain { computed, deployed }))
    }

    #[test]
    fn unknown_chains_are_errors() {
        let account = MultichainAccount::at(ACCOUNT, [8453, 10]);
        assert_eq!(account.deployments().len(), 2);
        assert!(account.address_on(10).is_ok());
        assert!(matches!(
            account.deployment_on(1),
            Err(Error::UnknownChain(1))
        ));
        assert!(matches!(account.rpc_on(10), Err(Error::NoRpc(10))));
        assert!(matches!(
            account.offline_init_code(10),
            Err(Error::NoInitCode(10))
        ));
    }

    #[tokio::test]
    async fn addresses_come_from_the_factory_or_the_configuration() {
        let account = MultichainAccount::builder()
            .signer(OWNER)
            .chain(ChainConfig::new(8453).rpc(fake(ACCOUNT, None)))
            .chain(
                ChainConfig::new(10)
                    .rpc(fake(Address::ZERO, Some(OWNER)))
                    .account_address(OWNER),
            )
            .connect()
            .await
            .unwrap();
        assert_eq!(account.address_on(8453).unwrap(), ACCOUNT);
        assert_eq!(account.address_on(10).unwrap(), OWNER);
        assert!(!account.is_deployed(8453).await.unwrap());
        assert!(account.is_deployed(10).await.unwrap());
        let init_code = account.init_code(8453).await.unwrap().unwrap();
        assert_eq!(init_code, nexus_deployment(MEE_2_0_0, OWNER, 0).init_code());
        assert_eq!(account.init_code(10).await.unwrap(), None);
        // Undeployed: no modules and no call.
        assert!(
            !account
                .is_module_installed(8453, ModuleType::Validator, OWNER, Bytes::new())
                .await
                .unwrap()
        );
        assert!(
            account
                .is_module_installed(10, ModuleType::Validator, OWNER, Bytes::new())
                .await
                .unwrap()
        );
        let clock = crate::clock::SteppingClock::new(16_777_215 + 5);
        let (key, nonce) = account.next_nonce(8453, OWNER, &clock).await.unwrap();
        assert_eq!(key.key_part, 5);
        assert_eq!(nonce, key.nonce(7));
    }

    #[tokio::test]
    async fn factory_errors_are_typed() {
        let zero = MultichainAccount::builder()
            .signer(OWNER)
            .chain(ChainConfig::new(8453).rpc(fake(Address::ZERO, None)))
            .connect()
            .await;
        assert!(matches!(zero, Err(Error::ZeroAccountAddress(8453))));
        let no_signer = MultichainAccount::builder()
            .chain(ChainConfig::new(8453).rpc(fake(ACCOUNT, None)))
            .connect()
            .await;
        assert!(matches!(no_signer, Err(Error::MissingSigner)));
        let no_rpc = MultichainAccount::builder()
            .signer(OWNER)
            .chain(ChainConfig::new(10))
            .connect()
            .await;
        assert!(matches!(no_rpc, Err(Error::NoRpc(10))));
        let bad_url = MultichainAccount::builder()
            .signer(OWNER)
            .chain(ChainConfig::new(10).rpc_url("not a url"))
            .connect()
            .await;
        assert!(matches!(
            bad_url,
            Err(Error::BadRpcUrl { chain_id: 10, .. })
        ));
        let eip7702 = MultichainAccount::builder()
            .signer(OWNER)
            .eip7702(true)
            .chain(ChainConfig::new(10).rpc(Arc::new(Down)))
            .connect()
            .await
            .unwrap();
        assert_eq!(eip7702.address_on(10).unwrap(), OWNER);
        assert!(matches!(
            eip7702.offline_init_code(10),
            Err(Error::NoInitCode(10))
        ));
        let rpc_failure = eip7702.nonce(10, NonceKey::default()).await;
        assert!(matches!(rpc_failure, Err(Error::Rpc { chain_id: 10, .. })));
        assert!(rpc_failure.unwrap_err().is_retryable());
    }
}
