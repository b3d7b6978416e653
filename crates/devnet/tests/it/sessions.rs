//! Smart Sessions on the devnet, end to end with the real contracts: the owner enables a session
//! on two chains (one userOp batch per chain, under one owner signature), the session signer's
//! merkle-signed userOps pass on both chains (USE), calls outside the grant, over a limit or after
//! removal are refused on-chain, and ENABLE_AND_USE works with one owner signature over two chains.

use alloy::{
    primitives::{Address, B256, Bytes, U256, address},
    signers::{SignerSync, local::PrivateKeySigner},
    sol_types::SolCall,
};
use mee_contracts::{
    account::SmartAccount, sessions::SmartSession, tokens::TestUSDC, validators::K1MeeValidator,
};
use mee_devnet::{Devnet, DevnetChain};
use mee_primitives::{
    ActionData, ChainDigest, EnableSession, PolicyData, Session, SmartSessionMode,
    addresses::{DEVNET_USDC, MEE_2_0_0, SMART_SESSIONS},
    execution::{Call, encode_calls},
    policy::{ActionConfig, ParamCondition, ParamRule, RulePadding},
    session::{self, ERC7739Data},
    session_signature,
};

use crate::harness::*;

const RECIPIENT: Address = address!("0x00000000000000000000000000000000000c0c0c");
const TRANSFER: [u8; 4] = [0xa9, 0x05, 0x9c, 0xbb];

/// A transfer grant on USDC: only to RECIPIENT, at most 50 USDC per use, 100 USDC in total,
/// three uses; the session signer signs through the K1 MEE validator.
fn transfer_session(redeemer: Address, salt: u8) -> Session {
    let rules = [
        ParamRule::new(ParamCondition::Equal, 0, RECIPIENT.into_word()),
        ParamRule::new(
            ParamCondition::LessThanOrEqual,
            32,
            B256::from(U256::from(50 * USDC)),
        )
        .limited(U256::from(100 * USDC), U256::ZERO),
    ];
    let universal = ActionConfig::new(U256::ZERO, &rules, RulePadding::Builder).unwrap();
    Session {
        sessionValidator: MEE_2_0_0.mee_validator,
        sessionValidatorInitData: Bytes::copy_from_slice(redeemer.as_slice()),
        salt: B256::with_last_byte(salt),
        userOpPolicies: vec![PolicyData::sudo()],
        erc7739Policies: ERC7739Data::default(),
        actions: vec![ActionData::new(
            DEVNET_USDC,
            TRANSFER.into(),
            vec![
                PolicyData::universal(&universal),
                PolicyData::usage_limit(3),
                PolicyData::spending_limits(&[(DEVNET_USDC, U256::from(100 * USDC))]),
            ],
        )],
        permitERC4337Paymaster: true,
    }
}

/// An owner account, deployed and funded, with Smart Sessions installed and the given sessions
/// enabled on each chain — all in one owner supertransaction (one userOp per chain).
async fn prepare(devnet: &Devnet, owner: &PrivateKeySigner, sessions: &[Session]) -> Address {
    let funder = devnet.test_keys()[0].signer();
    let mut ops = Vec::new();
    let mut account = Address::ZERO;
    for (i, chain) in devnet.chains().iter().enumerate() {
        let (deployment, address) = owner_account(chain, owner.address()).await;
        account = address;
        fund_usdc(chain, &funder, account, U256::from(1_000 * USDC)).await;
        let calls = vec![
            Call::new(
                account,
                SmartAccount::installModuleCall {
                    moduleTypeId: U256::from(1),
                    module: SMART_SESSIONS,
                    initData: Bytes::new(),
                }
                .abi_encode(),
            ),
            Call::new(
                MEE_2_0_0.mee_validator,
                K1MeeValidator::addSafeSenderCall {
                    sender: SMART_SESSIONS,
                }
                .abi_encode(),
            ),
        ];
        let mut calls = calls;
        // `enableSessions([])` is refused (InvalidData): only send it with something to enable.
        if !sessions.is_empty() {
            calls.push(Call::new(
                SMART_SESSIONS,
                session::enable_sessions_calldata(sessions.to_vec()),
            ));
        }
        let key = nonce_key(100 + i as u64, Address::ZERO);
        let nonce = next_nonce(chain, account, key).await;
        let mut op = user_op(
            chain,
            account,
            nonce,
            encode_calls(&calls).unwrap(),
            Some(&deployment),
        )
        .await;
        op.call_gas_limit = 2_000_000;
        let now = now(chain).await;
        ops.push(SuperTxOp {
            chain,
            op,
            lower: now - 60,
            upper: now + 600,
            short: false,
        });
    }
    sign_supertransaction(&mut ops, owner);
    for o in &ops {
        let (_, outcomes) = handle_ops(o.chain, vec![o.op.pack()])
            .await
            .expect("prepare passes");
        assert!(
            outcomes[0].success,
            "prepare on {} failed: {:?}",
            o.chain.chain_id(),
            outcomes
        );
    }
    account
}

/// A session userOp transferring `amount` USDC to `to`, with the session nonce key.
async fn session_op(
    chain: &DevnetChain,
    account: Address,
    tag: u64,
    to: Address,
    amount: u64,
) -> SuperTxOp<'_> {
    let key = nonce_key(tag, SMART_SESSIONS);
    let nonce = next_nonce(chain, account, key).await;
    let op = user_op(
        chain,
        account,
        nonce,
        usdc_transfer(to, U256::from(amount * USDC)),
        None,
    )
    .await;
    SuperTxOp {
        chain,
        op,
        lower: 0,
        upper: 0,
        short: true,
    }
}

/// Signs `ops` as the session signer (one short-leaf root) and wraps each in the USE encoding.
fn sign_use(ops: &mut [SuperTxOp<'_>], redeemer: &PrivateKeySigner, session: &Session) {
    sign_supertransaction(ops, redeemer);
    for o in ops.iter_mut() {
        o.op.signature = session_signature::encode_use(session.permission_id(), &o.op.signature);
    }
}

fn is_enabled(
    chain: &DevnetChain,
    session: &Session,
    account: Address,
) -> impl std::future::Future<Output = bool> {
    let module = SmartSession::new(SMART_SESSIONS, chain.provider());
    let id = session.permission_id().into_inner();
    async move {
        module
            .isPermissionEnabled(id, account)
            .call()
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn session_use_on_two_chains_and_every_rejection() {
    let devnet = Devnet::builder()
        .chain_ids([8453, 10])
        .spawn()
        .await
        .unwrap();
    let owner = PrivateKeySigner::random();
    let redeemer = PrivateKeySigner::random();
    let session = transfer_session(redeemer.address(), 1);
    let account = prepare(&devnet, &owner, std::slice::from_ref(&session)).await;
    let (base, optimism) = (&devnet.chains()[0], &devnet.chains()[1]);
    for chain in devnet.chains() {
        assert!(
            is_enabled(chain, &session, account).await,
            "enabled on {}",
            chain.chain_id()
        );
    }

    // USE: one session-key signature over userOps on both chains.
    let mut ops = vec![
        session_op(base, account, 1, RECIPIENT, 20).await,
        session_op(optimism, account, 1, RECIPIENT, 20).await,
    ];
    sign_use(&mut ops, &redeemer, &session);
    for o in &ops {
        let (_, outcomes) = handle_ops(o.chain, vec![o.op.pack()])
            .await
            .expect("USE passes");
        assert!(outcomes[0].success, "{:?}", outcomes[0]);
        eprintln!(
            "chain {}: session USE gas {}",
            o.chain.chain_id(),
            outcomes[0].actual_gas_used
        );
        assert_eq!(
            usdc_balance(o.chain, RECIPIENT).await,
            U256::from(20 * USDC)
        );
    }

    // Outside the grant: approve is not an enabled action.
    let mut outside = session_op(base, account, 2, RECIPIENT, 1).await;
    outside.op.call_data = encode_calls(&[Call::new(
        DEVNET_USDC,
        TestUSDC::approveCall {
            spender: RECIPIENT,
            amount: U256::from(USDC),
        }
        .abi_encode(),
    )])
    .unwrap();
    let mut ops = vec![outside];
    sign_use(&mut ops, &redeemer, &session);
    let err = handle_ops(base, vec![ops[0].op.pack()]).await.unwrap_err();
    assert!(err.contains("NoPoliciesSet"), "{err}");

    // Another recipient, and more than 50 USDC in one use: the universal rules refuse.
    for (to, amount) in [(Address::repeat_byte(0x77), 1), (RECIPIENT, 60)] {
        let mut ops = vec![session_op(base, account, 3, to, amount).await];
        sign_use(&mut ops, &redeemer, &session);
        let err = handle_ops(base, vec![ops[0].op.pack()]).await.unwrap_err();
        assert!(err.contains("PolicyViolation"), "{err}");
    }

    // Uses two and three pass; the fourth is over the usage limit of three.
    for tag in [4, 5] {
        let mut ops = vec![session_op(base, account, tag, RECIPIENT, 10).await];
        sign_use(&mut ops, &redeemer, &session);
        let (_, outcomes) = handle_ops(base, vec![ops[0].op.pack()]).await.unwrap();
        assert!(outcomes[0].success);
    }
    let mut ops = vec![session_op(base, account, 6, RECIPIENT, 10).await];
    sign_use(&mut ops, &redeemer, &session);
    let err = handle_ops(base, vec![ops[0].op.pack()]).await.unwrap_err();
    assert!(err.contains("PolicyViolation"), "4th use: {err}");
    assert_eq!(usdc_balance(base, RECIPIENT).await, U256::from(40 * USDC));

    // A signature by anyone but the session signer fails.
    let mut ops = vec![session_op(optimism, account, 7, RECIPIENT, 1).await];
    sign_use(&mut ops, &PrivateKeySigner::random(), &session);
    let err = handle_ops(optimism, vec![ops[0].op.pack()])
        .await
        .unwrap_err();
    assert!(err.contains("AA24"), "{err}");

    // The owner removes the session on Optimism; the next use there is refused.
    let remove = encode_calls(&[Call::new(
        SMART_SESSIONS,
        SmartSession::removeSessionCall {
            permissionId: session.permission_id().into_inner(),
        }
        .abi_encode(),
    )])
    .unwrap();
    let key = nonce_key(200, Address::ZERO);
    let nonce = next_nonce(optimism, account, key).await;
    let now = now(optimism).await;
    let mut ops = vec![SuperTxOp {
        chain: optimism,
        op: user_op(optimism, account, nonce, remove, None).await,
        lower: now - 60,
        upper: now + 600,
        short: false,
    }];
    sign_supertransaction(&mut ops, &owner);
    let (_, outcomes) = handle_ops(optimism, vec![ops[0].op.pack()]).await.unwrap();
    assert!(outcomes[0].success);
    assert!(!is_enabled(optimism, &session, account).await);
    let mut ops = vec![session_op(optimism, account, 8, RECIPIENT, 1).await];
    sign_use(&mut ops, &redeemer, &session);
    let err = handle_ops(optimism, vec![ops[0].op.pack()])
        .await
        .unwrap_err();
    assert!(err.contains("InvalidPermissionId"), "{err}");
    // Still enabled where it was not removed.
    assert!(is_enabled(base, &session, account).await);
}

#[tokio::test]
async fn enable_and_use_with_one_owner_signature_over_two_chains() {
    let devnet = Devnet::builder()
        .chain_ids([42161, 137])
        .spawn()
        .await
        .unwrap();
    let owner = PrivateKeySigner::random();
    let redeemer = PrivateKeySigner::random();
    // The account has Smart Sessions installed (and trusted by the MEE validator) but no session.
    let account = prepare(&devnet, &owner, &[]).await;

    // The owner grants a session off-chain: one signature over both chains' session digests,
    // computed offline (nonce 0, UNSAFE_ENABLE mode) and checked on-chain by the module.
    let session = transfer_session(redeemer.address(), 9);
    let mut digests = Vec::new();
    for chain in devnet.chains() {
        let module = SmartSession::new(SMART_SESSIONS, chain.provider());
        let id = session.permission_id().into_inner();
        let nonce = module.getNonce(id, account).call().await.unwrap();
        let offline =
            session::session_digest(account, &session, SmartSessionMode::UNSAFE_ENABLE, nonce);
        let on_chain = module
            .getSessionDigest(id, account, session_to_binding(&session), 2)
            .call()
            .await
            .unwrap();
        assert_eq!(offline, on_chain, "session digest on {}", chain.chain_id());
        digests.push(ChainDigest {
            chainId: chain.chain_id(),
            sessionDigest: offline,
        });
    }
    let multichain = session::multichain_digest(&digests);
    let owner_sig = owner
        .sign_message_sync(multichain.as_slice())
        .unwrap()
        .as_bytes();
    // Nexus routes the enable signature by a 20-byte validator prefix: zero = default validator.
    let enable_sig: Bytes = [&[0u8; 20][..], &owner_sig].concat().into();

    // The session signer signs one root for both chains; each chain's op enables and uses.
    let mut ops = Vec::new();
    for chain in devnet.chains() {
        let mut op = session_op(chain, account, 1, RECIPIENT, 5).await;
        // Enabling a session writes its policies: the SDK gives such ops 1M verification gas.
        op.op.verification_gas_limit = 1_000_000;
        ops.push(op);
    }
    sign_supertransaction(&mut ops, &redeemer);
    for (index, o) in ops.iter_mut().enumerate() {
        let enable = EnableSession {
            chainDigestIndex: index as u8,
            hashesAndChainIds: digests.clone(),
            sessionToEnable: session.clone(),
            permissionEnableSig: enable_sig.clone(),
        };
        o.op.signature = session_signature::encode_enable(
            SmartSessionMode::UNSAFE_ENABLE,
            &enable,
            &o.op.signature,
        );
    }
    for o in &ops {
        assert!(!is_enabled(o.chain, &session, account).await);
        let (_, outcomes) = handle_ops(o.chain, vec![o.op.pack()])
            .await
            .expect("ENABLE_AND_USE");
        assert!(outcomes[0].success, "{:?}", outcomes[0]);
        eprintln!(
            "chain {}: ENABLE_AND_USE gas {}",
            o.chain.chain_id(),
            outcomes[0].actual_gas_used
        );
        assert!(is_enabled(o.chain, &session, account).await);
        assert_eq!(usdc_balance(o.chain, RECIPIENT).await, U256::from(5 * USDC));
    }

    // The enable signature was used up: the same payload cannot enable again (nonce moved).
    let chain = &devnet.chains()[0];
    let mut again = vec![session_op(chain, account, 2, RECIPIENT, 1).await];
    again[0].op.verification_gas_limit = 1_000_000;
    sign_supertransaction(&mut again, &redeemer);
    let enable = EnableSession {
        chainDigestIndex: 0,
        hashesAndChainIds: digests.clone(),
        sessionToEnable: session.clone(),
        permissionEnableSig: enable_sig.clone(),
    };
    again[0].op.signature = session_signature::encode_enable(
        SmartSessionMode::UNSAFE_ENABLE,
        &enable,
        &again[0].op.signature,
    );
    let err = handle_ops(chain, vec![again[0].op.pack()])
        .await
        .unwrap_err();
    assert!(err.contains("HashMismatch"), "{err}");
}

/// Our `Session` as the module binding's type (the same ABI tuple).
fn session_to_binding(session: &Session) -> mee_contracts::sessions::SmartSession::Session {
    use alloy::sol_types::SolValue;
    mee_contracts::sessions::SmartSession::Session::abi_decode(&session.abi_encode()).unwrap()
}
