//! Golden-vector tests: our encodings against the TypeScript SDK's (tests/vectors, produced by
//! `make vectors`). Each test walks every case of its file, so new cases are checked too.

mod mee_signature_vectors;
mod session_vectors;
mod userop_vectors;
mod vectors;
