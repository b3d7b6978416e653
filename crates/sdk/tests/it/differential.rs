//! Differential tests on the devnet: the SDK's offline Smart Sessions encodings (permission
//! ids, action ids, session digests in every mode, the multichain digest) against the
//! contracts' own views, for an account deployed through the factory on two chains.
//!
//! The account calls Smart Sessions itself: the tests impersonate it on anvil, which is the
//! account calling, as in a userOp's execution phase.

use std::collections::BTreeSet;

use alloy::{
    primitives::{Address, B256, Bytes, U256, address, b256, keccak256},
    providers::{DynProvider, Provider, ext::AnvilApi},
    rpc::types::TransactionRequest,
    sol,
    sol_types::SolCall,
};
use mee_devnet::Devnet;
use mee_sdk::{
    account::{ChainConfig, ModuleType, MultichainAccount, nexus_deployment},
    action::{CustomAction, Erc20Action, SessionAction},
    instruction::{Calls, Instruction},
    payment::FeeToken,
    policy::{Policy, Rule, UniversalPolicy},
    primitives::{
        ActionId, PermissionId, Session, SmartSessionMode,
        account::INexusDeployment,
        addresses::{DEVNET_USDC, MEE_2_0_0, SMART_SESSIONS},
        session::{ChainDigest, ISmartSession, multichain_digest, session_digest},
    },
    session::{EnableSessions, GrantPermission, PreparedSession, SaltSource},
    smart_sessions::ChainPreparation,
};

sol! {
    /// The Smart Sessions view listing a permission's enabled action ids.
    interface ISmartSessionViews {
        function getEnabledActions(address account, bytes32 permissionId) external view returns (bytes32[]);
    }
}

const CHAINS: [u64; 2] = [8453, 10];
const COUNTER: Address = address!("0xC0FFEE0000000000000000000000000000000003");
const ALICE: Address = address!("0xA11CE00000000000000000000000000000000001");
const REDEEMER: Address = address!("0x1563915e194D8CfBA1943570603F7606A3115508");
/// The action id of `transfer` on USDC (Base's address, which the devnet shares).
const USDC_TRANSFER_ACTION_ID: B256 =
    b256!("0x7ff5e760a190b87478a7184809cb1ad6b0f3f74bd383c0856cd634b47d18bf22");
const MODES: [SmartSessionMode; 3] = [
    SmartSessionMode::USE,
    SmartSessionMode::ENABLE,
    SmartSessionMode::UNSAFE_ENABLE,
];

/// Salts `keccak256(label ‖ i)`.
fn salts(label: &str) -> impl SaltSource {
    let label = label.to_owned();
    let mut counter = 0u8;
    move || {
        counter += 1;
        keccak256([label.as_bytes(), &[counter]].concat())
    }
}

struct Fixture {
    devnet: Devnet,
    account: MultichainAccount,
    owner: Address,
}

impl Fixture {
    fn provider(&self, chain_id: u64) -> DynProvider {
        self.devnet
            .chain(chain_id)
            .expect("devnet chain")
            .provider()
    }

    /// Sends `data` to `to` from `from` (unlocked or impersonated) and requires success.
    async fn send(&self, chain_id: u64, from: Address, to: Address, data: Bytes) {
        let provider = self.provider(chain_id);
        let tx = TransactionRequest::default()
            .from(from)
            .to(to)
            .input(data.into())
            .gas_limit(8_000_000);
        let receipt = provider
            .send_transaction(tx)
            .await
            .expect("transaction accepted")
            .get_receipt()
            .await
            .expect("receipt");
        assert!(
            receipt.status(),
            "transaction to {to} on {chain_id} reverted"
        );
    }

    /// Runs `instruction`'s plain calls as the account itself.
    async fn run_as_account(&self, instruction: &Instruction) {
        let account = self.account.address_on(instruction.chain_id).unwrap();
        let Calls::Plain(calls) = &instruction.calls else {
            panic!("plain calls expected");
        };
        for call in calls {
            self.send(instruction.chain_id, account, call.to, call.data.clone())
                .await;
        }
    }

    async fn enable(&self, prepared: &PreparedSession) {
        let account = self.account.address_on(prepared.chain_id).unwrap();
        for call in &prepared.enable_calls {
            self.send(prepared.chain_id, account, call.to, call.data.clone())
                .await;
        }
    }

    async fn enabled_actions(&self, chain_id: u64, permission_id: PermissionId) -> BTreeSet<B256> {
        let call = ISmartSessionViews::getEnabledActionsCall {
            account: self.account.address_on(chain_id).unwrap(),
            permissionId: permission_id.into_inner(),
        };
        self.account
            .rpc_on(chain_id)
            .unwrap()
            .call_sol(chain_id, SMART_SESSIONS, &call)
            .await
            .unwrap()
            .into_iter()
            .collect()
    }

    /// Permission id, action ids and the session digest in every mode, Rust against the
    /// contract, at the account's current enable nonce `nonce`.
    async fn compare_session(&self, chain_id: u64, session: &Session, nonce: U256) {
        let sessions = self.account.smart_sessions();
        let permission_id = session.permission_id();
        assert_eq!(
            sessions.permission_id(chain_id, session).await.unwrap(),
            permission_id,
            "permission id on {chain_id}"
        );
        assert_eq!(
            sessions.nonce(permission_id, chain_id).await.unwrap(),
            nonce,
            "enable nonce on {chain_id}"
        );
        let account = self.account.address_on(chain_id).unwrap();
        for mode in MODES {
            assert_eq!(
                sessions
                    .session_digest(chain_id, session, mode)
                    .await
                    .unwrap(),
                session_digest(account, session, mode, nonce),
                "session digest on {chain_id}, mode {}, nonce {nonce}",
                mode.as_u8()
            );
        }
    }
}

async fn fixture(index: u64) -> Fixture {
    let devnet = Devnet::builder()
        .chain_ids(CHAINS)
        .spawn()
        .await
        .expect("devnet starts");
    let owner = devnet.test_keys()[0].address;
    let chains = CHAINS
        .map(|chain_id| ChainConfig::new(chain_id).rpc(devnet.chain(chain_id).unwrap().provider()));
    let account = MultichainAccount::builder()
        .signer(owner)
        .index(index)
        .chains(chains)
        .connect()
        .await
        .expect("account addresses from the factory");
    Fixture {
        devnet,
        account,
        owner,
    }
}

/// Deploys the account through the factory (permissionless, from the owner's test key), gives
/// it ETH and lets it send transactions through anvil.
async fn deploy(fixture: &Fixture, index: u64) {
    let deployment = nexus_deployment(MEE_2_0_0, fixture.owner, index);
    for chain_id in CHAINS {
        let call = INexusDeployment::createAccountCall {
            initData: deployment.init_data(),
            salt: deployment.salt(),
        };
        fixture
            .send(
                chain_id,
                fixture.owner,
                MEE_2_0_0.account_factory,
                call.abi_encode().into(),
            )
            .await;
        let account = fixture.account.address_on(chain_id).unwrap();
        let provider = fixture.provider(chain_id);
        provider.anvil_impersonate_account(account).await.unwrap();
        provider
            .anvil_set_balance(account, U256::from(10u64).pow(U256::from(18)))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn account_preparation_follows_the_chain_state() {
    let fixture = fixture(3).await;
    let sessions = fixture.account.smart_sessions();
    let address = fixture.account.address_on(8453).unwrap();
    assert_eq!(fixture.account.address_on(10).unwrap(), address);

    // Undeployed: deploy and install everywhere, init code from the factory data.
    assert!(!fixture.account.is_deployed(8453).await.unwrap());
    assert_eq!(
        sessions.plan_preparation(CHAINS).await.unwrap(),
        CHAINS.map(|chain_id| ChainPreparation {
            chain_id,
            deploy: true,
            install: true
        })
    );
    assert_eq!(
        fixture.account.init_code(10).await.unwrap(),
        Some(nexus_deployment(MEE_2_0_0, fixture.owner, 3).init_code())
    );

    deploy(&fixture, 3).await;
    assert!(fixture.account.is_deployed(8453).await.unwrap());
    assert_eq!(fixture.account.init_code(8453).await.unwrap(), None);
    assert_eq!(
        fixture.account.account_id(10).await.unwrap(),
        MEE_2_0_0.account_id
    );
    // Deployed, but Smart Sessions is not installed yet.
    assert!(
        !fixture
            .account
            .is_module_installed(8453, ModuleType::Validator, SMART_SESSIONS, Bytes::new())
            .await
            .unwrap()
    );
    let plan = sessions.plan_preparation(CHAINS).await.unwrap();
    assert!(plan.iter().all(|entry| !entry.deploy && entry.install));

    // Install on Base only: Base drops out of the plan.
    for call in sessions.install_calls(8453).unwrap() {
        fixture.send(8453, address, call.to, call.data).await;
    }
    assert!(
        fixture
            .account
            .is_module_installed(8453, ModuleType::Validator, SMART_SESSIONS, Bytes::new())
            .await
            .unwrap()
    );
    assert_eq!(
        sessions.plan_preparation(CHAINS).await.unwrap(),
        vec![ChainPreparation {
            chain_id: 10,
            deploy: false,
            install: true
        }]
    );

    // The PREPARE instruction for Optimism: install + addSafeSender + enableSessions, composable.
    let prepared = EnableSessions::new()
        .redeemer(REDEEMER)
        .actions(
            CustomAction::new(COUNTER, [0x27, 0x3e, 0xa3, 0xe3].into())
                .chain_ids(CHAINS)
                .build(),
        )
        .try_prepare(&fixture.account, &mut salts("prepare"))
        .unwrap();
    let instructions = sessions
        .prepare_instructions(&plan[1..], &prepared)
        .unwrap();
    assert_eq!(instructions.len(), 2);
    assert_eq!(instructions[0].chain_id, 10);
    assert_eq!(instructions[0].calls.len(), 3);
    assert_eq!(instructions[0].call_gas_limit(), 2_100_000);
    assert_eq!(instructions[1].chain_id, 8453);
    assert_eq!(instructions[1].calls.len(), 1);
    let call_data = instructions[0].call_data().unwrap();
    assert_eq!(call_data[..4], [0xea, 0x5a, 0x6d, 0x91]);
}

/// The sessions compared: one and two actions, every policy kind, batched and not, and a
/// fee-token payment merge.
fn session_cases(account: &MultichainAccount) -> Vec<(String, Vec<PreparedSession>)> {
    let transfer_limited = Erc20Action::transfer(DEVNET_USDC)
        .chain_ids(CHAINS)
        .recipient(ALICE)
        .amount_limit_per_action(U256::from(10_000_000u64))
        .max_amount_limit(U256::from(100_000_000u64))
        .usage_limit(5)
        .valid_after(1_735_689_600)
        .valid_until(1_767_225_600)
        .build();
    let approve_capped = Erc20Action::approve(DEVNET_USDC)
        .chain_ids(CHAINS)
        .policy(Policy::SpendingLimits(vec![(
            DEVNET_USDC,
            U256::from(7_000_000u64),
        )]))
        .build();
    let counter_sudo = CustomAction::new(COUNTER, [0x27, 0x3e, 0xa3, 0xe3].into())
        .chain_ids(CHAINS)
        .build();
    let counter_valued = CustomAction::try_function(COUNTER, "deposit(uint256)")
        .unwrap()
        .chain_ids(CHAINS)
        .policy(Policy::ValueLimit(U256::from(10u64).pow(U256::from(17))))
        .policy(
            UniversalPolicy::new()
                .rule(Rule::greater_than(0, U256::from(3)))
                .rule(Rule::not_equal(0, U256::from(9)))
                .value_limit_per_use(U256::from(1000)),
        )
        .policy(Policy::UsageLimit(2))
        .build();
    let two = |a: &[SessionAction], b: &[SessionAction]| [a, b].concat();
    let cases: Vec<(&str, Vec<SessionAction>, bool, Option<FeeToken>)> = vec![
        ("one_sudo_action", counter_sudo.clone(), true, None),
        ("one_limited_transfer", transfer_limited.clone(), true, None),
        (
            "two_actions_batched",
            two(&transfer_limited, &approve_capped),
            true,
            None,
        ),
        (
            "two_actions_unbatched",
            two(&counter_valued, &approve_capped),
            false,
            None,
        ),
        (
            "fee_token_merge",
            two(&counter_sudo, &transfer_limited),
            true,
            Some(FeeToken {
                address: DEVNET_USDC,
                chain_id: 8453,
            }),
        ),
    ];
    cases
        .into_iter()
        .map(|(name, actions, batched, fee_token)| {
            let mut request = EnableSessions::new()
                .redeemer(REDEEMER)
                .actions(actions)
                .batch_actions(batched);
            if let Some(fee_token) = fee_token {
                request = request
                    .fee_token(fee_token)
                    .max_payment_amount(U256::from(2_000_000u64));
            }
            let prepared = request
                .try_prepare(account, &mut salts(name))
                .unwrap_or_else(|err| panic!("{name}: {err}"));
            (name.to_owned(), prepared)
        })
        .collect()
}

#[tokio::test]
async fn permission_ids_action_ids_and_digests_match_the_contract() {
    let fixture = fixture(1).await;
    deploy(&fixture, 1).await;
    let sessions = fixture.account.smart_sessions();
    for chain_id in CHAINS {
        let address = fixture.account.address_on(chain_id).unwrap();
        for call in sessions.install_calls(chain_id).unwrap() {
            fixture.send(chain_id, address, call.to, call.data).await;
        }
    }

    for (name, prepared) in session_cases(&fixture.account) {
        assert_eq!(prepared.len(), 2, "{name}: one session per chain");
        for entry in &prepared {
            let chain_id = entry.chain_id;
            // Before enabling: ids and digests at nonce 0.
            fixture
                .compare_session(chain_id, &entry.session, U256::ZERO)
                .await;
            let permission_id = entry.session.permission_id();
            assert_eq!(entry.details.permission_id, permission_id, "{name}");
            assert!(
                !sessions
                    .is_permission_enabled(permission_id, chain_id)
                    .await
                    .unwrap()
            );

            // Enabled: the contract lists exactly the action ids Rust derives (every group's,
            // when unbatched groups share the permission id).
            fixture.enable(entry).await;
            assert!(
                sessions
                    .is_permission_enabled(permission_id, chain_id)
                    .await
                    .unwrap()
            );
            let expected: BTreeSet<B256> = entry
                .enable_calls
                .iter()
                .flat_map(|call| {
                    ISmartSession::enableSessionsCall::abi_decode(&call.data)
                        .unwrap()
                        .sessions
                })
                .flat_map(|session| session.actions)
                .map(|action| {
                    ActionId::from_parts(action.actionTarget, action.actionTargetSelector)
                        .into_inner()
                })
                .collect();
            assert_eq!(
                fixture.enabled_actions(chain_id, permission_id).await,
                expected,
                "{name}: action ids on {chain_id}"
            );
            if name == "one_limited_transfer" {
                // The spec's USDC transfer action id, as the contract stores it.
                assert!(expected.contains(&USDC_TRANSFER_ACTION_ID));
            }

            // After revokeEnableSignature the nonce is 1, and the digests follow it.
            for instruction in sessions
                .revoke_enable_signature(permission_id, [chain_id])
                .unwrap()
            {
                fixture.run_as_account(&instruction).await;
            }
            fixture
                .compare_session(chain_id, &entry.session, U256::from(1))
                .await;

            // Revoking removes the permission.
            for instruction in sessions.revoke(permission_id, [chain_id]).unwrap() {
                fixture.run_as_account(&instruction).await;
            }
            assert!(
                !sessions
                    .is_permission_enabled(permission_id, chain_id)
                    .await
                    .unwrap()
            );
        }
        let details: Vec<_> = prepared.iter().map(|entry| entry.details.clone()).collect();
        let enabled = sessions.check_enabled_permissions(&details).await.unwrap();
        assert_eq!(
            enabled.len(),
            2,
            "{name}: per-chain salts give per-chain ids"
        );
        assert!(
            enabled
                .values()
                .flat_map(|chains| chains.values())
                .all(|on| !on)
        );
    }
}

#[tokio::test]
async fn multichain_grant_digest_matches_the_contract() {
    let fixture = fixture(2).await;
    deploy(&fixture, 2).await;
    let sessions = fixture.account.smart_sessions();
    let grant = GrantPermission::new()
        .redeemer(REDEEMER)
        .session_actions(
            CustomAction::new(COUNTER, [0x27, 0x3e, 0xa3, 0xe3].into())
                .chain_ids(CHAINS)
                .build(),
        )
        .fee_token(FeeToken {
            address: DEVNET_USDC,
            chain_id: 8453,
        })
        .max_payment_amount(U256::from(5_000_000u64));

    // A used nonce on Optimism: the permission's earlier enable signatures were revoked.
    let offline = grant
        .try_unsigned(&fixture.account, &mut salts("grant"))
        .unwrap();
    let optimism_id = offline.sessions[1].to_session().permission_id();
    for instruction in sessions.revoke_enable_signature(optimism_id, [10]).unwrap() {
        fixture.run_as_account(&instruction).await;
    }

    let on_chain = sessions
        .unsigned_grant(&grant, &mut salts("grant"))
        .await
        .unwrap();
    let offline = grant
        .clone()
        .nonce(10, U256::from(1))
        .try_unsigned(&fixture.account, &mut salts("grant"))
        .unwrap();
    assert_eq!(on_chain.sessions, offline.sessions);
    assert_eq!(on_chain.chain_digests, offline.chain_digests);
    assert_eq!(on_chain.multichain_digest, offline.multichain_digest);
    // The nonce matters: nonce 0 on Optimism gives another digest.
    let stale = grant
        .try_unsigned(&fixture.account, &mut salts("grant"))
        .unwrap();
    assert_ne!(stale.multichain_digest, on_chain.multichain_digest);

    // The digest over both chains, from the contract's per-chain digests.
    let mut digests = Vec::new();
    for entry in &on_chain.sessions {
        let digest = sessions
            .session_digest(
                entry.chain_id,
                &entry.to_session(),
                SmartSessionMode::UNSAFE_ENABLE,
            )
            .await
            .unwrap();
        digests.push(ChainDigest {
            chainId: entry.chain_id,
            sessionDigest: digest,
        });
    }
    assert_eq!(multichain_digest(&digests), on_chain.multichain_digest);
}

#[tokio::test]
async fn spec_vectors_match_the_contract() {
    let devnet = Devnet::builder()
        .chain_ids([8453])
        .spawn()
        .await
        .expect("devnet starts");
    let account = MultichainAccount::builder()
        .chain(
            ChainConfig::new(8453)
                .rpc(devnet.chain(8453).unwrap().provider())
                .account_address(address!("0x50255639C0e4d184cEBFF9Ea78F3055283290700")),
        )
        .connect()
        .await
        .unwrap();
    let session = Session {
        sessionValidator: MEE_2_0_0.mee_validator,
        sessionValidatorInitData: Bytes::from(vec![0x11; 20]),
        salt: B256::with_last_byte(1),
        ..Session::default()
    };
    let expected = b256!("0x9453ad26516e4b39fca63531f2247a0b5ecd3578f3cffc409a16c5a80349a29d");
    assert_eq!(session.permission_id().into_inner(), expected);
    assert_eq!(
        account
            .smart_sessions()
            .permission_id(8453, &session)
            .await
            .unwrap()
            .into_inner(),
        expected
    );
    assert_eq!(
        ActionId::from_parts(DEVNET_USDC, [0xa9, 0x05, 0x9c, 0xbb].into()).into_inner(),
        USDC_TRANSFER_ACTION_ID
    );
}
