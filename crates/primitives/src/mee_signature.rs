//! MEE "simple mode" signatures (MEE < 2.2.1, K1 MEE validator 1.0.1).
//!
//! The owner (or session signer) signs one supertransaction hash: the root of a merkle tree whose
//! leaves are its userOps. The node then gives every userOp its own signature: the root, the
//! userOp's proof and the one signature. Two encodings exist:
//! - **full**, for owner userOps validated through `validateUserOp`: the leaf commits to the
//!   userOp's time bounds, which the validator returns as `validAfter`/`validUntil`;
//! - **short**, for session userOps (the validator is called statelessly by Smart Sessions, which
//!   hands it the raw userOp hash): the leaf is the userOp hash itself, without bounds.

use alloy_primitives::{B256, Bytes, U256, aliases::U48, keccak256};
use alloy_sol_types::SolValue;

use crate::{merkle::MerkleTree, userop::UserOpHash};

/// The 4-byte prefix of a SIMPLE-mode signature.
pub const SIMPLE_MODE_PREFIX: [u8; 4] = [0x17, 0x7e, 0xee, 0x00];
/// The 4-byte prefix of an ON_CHAIN (fusion transaction) signature.
pub const ON_CHAIN_MODE_PREFIX: [u8; 4] = [0x17, 0x7e, 0xee, 0x01];
/// The 4-byte prefix of an ERC20_PERMIT (fusion permit) signature.
pub const ERC20_PERMIT_MODE_PREFIX: [u8; 4] = [0x17, 0x7e, 0xee, 0x02];

/// One userOp of a supertransaction, as the merkle tree sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MeeUserOp {
    /// The ERC-4337 userOp hash.
    pub user_op_hash: UserOpHash,
    /// Not valid before (unix seconds).
    pub lower_bound_timestamp: u64,
    /// Not valid after (unix seconds).
    pub upper_bound_timestamp: u64,
    /// Whether the leaf is the short one (the raw userOp hash).
    pub short_encoding: bool,
}

impl MeeUserOp {
    /// `keccak256(keccak256(abi.encode(userOpHash, uint256 lower, uint256 upper)))`: the leaf of the
    /// full encoding, which clients call `meeUserOpHash`.
    pub fn mee_user_op_hash(&self) -> B256 {
        let inner = keccak256(
            (
                self.user_op_hash.0,
                U256::from(self.lower_bound_timestamp),
                U256::from(self.upper_bound_timestamp),
            )
                .abi_encode(),
        );
        keccak256(inner)
    }

    /// The merkle leaf: the raw userOp hash for the short encoding, else [`Self::mee_user_op_hash`].
    pub fn leaf(&self) -> B256 {
        if self.short_encoding {
            self.user_op_hash.0
        } else {
            self.mee_user_op_hash()
        }
    }
}

/// The tree over a supertransaction's userOps, in quote order.
pub fn supertransaction_tree(ops: &[MeeUserOp]) -> Option<MerkleTree> {
    MerkleTree::new(&ops.iter().map(MeeUserOp::leaf).collect::<Vec<_>>())
}

/// `0x177eee00 ‖ signature`: what a client sends as the quote signature.
pub fn quote_signature(signature: &[u8]) -> Bytes {
    [&SIMPLE_MODE_PREFIX[..], signature].concat().into()
}

/// The full per-userOp encoding:
/// `0x177eee00 ‖ abi.encode(bytes32 root, uint48 lower, uint48 upper, bytes32[] proof, bytes sig)`.
pub fn full_user_op_signature(
    root: B256,
    lower_bound_timestamp: u64,
    upper_bound_timestamp: u64,
    proof: &[B256],
    signature: &[u8],
) -> Bytes {
    let body = (
        root,
        U48::from(lower_bound_timestamp),
        U48::from(upper_bound_timestamp),
        proof.to_vec(),
        Bytes::copy_from_slice(signature),
    )
        .abi_encode_params();
    [&SIMPLE_MODE_PREFIX[..], &body].concat().into()
}

/// The short per-userOp encoding: `0x177eee00 ‖ abi.encode(bytes32 root, bytes32[] proof, bytes sig)`.
pub fn short_user_op_signature(root: B256, proof: &[B256], signature: &[u8]) -> Bytes {
    let body = (root, proof.to_vec(), Bytes::copy_from_slice(signature)).abi_encode_params();
    [&SIMPLE_MODE_PREFIX[..], &body].concat().into()
}

/// Every userOp's signature for a supertransaction signed by `signature` (the 65-byte signature
/// without the mode prefix), each in the encoding its [`MeeUserOp::short_encoding`] asks for.
/// Returns `None` for an empty list.
pub fn user_op_signatures(ops: &[MeeUserOp], signature: &[u8]) -> Option<(B256, Vec<Bytes>)> {
    let tree = supertransaction_tree(ops)?;
    let root = tree.root();
    let signatures = ops
        .iter()
        .enumerate()
        .map(|(i, op)| {
            let proof = tree.proof(i).expect("index within the tree");
            if op.short_encoding {
                short_user_op_signature(root, &proof, signature)
            } else {
                full_user_op_signature(
                    root,
                    op.lower_bound_timestamp,
                    op.upper_bound_timestamp,
                    &proof,
                    signature,
                )
            }
        })
        .collect();
    Some((root, signatures))
}
