//! FastLZ level-1 compression, in the variant Solady's `LibZip.flzCompress` /
//! `flzDecompress` use (no level marker in the first byte).
//!
//! A stream is a sequence of instructions, each introduced by an opcode byte whose top three
//! bits `t` select the kind:
//!
//! | `t` | Instruction | Bytes |
//! |---|---|---|
//! | 0 | literal run of `(op & 31) + 1` bytes, which follow | `1 + n` |
//! | 1..=6 | match of `t + 2` bytes at distance `((op & 31) << 8 | next) + 1` | 2 |
//! | 7 | match of `next + 9` bytes at distance `((op & 31) << 8 | next2) + 1` | 3 |
//!
//! A match copies byte by byte from the output already produced, so it may overlap itself.
//! Any stream of these instructions decompresses, whichever compressor produced it; our
//! compressor's output need not equal another compressor's byte for byte.

use thiserror::Error;

/// Why a stream does not decompress.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum FlzError {
    /// A literal run extends past the end of the input.
    #[error("literal run of {len} bytes at input offset {at} is truncated")]
    TruncatedLiteral {
        /// Input offset of the opcode.
        at: usize,
        /// Length of the run.
        len: usize,
    },
    /// A match opcode lacks its operand bytes.
    #[error("match opcode at input offset {at} is truncated")]
    TruncatedMatch {
        /// Input offset of the opcode.
        at: usize,
    },
    /// A match refers to data before the start of the output.
    #[error(
        "match at input offset {at} refers {distance} bytes back but only {produced} were produced"
    )]
    DistanceTooFar {
        /// Input offset of the opcode.
        at: usize,
        /// The match distance.
        distance: usize,
        /// Output bytes produced so far.
        produced: usize,
    },
}

/// Longest literal run one opcode carries.
const MAX_LITERAL: usize = 32;
/// Shortest match worth encoding.
const MIN_MATCH: usize = 3;
/// Longest match one opcode carries: `255 + 9`.
const MAX_MATCH: usize = 264;
/// Longest distance a match can reach: 13 bits of `distance - 1`.
const MAX_DISTANCE: usize = 8192;
/// Hash table size (log2).
const HASH_LOG: u32 = 13;

/// Decompresses a FastLZ level-1 stream.
pub fn decompress(input: &[u8]) -> Result<Vec<u8>, FlzError> {
    let mut out: Vec<u8> = Vec::with_capacity(input.len() * 2);
    let mut at = 0;
    while at < input.len() {
        let op = input[at];
        let kind = op >> 5;
        if kind == 0 {
            let len = usize::from(op & 31) + 1;
            let literal = input
                .get(at + 1..at + 1 + len)
                .ok_or(FlzError::TruncatedLiteral { at, len })?;
            out.extend_from_slice(literal);
            at += 1 + len;
            continue;
        }
        let (len, low, width) = if kind < 7 {
            let low = *input.get(at + 1).ok_or(FlzError::TruncatedMatch { at })?;
            (usize::from(kind) + 2, low, 2)
        } else {
            let extra = *input.get(at + 1).ok_or(FlzError::TruncatedMatch { at })?;
            let low = *input.get(at + 2).ok_or(FlzError::TruncatedMatch { at })?;
            (usize::from(extra) + 9, low, 3)
        };
        let distance = ((usize::from(op & 31) << 8) | usize::from(low)) + 1;
        if distance > out.len() {
            return Err(FlzError::DistanceTooFar {
                at,
                distance,
                produced: out.len(),
            });
        }
        let start = out.len() - distance;
        for offset in 0..len {
            let byte = out[start + offset];
            out.push(byte);
        }
        at += width;
    }
    Ok(out)
}

/// Compresses `input` into a FastLZ level-1 stream that [`decompress`] (and Solady's
/// `LibZip.flzDecompress`) turn back into `input`.
pub fn compress(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len() / 2 + 16);
    let mut table = vec![usize::MAX; 1 << HASH_LOG];
    let mut anchor = 0;
    let mut pos = 0;
    while pos + MIN_MATCH <= input.len() {
        let slot = hash(&input[pos..pos + MIN_MATCH]);
        let candidate = table[slot];
        table[slot] = pos;
        let usable = candidate != usize::MAX
            && pos - candidate <= MAX_DISTANCE
            && input[candidate..candidate + MIN_MATCH] == input[pos..pos + MIN_MATCH];
        if !usable {
            pos += 1;
            continue;
        }
        let mut len = MIN_MATCH;
        while pos + len < input.len() && input[candidate + len] == input[pos + len] {
            len += 1;
        }
        emit_literals(&mut out, &input[anchor..pos]);
        emit_match(&mut out, pos - candidate, len);
        // Index the positions the match covered, so later data can refer to them.
        for covered in pos + 1..(pos + len).min(input.len().saturating_sub(MIN_MATCH - 1)) {
            table[hash(&input[covered..covered + MIN_MATCH])] = covered;
        }
        pos += len;
        anchor = pos;
    }
    emit_literals(&mut out, &input[anchor..]);
    out
}

fn hash(bytes: &[u8]) -> usize {
    let value = u32::from(bytes[0]) | (u32::from(bytes[1]) << 8) | (u32::from(bytes[2]) << 16);
    (value.wrapping_mul(2_654_435_769) >> (32 - HASH_LOG)) as usize
}

fn emit_literals(out: &mut Vec<u8>, mut literals: &[u8]) {
    while !literals.is_empty() {
        let take = literals.len().min(MAX_LITERAL);
        out.push((take - 1) as u8);
        out.extend_from_slice(&literals[..take]);
        literals = &literals[take..];
    }
}

fn emit_match(out: &mut Vec<u8>, distance: usize, mut len: usize) {
    debug_assert!((1..=MAX_DISTANCE).contains(&distance) && len >= MIN_MATCH);
    let code = distance - 1;
    let high = (code >> 8) as u8;
    let low = (code & 0xff) as u8;
    while len > 0 {
        // Split long matches so that no piece is shorter than MIN_MATCH.
        let piece = if len <= MAX_MATCH {
            len
        } else if len - MAX_MATCH < MIN_MATCH {
            len - MIN_MATCH
        } else {
            MAX_MATCH
        };
        let field = piece - 2;
        if field < 7 {
            out.push(((field as u8) << 5) | high);
            out.push(low);
        } else {
            out.push((7 << 5) | high);
            out.push((field - 7) as u8);
            out.push(low);
        }
        len -= piece;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (xorshift64*), so the cases are the same on every run.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    /// Data with the structure of ABI encodings: zero runs, repeated words, random bytes and
    /// copies of earlier data at varying distances.
    fn sample(rng: &mut Rng) -> Vec<u8> {
        let target = rng.below(12_000) as usize;
        let mut data = Vec::with_capacity(target);
        while data.len() < target {
            match rng.below(5) {
                0 => data.extend(std::iter::repeat_n(0u8, rng.below(400) as usize)),
                1 => {
                    let byte = rng.below(256) as u8;
                    data.extend(std::iter::repeat_n(byte, rng.below(40) as usize));
                }
                2 => data.extend((0..rng.below(64)).map(|_| rng.below(256) as u8)),
                _ if !data.is_empty() => {
                    let distance = 1 + rng.below(data.len().min(10_000) as u64) as usize;
                    let len = rng.below(600) as usize;
                    let start = data.len() - distance;
                    for offset in 0..len {
                        let byte = data[start + offset];
                        data.push(byte);
                    }
                }
                _ => data.push(rng.below(256) as u8),
            }
        }
        data
    }

    #[test]
    fn round_trips_many_generated_inputs() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for case in 0..400 {
            let data = sample(&mut rng);
            let packed = compress(&data);
            assert_eq!(decompress(&packed).unwrap(), data, "case {case}");
        }
    }

    #[test]
    fn round_trips_edge_sizes() {
        for len in 0..80 {
            let zeros = vec![0u8; len];
            assert_eq!(decompress(&compress(&zeros)).unwrap(), zeros);
            let counting: Vec<u8> = (0..len as u8).collect();
            assert_eq!(decompress(&compress(&counting)).unwrap(), counting);
        }
        for len in [263, 264, 265, 266, 267, 528, 529, 530, 20_000] {
            let zeros = vec![0u8; len];
            assert_eq!(decompress(&compress(&zeros)).unwrap(), zeros, "len {len}");
        }
    }

    #[test]
    fn compresses_abi_like_data() {
        let data = vec![0u8; 4096];
        assert!(compress(&data).len() < 64);
    }

    #[test]
    fn decodes_hand_written_streams() {
        // literal "ab", then a short match of 4 bytes at distance 2: "ababab".
        assert_eq!(
            decompress(&[0x01, b'a', b'b', 0x40, 0x01]).unwrap(),
            b"ababab"
        );
        // literal "x", then a long match of 9 + 1 = 10 bytes at distance 1.
        assert_eq!(
            decompress(&[0x00, b'x', 0xe0, 0x01, 0x00]).unwrap(),
            vec![b'x'; 11]
        );
    }

    #[test]
    fn rejects_malformed_streams() {
        assert_eq!(
            decompress(&[0x02, 1, 2]),
            Err(FlzError::TruncatedLiteral { at: 0, len: 3 })
        );
        assert_eq!(
            decompress(&[0x00, 1, 0x20]),
            Err(FlzError::TruncatedMatch { at: 2 })
        );
        assert_eq!(
            decompress(&[0x00, 1, 0xe0, 0x01]),
            Err(FlzError::TruncatedMatch { at: 2 })
        );
        assert_eq!(
            decompress(&[0x00, 1, 0x20, 0x01]),
            Err(FlzError::DistanceTooFar {
                at: 2,
                distance: 2,
                produced: 1
            })
        );
    }
}
