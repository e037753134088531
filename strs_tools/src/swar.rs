//! Byte comparisons a 64-bit word at a time ("SIMD within a register"): the
//! one formulation of "which bytes of this word equal that byte" shared by the
//! scalar scans of the split and the CSV parser.

/// `0x01` in every byte of a word.
pub(crate) const LOW_BYTES: u64 = 0x0101_0101_0101_0101;
/// `0x80` in every byte of a word.
pub(crate) const HIGH_BYTES: u64 = LOW_BYTES << 7;
/// `0x7f` in every byte of a word.
const LOW_SEVEN: u64 = HIGH_BYTES - LOW_BYTES;

/// `byte` repeated in all 8 bytes of a word.
#[inline(always)]
pub(crate) const fn splat(byte: u8) -> u64 {
    byte as u64 * LOW_BYTES
}

/// Bit 7 of each byte of the result is set exactly when that byte of `v` is not
/// 0 (exact: no carries cross bytes, unlike the classic has-zero test, since
/// `0x7f + 0x7f < 0x100`).
#[inline(always)]
pub(crate) const fn nonzero_bytes(v: u64) -> u64 {
    ((v & LOW_SEVEN).wrapping_add(LOW_SEVEN)) | v
}

/// `0x80` in each byte of `w` equal to the byte of `pattern` (a [`splat`]),
/// 0 elsewhere. Semantically the same as comparing the 8 bytes one by one; the
/// index of the first equal byte of a little-endian word is
/// `trailing_zeros() / 8`.
#[inline(always)]
pub(crate) const fn equal_bytes(w: u64, pattern: u64) -> u64 {
    !nonzero_bytes(w ^ pattern) & HIGH_BYTES
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn equal_bytes_flags_exactly_the_equal_bytes(word in any::<[u8; 8]>(), byte in any::<u8>()) {
            let flags = equal_bytes(u64::from_le_bytes(word), splat(byte));
            for (i, &b) in word.iter().enumerate() {
                prop_assert_eq!((flags >> (8 * i)) & 0xff, if b == byte { 0x80 } else { 0 });
            }
        }
    }

    #[test]
    fn equal_bytes_has_no_false_positive_after_a_match() {
        // The classic has-zero test flags the 0x01 after a zero byte.
        let w = u64::from_le_bytes([b'\n', b'\n' ^ 1, 0, 0xff, 0x80, 0x7f, b'\n', 1]);
        assert_eq!(equal_bytes(w, splat(b'\n')), 0x80 | 0x80 << 48);
    }
}
