//! Smart Sessions on a connected account: on-chain reads (enabled permissions, enable nonces,
//! session digests), the calls that prepare an account (install the module, let the MEE
//! validator accept it as a safe sender, enable sessions) and that revoke a permission, and
//! the off-chain grant with nonces and digests read from each chain.
//!
//! ```no_run
//! # async fn run(account: mee_sdk::account::MultichainAccount,
//! #              details: Vec<mee_sdk::primitives::SessionDetails>) -> mee_sdk::Result<()> {
//! let sessions = account.smart_sessions();
//! let enabled = sessions.check_enabled_permissions(&details).await?;
//! for (permission_id, chains) in &enabled {
//!     for (chain_id, on) in chains {
//!         println!("{permission_id} on {chain_id}: {on}");
//!     }
//! }
//! // Revoking is an instruction per chain, executed like any other.
//! let revoke = sessions.revoke(details[0].permission_id, [8453, 10])?;
//! assert_eq!(revoke.len(), 2);
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;

use alloy::{
    primitives::{Address, B256, Bytes, U256},
    signers::SignerSync,
    sol,
    sol_types::SolCall,
};
use mee_primitives::{
    ChainDigest, PermissionId, Session, SessionDetails, SmartSessionMode,
    addresses::SMART_SESSIONS,
    execution::{Call, ComposableExecution},
    session::{ISmartSession, multichain_digest},
};

use crate::{
    account::{IAccount, ModuleType, MultichainAccount},
    error::Result,
    instruction::{Instruction, Metadata},
    session::{GrantPermission, GrantSignature, PreparedSession, SaltSource, UnsignedGrant},
};

/// The metadata description of the module installation calls, as the SDK writes it.
pub const INSTALL_DESCRIPTION: &str = "Install smart sessions module";
/// The metadata description of the `enableSessions` calls, as the SDK writes it.
pub const ENABLE_DESCRIPTION: &str = "Enable smart sessions permissions";

sol! {
    /// The MEE validator's safe-sender registry.
    #[derive(Debug, PartialEq, Eq)]
    interface IMeeValidatorSafeSenders {
        /// Lets `sender` (a module of the account) have the validator check signatures for it.
        function addSafeSender(address sender) external;
    }
}

/// Smart Sessions on a [`MultichainAccount`] (see the module docs).
#[derive(Clone, Copy, Debug)]
pub struct SmartSessions<'a> {
    account: &'a MultichainAccount,
}

impl MultichainAccount {
    /// Smart Sessions on this account.
    pub fn smart_sessions(&self) -> SmartSessions<'_> {
        SmartSessions { account: self }
    }
}

/// What an account needs on one chain before sessions can be enabled there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ChainPreparation {
    /// The chain.
    pub chain_id: u64,
    /// Whether the account still has to be deployed (its first userOp carries the init code).
    pub deploy: bool,
    /// Whether the Smart Sessions module still has to be installed.
    pub install: bool,
}

impl SmartSessions<'_> {
    /// `SmartSession.isPermissionEnabled(permissionId, account)` on `chain_id`.
    pub async fn is_permission_enabled(
        &self,
        permission_id: PermissionId,
        chain_id: u64,
    ) -> Result<bool> {
        let account = self.account.address_on(chain_id)?;
        let call = ISmartSession::isPermissionEnabledCall {
            permissionId: permission_id.into_inner(),
            account,
        };
        self.account
            .rpc_on(chain_id)?
            .call_sol(chain_id, SMART_SESSIONS, &call)
            .await
    }

    /// Whether each session details entry is enabled on its chain:
    /// `{permissionId: {chainId: enabled}}`, as the SDK's `checkEnabledPermissions`.
    pub async fn check_enabled_permissions(
        &self,
        details: &[SessionDetails],
    ) -> Result<BTreeMap<PermissionId, BTreeMap<u64, bool>>> {
        let mut enabled: BTreeMap<PermissionId, BTreeMap<u64, bool>> = BTreeMap::new();
        for entry in details {
            let chain_id = entry.chain_id();
            let on = self
                .is_permission_enabled(entry.permission_id, chain_id)
                .await?;
            enabled
                .entry(entry.permission_id)
                .or_default()
                .insert(chain_id, on);
        }
        Ok(enabled)
    }

    /// `SmartSession.getNonce(permissionId, account)`: the enable nonce an owner signature
    /// for this permission must carry.
    pub async fn nonce(&self, permission_id: PermissionId, chain_id: u64) -> Result<U256> {
        let account = self.account.address_on(chain_id)?;
        let call = ISmartSession::getNonceCall {
            permissionId: permission_id.into_inner(),
            account,
        };
        self.account
            .rpc_on(chain_id)?
            .call_sol(chain_id, SMART_SESSIONS, &call)
            .await
    }

    /// `SmartSession.getSessionDigest(permissionId, account, session, mode)` on `chain_id`,
    /// with the session's own permission id.
    pub async fn session_digest(
        &self,
        chain_id: u64,
        session: &Session,
        mode: SmartSessionMode,
    ) -> Result<B256> {
        let account = self.account.address_on(chain_id)?;
        let call = ISmartSession::getSessionDigestCall {
            permissionId: session.permission_id().into_inner(),
            account,
            data: session.clone(),
            mode: mode.as_u8(),
        };
        self.account
            .rpc_on(chain_id)?
            .call_sol(chain_id, SMART_SESSIONS, &call)
            .await
    }

    /// `SmartSession.getPermissionId(session)` on `chain_id`.
    pub async fn permission_id(&self, chain_id: u64, session: &Session) -> Result<PermissionId> {
        let call = ISmartSession::getPermissionIdCall {
            session: session.clone(),
        };
        let id = self
            .account
            .rpc_on(chain_id)?
            .call_sol(chain_id, SMART_SESSIONS, &call)
            .await?;
        Ok(PermissionId::new(id))
    }

    /// Instructions removing `permission_id` from the account on each chain
    /// (`removeSession(permissionId)`, called by the account itself).
    pub fn revoke(
        &self,
        permission_id: PermissionId,
        chain_ids: impl IntoIterator<Item = u64>,
    ) -> Result<Vec<Instruction>> {
        let data: Bytes = ISmartSession::removeSessionCall {
            permissionId: permission_id.into_inner(),
        }
        .abi_encode()
        .into();
        self.per_chain(chain_ids, data, "Revoke smart sessions permission")
    }

    /// Instructions invalidating every outstanding owner enable signature of `permission_id`
    /// on each chain (`revokeEnableSignature(permissionId)`: the enable nonce goes up).
    pub fn revoke_enable_signature(
        &self,
        permission_id: PermissionId,
        chain_ids: impl IntoIterator<Item = u64>,
    ) -> Result<Vec<Instruction>> {
        let data: Bytes = ISmartSession::revokeEnableSignatureCall {
            permissionId: permission_id.into_inner(),
        }
        .abi_encode()
        .into();
        self.per_chain(chain_ids, data, "Revoke smart sessions enable signature")
    }

    fn per_chain(
        &self,
        chain_ids: impl IntoIterator<Item = u64>,
        data: Bytes,
        description: &str,
    ) -> Result<Vec<Instruction>> {
        chain_ids
            .into_iter()
            .map(|chain_id| {
                self.account.deployment_on(chain_id)?;
                Ok(Instruction::builder(chain_id)
                    .call(crate::instruction::InstructionCall::new(
                        SMART_SESSIONS,
                        data.clone(),
                    ))
                    .metadata(Metadata::custom(chain_id, description))
                    .build())
            })
            .collect()
    }

    /// The two calls that install Smart Sessions on the account on `chain_id`:
    /// `account.installModule(1, SMART_SESSIONS, 0x)` and
    /// `meeValidator.addSafeSender(SMART_SESSIONS)`.
    pub fn install_calls(&self, chain_id: u64) -> Result<[Call; 2]> {
        let deployment = self.account.deployment_on(chain_id)?;
        let install = IAccount::installModuleCall {
            moduleTypeId: ModuleType::Validator.id(),
            module: SMART_SESSIONS,
            initData: Bytes::new(),
        };
        let safe_sender = IMeeValidatorSafeSenders::addSafeSenderCall {
            sender: SMART_SESSIONS,
        };
        Ok([
            Call::new(deployment.address, install.abi_encode()),
            Call::new(deployment.version.mee_validator, safe_sender.abi_encode()),
        ])
    }

    /// What each chain needs before sessions can be enabled: the SDK's
    /// `prepareInstallSmartSessions` check. A chain where the account is deployed and Smart
    /// Sessions installed needs nothing and is left out; an undeployed account counts as not
    /// installed (no call is made).
    pub async fn plan_preparation(
        &self,
        chain_ids: impl IntoIterator<Item = u64>,
    ) -> Result<Vec<ChainPreparation>> {
        let mut plan = Vec::new();
        for chain_id in chain_ids {
            let deployed = self.account.is_deployed(chain_id).await?;
            let installed = deployed
                && self
                    .account
                    .is_module_installed(
                        chain_id,
                        ModuleType::Validator,
                        SMART_SESSIONS,
                        Bytes::new(),
                    )
                    .await?;
            if !installed {
                plan.push(ChainPreparation {
                    chain_id,
                    deploy: !deployed,
                    install: true,
                });
            }
        }
        Ok(plan)
    }

    /// The PREPARE instructions, one per chain in order of first appearance (as the SDK
    /// batches them): the module installation where `plan` asks for it, then the
    /// `enableSessions` calls of the prepared sessions, all as composable raw-calldata calls
    /// with the SDK's metadata.
    pub fn prepare_instructions(
        &self,
        plan: &[ChainPreparation],
        prepared: &[PreparedSession],
    ) -> Result<Vec<Instruction>> {
        let mut chain_ids: Vec<u64> = Vec::new();
        for chain_id in plan
            .iter()
            .map(|entry| entry.chain_id)
            .chain(prepared.iter().map(|entry| entry.chain_id))
        {
            if !chain_ids.contains(&chain_id) {
                chain_ids.push(chain_id);
            }
        }
        chain_ids
            .into_iter()
            .map(|chain_id| {
                let mut builder = Instruction::builder(chain_id);
                if plan
                    .iter()
                    .any(|entry| entry.chain_id == chain_id && entry.install)
                {
                    for call in self.install_calls(chain_id)? {
                        builder = builder
                            .composable(raw_composable(&call), None)
                            .metadata(Metadata::custom(chain_id, INSTALL_DESCRIPTION));
                    }
                }
                for session in prepared.iter().filter(|entry| entry.chain_id == chain_id) {
                    for call in &session.enable_calls {
                        builder = builder
                            .composable(raw_composable(call), None)
                            .metadata(Metadata::custom(chain_id, ENABLE_DESCRIPTION));
                    }
                }
                builder.try_build()
            })
            .collect()
    }

    /// Grants `grant` with one owner signature over all chains (the SDK's
    /// `grantMeePermission*`): the sessions are built with salts from `salts`, then each
    /// chain's enable nonce and `UNSAFE_ENABLE` session digest are read from the chain, and
    /// `signer` signs the multichain digest over them.
    pub async fn try_grant(
        &self,
        grant: &GrantPermission,
        salts: &mut impl SaltSource,
        signer: &impl SignerSync,
        kind: GrantSignature,
    ) -> Result<Vec<SessionDetails>> {
        let unsigned = self.unsigned_grant(grant, salts).await?;
        let signature = unsigned.sign(signer, kind)?;
        Ok(unsigned.into_details(signature))
    }

    /// [`Self::try_grant`] with random salts.
    pub async fn grant(
        &self,
        grant: &GrantPermission,
        signer: &impl SignerSync,
        kind: GrantSignature,
    ) -> Result<Vec<SessionDetails>> {
        self.try_grant(grant, &mut crate::session::RandomSalt, signer, kind)
            .await
    }

    /// The unsigned grant with each chain's enable nonce and session digest read from the
    /// chain (the owner can sign its [`UnsignedGrant::signing_hash`] elsewhere).
    pub async fn unsigned_grant(
        &self,
        grant: &GrantPermission,
        salts: &mut impl SaltSource,
    ) -> Result<UnsignedGrant> {
        let mut unsigned = grant.try_unsigned(self.account, salts)?;
        let mut digests = Vec::with_capacity(unsigned.sessions.len());
        for entry in &unsigned.sessions {
            let session = entry.to_session();
            // The nonce is read as the SDK does; the contract's digest already includes it.
            self.nonce(session.permission_id(), entry.chain_id).await?;
            let digest = self
                .session_digest(entry.chain_id, &session, SmartSessionMode::UNSAFE_ENABLE)
                .await?;
            digests.push(ChainDigest {
                chainId: entry.chain_id,
                sessionDigest: digest,
            });
        }
        unsigned.multichain_digest = multichain_digest(&digests);
        unsigned.chain_digests = digests;
        Ok(unsigned)
    }
}

/// A plain call as a composable call carrying its calldata (the SDK's `rawCalldata`).
fn raw_composable(call: &Call) -> ComposableExecution {
    ComposableExecution::raw_calldata(call.to, call.value, &call.data)
}

/// The address Smart Sessions is installed at (re-exported for convenience).
pub const SMART_SESSIONS_ADDRESS: Address = SMART_SESSIONS;
