//! The parse result: records borrowed from the input, in input order, and the
//! views of a `Unit`'s offsets as records.

use std::borrow::Cow;
use std::ops::Range;

use rayon::iter::plumbing::{bridge, Consumer, Producer, ProducerCallback, UnindexedConsumer};
use rayon::prelude::*;

use super::dialect::Dialect;
use super::error::{Error, ErrorKind};
use super::machine::unescape;
use super::unit::{Unit, COMPLEX, OFFSET, QUOTED};

impl Unit {
    /// Record `r`, borrowed from `input`.
    pub(crate) fn record<'a>(&'a self, input: &'a [u8], d: &'a Dialect, r: usize) -> Record<'a> {
        Record::new(
            input,
            d,
            self.record_starts[r],
            &self.field_ends[self.field_index[r]..self.field_index[r + 1]],
        )
    }

    /// The (complete) records in order, borrowed from `input`.
    pub(crate) fn records<'a>(
        &'a self,
        input: &'a [u8],
        d: &'a Dialect,
    ) -> impl Iterator<Item = Record<'a>> + 'a {
        let bounds = self.field_index.windows(2);
        self.record_starts
            .iter()
            .zip(bounds)
            .map(move |(&start, b)| Record::new(input, d, start, &self.field_ends[b[0]..b[1]]))
    }
}

/// All records of an input, borrowed from it: fields are byte ranges into the
/// input, unescaped only when read, and only if they need it.
///
/// With `has_headers(true)` (the default) the first record is the
/// [header](Records::headers) and is not counted among the records.
///
/// # Example
///
/// ```
/// use strs_tools::csv::CsvParser;
///
/// let parser = CsvParser::new();
/// let records = parser.parse("name,quote\nann,\"say \"\"hi\"\"\"\nbob,plain\n").unwrap();
/// assert_eq!(records.len(), 2);
/// assert_eq!(records.headers().unwrap().get(1).unwrap(), &b"quote"[..]);
/// let ann = records.get(0).unwrap();
/// assert_eq!(ann.get(1).unwrap(), &b"say \"hi\""[..]);
/// ```
#[derive(Clone)]
pub struct Records<'a> {
    pub(crate) input: &'a [u8],
    pub(crate) dialect: Dialect,
    pub(crate) units: Vec<Unit>,
    /// `offsets[u]` is the index (header included) of unit `u`'s first record.
    pub(crate) offsets: Vec<usize>,
    /// 1 if the first record is the header, else 0.
    pub(crate) skip: usize,
}

impl<'a> Records<'a> {
    pub(crate) fn new(input: &'a [u8], dialect: Dialect, units: Vec<Unit>, has_headers: bool) -> Self {
        let mut offsets = Vec::with_capacity(units.len() + 1);
        let mut total = 0;
        for u in &units {
            offsets.push(total);
            total += u.len();
        }
        offsets.push(total);
        let skip = usize::from(has_headers && total > 0);
        Records {
            input,
            dialect,
            units,
            offsets,
            skip,
        }
    }

    fn total(&self) -> usize {
        *self.offsets.last().unwrap_or(&0)
    }

    /// Record number `index` counting the header, which must exist.
    fn record_at(&self, index: usize) -> Record<'_> {
        // The last unit whose first record is at or before `index`.
        let u = self.offsets.partition_point(|&o| o <= index) - 1;
        self.units[u].record(self.input, &self.dialect, index - self.offsets[u])
    }

    /// The number of records, the header excluded.
    pub fn len(&self) -> usize {
        self.total() - self.skip
    }

    /// Whether there is no record (the header excluded).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The header record, if the parser was built with `has_headers(true)` and
    /// the input has at least one record.
    pub fn headers(&self) -> Option<Record<'_>> {
        (self.skip == 1).then(|| self.record_at(0))
    }

    /// Record `index` (from 0, the header excluded), or `None` past the end.
    pub fn get(&self, index: usize) -> Option<Record<'_>> {
        (index < self.len()).then(|| self.record_at(index + self.skip))
    }

    /// The records in input order.
    pub fn iter(&self) -> RecordsIter<'_, 'a> {
        RecordsIter {
            records: self,
            range: self.skip..self.total(),
        }
    }

    /// The records as an indexed parallel iterator: `collect` keeps input order.
    ///
    /// # Example
    ///
    /// ```
    /// use rayon::prelude::*;
    /// use strs_tools::csv::CsvParser;
    ///
    /// let records = CsvParser::new().parse("n\n1\n2\n3\n").unwrap();
    /// let doubled: Vec<u32> = records
    ///     .par_iter()
    ///     .map(|r| std::str::from_utf8(&r.get(0).unwrap()).unwrap().parse::<u32>().unwrap() * 2)
    ///     .collect();
    /// assert_eq!(doubled, [2, 4, 6]);
    /// ```
    pub fn par_iter(&self) -> ParRecords<'_, 'a> {
        ParRecords { inner: self.iter() }
    }

    /// The index of the first header field equal to `name`.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.headers()?.iter().position(|f| *f == *name.as_bytes())
    }

    /// Resolves columns given by index or header name to indices.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::UnknownColumn`] for a name no header field has (or when the
    /// input has no header).
    pub fn resolve(&self, columns: &[Column<'_>]) -> Result<Vec<usize>, Error> {
        columns
            .iter()
            .map(|c| match *c {
                Column::Index(i) => Ok(i),
                Column::Name(name) => self
                    .column_index(name)
                    .ok_or_else(|| Error::new(ErrorKind::UnknownColumn(name.to_owned()), None)),
            })
            .collect()
    }

    /// The selected columns of every record, in parallel, in input order; a
    /// record too short for a column gives `None` there.
    ///
    /// # Errors
    ///
    /// As [`Records::resolve`].
    ///
    /// # Example
    ///
    /// ```
    /// use strs_tools::csv::{Column, CsvParser};
    ///
    /// let records = CsvParser::new().parse("id,name,age\n1,ann,30\n2,bob,40\n").unwrap();
    /// let rows = records.select(&[Column::Name("age"), Column::Index(0)]).unwrap();
    /// assert_eq!(rows[1][0].as_deref(), Some(&b"40"[..]));
    /// assert_eq!(rows[1][1].as_deref(), Some(&b"2"[..]));
    /// assert!(records.select(&[Column::Name("nope")]).is_err());
    /// ```
    pub fn select(&self, columns: &[Column<'_>]) -> Result<Vec<SelectedRow<'_>>, Error> {
        let indices = self.resolve(columns)?;
        Ok(self
            .par_iter()
            .map(|r| indices.iter().map(|&i| r.get(i)).collect())
            .collect())
    }
}

impl<'s, 'a> IntoIterator for &'s Records<'a> {
    type Item = Record<'s>;
    type IntoIter = RecordsIter<'s, 'a>;

    fn into_iter(self) -> RecordsIter<'s, 'a> {
        self.iter()
    }
}

/// The records of a [`Records`], in input order: see [`Records::iter`].
#[derive(Clone, Debug)]
pub struct RecordsIter<'s, 'a> {
    records: &'s Records<'a>,
    /// The indices (header counted) of the records not yet yielded.
    range: Range<usize>,
}

impl<'s> Iterator for RecordsIter<'s, '_> {
    type Item = Record<'s>;

    fn next(&mut self) -> Option<Record<'s>> {
        self.range.next().map(|i| self.records.record_at(i))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.range.size_hint()
    }

    fn nth(&mut self, n: usize) -> Option<Record<'s>> {
        self.range.nth(n).map(|i| self.records.record_at(i))
    }
}

impl DoubleEndedIterator for RecordsIter<'_, '_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.range.next_back().map(|i| self.records.record_at(i))
    }
}

impl ExactSizeIterator for RecordsIter<'_, '_> {}

impl std::iter::FusedIterator for RecordsIter<'_, '_> {}

/// The records of a [`Records`] as an indexed parallel iterator: see
/// [`Records::par_iter`].
#[derive(Clone, Debug)]
pub struct ParRecords<'s, 'a> {
    inner: RecordsIter<'s, 'a>,
}

impl<'s> ParallelIterator for ParRecords<'s, '_> {
    type Item = Record<'s>;

    fn drive_unindexed<C: UnindexedConsumer<Record<'s>>>(self, consumer: C) -> C::Result {
        bridge(self, consumer)
    }

    fn opt_len(&self) -> Option<usize> {
        Some(self.inner.len())
    }
}

impl IndexedParallelIterator for ParRecords<'_, '_> {
    fn len(&self) -> usize {
        self.inner.len()
    }

    fn drive<C: Consumer<Self::Item>>(self, consumer: C) -> C::Result {
        bridge(self, consumer)
    }

    fn with_producer<CB: ProducerCallback<Self::Item>>(self, callback: CB) -> CB::Output {
        callback.callback(self.inner)
    }
}

/// The records of an index range, split in halves for rayon.
impl<'s, 'a> Producer for RecordsIter<'s, 'a> {
    type Item = Record<'s>;
    type IntoIter = RecordsIter<'s, 'a>;

    fn into_iter(self) -> Self::IntoIter {
        self
    }

    fn split_at(self, index: usize) -> (Self, Self) {
        let mid = self.range.start + index;
        (
            RecordsIter {
                records: self.records,
                range: self.range.start..mid,
            },
            RecordsIter {
                records: self.records,
                range: mid..self.range.end,
            },
        )
    }
}

/// The selected fields of one record, in the order the columns were given; `None`
/// where the record has no such field.
pub type SelectedRow<'r> = Vec<Option<Cow<'r, [u8]>>>;

/// A column, by position or by header name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column<'n> {
    /// The field at this index (from 0).
    Index(usize),
    /// The first field whose header equals this name.
    Name(&'n str),
}

impl std::fmt::Debug for Records<'_> {
    /// The counts, not the input (which may be gigabytes).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Records")
            .field("len", &self.len())
            .field("headers", &self.headers())
            .field("units", &self.units.len())
            .finish()
    }
}

/// One record: its fields as byte ranges into the input.
#[derive(Clone, Copy)]
pub struct Record<'r> {
    input: &'r [u8],
    dialect: &'r Dialect,
    start: usize,
    ends: &'r [u64],
    /// The offset of `input` in the whole input (a read window's, when streaming).
    base: u64,
}

impl std::fmt::Debug for Record<'_> {
    /// The byte range and the field contents (lossy UTF-8), not the whole input.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let fields: Vec<String> = self
            .iter()
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .collect();
        f.debug_struct("Record")
            .field("bytes", &self.byte_range())
            .field("fields", &fields)
            .finish()
    }
}

impl<'r> Record<'r> {
    pub(crate) fn new(input: &'r [u8], dialect: &'r Dialect, start: usize, ends: &'r [u64]) -> Self {
        Record {
            input,
            dialect,
            start,
            ends,
            base: 0,
        }
    }

    /// The record, for an `input` that starts at byte `base` of the whole input.
    pub(crate) fn based(self, base: u64) -> Self {
        Record { base, ..self }
    }

    /// The number of fields (at least 1).
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Always `false`: a record has at least one field (empty lines are no records).
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The raw byte range of field `i` in the input (quotes included, delimiter
    /// excluded). Offsets count from the input's first byte, also for records
    /// read from a stream.
    pub fn range(&self, i: usize) -> Option<Range<u64>> {
        self.local_range(i)
            .map(|r| r.start as u64 + self.base..r.end as u64 + self.base)
    }

    /// The range of field `i` in `self.input`.
    fn local_range(&self, i: usize) -> Option<Range<usize>> {
        let end = (*self.ends.get(i)? & OFFSET) as usize;
        let start = match i {
            0 => self.start,
            _ => (self.ends[i - 1] & OFFSET) as usize + 1,
        };
        Some(start..end)
    }

    /// The raw bytes of field `i` (quotes and escapes as written).
    pub fn raw(&self, i: usize) -> Option<&'r [u8]> {
        self.local_range(i).map(|r| &self.input[r])
    }

    /// The content of field `i`: borrowed from the input unless it contains doubled
    /// or escaped quotes (or is malformed), in which case it is unescaped into a
    /// new buffer. Semantically the same as the field of the `csv` crate's
    /// `ByteRecord`.
    pub fn get(&self, i: usize) -> Option<Cow<'r, [u8]>> {
        let raw = self.raw(i)?;
        let flags = self.ends[i] & !OFFSET;
        Some(if flags & COMPLEX != 0 {
            Cow::Owned(unescape(self.dialect, raw))
        } else if flags & QUOTED != 0 {
            Cow::Borrowed(&raw[1..raw.len() - 1])
        } else {
            Cow::Borrowed(raw)
        })
    }

    /// The content of field `i` as text.
    ///
    /// # Errors
    ///
    /// The UTF-8 error of the field content, if it is not valid UTF-8.
    pub fn get_str(&self, i: usize) -> Option<Result<Cow<'r, str>, std::str::Utf8Error>> {
        Some(match self.get(i)? {
            Cow::Borrowed(b) => std::str::from_utf8(b).map(Cow::Borrowed),
            Cow::Owned(v) => String::from_utf8(v).map(Cow::Owned).map_err(|e| e.utf8_error()),
        })
    }

    /// The field contents in order.
    pub fn iter(&self) -> Fields<'r> {
        Fields {
            record: *self,
            range: 0..self.len(),
        }
    }

    /// The raw byte range of the whole record in the input (terminator excluded),
    /// counted from the input's first byte, also for records read from a stream.
    pub fn byte_range(&self) -> Range<u64> {
        let end = self.ends.last().map_or(self.start, |&e| (e & OFFSET) as usize);
        self.start as u64 + self.base..end as u64 + self.base
    }

    /// The raw bytes of the whole record (terminator excluded).
    pub fn raw_record(&self) -> &'r [u8] {
        let end = self.ends.last().map_or(self.start, |&e| (e & OFFSET) as usize);
        &self.input[self.start..end]
    }

    /// The field contents as owned vectors (what `csv::ByteRecord` holds).
    pub fn to_vec(&self) -> Vec<Vec<u8>> {
        self.iter().map(Cow::into_owned).collect()
    }
}

impl<'r> IntoIterator for Record<'r> {
    type Item = Cow<'r, [u8]>;
    type IntoIter = Fields<'r>;

    fn into_iter(self) -> Fields<'r> {
        self.iter()
    }
}

/// The field contents of a [`Record`], in order: see [`Record::iter`].
#[derive(Clone, Debug)]
pub struct Fields<'r> {
    record: Record<'r>,
    /// The indices of the fields not yet yielded.
    range: Range<usize>,
}

impl<'r> Fields<'r> {
    fn field(&self, i: usize) -> Cow<'r, [u8]> {
        self.record
            .get(i)
            .expect("the range holds the record's field indices")
    }
}

impl<'r> Iterator for Fields<'r> {
    type Item = Cow<'r, [u8]>;

    fn next(&mut self) -> Option<Cow<'r, [u8]>> {
        let i = self.range.next()?;
        Some(self.field(i))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.range.size_hint()
    }
}

impl DoubleEndedIterator for Fields<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        let i = self.range.next_back()?;
        Some(self.field(i))
    }
}

impl ExactSizeIterator for Fields<'_> {}

impl std::iter::FusedIterator for Fields<'_> {}

#[cfg(test)]
mod tests {
    use super::super::CsvParser;
    use super::*;

    #[test]
    fn the_iterators_agree_in_every_direction_and_split() {
        let input = "h1,h2\n1,a\n2,\"b\"\"\"\n3,c,extra\n4\n".repeat(7);
        let parser = CsvParser::builder()
            .chunk_size(9)
            .threads(3)
            .flexible(true)
            .build()
            .unwrap();
        let records = parser.parse(&input).unwrap();
        let by_index: Vec<Vec<Vec<u8>>> = (0..records.len())
            .map(|i| records.get(i).unwrap().to_vec())
            .collect();
        let forward: Vec<Vec<Vec<u8>>> = records.iter().map(|r| r.to_vec()).collect();
        assert_eq!(forward, by_index);
        let mut backward: Vec<Vec<Vec<u8>>> = records.iter().rev().map(|r| r.to_vec()).collect();
        backward.reverse();
        assert_eq!(backward, by_index);
        assert_eq!(records.iter().len(), records.len());
        assert_eq!(
            (&records).into_iter().nth(5).map(|r| r.to_vec()),
            by_index.get(5).cloned()
        );
        for max in [1, 2, usize::MAX] {
            let parallel: Vec<Vec<Vec<u8>>> =
                records.par_iter().with_max_len(max).map(|r| r.to_vec()).collect();
            assert_eq!(parallel, by_index);
        }
        assert_eq!(records.par_iter().len(), records.len());
        let zipped = records.par_iter().zip(records.par_iter().skip(1)).count();
        assert_eq!(zipped, records.len() - 1);
        for r in &records {
            let fields: Vec<Vec<u8>> = r.iter().map(Cow::into_owned).collect();
            assert_eq!(fields, r.to_vec());
            let mut back: Vec<Vec<u8>> = r.into_iter().rev().map(Cow::into_owned).collect();
            back.reverse();
            assert_eq!(back, fields);
            assert_eq!(r.iter().len(), r.len());
        }
    }
}
