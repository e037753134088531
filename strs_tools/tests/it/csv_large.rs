//! A large generated CSV, full of what defeats guessing chunkers (quoted newlines,
//! quoted fields that look like records, `\r\n` and lone `\r`, empty lines, the odd
//! malformed quote), parsed at several chunk sizes and compared record by record
//! with the `csv` crate. Small by default; issue 5's run is
//! `STRS_CSV_LARGE_MIB=256 cargo test --release -p strs_tools@0.1.0 --test it csv_large`.

use strs_tools::csv::CsvParser;

#[test]
fn large_generated_csv_equals_the_csv_crate_at_every_chunk_size_tried() {
    let mib: usize = std::env::var("STRS_CSV_LARGE_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let input = strs_testdata::csv_hostile(mib << 20);
    let expected_count = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(&input[..])
        .byte_records()
        .count();
    for chunk in [61, 4099, 1 << 20, 0] {
        for threads in [1, 2] {
            let parser = CsvParser::builder()
                .has_headers(false)
                .chunk_size(chunk)
                .threads(threads)
                .build()
                .unwrap();
            assert_eq!(parser.count_records(&input), expected_count, "chunk {chunk}");
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
                    "record {i} differs at chunk {chunk}, threads {threads}: {:?} vs {:?}",
                    ours.to_vec(),
                    record
                );
            }
            assert!(!theirs.read_byte_record(&mut record).unwrap());
        }
    }
}
