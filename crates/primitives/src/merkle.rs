//! The supertransaction merkle tree.
//!
//! The same tree as OpenZeppelin's `SimpleMerkleTree.of(leaves, { sortLeaves: true })`, which the
//! MEE clients and the on-chain verifier (`MerkleProof.verify`) agree on: leaves are used as they
//! are (no extra hashing), sorted ascending, and every inner node is the keccak256 of its two
//! children in ascending order. Proofs are requested by a leaf's *original* position.

use alloy_primitives::{B256, keccak256};

/// A merkle tree over 32-byte leaves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MerkleTree {
    /// Nodes in array layout: `nodes[0]` is the root; children of `i` are `2i+1` and `2i+2`; the
    /// sorted leaves occupy the last `n` slots in reverse order.
    nodes: Vec<B256>,
    /// For each leaf in original order, its index in `nodes`.
    positions: Vec<usize>,
}

/// `keccak256(min(a, b) ‖ max(a, b))`.
pub fn hash_pair(a: B256, b: B256) -> B256 {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    let mut buf = [0u8; 64];
    buf[..32].copy_from_slice(lo.as_slice());
    buf[32..].copy_from_slice(hi.as_slice());
    keccak256(buf)
}

impl MerkleTree {
    /// Builds the tree. Returns `None` for an empty leaf list.
    pub fn new(leaves: &[B256]) -> Option<Self> {
        if leaves.is_empty() {
            return None;
        }
        let n = leaves.len();
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&i| leaves[i]);

        let mut nodes = vec![B256::ZERO; 2 * n - 1];
        let mut positions = vec![0; n];
        for (sorted_index, &original) in order.iter().enumerate() {
            let position = nodes.len() - 1 - sorted_index;
            nodes[position] = leaves[original];
            positions[original] = position;
        }
        for i in (0..nodes.len() - n).rev() {
            nodes[i] = hash_pair(nodes[2 * i + 1], nodes[2 * i + 2]);
        }
        Some(Self { nodes, positions })
    }

    /// The root (the supertransaction hash).
    pub fn root(&self) -> B256 {
        self.nodes[0]
    }

    /// The number of leaves.
    pub fn len(&self) -> usize {
        self.positions.len()
    }

    /// Always false: a tree has at least one leaf.
    pub fn is_empty(&self) -> bool {
        self.positions.is_empty()
    }

    /// The proof of the leaf at `index` in the original order, bottom-up.
    pub fn proof(&self, index: usize) -> Option<Vec<B256>> {
        let mut position = *self.positions.get(index)?;
        let mut proof = Vec::new();
        while position > 0 {
            let sibling = if position % 2 == 1 {
                position + 1
            } else {
                position - 1
            };
            proof.push(self.nodes[sibling]);
            position = (position - 1) / 2;
        }
        Some(proof)
    }
}

/// Whether `proof` proves `leaf` under `root` (OpenZeppelin `MerkleProof.verify`).
pub fn verify(proof: &[B256], root: B256, leaf: B256) -> bool {
    proof
        .iter()
        .fold(leaf, |node, sibling| hash_pair(node, *sibling))
        == root
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(i: u8) -> B256 {
        keccak256([i])
    }

    #[test]
    fn empty_has_no_tree() {
        assert!(MerkleTree::new(&[]).is_none());
    }

    #[test]
    fn single_leaf_is_its_own_root_with_empty_proof() {
        let tree = MerkleTree::new(&[leaf(1)]).unwrap();
        assert_eq!(tree.root(), leaf(1));
        assert_eq!(tree.proof(0).unwrap(), Vec::<B256>::new());
        assert!(tree.proof(1).is_none());
    }

    #[test]
    fn every_proof_verifies_and_tampering_fails() {
        for n in 1..=9u8 {
            let leaves: Vec<B256> = (0..n).map(leaf).collect();
            let tree = MerkleTree::new(&leaves).unwrap();
            for (i, l) in leaves.iter().enumerate() {
                let proof = tree.proof(i).unwrap();
                assert!(verify(&proof, tree.root(), *l), "n={n} i={i}");
                assert!(
                    !verify(&proof, tree.root(), leaf(200)),
                    "n={n} i={i} foreign leaf"
                );
                if let Some(first) = proof.first() {
                    let mut bad = proof.clone();
                    bad[0] = B256::from(first.0.map(|b| b ^ 1));
                    assert!(!verify(&bad, tree.root(), *l), "n={n} i={i} bad proof");
                }
            }
        }
    }

    #[test]
    fn root_does_not_depend_on_leaf_order() {
        let a = MerkleTree::new(&[leaf(1), leaf(2), leaf(3)]).unwrap();
        let b = MerkleTree::new(&[leaf(3), leaf(1), leaf(2)]).unwrap();
        assert_eq!(a.root(), b.root());
    }
}
