//! Fusion: supertransactions authorised by a token trigger instead of an off-chain signature.
//!
//! The owner's EOA either signs an EIP-2612 permit whose `deadline` is the supertransaction hash
//! (**permit** mode, prefix `0x177eee02`), or sends an ordinary transaction (an ERC-20 `approve`)
//! whose calldata ends with that hash (**on-chain** mode, prefix `0x177eee01`). Both are for MEE
//! versions before 3.0.0 (the K1 MEE validator 1.0.1 behaviour).
//!
//! Two layers, as with the simple mode:
//! - what the client sends to `POST /v1/exec` ([`SdkPermitSignature`], [`OnChainTriggerSignature`]),
//!   exactly as the TypeScript SDK encodes it;
//! - what the node puts in each userOp's signature for the validator ([`permit_user_op_signature`],
//!   [`on_chain_user_op_signature`]).

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_sol_types::{SolValue, sol};

use crate::mee_signature::{ERC20_PERMIT_MODE_PREFIX, ON_CHAIN_MODE_PREFIX};

/// `keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)")`.
pub const PERMIT_TYPEHASH: B256 = B256::new(alloy_primitives::hex!(
    "6e71edae12b1b97f4d1f60370fef10105fa2faae0126114a169c64845d6126c9"
));

/// The 4-byte calldata the SDK uses before the hash when an on-chain trigger has no calldata of
/// its own (a native-token transfer).
pub const NATIVE_TRANSFER_PREFIX: [u8; 4] = [0x15, 0x0b, 0x7a, 0x02];

sol! {
    /// The SDK's permit payload for MEE < 3.0.0 (after `0x177eee02`).
    struct SdkPermitPayload {
        address token;
        address spender;
        bytes32 domainSeparator;
        bytes32 permitTypehash;
        uint256 amount;
        uint256 chainId;
        uint256 nonce;
        uint256 v;
        bytes32 r;
        bytes32 s;
    }

    /// The full ERC20_PERMIT userOp signature the K1 MEE validator decodes.
    struct DecodedErc20PermitSig {
        address token;
        address spender;
        bytes32 domainSeparator;
        uint256 amount;
        uint256 nonce;
        bool isPermitTx;
        bytes32 superTxHash;
        uint48 lowerBoundTimestamp;
        uint48 upperBoundTimestamp;
        uint8 v;
        bytes32 r;
        bytes32 s;
        bytes32[] proof;
    }
}

/// Why a Fusion signature could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FusionSignatureError {
    /// The signature does not start with the mode's prefix.
    #[error("expected the prefix 0x{}", alloy_primitives::hex::encode(.0))]
    Prefix([u8; 4]),
    /// The payload after the prefix has the wrong size or layout.
    #[error("malformed payload: {0}")]
    Malformed(String),
}

/// The permit the owner signed, as the TypeScript SDK sends it to `POST /v1/exec` for MEE
/// versions before 3.0.0: `0x177eee02 ‖ abi.encode(token, spender, domainSeparator,
/// PERMIT_TYPEHASH, amount, chainId, nonce, uint256 v, r, s)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SdkPermitSignature {
    /// The token.
    pub token: Address,
    /// The spender (the owner's account on the trigger chain).
    pub spender: Address,
    /// The token's EIP-712 domain separator.
    pub domain_separator: B256,
    /// The permit typehash the client used.
    pub permit_typehash: B256,
    /// The permitted value.
    pub amount: U256,
    /// The trigger chain.
    pub chain_id: U256,
    /// The owner's permit nonce on the token.
    pub nonce: U256,
    /// `v` (27 or 28).
    pub v: u8,
    /// `r`.
    pub r: B256,
    /// `s`.
    pub s: B256,
}

impl SdkPermitSignature {
    /// Reads `0x177eee02 ‖ payload`.
    pub fn decode(signature: &[u8]) -> Result<Self, FusionSignatureError> {
        let payload = signature
            .strip_prefix(&ERC20_PERMIT_MODE_PREFIX)
            .ok_or(FusionSignatureError::Prefix(ERC20_PERMIT_MODE_PREFIX))?;
        if payload.len() != 10 * 32 {
            return Err(FusionSignatureError::Malformed(format!(
                "{} bytes after the prefix instead of 320 (MEE 3.0.0 permits are not supported)",
                payload.len()
            )));
        }
        let p = SdkPermitPayload::abi_decode_params_validate(payload)
            .map_err(|e| FusionSignatureError::Malformed(e.to_string()))?;
        let v = u8::try_from(p.v)
            .ok()
            .filter(|v| matches!(v, 27 | 28))
            .ok_or_else(|| FusionSignatureError::Malformed(format!("v = {}", p.v)))?;
        Ok(Self {
            token: p.token,
            spender: p.spender,
            domain_separator: p.domainSeparator,
            permit_typehash: p.permitTypehash,
            amount: p.amount,
            chain_id: p.chainId,
            nonce: p.nonce,
            v,
            r: p.r,
            s: p.s,
        })
    }

    /// `0x177eee02 ‖ payload`.
    pub fn encode(&self) -> Bytes {
        let payload = SdkPermitPayload {
            token: self.token,
            spender: self.spender,
            domainSeparator: self.domain_separator,
            permitTypehash: self.permit_typehash,
            amount: self.amount,
            chainId: self.chain_id,
            nonce: self.nonce,
            v: U256::from(self.v),
            r: self.r,
            s: self.s,
        };
        [&ERC20_PERMIT_MODE_PREFIX[..], &payload.abi_encode_params()]
            .concat()
            .into()
    }

    /// The 65-byte `r ‖ s ‖ v` signature.
    pub fn signature_bytes(&self) -> [u8; 65] {
        let mut out = [0u8; 65];
        out[..32].copy_from_slice(self.r.as_slice());
        out[32..64].copy_from_slice(self.s.as_slice());
        out[64] = self.v;
        out
    }

    /// The EIP-712 digest the owner signed for `deadline` (the supertransaction hash).
    pub fn digest(&self, owner: Address, deadline: B256) -> B256 {
        permit_digest(
            self.domain_separator,
            owner,
            self.spender,
            self.amount,
            self.nonce,
            U256::from_be_bytes(deadline.0),
        )
    }
}

/// The EIP-2612 digest: `keccak256(0x1901 ‖ domainSeparator ‖ keccak256(abi.encode(PERMIT_TYPEHASH,
/// owner, spender, value, nonce, deadline)))`.
pub fn permit_digest(
    domain_separator: B256,
    owner: Address,
    spender: Address,
    value: U256,
    nonce: U256,
    deadline: U256,
) -> B256 {
    let struct_hash =
        keccak256((PERMIT_TYPEHASH, owner, spender, value, nonce, deadline).abi_encode());
    keccak256(
        [
            &[0x19, 0x01],
            domain_separator.as_slice(),
            struct_hash.as_slice(),
        ]
        .concat(),
    )
}

/// The EIP-712 domain separator `EIP712Domain(string name,string version,uint256 chainId,address
/// verifyingContract)` of a token (USDC's is `("USD Coin", "2", chainId, token)`).
pub fn token_domain_separator(
    name: &str,
    version: &str,
    chain_id: u64,
    verifying_contract: Address,
) -> B256 {
    let typehash = keccak256(
        "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)",
    );
    keccak256(
        (
            typehash,
            keccak256(name),
            keccak256(version),
            U256::from(chain_id),
            verifying_contract,
        )
            .abi_encode(),
    )
}

/// The node's full ERC20_PERMIT userOp signature: `0x177eee02 ‖ abi.encode(DecodedErc20PermitSig)`.
/// `is_permit_tx` makes the validator submit the permit (on the first userOp of the trigger chain).
pub fn permit_user_op_signature(
    permit: &SdkPermitSignature,
    is_permit_tx: bool,
    root: B256,
    lower_bound: u64,
    upper_bound: u64,
    proof: &[B256],
) -> Bytes {
    let sig = DecodedErc20PermitSig {
        token: permit.token,
        spender: permit.spender,
        domainSeparator: permit.domain_separator,
        amount: permit.amount,
        nonce: permit.nonce,
        isPermitTx: is_permit_tx,
        superTxHash: root,
        lowerBoundTimestamp: alloy_primitives::aliases::U48::from(lower_bound),
        upperBoundTimestamp: alloy_primitives::aliases::U48::from(upper_bound),
        v: permit.v,
        r: permit.r,
        s: permit.s,
        proof: proof.to_vec(),
    };
    [&ERC20_PERMIT_MODE_PREFIX[..], &sig.abi_encode()]
        .concat()
        .into()
}

/// What the TypeScript SDK sends to `POST /v1/exec` after the trigger transaction was mined:
/// `0x177eee01 ‖ abi.encode(bytes32 txHash, uint256 chainId)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OnChainTriggerSignature {
    /// The trigger transaction.
    pub tx_hash: B256,
    /// Its chain.
    pub chain_id: u64,
}

impl OnChainTriggerSignature {
    /// Reads `0x177eee01 ‖ payload`.
    pub fn decode(signature: &[u8]) -> Result<Self, FusionSignatureError> {
        let payload = signature
            .strip_prefix(&ON_CHAIN_MODE_PREFIX)
            .ok_or(FusionSignatureError::Prefix(ON_CHAIN_MODE_PREFIX))?;
        if payload.len() != 64 {
            return Err(FusionSignatureError::Malformed(format!(
                "{} bytes after the prefix instead of 64",
                payload.len()
            )));
        }
        let (tx_hash, chain_id) = <(B256, U256)>::abi_decode_params(payload)
            .map_err(|e| FusionSignatureError::Malformed(e.to_string()))?;
        let chain_id = u64::try_from(chain_id)
            .map_err(|_| FusionSignatureError::Malformed(format!("chain id {chain_id}")))?;
        Ok(Self { tx_hash, chain_id })
    }

    /// `0x177eee01 ‖ payload`.
    pub fn encode(&self) -> Bytes {
        let payload = (self.tx_hash, U256::from(self.chain_id)).abi_encode_params();
        [&ON_CHAIN_MODE_PREFIX[..], &payload].concat().into()
    }
}

/// The calldata of an on-chain trigger: the call's own calldata (or [`NATIVE_TRANSFER_PREFIX`]
/// when it has none) followed by the supertransaction hash.
pub fn on_chain_trigger_calldata(call_data: &[u8], root: B256) -> Bytes {
    let head: &[u8] = if call_data.is_empty() {
        &NATIVE_TRANSFER_PREFIX
    } else {
        call_data
    };
    [head, root.as_slice()].concat().into()
}

/// Why a transaction cannot serve as an on-chain trigger.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TriggerTxError {
    /// Only legacy (type 0) and EIP-1559 (type 2) transactions are understood by the validator.
    #[error("transaction type {0} is not supported (legacy and EIP-1559 only)")]
    UnsupportedType(u8),
    /// The encoding is empty.
    #[error("empty transaction encoding")]
    Empty,
    /// The merkle proof is longer than the validator's one-byte count allows.
    #[error("a proof of {0} hashes does not fit the on-chain encoding")]
    ProofTooLong(usize),
}

/// The node's full ON_CHAIN userOp signature: `0x177eee01 ‖ txType ‖ signedRlpTx ‖ proof ‖ uint8 n ‖
/// bytes6 lowerBound ‖ bytes6 upperBound`.
///
/// `encoded_tx` is the signed transaction as EIP-2718 encodes it: the RLP list for a legacy
/// transaction (`0x00` is prepended here), `0x02 ‖ rlp` for an EIP-1559 one.
pub fn on_chain_user_op_signature(
    encoded_tx: &[u8],
    proof: &[B256],
    lower_bound: u64,
    upper_bound: u64,
) -> Result<Bytes, TriggerTxError> {
    let first = *encoded_tx.first().ok_or(TriggerTxError::Empty)?;
    let typed: Vec<u8> = if first >= 0xc0 {
        [&[0x00], encoded_tx].concat()
    } else if first == 0x02 {
        encoded_tx.to_vec()
    } else {
        return Err(TriggerTxError::UnsupportedType(first));
    };
    let count = u8::try_from(proof.len()).map_err(|_| TriggerTxError::ProofTooLong(proof.len()))?;
    let mut out = Vec::with_capacity(4 + typed.len() + proof.len() * 32 + 13);
    out.extend_from_slice(&ON_CHAIN_MODE_PREFIX);
    out.extend_from_slice(&typed);
    for node in proof {
        out.extend_from_slice(node.as_slice());
    }
    out.push(count);
    out.extend_from_slice(&lower_bound.to_be_bytes()[2..]);
    out.extend_from_slice(&upper_bound.to_be_bytes()[2..]);
    Ok(out.into())
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{address, b256, hex};

    use super::*;

    #[test]
    fn permit_typehash_is_the_eip2612_one() {
        assert_eq!(
            keccak256(
                "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
            ),
            PERMIT_TYPEHASH
        );
    }

    fn sample_permit() -> SdkPermitSignature {
        SdkPermitSignature {
            token: address!("0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"),
            spender: Address::repeat_byte(0x22),
            domain_separator: B256::repeat_byte(0x33),
            permit_typehash: PERMIT_TYPEHASH,
            amount: U256::from(3_010_000u64),
            chain_id: U256::from(8453u64),
            nonce: U256::from(4u64),
            v: 28,
            r: B256::repeat_byte(0x44),
            s: B256::repeat_byte(0x55),
        }
    }

    #[test]
    fn sdk_permit_round_trips_and_rejects_other_layouts() {
        let permit = sample_permit();
        let encoded = permit.encode();
        assert_eq!(&encoded[..4], &ERC20_PERMIT_MODE_PREFIX);
        assert_eq!(encoded.len(), 4 + 320);
        assert_eq!(SdkPermitSignature::decode(&encoded), Ok(permit));

        let mut simple = encoded.to_vec();
        simple[3] = 0;
        assert_eq!(
            SdkPermitSignature::decode(&simple),
            Err(FusionSignatureError::Prefix(ERC20_PERMIT_MODE_PREFIX))
        );
        assert!(matches!(
            SdkPermitSignature::decode(&encoded[..300]),
            Err(FusionSignatureError::Malformed(_))
        ));
        let mut bad_v = encoded.to_vec();
        bad_v[4 + 7 * 32 + 31] = 29;
        assert!(matches!(
            SdkPermitSignature::decode(&bad_v),
            Err(FusionSignatureError::Malformed(_))
        ));
        let mut dirty_address = encoded.to_vec();
        dirty_address[4] = 1;
        assert!(SdkPermitSignature::decode(&dirty_address).is_err());
    }

    #[test]
    fn usdc_domain_separator_matches_the_eip712_definition() {
        // USDC's domain on Base (chain 8453) at its Base address, as viem's `hashDomain` computes it.
        let separator = token_domain_separator(
            "USD Coin",
            "2",
            8453,
            address!("0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"),
        );
        assert_eq!(
            separator,
            b256!("0x02fa7265e7c5d81118673727957699e4d68f74cd74b7db77da710fe8a2c7834f")
        );
    }

    #[test]
    fn full_permit_signature_layout() {
        let permit = sample_permit();
        let proof = [B256::repeat_byte(0x66), B256::repeat_byte(0x77)];
        let root = B256::repeat_byte(0x88);
        let sig = permit_user_op_signature(&permit, true, root, 100, 280, &proof);
        let body = &sig[4..];
        let word = |i: usize| &body[i * 32..(i + 1) * 32];
        // The tuple offset, then the 13 head words, then the proof array.
        assert_eq!(U256::from_be_slice(word(0)), U256::from(0x20));
        assert_eq!(&word(1)[12..], permit.token.as_slice());
        assert_eq!(&word(2)[12..], permit.spender.as_slice());
        assert_eq!(word(3), permit.domain_separator.as_slice());
        assert_eq!(U256::from_be_slice(word(6)), U256::from(1), "isPermitTx");
        assert_eq!(word(7), root.as_slice());
        assert_eq!(U256::from_be_slice(word(8)), U256::from(100));
        assert_eq!(U256::from_be_slice(word(9)), U256::from(280));
        assert_eq!(U256::from_be_slice(word(10)), U256::from(28));
        assert_eq!(
            U256::from_be_slice(word(13)),
            U256::from(13 * 32),
            "proof offset"
        );
        assert_eq!(U256::from_be_slice(word(14)), U256::from(2));
        assert_eq!(word(15), proof[0].as_slice());
        assert_eq!(word(16), proof[1].as_slice());
        assert_eq!(body.len(), 17 * 32);
    }

    #[test]
    fn on_chain_sdk_signature_round_trips() {
        let sig = OnChainTriggerSignature {
            tx_hash: B256::repeat_byte(0xab),
            chain_id: 8453,
        };
        let encoded = sig.encode();
        assert_eq!(
            hex::encode(&encoded[..4 + 32]),
            format!("177eee01{}", "ab".repeat(32))
        );
        assert_eq!(OnChainTriggerSignature::decode(&encoded), Ok(sig));
        assert!(OnChainTriggerSignature::decode(&encoded[..60]).is_err());
        assert!(OnChainTriggerSignature::decode(&sample_permit().encode()).is_err());
    }

    #[test]
    fn on_chain_user_op_signature_layout() {
        let proof = [B256::repeat_byte(0x01)];
        // Legacy: an RLP list gets the 0x00 type byte.
        let legacy = [0xc3, 0x01, 0x02, 0x03];
        let sig = on_chain_user_op_signature(&legacy, &proof, 0x0102, 0x0304).unwrap();
        assert_eq!(
            hex::encode(&sig),
            format!(
                "177eee0100c3010203{}01{}{}",
                "01".repeat(32),
                "000000000102",
                "000000000304"
            )
        );
        // EIP-1559 keeps its own type byte.
        let eip1559 = [0x02, 0xc1, 0x80];
        let sig = on_chain_user_op_signature(&eip1559, &[], 1, 2).unwrap();
        assert_eq!(
            hex::encode(&sig),
            "177eee0102c18000000000000001000000000002"
        );
        assert_eq!(
            on_chain_user_op_signature(&[0x01, 0xc0], &[], 1, 2),
            Err(TriggerTxError::UnsupportedType(1))
        );
        assert_eq!(
            on_chain_user_op_signature(&[], &[], 1, 2),
            Err(TriggerTxError::Empty)
        );
    }

    #[test]
    fn on_chain_calldata_appends_the_hash() {
        let root = B256::repeat_byte(0x99);
        let approve = hex!("095ea7b3");
        assert_eq!(
            on_chain_trigger_calldata(&approve, root).as_ref(),
            [&approve[..], root.as_slice()].concat()
        );
        assert_eq!(
            &on_chain_trigger_calldata(&[], root)[..4],
            &NATIVE_TRANSFER_PREFIX
        );
    }
}
