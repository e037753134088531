//! A large generated CSV, full of what defeats guessing chunkers (quoted newlines,
//! quoted fields that look like records, `\r\n` and lone `\r`, empty lines, the odd
//! malformed quote), parsed at several chunk sizes and compared record by record
//! with the `csv` crate. Small by default; issue 5's run is
//! `STRS_CSV_LARGE_MIB=256 cargo test --release -p strs_tools@0.1.0 --test it csv_large`.

use strs_tools::csv::CsvParser;

fn generate(target: usize) -> Vec<u8> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut out = Vec::with_capacity(target + 256);
    let mut row = 0u64;
    while out.len() < target {
        let r = next();
        let text: &[u8] = match r % 40 {
            0..=3 => b"\"quoted, with a\nnewline and \"\"doubled\"\" quotes\"",
            4 => b"\"x\n1,2,3,4\n5,6,7,8\n\"",
            5 => b"\"\"",
            6 => b"\"ends\r\nwith crlf\r\n\"",
            7 => b"mal\"formed",
            8 => b"\"text\"after",
            _ => b"plain text",
        };
        out.extend_from_slice(format!("{row},{},", r % 1000).as_bytes());
        out.extend_from_slice(text);
        out.extend_from_slice(format!(",{}", (r >> 8) % 7).as_bytes());
        out.extend_from_slice(match (r >> 16) % 50 {
            0 => b"\r\n\r\n",
            1 => b"\r",
            2 => b"\n\n",
            3..=10 => b"\r\n",
            _ => b"\n",
        });
        row += 1;
    }
    out
}

#[test]
fn large_generated_csv_equals_the_csv_crate_at_every_chunk_size_tried() {
    let mib: usize = std::env::var("STRS_CSV_LARGE_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let input = generate(mib << 20);
    let expected_count = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(&input[..])
        .byte_records()
        .count();
    for chunk in [Some(61), Some(4099), Some(1 << 20), None] {
        for threads in [1, 2] {
            let parser = CsvParser::builder()
                .has_headers(false)
                .chunk_size(chunk)
                .threads(threads)
                .build()
                .unwrap();
            assert_eq!(parser.count_records(&input), expected_count, "chunk {chunk:?}");
            let records = parser.parse(&input).unwrap();
            assert_eq!(records.len(), expected_count);
            let mut theirs = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(&input[..]);
            let mut record = csv::ByteRecord::new();
            for (i, ours) in records.iter().enumerate() {
                assert!(theirs.read_byte_record(&mut record).unwrap());
                assert!(
                    ours.len() == record.len()
                        && record
                            .iter()
                            .enumerate()
                            .all(|(k, f)| *ours.get(k).unwrap() == *f),
                    "record {i} differs at chunk {chunk:?}, threads {threads}: {:?} vs {:?}",
                    ours.to_vec(),
                    record
                );
            }
            assert!(!theirs.read_byte_record(&mut record).unwrap());
        }
    }
}
