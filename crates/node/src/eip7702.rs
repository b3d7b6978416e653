//! EIP-7702 authorizations in quotes: an EOA that delegates its code to the smart-account
//! implementation and is then used as the account itself.
//!
//! The TypeScript SDK sends `eip7702Auth` on the first userOp of a chain where the EOA is not yet
//! delegated (on the payment userOp for the fee chain) as
//! `{chainId: "0x…", address, nonce: "0x…", r, s, yParity: "0x0" | "0x1"}`, which is alloy's
//! [`SignedAuthorization`] JSON. The node checks that it is signed by the userOp's sender, for
//! this chain (or every chain: chain id 0), and the executor sends the `handleOps` transaction
//! carrying it as an EIP-7702 (type 4) transaction, so the delegation is in place before the
//! EntryPoint validates the userOp.

pub use alloy::eips::eip7702::SignedAuthorization;
use alloy::primitives::{Address, Bytes, U256};
use serde_json::Value;

use crate::error::{Error, Result};

/// Reads and checks an `eip7702Auth` of a userOp of `sender` on `chain_id`.
pub fn parse(
    value: &Value,
    sender: Address,
    chain_id: u64,
    path: &str,
) -> Result<SignedAuthorization> {
    let auth: SignedAuthorization = serde_json::from_value(value.clone())
        .map_err(|err| Error::invalid_at(path, format!("not an EIP-7702 authorization: {err}")))?;
    if auth.chain_id != U256::ZERO && auth.chain_id != U256::from(chain_id) {
        return Err(Error::invalid_at(
            path,
            format!("authorizes chain {}, not {chain_id}", auth.chain_id),
        ));
    }
    let authority = authority(&auth)
        .ok_or_else(|| Error::invalid_at(path, "the authorization signature does not recover"))?;
    if authority != sender {
        return Err(Error::invalid_at(
            path,
            format!("signed by {authority}, but the userOp's sender is {sender}"),
        ));
    }
    Ok(auth)
}

/// The account that signed `auth`.
pub fn authority(auth: &SignedAuthorization) -> Option<Address> {
    let signature = auth.signature().ok()?;
    signature
        .recover_address_from_prehash(&auth.signature_hash())
        .ok()
}

/// The code of an account delegated to `implementation`: `0xef0100 ‖ implementation`.
pub fn delegation_code(implementation: Address) -> Bytes {
    let mut code = Vec::with_capacity(23);
    code.extend_from_slice(&[0xef, 0x01, 0x00]);
    code.extend_from_slice(implementation.as_slice());
    code.into()
}

#[cfg(test)]
mod tests {
    use alloy::{
        eips::eip7702::Authorization,
        signers::{SignerSync, local::PrivateKeySigner},
    };

    use super::*;

    fn signed(signer: &PrivateKeySigner, chain_id: u64) -> SignedAuthorization {
        let auth = Authorization {
            chain_id: U256::from(chain_id),
            address: Address::repeat_byte(0x38),
            nonce: 4,
        };
        let signature = signer.sign_hash_sync(&auth.signature_hash()).unwrap();
        auth.into_signed(signature)
    }

    #[test]
    fn reads_the_typescript_sdk_shape_and_checks_signer_and_chain() {
        let signer = PrivateKeySigner::random();
        let auth = signed(&signer, 8453);
        // viem's serialisation: hex quantities, 32-byte r and s, yParity as a quantity.
        let json = serde_json::json!({
            "chainId": "0x2105",
            "address": auth.address,
            "nonce": "0x4",
            "r": format!("0x{:064x}", auth.r()),
            "s": format!("0x{:064x}", auth.s()),
            "yParity": format!("0x{}", auth.y_parity()),
        });
        let parsed = parse(&json, signer.address(), 8453, "x").unwrap();
        assert_eq!(parsed, auth);
        assert_eq!(authority(&parsed), Some(signer.address()));
        assert!(parse(&json, Address::repeat_byte(1), 8453, "x").is_err());
        assert!(parse(&json, signer.address(), 10, "x").is_err());
        let everywhere = serde_json::to_value(signed(&signer, 0)).unwrap();
        assert!(parse(&everywhere, signer.address(), 10, "x").is_ok());
        assert!(parse(&serde_json::json!({"chainId": 1}), signer.address(), 1, "x").is_err());
        assert_eq!(delegation_code(Address::ZERO).len(), 23);
    }
}
