//! EIP-7702 mode: the owner's EOA is the account. It delegates its code to the smart-account
//! implementation with a signed authorization, which the quote request carries (`eip7702Auth`)
//! on the first userOp of every chain where the EOA is not delegated yet (the payment userOp on
//! the fee chain), in place of an `initCode`. The node sends it in a type-4 transaction.
//!
//! ```
//! use alloy::signers::local::PrivateKeySigner;
//! use mee_sdk::{eip7702, primitives::addresses::MEE_2_1_0};
//!
//! let eoa = PrivateKeySigner::random();
//! // Chain id 0: valid on every chain where the EOA's transaction nonce is 0.
//! let auth = eip7702::sign_authorization(&eoa, 0, MEE_2_1_0.account_implementation, 0)?;
//! assert_eq!(eip7702::authority(&auth), Some(eoa.address()));
//! let json = eip7702::authorization_json(&auth);
//! assert_eq!(json["chainId"], "0x0");
//! # Ok::<(), mee_sdk::Error>(())
//! ```
//!
//! Use it with an account built with [`MultichainAccountBuilder::eip7702`] on the MEE 2.1.0
//! addresses (whose validator accepts delegated owners) and
//! [`QuoteParams::eip7702_authorization`].
//!
//! [`MultichainAccountBuilder::eip7702`]: crate::account::MultichainAccountBuilder::eip7702
//! [`QuoteParams::eip7702_authorization`]: crate::quote::QuoteParams::eip7702_authorization

pub use alloy::eips::eip7702::SignedAuthorization;
use alloy::{
    eips::eip7702::Authorization,
    primitives::{Address, Bytes, U256},
    signers::SignerSync,
};
use serde_json::{Value, json};

use crate::{account::MultichainAccount, error::Result};

/// Signs an authorization delegating the signer's EOA to `implementation` on `chain_id` (0 for
/// every chain) at the EOA's transaction nonce `nonce`.
pub fn sign_authorization(
    signer: &impl SignerSync,
    chain_id: u64,
    implementation: Address,
    nonce: u64,
) -> Result<SignedAuthorization> {
    let auth = Authorization {
        chain_id: U256::from(chain_id),
        address: implementation,
        nonce,
    };
    let signature = signer.sign_hash_sync(&auth.signature_hash())?;
    Ok(auth.into_signed(signature))
}

/// The address that signed `auth`.
pub fn authority(auth: &SignedAuthorization) -> Option<Address> {
    let signature = auth.signature().ok()?;
    signature
        .recover_address_from_prehash(&auth.signature_hash())
        .ok()
}

/// `auth` as the TypeScript SDK sends it: `{chainId, address, nonce, r, s, yParity}`, with hex
/// quantities and 32-byte `r` and `s`.
pub fn authorization_json(auth: &SignedAuthorization) -> Value {
    json!({
        "chainId": format!("{:#x}", auth.chain_id),
        "address": auth.address,
        "nonce": format!("{:#x}", auth.nonce),
        "r": format!("{:#066x}", auth.r()),
        "s": format!("{:#066x}", auth.s()),
        "yParity": format!("{:#x}", auth.y_parity()),
    })
}

/// The code of an EOA delegated to `implementation`: `0xef0100 ‖ implementation`.
pub fn delegation_code(implementation: Address) -> Bytes {
    let mut code = Vec::with_capacity(23);
    code.extend_from_slice(&[0xef, 0x01, 0x00]);
    code.extend_from_slice(implementation.as_slice());
    code.into()
}

/// What the first userOp of `chain_id` carries to create the account: an authorization for
/// that chain when one is given and the EOA is not delegated as it asks yet, else the account's
/// `initCode` while it has no code.
pub(crate) async fn initialization(
    account: &MultichainAccount,
    authorizations: &[SignedAuthorization],
    chain_id: u64,
) -> Result<(Option<Bytes>, Option<Value>)> {
    let auth = authorizations
        .iter()
        .find(|auth| auth.chain_id == U256::from(chain_id))
        .or_else(|| authorizations.iter().find(|auth| auth.chain_id.is_zero()));
    let Some(auth) = auth else {
        return Ok((account.init_code(chain_id).await?, None));
    };
    let deployment = account.deployment_on(chain_id)?;
    let code = deployment.rpc()?.code(chain_id, deployment.address).await?;
    if code == delegation_code(auth.address) {
        return Ok((None, None));
    }
    Ok((None, Some(authorization_json(auth))))
}

#[cfg(test)]
mod tests {
    use alloy::signers::local::PrivateKeySigner;

    use super::*;

    #[test]
    fn the_json_round_trips_through_alloy() {
        let eoa = PrivateKeySigner::random();
        let auth = sign_authorization(&eoa, 8453, Address::repeat_byte(0x38), 7).unwrap();
        let json = authorization_json(&auth);
        assert_eq!(json["chainId"], "0x2105");
        assert_eq!(json["nonce"], "0x7");
        assert_eq!(json["r"].as_str().unwrap().len(), 66);
        let back: SignedAuthorization = serde_json::from_value(json).unwrap();
        assert_eq!(back, auth);
        assert_eq!(authority(&back), Some(eoa.address()));
        assert_eq!(delegation_code(Address::ZERO).len(), 23);
    }
}
