//! The Smart Sessions userOp signature: a mode byte and what that mode needs.
//!
//! | Mode | Bytes |
//! |---|---|
//! | `USE` (0x00) | `0x00 ‖ permissionId (32) ‖ sessionValidatorSig` |
//! | `ENABLE` (0x01) | `0x01 ‖ flzCompress(abi.encode(EnableSession, bytes sessionValidatorSig))` |
//! | `UNSAFE_ENABLE` (0x02) | `0x02 ‖ flzCompress(abi.encode(EnableSession, bytes sessionValidatorSig))` |
//!
//! In the enable modes the contract derives the permission id from the session to enable.

use alloy_primitives::{B256, Bytes};
use alloy_sol_types::SolValue;
use thiserror::Error;

use crate::{
    flz::{self, FlzError},
    ids::PermissionId,
    session::{EnableSession, SmartSessionMode},
};

/// Why a Smart Sessions signature does not decode.
#[derive(Debug, Error)]
pub enum SessionSignatureError {
    /// The signature is empty.
    #[error("empty Smart Sessions signature")]
    Empty,
    /// The first byte is not a mode.
    #[error("unknown Smart Sessions mode byte {0:#04x}")]
    UnknownMode(u8),
    /// A USE signature is shorter than its 33-byte head.
    #[error("USE signature is {0} bytes, shorter than mode and permission id")]
    TooShort(usize),
    /// The enable payload is not a valid FastLZ stream.
    #[error("enable payload does not decompress: {0}")]
    Decompress(#[from] FlzError),
    /// The decompressed enable payload is not `abi.encode(EnableSession, bytes)`.
    #[error("enable payload does not decode: {0}")]
    Decode(#[from] alloy_sol_types::Error),
}

/// A decoded Smart Sessions userOp signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionSignature {
    /// Use an enabled session.
    Use {
        /// The session's permission id.
        permission_id: PermissionId,
        /// What the session validator checks.
        signature: Bytes,
    },
    /// Enable a session, then use it.
    Enable {
        /// `ENABLE` or `UNSAFE_ENABLE`.
        mode: SmartSessionMode,
        /// The enable data.
        enable_session: Box<EnableSession>,
        /// What the session validator checks.
        signature: Bytes,
    },
}

/// `0x00 ‖ permissionId ‖ signature`.
pub fn encode_use(permission_id: PermissionId, signature: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(33 + signature.len());
    out.push(SmartSessionMode::USE.as_u8());
    out.extend_from_slice(permission_id.as_ref());
    out.extend_from_slice(signature);
    out.into()
}

/// The uncompressed enable payload: `abi.encode(EnableSession, bytes signature)`.
pub fn enable_payload(enable_session: &EnableSession, signature: &[u8]) -> Vec<u8> {
    (enable_session.clone(), Bytes::copy_from_slice(signature)).abi_encode_params()
}

/// `mode ‖ flzCompress(abi.encode(EnableSession, bytes signature))` for `ENABLE` or
/// `UNSAFE_ENABLE`.
///
/// # Panics
///
/// If `mode` is `USE` (use [`encode_use`]).
pub fn encode_enable(
    mode: SmartSessionMode,
    enable_session: &EnableSession,
    signature: &[u8],
) -> Bytes {
    assert!(
        mode.is_enable(),
        "encode_enable takes ENABLE or UNSAFE_ENABLE"
    );
    let compressed = flz::compress(&enable_payload(enable_session, signature));
    let mut out = Vec::with_capacity(1 + compressed.len());
    out.push(mode.as_u8());
    out.extend_from_slice(&compressed);
    out.into()
}

impl SessionSignature {
    /// Encodes the signature.
    pub fn encode(&self) -> Bytes {
        match self {
            Self::Use {
                permission_id,
                signature,
            } => encode_use(*permission_id, signature),
            Self::Enable {
                mode,
                enable_session,
                signature,
            } => encode_enable(*mode, enable_session, signature),
        }
    }

    /// Decodes a signature as the contract reads it.
    pub fn decode(data: &[u8]) -> Result<Self, SessionSignatureError> {
        let (&mode_byte, rest) = data.split_first().ok_or(SessionSignatureError::Empty)?;
        let mode = SmartSessionMode::from_u8(mode_byte)
            .ok_or(SessionSignatureError::UnknownMode(mode_byte))?;
        if mode == SmartSessionMode::USE {
            if rest.len() < 32 {
                return Err(SessionSignatureError::TooShort(data.len()));
            }
            return Ok(Self::Use {
                permission_id: PermissionId::new(B256::from_slice(&rest[..32])),
                signature: Bytes::copy_from_slice(&rest[32..]),
            });
        }
        let payload = flz::decompress(rest)?;
        let (enable_session, signature) = <(EnableSession, Bytes)>::abi_decode_params(&payload)?;
        Ok(Self::Enable {
            mode,
            enable_session: Box::new(enable_session),
            signature,
        })
    }

    /// The permission id the contract checks: read from a USE signature, derived from the
    /// session to enable otherwise.
    pub fn permission_id(&self) -> PermissionId {
        match self {
            Self::Use { permission_id, .. } => *permission_id,
            Self::Enable { enable_session, .. } => enable_session.sessionToEnable.permission_id(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::{ChainDigest, Session};

    #[test]
    fn use_round_trips() {
        let id = PermissionId::new(B256::repeat_byte(0xab));
        let encoded = encode_use(id, &[1, 2, 3]);
        assert_eq!(encoded.len(), 36);
        assert_eq!(encoded[0], 0);
        let decoded = SessionSignature::decode(&encoded).unwrap();
        assert_eq!(
            decoded,
            SessionSignature::Use {
                permission_id: id,
                signature: vec![1, 2, 3].into()
            }
        );
        assert_eq!(decoded.encode(), encoded);
    }

    #[test]
    fn enable_round_trips() {
        let enable = EnableSession {
            chainDigestIndex: 1,
            hashesAndChainIds: vec![
                ChainDigest {
                    chainId: 8453,
                    sessionDigest: B256::repeat_byte(1),
                },
                ChainDigest {
                    chainId: 10,
                    sessionDigest: B256::repeat_byte(2),
                },
            ],
            sessionToEnable: Session {
                salt: B256::repeat_byte(3),
                ..Session::default()
            },
            permissionEnableSig: vec![0u8; 85].into(),
        };
        let encoded = encode_enable(SmartSessionMode::UNSAFE_ENABLE, &enable, &[9; 65]);
        assert_eq!(encoded[0], 2);
        let decoded = SessionSignature::decode(&encoded).unwrap();
        assert_eq!(
            decoded.permission_id(),
            enable.sessionToEnable.permission_id()
        );
        let SessionSignature::Enable {
            mode,
            enable_session,
            signature,
        } = decoded
        else {
            panic!("not an enable signature");
        };
        assert_eq!(mode, SmartSessionMode::UNSAFE_ENABLE);
        assert_eq!(*enable_session, enable);
        assert_eq!(signature.as_ref(), &[9; 65]);
    }

    #[test]
    fn malformed_signatures_are_rejected() {
        assert!(matches!(
            SessionSignature::decode(&[]),
            Err(SessionSignatureError::Empty)
        ));
        assert!(matches!(
            SessionSignature::decode(&[3, 0]),
            Err(SessionSignatureError::UnknownMode(3))
        ));
        assert!(matches!(
            SessionSignature::decode(&[0; 20]),
            Err(SessionSignatureError::TooShort(20))
        ));
        assert!(matches!(
            SessionSignature::decode(&[1, 0x05, 1]),
            Err(SessionSignatureError::Decompress(_))
        ));
        assert!(matches!(
            SessionSignature::decode(&[1, 0x01, 1, 2]),
            Err(SessionSignatureError::Decode(_))
        ));
    }
}
