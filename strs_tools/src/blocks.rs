//! Classification of 64-byte blocks into bitmasks: bit `i` of a mask is set when
//! byte `i` of the block is a quote, a terminator byte or the delimiter. The
//! CSV record counter (`csv/plan.rs`) and block parser (`csv/block_parse.rs`)
//! work on these masks, and the parallel split finds a dense delimiter byte
//! with them ([`ByteMasks`]):
//! quote state for a whole block comes from one prefix XOR, and structure is
//! found by walking set bits instead of bytes (the technique of simdjson and
//! simd-csv).
//!
//! Three kernels produce the same masks: AVX-512BW and AVX2 (x86-64, detected at
//! run time) and a portable 8-bytes-per-word one. Code that uses the masks is written once,
//! generic over [`Kernel`] as a [`BlockTask`], and [`dispatch`] compiles it into
//! each kernel's entry point, so the AVX2 comparisons inline into its loops.
//!
//! This is one of the crate's three `unsafe` modules: the SIMD loads and
//! comparisons. Their safety rests on two facts checked here, once: a kernel
//! value exists only after run-time detection of its instructions, and every load
//! reads inside a `&[u8; 64]`.

use crate::swar::{equal_bytes, splat};

/// The bytes per block.
pub(crate) const BLOCK: usize = 64;

/// The masks of one block.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Masks {
    /// Quote bytes (always 0 when quoting is off).
    pub(crate) quote: u64,
    /// Terminator bytes (`\n` and `\r`, or the one terminator byte).
    pub(crate) term: u64,
}

/// The bytes a kernel looks for.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Classes {
    delimiter: u8,
    quote: u8,
    quoting: bool,
    t1: u8,
    t2: u8,
}

impl Classes {
    /// The classes of a dialect: its field delimiter, its quote (`None`: no
    /// quoting) and its one or two terminator bytes.
    pub(crate) fn new(delimiter: u8, quote: Option<u8>, (t1, t2): (u8, u8)) -> Classes {
        Classes {
            delimiter,
            quote: quote.unwrap_or(delimiter),
            quoting: quote.is_some(),
            t1,
            t2,
        }
    }
}

impl Classes {
    /// The classes for finding one byte: it is the terminator (both terminator
    /// bytes), and nothing else is looked for.
    pub(crate) fn byte(byte: u8) -> Classes {
        Classes {
            delimiter: byte,
            quote: byte,
            quoting: false,
            t1: byte,
            t2: byte,
        }
    }
}

/// Block classification: equal results from every implementation (tested
/// against a byte loop).
pub(crate) trait Kernel: Copy {
    /// The quote and terminator masks of `block`.
    fn masks(self, block: &[u8; BLOCK]) -> Masks;
    /// The mask of the bytes of `block` that end an unquoted field: the
    /// delimiter and the terminator bytes.
    fn field_ends(self, block: &[u8; BLOCK]) -> u64;
}

/// The portable kernel: each 8-byte word is compared with a byte broadcast to
/// all lanes; the high bit of each equal byte is then gathered into 8 mask bits
/// by one multiplication.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Words {
    delimiter: u64,
    quote: u64,
    t1: u64,
    t2: u64,
    quoting: bool,
}

impl Words {
    pub(crate) fn new(c: Classes) -> Words {
        Words {
            delimiter: splat(c.delimiter),
            quote: splat(c.quote),
            t1: splat(c.t1),
            t2: splat(c.t2),
            quoting: c.quoting,
        }
    }

    /// The 8 high bits of `high` (one per byte) as the low 8 bits of the result:
    /// after the shift each byte is 0 or 1, and the multiplier adds byte `j`
    /// into bit `56 + j` with no two partial products on the same bit.
    #[inline(always)]
    fn gather(high: u64) -> u64 {
        ((high >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56
    }

    #[inline(always)]
    fn each_word(block: &[u8; BLOCK], mut f: impl FnMut(u64) -> u64) -> u64 {
        let mut mask = 0;
        for (k, word) in block.as_chunks::<8>().0.iter().enumerate() {
            let w = u64::from_le_bytes(*word);
            mask |= Self::gather(f(w)) << (8 * k);
        }
        mask
    }
}

impl Kernel for Words {
    #[inline(always)]
    fn masks(self, block: &[u8; BLOCK]) -> Masks {
        let quote = if self.quoting {
            Self::each_word(block, |w| equal_bytes(w, self.quote))
        } else {
            0
        };
        let term = Self::each_word(block, |w| equal_bytes(w, self.t1) | equal_bytes(w, self.t2));
        Masks { quote, term }
    }

    #[inline(always)]
    fn field_ends(self, block: &[u8; BLOCK]) -> u64 {
        Self::each_word(block, |w| {
            equal_bytes(w, self.delimiter) | equal_bytes(w, self.t1) | equal_bytes(w, self.t2)
        })
    }
}

/// Work on blocks, generic over the kernel: [`dispatch`] compiles it for the
/// fastest kernel of this CPU. `run` and everything it calls on the hot path must
/// be `#[inline(always)]`, so the kernel's instructions inline into the loop
/// compiled for them (a closure would not be: it stays a separate function).
pub(crate) trait BlockTask {
    type Output;
    fn run<K: Kernel>(self, kernel: K) -> Self::Output;
}

/// The kernels, fastest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KernelKind {
    /// AVX-512BW (x86-64): one load and one mask comparison per byte class.
    Avx512,
    /// AVX2 (x86-64): two loads, comparisons and `movemask`s per byte class.
    Avx2,
    /// 8-byte words: portable. Chosen by name only in tests (which run every
    /// kernel); `dispatch` falls back to it directly.
    #[cfg_attr(not(test), allow(dead_code))]
    Words,
}

#[cfg(test)]
impl KernelKind {
    pub(crate) const ALL: [KernelKind; 3] = [KernelKind::Avx512, KernelKind::Avx2, KernelKind::Words];
}

/// Runs `task` with the fastest kernel this CPU has.
pub(crate) fn dispatch<T: BlockTask>(classes: Classes, task: T) -> T::Output {
    #[cfg(test)]
    let task = match tests::FORCED.with(std::cell::Cell::get) {
        Some(kind) => match dispatch_with(kind, classes, task) {
            Ok(out) => return out,
            Err(task) => task,
        },
        None => task,
    };
    let task = match dispatch_with(KernelKind::Avx512, classes, task) {
        Ok(out) => return out,
        Err(task) => task,
    };
    match dispatch_with(KernelKind::Avx2, classes, task) {
        Ok(out) => out,
        Err(task) => task.run(Words::new(classes)),
    }
}

/// Runs `task` with the kernel `kind`, or gives it back if this CPU lacks it.
pub(crate) fn dispatch_with<T: BlockTask>(
    kind: KernelKind,
    classes: Classes,
    task: T,
) -> Result<T::Output, T> {
    match kind {
        #[cfg(target_arch = "x86_64")]
        KernelKind::Avx512 => match avx512::Avx512::detect(classes) {
            Some(k) => Ok(k.run(task)),
            None => Err(task),
        },
        #[cfg(target_arch = "x86_64")]
        KernelKind::Avx2 => match avx2::Avx2::detect(classes) {
            Some(k) => Ok(k.run(task)),
            None => Err(task),
        },
        KernelKind::Words => Ok(task.run(Words::new(classes))),
        #[cfg(not(target_arch = "x86_64"))]
        _ => Err(task),
    }
}

/// The bit-counting instructions every kernel's loops use (BMI1, BMI2, LZCNT,
/// POPCNT), present on every CPU with AVX2.
#[cfg(target_arch = "x86_64")]
fn has_bit_counting() -> bool {
    std::is_x86_feature_detected!("bmi1")
        && std::is_x86_feature_detected!("bmi2")
        && std::is_x86_feature_detected!("lzcnt")
        && std::is_x86_feature_detected!("popcnt")
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use core::arch::x86_64::{__m512i, _mm512_cmpeq_epi8_mask, _mm512_loadu_si512, _mm512_set1_epi8};

    use super::{BlockTask, Classes, Kernel, Masks, BLOCK};

    /// Proof that this CPU has AVX-512F, AVX-512BW and the bit-counting
    /// instructions: [`Avx512::detect`] is the only constructor.
    #[derive(Clone, Copy, Debug)]
    pub(crate) struct Avx512 {
        classes: Classes,
    }

    impl Avx512 {
        /// The AVX-512 kernel, if this CPU has AVX-512BW.
        pub(crate) fn detect(classes: Classes) -> Option<Avx512> {
            let has = std::is_x86_feature_detected!("avx512f")
                && std::is_x86_feature_detected!("avx512bw")
                && super::has_bit_counting();
            has.then_some(Avx512 { classes })
        }

        /// Runs `task` compiled with AVX-512 enabled, so the kernel's
        /// comparisons inline into its loops.
        #[inline(always)]
        pub(crate) fn run<T: BlockTask>(self, task: T) -> T::Output {
            #[target_feature(enable = "avx512f,avx512bw,bmi1,bmi2,lzcnt,popcnt")]
            unsafe fn enabled<T: BlockTask>(classes: Classes, task: T) -> T::Output {
                // The broadcasts are made here, once, where AVX-512 is enabled.
                let splat = |byte: u8| _mm512_set1_epi8(byte as i8);
                task.run(Avx512Kernel {
                    delimiter: splat(classes.delimiter),
                    quote: splat(classes.quote),
                    t1: splat(classes.t1),
                    t2: splat(classes.t2),
                    quoting: classes.quoting,
                })
            }
            // SAFETY: `self` proves the features `enabled` is compiled for.
            unsafe { enabled(self.classes, task) }
        }
    }

    /// The AVX-512 kernel: one 64-byte load per block and one comparison per
    /// byte, straight into a 64-bit mask. Made only inside `Avx512::run`, so
    /// holding one proves AVX-512BW too.
    #[derive(Clone, Copy)]
    pub(crate) struct Avx512Kernel {
        delimiter: __m512i,
        quote: __m512i,
        t1: __m512i,
        t2: __m512i,
        quoting: bool,
    }

    impl Avx512Kernel {
        #[inline(always)]
        fn load(self, block: &[u8; BLOCK]) -> __m512i {
            // SAFETY: AVX-512F is proven (see `Avx512Kernel`); the unaligned load
            // reads the 64 bytes of `block`.
            unsafe { _mm512_loadu_si512(block.as_ptr().cast()) }
        }

        #[inline(always)]
        fn equal(self, v: __m512i, byte: __m512i) -> u64 {
            // SAFETY: AVX-512BW is proven; the comparison computes on registers.
            unsafe { _mm512_cmpeq_epi8_mask(v, byte) }
        }
    }

    impl Kernel for Avx512Kernel {
        #[inline(always)]
        fn masks(self, block: &[u8; BLOCK]) -> Masks {
            let v = self.load(block);
            let quote = if self.quoting {
                self.equal(v, self.quote)
            } else {
                0
            };
            let term = self.equal(v, self.t1) | self.equal(v, self.t2);
            Masks { quote, term }
        }

        #[inline(always)]
        fn field_ends(self, block: &[u8; BLOCK]) -> u64 {
            let v = self.load(block);
            self.equal(v, self.delimiter) | self.equal(v, self.t1) | self.equal(v, self.t2)
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use core::arch::x86_64::{
        __m256i, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_movemask_epi8, _mm256_or_si256,
        _mm256_set1_epi8,
    };

    use super::{BlockTask, Classes, Kernel, Masks, BLOCK};

    /// Proof that this CPU has AVX2 and the bit-counting instructions (BMI1,
    /// BMI2, LZCNT, POPCNT): [`Avx2::detect`] is the only constructor.
    #[derive(Clone, Copy, Debug)]
    pub(crate) struct Avx2 {
        classes: Classes,
    }

    impl Avx2 {
        /// The AVX2 kernel, if this CPU has AVX2.
        pub(crate) fn detect(classes: Classes) -> Option<Avx2> {
            let has = std::is_x86_feature_detected!("avx2") && super::has_bit_counting();
            has.then_some(Avx2 { classes })
        }

        /// Runs `task` compiled with AVX2 enabled, so the kernel's comparisons
        /// inline into its loops.
        #[inline(always)]
        pub(crate) fn run<T: BlockTask>(self, task: T) -> T::Output {
            #[target_feature(enable = "avx2,bmi1,bmi2,lzcnt,popcnt")]
            unsafe fn enabled<T: BlockTask>(classes: Classes, task: T) -> T::Output {
                // The broadcasts are made here, once, where AVX2 is enabled.
                let splat = |byte: u8| _mm256_set1_epi8(byte as i8);
                task.run(Avx2Kernel {
                    delimiter: splat(classes.delimiter),
                    quote: splat(classes.quote),
                    t1: splat(classes.t1),
                    t2: splat(classes.t2),
                    quoting: classes.quoting,
                })
            }
            // SAFETY: `self` proves the features `enabled` is compiled for.
            unsafe { enabled(self.classes, task) }
        }
    }

    /// The AVX2 kernel: two 32-byte loads per block, one comparison per byte
    /// class and half, `movemask` to 32 mask bits. Made only inside
    /// `Avx2::run`, so holding one proves AVX2 too.
    #[derive(Clone, Copy)]
    pub(crate) struct Avx2Kernel {
        delimiter: __m256i,
        quote: __m256i,
        t1: __m256i,
        t2: __m256i,
        quoting: bool,
    }

    impl Avx2Kernel {
        /// The two 32-byte halves of `block`.
        #[inline(always)]
        fn halves(self, block: &[u8; BLOCK]) -> [__m256i; 2] {
            let p = block.as_ptr().cast::<__m256i>();
            // SAFETY: AVX2 is proven (see `Avx2Kernel`); both unaligned loads read
            // 32 bytes inside the 64 of `block`.
            unsafe { [_mm256_loadu_si256(p), _mm256_loadu_si256(p.add(1))] }
        }

        /// The mask of the bytes equal to one of `bytes`.
        #[inline(always)]
        fn equal<const N: usize>(self, halves: [__m256i; 2], bytes: [__m256i; N]) -> u64 {
            // SAFETY: AVX2 is proven; the intrinsics compute on registers only.
            let half = |h: __m256i| unsafe {
                let mut eq = _mm256_cmpeq_epi8(h, bytes[0]);
                for &b in &bytes[1..] {
                    eq = _mm256_or_si256(eq, _mm256_cmpeq_epi8(h, b));
                }
                u64::from(_mm256_movemask_epi8(eq) as u32)
            };
            half(halves[0]) | half(halves[1]) << 32
        }
    }

    impl Kernel for Avx2Kernel {
        #[inline(always)]
        fn masks(self, block: &[u8; BLOCK]) -> Masks {
            let h = self.halves(block);
            let quote = if self.quoting {
                self.equal(h, [self.quote])
            } else {
                0
            };
            let term = self.equal(h, [self.t1, self.t2]);
            Masks { quote, term }
        }

        #[inline(always)]
        fn field_ends(self, block: &[u8; BLOCK]) -> u64 {
            self.equal(self.halves(block), [self.delimiter, self.t1, self.t2])
        }
    }
}

/// The quotes of a block that parity would wrongly take for syntax (in CSV,
/// `double_quote`: whether `""` escapes a quote), given which bytes are inside quotes (`inside`: for a quote, that the quotes before it are
/// odd, so that it closes them): an opening quote whose preceding byte may not
/// stand there, or a closing quote whose next byte may not. The bytes that may
/// are the field ends (`field_ends`) and, with `""` escaping, quotes; `before` and
/// `after` say it (as 0 or 1) of the bytes just outside the block, whose last
/// byte is `last`.
#[inline(always)]
pub(crate) fn misread_quotes(
    double_quote: bool,
    quotes: u64,
    field_ends: u64,
    inside: u64,
    (before, after, last): (u64, u64, u32),
) -> u64 {
    let syntax = if double_quote {
        field_ends | quotes
    } else {
        field_ends
    };
    // Bit i: byte i - 1 (resp. i + 1) may stand next to a syntax quote.
    let before = syntax << 1 | before;
    let after = syntax >> 1 | after << last;
    quotes & ((!inside & !before) | (inside & !after))
}

/// The inclusive prefix XOR of `x`: bit `i` of the result is the parity of the
/// set bits `0..=i` of `x`.
#[inline(always)]
pub(crate) fn prefix_xor(mut x: u64) -> u64 {
    for shift in [1, 2, 4, 8, 16, 32] {
        x ^= x << shift;
    }
    x
}

/// All ones if `x` has an odd number of set bits, else 0.
#[inline(always)]
pub(crate) fn odd_mask(x: u64) -> u64 {
    0u64.wrapping_sub(u64::from(x.count_ones() & 1))
}

/// The block of `input` at `at`, and the mask of its bytes before `end`: a
/// reference into `input` when 64 bytes are left there, else a copy into `spare`
/// padded with zeros.
#[inline(always)]
pub(crate) fn block_at<'a>(
    input: &'a [u8],
    at: usize,
    end: usize,
    spare: &'a mut [u8; BLOCK],
) -> (&'a [u8; BLOCK], u64) {
    let valid = match end.saturating_sub(at) {
        n if n >= BLOCK => !0,
        n => (1u64 << n) - 1,
    };
    match input.get(at..).and_then(<[u8]>::first_chunk::<BLOCK>) {
        Some(block) => (block, valid),
        None => {
            let rest = &input[at.min(input.len())..];
            *spare = [0; BLOCK];
            spare[..rest.len()].copy_from_slice(rest);
            (spare, valid)
        }
    }
}

/// How many blocks [`ByteMasks`] classifies per kernel call: enough to
/// amortise the dispatch, few enough for the masks to stay in L1 on the stack.
const BATCH: usize = 64;

/// Where one byte occurs in a slice, 64 bytes at a time: yields `(base, mask)`
/// for each 64-byte block from the start, bit `i` of `mask` set when
/// `hay[base + i]` is the byte (bits past the end are clear). The caller walks
/// the set bits with `trailing_zeros` in its own loop, which keeps the walk in
/// registers; the blocks are classified by the fastest kernel, a batch at a
/// time. At memory speed when matches are a few dozen bytes apart, where
/// per-match `memchr` calls spend more time starting than searching.
pub(crate) struct ByteMasks<'h> {
    hay: &'h [u8],
    classes: Classes,
    /// The masks of the classified batch; `masks[next_mask..filled]` are still
    /// to be yielded, the first of them for the block at `base`.
    masks: [u64; BATCH],
    filled: usize,
    next_mask: usize,
    base: usize,
}

impl<'h> ByteMasks<'h> {
    pub(crate) fn new(byte: u8, hay: &'h [u8]) -> ByteMasks<'h> {
        ByteMasks {
            hay,
            classes: Classes::byte(byte),
            masks: [0; BATCH],
            filled: 0,
            next_mask: 0,
            base: 0,
        }
    }
}

/// Classifies up to [`BATCH`] blocks of `hay` from `at` into `masks`.
struct ClassifyBatch<'a> {
    hay: &'a [u8],
    at: usize,
    masks: &'a mut [u64; BATCH],
}

impl BlockTask for ClassifyBatch<'_> {
    /// The number of masks written.
    type Output = usize;

    #[inline(always)]
    fn run<K: Kernel>(self, kernel: K) -> usize {
        let mut spare = [0u8; BLOCK];
        let mut at = self.at;
        let mut n = 0;
        while n < BATCH && at < self.hay.len() {
            let (block, valid) = block_at(self.hay, at, self.hay.len(), &mut spare);
            self.masks[n] = kernel.masks(block).term & valid;
            n += 1;
            at += BLOCK;
        }
        n
    }
}

impl Iterator for ByteMasks<'_> {
    /// A block's start and the mask of the byte in it.
    type Item = (usize, u64);

    #[inline]
    fn next(&mut self) -> Option<(usize, u64)> {
        if self.next_mask == self.filled {
            let at = self.base + self.filled * BLOCK;
            if at >= self.hay.len() {
                return None;
            }
            let task = ClassifyBatch {
                hay: self.hay,
                at,
                masks: &mut self.masks,
            };
            self.filled = dispatch(self.classes, task);
            self.next_mask = 0;
            self.base = at;
        }
        let item = (self.base + self.next_mask * BLOCK, self.masks[self.next_mask]);
        self.next_mask += 1;
        Some(item)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::cell::Cell;

    thread_local! {
        /// The kernel `dispatch` uses on this thread, if not the fastest.
        pub(crate) static FORCED: Cell<Option<KernelKind>> = const { Cell::new(None) };
    }

    /// Runs `f` once with each kernel this CPU has, forced on this thread (the
    /// generic code above the kernels is tested with each, not only the
    /// fastest), up to the first error.
    pub(crate) fn with_each_kernel<E>(mut f: impl FnMut(KernelKind) -> Result<(), E>) -> Result<(), E> {
        let mut result = Ok(());
        for kind in KernelKind::ALL {
            if result.is_ok() && dispatch_with(kind, Classes::byte(b','), ()).is_ok() {
                FORCED.with(|forced| forced.set(Some(kind)));
                result = f(kind);
            }
        }
        FORCED.with(|forced| forced.set(None));
        result
    }

    impl BlockTask for () {
        type Output = ();
        fn run<K: Kernel>(self, _: K) {}
    }
    use proptest::prelude::*;

    fn naive(c: &Classes, block: &[u8; BLOCK]) -> (Masks, u64) {
        let mut m = Masks::default();
        let mut field_ends = 0;
        for (i, &b) in block.iter().enumerate() {
            let term = b == c.t1 || b == c.t2;
            m.quote |= u64::from(c.quoting && b == c.quote) << i;
            m.term |= u64::from(term) << i;
            field_ends |= u64::from(b == c.delimiter || term) << i;
        }
        (m, field_ends)
    }

    struct MasksOf<'a>(&'a [u8; BLOCK]);

    impl BlockTask for MasksOf<'_> {
        type Output = (Masks, u64);
        fn run<K: Kernel>(self, k: K) -> (Masks, u64) {
            (k.masks(self.0), k.field_ends(self.0))
        }
    }

    fn check(classes: Classes, block: &[u8; BLOCK]) {
        let expected = naive(&classes, block);
        // Every kernel this CPU has (all three on the CI machine).
        for kind in KernelKind::ALL {
            if let Ok(masks) = dispatch_with(kind, classes, MasksOf(block)) {
                assert_eq!(masks, expected, "{kind:?}");
            }
        }
    }

    fn dialects() -> [Classes; 4] {
        [
            Classes::new(b',', Some(b'"'), (b'\n', b'\r')),
            Classes::new(b'\t', None, (b';', b';')),
            // Bytes with the high bit set, and 0x80/0xff neighbours in the data.
            Classes::new(0xff, Some(0x80), (0x00, 0x00)),
            Classes::byte(b'\n'),
        ]
    }

    proptest! {
        #[test]
        fn kernels_match_a_byte_loop(bytes in proptest::collection::vec(
            prop_oneof![Just(b','), Just(b'"'), Just(b'\n'), Just(b'\r'), Just(b'\t'),
                        Just(b';'), Just(b'\''), Just(0u8), Just(0x80u8), Just(0xffu8),
                        Just(0x7fu8), Just(0x01u8), any::<u8>()],
            BLOCK)) {
            let block: [u8; BLOCK] = bytes.try_into().unwrap();
            for classes in dialects() {
                check(classes, &block);
            }
        }

        #[test]
        fn prefix_xor_is_the_running_parity(x in any::<u64>()) {
            let mut parity = 0;
            for i in 0..64 {
                parity ^= (x >> i) & 1;
                prop_assert_eq!((prefix_xor(x) >> i) & 1, parity);
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn byte_masks_give_a_naive_scans_positions_with_every_kernel(
            hay in proptest::collection::vec(proptest::sample::select(vec![b'\n', b'a', 0x8a, 0, 0xff]), 0..9000),
            start in 0usize..70,
        ) {
            let hay = &hay[start.min(hay.len())..];
            for byte in [b'\n', 0x8a, 0, 0xff, b'z'] {
                let naive: Vec<usize> = (0..hay.len()).filter(|&i| hay[i] == byte).collect();
                with_each_kernel(|_| {
                    let mut found = Vec::new();
                    for (base, mut mask) in ByteMasks::new(byte, hay) {
                        while mask != 0 {
                            found.push(base + mask.trailing_zeros() as usize);
                            mask &= mask - 1;
                        }
                    }
                    proptest::prop_assert_eq!(found, naive.clone());
                    Ok(())
                })?;
            }
        }
    }

    #[test]
    fn a_short_tail_is_padded_and_masked() {
        let input = b"abc";
        let mut spare = [1; BLOCK];
        let (block, valid) = block_at(input, 1, 3, &mut spare);
        assert_eq!(&block[..3], b"bc\0");
        assert_eq!(valid, 0b11);
        assert_eq!(block_at(input, 3, 3, &mut spare).1, 0);
        let long = [7u8; 130];
        assert_eq!(block_at(&long, 66, 130, &mut spare).1, !0);
        assert_eq!(block_at(&long, 67, 130, &mut spare).1, (1 << 63) - 1);
        // A block may run past `end` into the input: those bytes are not valid.
        let (block, valid) = block_at(&long, 0, 5, &mut spare);
        assert_eq!((block.len(), valid), (BLOCK, 0b1_1111));
    }
}
