//! `strs_split` and `strs_count` against the library's split and a naive count,
//! on random rows, including rows whose matches would cross a row boundary if
//! the column's buffer were scanned whole.

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, LargeStringArray, RecordBatch, StringArray, StringViewArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::config::ConfigOptions;
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl};
use datafusion::prelude::SessionContext;
use proptest::prelude::*;
use strs_datafusion::{register, StrsCount, StrsSplit};

/// The library's split: every piece between delimiter matches, empty ones kept.
fn library_split(text: &str, delimiters: &[&str]) -> Vec<String> {
    strs_tools::string::split()
        .src(text)
        .delimiters(delimiters)
        .preserving_empty(true)
        .preserving_delimiters(false)
        .perform()
        .map(|s| s.string.into_owned())
        .collect()
}

/// `match_indices` per non-empty pattern, summed.
fn naive_count(text: &str, patterns: &[&str]) -> u64 {
    patterns
        .iter()
        .filter(|p| !p.is_empty())
        .map(|p| text.match_indices(p).count() as u64)
        .sum()
}

fn context_with(columns: Vec<(&str, ArrayRef)>) -> SessionContext {
    let ctx = SessionContext::new();
    register(&ctx).unwrap();
    let schema = Arc::new(Schema::new(
        columns
            .iter()
            .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
            .collect::<Vec<_>>(),
    ));
    let batch = RecordBatch::try_new(schema, columns.into_iter().map(|(_, a)| a).collect()).unwrap();
    ctx.register_batch("t", batch).unwrap();
    ctx
}

fn sql_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The function's output per row: `None` for NULL.
async fn split_rows(ctx: &SessionContext, sql: &str) -> Vec<Option<Vec<String>>> {
    let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
    let mut out = Vec::new();
    for b in &batches {
        let list = b.column(0).as_list::<i32>();
        for i in 0..list.len() {
            out.push((!list.is_null(i)).then(|| {
                let v = list.value(i);
                let v = v.as_string_view();
                v.iter().map(|s| s.unwrap().to_owned()).collect()
            }));
        }
    }
    out
}

async fn count_rows(ctx: &SessionContext, sql: &str) -> Vec<Option<u64>> {
    let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
    batches
        .iter()
        .flat_map(|b| {
            b.column(0)
                .as_primitive::<datafusion::arrow::datatypes::UInt64Type>()
                .iter()
                .collect::<Vec<_>>()
        })
        .collect()
}

fn texts() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(
        prop::collection::vec(
            prop::sample::select(vec!["a", "b", ",", ";", "é", "ab", "aa"]),
            0..30,
        ),
        1..20,
    )
    .prop_map(|rows| rows.into_iter().map(|r| r.concat()).collect())
}

fn patterns() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(
        prop::sample::select(vec!["a", "b", ",", "aa", "ab", "ba", ",;", "é", "éa", ""]),
        1..4,
    )
    .prop_map(|p| p.into_iter().map(str::to_owned).collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn split_and_count_match_the_library(rows in texts(), pats in patterns(), large in any::<bool>()) {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let column: ArrayRef = if large {
            Arc::new(LargeStringArray::from_iter_values(&rows))
        } else {
            Arc::new(StringArray::from_iter_values(&rows))
        };
        let ctx = context_with(vec![("s", column)]);
        let args: Vec<String> = pats.iter().map(|p| sql_literal(p)).collect();
        let args = args.join(", ");
        let pats: Vec<&str> = pats.iter().map(String::as_str).collect();
        let split = runtime.block_on(split_rows(&ctx, &format!("SELECT strs_split(s, {args}) FROM t")));
        let count = runtime.block_on(count_rows(&ctx, &format!("SELECT strs_count(s, {args}) FROM t")));
        for (i, row) in rows.iter().enumerate() {
            prop_assert_eq!(split[i].as_ref(), Some(&library_split(row, &pats)), "row {:?}", row);
            prop_assert_eq!(count[i], Some(naive_count(row, &pats)), "row {:?}", row);
        }
    }
}

#[tokio::test]
async fn matches_never_cross_row_boundaries() {
    // The buffer holds "a|a|ab|b" back to back: "aa" and "ab" span rows there.
    let ctx = context_with(vec![(
        "s",
        Arc::new(StringArray::from(vec!["a", "a", "ab", "b"])) as ArrayRef,
    )]);
    assert_eq!(
        count_rows(&ctx, "SELECT strs_count(s, 'aa', 'bb', 'ba') FROM t").await,
        [Some(0); 4]
    );
    let split = split_rows(&ctx, "SELECT strs_split(s, 'aa', 'ba') FROM t").await;
    assert_eq!(
        split,
        [
            Some(vec!["a".to_owned()]),
            Some(vec!["a".to_owned()]),
            Some(vec!["ab".to_owned()]),
            Some(vec!["b".to_owned()])
        ]
    );
}

#[tokio::test]
async fn nulls_in_give_nulls_out_and_patterns_may_be_columns() {
    let ctx = context_with(vec![
        (
            "s",
            Arc::new(StringArray::from(vec![
                Some("a,b;c"),
                None,
                Some("x;y"),
                Some("p,q"),
            ])) as ArrayRef,
        ),
        (
            "d",
            Arc::new(StringArray::from(vec![Some(","), Some(","), Some(";"), None])) as ArrayRef,
        ),
    ]);
    let split = split_rows(&ctx, "SELECT strs_split(s, d) FROM t").await;
    let owned = |v: &[&str]| Some(v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    assert_eq!(split, [owned(&["a", "b;c"]), None, owned(&["x", "y"]), None]);
    let count = count_rows(&ctx, "SELECT strs_count(s, d, ';') FROM t").await;
    // Each pattern is counted on its own: ';' twice.
    assert_eq!(count, [Some(2), None, Some(2), None]);
    assert_eq!(
        count_rows(&ctx, "SELECT strs_count(s, NULL) FROM t").await,
        [None; 4]
    );
}

#[tokio::test]
async fn one_delimiter_equals_string_to_array() {
    let rows = vec!["a,b,,c", "", ",", "no delimiter", "é,日本,→"];
    let ctx = context_with(vec![("s", Arc::new(StringArray::from(rows)) as ArrayRef)]);
    let ours = split_rows(&ctx, "SELECT strs_split(s, ',') FROM t").await;
    let batches = ctx
        .sql("SELECT string_to_array(s, ',') FROM t")
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    let list = batches[0].column(0).as_list::<i32>();
    let theirs: Vec<Option<Vec<String>>> = (0..list.len())
        .map(|i| {
            let v = list.value(i);
            let strings: Vec<String> = (0..v.len())
                .map(|j| datafusion::arrow::util::display::array_value_to_string(&v, j).unwrap())
                .collect();
            Some(strings)
        })
        .collect();
    // DataFusion maps '' to an empty list; ours keeps the one empty piece, as
    // the library's split does.
    assert_eq!(ours[1], Some(vec![String::new()]));
    assert_eq!(theirs[1], Some(vec![]));
    for i in [0, 2, 3, 4] {
        assert_eq!(ours[i], theirs[i], "row {i}");
    }
}

#[test]
fn long_pieces_point_into_the_input_buffers() {
    let text = StringViewArray::from(vec!["a long first piece,another long piece here", "short,x"]);
    let args = ScalarFunctionArgs {
        args: vec![
            ColumnarValue::Array(Arc::new(text.clone())),
            ColumnarValue::Scalar(datafusion::common::ScalarValue::Utf8View(Some(",".into()))),
        ],
        arg_fields: vec![
            Arc::new(Field::new("s", DataType::Utf8View, true)),
            Arc::new(Field::new("d", DataType::Utf8View, true)),
        ],
        number_rows: 2,
        return_field: Arc::new(Field::new(
            "r",
            StrsSplit::default().return_type(&[]).unwrap(),
            true,
        )),
        config_options: Arc::new(ConfigOptions::default()),
    };
    let ColumnarValue::Array(out) = StrsSplit::default().invoke_with_args(args).unwrap() else {
        panic!("an array in, an array out");
    };
    let list = out.as_list::<i32>();
    let values = list.values().as_string_view();
    assert_eq!(
        values.iter().flatten().collect::<Vec<_>>(),
        ["a long first piece", "another long piece here", "short", "x"]
    );
    let input = text.data_buffers()[0].as_ptr_range();
    assert!(
        values.data_buffers().iter().all(|b| input.contains(&b.as_ptr())),
        "a piece was copied"
    );
    let _ = StrsCount::default();
}
