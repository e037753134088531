//! The SQL functions `strs_split` and `strs_count`: `strs_tools`' split and
//! search applied to each row of a string column.

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, ListArray, StringViewArray, StringViewBuilder, UInt64Array,
};
use datafusion::arrow::buffer::{NullBuffer, OffsetBuffer};
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::common::{plan_err, ScalarValue};
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use strs_tools::matcher::DelimiterSet;
use strs_tools::parallel::ParallelSearcher;

/// Strings up to this length live inside an Arrow view, not in a data buffer.
const MAX_INLINE: usize = 12;

/// `strs_split(text, d1[, d2, …])`: the pieces of `text` between delimiter
/// matches, as a `List<Utf8View>` whose long pieces point into the input's
/// buffers (no copy).
///
/// The semantics are `strs_tools`' split: scanning left to right, the leftmost
/// match wins; among matches starting at the same byte the shortest wins; matches
/// do not overlap; empty delimiters are ignored; empty pieces are kept (`'a,,b'`
/// gives `['a', '', 'b']`, `''` gives `['']`). It is the same as
/// `strs_tools::string::split().delimiters(…).preserving_empty(true)
/// .preserving_delimiters(false)`, and with one delimiter the same as
/// `string_to_array(text, d)`. NULL text or a NULL delimiter gives NULL.
///
/// Delimiters may be constants or columns. Constant delimiters are compiled once
/// per batch; per-row delimiters are compiled again only when they change from
/// one row to the next.
///
/// # Example
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> datafusion::error::Result<()> {
/// let ctx = datafusion::prelude::SessionContext::new();
/// strs_datafusion::register(&ctx)?;
/// let batches = ctx.sql("SELECT strs_split('a=b==c', '=', '==') AS p").await?.collect().await?;
/// let expected = ["+-------------+", "| p           |", "+-------------+", "| [a, b, , c] |", "+-------------+"];
/// datafusion::assert_batches_eq!(expected, &batches);
/// # Ok(()) }
/// ```
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct StrsSplit {
    signature: Signature,
}

/// `strs_count(text, p1[, p2, …])`: the number of matches of all patterns in
/// `text`, as `UInt64`.
///
/// Each pattern is counted on its own, as `str::match_indices` does (leftmost,
/// non-overlapping: `'aaaa'` holds two `'aa'`), and the counts are summed;
/// empty patterns never match. It is the sum of
/// `strs_tools::parallel::ParallelSearcher::count`. NULL text or a NULL pattern
/// gives NULL. Patterns may be constants or columns, compiled as for
/// [`StrsSplit`].
///
/// # Example
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> datafusion::error::Result<()> {
/// let ctx = datafusion::prelude::SessionContext::new();
/// strs_datafusion::register(&ctx)?;
/// let batches = ctx.sql("SELECT strs_count('aaaa, a', 'aa', ',') AS n").await?.collect().await?;
/// let expected = ["+---+", "| n |", "+---+", "| 3 |", "+---+"];
/// datafusion::assert_batches_eq!(expected, &batches);
/// # Ok(()) }
/// ```
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct StrsCount {
    signature: Signature,
}

impl Default for StrsSplit {
    fn default() -> Self {
        StrsSplit {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl Default for StrsCount {
    fn default() -> Self {
        StrsCount {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl StrsSplit {
    /// The function, ready for `SessionContext::register_udf`.
    pub fn udf() -> ScalarUDF {
        ScalarUDF::new_from_impl(StrsSplit::default())
    }
}

impl StrsCount {
    /// The function, ready for `SessionContext::register_udf`.
    pub fn udf() -> ScalarUDF {
        ScalarUDF::new_from_impl(StrsCount::default())
    }
}

/// Every argument becomes `Utf8View` (a cast from `Utf8` or `LargeUtf8` keeps the
/// data buffers); anything but strings and NULL is a planning error.
fn coerce_strings(name: &str, arg_types: &[DataType]) -> Result<Vec<DataType>> {
    if arg_types.len() < 2 {
        return plan_err!(
            "{name} takes a string and at least one pattern, got {} arguments",
            arg_types.len()
        );
    }
    arg_types
        .iter()
        .map(|t| match t {
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Null => {
                Ok(DataType::Utf8View)
            }
            other => plan_err!("{name} takes strings, got {other}"),
        })
        .collect()
}

fn split_item_field() -> Arc<Field> {
    Arc::new(Field::new_list_field(DataType::Utf8View, true))
}

/// The pattern lists of a batch: compiled once when every pattern is a constant,
/// otherwise per row, reusing the previous row's compilation when it is equal.
struct PatternColumns<T> {
    columns: Vec<StringViewArray>,
    constant: bool,
    last: Option<(Vec<Vec<u8>>, T)>,
}

impl<T> PatternColumns<T> {
    fn new(args: &[ColumnarValue], rows: usize) -> Result<Self> {
        let constant = args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let columns = args
            .iter()
            .map(|a| {
                let arr = a.to_array(if constant { 1 } else { rows })?;
                arr.as_string_view_opt()
                    .cloned()
                    .ok_or_else(|| DataFusionError::Internal("pattern is not Utf8View".into()))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(PatternColumns {
            columns,
            constant,
            last: None,
        })
    }

    /// The compiled patterns of `row`, or `None` if one of them is NULL.
    fn get(&mut self, row: usize, compile: impl Fn(&[Vec<u8>]) -> Result<T>) -> Result<Option<&T>> {
        let row = if self.constant { 0 } else { row };
        if self.columns.iter().any(|c| c.is_null(row)) {
            return Ok(None);
        }
        let same = matches!(&self.last, Some((pats, _))
            if pats.iter().zip(&self.columns).all(|(p, c)| p.as_slice() == c.value(row).as_bytes()));
        if !same {
            let pats: Vec<Vec<u8>> = self
                .columns
                .iter()
                .map(|c| c.value(row).as_bytes().to_vec())
                .collect();
            let compiled = compile(&pats)?;
            self.last = Some((pats, compiled));
        }
        Ok(self.last.as_ref().map(|(_, c)| c))
    }
}

/// The result as a scalar when every input was one (constant folding).
fn finish(array: ArrayRef, args: &[ColumnarValue]) -> Result<ColumnarValue> {
    if args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_))) {
        Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&array, 0)?))
    } else {
        Ok(ColumnarValue::Array(array))
    }
}

fn text_column(args: &ScalarFunctionArgs) -> Result<StringViewArray> {
    let rows = if args.args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_))) {
        1
    } else {
        args.number_rows
    };
    let arr = args.args[0].to_array(rows)?;
    arr.as_string_view_opt()
        .cloned()
        .ok_or_else(|| DataFusionError::Internal("text is not Utf8View".into()))
}

/// Splits every row of `text`; pieces longer than a view's inline part are views
/// into `text`'s own data buffers.
fn split_column(text: &StringViewArray, delimiters: &mut PatternColumns<DelimiterSet>) -> Result<ListArray> {
    let mut values = StringViewBuilder::new();
    let blocks: Vec<u32> = text
        .data_buffers()
        .iter()
        .map(|b| values.append_block(b.clone()))
        .collect();
    let mut offsets = Vec::with_capacity(text.len() + 1);
    offsets.push(0i32);
    let mut valid = Vec::with_capacity(text.len());
    let mut count: usize = 0;
    for row in 0..text.len() {
        let set = if text.is_null(row) {
            None
        } else {
            delimiters.get(row, |pats| {
                DelimiterSet::new(pats).map_err(|e| DataFusionError::Execution(format!("strs_split: {e}")))
            })?
        };
        let Some(set) = set else {
            valid.push(false);
            offsets.push(i32::try_from(count).map_err(|_| overflow())?);
            continue;
        };
        valid.push(true);
        let row_str = text.value(row);
        let s = row_str.as_bytes();
        // A long string's view names its buffer and offset; a short one holds
        // its bytes inline, and so do all its pieces.
        let view = text.views()[row];
        let (block, base) = if s.len() > MAX_INLINE {
            (
                blocks.get((view >> 64) as u32 as usize).copied(),
                (view >> 96) as u32,
            )
        } else {
            (None, 0)
        };
        let mut push = |range: std::ops::Range<usize>| -> Result<()> {
            count += 1;
            match block {
                Some(block) if range.len() > MAX_INLINE => values
                    .try_append_view(block, base + range.start as u32, range.len() as u32)
                    .map_err(DataFusionError::from),
                // Short pieces are copied into the view itself. Matches of UTF-8
                // delimiters fall on character boundaries, so slicing cannot fail.
                _ => {
                    values.append_value(&row_str[range]);
                    Ok(())
                }
            }
        };
        let mut from = 0;
        while let Some(m) = set.find_at(s, from) {
            push(from..m.start)?;
            from = m.end;
        }
        push(from..s.len())?;
        offsets.push(i32::try_from(count).map_err(|_| overflow())?);
    }
    Ok(ListArray::try_new(
        split_item_field(),
        OffsetBuffer::new(offsets.into()),
        Arc::new(values.finish()),
        Some(NullBuffer::from(valid)).filter(|n| n.null_count() > 0),
    )?)
}

fn overflow() -> DataFusionError {
    DataFusionError::Execution("strs_split: more than 2^31 pieces in one batch".into())
}

impl ScalarUDFImpl for StrsSplit {
    fn name(&self) -> &str {
        "strs_split"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        coerce_strings(self.name(), arg_types)
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::List(split_item_field()))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let text = text_column(&args)?;
        let mut patterns = PatternColumns::new(&args.args[1..], text.len())?;
        let list = split_column(&text, &mut patterns)?;
        finish(Arc::new(list), &args.args)
    }
}

impl ScalarUDFImpl for StrsCount {
    fn name(&self) -> &str {
        "strs_count"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        coerce_strings(self.name(), arg_types)
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::UInt64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let text = text_column(&args)?;
        let mut patterns = PatternColumns::new(&args.args[1..], text.len())?;
        let counts: UInt64Array = (0..text.len())
            .map(|row| {
                if text.is_null(row) {
                    return Ok(None);
                }
                let searcher = patterns.get(row, |p| Ok(ParallelSearcher::new(p)))?;
                Ok(searcher.map(|s| count_matches(s, text.value(row).as_bytes())))
            })
            .collect::<Result<_>>()?;
        finish(Arc::new(counts), &args.args)
    }
}

/// Matches of all patterns in one row, summed. Rows are short, so this is the
/// searcher's sequential path (one chunk).
fn count_matches(searcher: &ParallelSearcher, hay: &[u8]) -> u64 {
    searcher.count(hay).iter().map(|&c| c as u64).sum()
}
