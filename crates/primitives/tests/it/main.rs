//! Golden-vector tests: our encodings against the TypeScript SDK's (tests/vectors, produced by
//! `make vectors`). Each test walks every case of its file, so new cases are checked too.

mod mee_signature_vectors;
mod session_vectors;
mod userop_vectors;
#[path = "../../../../tests/vectors/read.rs"]
// Shared with other crates' tests; each uses part of it.
#[allow(dead_code)]
mod vectors;
