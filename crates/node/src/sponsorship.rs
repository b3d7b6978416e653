//! Sponsorship: self-hosted gas tanks that pay the fee of sponsored supertransactions.
//!
//! A **gas tank** is a smart account (ours, with the K1 MEE validator as default validator)
//! owned by a key in the node's configuration and funded by the operator with the fee token.
//! In a sponsored quote (`paymentInfo.sponsored: true`) the payment userOp — always
//! `userOps[0]` — is sent by the tank: it transfers the fee, in the tank's token, to the node's
//! fee receiver. The user's account pays nothing.
//!
//! - **Signatures.** The user signs the supertransaction as usual (the root covers the tank's
//!   userOp too, MEE < 2.2.1). The tank's userOp gets its own SIMPLE signature: the tank owner's
//!   `personal_sign` of the same root with the full encoding (root, bounds, merkle proof), which
//!   the K1 MEE validator checks against the tank's owner. The node holds the tank key, so it
//!   builds that signature at exec (and in `POST sponsorship/sign`).
//! - **Refunds.** Every userOp of a sponsored quote uses the node paymaster's DAPP refund mode
//!   (`0x170de001 ‖ 0x9ee4ce01 ‖ refund address`), so unused gas goes back to the sponsor (the
//!   tank's refund address), not to the user's account.
//! - **Nonces.** `GET sponsorship/nonce/{chainId}/{tank}` hands out the tank's EntryPoint nonce
//!   on a fresh key (default validator), so concurrent sponsored quotes never share a sequence.
//!   A quote whose `paymentInfo.nonce` is `0` (the SDK's trusted default tank) gets one from the
//!   node the same way; any other nonce must be the tank's current one on its key.
//! - **The SDK's default tank** (`0x18eA…80d5`, [`DEFAULT_GAS_TANK`]): `sponsorship: true` with
//!   no options names it. A tank configured at that address serves it directly (the devnet
//!   places our account there); on a real network, where that address is someone else's, a tank
//!   with `serves_sdk_default = true` pays for quotes naming it (the quote's payment userOp is
//!   then sent by that tank). `paymentInfo.sponsorshipUrl` is ignored: this node is the sponsor.

use std::sync::atomic::{AtomicU64, Ordering};

use alloy::{
    primitives::{Address, B256, Bytes, U256},
    signers::{SignerSync, local::PrivateKeySigner},
    sol,
    sol_types::SolCall,
};
use mee_primitives::{
    addresses::{DEFAULT_GAS_TANK, ENTRY_POINT_V07},
    api::{PaymentInfo, QuoteResponse},
    mee_signature::{MeeUserOp, full_user_op_signature, supertransaction_tree},
    nonce::{NonceKey, ValidationMode},
    userop::UserOperation,
};

use crate::{
    chain::ChainClient,
    config::{Config, GasTankConfig},
    error::{Error, Result},
    service::{NodeService, now_secs},
};

sol! {
    /// The EntryPoint's nonce view.
    interface IEntryPointNonces {
        function getNonce(address sender, uint192 key) external view returns (uint256 nonce);
    }

    /// The ERC-20 balance view.
    interface IERC20Balance {
        function balanceOf(address account) external view returns (uint256);
    }
}

/// The paymaster data prefix of the DAPP refund mode with a fixed premium; the refund address
/// follows.
pub const PAYMASTER_DATA_DAPP_FIXED: [u8; 8] = [0x17, 0x0d, 0xe0, 0x01, 0x9e, 0xe4, 0xce, 0x01];

/// One configured gas tank, with its owner's key.
#[derive(Debug)]
pub struct GasTank {
    /// The tank's chain.
    pub chain_id: u64,
    /// The tank account.
    pub address: Address,
    /// The token it pays fees in.
    pub token: Address,
    /// Where unused gas of sponsored userOps is refunded.
    pub refund_address: Address,
    /// Whether it pays for quotes naming the SDK's default tank.
    pub serves_sdk_default: bool,
    owner: PrivateKeySigner,
}

impl GasTank {
    fn new(config: &GasTankConfig, node_key: &PrivateKeySigner) -> Result<Self> {
        let owner = match &config.owner_key {
            Some(key) => key.parse::<PrivateKeySigner>().map_err(|err| {
                Error::Config(format!(
                    "gas tank {}: invalid owner_key: {err}",
                    config.address
                ))
            })?,
            None => node_key.clone(),
        };
        Ok(Self {
            chain_id: config.chain_id,
            address: config.address,
            token: config.token,
            refund_address: config.refund_address.unwrap_or(config.address),
            serves_sdk_default: config.serves_sdk_default,
            owner,
        })
    }

    /// The key that owns the tank account.
    pub fn owner(&self) -> Address {
        self.owner.address()
    }

    /// The node paymaster data of every userOp this tank sponsors: DAPP refund to
    /// [`Self::refund_address`].
    pub fn paymaster_data(&self) -> Bytes {
        [
            &PAYMASTER_DATA_DAPP_FIXED[..],
            self.refund_address.as_slice(),
        ]
        .concat()
        .into()
    }

    /// The tank's userOp signature in a supertransaction with root `root`: the owner's
    /// `personal_sign` of the root in the full SIMPLE encoding.
    pub fn payment_signature(
        &self,
        root: B256,
        lower_bound_timestamp: u64,
        upper_bound_timestamp: u64,
        proof: &[B256],
    ) -> Result<Bytes> {
        let signature = self
            .owner
            .sign_message_sync(root.as_slice())
            .map_err(|err| Error::Config(format!("gas tank key cannot sign: {err}")))?;
        Ok(full_user_op_signature(
            root,
            lower_bound_timestamp,
            upper_bound_timestamp,
            proof,
            &signature.as_bytes(),
        ))
    }
}

/// The node's gas tanks.
#[derive(Debug, Default)]
pub struct GasTanks {
    tanks: Vec<GasTank>,
    next_key: AtomicU64,
}

impl GasTanks {
    /// The tanks of `config`; tanks without an `owner_key` are owned by `node_key`.
    pub fn from_config(config: &Config, node_key: &PrivateKeySigner) -> Result<Self> {
        let tanks = config
            .gas_tanks
            .iter()
            .map(|tank| GasTank::new(tank, node_key))
            .collect::<Result<_>>()?;
        // A random start, so that replicas sharing a tank draw from different stretches of the
        // 24-bit key space; within a process the keys never repeat (until 2^24 quotes).
        // (A random secp256k1 key is 32 bytes from the operating system's generator.)
        let random = PrivateKeySigner::random().to_bytes();
        let start = u64::from_be_bytes(random[..8].try_into().expect("8 bytes"));
        Ok(Self {
            tanks,
            next_key: AtomicU64::new(start),
        })
    }

    /// Every tank.
    pub fn iter(&self) -> impl Iterator<Item = &GasTank> {
        self.tanks.iter()
    }

    /// The tank at `address` on `chain_id`, or the one serving the SDK's default tank when
    /// `address` is [`DEFAULT_GAS_TANK`].
    pub fn tank(&self, chain_id: u64, address: Address) -> Result<&GasTank> {
        let exact = self
            .tanks
            .iter()
            .find(|t| t.chain_id == chain_id && t.address == address);
        let alias = || {
            (address == DEFAULT_GAS_TANK)
                .then(|| {
                    self.tanks
                        .iter()
                        .find(|t| t.chain_id == chain_id && t.serves_sdk_default)
                })
                .flatten()
        };
        exact
            .or_else(alias)
            .ok_or(Error::UnknownGasTank { chain_id, address })
    }

    /// The tank paying a sponsored quote, checked against the request's fee token.
    pub fn for_payment(&self, payment: &PaymentInfo) -> Result<&GasTank> {
        let tank = self.tank(payment.chain_id, payment.sender)?;
        if payment.token != tank.token {
            return Err(Error::invalid_at(
                "paymentInfo.token",
                format!(
                    "gas tank {} pays in {}, not {}",
                    tank.address, tank.token, payment.token
                ),
            ));
        }
        if payment
            .init_code
            .as_ref()
            .is_some_and(|code| !code.is_empty())
        {
            return Err(Error::invalid_at(
                "paymentInfo.initCode",
                "a sponsored payment has no initCode (the first userOp of a chain deploys)",
            ));
        }
        Ok(tank)
    }

    /// A nonce key no other sponsored quote of this process got: the default validator, a free
    /// part that advances on every call (from a random start).
    pub fn fresh_key(&self) -> NonceKey {
        let part = self.next_key.fetch_add(1, Ordering::Relaxed);
        NonceKey::new(part, ValidationMode::Validation, Address::ZERO)
    }
}

/// The tank's next nonce on a fresh key (`GET sponsorship/nonce`).
pub async fn fresh_nonce(
    tanks: &GasTanks,
    chain: &dyn ChainClient,
    tank: &GasTank,
) -> Result<U256> {
    let key = tanks.fresh_key();
    entry_point_nonce(chain, tank.address, key).await
}

/// The nonce of the tank's payment userOp: a fresh one for `0` (the SDK's trusted default tank
/// leaves it to the node), else `requested` when it is the tank's current nonce on its key.
pub async fn payment_nonce(
    tanks: &GasTanks,
    chain: &dyn ChainClient,
    tank: &GasTank,
    requested: U256,
) -> Result<U256> {
    if requested.is_zero() {
        return fresh_nonce(tanks, chain, tank).await;
    }
    let (key, _) = NonceKey::split(requested);
    if key.validator != Address::ZERO || key.mode != ValidationMode::Validation as u8 {
        return Err(Error::invalid_at(
            "paymentInfo.nonce",
            "a gas tank nonce uses the default validator (take it from sponsorship/nonce)",
        ));
    }
    let current = entry_point_nonce(chain, tank.address, key).await?;
    if current != requested {
        return Err(Error::invalid_at(
            "paymentInfo.nonce",
            format!("stale gas tank nonce: the tank's nonce on this key is {current}"),
        ));
    }
    Ok(requested)
}

async fn entry_point_nonce(
    chain: &dyn ChainClient,
    sender: Address,
    key: NonceKey,
) -> Result<U256> {
    let call = IEntryPointNonces::getNonceCall {
        sender,
        key: key.to_u192(),
    }
    .abi_encode();
    let out = chain.call(ENTRY_POINT_V07, call.into()).await?;
    out.ok()
        .and_then(|out| IEntryPointNonces::getNonceCall::abi_decode_returns(&out).ok())
        .ok_or_else(|| Error::rpc(chain.chain_id(), "EntryPoint.getNonce failed"))
}

/// Refuses a fee the tank cannot pay.
pub async fn check_balance(chain: &dyn ChainClient, tank: &GasTank, fee: U256) -> Result<()> {
    let call = IERC20Balance::balanceOfCall {
        account: tank.address,
    }
    .abi_encode();
    let out = chain.call(tank.token, call.into()).await?;
    let balance = out
        .ok()
        .and_then(|out| IERC20Balance::balanceOfCall::abi_decode_returns(&out).ok())
        .ok_or_else(|| Error::rpc(chain.chain_id(), "the gas tank's balanceOf failed"))?;
    if balance < fee {
        return Err(Error::SponsorshipUnavailable(format!(
            "gas tank {} on chain {} holds {balance} of {}, the fee is {fee}",
            tank.address, tank.chain_id, tank.token
        )));
    }
    Ok(())
}

/// `GET /v1/sponsorship/nonce/{chainId}/{gasTank}`: the tank's next nonce on a fresh key.
pub async fn nonce(node: &NodeService, chain_id: u64, address: Address) -> Result<U256> {
    let tank = node.gas_tanks().tank(chain_id, address)?;
    let chain = node.chain(chain_id)?;
    fresh_nonce(node.gas_tanks(), chain.as_ref(), tank).await
}

/// `POST /v1/sponsorship/sign/{chainId}/{gasTank}`: the node's stored quote with the tank's
/// payment userOp signed, for a sponsored quote this node issued, paid by this tank, not yet
/// executed and not expired.
pub async fn sign(
    node: &NodeService,
    chain_id: u64,
    address: Address,
    quote: QuoteResponse,
) -> Result<QuoteResponse> {
    let tank = node.gas_tanks().tank(chain_id, address)?;
    let stored = node
        .store()
        .quote(quote.hash)
        .await?
        .ok_or(Error::QuoteNotFound(quote.hash))?;
    if stored.executed_at.is_some() {
        return Err(Error::AlreadyExecuted(quote.hash));
    }
    if now_secs() > stored.expires_at {
        return Err(Error::QuoteExpired(quote.hash));
    }
    let mut ours = stored.quote;
    if quote.node != ours.node || quote.commitment != ours.commitment {
        return Err(Error::QuoteMismatch("node or commitment differs".into()));
    }
    let payment = ours
        .user_ops
        .first()
        .ok_or_else(|| Error::Corrupt("a quote without userOps".into()))?;
    if !ours.payment_info.sponsored {
        return Err(Error::invalid("the quote is not sponsored"));
    }
    if payment.chain_id != tank.chain_id || payment.user_op.sender != tank.address {
        return Err(Error::invalid(format!(
            "the quote is paid by {} on chain {}, not by this gas tank",
            payment.user_op.sender, payment.chain_id
        )));
    }
    let signature = payment_signature(tank, &ours)?;
    ours.user_ops[0].user_op.signature = Some(signature);
    Ok(ours)
}

/// The tank's signature of `quote`'s payment userOp.
pub fn payment_signature(tank: &GasTank, quote: &QuoteResponse) -> Result<Bytes> {
    let mee_ops: Vec<MeeUserOp> = quote
        .user_ops
        .iter()
        .map(|o| MeeUserOp {
            user_op_hash: o.user_op_hash.into(),
            lower_bound_timestamp: o.lower_bound_timestamp,
            upper_bound_timestamp: o.upper_bound_timestamp,
            short_encoding: o.short_encoding,
        })
        .collect();
    let tree = supertransaction_tree(&mee_ops)
        .ok_or_else(|| Error::Corrupt("a quote without userOps".into()))?;
    if tree.root() != quote.hash {
        return Err(Error::Corrupt(format!(
            "stored quote {} has another root",
            quote.hash
        )));
    }
    let payment = &quote.user_ops[0];
    tank.payment_signature(
        quote.hash,
        payment.lower_bound_timestamp,
        payment.upper_bound_timestamp,
        &tree.proof(0).expect("index 0 is in the tree"),
    )
}

/// Sets a sponsored quote's paymaster data on every draft userOp.
pub(crate) fn sponsor_user_ops<'a>(
    tank: &GasTank,
    ops: impl IntoIterator<Item = &'a mut UserOperation>,
) {
    let data = tank.paymaster_data();
    for op in ops {
        op.paymaster_data = data.clone();
    }
}

#[cfg(test)]
mod tests {
    use alloy::primitives::address;

    use super::*;

    fn tanks(configs: Vec<GasTankConfig>) -> GasTanks {
        let mut config: Config = toml::from_str(
            r#"
            node_paymaster = "0x0000000000000000000000000000000000000b0b"
            [[chains]]
            chain_id = 8453
            rpc_url = "http://127.0.0.1:8545"
            native_usd_price = 1.0
            "#,
        )
        .unwrap();
        config.gas_tanks = configs;
        GasTanks::from_config(&config, &PrivateKeySigner::random()).unwrap()
    }

    fn tank_config(address: Address, serves_sdk_default: bool) -> GasTankConfig {
        GasTankConfig {
            chain_id: 8453,
            address,
            token: address!("0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"),
            owner_key: None,
            refund_address: None,
            serves_sdk_default,
        }
    }

    #[test]
    fn finds_tanks_by_chain_and_address_and_serves_the_default_only_when_asked() {
        let own = Address::repeat_byte(0x7a);
        let plain = tanks(vec![tank_config(own, false)]);
        assert_eq!(plain.tank(8453, own).unwrap().address, own);
        assert!(matches!(
            plain.tank(10, own),
            Err(Error::UnknownGasTank { chain_id: 10, .. })
        ));
        assert!(plain.tank(8453, DEFAULT_GAS_TANK).is_err());

        let aliasing = tanks(vec![tank_config(own, true)]);
        assert_eq!(aliasing.tank(8453, DEFAULT_GAS_TANK).unwrap().address, own);
        assert!(aliasing.tank(8453, Address::repeat_byte(1)).is_err());

        // A tank placed at the default address itself is found directly.
        let placed = tanks(vec![
            tank_config(own, true),
            tank_config(DEFAULT_GAS_TANK, false),
        ]);
        assert_eq!(
            placed.tank(8453, DEFAULT_GAS_TANK).unwrap().address,
            DEFAULT_GAS_TANK
        );
    }

    #[test]
    fn dapp_refund_paymaster_data_carries_the_refund_address() {
        let own = Address::repeat_byte(0x7a);
        let tanks = tanks(vec![tank_config(own, false)]);
        let data = tanks.tank(8453, own).unwrap().paymaster_data();
        assert_eq!(
            alloy::hex::encode(&data),
            format!("170de0019ee4ce01{}", alloy::hex::encode(own))
        );
    }

    #[test]
    fn fresh_keys_differ_and_use_the_default_validator() {
        let tanks = tanks(Vec::new());
        let a = tanks.fresh_key();
        let b = tanks.fresh_key();
        assert_ne!(a, b);
        assert_eq!(a.validator, Address::ZERO);
        assert_eq!(a.mode, 0);
    }

    #[test]
    fn the_payment_signature_is_the_owners_over_the_root() {
        let owner = PrivateKeySigner::random();
        let tank = GasTank {
            chain_id: 8453,
            address: Address::repeat_byte(0x7a),
            token: Address::ZERO,
            refund_address: Address::ZERO,
            serves_sdk_default: false,
            owner: owner.clone(),
        };
        let root = B256::repeat_byte(0x11);
        let sig = tank
            .payment_signature(root, 1, 2, &[B256::repeat_byte(2)])
            .unwrap();
        let expected = owner.sign_message_sync(root.as_slice()).unwrap();
        assert_eq!(
            sig,
            full_user_op_signature(root, 1, 2, &[B256::repeat_byte(2)], &expected.as_bytes())
        );
    }
}
