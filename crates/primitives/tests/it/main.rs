//! Golden-vector tests: our encodings against the TypeScript SDK's (tests/vectors).

mod mee_signature_vectors;
mod userop_vectors;
mod vectors;
