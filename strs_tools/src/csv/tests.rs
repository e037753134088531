//! The fast parser and the chunk planner against the slow state machine, in
//! lockstep, over hand cases at every chunk size.

use super::dialect::{Dialect, Terminator};
use super::machine::naive_parse;
use super::parse::{parse_records, parse_unit};
use super::plan::{bom_len, data_chunks, summarize, summarize_memchr, walk};
use super::scalar::parse_records_scalar;
use super::unit::{Limits, Parsed, Unit};
use super::{CsvParser, CsvParserBuilder};
use crate::blocks::tests::with_each_kernel;

const LENIENT: Limits = Limits {
    max_field_size: usize::MAX,
    strict_quotes: false,
    expected_fields: None,
};

fn dialects() -> Vec<Dialect> {
    vec![
        Dialect::new(b',', b'"', true, true, None, Terminator::Crlf),
        Dialect::new(b',', b'"', true, false, None, Terminator::Crlf),
        Dialect::new(b',', b'"', true, true, Some(b'\\'), Terminator::Crlf),
        Dialect::new(b',', b'"', false, true, None, Terminator::Crlf),
        Dialect::new(b',', b'"', true, true, None, Terminator::Byte(b'\n')),
    ]
}

pub(crate) const HOSTILE: &[&str] = &[
    "",
    "\n",
    "\r\n\r\n",
    "a",
    "a,b\nc,d\n",
    "\"abc",
    "a,\"b\nc\nd",
    "\"a\"\"b\",c\n",
    "\"x\n1,2\n\"\n3,4\n",
    "\"x\"y,z\n",
    "x\"y\"z,\"q\n",
    "a\r\r\nb\r\n\r\nc",
    "\n\na\n\n\nb\n\n",
    "a,\n,b\n,\n",
    "\"\"\"\",\"\",\"\"\"\n",
    "a\\\"b,\"c\\\"d\",\"e\\",
    "\"a\\",
    "\"a\"\"\n\"\"b\"\n",
    ",,,\n\"\n\"\"\n",
    "\"a\"\r\"b\"\n\"c\"\r\n",
    // A byte-order mark is data, for the csv crate too.
    "\u{feff}a,b\n\u{feff}\"c\"\n",
    // Regression: after the literal quotes of `aa"aaaa""`, a chunk starting with
    // `"` must not resume parity (found by proptest at chunk size 9).
    "aa\"aaaa\"\"\"\na",
];

/// Inputs of several blocks whose blocks hold no record start or no field end:
/// empty lines only, a quoted field across blocks, one long field (found by
/// fuzzing: a block of empty lines at offset 0).
fn block_cases() -> Vec<Vec<u8>> {
    let long = |b: &[u8], n: usize| b.repeat(n);
    vec![
        long(b"\n", 130),
        [long(b"\n", 107), b"\x8a".to_vec()].concat(),
        [long(b"\r\n", 70), b"a,b\r\n".to_vec(), long(b"\r", 64)].concat(),
        [
            b"\"".to_vec(),
            long(b"x\n", 100),
            b"\",y\n".to_vec(),
            long(b"\n", 64),
        ]
        .concat(),
        [long(b"a", 200), b",".to_vec(), long(b"b", 64), b"\n".to_vec()].concat(),
        [long(b"a,", 64), b"\"".to_vec(), long(b"\"\"", 40), b"\"".to_vec()].concat(),
    ]
}

#[test]
fn block_edge_cases_match_the_state_machine_at_every_chunk_size() {
    let checked = with_each_kernel(|kind| {
        for d in dialects() {
            for input in block_cases() {
                let expected = naive_parse(&d, &input);
                for size in [1, 7, 63, 64, 65, 128, 1 << 20] {
                    let expected = (expected.len(), expected.clone());
                    assert_eq!(
                        planned_records(&d, &input, size),
                        expected,
                        "{kind:?}, chunk size {size}"
                    );
                }
            }
        }
        Ok::<(), ()>(())
    });
    assert_eq!(checked, Ok(()));
}

/// What the planner and the fast parser make of `input` in chunks of `size`:
/// the planned record count, and the records parsed in units that start at the
/// planned record starts.
fn planned_records(d: &Dialect, input: &[u8], size: usize) -> (usize, Vec<Vec<Vec<u8>>>) {
    let base = bom_len(d, input);
    let chunks = data_chunks(d, input, size);
    let sums: Vec<_> = chunks
        .iter()
        .map(|r| summarize(d, input, base, r.clone()))
        .collect();
    let plan = walk(d, input, base, &chunks, &sums, false);
    let mut bounds = vec![base];
    bounds.extend(plan.starts.iter().copied().filter(|&s| s > base));
    bounds.push(input.len());
    assert!(bounds.windows(2).all(|w| w[0] < w[1] || w[1] == 0), "{bounds:?}");
    (plan.records, fast_records(d, input, &bounds))
}

fn fast_records(d: &Dialect, input: &[u8], bounds: &[usize]) -> Vec<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    for w in bounds.windows(2) {
        let unit = parse_unit(d, LENIENT, input, w[0], w[1]).unwrap();
        let records = super::Records::new(input, d.clone(), vec![unit], false);
        out.extend(records.iter().map(|r| r.to_vec()));
    }
    out
}

#[test]
fn fast_parser_and_planner_match_the_state_machine_at_every_chunk_size() {
    for d in dialects() {
        for case in HOSTILE {
            let input = case.as_bytes();
            let expected = naive_parse(&d, input);
            assert_eq!(
                fast_records(&d, input, &[bom_len(&d, input), input.len()]),
                expected,
                "{case:?}"
            );
            for size in 1..=input.len() + 1 {
                let planned = planned_records(&d, input, size);
                assert_eq!(
                    planned,
                    (expected.len(), expected.clone()),
                    "{case:?} at chunk size {size}"
                );
            }
        }
    }
}

#[test]
fn state_machine_matches_the_csv_crate_on_hostile_cases() {
    for d in dialects() {
        for case in HOSTILE {
            let theirs: Vec<Vec<Vec<u8>>> = d
                .csv_builder()
                .from_reader(case.as_bytes())
                .byte_records()
                .map(|r| r.unwrap().iter().map(<[u8]>::to_vec).collect())
                .collect();
            assert_eq!(naive_parse(&d, case.as_bytes()), theirs, "{case:?}");
        }
    }
}

#[test]
fn builder_rejects_colliding_bytes() {
    let bad = |f: &dyn Fn(&mut CsvParserBuilder)| {
        let mut b = CsvParser::builder();
        f(&mut b);
        b.build().is_err()
    };
    assert!(bad(&|b| {
        b.delimiter(b'"');
    }));
    assert!(bad(&|b| {
        b.delimiter(b'\n');
    }));
    assert!(bad(&|b| {
        b.escape(Some(b'"'));
    }));
    assert!(bad(&|b| {
        b.quote(b'\r');
    }));
    assert!(!bad(&|b| {
        b.quoting(false).quote(b',');
    }));
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn tiny_input() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(proptest::sample::select(&b"a,\"\n\r\\"[..]), 0..40)
    }

    /// `default` cases, or `PROPTEST_CASES` (for longer runs: proptest reads it
    /// only for its default configuration).
    fn cases(default: u32) -> u32 {
        std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    }

    /// Inputs spanning several 64-byte blocks, with runs of plain bytes so that
    /// fields and quoted stretches cross block boundaries.
    fn long_input() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            proptest::sample::select(&b"a,\"\n\r\\"[..]).prop_map(|b| vec![b]),
            (1usize..70).prop_map(|n| vec![b'a'; n]),
        ];
        proptest::collection::vec(piece, 0..60).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(cases(300)))]

        #[test]
        fn block_summaries_equal_their_memchr_twin(input in long_input(), size in prop_oneof![1usize..200, 200usize..3000]) {
            with_each_kernel(|kind| {
                for d in dialects() {
                    for r in data_chunks(&d, &input, size) {
                        prop_assert_eq!(
                            summarize(&d, &input, bom_len(&d, &input), r.clone()),
                            summarize_memchr(&d, &input, bom_len(&d, &input), r.clone()),
                            "{:?}, chunk {:?}", kind, r
                        );
                    }
                }
                Ok(())
            })?;
        }

        #[test]
        fn block_parser_equals_its_scalar_twin(input in long_input(), stop_percent in 0usize..=100) {
            let strict = Limits { strict_quotes: true, ..LENIENT };
            // Field-size limits below and above a block take different paths.
            let small = Limits { max_field_size: 6, ..LENIENT };
            let large = Limits { max_field_size: 70, ..LENIENT };
            let two = Limits { expected_fields: Some(2), ..LENIENT };
            with_each_kernel(|kind| {
                for d in dialects() {
                    let base = bom_len(&d, &input);
                    let plan = walk(&d, &input, base, &data_chunks(&d, &input, 1 << 20), &[summarize(&d, &input, base, base..input.len())], false);
                    let stop = base + (input.len() - base) * stop_percent / 100;
                    let starts = [base].into_iter().chain(plan.starts.iter().copied().filter(|&s| s > base).take(3));
                    for start in starts {
                        for limits in [LENIENT, strict, small, large, two] {
                            let (mut unit, error) = parse_records_scalar(&d, limits, &input, start, stop, Unit::reserved(0));
                            if error.is_some() {
                                unit.truncate_to_complete_records();
                                unit.next = input.len();
                            }
                            prop_assert_eq!(
                                parse_records(&d, limits, &input, start, stop),
                                Parsed { unit, error },
                                "{:?}, {:?} from {} to {}", kind, limits, start, stop
                            );
                        }
                    }
                }
                Ok(())
            })?;
        }

        #[test]
        fn planner_and_parser_match_the_state_machine_across_blocks(input in long_input(), size in 1usize..200) {
            for d in dialects() {
                let expected = naive_parse(&d, &input);
                prop_assert_eq!(planned_records(&d, &input, size), (expected.len(), expected));
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn fast_parser_and_planner_match_the_state_machine(input in tiny_input(), size in 1usize..12) {
            for d in dialects() {
                let expected = naive_parse(&d, &input);
                prop_assert_eq!(planned_records(&d, &input, size), (expected.len(), expected));
            }
        }
    }
}
