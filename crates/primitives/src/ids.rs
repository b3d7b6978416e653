//! Smart Sessions identifiers: permission ids, action ids and policy config ids.
//!
//! The formulas are those of the Smart Sessions contract (`IdLib`):
//!
//! | Identifier | Formula |
//! |---|---|
//! | [`PermissionId`] | `keccak256(abi.encode(address sessionValidator, bytes sessionValidatorInitData, bytes32 salt))` |
//! | [`ActionId`] | `keccak256(abi.encodePacked(address target, bytes4 selector))` |
//! | userOp policy [`ConfigId`] | `keccak256(abi.encodePacked(account, permissionId))` |
//! | action policy [`ConfigId`] | `keccak256(abi.encodePacked(account, keccak256(abi.encodePacked(permissionId, actionId))))` |
//! | ERC-1271 policy [`ConfigId`] | `keccak256(abi.encodePacked(account, keccak256(abi.encodePacked("ERC1271: ", permissionId))))` |

use std::{fmt, str::FromStr};

use alloy_primitives::{
    Address, B256, Bytes, FixedBytes, address, b256, fixed_bytes, hex, keccak256,
};
use alloy_sol_types::SolValue;
use serde::{Deserialize, Serialize};

macro_rules! b256_newtype {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(B256);

        impl $name {
            /// Wraps a raw 32-byte value.
            pub const fn new(value: B256) -> Self {
                Self(value)
            }

            /// The raw 32-byte value.
            pub const fn as_b256(&self) -> &B256 {
                &self.0
            }

            /// Unwraps the raw 32-byte value.
            pub const fn into_inner(self) -> B256 {
                self.0
            }
        }

        impl From<B256> for $name {
            fn from(value: B256) -> Self {
                Self(value)
            }
        }

        impl From<$name> for B256 {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl AsRef<[u8]> for $name {
            fn as_ref(&self) -> &[u8] {
                self.0.as_slice()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl FromStr for $name {
            type Err = hex::FromHexError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                B256::from_str(s).map(Self)
            }
        }
    };
}

b256_newtype!(
    /// Identifies a session (a "permission") of an account:
    /// `keccak256(abi.encode(sessionValidator, sessionValidatorInitData, salt))`.
    PermissionId
);

b256_newtype!(
    /// Identifies an action (a target contract and a function selector):
    /// `keccak256(abi.encodePacked(target, selector))`.
    ActionId
);

b256_newtype!(
    /// The key under which a policy stores its configuration for one account, permission and
    /// (for action policies) action.
    ConfigId
);

/// The selector used for calls whose calldata is shorter than 4 bytes (plain value transfers).
pub const VALUE_SELECTOR: FixedBytes<4> = fixed_bytes!("0xffffffff");

/// The target of the fallback actions.
pub const FALLBACK_TARGET_FLAG: Address = address!("0x0000000000000000000000000000000000000001");

/// The selector of the generic fallback action: its policies apply to actions without their own.
pub const FALLBACK_TARGET_SELECTOR_FLAG: FixedBytes<4> = fixed_bytes!("0x00000001");

/// The selector of the fallback action that permits calls to the Smart Sessions contract itself.
pub const FALLBACK_TARGET_SELECTOR_FLAG_PERMITTED_TO_CALL_SMARTSESSION: FixedBytes<4> =
    fixed_bytes!("0x00000002");

/// The 9-byte prefix of ERC-1271 policy ids.
const ERC1271_PREFIX: &[u8; 9] = b"ERC1271: ";

impl PermissionId {
    /// Derives the permission id of a session from its validator, validator init data and salt.
    pub fn from_parts(session_validator: Address, validator_init_data: &[u8], salt: B256) -> Self {
        let init_data = Bytes::copy_from_slice(validator_init_data);
        Self(keccak256(
            (session_validator, init_data, salt).abi_encode_params(),
        ))
    }
}

impl ActionId {
    /// The generic fallback action id, `actionId(address(1), 0x00000001)`.
    pub const FALLBACK: Self = Self(b256!(
        "0xd884b6afa19f8ace90a388daca691e4e28f20cdac5aeefd46ad8bd1c074d28cf"
    ));

    /// The fallback action id for calls to the Smart Sessions contract,
    /// `actionId(address(1), 0x00000002)`.
    pub const FALLBACK_SMARTSESSION_CALL: Self = Self(b256!(
        "0x986126569d6396d837d7adeb3ca726199afaf83546f38726e6f331bb92d8e9d6"
    ));

    /// Derives the action id of a target and selector.
    pub fn from_parts(target: Address, selector: FixedBytes<4>) -> Self {
        let mut preimage = [0u8; 24];
        preimage[..20].copy_from_slice(target.as_slice());
        preimage[20..].copy_from_slice(selector.as_slice());
        Self(keccak256(preimage))
    }

    /// The action id a call is checked against: the selector is the first 4 bytes of the
    /// calldata, or [`VALUE_SELECTOR`] when the calldata is shorter than 4 bytes.
    pub fn for_call(target: Address, calldata: &[u8]) -> Self {
        Self::from_parts(target, call_selector(calldata))
    }
}

/// The selector Smart Sessions reads from a call's data: its first 4 bytes, or
/// [`VALUE_SELECTOR`] when it is shorter.
pub fn call_selector(calldata: &[u8]) -> FixedBytes<4> {
    match calldata.get(..4) {
        Some(selector) => FixedBytes::from_slice(selector),
        None => VALUE_SELECTOR,
    }
}

impl ConfigId {
    /// The config id of a userOp policy: `keccak256(abi.encodePacked(account, permissionId))`.
    pub fn user_op_policy(account: Address, permission_id: PermissionId) -> Self {
        Self(keccak256(
            [account.as_slice(), permission_id.as_ref()].concat(),
        ))
    }

    /// The config id of an action policy:
    /// `keccak256(abi.encodePacked(account, keccak256(abi.encodePacked(permissionId, actionId))))`.
    pub fn action_policy(
        account: Address,
        permission_id: PermissionId,
        action_id: ActionId,
    ) -> Self {
        let inner = keccak256([permission_id.as_ref(), action_id.as_ref()].concat());
        Self(keccak256([account.as_slice(), inner.as_slice()].concat()))
    }

    /// The config id of an ERC-1271 policy:
    /// `keccak256(abi.encodePacked(account, keccak256(abi.encodePacked("ERC1271: ", permissionId))))`.
    pub fn erc1271_policy(account: Address, permission_id: PermissionId) -> Self {
        let inner = keccak256([ERC1271_PREFIX.as_slice(), permission_id.as_ref()].concat());
        Self(keccak256([account.as_slice(), inner.as_slice()].concat()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fallback_constants_match_their_formula() {
        assert_eq!(
            ActionId::from_parts(FALLBACK_TARGET_FLAG, FALLBACK_TARGET_SELECTOR_FLAG),
            ActionId::FALLBACK
        );
        assert_eq!(
            ActionId::from_parts(
                FALLBACK_TARGET_FLAG,
                FALLBACK_TARGET_SELECTOR_FLAG_PERMITTED_TO_CALL_SMARTSESSION
            ),
            ActionId::FALLBACK_SMARTSESSION_CALL
        );
    }

    #[test]
    fn short_calldata_uses_the_value_selector() {
        let target = address!("0xa11ce00000000000000000000000000000000001");
        assert_eq!(call_selector(&[]), VALUE_SELECTOR);
        assert_eq!(call_selector(&[1, 2, 3]), VALUE_SELECTOR);
        assert_eq!(call_selector(&[1, 2, 3, 4, 5]), fixed_bytes!("0x01020304"));
        assert_eq!(
            ActionId::for_call(target, &[0xaa]),
            ActionId::from_parts(target, VALUE_SELECTOR)
        );
    }

    #[test]
    fn permission_id_of_the_reference_example() {
        let id = PermissionId::from_parts(
            address!("0x00000000d12897DDAdC2044614A9677B191A2d95"),
            &[0x11; 20],
            b256!("0x0000000000000000000000000000000000000000000000000000000000000001"),
        );
        assert_eq!(
            id.into_inner(),
            b256!("0x9453ad26516e4b39fca63531f2247a0b5ecd3578f3cffc409a16c5a80349a29d")
        );
    }

    #[test]
    fn ids_print_and_parse_as_hex() {
        let id: PermissionId = "0x9453ad26516e4b39fca63531f2247a0b5ecd3578f3cffc409a16c5a80349a29d"
            .parse()
            .unwrap();
        assert_eq!(
            id.to_string(),
            "0x9453ad26516e4b39fca63531f2247a0b5ecd3578f3cffc409a16c5a80349a29d"
        );
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{id}\""));
        assert_eq!(serde_json::from_str::<PermissionId>(&json).unwrap(), id);
    }
}
