//! Nexus nonce keys.
//!
//! A Nexus nonce is `[3 bytes free key][1 byte validation mode][20 bytes validator][8 bytes
//! sequence]`: the EntryPoint's `uint192` key is the first 24 bytes and the sequence the last 8
//! (`nonce = key << 64 | sequence`). The validator field selects the validator that checks the
//! userOp (`address(0)` = the account's default validator); the SDK fills the free key from the
//! clock, `Date.now() % 16777215`, so concurrent userOps use different keys.

use alloy_primitives::{Address, U256, aliases::U192};

/// The modulus of the free 3-byte part of a key (`2^24 - 1`, as the SDK applies it).
pub const KEY_PART_MODULUS: u64 = 16_777_215;

/// The validation mode byte of a nonce.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ValidationMode {
    /// Plain validation.
    #[default]
    Validation = 0x00,
    /// Install a module inside validation.
    ModuleEnable = 0x01,
    /// EIP-7702 PREP initialisation.
    Prep = 0x02,
}

impl ValidationMode {
    /// The mode of a byte, if it is one.
    pub const fn from_u8(byte: u8) -> Option<Self> {
        match byte {
            0 => Some(Self::Validation),
            1 => Some(Self::ModuleEnable),
            2 => Some(Self::Prep),
            _ => None,
        }
    }
}

/// A `uint192` EntryPoint nonce key in the Nexus layout.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NonceKey {
    /// The free 3-byte part (already reduced modulo [`KEY_PART_MODULUS`]).
    pub key_part: u32,
    /// The raw validation mode byte.
    pub mode: u8,
    /// The validator (`address(0)` = the account's default validator).
    pub validator: Address,
}

impl NonceKey {
    /// A key from a free part (reduced modulo 16777215, as the SDK does), a mode and a
    /// validator.
    pub fn new(key_part: u64, mode: ValidationMode, validator: Address) -> Self {
        Self {
            key_part: (key_part % KEY_PART_MODULUS) as u32,
            mode: mode as u8,
            validator,
        }
    }

    /// The key the SDK derives from a clock reading in milliseconds.
    pub fn from_millis(millis: u64, mode: ValidationMode, validator: Address) -> Self {
        Self::new(millis, mode, validator)
    }

    /// The 24 key bytes.
    pub fn to_bytes(&self) -> [u8; 24] {
        let mut out = [0u8; 24];
        out[..3].copy_from_slice(&self.key_part.to_be_bytes()[1..]);
        out[3] = self.mode;
        out[4..].copy_from_slice(self.validator.as_slice());
        out
    }

    /// The key as the EntryPoint's `uint192`.
    pub fn to_u192(&self) -> U192 {
        U192::from_be_bytes(self.to_bytes())
    }

    /// The full nonce for an EntryPoint sequence: `key << 64 | sequence`.
    pub fn nonce(&self, sequence: u64) -> U256 {
        (U256::from(self.to_u192()) << 64) | U256::from(sequence)
    }

    /// Splits a full nonce into its key and sequence.
    pub fn split(nonce: U256) -> (Self, u64) {
        let bytes = nonce.to_be_bytes::<32>();
        let key_part = u32::from_be_bytes([0, bytes[0], bytes[1], bytes[2]]);
        let key = Self {
            key_part,
            mode: bytes[3],
            validator: Address::from_slice(&bytes[4..24]),
        };
        let sequence = u64::from_be_bytes(bytes[24..].try_into().expect("8 bytes"));
        (key, sequence)
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::address;

    use super::*;

    #[test]
    fn key_part_wraps_below_2_pow_24_minus_1() {
        assert_eq!(
            NonceKey::new(16_777_215, ValidationMode::Validation, Address::ZERO).key_part,
            0
        );
        assert_eq!(
            NonceKey::new(16_777_220, ValidationMode::Validation, Address::ZERO).key_part,
            5
        );
        assert_eq!(
            NonceKey::from_millis(1_735_689_600_000, ValidationMode::Validation, Address::ZERO)
                .key_part,
            2_822_175
        );
    }

    #[test]
    fn split_reverses_nonce() {
        let key = NonceKey::new(
            12345,
            ValidationMode::ModuleEnable,
            address!("0x00000000008bDABA73cD9815d79069c247Eb4bDA"),
        );
        let nonce = key.nonce(7);
        assert_eq!(NonceKey::split(nonce), (key, 7));
        assert_eq!(
            ValidationMode::from_u8(key.mode),
            Some(ValidationMode::ModuleEnable)
        );
    }
}
