//! Exact scans: at any partition count the rows equal DataFusion's own reader
//! with `newlines_in_values` on, and the stock reader cut at newlines is wrong.

use datafusion::arrow::datatypes::DataType;
use datafusion::prelude::{CsvReadOptions, SessionContext};
use strs_datafusion::{infer_csv_schema, register, register_csv};

use crate::common::{context, hostile_csv, table, write_file};

const ROWS: usize = 6000;
const ALL_ROWS: &str = "SELECT * FROM t ORDER BY id";
const AGGREGATE: &str = "SELECT count(*), count(note), sum(n), sum(CAST(round(score * 100) AS BIGINT)), min(day), max(day), sum(length(note)) FROM t";

/// DataFusion's own reader, one range per file, given the exact schema.
async fn reference(path: &str, options: CsvReadOptions<'_>, sql: &str) -> String {
    let ctx = context(1);
    let schema = infer_csv_schema(&ctx, path, options.clone()).await.unwrap();
    ctx.register_csv("t", path, options.schema(&schema).newlines_in_values(true))
        .await
        .unwrap();
    table(&ctx, sql).await.unwrap()
}

async fn exact(partitions: usize, path: &str, options: CsvReadOptions<'_>) -> SessionContext {
    let ctx = context(partitions);
    register(&ctx).unwrap();
    register_csv(&ctx, "t", path, options).await.unwrap();
    ctx
}

/// The ranges of `file` in the DataSourceExec line of an EXPLAIN.
async fn ranges_of(ctx: &SessionContext, sql: &str, file: &str) -> Vec<String> {
    let plan = table(ctx, &format!("EXPLAIN {sql}")).await.unwrap();
    plan.split(|c: char| c.is_whitespace() || c == '[' || c == ']' || c == ',')
        .filter(|w| w.contains(file) && w.contains(':'))
        .map(str::to_owned)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exact_scan_equals_datafusion_reader_at_1_to_8_partitions() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), "hostile.csv", &hostile_csv(ROWS, 7));
    let want_rows = reference(&path, CsvReadOptions::new(), ALL_ROWS).await;
    let want_agg = reference(&path, CsvReadOptions::new(), AGGREGATE).await;
    assert!(want_agg.contains(&format!("| {ROWS} ")), "{want_agg}");
    for partitions in 1..=8 {
        let ctx = exact(partitions, &path, CsvReadOptions::new()).await;
        assert_eq!(
            table(&ctx, ALL_ROWS).await.unwrap(),
            want_rows,
            "partitions {partitions}"
        );
        assert_eq!(
            table(&ctx, AGGREGATE).await.unwrap(),
            want_agg,
            "partitions {partitions}"
        );
        let ranges = ranges_of(&ctx, ALL_ROWS, "hostile.csv").await;
        if partitions > 1 {
            // EXPLAIN lists at most five file groups.
            assert_eq!(ranges.len(), partitions.min(5), "{ranges:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exact_scan_is_exact_with_newlines_in_values_set_too() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), "hostile.csv", &hostile_csv(ROWS, 8));
    let want = reference(&path, CsvReadOptions::new(), ALL_ROWS).await;
    let ctx = exact(5, &path, CsvReadOptions::new().newlines_in_values(true)).await;
    assert_eq!(table(&ctx, ALL_ROWS).await.unwrap(), want);
    assert!(ranges_of(&ctx, ALL_ROWS, "hostile.csv").await.len() >= 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explain_shows_several_ranges_of_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), "hostile.csv", &hostile_csv(ROWS, 9));
    let ctx = exact(4, &path, CsvReadOptions::new()).await;
    let ranges = ranges_of(&ctx, AGGREGATE, "hostile.csv").await;
    assert_eq!(ranges.len(), 4, "{ranges:?}");
    assert!(ranges[0].contains(":0.."), "{ranges:?}");
    let plan = table(&ctx, &format!("EXPLAIN {AGGREGATE}")).await.unwrap();
    assert!(plan.contains("exact_ranges=true"), "{plan}");
}

/// The negative control: the same file, DataFusion's stock reader forced to cut
/// it at newlines, gives an error or wrong rows. Without this the tests above
/// could pass on a file that needs no exact cuts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stock_reader_cut_at_newlines_gets_the_same_file_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), "hostile.csv", &hostile_csv(ROWS, 7));
    let want = reference(&path, CsvReadOptions::new(), ALL_ROWS).await;
    let ctx = context(4);
    let schema = infer_csv_schema(&ctx, &path, CsvReadOptions::new())
        .await
        .unwrap();
    ctx.register_csv("t", &path, CsvReadOptions::new().schema(&schema))
        .await
        .unwrap();
    assert_eq!(
        ranges_of(&ctx, ALL_ROWS, "hostile.csv").await.len(),
        4,
        "the stock reader did not cut the file"
    );
    match table(&ctx, ALL_ROWS).await {
        Ok(got) => assert_ne!(got, want, "the stock reader read the hostile file right"),
        Err(e) => assert!(!e.to_string().is_empty()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schema_is_inferred_from_true_records_with_datafusion_types() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), "hostile.csv", &hostile_csv(ROWS, 10));
    let ctx = SessionContext::new();
    let schema = infer_csv_schema(&ctx, &path, CsvReadOptions::new())
        .await
        .unwrap();
    let types: Vec<(&str, &DataType)> = schema
        .fields()
        .iter()
        .map(|f| (f.name().as_str(), f.data_type()))
        .collect();
    assert_eq!(
        types,
        [
            ("id", &DataType::Int64),
            ("name", &DataType::Utf8),
            ("score", &DataType::Float64),
            ("day", &DataType::Date32),
            ("note", &DataType::Utf8),
            ("n", &DataType::Int64),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn row_count_is_an_exact_statistic() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), "hostile.csv", &hostile_csv(ROWS, 11));
    let ctx = exact(3, &path, CsvReadOptions::new()).await;
    let sql = "SELECT count(*) AS rows FROM t";
    assert!(table(&ctx, sql).await.unwrap().contains(&format!("| {ROWS} ")));
    // Answered from the statistics: no scan in the plan.
    let plan = table(&ctx, &format!("EXPLAIN {sql}")).await.unwrap();
    assert!(!plan.contains("DataSourceExec"), "{plan}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_external_table_uses_the_exact_scan() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), "hostile.csv", &hostile_csv(ROWS, 12));
    let want = reference(&path, CsvReadOptions::new(), ALL_ROWS).await;
    let ctx = context(6);
    register(&ctx).unwrap();
    ctx.sql(&format!(
        "CREATE EXTERNAL TABLE t STORED AS CSV LOCATION '{path}' OPTIONS ('format.has_header' 'true')"
    ))
    .await
    .unwrap();
    assert_eq!(table(&ctx, ALL_ROWS).await.unwrap(), want);
    assert!(ranges_of(&ctx, ALL_ROWS, "hostile.csv").await.len() >= 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn small_and_odd_files_at_8_partitions() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        "id,v\n",
        "id,v\n1,a",
        "id,v\n1,\"a\nb\"",
        "id,v\r\n1,x\r\n2,\"\r\n\"\r\n3,\r\n",
        "id,v\n\n\n1,a\n\n2,b\n\n",
        "id,v\n1,\"unclosed\n2,b\n3,c\n",
    ];
    for (i, text) in cases.iter().enumerate() {
        let path = write_file(dir.path(), &format!("odd{i}.csv"), text);
        let sql = "SELECT * FROM t ORDER BY id, v";
        let want = reference(&path, CsvReadOptions::new(), sql).await;
        let ctx = exact(8, &path, CsvReadOptions::new()).await;
        assert_eq!(table(&ctx, sql).await.unwrap(), want, "case {i}: {text:?}");
    }
}

/// Comment lines cannot be cut exactly (a quote in a comment would flip the
/// quote parity), so such files go to DataFusion's reader, uncut.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn comment_lines_fall_back_to_datafusion_uncut() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("id,v\n");
    for i in 0..500 {
        text.push_str(&format!("# \"comment {i}\n{i},\"x\ny\"\n"));
    }
    let path = write_file(dir.path(), "comments.csv", &text);
    let options = || CsvReadOptions::new().comment(b'#');
    let want = reference(&path, options(), ALL_ROWS).await;
    let ctx = exact(4, &path, options()).await;
    assert_eq!(table(&ctx, ALL_ROWS).await.unwrap(), want);
    assert!(want.contains("| 499 "));
    let plan = table(&ctx, &format!("EXPLAIN {ALL_ROWS}")).await.unwrap();
    assert!(!plan.contains("exact_ranges"), "{plan}");
    assert!(
        ranges_of(&ctx, ALL_ROWS, "comments.csv").await.is_empty(),
        "{plan}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_directory_of_files_at_several_partitions() {
    let dir = tempfile::tempdir().unwrap();
    let parts = dir.path().join("table");
    std::fs::create_dir(&parts).unwrap();
    for (i, rows) in [3000, 10, 1500].into_iter().enumerate() {
        // Distinct keys across files: the file number before every id.
        let text: String = hostile_csv(rows, 20 + i as u64)
            .split_inclusive('\n')
            .enumerate()
            .map(|(n, line)| match line.split_once(',') {
                Some((id, rest)) if n > 0 && id.parse::<u64>().is_ok() => format!("{}{id},{rest}", i + 1),
                _ => line.to_owned(),
            })
            .collect();
        write_file(&parts, &format!("part{i}.csv"), &text);
    }
    let path = format!("{}/", parts.to_str().unwrap());
    let want = reference(&path, CsvReadOptions::new(), AGGREGATE).await;
    for partitions in [2, 3, 7] {
        let ctx = exact(partitions, &path, CsvReadOptions::new()).await;
        assert_eq!(
            table(&ctx, AGGREGATE).await.unwrap(),
            want,
            "partitions {partitions}"
        );
    }
}
