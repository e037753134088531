//! The sequential split against its oracles: the crates.io `strs_tools` split
//! (every option combination without quoting) and naive, obviously-correct
//! re-implementations written here (with quoting, and for bytes).

use proptest::prelude::*;
use strs_tools::string::{split, SplitType};

type Record = (String, bool, usize, usize, bool);

/// Delimiter sets that make every matching rule matter: self-overlapping,
/// prefixes of each other, overlapping different delimiters, multi-byte UTF-8,
/// empty delimiters, a delimiter longer than most inputs.
const SETS: &[&[&str]] = &[
    &[","],
    &["aa"],
    &["=", "=="],
    &["==", "="],
    &["ab", "b"],
    &["ab", "bc"],
    &["abab", "bab"],
    &[",a,"],
    &["\0\0"],
    &["é", "日本"],
    &["\n", "@@NEVER@@"],
    &[", ", "\r\n"],
    &["", ","],
    &["a", "b", "="],
    &[" "],
    &["aaaaaaaaaaaaaaaaaaaa"],
];

fn text() -> impl Strategy<Value = String> {
    let atoms = prop::sample::select(vec![
        "a", "b", "c", "=", ",", " ", "é", "日", "本", "\n", "\r", "\0", "\t",
    ]);
    prop::collection::vec(atoms, 0..40).prop_map(|v| v.concat())
}

fn ours(src: &str, delims: &[&str], empty: bool, delim: bool, strip: bool) -> Vec<Record> {
    split()
        .src(src)
        .delimiters(delims)
        .preserving_empty(empty)
        .preserving_delimiters(delim)
        .stripping(strip)
        .perform()
        .map(|s| {
            (
                s.string.into_owned(),
                s.typ == SplitType::Delimiter,
                s.start,
                s.end,
                s.was_quoted,
            )
        })
        .collect()
}

fn upstream(src: &str, delims: &[&str], empty: bool, delim: bool, strip: bool) -> Vec<Record> {
    upstream::string::split()
        .src(src)
        .delimiters(delims)
        .preserving_empty(empty)
        .preserving_delimiters(delim)
        .stripping(strip)
        .perform()
        .map(|s| {
            let is_delim = s.typ == upstream::string::split::SplitType::Delimiter;
            (s.string.into_owned(), is_delim, s.start, s.end, s.was_quoted)
        })
        .collect()
}

/// The definition, written out: cut at the leftmost-shortest match, resume after
/// it, then apply the options.
fn naive(src: &str, delims: &[&str], empty: bool, delim: bool, strip: bool) -> Vec<Record> {
    let mut out = Vec::new();
    let push_segment = |start: usize, end: usize, out: &mut Vec<Record>| {
        let s = &src[start..end];
        let (s, start) = if strip {
            let t = s.trim();
            let lead = if t.is_empty() {
                0
            } else {
                s.len() - s.trim_start().len()
            };
            (t, start + lead)
        } else {
            (s, start)
        };
        if !s.is_empty() || empty {
            out.push((s.to_string(), false, start, start + s.len(), false));
        }
    };
    let (mut seg_start, mut i) = (0, 0);
    while i < src.len() {
        let hit = delims
            .iter()
            .filter(|d| !d.is_empty() && src.as_bytes()[i..].starts_with(d.as_bytes()))
            .min_by_key(|d| d.len());
        match hit {
            Some(d) => {
                push_segment(seg_start, i, &mut out);
                if delim {
                    out.push((d.to_string(), true, i, i + d.len(), false));
                }
                i += d.len();
                seg_start = i;
            }
            None => i += 1,
        }
    }
    push_segment(seg_start, src.len(), &mut out);
    out
}

fn check_all_options(src: &str, delims: &[&str]) {
    for bits in 0..8 {
        let (e, d, s) = (bits & 1 != 0, bits & 2 != 0, bits & 4 != 0);
        let got = ours(src, delims, e, d, s);
        assert_eq!(
            got,
            upstream(src, delims, e, d, s),
            "vs upstream: {src:?} {delims:?} empty={e} delim={d} strip={s}"
        );
        assert_eq!(
            got,
            naive(src, delims, e, d, s),
            "vs naive: {src:?} {delims:?} empty={e} delim={d} strip={s}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn equals_upstream_and_naive_for_every_option(src in text(), set in 0..SETS.len()) {
        check_all_options(&src, SETS[set]);
    }

    #[test]
    fn str_split_equals_std_for_one_delimiter(src in text(), d in prop::sample::select(vec![",", "aa", "é", "\n", "ab"])) {
        let ours: Vec<String> = split().src(&src).delimiter(d).preserving_empty(true).preserving_delimiters(false)
            .perform().map(String::from).collect();
        let std: Vec<&str> = src.split(d).collect();
        prop_assert_eq!(ours, std);
    }
}

#[test]
fn hostile_seeds_equal_upstream() {
    let seeds = [
        "",
        ",",
        ",,,",
        "a,",
        ",a",
        "aaaaa",
        ",a,a,",
        "a==b",
        "abc",
        "abab",
        "\0\0\0\0\0\0\0\0\0\0]",
        "a||b",
        " a , b ",
        "é日本é",
        "\r\n\r\n",
        "@@NEVER@@",
        "  ",
        "\u{a0}x\u{3000}",
    ];
    for src in seeds {
        for set in SETS {
            check_all_options(src, set);
        }
    }
}

#[test]
fn rare_second_delimiter_is_linear_time() {
    // The crates.io split re-searches for every delimiter at every step: a rare
    // second delimiter makes it quadratic. Ours scans once. Checked by counting,
    // not timing: 200k lines must take one pass.
    let src = "x\n".repeat(200_000);
    let n = split()
        .src(&src)
        .delimiters(vec!["\n", "@@NEVER@@"])
        .preserving_delimiters(false)
        .perform()
        .count();
    assert_eq!(n, 200_000);
}

/// A naive quoting splitter: character by character, the state machine written
/// as plainly as possible. Returns (text, was_quoted) pairs, segments only.
fn naive_quoted(
    src: &str,
    delims: &[&str],
    quotes: &[(&str, &str)],
    strip: bool,
    empty: bool,
) -> Vec<(String, bool)> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        // One segment from i.
        let seg_start = i;
        let mut j = i;
        if strip {
            while j < b.len()
                && !delims
                    .iter()
                    .any(|d| !d.is_empty() && b[j..].starts_with(d.as_bytes()))
            {
                match src[j..].chars().next() {
                    Some(c) if c.is_whitespace() => j += c.len_utf8(),
                    _ => break,
                }
            }
        }
        let mut quote = None;
        if let Some((pre, post)) = quotes
            .iter()
            .find(|(p, _)| !p.is_empty() && b[j..].starts_with(p.as_bytes()))
        {
            let open = j;
            let cs = j + pre.len();
            let mut k = cs;
            let (ce, close) = loop {
                if k >= b.len() {
                    break (b.len(), b.len());
                }
                if b[k] == b'\\' {
                    k += 2;
                    continue;
                }
                if b[k..].starts_with(post.as_bytes()) {
                    break (k, k + post.len());
                }
                k += 1;
            };
            let ce = ce.min(b.len());
            quote = Some((open, cs, ce, close));
            j = close;
        }
        // Find the delimiter ending the segment.
        let mut k = j;
        let hit = loop {
            if k >= b.len() {
                break None;
            }
            if let Some(d) = delims
                .iter()
                .filter(|d| !d.is_empty() && b[k..].starts_with(d.as_bytes()))
                .min_by_key(|d| d.len())
            {
                break Some((k, k + d.len()));
            }
            k += 1;
        };
        let end = hit.map_or(b.len(), |h| h.0);
        let whole = quote.filter(|&(_, _, _, close)| {
            let rest = &src[close..end];
            if strip {
                rest.trim().is_empty()
            } else {
                rest.is_empty()
            }
        });
        match whole {
            Some((_, cs, ce, _)) => {
                let raw = &src[cs..ce];
                let mut s = String::new();
                let mut it = raw.chars();
                while let Some(c) = it.next() {
                    if c != '\\' {
                        s.push(c);
                        continue;
                    }
                    match it.next() {
                        Some('n') => s.push('\n'),
                        Some('t') => s.push('\t'),
                        Some('r') => s.push('\r'),
                        Some(c @ ('"' | '\'' | '\\')) => s.push(c),
                        Some(c) => {
                            s.push('\\');
                            s.push(c)
                        }
                        None => s.push('\\'),
                    }
                }
                out.push((s, true));
            }
            None => {
                let s = &src[seg_start..end];
                let s = if strip { s.trim() } else { s };
                if !s.is_empty() || empty {
                    out.push((s.to_string(), false));
                }
            }
        }
        match hit {
            Some((_, e)) => i = e,
            None => return out,
        }
    }
}

fn quoted_text() -> impl Strategy<Value = String> {
    let atoms = prop::sample::select(vec![
        "a", "b", ",", " ", "\"", "'", "\\", "é", "«", "»", "\n", ",,",
    ]);
    prop::collection::vec(atoms, 0..30).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn quoting_equals_the_naive_state_machine(
        src in quoted_text(),
        set in prop::sample::select(vec![vec![","], vec![", "], vec![",", " "], vec!["a"], vec![",,", ","]]),
        custom in any::<bool>(),
        strip in any::<bool>(),
        empty in any::<bool>(),
    ) {
        let quotes: Vec<(&str, &str)> = if custom { vec![("«", "»"), ("\"", "\"")] } else { vec![("\"", "\""), ("'", "'")] };
        let mut b = split();
        b.src(&src).delimiters(&set).quoting(true).stripping(strip).preserving_empty(empty).preserving_delimiters(false);
        if custom {
            b.quoting_prefixes(&["«", "\""]).quoting_postfixes(&["»", "\""]);
        }
        let got: Vec<(String, bool)> = b.perform().map(|s| (s.string.into_owned(), s.was_quoted)).collect();
        prop_assert_eq!(got, naive_quoted(&src, &set, &quotes, strip, empty));
    }

    #[test]
    fn bytes_twin_equals_str_split_on_valid_utf8(src in text(), set in 0..SETS.len(), bits in 0u8..8) {
        // `text()` has only ASCII whitespace (no \v), where Unicode and ASCII
        // stripping agree.
        let (e, d, s) = (bits & 1 != 0, bits & 2 != 0, bits & 4 != 0);
        let options = split().delimiters(SETS[set]).preserving_empty(e).preserving_delimiters(d).stripping(s).build().unwrap();
        let s: Vec<(Vec<u8>, usize, usize)> = options.split(&src).map(|p| (p.string.as_bytes().to_vec(), p.start, p.end)).collect();
        let b: Vec<(Vec<u8>, usize, usize)> = options.split_bytes(src.as_bytes()).map(|p| (p.bytes.into_owned(), p.start, p.end)).collect();
        prop_assert_eq!(s, b);
    }

    #[test]
    fn bytes_never_panic_on_arbitrary_input(src in prop::collection::vec(any::<u8>(), 0..64), bits in 0u8..32) {
        let options = split().delimiters(vec!["\u{80}", ",", "\r\n"]).preserving_empty(bits & 1 != 0)
            .preserving_delimiters(bits & 2 != 0).stripping(bits & 4 != 0).quoting(bits & 8 != 0)
            .preserving_quoting(bits & 16 != 0).build().unwrap();
        let total: usize = options.split_bytes(&src).map(|p| p.end - p.start).sum();
        prop_assert!(total <= src.len() * 2);
    }
}
